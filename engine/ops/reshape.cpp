// RESHAPE: a byte copy (nothing when input and output share memory); values unchanged.
#include <cstring>

#include "engine/codegen/c_emitter.h"
#include "engine/ops/op_def.h"
#include "engine/ops/op_util.h"

namespace tinyforge {
namespace {

Status validate(const Graph& g, const Op& op) {
  TINYFORGE_TRY(checkArity(g, op, 1, 2, 1));
  const Tensor& in = g.tensor(op.inputs[0]);
  const Tensor& out = g.tensor(op.outputs[0]);
  TINYFORGE_TRY(checkType(op, out, "output", in.type));
  if (in.elementCount() != out.elementCount()) {
    return opError(op, "input " + shapeString(in.shape) + " and output " + shapeString(out.shape) +
                           " differ in element count");
  }
  return Status::ok();
}

int64_t macs(const Graph&, const Op&) { return 0; }

Status evaluate(const Graph& g, const Op& op, const TensorBuffers& b) {
  const void* src = b.in<uint8_t>(op.inputs[0]);
  void* dst = b.out<uint8_t>(op.outputs[0]);
  if (src != dst) std::memmove(dst, src, size_t(g.tensor(op.outputs[0]).byteSize()));
  return Status::ok();
}

Status emit(const Graph& g, const Op& op, CEmitter& e) {
  if (e.sameBuffer(op.inputs[0], op.outputs[0])) return Status::ok();  // an alias: nothing to do
  e.call("memmove(" + e.tensor(op.outputs[0]) + ", " + e.tensor(op.inputs[0]) + ", " +
         std::to_string(g.tensor(op.outputs[0]).byteSize()) + ");");
  return Status::ok();
}

// An alias: the output is the input's bytes.
InPlaceRule inPlace(const Graph&, const Op&) { return {1, 0}; }

}  // namespace

const OpDef& opDefReshape() {
  static const OpDef def{OpKind::kReshape, validate, macs, evaluate, inPlace, nullptr, emit};
  return def;
}

}  // namespace tinyforge
