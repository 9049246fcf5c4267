// MEAN over the spatial axes {1,2} of an NHWC int8 tensor (global average pooling).
#include "engine/codegen/c_emitter.h"
#include "engine/ops/op_def.h"
#include "engine/ops/op_util.h"

namespace tinyforge {
namespace {

Status validate(const Graph& g, const Op& op) {
  TINYFORGE_TRY(checkArity(g, op, 2, 2, 1));
  const Tensor& in = g.tensor(op.inputs[0]);
  const Tensor& axes = g.tensor(op.inputs[1]);
  const Tensor& out = g.tensor(op.outputs[0]);
  TINYFORGE_TRY(checkInt8Activation(op, in, "input"));
  TINYFORGE_TRY(checkInt8Activation(op, out, "output"));
  TINYFORGE_TRY(checkRank(op, in, "input", 4));
  TINYFORGE_TRY(checkType(op, axes, "axes", DType::kInt32));
  TINYFORGE_TRY(checkConstant(op, axes, "axes"));
  const auto* a = reinterpret_cast<const int32_t*>(axes.data.data());
  const bool hw = axes.elementCount() == 2 && ((a[0] == 1 && a[1] == 2) || (a[0] == 2 && a[1] == 1));
  if (!hw) return opError(op, "only the mean over axes {1,2} of a 4-D tensor is supported");
  if (op.params.keepDims) {
    return checkShape(op, out, "output", {in.shape[0], 1, 1, in.shape[3]});
  }
  return checkShape(op, out, "output", {in.shape[0], in.shape[3]});
}

int64_t macs(const Graph&, const Op&) { return 0; }

tfk_mean_params prepare(const Graph& g, const Op& op) {
  const Tensor& in = g.tensor(op.inputs[0]);
  const Tensor& out = g.tensor(op.outputs[0]);
  tfk_mean_params p{};
  p.input_zero_point = in.zeroPoint();
  p.output_zero_point = out.zeroPoint();
  int32_t m = 0, shift = 0;
  tfk_quantize_multiplier(double(in.scale()) / double(out.scale()), &m, &shift);
  tfk_mean_hw_multiplier(m, shift, in.shape[1] * in.shape[2], &p.multiplier, &p.shift);
  return p;
}

Status evaluate(const Graph& g, const Op& op, const TensorBuffers& b) {
  const tfk_mean_params p = prepare(g, op);
  const tfk_dims dims = dims4(g.tensor(op.inputs[0]));
  tfk_mean_hw_s8(&p, &dims, b.in<int8_t>(op.inputs[0]), b.out<int8_t>(op.outputs[0]));
  return Status::ok();
}

Status emit(const Graph& g, const Op& op, CEmitter& e) {
  const std::string& n = e.prefix();
  e.declare("static const tfk_mean_params " + n + "_p = " + cLiteral(prepare(g, op)) + ";\n");
  e.declare("static const tfk_dims " + n + "_di = " + cLiteral(dims4(g.tensor(op.inputs[0]))) + ";\n");
  e.call("tfk_mean_hw_s8(&" + n + "_p, &" + n + "_di, (const int8_t*)" + e.tensor(op.inputs[0]) +
         ", (int8_t*)" + e.tensor(op.outputs[0]) + ");");
  return Status::ok();
}

}  // namespace

const OpDef& opDefMean() {
  static const OpDef def{OpKind::kMean, validate, macs, evaluate, nullptr, nullptr, emit};
  return def;
}

}  // namespace tinyforge
