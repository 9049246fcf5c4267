// TRANSPOSE (rank <= 4): output dim i = input dim perm[i].
#include "engine/codegen/c_emitter.h"
#include "engine/ops/op_def.h"
#include "engine/ops/op_util.h"

namespace tinyforge {
namespace {

Status validate(const Graph& g, const Op& op) {
  TINYFORGE_TRY(checkArity(g, op, 2, 2, 1));
  const Tensor& in = g.tensor(op.inputs[0]);
  const Tensor& perm = g.tensor(op.inputs[1]);
  const Tensor& out = g.tensor(op.outputs[0]);
  TINYFORGE_TRY(checkType(op, in, "input", DType::kInt8));
  TINYFORGE_TRY(checkType(op, out, "output", DType::kInt8));
  TINYFORGE_TRY(checkType(op, perm, "perm", DType::kInt32));
  TINYFORGE_TRY(checkConstant(op, perm, "perm"));
  const size_t rank = in.shape.size();
  if (rank == 0 || rank > 4) return opError(op, "input rank " + std::to_string(rank) + ", expected 1..4");
  if (perm.elementCount() != int64_t(rank)) {
    return opError(op, "perm has " + std::to_string(perm.elementCount()) + " entries for rank " +
                           std::to_string(rank));
  }
  const auto* p = reinterpret_cast<const int32_t*>(perm.data.data());
  std::vector<int32_t> shape(rank);
  std::vector<bool> seen(rank, false);
  for (size_t i = 0; i < rank; ++i) {
    if (p[i] < 0 || size_t(p[i]) >= rank || seen[size_t(p[i])]) {
      return opError(op, "perm entry " + std::to_string(i) + " = " + std::to_string(p[i]) +
                             " is not a permutation");
    }
    seen[size_t(p[i])] = true;
    shape[i] = in.shape[size_t(p[i])];
  }
  return checkShape(op, out, "output", shape);
}

int64_t macs(const Graph&, const Op&) { return 0; }

// The 4-D shape and permutation the kernel takes (rank padded with leading 1s).
void prepare(const Graph& g, const Op& op, int32_t shape[4], int32_t perm[4]) {
  const Tensor& in = g.tensor(op.inputs[0]);
  const auto* p = reinterpret_cast<const int32_t*>(g.tensor(op.inputs[1]).data.data());
  const auto rank = int32_t(in.shape.size());
  const int32_t off = 4 - rank;
  for (int32_t i = 0; i < 4; ++i) {
    shape[i] = 1;
    perm[i] = i;
  }
  for (int32_t i = 0; i < rank; ++i) {
    shape[off + i] = in.shape[size_t(i)];
    perm[off + i] = p[i] + off;
  }
}

Status evaluate(const Graph& g, const Op& op, const TensorBuffers& b) {
  int32_t shape[4], perm[4];
  prepare(g, op, shape, perm);
  tfk_transpose_s8(shape, b.in<int8_t>(op.inputs[0]), perm, b.out<int8_t>(op.outputs[0]));
  return Status::ok();
}

Status emit(const Graph& g, const Op& op, CEmitter& e) {
  int32_t shape[4], perm[4];
  prepare(g, op, shape, perm);
  const std::string& n = e.prefix();
  e.declare("static const int32_t " + n + "_shape[4] = " + cIntArray({shape[0], shape[1], shape[2], shape[3]}) +
            ", " + n + "_perm[4] = " + cIntArray({perm[0], perm[1], perm[2], perm[3]}) + ";\n");
  e.call("tfk_transpose_s8(" + n + "_shape, (const int8_t*)" + e.tensor(op.inputs[0]) + ", " + n +
         "_perm, (int8_t*)" + e.tensor(op.outputs[0]) + ");");
  return Status::ok();
}

}  // namespace

const OpDef& opDefTranspose() {
  static const OpDef def{OpKind::kTranspose, validate, macs, evaluate, nullptr, nullptr, emit};
  return def;
}

}  // namespace tinyforge
