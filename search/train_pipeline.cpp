#include "search/train_pipeline.h"

#include <filesystem>
#include <fstream>

#include "engine/io/tflite_export.h"
#include "engine/model_summary.h"
#include "engine/pipeline.h"
#include "search/pruning.h"
#include "search/run_files.h"

namespace tinyforge {

namespace {

double agreement(const std::vector<int32_t>& a, const std::vector<int32_t>& b) {
  size_t same = 0;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) same += a[i] == b[i];
  return a.empty() ? 0.0 : double(same) / double(a.size());
}

}  // namespace

Result<nlohmann::json> trainToInt8(const ArchSpec& spec, const Dataset& train, const Dataset& test,
                                   const TrainRunOptions& o, const TrainCallback& progress,
                                   const std::atomic<bool>* cancel, Graph* int8Graph) {
  const std::filesystem::path dir(o.outDir);
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::error("cannot create " + dir.string() + ": " + ec.message());
  TrainOptions to = o.train;
  to.checkpointPath = (dir / "checkpoint.pt").string();
  Result<TrainResult> r = trainNetwork(spec, train, test, to, progress, cancel);
  if (!r) return r.status();
  Result<Graph> g = quantizeFloatNet(r.value().net);
  if (!g) return g.status();
  Result<Int8Evaluation> e = evaluateInt8(g.value(), test, {}, o.evalThreads);
  if (!e) return e.status();
  const double ptq = e.value().accuracy;
  bool qat = false;
  if ((r.value().floatTestAccuracy - ptq) * 100.0 > o.qatThresholdPoints && o.qatEpochs > 0) {
    Result<TrainResult> q = qatFinetune(r.value().net, train, test, r.value().split, to, o.qatEpochs,
                                        o.qatLearningRate, progress, cancel);
    if (!q) return q.status();
    Result<Graph> gq = quantizeFloatNet(q.value().net);
    if (!gq) return gq.status();
    Result<Int8Evaluation> eq = evaluateInt8(gq.value(), test, {}, o.evalThreads);
    if (!eq) return eq.status();
    if (eq.value().accuracy > ptq) {  // keep whichever int8 model is better
      qat = true;
      g = std::move(gq);
      e = std::move(eq);
    }
  }
  if (Status s = exportTfliteFile(g.value(), (dir / "model.tflite").string()); !s) return s;
  const ArchCost cost = archCost(spec);
  Result<PlannedModel> best = planModel(g.value(), "best");
  const TrainResult& t = r.value();
  nlohmann::json report = {
      {"float_test_accuracy", t.floatTestAccuracy},
      {"float_validation_accuracy", t.floatValidationAccuracy},
      {"int8_test_accuracy", e.value().accuracy},
      {"post_training_int8_test_accuracy", ptq},
      {"qat_applied", qat},
      {"int8_float_agreement", agreement(e.value().predictions, t.floatTestPredictions)},
      {"params", cost.params},
      {"macs", cost.macs},
      {"epochs", t.epochs},
      {"resumed_from_epoch", t.resumedFromEpoch},
      {"seconds", t.seconds},
      {"seconds_per_epoch", t.epochSeconds.empty() ? 0.0 : t.seconds / double(t.epochSeconds.size())},
      {"peak_sram_best_bytes", best ? best.value().plan.arenaBytes : -1},
      {"weight_bytes", summarizeModel(g.value()).totalWeightBytes},
      {"spec", archSpecToJson(spec)},
      {"dataset", o.datasetName},
      {"train_images", o.train.subset > 0 ? std::min(o.train.subset, t.split.train.size()) : t.split.train.size()},
      {"test_images", test.size()}};
  if (Status s = writeJsonFile((dir / "report.json").string(), report); !s) return s;
  if (int8Graph) *int8Graph = std::move(g).value();
  return report;
}

Result<TrainResult> pruneGradually(const FloatNet& net, const std::map<int32_t, double>& sparsity, int steps,
                                   const Dataset& train, const Dataset& test, const DataSplit& split,
                                   const TrainOptions& options, double learningRate,
                                   const TrainCallback& progress, const std::atomic<bool>* cancel) {
  if (steps < 1) return Status::error("pruning needs at least one step");
  TrainResult r;
  r.net = net;
  for (int step = 1; step <= steps; ++step) {
    for (const auto& [op, target] : sparsity) {
      if (Status s = pruneMagnitude(&r.net, op, sparsitySchedule(target, double(step) / steps)); !s) return s;
    }
    Result<TrainResult> ft = qatFinetune(r.net, train, test, split, options, 1, learningRate, progress, cancel);
    if (!ft) return ft.status();
    r = std::move(ft).value();
  }
  return r;
}

}  // namespace tinyforge
