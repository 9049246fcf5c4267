#include "engine/ops/op_def.h"

namespace tinyforge {

#define TINYFORGE_OP_DECLARE(e, n, c) const OpDef& opDef##e();
TINYFORGE_OP_KINDS(TINYFORGE_OP_DECLARE)
#undef TINYFORGE_OP_DECLARE

const OpDef& opDef(OpKind kind) {
  switch (kind) {
#define TINYFORGE_OP_CASE(e, n, c) \
  case OpKind::k##e: return opDef##e();
    TINYFORGE_OP_KINDS(TINYFORGE_OP_CASE)
#undef TINYFORGE_OP_CASE
  }
  return opDefAdd();
}

int64_t opConstantBytes(const Graph& graph, const Op& op) {
  int64_t bytes = 0;
  for (TensorId id : op.inputs) {
    if (id >= 0 && size_t(id) < graph.tensors.size() && graph.tensor(id).isConstant) {
      bytes += graph.tensor(id).byteSize();
    }
  }
  return bytes;
}

}  // namespace tinyforge
