// TinyNAS end to end: stage 1 (space optimization) -> stage 2 (supernet) -> stage 3 (evolution
// with inherited weights) -> finish (fine-tune the winner quantization-aware, int8, firmware
// for the device, verified in QEMU). Every stage reports progress and honours cancel; the
// supernet checkpoints each epoch, so a killed search resumes there.
//
//   TinyNasOptions o = tinyNasPreset("quick");  o.outDir = "out/";  o.constraints = ...;
//   Result<nlohmann::json> report = runTinyNas(train, test, o, onProgress, &cancel);
#pragma once
#include <atomic>
#include <string>

#include <nlohmann/json.hpp>

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
  bool verify = true;                // build and run the firmware in QEMU
  std::string outDir;
  uint64_t seed = 1;
};

// "quick": minutes on 2 cores (a subset, few epochs, small population); "full": the real run.
Result<TinyNasOptions> tinyNasPreset(const std::string& name);

// Writes outDir/report.json, history.json, space.json, model.tflite, firmware/.
Result<nlohmann::json> runTinyNas(const Dataset& train, const Dataset& test, const TinyNasOptions& options,
                                  const TrainCallback& progress, const std::atomic<bool>* cancel);

}  // namespace tinyforge
