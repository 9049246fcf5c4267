// QUANTIZE: float32 -> int8, or int8 -> int8 requantization.
#include "engine/ops/op_def.h"
#include "engine/ops/op_util.h"

namespace tinyforge {
namespace {

Status validate(const Graph& g, const Op& op) {
  TINYFORGE_TRY(checkArity(g, op, 1, 1, 1));
  const Tensor& in = g.tensor(op.inputs[0]);
  const Tensor& out = g.tensor(op.outputs[0]);
  TINYFORGE_TRY(checkInt8Activation(op, out, "output"));
  TINYFORGE_TRY(checkShape(op, out, "output", in.shape));
  if (in.type == DType::kFloat32) return Status::ok();
  if (in.type == DType::kInt8) return checkInt8Activation(op, in, "input");
  return opError(op, std::string("input type ") + dtypeName(in.type) + ", expected float32 or int8");
}

int64_t macs(const Graph&, const Op&) { return 0; }

Status evaluate(const Graph& g, const Op& op, const TensorBuffers& b) {
  const Tensor& in = g.tensor(op.inputs[0]);
  const Tensor& out = g.tensor(op.outputs[0]);
  const auto n = int32_t(out.elementCount());
  if (in.type == DType::kFloat32) {
    tfk_quantize_f32_s8(n, b.in<float>(op.inputs[0]), out.scale(), out.zeroPoint(),
                        b.out<int8_t>(op.outputs[0]));
  } else {
    int32_t m = 0, shift = 0;
    tfk_quantize_multiplier(double(in.scale()) / double(out.scale()), &m, &shift);
    tfk_requantize_s8(n, b.in<int8_t>(op.inputs[0]), in.zeroPoint(), m, shift, out.zeroPoint(),
                      b.out<int8_t>(op.outputs[0]));
  }
  return Status::ok();
}

}  // namespace

const OpDef& opDefQuantize() {
  static const OpDef def{OpKind::kQuantize, validate, macs, evaluate};
  return def;
}

}  // namespace tinyforge
