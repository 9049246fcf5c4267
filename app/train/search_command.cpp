// `tinyforge-cli search --project P.json [--preset quick|full] --out DIR`: TinyNAS end to end, and
// `tinyforge-cli search-export --run DIR --candidate N --out FILE.tflite`: any candidate of a
// TinyNAS or SpArSe run as an int8 model.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "app/train/search_settings.h"
#include "app/train/tool_support.h"
#include "engine/io/tflite_export.h"
#include "search/run_files.h"
#include "search/sparse_run.h"
#include "search/tinynas.h"

namespace {

namespace fs = std::filesystem;

constexpr const char* kSearchUsage =
    "usage: tinyforge-cli search --project P.json --out DIR [--preset quick|full] [--method evolution|random]\n"
    "       [--json]\n"
    "Without --preset, the project's \"search\": {\"preset\"} is used (default quick).\n"
    "The project names the device and may hold \"search\": {\"sram_bytes\", \"flash_bytes\", \"macs\",\n"
    "\"instructions\", \"planner\", \"dataset\", \"train_images\", \"epochs\", \"population\",\n"
    "\"generations\", \"retrain_epochs\", \"verify\"}; without budgets the device's SRAM and flash are the\n"
    "budget. \"retrain_epochs\": train the winner from scratch with the train recipe instead of\n"
    "fine-tuning it from the supernet. \"stem_stride\" (1|2) and \"stage_strides\" (one 1|2 per stage)\n"
    "set the space's layout.\n"
    "Writes DIR/run.json, events.jsonl, space.json, history.json (after every generation),\n"
    "report.json, model.tflite and the firmware project; run again with the same --out to resume.\n";

constexpr const char* kExportUsage =
    "usage: tinyforge-cli search-export --run DIR --candidate N --out FILE.tflite [--epochs E]\n"
    "       [--seed S] [--json]\n"
    "Writes candidate N of DIR/history.json as an int8 model: a TinyNAS candidate with the\n"
    "supernet's inherited weights (batch norm re-calibrated), a SpArSe point as it was trained.\n"
    "--epochs E (SpArSe): train the point's deployed network (its pruned channels removed)\n"
    "again from scratch on the whole training split for E epochs with tinyforge-cli train's\n"
    "recipe, then prune and fine-tune it as the search did, instead of taking the search's\n"
    "short training.\n"
    "--epochs E (TinyNAS): train the candidate's network from scratch for E epochs with\n"
    "tinyforge-cli train's recipe, as \"retrain_epochs\" trains the winner (checkpointed in\n"
    "FILE.train/, so a killed run resumes there), instead of taking the supernet's weights.\n"
    "--seed S (with --epochs): the training's seed instead of the run's.\n";

int fail(const std::string& message, int code = 1) { return tinyforge::tool::fail("search", message, code); }
int failExport(const std::string& message, int code = 1) {
  return tinyforge::tool::fail("search-export", message, code);
}

// Point N of a SpArSe run's history.json.
tinyforge::Result<nlohmann::json> sparseCandidateOf(const std::string& runDir, long long index) {
  std::ifstream in(fs::path(runDir) / "history.json");
  const nlohmann::json history = in ? nlohmann::json::parse(in, nullptr, false) : nlohmann::json();
  if (!history.is_object() || !history.contains("candidates") || !history["candidates"].is_array()) {
    return tinyforge::Status::error(runDir + "/history.json is missing or not a SpArSe history");
  }
  const nlohmann::json& c = history["candidates"];
  if (index >= static_cast<long long>(c.size())) {
    return tinyforge::Status::error("candidate " + std::to_string(index) + " does not exist (the history has " +
                                    std::to_string(c.size()) + ")");
  }
  return c[size_t(index)];
}

// search-export's training, one line per epoch on stderr.
void printTrainProgress(const tinyforge::TrainProgress& pr) {
  if (pr.stage == "validate")
    std::fprintf(stderr, "  validation accuracy %.4f\n", pr.accuracy);
  else if (pr.batches == 0)
    std::fprintf(stderr, "%s\n", pr.stage.c_str());
  else if (pr.batch == pr.batches)
    std::fprintf(stderr, "%s epoch %d/%d: loss %.4f\n", pr.stage.c_str(), pr.epoch, pr.epochs,
                 pr.loss);
}

}  // namespace

