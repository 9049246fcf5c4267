// `tinyforge-cli sparse-search --project P.json [--preset quick|full] --out DIR`: SpArSe.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "app/train/tool_support.h"
#include "search/sparse_run.h"

namespace {

constexpr const char* kSparseUsage =
    "usage: tinyforge-cli sparse-search --project P.json --out DIR [--preset quick|full]\n"
    "       [--method bayes|random] [--json]\n"
    "The project may hold \"sparse\": {\"memory_bytes\", \"flash_bytes\", \"device\"}: the budgets the\n"
    "exported point must meet (default 64 KB each). Writes DIR/history.json, front.json, report.json\n"
    "and the firmware of the chosen point; an interrupted run resumes from DIR/state.json.\n";

int fail(const std::string& message, int code = 1) { return tinyforge::tool::fail("sparse-search", message, code); }

}  // namespace

int runSparseCommand(const std::vector<std::string>& args) {
  using namespace tinyforge;
  std::string project, preset = "quick", out, method = "bayes";
  bool json = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const bool v = i + 1 < args.size();
    if (args[i] == "--project" && v) project = args[++i];
    else if (args[i] == "--preset" && v) preset = args[++i];
    else if (args[i] == "--out" && v) out = args[++i];
    else if (args[i] == "--method" && v) method = args[++i];
    else if (args[i] == "--json") json = true;
    else return fail("unknown option or missing value '" + args[i] + "'\n" + kSparseUsage, 2);
  }
  if (project.empty() || out.empty()) return fail(std::string("--project and --out are required\n") + kSparseUsage, 2);
  if (method != "bayes" && method != "random") return fail("--method must be bayes or random", 2);
  Result<SparseRunOptions> o = sparseRunPreset(preset);
  if (!o) return fail(o.status().message(), 2);
  std::ifstream f(project);
  if (!f) return fail("cannot open " + project);
  const nlohmann::json p = nlohmann::json::parse(f, nullptr, false);
  if (p.is_discarded() || !p.is_object()) return fail(project + " is not a JSON object");
  o.value().device = p.value("device", o.value().device);
  if (p.contains("sparse") && p["sparse"].is_object()) {
    o.value().memoryBudget = p["sparse"].value("memory_bytes", o.value().memoryBudget);
    o.value().flashBudget = p["sparse"].value("flash_bytes", o.value().flashBudget);
  }
  o.value().bayes.randomOnly = method == "random";
  o.value().outDir = out;
  Result<tool::TrainData> data = tool::loadTrainData("fashion-mnist");
  if (!data) return fail(data.status().message());
  const std::atomic<bool>* stop = tool::stopOnSignals();
  auto progress = [](const TrainProgress& pr) {
    if (pr.stage == "sparse") {
      std::fprintf(stderr, "candidate %d/%d: validation accuracy %.4f, hypervolume %.4f\n", pr.epoch, pr.epochs,
                   pr.accuracy, pr.hypervolume);
    }
  };
  Result<nlohmann::json> r = runSparseSearch(data.value().train, data.value().test, o.value(), progress, stop);
  if (!r) return fail(r.status().message() + (stop->load() ? " (run again with the same --out to resume)" : ""));
  if (json) {
    std::cout << r.value().dump(2) << "\n";
    return 0;
  }
  std::printf("%zu front points; final hypervolume %.4f\n", r.value()["front"].size(),
              r.value()["hypervolume"].back().get<double>());
  for (const auto& c : r.value()["front"]) {
    std::printf("  int8 test %.4f  flash %6lld B  working memory %6lld B  (best plan %6lld B)  non-zero params %lld\n",
                c["int8_test_accuracy"].get<double>(), c["flash_bytes"].get<long long>(),
                c["working_memory_bytes"].get<long long>(), c["peak_sram_best_bytes"].get<long long>(),
                c["nonzero_params"].get<long long>());
  }
  std::printf("report in %s/report.json\n", out.c_str());
  return 0;
}
