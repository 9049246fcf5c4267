// RESIZE_NEAREST_NEIGHBOR int8 NHWC; the size operand is int32 [2] = (height, width).
#include "engine/ops/op_def.h"
#include "engine/ops/op_util.h"

namespace tinyforge {
namespace {

Status validate(const Graph& g, const Op& op) {
  TINYFORGE_TRY(checkArity(g, op, 2, 2, 1));
  const Tensor& in = g.tensor(op.inputs[0]);
  const Tensor& size = g.tensor(op.inputs[1]);
  const Tensor& out = g.tensor(op.outputs[0]);
  TINYFORGE_TRY(checkInt8Activation(op, in, "input"));
  TINYFORGE_TRY(checkInt8Activation(op, out, "output"));
  TINYFORGE_TRY(checkRank(op, in, "input", 4));
  TINYFORGE_TRY(checkType(op, size, "size", DType::kInt32));
  TINYFORGE_TRY(checkConstant(op, size, "size"));
  if (size.elementCount() != 2) return opError(op, "size must have 2 values");
  const auto* s = reinterpret_cast<const int32_t*>(size.data.data());
  return checkShape(op, out, "output", {in.shape[0], s[0], s[1], in.shape[3]});
}

int64_t macs(const Graph&, const Op&) { return 0; }

Status evaluate(const Graph& g, const Op& op, const TensorBuffers& b) {
  const tfk_resize_params p{op.params.alignCorners ? 1 : 0, op.params.halfPixelCenters ? 1 : 0};
  const tfk_dims in = dims4(g.tensor(op.inputs[0])), out = dims4(g.tensor(op.outputs[0]));
  tfk_resize_nearest_s8(&p, &in, b.in<int8_t>(op.inputs[0]), &out, b.out<int8_t>(op.outputs[0]));
  return Status::ok();
}

}  // namespace

const OpDef& opDefResizeNearestNeighbor() {
  static const OpDef def{OpKind::kResizeNearestNeighbor, validate, macs, evaluate};
  return def;
}

}  // namespace tinyforge
