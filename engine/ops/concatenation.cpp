// CONCATENATION of int8 tensors that share the output's quantization.
#include "engine/ops/op_def.h"
#include "engine/ops/op_util.h"

namespace tinyforge {
namespace {

int32_t resolvedAxis(const Graph& g, const Op& op) {
  const auto rank = int32_t(g.tensor(op.outputs[0]).shape.size());
  return op.params.axis < 0 ? op.params.axis + rank : op.params.axis;
}

Status validate(const Graph& g, const Op& op) {
  TINYFORGE_TRY(checkArity(g, op, 1, 64, 1));
  const Tensor& out = g.tensor(op.outputs[0]);
  TINYFORGE_TRY(checkInt8Activation(op, out, "output"));
  const int32_t axis = resolvedAxis(g, op);
  if (axis < 0 || axis >= int32_t(out.shape.size())) {
    return opError(op, "axis " + std::to_string(op.params.axis) + " for output rank " +
                           std::to_string(out.shape.size()));
  }
  if (op.params.activation != Activation::kNone) return opError(op, "fused activation unsupported");
  int64_t total = 0;
  for (size_t i = 0; i < op.inputs.size(); ++i) {
    const TensorId id = op.inputs[i];
    if (id == kNoTensor) return opError(op, "input " + std::to_string(i) + " is absent");
    const Tensor& in = g.tensor(id);
    TINYFORGE_TRY(checkInt8Activation(op, in, "input"));
    TINYFORGE_TRY(checkSameQuant(op, in, out, "inputs must share the output quantization"));
    if (in.shape.size() != out.shape.size()) return opError(op, "input '" + in.name + "' rank differs");
    for (size_t d = 0; d < out.shape.size(); ++d) {
      if (int32_t(d) != axis && in.shape[d] != out.shape[d]) {
        return opError(op, "input '" + in.name + "' shape " + shapeString(in.shape) +
                               " does not match output " + shapeString(out.shape));
      }
    }
    total += in.shape[size_t(axis)];
  }
  if (total != out.shape[size_t(axis)]) return opError(op, "output axis size does not match the inputs");
  return Status::ok();
}

int64_t macs(const Graph&, const Op&) { return 0; }

Status evaluate(const Graph& g, const Op& op, const TensorBuffers& b) {
  const Tensor& out = g.tensor(op.outputs[0]);
  const int32_t axis = resolvedAxis(g, op);
  int64_t outer = 1;
  for (int32_t d = 0; d < axis; ++d) outer *= out.shape[size_t(d)];
  std::vector<const int8_t*> ptrs;
  std::vector<int32_t> inner;
  for (TensorId id : op.inputs) {
    ptrs.push_back(b.in<int8_t>(id));
    inner.push_back(int32_t(g.tensor(id).elementCount() / outer));
  }
  tfk_concat_s8(int32_t(ptrs.size()), ptrs.data(), inner.data(), int32_t(outer),
                b.out<int8_t>(op.outputs[0]));
  return Status::ok();
}

}  // namespace

const OpDef& opDefConcatenation() {
  static const OpDef def{OpKind::kConcatenation, validate, macs, evaluate};
  return def;
}

}  // namespace tinyforge
