#include <iostream>

#include "app/cli/cli.h"
#include "engine/io/tflite_import.h"
#include "engine/pipeline.h"
#include "engine/plan/memory_report.h"

namespace tinyforge::cli {

int cmdPlan(const Args& args) {
  std::string model, planner = "best";
  bool json = false, allSteps = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--json") {
      json = true;
    } else if (a == "--steps") {
      allSteps = true;
    } else if (a == "--planner") {
      if (i + 1 >= args.size()) return fail("plan: --planner needs a value (tflm, best, patch)", 2);
      planner = args[++i];
    } else if (!a.empty() && a[0] == '-') {
      return fail("plan: unknown option '" + a + "'", 2);
    } else if (model.empty()) {
      model = a;
    } else {
      return fail("plan: more than one model given ('" + a + "')", 2);
    }
  }
  if (model.empty())
    return fail(
        "plan: usage: tinyforge-cli plan MODEL [--planner tflm|best|patch|patch-recompute] "
        "[--json] [--steps]",
        2);
  Result<Graph> graph = importTfliteFile(model);
  if (!graph) return fail(model + ": " + graph.error());
  Result<PlannedModel> planned = planModel(graph.value(), planner);
  if (!planned) return fail("plan: " + planned.error());
  const PlannedModel& m = planned.value();
  if (json) {
    nlohmann::json j = memoryReportJson(m.graph, m.plan);
    j["model"] = model;
    j["fused_pad_ops"] = m.fusedPadOps;
    std::cout << j.dump(1) << "\n";
  } else {
    std::cout << "model: " << model << "\n" << memoryReportText(m.graph, m.plan, allSteps);
    if (!m.fusedPadOps.empty()) std::cout << m.fusedPadOps.size() << " PAD ops fused into convolutions\n";
  }
  return 0;
}

}  // namespace tinyforge::cli
