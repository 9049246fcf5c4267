#include "engine/plan/arena_executor.h"

#include <cstring>

#include "engine/ops/op_def.h"
#include "engine/validate.h"

namespace tinyforge {
namespace {

Status checkPlanShape(const Graph& g, const MemoryPlan& plan) {
  if (plan.offsets.size() != g.tensors.size()) {
    return Status::error("plan has offsets for " + std::to_string(plan.offsets.size()) +
                         " tensors, graph has " + std::to_string(g.tensors.size()));
  }
  if (plan.order.size() != g.ops.size()) return Status::error("plan order does not cover the graph");
  for (size_t t = 0; t < g.tensors.size(); ++t) {
    const int64_t off = plan.offsets[t];
    if (off >= 0 && off + g.tensors[t].byteSize() > plan.arenaBytes) {
      return Status::error("plan puts tensor '" + g.tensors[t].name + "' outside the arena");
    }
  }
  for (const ScratchBuffer& s : plan.scratch) {
    if (s.offset < 0 || s.offset + s.bytes > plan.arenaBytes) return Status::error("plan scratch outside the arena");
  }
  return Status::ok();
}

}  // namespace

Result<TensorValues> runGraphInArena(const Graph& graph, const MemoryPlan& plan,
                                     const std::vector<std::vector<uint8_t>>& inputs,
                                     const RunOptions& options) {
  if (Status s = validateGraph(graph); !s) return s;
  if (Status s = checkPlanShape(graph, plan); !s) return s;
  if (inputs.size() != graph.inputs.size()) {
    return Result<TensorValues>::failure("graph has " + std::to_string(graph.inputs.size()) +
                                         " inputs, " + std::to_string(inputs.size()) + " given");
  }
  std::vector<uint64_t> storage(size_t(plan.arenaBytes + 7) / 8 + 1, 0);
  auto* arena = reinterpret_cast<uint8_t*>(storage.data());
  TensorBuffers buffers;
  buffers.ptr.assign(graph.tensors.size(), nullptr);
  for (size_t t = 0; t < graph.tensors.size(); ++t) {
    const Tensor& tensor = graph.tensors[t];
    if (tensor.isConstant) buffers.ptr[t] = const_cast<uint8_t*>(tensor.data.data());
    else if (plan.offsets[t] >= 0) buffers.ptr[t] = arena + plan.offsets[t];
  }
  TensorValues values(graph.tensors.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    const TensorId id = graph.inputs[i];
    const Tensor& t = graph.tensor(id);
    if (int64_t(inputs[i].size()) != t.byteSize()) {
      return Result<TensorValues>::failure("input " + std::to_string(i) + " '" + t.name + "' needs " +
                                           std::to_string(t.byteSize()) + " bytes, got " +
                                           std::to_string(inputs[i].size()));
    }
    if (!buffers.ptr[size_t(id)]) return Result<TensorValues>::failure("plan has no place for input '" + t.name + "'");
    std::memcpy(buffers.ptr[size_t(id)], inputs[i].data(), inputs[i].size());
    values[size_t(id)] = inputs[i];
  }
  for (size_t k = 0; k < plan.order.size(); ++k) {
    if (options.cancel && options.cancel->load()) return Result<TensorValues>::failure("cancelled");
    const Op& op = graph.ops[size_t(plan.order[k])];
    buffers.scratch = nullptr;
    for (const ScratchBuffer& s : plan.scratch) {
      if (s.step == int32_t(k) + 1) buffers.scratch = arena + s.offset;
    }
    for (TensorId id : op.outputs) {
      if (!buffers.ptr[size_t(id)]) return Result<TensorValues>::failure("plan has no place for '" + graph.tensor(id).name + "'");
    }
    if (Status s = opDef(op.kind).evaluate(graph, op, buffers); !s) {
      return Result<TensorValues>::failure("op " + std::to_string(plan.order[k]) + ": " + s.message());
    }
    for (TensorId id : op.outputs) {
      const uint8_t* p = buffers.ptr[size_t(id)];
      values[size_t(id)].assign(p, p + graph.tensor(id).byteSize());
    }
    if (options.progress) options.progress(k + 1, plan.order.size());
  }
  return values;
}

}  // namespace tinyforge
