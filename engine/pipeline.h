// The compiler pipeline in one place: validate -> fuse -> schedule -> plan memory (-> emit C).
//
//   Result<PlannedModel> m = planModel(graph, "best");
//   const MemoryPlan& plan = m.value().plan;   // offsets into one arena of m.value().graph
#pragma once

#include <string>
#include <vector>

#include "engine/graph.h"
#include "engine/plan/memory_plan.h"
#include "engine/status.h"

namespace tinyforge {

struct PlannedModel {
  Graph graph;                       // the graph the plan is for (after the planner's passes)
  MemoryPlan plan;
  std::vector<int32_t> fusedPadOps;  // ops of the input graph folded into convolutions
};

// "tflm": the graph as imported, file order, TFLM's greedy planner (our baseline).
// "best": PAD fused into convolutions, then the best planner (in-place ops, reordering).
Result<PlannedModel> planModel(const Graph& graph, const std::string& planner);

}  // namespace tinyforge
