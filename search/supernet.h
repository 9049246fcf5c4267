// The TinyNAS weight-sharing supernet over a space at its chosen (width, resolution): elastic
// kernel (the centre of the largest kernel), elastic expand ratio (the first channels) and
// elastic depth (the first blocks of a stage), trained with the sandwich rule (largest,
// smallest and random sub-networks each step). Sub-networks inherit its weights; their batch
// norm statistics are re-calibrated before they are measured or extracted. libtorch stays in
// supernet.cpp.
//
//   auto net = Supernet::create(space, 0.5, 24, seed).value();
//   net->train(data, trainIdx, options, onProgress, &cancel);       // checkpoint, resume
//   double acc = net->evaluate(choice, data, calibIdx, valIdx).value();
//   FloatNet f = net->extract(choice, data, calibIdx).value();      // -> quantizeFloatNet
#pragma once
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "search/arch_choice.h"
#include "search/dataset.h"
#include "search/float_net.h"
#include "search/trainer.h"

namespace tinyforge {

struct SupernetOptions {
  TrainOptions train;      // epochs, batch, optimizer, lr, threads, seed, checkpointPath...
  int randomSubnets = 2;   // per step besides the largest and the smallest
};

class Supernet {
 public:
  // `data` given to the other calls must be at `resolution` (see resizeDataset).
  static Result<std::unique_ptr<Supernet>> create(const SearchSpace& space, double width, int32_t resolution,
                                                  uint64_t seed);
  ~Supernet();
  Supernet(const Supernet&) = delete;
  Supernet& operator=(const Supernet&) = delete;

  // Trains (resuming from options.train.checkpointPath when it holds this run's checkpoint).
  // Returns the epochs resumed from; "cancelled" keeps the last finished epoch.
  Result<int> train(const Dataset& data, const std::vector<uint32_t>& trainIdx, const SupernetOptions& options,
                    const TrainCallback& progress, const std::atomic<bool>* cancel);

  // Accuracy with inherited weights after re-calibrating batch norm on `calibIdx`.
  Result<double> evaluate(const ArchChoice& choice, const Dataset& data, const std::vector<uint32_t>& calibIdx,
                          const std::vector<uint32_t>& evalIdx);
  // The sub-network (batch norm folded with re-calibrated statistics, activation ranges
  // observed on `calibIdx`) as the ops of archToGraph(choiceToSpec(space, choice)).
  Result<FloatNet> extract(const ArchChoice& choice, const Dataset& data, const std::vector<uint32_t>& calibIdx);
  // Logits (images x classes, row-major) of the supernet running `choice` in eval mode, after
  // re-calibration on `calibIdx` (tests compare them with the extracted network).
  Result<std::vector<float>> logits(const ArchChoice& choice, const Dataset& data,
                                    const std::vector<uint32_t>& calibIdx, const std::vector<uint32_t>& idx);

  const SearchSpace& space() const;

 private:
  struct Impl;
  explicit Supernet(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> m_impl;
};

}  // namespace tinyforge
