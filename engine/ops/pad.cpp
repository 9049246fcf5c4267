// PAD int8: paddings int32 [rank, 2] (before, after), filled with the output zero point.
#include "engine/codegen/c_emitter.h"
#include "engine/ops/op_def.h"
#include "engine/ops/op_util.h"

namespace tinyforge {
namespace {

const int32_t* paddings(const Graph& g, const Op& op) {
  return reinterpret_cast<const int32_t*>(g.tensor(op.inputs[1]).data.data());
}

Status validate(const Graph& g, const Op& op) {
  TINYFORGE_TRY(checkArity(g, op, 2, 2, 1));
  const Tensor& in = g.tensor(op.inputs[0]);
  const Tensor& pads = g.tensor(op.inputs[1]);
  const Tensor& out = g.tensor(op.outputs[0]);
  TINYFORGE_TRY(checkInt8Activation(op, in, "input"));
  TINYFORGE_TRY(checkInt8Activation(op, out, "output"));
  TINYFORGE_TRY(checkSameQuant(op, in, out, "PAD does not rescale"));
  if (in.shape.empty() || in.shape.size() > 4) return opError(op, "input rank must be 1..4");
  TINYFORGE_TRY(checkType(op, pads, "paddings", DType::kInt32));
  TINYFORGE_TRY(checkConstant(op, pads, "paddings"));
  TINYFORGE_TRY(checkShape(op, pads, "paddings", {int32_t(in.shape.size()), 2}));
  std::vector<int32_t> shape = in.shape;
  const int32_t* p = paddings(g, op);
  for (size_t i = 0; i < shape.size(); ++i) {
    if (p[2 * i] < 0 || p[2 * i + 1] < 0 || p[2 * i] > (1 << 20) || p[2 * i + 1] > (1 << 20)) {
      return opError(op, "padding of dim " + std::to_string(i) + " is (" + std::to_string(p[2 * i]) +
                             "," + std::to_string(p[2 * i + 1]) + ")");
    }
    shape[i] += p[2 * i] + p[2 * i + 1];
  }
  return checkShape(op, out, "output", shape);
}

int64_t macs(const Graph&, const Op&) { return 0; }

void prepare(const Graph& g, const Op& op, int32_t before[4], int32_t after[4]) {
  const Tensor& in = g.tensor(op.inputs[0]);
  const int32_t* p = paddings(g, op);
  const size_t off = 4 - in.shape.size();
  for (size_t i = 0; i < 4; ++i) before[i] = after[i] = 0;
  for (size_t i = 0; i < in.shape.size(); ++i) {
    before[off + i] = p[2 * i];
    after[off + i] = p[2 * i + 1];
  }
}

Status evaluate(const Graph& g, const Op& op, const TensorBuffers& b) {
  int32_t before[4], after[4];
  prepare(g, op, before, after);
  const tfk_dims dims = dims4Padded(g.tensor(op.inputs[0]).shape);
  tfk_pad_s8(&dims, b.in<int8_t>(op.inputs[0]), before, after,
             int8_t(g.tensor(op.outputs[0]).zeroPoint()), b.out<int8_t>(op.outputs[0]));
  return Status::ok();
}

Status emit(const Graph& g, const Op& op, CEmitter& e) {
  int32_t before[4], after[4];
  prepare(g, op, before, after);
  const std::string& n = e.prefix();
  e.declare("static const tfk_dims " + n + "_di = " + cLiteral(dims4Padded(g.tensor(op.inputs[0]).shape)) +
            ";\nstatic const int32_t " + n + "_b[4] = " +
            cIntArray({before[0], before[1], before[2], before[3]}) + ", " + n + "_a[4] = " +
            cIntArray({after[0], after[1], after[2], after[3]}) + ";\n");
  e.call("tfk_pad_s8(&" + n + "_di, (const int8_t*)" + e.tensor(op.inputs[0]) + ", " + n + "_b, " + n +
         "_a, " + std::to_string(g.tensor(op.outputs[0]).zeroPoint()) + ", (int8_t*)" +
         e.tensor(op.outputs[0]) + ");");
  return Status::ok();
}

}  // namespace

const OpDef& opDefPad() {
  static const OpDef def{OpKind::kPad, validate, macs, evaluate, nullptr, nullptr, emit};
  return def;
}

}  // namespace tinyforge
