#include "engine/plan/tflm_planner.h"

#include <algorithm>
#include <string>

#include "engine/ops/op_util.h"
#include "engine/plan/lifetimes.h"

namespace tinyforge {
namespace {

bool intersectInTime(const GreedyBuffer& a, const GreedyBuffer& b) {
  return a.firstStep <= b.lastStep && b.firstStep <= a.lastStep;
}

// TFLM's placement order: its sort array holds the buffers from the last added to the first,
// and a stable sort by decreasing size keeps that reversed order among equal sizes.
std::vector<size_t> placementOrder(const std::vector<GreedyBuffer>& buffers) {
  std::vector<size_t> order(buffers.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = order.size() - 1 - i;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return buffers[a].bytes > buffers[b].bytes; });
  return order;
}

// Bytes of arena scratch TFLM's reference kernel for `op` requests in Prepare (0 = none).
int64_t referenceScratchBytes(const Graph& g, const Op& op) {
  auto valid = [&](const std::vector<TensorId>& ids) {
    return !ids.empty() && ids[0] >= 0 && size_t(ids[0]) < g.tensors.size();
  };
  if (op.kind != OpKind::kMean || !valid(op.inputs) || !valid(op.outputs)) return 0;
  const DType in = g.tensor(op.inputs[0]).type;
  if (in != DType::kInt8 && in != DType::kUInt8 && in != DType::kInt16) return 0;
  return g.tensor(op.outputs[0]).elementCount() * int64_t(sizeof(int32_t));
}

}  // namespace

std::vector<int64_t> greedyOffsets(const std::vector<GreedyBuffer>& buffers) {
  std::vector<int64_t> offsets(buffers.size(), -1);
  // Placed buffers by increasing offset; a buffer goes after those at its offset or lower.
  std::vector<size_t> byOffset;
  byOffset.reserve(buffers.size());
  for (size_t id : placementOrder(buffers)) {
    const GreedyBuffer& wanted = buffers[id];
    int64_t candidate = 0;
    for (size_t placed : byOffset) {
      if (!intersectInTime(buffers[placed], wanted)) continue;
      if (offsets[placed] - candidate >= wanted.bytes) break;  // the gap before it fits
      candidate = std::max(candidate, offsets[placed] + buffers[placed].bytes);
    }
    offsets[id] = candidate;
    const auto at = std::upper_bound(byOffset.begin(), byOffset.end(), candidate,
                                     [&](int64_t off, size_t p) { return off < offsets[p]; });
    byOffset.insert(at, id);
  }
  return offsets;
}

int64_t greedyArenaBytes(const std::vector<GreedyBuffer>& buffers,
                         const std::vector<int64_t>& offsets) {
  int64_t arena = 0;
  for (size_t i = 0; i < buffers.size() && i < offsets.size(); ++i) {
    arena = std::max(arena, offsets[i] + buffers[i].bytes);
  }
  return arena;
}

std::vector<ScratchBuffer> tflmReferenceScratch(const Graph& graph,
                                                const std::vector<int32_t>& order) {
  std::vector<int32_t> stepOfOp(graph.ops.size(), -1);
  for (size_t k = 0; k < order.size(); ++k) {
    if (order[k] >= 0 && size_t(order[k]) < stepOfOp.size())
      stepOfOp[size_t(order[k])] = int32_t(k) + 1;
  }
  std::vector<ScratchBuffer> scratch;
  for (size_t i = 0; i < graph.ops.size(); ++i) {  // TFLM prepares ops in file order
    const int64_t bytes = referenceScratchBytes(graph, graph.ops[i]);
    if (bytes <= 0 || stepOfOp[i] < 0) continue;
    ScratchBuffer s;
    s.step = stepOfOp[i];
    s.bytes = alignArenaBytes(bytes);
    s.what = opLabel(graph.ops[i]) + " (op " + std::to_string(i) + "): int32 sums";
    scratch.push_back(std::move(s));
  }
  return scratch;
}

Result<MemoryPlan> TflmPlanner::plan(const Graph& graph, const std::vector<int32_t>& order) const {
  Result<std::vector<TensorLifetime>> lifetimes = tensorLifetimes(graph, order);
  if (!lifetimes) return lifetimes.status();
  MemoryPlan plan;
  plan.planner = name();
  plan.order = order;
  plan.lifetimes = std::move(lifetimes).value();
  plan.scratch = tflmReferenceScratch(graph, order);

  std::vector<GreedyBuffer> buffers;  // TFLM's AddBuffer order: tensors by id, then scratch
  buffers.reserve(plan.lifetimes.size() + plan.scratch.size());
  for (const TensorLifetime& l : plan.lifetimes)
    buffers.push_back({l.bytes, l.firstStep, l.lastStep});
  for (const ScratchBuffer& s : plan.scratch) buffers.push_back({s.bytes, s.step, s.step});

  const std::vector<int64_t> offsets = greedyOffsets(buffers);
  plan.offsets.assign(graph.tensors.size(), -1);
  for (size_t i = 0; i < plan.lifetimes.size(); ++i) {
    plan.offsets[size_t(plan.lifetimes[i].tensor)] = offsets[i];
  }
  for (size_t j = 0; j < plan.scratch.size(); ++j) {
    plan.scratch[j].offset = offsets[plan.lifetimes.size() + j];
  }
  plan.arenaBytes = greedyArenaBytes(buffers, offsets);
  summarizeLiveness(&plan);
  return plan;
}

}  // namespace tinyforge
