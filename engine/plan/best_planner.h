// TinyForge's own memory planner ("best"): whole-network placement with in-place kernels.
//
//   BestPlanner planner;
//   Result<MemoryPlan> plan = planner.plan(fusePadIntoConv(graph).graph, fileOrder(graph));
//
// What it does beyond TFLM's greedy planner:
//   - in-place ops, as each op's memory rule allows (engine/ops/*: OpDef::inPlace): depthwise
//     convolution channel by channel with one input plane of scratch, 1x1 convolution with
//     Cout <= Cin pixel by pixel with a Cin-byte temporary, ADD on either input, RESHAPE as an
//     alias; an input is overwritten only at the step where it dies;
//   - several op orders (file order and the minimum-peak order of engine/plan/schedule.h) and
//     several placement priorities, keeping the smallest arena;
//   - scratch of the in-place kernels is planned like any buffer (live on its step only).
// PAD fusion is a graph pass (engine/passes/fuse_pad.h) run before planning.
#pragma once

#include "engine/ops/op_def.h"
#include "engine/plan/memory_plan.h"

namespace tinyforge {

// The placement behind the best and patch planners: in-place groups, scratch, several
// placement priorities. Tensors not in `lifetimes` get no offset.
struct PlacementRequest {
  std::vector<TensorLifetime> lifetimes;
  std::vector<bool> noInPlace;  // per op index: run out of place (ops inside a patch stage)
  struct Span {
    int32_t first = 0, last = 0;
    int64_t bytes = 0;
    std::string what;
  };
  std::vector<Span> spans;  // extra buffers live over several steps (a patch stage's tiles)
  std::vector<std::pair<TensorId, TensorId>> shared;  // pairs placed at one offset
  // Per op index, the ops' in-place rules (inPlaceRules()), when a caller placing the same graph
  // many times computed them once; null: asked of each op on every call.
  const std::vector<InPlaceRule>* rules = nullptr;
};
// Every op's OpDef::inPlace rule (an empty rule where it has none), by op index.
std::vector<InPlaceRule> inPlaceRules(const Graph& graph);
// On success, spanOffsets receives one offset per span; each span also appears in
// plan.scratch once per step it covers, at that offset.
Result<MemoryPlan> placeBuffers(const Graph& graph, const std::vector<int32_t>& order,
                                PlacementRequest request, std::vector<int64_t>* spanOffsets);

class BestPlanner : public MemoryPlanner {
 public:
  const char* name() const override { return "best"; }
  // Plans `order` and the minimum-peak order, returns the smaller arena.
  Result<MemoryPlan> plan(const Graph& graph, const std::vector<int32_t>& order) const override;
  // Plans exactly `order` (no reordering).
  Result<MemoryPlan> planOrder(const Graph& graph, const std::vector<int32_t>& order) const;
};

}  // namespace tinyforge
