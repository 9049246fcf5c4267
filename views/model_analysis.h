// Everything the model views draw, computed once per model off the UI thread: the imported
// graph, its layer summary, and the plan of every planner. Immutable once built; views share it
// through a shared_ptr<const ModelAnalysis>.
//
//   Result<std::shared_ptr<const ModelAnalysis>> a = analyzeModelFile("m.tflite", &cancel);
//   a.value()->plans.at("best").model.plan.arenaBytes;
#pragma once
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/graph.h"
#include "engine/model_summary.h"
#include "engine/pipeline.h"
#include "engine/status.h"

namespace tinyforge::views {

struct PlannerResult {
  std::string planner;
  std::string error;        // non-empty: the planner failed (message for the user)
  PlannedModel model;       // model.graph may differ from ModelAnalysis::graph (fused PADs)
  // Per op of ModelAnalysis::graph: its op index in model.graph, or the op that absorbed it.
  std::vector<int32_t> plannedOp;
  // Per op of ModelAnalysis::graph: live arena bytes while it runs (tensors + scratch).
  std::vector<int64_t> liveBytesAtOp;
};

struct ModelAnalysis {
  std::string path;  // the model file
  Graph graph;       // as imported
  ModelSummary summary;
  std::map<std::string, PlannerResult> plans;  // "tflm", "best", "patch"
  const PlannerResult* plan(const std::string& name) const;
};

// The planner names, in the order the studio shows them.
const std::vector<std::string>& studioPlanners();

// Imports and validates the model, summarizes it and runs every planner. `cancel` may be null.
Result<std::shared_ptr<const ModelAnalysis>> analyzeModelFile(const std::string& path,
                                                              const std::atomic<bool>* cancel);
Result<std::shared_ptr<const ModelAnalysis>> analyzeGraph(Graph graph, const std::string& path,
                                                          const std::atomic<bool>* cancel);

}  // namespace tinyforge::views
