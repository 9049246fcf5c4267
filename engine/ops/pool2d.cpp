// AVERAGE_POOL_2D and MAX_POOL_2D: input and output share quantization; padding skips taps.
#include "engine/codegen/c_emitter.h"
#include "engine/ops/op_def.h"
#include "engine/ops/op_util.h"

namespace tinyforge {
namespace {

Status validate(const Graph& g, const Op& op) {
  TINYFORGE_TRY(checkArity(g, op, 1, 1, 1));
  const Tensor& in = g.tensor(op.inputs[0]);
  const Tensor& out = g.tensor(op.outputs[0]);
  TINYFORGE_TRY(checkInt8Activation(op, in, "input"));
  TINYFORGE_TRY(checkInt8Activation(op, out, "output"));
  TINYFORGE_TRY(checkRank(op, in, "input", 4));
  TINYFORGE_TRY(checkSameQuant(op, in, out, "pooling does not rescale"));
  const OpParams& p = op.params;
  if (p.filterH < 1 || p.filterW < 1 || p.strideH < 1 || p.strideW < 1) {
    return opError(op, "filter " + std::to_string(p.filterH) + "x" + std::to_string(p.filterW) +
                           " stride " + std::to_string(p.strideH) + "x" +
                           std::to_string(p.strideW) + ", all must be >= 1");
  }
  const Window wh = computeWindow(in.shape[1], p.filterH, p.strideH, 1, p.padding);
  const Window ww = computeWindow(in.shape[2], p.filterW, p.strideW, 1, p.padding);
  return checkShape(op, out, "output", {in.shape[0], wh.out, ww.out, in.shape[3]});
}

int64_t macs(const Graph&, const Op&) { return 0; }

tfk_pool_params poolParams(const Graph& g, const Op& op) {
  const Tensor& in = g.tensor(op.inputs[0]);
  const OpParams& p = op.params;
  const Window wh = computeWindow(in.shape[1], p.filterH, p.strideH, 1, p.padding);
  const Window ww = computeWindow(in.shape[2], p.filterW, p.strideW, 1, p.padding);
  const ActivationRange r = activationRange(p.activation, g.tensor(op.outputs[0]));
  return {p.strideH, p.strideW, p.filterH, p.filterW, wh.padBefore, ww.padBefore, r.min, r.max};
}

Status evaluateAverage(const Graph& g, const Op& op, const TensorBuffers& b) {
  const tfk_pool_params pp = poolParams(g, op);
  const tfk_dims in = dims4(g.tensor(op.inputs[0])), out = dims4(g.tensor(op.outputs[0]));
  tfk_avgpool_s8(&pp, &in, b.in<int8_t>(op.inputs[0]), &out, b.out<int8_t>(op.outputs[0]));
  return Status::ok();
}

Status evaluateMax(const Graph& g, const Op& op, const TensorBuffers& b) {
  const tfk_pool_params pp = poolParams(g, op);
  const tfk_dims in = dims4(g.tensor(op.inputs[0])), out = dims4(g.tensor(op.outputs[0]));
  tfk_maxpool_s8(&pp, &in, b.in<int8_t>(op.inputs[0]), &out, b.out<int8_t>(op.outputs[0]));
  return Status::ok();
}

Status emit(const Graph& g, const Op& op, CEmitter& e) {
  tfk_pool_params pp = poolParams(g, op);
  const std::string& n = e.prefix();
  // tfk_avgpool_fast_s8's path for these parameters called directly: one of the two is linked
  const std::string kernel = op.kind == OpKind::kMaxPool2D ? "tfk_maxpool_s8"
                             : e.fastKernels() && tfk_avgpool_uses_lanes(&pp)
                                 ? "tfk_avgpool_lanes_s8"
                                 : "tfk_avgpool_s8";
  if (const RegionCall* r = e.region()) {  // one tile of a patch stage
    pp.pad_top = r->geo.padTop;
    pp.pad_left = r->geo.padLeft;
    const int32_t ch = g.tensor(op.inputs[0]).shape[3];
    e.declare("static const tfk_pool_params " + n + "_p = " + cLiteral(pp) + ";\n");
    e.declare("static const tfk_dims " + n +
              "_di = " + cLiteral(tfk_dims{1, r->geo.inH, r->geo.inW, ch}) + ", " + n +
              "_do = " + cLiteral(tfk_dims{1, r->geo.outH, r->geo.outW, ch}) + ";\n");
    e.call(kernel + "(&" + n + "_p, &" + n + "_di, (const int8_t*)" + r->in + ", &" + n +
           "_do, (int8_t*)" + r->out + ");");
    return Status::ok();
  }
  e.declare("static const tfk_pool_params " + n + "_p = " + cLiteral(pp) + ";\n");
  e.declare("static const tfk_dims " + n + "_di = " + cLiteral(dims4(g.tensor(op.inputs[0]))) + ", " +
            n + "_do = " + cLiteral(dims4(g.tensor(op.outputs[0]))) + ";\n");
  e.call(kernel + "(&" + n + "_p, &" + n + "_di, (const int8_t*)" + e.tensor(op.inputs[0]) + ", &" +
         n + "_do, (int8_t*)" + e.tensor(op.outputs[0]) + ");");
  return Status::ok();
}

Status evaluateRegion(const Graph& g, const Op& op, const RegionArgs& r) {
  const OpParams& p = op.params;
  const ActivationRange act = activationRange(p.activation, g.tensor(op.outputs[0]));
  const tfk_pool_params pp{p.strideH, p.strideW, p.filterH, p.filterW, r.padTop, r.padLeft, act.min, act.max};
  const int32_t c = g.tensor(op.inputs[0]).shape[3];
  const tfk_dims in{1, r.inH, r.inW, c}, out{1, r.outH, r.outW, c};
  if (op.kind == OpKind::kMaxPool2D) {
    tfk_maxpool_s8(&pp, &in, r.in, &out, r.out);
  } else {
    tfk_avgpool_s8(&pp, &in, r.in, &out, r.out);
  }
  return Status::ok();
}

}  // namespace

const OpDef& opDefAveragePool2D() {
  static const OpDef def{OpKind::kAveragePool2D, validate, macs, evaluateAverage, nullptr, evaluateRegion,
                         emit};
  return def;
}

const OpDef& opDefMaxPool2D() {
  static const OpDef def{OpKind::kMaxPool2D, validate, macs, evaluateMax, nullptr, evaluateRegion, emit};
  return def;
}

}  // namespace tinyforge
