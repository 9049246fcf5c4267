// SpArSe end to end: the Bayesian search (or the random baseline) where every proposed point is
// trained, pruned (channels removed, then gradual magnitude pruning with quantization-aware
// fine-tuning) and measured on the validation split; then the Pareto front's int8 test accuracy
// with the engine, and the chosen point (the most accurate front point within the budgets)
// exported as firmware and verified in QEMU. The history is saved after every point; an
// interrupted run started again resumes from it.
//
//   SparseRunOptions o = sparseRunPreset("quick").value();  o.outDir = "out/";
//   Result<nlohmann::json> report = runSparseSearch(train, test, o, onProgress, &cancel);
#pragma once
#include <atomic>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/graph.h"
#include "search/bayes_search.h"
#include "search/trainer.h"

namespace tinyforge {

struct SparseRunOptions {
  std::string preset = "quick";
  int iterations = 20;            // trained candidates (the same for both methods)
  BayesOptions bayes;
  TrainOptions train;             // per candidate
  int pruneSteps = 2;             // gradual pruning rounds, one fine-tuning epoch each
  double pruneLearningRate = 0.002;
  int64_t memoryBudget = 64 * 1024, flashBudget = 64 * 1024;  // the chosen point's limits; the objectives' units
  std::string device = "stm32f746";
  bool verify = true;
  std::string outDir;
};

Result<SparseRunOptions> sparseRunPreset(const std::string& name);

// Writes outDir/history.json (every candidate, hypervolume per iteration; after every point),
// outDir/candidates/<i>.tflite (every point's int8 model), front.json and report.json, and
// outDir/firmware for the chosen point.
Result<nlohmann::json> runSparseSearch(const Dataset& train, const Dataset& test, const SparseRunOptions& options,
                                       const TrainCallback& progress, const std::atomic<bool>* cancel);

// One point trained again outside a search, e.g. a front point of a run for more epochs than the
// search gave it (with options' training settings): its deployed architecture, with the channels
// the point removes already gone, trained from scratch (a long training of the slim network,
// rather than a few fine-tuning epochs after removing channels from a wide one: "Rethinking the
// value of network pruning", Liu et al. 2019), then its layers pruned gradually by magnitude with
// quantization-aware fine-tuning as runSparseSearch does, converted to int8 and evaluated on the
// test split.
struct SparsePointModel {
  Graph graph;
  SparseCost cost;
  double floatValidationAccuracy = 0, floatTestAccuracy = 0, int8TestAccuracy = 0;
};
Result<SparsePointModel> trainSparsePoint(const SparseArch& arch, const Dataset& train, const Dataset& test,
                                          const SparseRunOptions& options, const TrainCallback& progress,
                                          const std::atomic<bool>* cancel);

}  // namespace tinyforge
