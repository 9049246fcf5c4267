// `tinyforge-cli sparse-search --project P.json [--preset quick|full] --out DIR`: SpArSe.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "app/train/search_settings.h"
#include "app/train/tool_support.h"
#include "search/run_files.h"
#include "search/sparse_run.h"

namespace {

constexpr const char* kSparseUsage =
    "usage: tinyforge-cli sparse-search --project P.json --out DIR [--preset quick|full]\n"
    "       [--method bayes|random] [--seed S] [--json]\n"
    "Without --preset, the project's \"search\": {\"preset\"} is used (default quick).\n"
    "The project names the device and may hold \"search\": {\"sram_bytes\", \"flash_bytes\" (the working\n"
    "memory and flash the exported point must meet, default 64 KB each), \"dataset\", \"train_images\",\n"
    "\"epochs\", \"iterations\", \"verify\", \"size_objective\" (flash or nonzero), \"memory_objective\"\n"
    "(sparse or best), \"objectives\" (error and any of size, memory)}. Writes DIR/run.json,\n"
    "events.jsonl, history.json and candidates/N.tflite (after every point), front.json, report.json\n"
    "and the firmware of the chosen point; an interrupted run resumes from DIR/state.json.\n";

int fail(const std::string& message, int code = 1) { return tinyforge::tool::fail("sparse-search", message, code); }

}  // namespace

int runSparseCommand(const std::vector<std::string>& args) {
  using namespace tinyforge;
  std::string project, preset, out, method = "bayes", seed;
  bool json = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const bool v = i + 1 < args.size();
    if (args[i] == "--project" && v) project = args[++i];
    else if (args[i] == "--preset" && v) preset = args[++i];
    else if (args[i] == "--out" && v) out = args[++i];
    else if (args[i] == "--method" && v) method = args[++i];
    else if (args[i] == "--json") json = true;
    else if (args[i] == "--seed" && v) seed = args[++i];
    else if (args[i] == "--help" || args[i] == "-h") return std::cerr << kSparseUsage, 0;
    else return fail("unknown option or missing value '" + args[i] + "'\n" + kSparseUsage, 2);
  }
  if (project.empty() || out.empty()) return fail(std::string("--project and --out are required\n") + kSparseUsage, 2);
  if (method != "bayes" && method != "random") return fail("--method must be bayes or random", 2);
  Result<nlohmann::json> p = tool::readJsonObject(project);
  if (!p) return fail(p.status().message());
  Result<std::string> presetName = tool::searchPreset(p.value(), preset);
  if (!presetName) return fail(project + ": " + presetName.status().message(), 2);
  preset = presetName.value();
  Result<SparseRunOptions> o = sparseRunPreset(preset);
  if (!o) return fail(o.status().message(), 2);
  std::string dataset = "fashion-mnist";
  if (Status s = tool::applySparseProject(p.value(), &o.value(), &dataset); !s) return fail(project + ": " + s.message());
  o.value().bayes.randomOnly = method == "random";
  if (!seed.empty()) {  // the search's proposals and every candidate's training
    try {
      o.value().bayes.seed = o.value().train.seed = std::stoull(seed);
    } catch (const std::exception&) {
      return fail("--seed needs a number", 2);
    }
  }
  o.value().train.logEveryBatches = 5;  // the event log keeps at most two a second
  o.value().outDir = out;
  tool::EventLog events(out);  // creates the folder
  const nlohmann::json run = {{"command", "sparse-search"}, {"preset", preset}, {"method", method},
                              {"seed", o.value().bayes.seed}, {"project", p.value()}};
  if (Status s = writeJsonFile((std::filesystem::path(out) / "run.json").string(), run); !s) return fail(s.message());
  Result<tool::TrainData> data = tool::loadTrainData(dataset);
  if (!data) {
    events.write({{"event", "end"}, {"ok", false}, {"message", data.status().message()}});
    return fail(data.status().message());
  }
  events.write({{"event", "start"}, {"command", "sparse-search"}, {"preset", preset}, {"method", method}});
  const std::atomic<bool>* stop = tool::stopOnSignals();
  auto progress = [&events](const TrainProgress& pr) {
    events.progress(pr);
    if (pr.stage == "sparse") {
      std::fprintf(stderr, "candidate %d/%d: validation accuracy %.4f, hypervolume %.4f\n", pr.epoch, pr.epochs,
                   pr.accuracy, pr.hypervolume);
    }
  };
  Result<nlohmann::json> r = runSparseSearch(data.value().train, data.value().test, o.value(), progress, stop);
  if (!r) {
    const bool stopped = stop->load();
    events.write({{"event", "end"}, {"ok", false}, {"stopped", stopped}, {"message", r.status().message()}});
    return fail(r.status().message() + (stopped ? " (run again with the same --out to resume)" : ""));
  }
  events.write({{"event", "end"}, {"ok", true}, {"message", "finished"}});
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
