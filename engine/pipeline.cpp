#include "engine/pipeline.h"

#include "engine/passes/fuse_pad.h"
#include "engine/validate.h"

namespace tinyforge {

Result<PlannedModel> planModel(const Graph& graph, const std::string& planner) {
  if (Status s = validateGraph(graph); !s) return s;
  Result<std::unique_ptr<MemoryPlanner>> p = makePlanner(planner);
  if (!p) return p.status();
  PlannedModel m;
  if (planner == "tflm") {
    m.graph = graph;
  } else {
    FusePadResult fused = fusePadIntoConv(graph);
    m.graph = std::move(fused.graph);
    m.fusedPadOps = std::move(fused.removed);
  }
  Result<MemoryPlan> plan = p.value()->plan(m.graph, fileOrder(m.graph));
  if (!plan) return plan.status();
  m.plan = std::move(plan).value();
  if (Status s = checkPlan(m.graph, m.plan); !s) return Status::error("internal: " + s.message());
  return m;
}

}  // namespace tinyforge
