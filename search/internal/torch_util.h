// PRIVATE to search/*.cpp: the libtorch helpers shared by the trainer and the supernet (image
// batches, optimizers, the learning-rate schedule, checkpoints). It only forward-declares the
// libtorch types it names; the .cpp files that use it include <torch/torch.h> themselves.
#pragma once

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "search/dataset.h"
#include "search/trainer.h"

namespace at {
class Tensor;
}
namespace torch {
using at::Tensor;
namespace nn {
class Module;
}
namespace optim {
class Optimizer;
}
}  // namespace torch

namespace tinyforge::torch_util {

// NCHW floats pixel / 255 of images idx[from, from + n); random shifts of up to 2 pixels and
// horizontal flips when `rng` is given and augment is set.
torch::Tensor imageBatch(const Dataset& d, const std::vector<uint32_t>& idx, size_t from, size_t n,
                         bool augment, std::mt19937_64* rng);
torch::Tensor labelBatch(const Dataset& d, const std::vector<uint32_t>& idx, size_t from, size_t n);
std::vector<uint32_t> allIndices(size_t n);

std::unique_ptr<torch::optim::Optimizer> makeOptimizer(const std::vector<torch::Tensor>& params,
                                                       const TrainOptions& o, double lr);
void setLearningRate(torch::optim::Optimizer& opt, double lr);
// Cosine from peak to 0 over the run; `progress` in [0, 1].
double cosineRate(double peak, double progress);

// Written atomically (temporary file, then rename) with the run's signature beside it.
void saveCheckpoint(torch::nn::Module& module, torch::optim::Optimizer& opt, int epochsDone,
                    const std::string& path, const std::string& signature);
// Epochs done in a checkpoint with the same signature; 0 when there is none to resume.
int loadCheckpoint(torch::nn::Module& module, torch::optim::Optimizer& opt, const std::string& path,
                   const std::string& signature);

// The first line of an exception's message (libtorch appends a backtrace).
std::string firstLine(const std::exception& e);

// Throws when the loss is not finite (the callers turn it into an error message).
void checkFinite(const torch::Tensor& loss, int epoch, size_t batch);

}  // namespace tinyforge::torch_util
