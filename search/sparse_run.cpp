#include "search/sparse_run.h"

#include <filesystem>
#include <fstream>

#include "engine/io/tflite_export.h"
#include "search/pruning.h"
#include "search/run_files.h"
#include "search/train_pipeline.h"

namespace tinyforge {

namespace {

namespace fs = std::filesystem;

SparseSpace spaceFor(const Dataset& train) {
  SparseSpace space;
  space.inputH = train.height;
  space.inputW = train.width;
  space.inputC = train.channels;
  return space;
}

// Trains, prunes and fine-tunes one point; returns the pruned network and its accuracy.
// `slimFromScratch`: train the deployed architecture (channels already removed) from scratch
// instead of training the full one and removing channels (see trainSparsePoint).
Result<TrainResult> trainPoint(const SparseSpace& space, const SparseArch& a, const Dataset& train,
                               const Dataset& test, const SparseRunOptions& o, const TrainCallback& progress,
                               const std::atomic<bool>* cancel, bool slimFromScratch = false) {
  Result<TrainResult> r = trainNetwork(slimFromScratch ? prunedSpec(space, a) : sparseArchToSpec(space, a), train,
                                       test, o.train, progress, cancel);
  if (!r) return r.status();
  Result<FloatNet> slim =
      slimFromScratch ? Result<FloatNet>(r.value().net) : pruneChannels(r.value().net, sparseKeepRatios(space, a));
  if (!slim) return slim.status();
  std::map<int32_t, double> targets;
  const std::vector<double> sparsity = sparseOpSparsity(space, a);
  for (size_t i = 0; i < sparsity.size() && i < slim.value().ops.size(); ++i) {
    if (sparsity[i] > 0 && !slim.value().ops[i].weights.empty()) targets[int32_t(i)] = sparsity[i];
  }
  return pruneGradually(slim.value(), targets, o.pruneSteps, train, test, r.value().split, o.train,
                        o.pruneLearningRate, progress, cancel);
}

nlohmann::json historyJson(const BayesianSparseSearch& bo) {
  nlohmann::json h = nlohmann::json::array();
  for (const SparseCandidate& c : bo.history()) h.push_back(sparseCandidateToJson(c));
  return {{"candidates", h}, {"hypervolume", bo.hypervolumes()}};
}

Result<nlohmann::json> finishSparseSearch(const SparseSpace& space, const BayesianSparseSearch& bo,
                                          std::vector<FloatNet>& nets, const Dataset& train, const Dataset& test,
                                          const SparseRunOptions& o, const TrainCallback& progress,
                                          const std::atomic<bool>* cancel) {
  nlohmann::json front = nlohmann::json::array();
  int64_t chosen = -1;
  double chosenAccuracy = -1;
  std::vector<Graph> graphs;
  for (size_t i : bo.front()) {
    const SparseCandidate& c = bo.history()[i];
    if (nets[i].ops.empty()) {  // resumed: train it again
      Result<TrainResult> r = trainPoint(space, c.arch, train, test, o, progress, cancel);
      if (!r) return r.status();
      nets[i] = r.value().net;
    }
    Result<Graph> g = quantizeFloatNet(nets[i]);
    if (!g) return g.status();
    Result<Int8Evaluation> e = evaluateInt8(g.value(), test);
    if (!e) return e.status();
    nlohmann::json j = sparseCandidateToJson(c);
    j["int8_test_accuracy"] = e.value().accuracy;
    j["spec"] = archSpecToJson(prunedSpec(space, c.arch));
    front.push_back(j);
    graphs.push_back(std::move(g).value());
    if (fitsBudgets(c.objectives) && c.validationAccuracy > chosenAccuracy) {
      chosenAccuracy = c.validationAccuracy;
      chosen = int64_t(front.size()) - 1;
    }
  }
  if (Status s = writeJsonFile((fs::path(o.outDir) / "front.json").string(), front); !s) return s;
  nlohmann::json report = {{"preset", o.preset}, {"method", o.bayes.randomOnly ? "random" : "bayes"},
                           {"iterations", bo.history().size()}, {"hypervolume", bo.hypervolumes()},
                           {"front", front}};
  if (chosen >= 0) {
    Result<nlohmann::json> fw = exportAndVerify(graphs[size_t(chosen)], test, {o.device, "best", 4096},
                                                (fs::path(o.outDir) / "firmware").string(), o.verify, cancel);
    if (!fw) return fw.status();
    report["chosen"] = front[size_t(chosen)];
    report["firmware"] = fw.value();
  } else {
    report["chosen"] = nullptr;
    report["note"] = "no front point fits the memory and flash budgets";
  }
  if (Status s = writeJsonFile((fs::path(o.outDir) / "report.json").string(), report); !s) return s;
  return report;
}

}  // namespace

Result<SparseRunOptions> sparseRunPreset(const std::string& name) {
  SparseRunOptions o;
  o.preset = name;
  if (name == "quick") {
    o.iterations = 8;
    o.bayes.initialRandom = 4;
    o.train.epochs = 1;
    o.train.subset = 4000;
    o.pruneSteps = 1;
  } else if (name == "full") {
    o.iterations = 40;
    o.bayes.initialRandom = 8;
    o.train.epochs = 8;
    o.pruneSteps = 3;
  } else {
    return Status::error("unknown preset '" + name + "' (quick or full)");
  }
  o.train.optimizer = "adam";
  o.train.learningRate = 0.005;
  o.train.batchSize = 64;
  return o;
}

Result<SparsePointModel> trainSparsePoint(const SparseArch& arch, const Dataset& train, const Dataset& test,
                                          const SparseRunOptions& o, const TrainCallback& progress,
                                          const std::atomic<bool>* cancel) {
  const SparseSpace space = spaceFor(train);
  Result<TrainResult> r = trainPoint(space, arch, train, test, o, progress, cancel, /*slimFromScratch=*/true);
  if (!r) return r.status();
  Result<Graph> g = quantizeFloatNet(r.value().net);
  if (!g) return g.status();
  Result<Int8Evaluation> e = evaluateInt8(g.value(), test);
  if (!e) return e.status();
  SparsePointModel m;
  m.graph = std::move(g).value();
  m.cost = sparseCost(space, arch);
  m.floatValidationAccuracy = r.value().floatValidationAccuracy;
  m.floatTestAccuracy = r.value().floatTestAccuracy;
  m.int8TestAccuracy = e.value().accuracy;
  return m;
}

Result<nlohmann::json> runSparseSearch(const Dataset& train, const Dataset& test, const SparseRunOptions& o,
                                       const TrainCallback& progress, const std::atomic<bool>* cancel) {
  const fs::path dir(o.outDir);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::error("cannot create " + dir.string() + ": " + ec.message());
  SparseSpace space = spaceFor(train);
  if (o.bayes.sizeObjective == "flash") space.convSparsities = {0.0};
  // The size and memory objectives are in units of the budgets, so that the hypervolume (reference
  // point 1, 1, 1) measures only the part of the front that fits and the search spends its
  // training there.
  BayesOptions bayes = o.bayes;
  bayes.sizeScale = double(o.flashBudget);
  bayes.memoryScale = double(o.memoryBudget);
  BayesianSparseSearch bo(space, bayes);
  std::vector<FloatNet> nets;
  // Resume: replay the points of an interrupted run (their networks are trained again at the end
  // only if they are on the front).
  std::ifstream saved(dir / "state.json");
  const nlohmann::json state = saved ? nlohmann::json::parse(saved, nullptr, false) : nlohmann::json();
  if (state.is_array()) {
    for (const nlohmann::json& p : state) {
      Result<SparseArch> a = sparseArchFromJson(p.at("arch"));
      if (!a) return a.status();
      bo.observe(a.value(), p.at("accuracy").get<double>());
      nets.push_back({});
    }
  }
  nlohmann::json points = state.is_array() ? state : nlohmann::json::array();
  while (int(bo.history().size()) < o.iterations) {
    if (cancel && cancel->load()) return Status::error("cancelled");
    const SparseArch a = bo.propose();
    Result<TrainResult> r = trainPoint(space, a, train, test, o, progress, cancel);
    if (!r) return r.status();
    bo.observe(a, r.value().floatValidationAccuracy);
    nets.push_back(r.value().net);
    points.push_back({{"arch", sparseArchToJson(a)}, {"accuracy", r.value().floatValidationAccuracy}});
    // Every point's int8 model (post-training, as trained and pruned), so that any point of the
    // history can be opened and exported later; then the state a stopped run resumes from, and
    // the history a viewer follows.
    Result<Graph> g = quantizeFloatNet(r.value().net);
    if (!g) return g.status();
    fs::create_directories(dir / "candidates", ec);
    const std::string model = (dir / "candidates" / (std::to_string(bo.history().size() - 1) + ".tflite")).string();
    if (Status s = exportTfliteFile(g.value(), model); !s) return s;
    if (Status s = writeJsonFile((dir / "state.json").string(), points); !s) return s;
    if (Status s = writeJsonFile((dir / "history.json").string(), historyJson(bo)); !s) return s;
    if (progress) {
      progress({"sparse", int(bo.history().size()), o.iterations, 0, 0, 0, r.value().floatValidationAccuracy, 0,
                bo.hypervolumes().back()});
    }
  }
  if (Status s = writeJsonFile((dir / "history.json").string(), historyJson(bo)); !s) return s;
  return finishSparseSearch(space, bo, nets, train, test, o, progress, cancel);
}

}  // namespace tinyforge