int runSearchCommand(const std::vector<std::string>& args) {
  using namespace tinyforge;
  std::string project, preset, out, method = "evolution";
  bool json = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const bool v = i + 1 < args.size();
    if (args[i] == "--project" && v) project = args[++i];
    else if (args[i] == "--preset" && v) preset = args[++i];
    else if (args[i] == "--out" && v) out = args[++i];
    else if (args[i] == "--json") json = true;
    else if (args[i] == "--method" && v) method = args[++i];
    else if (args[i] == "--help" || args[i] == "-h") return std::cerr << kSearchUsage, 0;
    else return fail("unknown option or missing value '" + args[i] + "'\n" + kSearchUsage, 2);
  }
  if (project.empty() || out.empty()) return fail("--project and --out are required\n" + std::string(kSearchUsage), 2);
  if (method != "evolution" && method != "random") return fail("--method must be evolution or random", 2);
  Result<nlohmann::json> p = tool::readJsonObject(project);
  if (!p) return fail(p.status().message());
  Result<std::string> presetName = tool::searchPreset(p.value(), preset);
  if (!presetName) return fail(project + ": " + presetName.status().message(), 2);
  preset = presetName.value();
  Result<TinyNasOptions> o = tinyNasPreset(preset);
  if (!o) return fail(o.status().message(), 2);
  std::string dataset = "fashion-mnist";
  if (Status s = tool::applySearchProject(p.value(), &o.value(), &dataset); !s) return fail(project + ": " + s.message());
  o.value().outDir = out;
  o.value().evolution.randomOnly = method == "random";
  o.value().supernet.train.logEveryBatches = 5;  // the event log keeps at most two a second
  // What search-export needs to rebuild this run's supernet, and the studio to show its settings.
  tool::EventLog events(out);  // creates the folder
  const nlohmann::json run = {{"command", "search"}, {"preset", preset}, {"method", method}, {"project", p.value()}};
  if (Status s = writeJsonFile((fs::path(out) / "run.json").string(), run); !s) return fail(s.message());
  Result<tool::TrainData> data = tool::loadTrainData(dataset);
  if (!data) {
    events.write({{"event", "end"}, {"ok", false}, {"message", data.status().message()}});
    return fail(data.status().message());
  }
  events.write({{"event", "start"}, {"command", "search"}, {"preset", preset}, {"method", method}});
  const std::atomic<bool>* stop = tool::stopOnSignals();
  // Random search samples in rounds of one population; the progress stage is "evolution" for both.
  const char* round = method == "random" ? "random search round" : "evolution generation";
  auto progress = [&events, round](const TrainProgress& pr) {
    events.progress(pr);
    if (pr.stage == "evolution") {
      std::fprintf(stderr, "%s %d/%d candidate %lld/%lld: validation accuracy %.4f\n", round,
                   pr.epoch, pr.epochs, static_cast<long long>(pr.batch),
                   static_cast<long long>(pr.batches), pr.accuracy);
    } else if (pr.batches > 0) {
      if (pr.batch % 50 != 0 && pr.batch != pr.batches) return;
      std::fprintf(stderr, "%s epoch %d/%d batch %lld/%lld: loss %.4f\n", pr.stage.c_str(), pr.epoch, pr.epochs,
                   static_cast<long long>(pr.batch), static_cast<long long>(pr.batches), pr.loss);
    } else {
      std::fprintf(stderr, "%s\n", pr.stage.c_str());
    }
  };
  Result<nlohmann::json> r = runTinyNas(data.value().train, data.value().test, o.value(), progress, stop);
  if (!r) {
    const bool stopped = stop->load();
    events.write({{"event", "end"}, {"ok", false}, {"stopped", stopped}, {"message", r.status().message()}});
    return fail(r.status().message() + (stopped ? " (run again with the same --out to resume)" : ""));
  }
  events.write({{"event", "end"}, {"ok", true}, {"message", "finished"}});
  if (json) {
    std::cout << r.value().dump(2) << "\n";
  } else {
    const nlohmann::json& j = r.value();
    std::printf("chosen width %.2f, resolution %d; winner int8 test accuracy %.4f (float %.4f)\n",
                j["chosen"]["width"].get<double>(), j["chosen"]["resolution"].get<int>(),
                j["int8_test_accuracy"].get<double>(), j["float_test_accuracy"].get<double>());
    std::printf("peak SRAM %lld B, %lld MACs; report in %s/report.json, firmware in %s/firmware\n",
                j["peak_sram_bytes"].get<long long>(), j["macs"].get<long long>(), out.c_str(), out.c_str());
  }
  return 0;
}

