// From a spec to a verified int8 model in one call: train (resuming from the run's checkpoint),
// fold and calibrate, convert to int8, measure int8 accuracy with the engine's executor,
// fine-tune quantization-aware when post-training conversion loses more than 0.5 points, and
// write model.tflite and report.json. `tinyforge-cli train` and the studio both call it.
//
//   TrainRunOptions o;  o.train.epochs = 10;  o.outDir = "out/";
//   Result<nlohmann::json> report = trainToInt8(spec, train, test, o, onProgress, &cancel);
#pragma once
#include <atomic>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/graph.h"
#include "search/trainer.h"

namespace tinyforge {

struct TrainRunOptions {
  TrainOptions train;
  std::string outDir;            // checkpoint.pt, model.tflite, report.json
  std::string datasetName = "fashion-mnist";
  double qatThresholdPoints = 0.5;  // fine-tune when int8 loses more than this (percentage points)
  int qatEpochs = 2;
  double qatLearningRate = 0.002;
  int evalThreads = 2;
};

// Keys of the report: float_test_accuracy, int8_test_accuracy, float_validation_accuracy,
// int8_float_agreement (share of test images where int8 and float predict the same class),
// params, macs, epochs, seconds, seconds_per_epoch, resumed_from_epoch, qat_applied,
// post_training_int8_test_accuracy, peak_sram_best_bytes, weight_bytes, spec, dataset, subset.
Result<nlohmann::json> trainToInt8(const ArchSpec& spec, const Dataset& train, const Dataset& test,
                                   const TrainRunOptions& options, const TrainCallback& progress,
                                   const std::atomic<bool>* cancel, Graph* int8Graph = nullptr);

// Gradual magnitude pruning: `steps` rounds; each prunes every op in `sparsity` (op index ->
// final share of zero weights) to the cubic schedule's target for that round and fine-tunes one
// epoch quantization-aware with the masks held at zero.
Result<TrainResult> pruneGradually(const FloatNet& net, const std::map<int32_t, double>& sparsity, int steps,
                                   const Dataset& train, const Dataset& test, const DataSplit& split,
                                   const TrainOptions& options, double learningRate,
                                   const TrainCallback& progress, const std::atomic<bool>* cancel);

}  // namespace tinyforge
