#include <iostream>

#include "app/cli/cli.h"
#include "engine/io/tflite_import.h"
#include "engine/model_summary.h"

namespace tinyforge::cli {

int cmdInspect(const Args& args) {
  std::string model;
  bool json = false;
  for (const std::string& a : args) {
    if (a == "--json") {
      json = true;
    } else if (!a.empty() && a[0] == '-') {
      return fail("inspect: unknown option '" + a + "'", 2);
    } else if (model.empty()) {
      model = a;
    } else {
      return fail("inspect: more than one model given ('" + a + "')", 2);
    }
  }
  if (model.empty()) return fail("inspect: usage: tinyforge-cli inspect MODEL [--json]", 2);
  Result<Graph> graph = importTfliteFile(model);
  if (!graph) return fail(model + ": " + graph.error());
  const ModelSummary summary = summarizeModel(graph.value());
  if (json) {
    std::cout << summaryToJson(summary).dump(1) << "\n";
  } else {
    std::cout << "model: " << model << "\n" << formatSummaryTable(summary);
  }
  return 0;
}

}  // namespace tinyforge::cli
