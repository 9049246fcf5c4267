// DEQUANTIZE: int8 -> float32, (float)(scale * (x - zp)).
#include "engine/ops/op_def.h"
#include "engine/ops/op_util.h"

namespace tinyforge {
namespace {

Status validate(const Graph& g, const Op& op) {
  TINYFORGE_TRY(checkArity(g, op, 1, 1, 1));
  const Tensor& in = g.tensor(op.inputs[0]);
  const Tensor& out = g.tensor(op.outputs[0]);
  TINYFORGE_TRY(checkInt8Activation(op, in, "input"));
  TINYFORGE_TRY(checkType(op, out, "output", DType::kFloat32));
  return checkShape(op, out, "output", in.shape);
}

int64_t macs(const Graph&, const Op&) { return 0; }

Status evaluate(const Graph& g, const Op& op, const TensorBuffers& b) {
  const Tensor& in = g.tensor(op.inputs[0]);
  tfk_dequantize_s8_f32(int32_t(in.elementCount()), b.in<int8_t>(op.inputs[0]), double(in.scale()),
                        in.zeroPoint(), b.out<float>(op.outputs[0]));
  return Status::ok();
}

}  // namespace

const OpDef& opDefDequantize() {
  static const OpDef def{OpKind::kDequantize, validate, macs, evaluate};
  return def;
}

}  // namespace tinyforge
