// Latency in instructions per inference on a Cortex-M4 or M7, predicted layer by layer from the
// kernel each op compiles to (engine/ops/*: emit, fast kernels) and that call's shape features,
// by a non-negative linear model per kernel calibrated against the per-layer counts the firmware
// verifier measures in QEMU (bench/latency_calibration.cpp writes resources/latency/<core>.json).
// No emulator at run time: a prediction costs microseconds per network. Instructions are those
// of the verification firmware (fast kernels, planner "best", per-layer profiling marks included),
// exact to the 40 instructions of a SysTick tick.
//
//   Result<LatencyModel> m = loadLatencyModel("resources/latency/cortex-m4.json");
//   Result<PlannedModel> p = planModel(graph, "best");          // the exporter's graph and plan
//   int64_t instructions = predictInstructions(m.value(), p.value());
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/graph.h"
#include "engine/pipeline.h"
#include "engine/status.h"

namespace tinyforge {

// The kernel an op runs as (fast kernels), each with its own coefficients.
//   X(Enum, "json name")
#define TINYFORGE_LATENCY_KERNELS(X)                                                           \
  X(Conv1x1, "conv2d_1x1")                        /* tfk_conv2d_1x1_fast_s8 */                 \
  X(Conv1x1InPlace, "conv2d_1x1_inplace")         /* tfk_conv2d_1x1_inplace_fast_s8 */         \
  X(ConvSimd, "conv2d_simd")                      /* tfk_conv2d_simd_s8: Cin >= 2, big filter */ \
  X(ConvLanes, "conv2d_lanes")                    /* its lanes path (big filters, whole-word rows) */ \
  X(Conv, "conv2d")                               /* tfk_conv2d_fast_s8: the spatial SIMD code */ \
  X(ConvIm2col, "conv2d_im2col")                  /* either, through im2col (small filters) */ \
  X(Depthwise3x3, "depthwise_3x3")                /* the fast 3x3 row code (also in place, rows) */ \
  X(Depthwise, "depthwise")                       /* the fast row code, other k (also in place) */ \
  X(Depthwise3x3InPlace, "depthwise_3x3_inplace") /* in place by channel planes (int16 SMLAD) */ \
  X(DepthwiseInPlace, "depthwise_inplace")        /* the same, k != 3 */                       \
  X(Add, "add")                                                                                \
  X(AveragePool, "average_pool")                                                               \
  X(MaxPool, "max_pool")                                                                       \
  X(FullyConnected, "fully_connected") /* tfk_fully_connected_fast_s8 */                       \
  X(Copy, "copy")                      /* RESHAPE not in place (memmove), PAD, ... */          \
  X(Alias, "alias")                    /* RESHAPE in place: the profiling mark only */         \
  X(Other, "other")                    /* SOFTMAX, MEAN, MUL, QUANTIZE, ... */                 \
  X(Invoke, "invoke")                  /* per inference, outside the layers */

enum class LatencyKernel : uint8_t {
#define TINYFORGE_LATENCY_ENUM(e, n) k##e,
  TINYFORGE_LATENCY_KERNELS(TINYFORGE_LATENCY_ENUM)
#undef TINYFORGE_LATENCY_ENUM
};
constexpr size_t kLatencyKernelCount = size_t(LatencyKernel::kInvoke) + 1;

const char* latencyKernelName(LatencyKernel k);
bool latencyKernelFromName(const std::string& name, LatencyKernel* out);

// Features of one kernel call (doubles: they feed least squares directly):
//   macs     multiply-accumulates over the taps inside the image (pooling: window reads)
//   outputs  output elements          inputs   non-constant input elements
//   pixels   output H x W             channels output channels
//   edge     taps checked on a kernel's border path: k x k per output not on its interior path
//   taps     taps inside the image on the border path, summed over those outputs
//   rows     kernel rows visited (inside the image) summed over output elements; for the SIMD
//            convolution its 2 x 2 dot products (one per kernel row and pixel/channel pair block)
//   weights  constant int8 elements the op reads
//   scalar   multiply-accumulates done one at a time by a SIMD kernel (its border pixels and the
//            depth % 4 remainder of its dot products)               one      1
// Some kernels give a slot its own meaning:
//   conv2d_1x1, conv2d_1x1_inplace: edge = outputs and taps = multiply-accumulates of the rows
//     computed one at a time (an odd last pixel; every pixel when the output is clamped or the
//     depth above TFK_PAIR_DEPTH_MAX); where
//     row pairs are extended to 16-bit lanes once (full range, depth <= TFK_PAIR_DEPTH_MAX),
//     scalar = their outputs with an odd number of four-byte groups plus those with a remainder,
//     rows = their 2 x 2 blocks that run in C (per-tensor quantization or a depth that is not a
//     multiple of eight; the others run in assembly on Cortex-M4/M7), and conv2d_1x1's inputs =
//     the bytes extended
//   conv2d_simd (not on its lanes path): rows = 2 x 2 dot products, one per kernel row of a pixel
//     pair inside the image and channel pair
//   conv2d_lanes (tfk_conv2d_simd_s8 where tfk_conv2d_simd_uses_lanes): macs = the blocks'
//     multiply-accumulates over whole patches (padding included), inputs = the bytes extended,
//     rows = pixel pairs, edge = kernel rows gathered with zero points (a border for either
//     pixel), taps = kernel rows extended straight from the input, channels = 2 x 2 blocks,
//     weights = those that run in C, scalar = the blocks' odd group steps plus an odd last
//     channel's four-byte groups; its fit leaves out pixels, rows and taps (ten calibration
//     layers: with them it fitted the training layers exactly and missed held-out ones by 6%)
//   conv2d_im2col (filter rows padded to TFK_IM2COL_ROW bytes): macs = the blocks'
//     multiply-accumulates (padding included), inputs = the bytes extended, rows = pixel pairs,
//     edge = kernel rows gathered at border pixels, taps = kernel rows copied whole (interior
//     pixels), channels = 2 x 2 blocks, weights = those that run in C, scalar = the blocks' odd
//     group and remainder steps plus an odd last channel's four-byte groups
//   add (same shapes): rows = 1 where tfk_add_uses_tables (building the tables), scalar = the
//     elements rescaled without them
//   fully_connected where tfk_fc_uses_rows4: rows = the multiply-accumulates of the four-row
//     groups, edge = group calls (groups x chunks of TFK_FC_ROWS4_CHUNK elements), taps = input
//     elements extended (once per TFK_FC_ROWS4_BATCH units); macs stays all of them. No
//     calibration network has such a layer (the search spaces' classifiers are below
//     TFK_FC_ROWS4_MIN_MACS), so those three features fit to 0 and the layer is predicted at the
//     plain row code's rate: an over-estimate (AD01's layers: about 1.3x). The kernel's fit uses
//     no `inputs`: with ten units in every calibration classifier it is collinear with macs.
constexpr size_t kLatencyFeatureCount = 11;
extern const std::array<const char*, kLatencyFeatureCount> kLatencyFeatureNames;

struct LayerFeatures {
  LatencyKernel kernel = LatencyKernel::kOther;
  std::array<double, kLatencyFeatureCount> x{};
};

// Features of op `opIndex` of a validated graph, running in place (output 0 on input 0's bytes)
// or not.
LayerFeatures layerFeatures(const Graph& graph, int32_t opIndex, bool inPlace);
// The per-inference term (kernel kInvoke, feature `one`).
LayerFeatures invokeFeatures();
// Per op index of m.graph, with in-place use read from the plan (exactly what the emitter does).
std::vector<LayerFeatures> latencyFeatures(const PlannedModel& m);
// The same without a plan: an op is taken to run in place where its memory rule allows it and
// this op is the last reader of the input (the best planner's rule in file order).
std::vector<LayerFeatures> latencyFeatures(const Graph& plannedGraph);

struct LayerSample {
  LayerFeatures features;
  int64_t instructions = 0;  // measured (the verifier's per-layer count)
};

struct KernelCoefficients {
  std::array<double, kLatencyFeatureCount> c{};  // instructions per unit of each feature
  int32_t samples = 0;                           // measured calls the coefficients were fitted on
  std::string borrowedFrom;  // no samples: the kernel whose coefficients these are ("" = none)
};

struct LatencyModel {
  std::string core;    // "cortex-m4", "cortex-m7"
  std::string device;  // the board measured ("mps2-an386")
  std::array<KernelCoefficients, kLatencyKernelCount> kernels{};
  nlohmann::json calibration;  // provenance and held-out error, written by the calibration tool
};

// Non-negative least squares per kernel on each kernel's own features, weighted for relative
// error; kernels without samples borrow a similar kernel's coefficients. Errors: no samples, a
// sample with a negative count.
Result<LatencyModel> fitLatencyModel(const std::vector<LayerSample>& samples,
                                     const std::string& core);

double predictLayer(const LatencyModel& model, const LayerFeatures& features);  // >= 0

struct LatencyPrediction {
  std::vector<double> perLayer;  // by op index
  double invoke = 0;             // outside the layers
  int64_t instructions = 0;      // rounded sum
};
LatencyPrediction predictLatency(const LatencyModel& model,
                                 const std::vector<LayerFeatures>& layers);
int64_t predictInstructions(const LatencyModel& model, const PlannedModel& planned);
int64_t predictInstructions(const LatencyModel& model, const Graph& plannedGraph);

nlohmann::json latencyModelToJson(const LatencyModel& model);
Result<LatencyModel> latencyModelFromJson(const nlohmann::json& json);  // errors name the field
Result<LatencyModel> loadLatencyModel(const std::string& path);

// Error of predictions against measurements (both > 0), as reported by the calibration.
struct LatencyError {
  double meanAbsRelative = 0, maxAbsRelative = 0;
  double spearman = 0;  // rank correlation, ties ranked by their mean rank
};
LatencyError latencyError(const std::vector<double>& measured,
                          const std::vector<double>& predicted);

}  // namespace tinyforge
