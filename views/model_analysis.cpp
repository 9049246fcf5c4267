#include "views/model_analysis.h"

#include <algorithm>

#include "engine/io/tflite_import.h"
#include "engine/validate.h"

namespace tinyforge::views {

const PlannerResult* ModelAnalysis::plan(const std::string& name) const {
  auto it = plans.find(name);
  return it == plans.end() ? nullptr : &it->second;
}

const std::vector<std::string>& studioPlanners() {
  static const std::vector<std::string> kNames = {"tflm", "best", "patch"};
  return kNames;
}

namespace {

// Maps the ops of the imported graph onto the planned graph: planners only remove ops (fused
// PADs, tensor ids unchanged), so a removed op maps to the op that reads its output.
std::vector<int32_t> mapOps(const Graph& original, const PlannedModel& m) {
  std::vector<int32_t> map(original.ops.size(), -1);
  int32_t next = 0;
  for (size_t i = 0; i < original.ops.size(); ++i) {
    const bool removed =
        std::find(m.fusedPadOps.begin(), m.fusedPadOps.end(), int32_t(i)) != m.fusedPadOps.end();
    if (!removed) map[i] = next++;
  }
  for (size_t i = 0; i < original.ops.size(); ++i) {
    if (map[i] >= 0 || original.ops[i].outputs.empty()) continue;
    const TensorId out = original.ops[i].outputs[0];
    for (size_t j = 0; j < m.graph.ops.size(); ++j) {
      const auto& in = m.graph.ops[j].inputs;
      if (std::find(in.begin(), in.end(), out) != in.end()) map[i] = int32_t(j);
    }
  }
  return map;
}

PlannerResult runPlanner(const Graph& graph, const std::string& name) {
  PlannerResult r;
  r.planner = name;
  Result<PlannedModel> m = planModel(graph, name);
  if (!m) {
    r.error = m.status().message();
    return r;
  }
  r.model = std::move(m).value();
  r.plannedOp = mapOps(graph, r.model);
  // The op at position k of the order runs at step k + 1.
  std::vector<int32_t> stepOfPlanned(r.model.graph.ops.size(), 0);
  for (size_t k = 0; k < r.model.plan.order.size(); ++k) {
    stepOfPlanned[size_t(r.model.plan.order[k])] = int32_t(k + 1);
  }
  r.liveBytesAtOp.assign(graph.ops.size(), 0);
  for (size_t i = 0; i < graph.ops.size(); ++i) {
    const int32_t p = r.plannedOp[i];
    if (p < 0) continue;
    const size_t step = size_t(stepOfPlanned[size_t(p)]);
    if (step < r.model.plan.liveBytes.size()) r.liveBytesAtOp[i] = r.model.plan.liveBytes[step];
  }
  return r;
}

}  // namespace

Result<std::shared_ptr<const ModelAnalysis>> analyzeGraph(Graph graph, const std::string& path,
                                                          const std::atomic<bool>* cancel) {
  if (Status s = validateGraph(graph); !s) return s;
  auto a = std::make_shared<ModelAnalysis>();
  a->path = path;
  a->graph = std::move(graph);
  a->summary = summarizeModel(a->graph);
  for (const std::string& name : studioPlanners()) {
    if (cancel && cancel->load()) return Status::error("cancelled");
    a->plans[name] = runPlanner(a->graph, name);
  }
  return std::shared_ptr<const ModelAnalysis>(std::move(a));
}

Result<std::shared_ptr<const ModelAnalysis>> analyzeModelFile(const std::string& path,
                                                              const std::atomic<bool>* cancel) {
  Result<Graph> g = importTfliteFile(path);
  if (!g) return g.status();
  return analyzeGraph(std::move(g).value(), path, cancel);
}

}  // namespace tinyforge::views
