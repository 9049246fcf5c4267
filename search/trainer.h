// Training a network from its spec with libtorch (kept inside search/*.cpp): SGD with momentum
// or Adam, cosine learning rate, label smoothing, weight decay, simple augmentation; progress
// and cancel; a checkpoint every epoch that a killed run resumes from; then batch-norm folding
// and activation-range calibration into a FloatNet, which quantizeFloatNet turns into int8.
// Quantization-aware fine-tuning (fake-quantized weights and activations, BN folded) is
// qatFinetune.
//
//   TrainOptions o;  o.epochs = 10;  o.checkpointPath = "out/checkpoint.pt";
//   Result<TrainResult> r = trainNetwork(spec, train, test, o, onProgress, &cancel);
//   Result<Graph> int8 = quantizeFloatNet(r.value().net);
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "engine/status.h"
#include "search/arch_spec.h"
#include "search/dataset.h"
#include "search/float_net.h"

namespace tinyforge {

struct TrainOptions {
  int epochs = 10;
  int batchSize = 64;
  std::string optimizer = "sgd";  // "sgd" (momentum, Nesterov) or "adam"
  double learningRate = 0.05;     // peak; cosine-annealed to 0 over all epochs
  double momentum = 0.9;
  double weightDecay = 4e-5;
  double labelSmoothing = 0.1;
  bool augment = true;            // random shifts of up to 2 pixels and horizontal flips
  int threads = 2;                // libtorch intra-op threads (it defaults to 1 here)
  uint64_t seed = 1;
  double validationFraction = 0.1;
  size_t subset = 0;              // train on this many images of the training split (0: all)
  std::string checkpointPath;     // empty: no checkpoints; else written each epoch, resumed from
  int calibrationImages = 2000;   // training images used to observe activation ranges
  int logEveryBatches = 50;
};

struct TrainProgress {
  std::string stage;  // "train", "validate", "calibrate", "qat"
  int epoch = 0, epochs = 0;
  int64_t batch = 0, batches = 0;
  double loss = 0, accuracy = 0, learningRate = 0;
  double hypervolume = 0;  // "sparse": the front's hypervolume after this point
};

struct TrainResult {
  FloatNet net;                      // batch norm folded, ranges calibrated
  double floatValidationAccuracy = 0, floatTestAccuracy = 0;
  std::vector<int32_t> floatTestPredictions;
  int epochs = 0;                    // epochs trained in total
  int resumedFromEpoch = 0;          // epochs already in the checkpoint when this run started
  double seconds = 0;                // wall time of this run's training epochs
  std::vector<double> epochSeconds;  // per epoch trained in this run
  DataSplit split;                   // the train / validation indices used
};

using TrainCallback = std::function<void(const TrainProgress&)>;

// Errors: an invalid spec, images that do not match the spec's input, cancel ("cancelled";
// the last finished epoch stays in the checkpoint), and libtorch failures (caught here).
Result<TrainResult> trainNetwork(const ArchSpec& spec, const Dataset& train, const Dataset& test,
                                 const TrainOptions& options, const TrainCallback& progress,
                                 const std::atomic<bool>* cancel);

// Fine-tunes a folded network with fake-quantized weights (per channel) and activations (the
// ranges of `net`) for `epochs` at `learningRate`; returns the fine-tuned net with the same
// ranges and its float accuracies.
Result<TrainResult> qatFinetune(const FloatNet& net, const Dataset& train, const Dataset& test,
                                const DataSplit& split, const TrainOptions& options, int epochs,
                                double learningRate, const TrainCallback& progress,
                                const std::atomic<bool>* cancel);

// Logits (images x classes, row-major) of a folded FloatNet on images of `data`, in float.
Result<std::vector<float>> floatNetLogits(const FloatNet& net, const Dataset& data,
                                          const std::vector<uint32_t>& idx);

}  // namespace tinyforge
