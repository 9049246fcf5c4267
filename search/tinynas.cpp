#include "search/tinynas.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "engine/firmware/device.h"
#include "engine/firmware/embedded.h"
#include "engine/io/tflite_export.h"
#include "engine/pipeline.h"
#include "search/latency_model.h"
#include "search/run_files.h"
#include "search/train_pipeline.h"

namespace tinyforge {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

std::vector<uint32_t> head(const std::vector<uint32_t>& v, size_t n) {
  return std::vector<uint32_t>(v.begin(), v.begin() + std::ptrdiff_t(std::min(n, v.size())));
}

// The calibrated latency model of the device's core (compiled in), or none (Cortex-M0+).
LatencyFunction latencyFor(const std::string& device, const std::string& planner) {
  Result<DeviceProfile> d = findDevice(device);
  if (!d) return {};
  const EmbeddedFile* f = embeddedFile("resources/latency/" + d.value().core + ".json");
  if (!f) return {};
  const nlohmann::json j = nlohmann::json::parse(f->data, f->data + f->size, nullptr, false);
  Result<LatencyModel> m = latencyModelFromJson(j);
  if (!m) return {};
  auto model = std::make_shared<LatencyModel>(std::move(m).value());
  return [model, planner](const ArchSpec& spec) -> int64_t {
    Result<Graph> g = archToGraph(spec);
    if (!g) return 0;
    Result<PlannedModel> p = planModel(g.value(), planner);
    return p ? predictInstructions(*model, p.value()) : 0;
  };
}

struct Stage3 {
  Candidate best;
  int64_t measured = 0;  // candidates measured with inherited weights
  nlohmann::json history = nlohmann::json::array();
};

nlohmann::json historyJson(const EvolutionSearch& evo) {
  nlohmann::json h = nlohmann::json::array();
  for (const Candidate& c : evo.history()) h.push_back(candidateToJson(c));
  return h;
}

// The accuracies a stopped run measured, by generation and choice key, from its history.json.
using Measured = std::map<std::pair<int, std::string>, double>;

Measured measuredBefore(const fs::path& historyPath) {
  Measured m;
  std::ifstream f(historyPath);
  const nlohmann::json h = f ? nlohmann::json::parse(f, nullptr, false) : nlohmann::json();
  if (!h.is_array()) return m;
  for (const nlohmann::json& c : h) {
    if (!c.is_object() || !c.value("feasible", false)) continue;
    const double acc = c.value("accuracy", -1.0);
    if (acc >= 0) m[{c.value("generation", -1), c.value("key", std::string())}] = acc;
  }
  return m;
}

// `replay`: the measured accuracies of a stopped run on this supernet. The evolution is
// deterministic given its seed and what it observed, so it proposes the same candidates in the
// same order again, and those it measured before take their recorded accuracy.
Result<Stage3> evolve(Supernet& net, const SearchSpace& space, const SpaceReport& s1,
                      const Dataset& data, const DataSplit& split, const TinyNasOptions& o,
                      const Measured& replay, const TrainCallback& progress,
                      const std::atomic<bool>* cancel) {
  const PairReport& pair = s1.pairs[size_t(s1.best)];
  EvolutionSearch evo(space, pair.width, pair.resolution, o.constraints, o.evolution,
                      latencyFor(o.device, o.constraints.budget.planner));
  const std::vector<uint32_t> calib = head(split.train, size_t(o.calibrationImages));
  const std::vector<uint32_t> val = head(split.validation, size_t(o.validationImages));
  while (!evo.done()) {
    std::vector<Candidate> batch = evo.propose();
    if (batch.empty()) break;
    for (size_t i = 0; i < batch.size(); ++i) {
      if (cancel && cancel->load()) return Status::error("cancelled");
      const auto known = replay.find({batch[i].generation, choiceKey(batch[i].choice)});
      Result<double> acc = known != replay.end() ? Result<double>(known->second)
                                                 : net.evaluate(batch[i].choice, data, calib, val);
      if (!acc) return acc.status();
      batch[i].accuracy = acc.value();
      if (progress) {
        progress({"evolution", evo.generation() + 1, o.evolution.generations, int64_t(i + 1), int64_t(batch.size()),
                  0, acc.value(), 0});
      }
    }
    evo.observe(batch);
    // After every generation, so that a viewer follows the search and a stopped run keeps it.
    if (Status s = writeJsonFile((fs::path(o.outDir) / "history.json").string(), historyJson(evo)); !s) return s;
  }
  if (!evo.best()) return Status::error("no candidate fits the constraints (see history.json)");
  Stage3 r;
  r.best = *evo.best();
  r.measured = evo.measured();
  r.history = historyJson(evo);
  return r;
}

double floatAccuracy(const FloatNet& net, const Dataset& test) {
  std::vector<uint32_t> all(test.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = uint32_t(i);
  Result<std::vector<float>> logits = floatNetLogits(net, test, all);
  if (!logits) return -1;
  const size_t classes = logits.value().size() / std::max<size_t>(1, all.size());
  size_t correct = 0;
  for (size_t i = 0; i < all.size(); ++i) {
    const float* row = logits.value().data() + i * classes;
    correct += size_t(std::max_element(row, row + classes) - row) == size_t(test.labels[i]);
  }
  return double(correct) / double(all.size());
}

struct Finish {
  FloatNet net;
  Graph int8;
  double floatTest = 0, int8Test = 0;
  nlohmann::json retrain;  // trainToInt8's report when the winner was trained from scratch
};

// A network trained from scratch for `epochs` with the `train` recipe, checkpointed in `dir`:
// the winner with o.retrainEpochs > 0, or any candidate (retrainTinyNasCandidate).
Result<Finish> retrainAndConvert(const ArchSpec& spec, const Dataset& train, const Dataset& test,
                                 const TinyNasOptions& o, int epochs, const std::string& dir,
                                 const TrainCallback& progress, const std::atomic<bool>* cancel) {
  TrainRunOptions r;
  r.train.epochs = epochs;
  r.train.subset = o.trainImages;
  r.train.seed = o.seed;
  r.train.threads = o.supernet.train.threads;
  r.train.logEveryBatches = o.supernet.train.logEveryBatches;
  r.outDir = dir;
  Finish f;
  Result<nlohmann::json> report = trainToInt8(spec, train, test, r, progress, cancel, &f.int8);
  if (!report) return report.status();
  f.floatTest = report.value().value("float_test_accuracy", 0.0);
  f.int8Test = report.value().value("int8_test_accuracy", 0.0);
  f.retrain = report.value();
  f.retrain.erase("spec");
  return f;
}

Result<Finish> fineTuneAndConvert(Supernet& net, const Candidate& best, const Dataset& train, const Dataset& test,
                                  const DataSplit& split, const TinyNasOptions& o, const TrainCallback& progress,
                                  const std::atomic<bool>* cancel) {
  Result<FloatNet> inherited = net.extract(best.choice, train, head(split.train, 2000));
  if (!inherited) return inherited.status();
  Finish f;
  f.net = inherited.value();
  if (o.finetuneEpochs > 0) {  // quantization-aware, from the inherited weights
    TrainOptions to = o.supernet.train;
    to.subset = o.trainImages;
    to.checkpointPath.clear();
    Result<TrainResult> ft = qatFinetune(f.net, train, test, split, to, o.finetuneEpochs, o.finetuneLearningRate,
                                         progress, cancel);
    if (!ft) return ft.status();
    f.net = ft.value().net;
  }
  f.floatTest = floatAccuracy(f.net, test);
  Result<Graph> g = quantizeFloatNet(f.net);
  if (!g) return g.status();
  f.int8 = std::move(g).value();
  Result<Int8Evaluation> e = evaluateInt8(f.int8, test);
  if (!e) return e.status();
  f.int8Test = e.value().accuracy;
  return f;
}

Result<nlohmann::json> finishTinyNas(Supernet& net, const Stage3& s3, const Dataset& train,
                                     const Dataset& test, const DataSplit& split,
                                     const TinyNasOptions& o, int resumed, nlohmann::json seconds,
                                     const SpaceReport& s1, const TrainCallback& progress,
                                     const std::atomic<bool>* cancel, Clock::time_point start) {
  const fs::path dir(o.outDir);
  const Candidate& best = s3.best;
  const ArchSpec spec = choiceToSpec(net.space(), best.choice);
  auto t4 = Clock::now();
  Result<Finish> f = o.retrainEpochs > 0
                         ? retrainAndConvert(spec, train, test, o, o.retrainEpochs,
                                             (dir / "winner").string(), progress, cancel)
                         : fineTuneAndConvert(net, best, train, test, split, o, progress, cancel);
  if (!f) return f.status();
  if (Status s = exportTfliteFile(f.value().int8, (dir / "model.tflite").string()); !s) return s;
  seconds["finetune_and_int8"] = since(t4);
  auto t5 = Clock::now();
  if (progress) progress({"firmware", 0, 0, 0, 0, 0, 0, 0});
  Result<nlohmann::json> fw =
      exportAndVerify(f.value().int8, test, {o.device, o.constraints.budget.planner, o.constraints.budget.stackBytes},
                      (dir / "firmware").string(), o.verify, cancel);
  if (!fw) return fw.status();
  seconds["firmware"] = since(t5);
  seconds["total"] = since(start);
  const PairReport& pair = s1.pairs[size_t(s1.best)];
  Result<PlannedModel> plan = planModel(f.value().int8, o.constraints.budget.planner);
  nlohmann::json report = {
      {"preset", o.preset},
      {"method", o.evolution.randomOnly ? "random" : "evolution"},
      {"chosen", {{"width", pair.width}, {"resolution", pair.resolution}}},
      {"winner",
       {{"choice", choiceToJson(best.choice)},
        {"spec", archSpecToJson(spec)},
        {"supernet_validation_accuracy", best.accuracy}}},
      {"float_test_accuracy", f.value().floatTest},
      {"int8_test_accuracy", f.value().int8Test},
      {"macs", archCost(spec).macs},
      {"params", archCost(spec).params},
      {"peak_sram_bytes", plan ? plan.value().plan.arenaBytes : -1},
      {"flash_estimate_bytes", best.cost.flashBytes},
      {"predicted_instructions", best.instructions},
      {"firmware", fw.value()},
      {"constraints",
       {{"sram_bytes", o.constraints.budget.sramBytes},
        {"flash_bytes", o.constraints.budget.flashBytes},
        {"macs", o.constraints.maxMacs},
        {"instructions", o.constraints.maxInstructions}}},
      {"supernet_resumed_from_epoch", resumed},
      {"candidates_measured", s3.measured},
      {"finish", o.retrainEpochs > 0
                     ? nlohmann::json{{"method", "retrain"},
                                      {"epochs", o.retrainEpochs},
                                      {"train_report", f.value().retrain}}
                     : nlohmann::json{{"method", "finetune"}, {"epochs", o.finetuneEpochs}}},
      {"seconds", seconds}};
  if (o.verify) {  // exportAndVerify returned the verification report
    const nlohmann::json& v = fw.value();
    report["instructions"] = v["instructions"];
    report["flash_bytes"] = v["flash_bytes"];
    report["ram_bytes"] = v["ram_bytes"].get<int64_t>() + v["stack_bytes"].get<int64_t>();
    report["firmware_match"] = v["match"];
    // The budgets as measured: flash is the model library (model.c and the kernels: what ships;
    // the test firmware's flash_bytes adds its harness and test data), SRAM the firmware's RAM
    // with the measured stack.
    report["library_flash_bytes"] = v["library_flash_bytes"];
    report["fits_measured"] = {
        {"sram", report["ram_bytes"].get<int64_t>() <= o.constraints.budget.sramBytes},
        {"flash", v["library_flash_bytes"].get<int64_t>() <= o.constraints.budget.flashBytes}};
  }
  if (Status s = writeJsonFile((dir / "report.json").string(), report); !s) return s;
  return report;
}

}  // namespace

Result<TinyNasCandidateModel> tinyNasCandidateModel(const Dataset& train, const Dataset& test, const TinyNasOptions& o,
                                                    const nlohmann::json& candidate, const std::atomic<bool>* cancel) {
  Result<SearchSpace> layout = tinyNasSpace(train, o);
  if (!layout) return layout.status();
  const SearchSpace& space = layout.value();
  if (!candidate.is_object() || !candidate.contains("choice")) return Status::error("the candidate has no \"choice\"");
  Result<ArchChoice> choice = choiceFromJson(space, candidate["choice"]);
  if (!choice) return choice.status();
  const int32_t r = choice.value().resolution;
  const Dataset trainR = resizeDataset(train, r, r);
  const DataSplit split = splitTrainValidation(trainR.size(), 0.1, o.seed);
  Result<std::unique_ptr<Supernet>> net = Supernet::create(space, choice.value().width, r, o.seed);
  if (!net) return net.status();
  // Loading only: with the stop flag already set, train() restores the checkpoint and returns
  // when it holds every epoch, or stops before the first batch ("cancelled") when it does not.
  SupernetOptions sn = o.supernet;
  sn.train.checkpointPath = (fs::path(o.outDir) / "supernet.pt").string();
  if (!fs::exists(sn.train.checkpointPath)) return Status::error(sn.train.checkpointPath + " is missing");
  const std::atomic<bool> loadOnly{true};
  Result<int> loaded =
      net.value()->train(trainR, o.trainImages ? head(split.train, o.trainImages) : split.train, sn, {}, &loadOnly);
  if (!loaded) {
    return Status::error("the supernet in " + sn.train.checkpointPath +
                         " has not finished training for these settings (resume the search first)");
  }
  if (cancel && cancel->load()) return Status::error("cancelled");
  Result<FloatNet> f = net.value()->extract(choice.value(), trainR, head(split.train, 2000));
  if (!f) return f.status();
  Result<Graph> g = quantizeFloatNet(f.value());
  if (!g) return g.status();
  if (cancel && cancel->load()) return Status::error("cancelled");
  TinyNasCandidateModel m;
  Result<Int8Evaluation> e = evaluateInt8(g.value(), resizeDataset(test, r, r));
  if (!e) return e.status();
  m.int8TestAccuracy = e.value().accuracy;
  m.graph = std::move(g).value();
  return m;
}

Result<nlohmann::json> retrainTinyNasCandidate(const Dataset& train, const Dataset& test,
                                               const TinyNasOptions& o,
                                               const nlohmann::json& candidate, int epochs,
                                               const std::string& dir,
                                               const TrainCallback& progress,
                                               const std::atomic<bool>* cancel, Graph* int8) {
  if (epochs <= 0) return Status::error("the epochs must be positive");
  Result<SearchSpace> layout = tinyNasSpace(train, o);
  if (!layout) return layout.status();
  if (!candidate.is_object() || !candidate.contains("choice"))
    return Status::error("the candidate has no \"choice\"");
  Result<ArchChoice> choice = choiceFromJson(layout.value(), candidate["choice"]);
  if (!choice) return choice.status();
  const int32_t r = choice.value().resolution;
  const ArchSpec spec = choiceToSpec(layout.value(), choice.value());
  Result<Finish> f = retrainAndConvert(spec, resizeDataset(train, r, r), resizeDataset(test, r, r),
                                       o, epochs, dir, progress, cancel);
  if (!f) return f.status();
  if (int8) *int8 = f.value().int8;
  nlohmann::json report = f.value().retrain;
  report["spec"] = archSpecToJson(spec);
  return report;
}

Result<SearchSpace> tinyNasSpace(const Dataset& train, const TinyNasOptions& o) {
  SearchSpace space = mcunetSpace(train.height, train.width, train.channels, train.classes ? train.classes : 10);
  if (Status s = setSpaceLayout(&space, o.stemStride, o.stageStrides); !s) return s;
  return space;
}

Result<TinyNasOptions> tinyNasPreset(const std::string& name) {
  TinyNasOptions o;
  o.preset = name;
  o.stage1Samples = stage1Samples(name);
  if (name == "quick") {
    o.trainImages = 6000;
    o.supernet.train.epochs = 2;
    o.supernet.randomSubnets = 1;
    o.evolution.population = 12;
    o.evolution.generations = 3;
    o.validationImages = 1000;
    o.finetuneEpochs = 1;
  } else if (name == "full") {
    o.supernet.train.epochs = 30;
    o.evolution.population = 100;
    o.evolution.generations = 20;
    o.finetuneEpochs = 10;
  } else {
    return Status::error("unknown preset '" + name + "' (quick or full)");
  }
  o.constraints.budget.sramBytes = 64000;
  o.constraints.budget.flashBytes = 64000;
  o.constraints.maxMacs = 30'000'000;
  return o;
}

Result<nlohmann::json> runTinyNas(const Dataset& train, const Dataset& test, const TinyNasOptions& options,
                                  const TrainCallback& progress, const std::atomic<bool>* cancel) {
  // Candidates' flash is estimated with the code sizes of the firmware device's core.
  Result<DeviceProfile> device = findDevice(options.device);
  if (!device) return device.status();
  TinyNasOptions o = options;
  o.constraints.budget.core = device.value().core;
  const fs::path dir(o.outDir);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::error("cannot create " + dir.string() + ": " + ec.message());
  const auto start = Clock::now();
  nlohmann::json seconds;
  // Stage 1: the (width, resolution) pair.
  Result<SearchSpace> layout = tinyNasSpace(train, o);
  if (!layout) return layout.status();
  const SearchSpace& space = layout.value();
  SpaceOptions so;
  so.samples = o.stage1Samples;
  so.seed = o.seed;
  const SpaceReport s1 = optimizeSpace(space, o.constraints.budget, so, {}, cancel);
  if (cancel && cancel->load()) return Status::error("cancelled");
  if (s1.best < 0) return Status::error("stage 1: no sampled network fits the budget");
  if (Status s = writeJsonFile((dir / "space.json").string(), spaceReportToJson(s1)); !s) return s;
  seconds["stage1"] = since(start);
  const PairReport& pair = s1.pairs[size_t(s1.best)];
  if (progress) progress({"stage1", 0, 0, 0, 0, 0, 0, 0});
  // Stage 2: the supernet at that resolution.
  auto t2 = Clock::now();
  const Dataset trainR = resizeDataset(train, pair.resolution, pair.resolution);
  const Dataset testR = resizeDataset(test, pair.resolution, pair.resolution);
  const DataSplit split = splitTrainValidation(trainR.size(), 0.1, o.seed);
  Result<std::unique_ptr<Supernet>> net = Supernet::create(space, pair.width, pair.resolution, o.seed);
  if (!net) return net.status();
  SupernetOptions sn = o.supernet;
  sn.train.checkpointPath = (dir / "supernet.pt").string();
  Result<int> resumed = net.value()->train(trainR, o.trainImages ? head(split.train, o.trainImages) : split.train, sn,
                                           progress, cancel);
  if (!resumed) return resumed.status();
  seconds["supernet"] = since(t2);
  // Stage 3: evolution with inherited weights.
  auto t3 = Clock::now();
  // A supernet that had finished before this call may have a stopped evolution to continue; one
  // trained now has none (a history.json beside it is from other settings).
  const bool supernetWasDone = resumed.value() >= sn.train.epochs;
  const Measured replay = supernetWasDone ? measuredBefore(dir / "history.json") : Measured();
  Result<Stage3> s3 = evolve(*net.value(), space, s1, trainR, split, o, replay, progress, cancel);
  if (!s3) return s3.status();
  if (Status s = writeJsonFile((dir / "history.json").string(), s3.value().history); !s) return s;
  seconds["evolution"] = since(t3);
  return finishTinyNas(*net.value(), s3.value(), trainR, testR, split, o, resumed.value(), seconds,
                       s1, progress, cancel, start);
}

}  // namespace tinyforge