int runSearchExportCommand(const std::vector<std::string>& args) {
  using namespace tinyforge;
  std::string runDir, out;
  long long index = -1;
  int epochs = 0;
  long long seed = -1;  // the training's seed with --epochs (default: the run's)
  bool json = false;
  try {
    for (size_t i = 0; i < args.size(); ++i) {
      const bool v = i + 1 < args.size();
      if (args[i] == "--run" && v) runDir = args[++i];
      else if (args[i] == "--candidate" && v) index = std::stoll(args[++i]);
      else if (args[i] == "--epochs" && v) epochs = std::stoi(args[++i]);
      else if (args[i] == "--seed" && v)
        seed = std::stoll(args[++i]);
      else if (args[i] == "--out" && v) out = args[++i];
      else if (args[i] == "--json") json = true;
      else if (args[i] == "--help" || args[i] == "-h") return std::cerr << kExportUsage, 0;
      else return failExport("unknown option or missing value '" + args[i] + "'\n" + kExportUsage, 2);
    }
  } catch (const std::exception&) {
    return failExport("--candidate, --epochs and --seed need a number", 2);
  }
  if (runDir.empty() || out.empty() || index < 0) {
    return failExport(std::string("--run, --candidate and --out are required\n") + kExportUsage, 2);
  }
  if (epochs < 0) return failExport("--epochs must be positive", 2);
  if (seed != -1 && (seed < 0 || epochs == 0))
    return failExport("--seed needs --epochs and a seed >= 0", 2);
  Result<nlohmann::json> run = tool::readJsonObject((fs::path(runDir) / "run.json").string());
  if (!run) return failExport(run.status().message() + " (is " + runDir + " a search's --out folder?)");
  const std::string command = run.value().value("command", std::string());
  nlohmann::json result = {{"candidate", index}, {"model", out}};
  if (command == "sparse-search" && epochs > 0) {
    Result<nlohmann::json> c = sparseCandidateOf(runDir, index);
    if (!c) return failExport(c.status().message());
    Result<SparseArch> arch = sparseArchFromJson(c.value().at("arch"));
    if (!arch) return failExport(arch.status().message());
    Result<SparseRunOptions> o = sparseRunPreset(run.value().value("preset", std::string("quick")));
    if (!o) return failExport(o.status().message());
    std::string dataset = "fashion-mnist";
    if (Status s = tool::applySparseProject(run.value()["project"], &o.value(), &dataset); !s) {
      return failExport(s.message());
    }
    // The final training uses tinyforge-cli train's recipe (SGD with Nesterov momentum, cosine
    // learning rate, augmentation), not the search's short Adam schedule, so that a point and a
    // hand design trained with `train` for the same epochs compare like for like.
    TrainOptions recipe;
    recipe.epochs = epochs;
    recipe.seed = seed >= 0 ? uint64_t(seed) : o.value().train.seed;
    o.value().train = recipe;
    Result<tool::TrainData> data = tool::loadTrainData(dataset);
    if (!data) return failExport(data.status().message());
    Result<SparsePointModel> m =
        trainSparsePoint(arch.value(), data.value().train, data.value().test, o.value(),
                         printTrainProgress, tool::stopOnSignals());
    if (!m) return failExport(m.status().message());
    if (Status s = exportTfliteFile(m.value().graph, out); !s) return failExport(s.message());
    result["epochs"] = epochs;
    result["seed"] = recipe.seed;
    result["float_validation_accuracy"] = m.value().floatValidationAccuracy;
    result["float_test_accuracy"] = m.value().floatTestAccuracy;
    result["int8_test_accuracy"] = m.value().int8TestAccuracy;
    result["working_memory_bytes"] = m.value().cost.workingMemory;
    result["flash_bytes_estimate"] = m.value().cost.flashBytes;
    result["nonzero_params"] = m.value().cost.nonZeroParams;
  } else if (command == "sparse-search") {
    const fs::path model = fs::path(runDir) / "candidates" / (std::to_string(index) + ".tflite");
    std::error_code ec;
    if (!fs::exists(model)) return failExport(model.string() + " is missing (no such candidate in this run)");
    fs::copy_file(model, out, fs::copy_options::overwrite_existing, ec);
    if (ec) return failExport("cannot write " + out + ": " + ec.message());
  } else if (command == "search") {
    std::ifstream hf(fs::path(runDir) / "history.json");
    const nlohmann::json history = hf ? nlohmann::json::parse(hf, nullptr, false) : nlohmann::json();
    if (!history.is_array()) return failExport(runDir + "/history.json is missing or not a TinyNAS history");
    if (index >= static_cast<long long>(history.size())) {
      return failExport("candidate " + std::to_string(index) + " does not exist (the history has " +
                  std::to_string(history.size()) + ")");
    }
    const nlohmann::json& c = history[size_t(index)];
    if (!c.value("feasible", false)) {
      return failExport("candidate " + std::to_string(index) + " does not fit the budget (" +
                  c.value("violation", std::string("infeasible")) + "); it was never trained");
    }
    Result<TinyNasOptions> o = tinyNasPreset(run.value().value("preset", std::string("quick")));
    if (!o) return failExport(o.status().message());
    std::string dataset = "fashion-mnist";
    if (Status s = tool::applySearchProject(run.value()["project"], &o.value(), &dataset); !s) return failExport(s.message());
    o.value().outDir = runDir;
    Result<tool::TrainData> data = tool::loadTrainData(dataset);
    if (!data) return failExport(data.status().message());
    if (epochs > 0) {
      if (seed >= 0) o.value().seed = uint64_t(seed);
      Graph int8;
      const std::string trainDir = fs::path(out).replace_extension(".train").string();
      Result<nlohmann::json> t =
          retrainTinyNasCandidate(data.value().train, data.value().test, o.value(), c, epochs,
                                  trainDir, printTrainProgress, tool::stopOnSignals(), &int8);
      if (!t) return failExport(t.status().message());
      if (Status s = exportTfliteFile(int8, out); !s) return failExport(s.message());
      result["epochs"] = epochs;
      result["seed"] = o.value().seed;
      result["train_dir"] = trainDir;
      result["float_test_accuracy"] = t.value()["float_test_accuracy"];
      result["int8_test_accuracy"] = t.value()["int8_test_accuracy"];
      result["train_report"] = t.value();
    } else {
      Result<TinyNasCandidateModel> m = tinyNasCandidateModel(data.value().train, data.value().test,
                                                              o.value(), c, tool::stopOnSignals());
      if (!m) return failExport(m.status().message());
      if (Status s = exportTfliteFile(m.value().graph, out); !s) return failExport(s.message());
      result["int8_test_accuracy"] = m.value().int8TestAccuracy;
    }
  } else {
    return failExport(runDir + "/run.json does not name a search");
  }
  if (json) {
    std::cout << result.dump(2) << "\n";
  } else {
    std::printf("candidate %lld written to %s\n", index, out.c_str());
    if (result.contains("int8_test_accuracy")) {
      std::printf("int8 test accuracy %.4f\n", result["int8_test_accuracy"].get<double>());
    }
  }
  return 0;
}
