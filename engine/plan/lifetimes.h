// Tensor lifetimes for an op order, and the live bytes at every step (TFLM's conventions).
//
//   Result<std::vector<TensorLifetime>> l = tensorLifetimes(graph, fileOrder(graph));
//   std::vector<int64_t> live = liveBytesPerStep(l.value(), {}, stepCount(graph));
//   int64_t lowerBound = live[peakStep(live)];
#pragma once

#include <cstdint>
#include <vector>

#include "engine/graph.h"
#include "engine/plan/memory_plan.h"
#include "engine/status.h"

namespace tinyforge {

// TFLM's MicroArenaBufferAlignment(): every arena buffer size is rounded up to this.
constexpr int64_t kArenaAlignment = 16;

inline int64_t alignArenaBytes(int64_t bytes) {
  return (bytes + kArenaAlignment - 1) / kArenaAlignment * kArenaAlignment;
}

// Steps of a full order over `graph`: ops.size() + 1 (step 0 holds the graph inputs).
inline int32_t stepCount(const Graph& graph) { return int32_t(graph.ops.size()) + 1; }

// Checks that `order` names every op of `graph` exactly once and that each op only reads
// constants, graph inputs and tensors produced at an earlier step.
Status checkOrder(const Graph& graph, const std::vector<int32_t>& order);

// Lifetimes as TFLM's AllocationInfoBuilder marks them, one per planned tensor, by increasing
// tensor id:
//   - graph inputs and graph outputs are created at step 0;
//   - an op's outputs are (re)created at its step, which also resets their last use to it;
//   - every input an op reads is last used no earlier than the op's step;
//   - graph outputs are last used at the final step (ops.size()).
// Constants, zero-byte tensors and tensors no op or graph I/O mentions are not planned.
Result<std::vector<TensorLifetime>> tensorLifetimes(const Graph& graph,
                                                    const std::vector<int32_t>& order);

// Bytes of all buffers live at each step 0..steps-1.
std::vector<int64_t> liveBytesPerStep(const std::vector<TensorLifetime>& lifetimes,
                                      const std::vector<ScratchBuffer>& scratch, int32_t steps);

// The first step holding the maximum of `liveBytes` (0 when empty).
int32_t peakStep(const std::vector<int64_t>& liveBytes);

// Tensors live at `step`, by increasing id.
std::vector<TensorId> tensorsLiveAt(const std::vector<TensorLifetime>& lifetimes, int32_t step);

// Fills plan->liveBytes, peakStep, peakTensors and lowerBoundBytes from its lifetimes and
// scratch buffers (steps = order.size() + 1).
void summarizeLiveness(MemoryPlan* plan);

}  // namespace tinyforge
