// ADD int8 with TFLite's rescaling to a common scale (left shift 20) and 4-D broadcasting.
#include "engine/codegen/c_emitter.h"
#include "engine/ops/op_def.h"
#include "engine/ops/op_util.h"

namespace tinyforge {
namespace {

Status validate(const Graph& g, const Op& op) { return checkBinaryElementwise(g, op); }

int64_t macs(const Graph&, const Op&) { return 0; }

Status evaluate(const Graph& g, const Op& op, const TensorBuffers& buf) {
  const Tensor& a = g.tensor(op.inputs[0]);
  const Tensor& b = g.tensor(op.inputs[1]);
  const Tensor& out = g.tensor(op.outputs[0]);
  const tfk_add_params p = prepareAddParams(g, op);
  if (a.shape == b.shape) {
    tfk_add_s8(&p, int32_t(out.elementCount()), buf.in<int8_t>(op.inputs[0]),
               buf.in<int8_t>(op.inputs[1]), buf.out<int8_t>(op.outputs[0]));
  } else {
    const tfk_dims da = dims4Padded(a.shape), db = dims4Padded(b.shape),
                   dout = dims4Padded(out.shape);
    tfk_add_broadcast_s8(&p, &da, buf.in<int8_t>(op.inputs[0]), &db,
                         buf.in<int8_t>(op.inputs[1]), &dout, buf.out<int8_t>(op.outputs[0]));
  }
  return Status::ok();
}

// A region is whole rows of same-shape tensors: rows x width x channels elements from each.
Status evaluateRegion(const Graph& g, const Op& op, const RegionArgs& r) {
  if (!r.in2) return opError(op, "ADD on a region needs both inputs");
  const tfk_add_params p = prepareAddParams(g, op);
  const int32_t c = g.tensor(op.outputs[0]).shape[3];
  tfk_add_s8(&p, r.outH * r.outW * c, r.in, r.in2, r.out);
  return Status::ok();
}

Status emit(const Graph& g, const Op& op, CEmitter& e) {
  const Tensor& a = g.tensor(op.inputs[0]);
  const Tensor& b = g.tensor(op.inputs[1]);
  const Tensor& out = g.tensor(op.outputs[0]);
  const tfk_add_params p = prepareAddParams(g, op);
  const RegionCall* r = e.region();  // one strip of a patch stage: whole rows
  // the parameters once per op: a stage calls it on every strip
  const std::string n = r ? e.opPrefix() : e.prefix();
  e.declareOnce(n + "_p", "static const tfk_add_params " + n + "_p = " + cLiteral(p) + ";\n");
  const std::string args = "(const int8_t*)" + (r ? r->in : e.tensor(op.inputs[0]));
  const std::string args2 = "(const int8_t*)" + (r ? r->in2 : e.tensor(op.inputs[1]));
  const std::string dst = "(int8_t*)" + (r ? r->out : e.tensor(op.outputs[0]));
  if (a.shape == b.shape) {
    // tfk_add_fast_s8's path for these parameters called directly: one of the two is linked
    const bool fast = e.fastKernels() && tfk_add_uses_rescaled(&p);
    const char* kernel = fast ? "tfk_add_rescaled_s8(&" : "tfk_add_s8(&";
    const int64_t count =
        r ? int64_t(r->geo.outH) * r->geo.outW * out.shape[3] : out.elementCount();
    e.call(std::string(kernel) + n + "_p, " + std::to_string(count) + ", " + args + ", " + args2 +
           ", " + dst + ");");
  } else {
    if (r) return opError(op, "a broadcasting ADD cannot run on a region");
    e.declare("static const tfk_dims " + n + "_da = " + cLiteral(dims4Padded(a.shape)) + ", " + n +
              "_db = " + cLiteral(dims4Padded(b.shape)) + ", " + n + "_do = " +
              cLiteral(dims4Padded(out.shape)) + ";\n");
    e.call("tfk_add_broadcast_s8(&" + n + "_p, &" + n + "_da, " + args + ", &" + n + "_db, " + args2 +
           ", &" + n + "_do, " + dst + ");");
  }
  return Status::ok();
}

// Element i is read before it is written: either input of the output's shape may be overwritten.
InPlaceRule inPlace(const Graph& g, const Op& op) {
  const Tensor& out = g.tensor(op.outputs[0]);
  InPlaceRule r;
  if (g.tensor(op.inputs[0]).shape == out.shape && g.tensor(op.inputs[1]).shape == out.shape) {
    r.inputMask = 3;
  }
  return r;
}

}  // namespace

const OpDef& opDefAdd() {
  static const OpDef def{OpKind::kAdd, validate, macs, evaluate, inPlace, evaluateRegion, emit};
  return def;
}

}  // namespace tinyforge
