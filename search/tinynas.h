// TinyNAS end to end: stage 1 (space optimization) -> stage 2 (supernet) -> stage 3 (evolution
// with inherited weights) -> finish (fine-tune the winner quantization-aware, int8, firmware
// for the device, verified in QEMU). Every stage reports progress and honours cancel; the
// supernet checkpoints each epoch, so a killed search resumes there, and the evolution's
// history.json (written after every generation) lets a stopped evolution continue.
//
//   TinyNasOptions o = tinyNasPreset("quick");  o.outDir = "out/";  o.constraints = ...;
//   Result<nlohmann::json> report = runTinyNas(train, test, o, onProgress, &cancel);
#pragma once
#include <atomic>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/graph.h"
#include "search/evolution.h"
#include "search/supernet.h"

namespace tinyforge {

struct TinyNasOptions {
  std::string preset = "quick";
  std::string device = "stm32f746";  // the firmware target (QEMU board from its profile)
  SearchConstraints constraints;
  int stage1Samples = 1000;
  SupernetOptions supernet;
  size_t trainImages = 0;            // of the training split (0: all)
  EvolutionOptions evolution;
  int calibrationImages = 500;       // batch-norm re-calibration per candidate
  int validationImages = 2000;       // accuracy per candidate
  int finetuneEpochs = 2;
  double finetuneLearningRate = 0.005;
  // > 0: the winner is trained again from scratch for this many epochs with `tinyforge-cli
  // train`'s recipe (trainToInt8: SGD + Nesterov, cosine, augmentation; quantization-aware
  // fine-tuning only if int8 loses more than 0.5 points) instead of fine-tuned from the
  // supernet's weights. Checkpointed in outDir/winner/, so a killed run resumes there.
  int retrainEpochs = 0;
  // The space's layout (setSpaceLayout): 0 and empty keep mcunetSpace's for the dataset.
  int32_t stemStride = 0;
  std::vector<int32_t> stageStrides;
  bool verify = true;                // build and run the firmware in QEMU
  std::string outDir;
  uint64_t seed = 1;
};

// The MCUNet space for the dataset's input with the options' layout.
Result<SearchSpace> tinyNasSpace(const Dataset& train, const TinyNasOptions& options);

// "quick": minutes on 2 cores (a subset, few epochs, small population); "full": the real run.
Result<TinyNasOptions> tinyNasPreset(const std::string& name);

// Writes outDir/report.json, history.json, space.json, model.tflite, firmware/.
Result<nlohmann::json> runTinyNas(const Dataset& train, const Dataset& test, const TinyNasOptions& options,
                                  const TrainCallback& progress, const std::atomic<bool>* cancel);

// A candidate of a run (an entry of history.json) as an int8 graph with the supernet's inherited
// weights: batch norm re-calibrated, converted after training without fine-tuning (the winner
// of runTinyNas is fine-tuned; other candidates are what the supernet gives). Needs the run's
// finished supernet (o.outDir/supernet.pt) and the options it was trained with.
struct TinyNasCandidateModel {
  Graph graph;
  double int8TestAccuracy = 0;
};
Result<TinyNasCandidateModel> tinyNasCandidateModel(const Dataset& train, const Dataset& test, const TinyNasOptions& o,
                                                    const nlohmann::json& candidate, const std::atomic<bool>* cancel);

// A candidate of a run (an entry of history.json) trained from scratch for `epochs` with
// `tinyforge-cli train`'s recipe, as the winner is with retrainEpochs (the same seed and images;
// checkpointed in `dir`, so a killed run resumes there): a random search's pick, the winner and a
// hand design trained with `train` then compare like for like. Needs no supernet. Returns
// trainToInt8's report (its "spec" the candidate's network); `int8` receives the converted graph.
Result<nlohmann::json> retrainTinyNasCandidate(const Dataset& train, const Dataset& test,
                                               const TinyNasOptions& o,
                                               const nlohmann::json& candidate, int epochs,
                                               const std::string& dir,
                                               const TrainCallback& progress,
                                               const std::atomic<bool>* cancel, Graph* int8);

}  // namespace tinyforge
