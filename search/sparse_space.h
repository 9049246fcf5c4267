// The SpArSe search space as data: a few convolution blocks (regular, down-sampled = stride 2,
// or depthwise-separable; filters, kernel, optional 2x2 max pooling), an optional hidden fully
// connected layer, and per-layer pruning (unstructured sparsity; structured channel keep ratio).
// Model size and working memory are exact functions of a point, computed without training.
//
//   SparseArch a = sampleSparseArch(space, &rng);
//   ArchSpec spec = sparseArchToSpec(space, a);       // the network before pruning
//   SparseCost c = sparseCost(space, a);              // params, flash, working memory
#pragma once
#include <cstdint>
#include <map>
#include <random>
#include <vector>

#include <nlohmann/json.hpp>

#include "search/arch_spec.h"

namespace tinyforge {

enum class SparseBlockType : uint8_t { kConv, kDownsampledConv, kDepthwiseSeparable };

struct SparseBlock {
  SparseBlockType type = SparseBlockType::kConv;
  int32_t filters = 8, kernel = 3;
  bool pool = false;        // 2x2 max pooling after the block
  double sparsity = 0.0;    // unstructured: share of zero weights
  double keepRatio = 1.0;   // structured: share of output channels kept
  bool operator==(const SparseBlock&) const = default;
};

struct SparseArch {
  std::vector<SparseBlock> blocks;
  int32_t hiddenUnits = 0;     // 0: the classifier reads the last block directly
  double fcSparsity = 0.0;     // unstructured sparsity of the classifier (and hidden layer)
  bool operator==(const SparseArch&) const = default;
};

struct SparseSpace {
  int32_t inputH = 28, inputW = 28, inputC = 1, classes = 10;
  int32_t minBlocks = 1, maxBlocks = 4;
  std::vector<int32_t> filters = {4, 8, 12, 16, 24, 32, 48};
  std::vector<int32_t> kernels = {3, 5};
  std::vector<int32_t> hiddenUnits = {0, 16, 32, 64};
  std::vector<double> sparsities = {0.0, 0.5, 0.75, 0.9};      // fully connected layers
  // Convolution blocks. Convolutions are deployed dense (only fully connected layers have a
  // sparse kernel), so their sparsity lowers the non-zero parameters but not the flash: a search
  // that measures size as flash samples {0} here (runSparseSearch), instead of trading accuracy
  // for nothing.
  std::vector<double> convSparsities = {0.0, 0.5, 0.75, 0.9};
  std::vector<double> keepRatios = {1.0, 0.75, 0.5};
};

SparseArch sampleSparseArch(const SparseSpace& space, std::mt19937_64* rng);
// One random change: a gene resampled, a block added or removed (SpArSe's morphing).
SparseArch morphSparseArch(const SparseSpace& space, const SparseArch& a, std::mt19937_64* rng);
// Fixed-length features in [0, 1] for the Gaussian process.
std::vector<double> encodeSparseArch(const SparseSpace& space, const SparseArch& a);

// The network before pruning (blocks with their full filters).
ArchSpec sparseArchToSpec(const SparseSpace& space, const SparseArch& a);
// The network after structured pruning (channels kept), whose int8 graph is deployed.
ArchSpec prunedSpec(const SparseSpace& space, const SparseArch& a);

struct SparseCost {
  int64_t params = 0;            // of the pruned network, dense
  int64_t nonZeroParams = 0;     // after unstructured pruning
  int64_t flashBytes = 0;        // weights stored dense or sparse (whichever is smaller), biases,
                                 // requantization constants; no code
  int64_t workingMemory = 0;     // SpArSe's: max over layers of input + output bytes (int8)
  int64_t peakSramBest = 0;      // the engine's best plan
  bool valid = false;
};
SparseCost sparseCost(const SparseSpace& space, const SparseArch& a);

// Per op of archToGraph(prunedSpec(space, a)): the unstructured sparsity its weights get.
std::vector<double> sparseOpSparsity(const SparseSpace& space, const SparseArch& a);
// Spec layer index -> channel keep ratio (< 1 only) of the unpruned spec, for pruneChannels.
std::map<int32_t, double> sparseKeepRatios(const SparseSpace& space, const SparseArch& a);

nlohmann::json sparseArchToJson(const SparseArch& a);
Result<SparseArch> sparseArchFromJson(const nlohmann::json& json);

}  // namespace tinyforge
