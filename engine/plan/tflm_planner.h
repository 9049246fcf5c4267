// TensorFlow Lite Micro's GreedyMemoryPlanner, re-implemented so that our arena figures equal
// what TFLM's MicroAllocator commits (the `head` of a RecordingMicroInterpreter run).
//
//   TflmPlanner planner;
//   Result<MemoryPlan> plan = planner.plan(graph, fileOrder(graph));
//   int64_t head = plan.value().arenaBytes;   // == TFLM's GetMaximumMemorySize()
//
// The buffers, in the order TFLM's CreatePlan adds them: every planned tensor by increasing
// tensor id (see tensorLifetimes), then the scratch buffers TFLM's reference kernels request,
// by increasing op index. Sizes are rounded up to 16 bytes.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/graph.h"
#include "engine/plan/memory_plan.h"

namespace tinyforge {

class TflmPlanner : public MemoryPlanner {
 public:
  const char* name() const override { return "tflm"; }
  Result<MemoryPlan> plan(const Graph& graph, const std::vector<int32_t>& order) const override;
};

// One buffer handed to the greedy placement, as TFLM's AddBuffer(size, first, last) takes it.
struct GreedyBuffer {
  int64_t bytes = 0;
  int32_t firstStep = 0;
  int32_t lastStep = 0;
};

// TFLM's CalculateOffsetsIfNeeded on buffers in AddBuffer order; returns one offset per buffer.
// Buffers are placed largest first; equal sizes go in decreasing add index (TFLM fills its sort
// array from the tail, then bubble-sorts it stably by decreasing size). The first buffer goes
// at 0; each next one walks the already-placed buffers whose lifetimes intersect its own, in
// increasing offset order, and takes the first gap (from 0 or the end of the previous such
// buffer) that is large enough, else the end of the last one.
std::vector<int64_t> greedyOffsets(const std::vector<GreedyBuffer>& buffers);

// The highest end offset over all buffers (TFLM's GetMaximumMemorySize); 0 without buffers.
int64_t greedyArenaBytes(const std::vector<GreedyBuffer>& buffers,
                         const std::vector<int64_t>& offsets);

// The arena scratch TFLM's reference kernels request in Prepare, for ops of `order` (steps
// assigned from the order, offsets left at -1). Of the op kinds the engine knows only MEAN asks:
// NumElements(output) int32 sums for int8, uint8 and int16 input.
std::vector<ScratchBuffer> tflmReferenceScratch(const Graph& graph,
                                                const std::vector<int32_t>& order);

}  // namespace tinyforge
