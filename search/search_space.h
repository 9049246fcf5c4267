// The MCUNet search space as data (MBConv stages with elastic kernel, expand ratio and depth,
// a width multiplier and an input resolution), random sub-network sampling, and TinyNAS stage 1:
// for every (width, resolution) pair, the distribution of MACs of the sampled networks that fit a
// device, measured with the engine's real memory planner.
//
//   SearchSpace space = mcunetSpace(28, 28, 1, 10);            // Fashion-MNIST layout
//   SpaceReport r = optimizeSpace(space, budget, {.samples = 1000}, progress, &cancel);
//   r.best;   // the (w, r) pair with the largest mean MACs among fitting networks
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "search/arch_spec.h"

namespace tinyforge {

struct SpaceStage {
  int32_t channels = 16;  // before the width multiplier
  int32_t stride = 1;     // of the stage's first block
};

struct SearchSpace {
  int32_t inputH = 28, inputW = 28, inputC = 1, classes = 10;
  std::vector<int32_t> resolutions;  // input resolution grid r (square)
  std::vector<double> widths;        // width multiplier grid w
  int32_t stemChannels = 16;         // stem conv 3x3 (times w)
  int32_t stemStride = 2;
  int32_t firstBlockChannels = 8;    // MBConv expand 1, k3 (times w)
  std::vector<SpaceStage> stages;
  std::vector<int32_t> kernels = {3, 5, 7}, expands = {3, 4, 6}, depths = {2, 3, 4};
};

// Stage layout for an input of h x w x c. For 28x28 (Fashion-MNIST): stem stride 2 (14x14), then
// six stages [16,24,40,80,96,160] with strides [1,2,2,1,2,1] (14,7,4,4,2,2), resolutions
// {16,20,24,28}, widths {0.25..1.0}. Larger inputs use MCUNet's strides [2,2,2,1,2,1].
SearchSpace mcunetSpace(int32_t height, int32_t width, int32_t channels, int32_t classes);
// A project's layout over it: the stem's stride and each stage's first stride (1 or 2; 0 and an
// empty list keep the space's). E.g. for 28x28, stem 1 and stages [2,2,1,1] run the stem and the
// first block at full resolution and end at 7x7 (28, 28, 14, 7, 7, 7) like the hand-designed
// MobileNetV2-like networks, at about 1.7x the MACs and 2-2.5x the peak SRAM of the default.
Status setSpaceLayout(SearchSpace* space, int32_t stemStride, const std::vector<int32_t>& stageStrides);
nlohmann::json searchSpaceToJson(const SearchSpace& space);

// make_divisible(c * w, 8) as in the MCUNet code: rounded to a multiple of 8, never below 8 or
// 90% of c * w.
int32_t makeDivisible(double channels, int32_t divisor = 8);
// One random sub-network of the space at width w and resolution r.
ArchSpec sampleArch(const SearchSpace& space, double width, int32_t resolution, std::mt19937_64* rng);

struct DeviceBudget {
  int64_t sramBytes = 0, flashBytes = 0;
  int64_t stackBytes = 4096;  // reserved beside the arena
  std::string planner = "best";
  // The core whose code-size table (resources/codesize/<core>.json) gives the kernels' flash.
  std::string core = "cortex-m7";
};

struct CandidateCost {
  int64_t macs = 0, params = 0;
  int64_t peakBytes = 0;   // the planner's arena
  int64_t flashBytes =
      0;  // the model library's flash: estimateLibraryFlash (engine/firmware/code_size.h)
  bool fits = false;
};
Result<CandidateCost> evaluateArch(const ArchSpec& spec, const DeviceBudget& budget);

struct PairReport {
  double width = 0;
  int32_t resolution = 0;
  int32_t sampled = 0, fitting = 0;
  double meanMacs = 0;              // over fitting networks
  std::vector<int64_t> macsSorted;  // fitting networks' MACs, ascending (the CDF)
};

struct SpaceReport {
  std::vector<PairReport> pairs;
  int32_t best = -1;  // index into pairs; -1 when nothing fits
  int64_t evaluations = 0;
  double seconds = 0;
};

struct SpaceOptions {
  int32_t samples = 1000;  // per (w, r) pair
  uint64_t seed = 1;
};
// Samples per pair of a search preset: "quick" 200, "full" (and anything else) 1000.
int32_t stage1Samples(const std::string& preset);

// Progress: (pairs done, pairs total). Cancel: stops between pairs with what was measured.
SpaceReport optimizeSpace(const SearchSpace& space, const DeviceBudget& budget,
                          const SpaceOptions& options,
                          const std::function<void(int32_t, int32_t)>& progress = {},
                          const std::atomic<bool>* cancel = nullptr);
nlohmann::json spaceReportToJson(const SpaceReport& report);

}  // namespace tinyforge
