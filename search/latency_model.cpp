#include "search/latency_model.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <numeric>

#include <Eigen/Dense>

#include "engine/ops/op_def.h"
#include "engine/kernels/tfk_math.h"
#include "engine/ops/op_util.h"

namespace tinyforge {
namespace {

// clang-format off
enum Feature : size_t {
  kMacs, kOutputs, kInputs, kPixels, kChannels, kEdge, kTaps, kRows, kWeights, kScalar, kOne
};
// clang-format on
constexpr size_t kF = kLatencyFeatureCount;
static_assert(kOne + 1 == kF, "one Feature per name in kLatencyFeatureNames");
constexpr uint32_t bit(Feature f) { return 1u << f; }

const std::array<const char*, kLatencyKernelCount> kKernelNames = {
#define TINYFORGE_LATENCY_NAME(e, n) n,
    TINYFORGE_LATENCY_KERNELS(TINYFORGE_LATENCY_NAME)
#undef TINYFORGE_LATENCY_NAME
};

// Per kernel (in enum order): the features its loops make it pay for (engine/kernels), and the
// kernel whose coefficients it borrows when it has no samples.
struct KernelInfo {
  uint32_t features;
  LatencyKernel fallback;
};
using K = LatencyKernel;
constexpr uint32_t kSpatial = bit(kMacs) | bit(kOutputs) | bit(kPixels) | bit(kOne);
const std::array<KernelInfo, kLatencyKernelCount> kKernels = {{
    {kSpatial | bit(kScalar) | bit(kInputs) | bit(kEdge) | bit(kTaps) | bit(kRows),
     K::kConv1x1InPlace},  // 1x1
    {kSpatial | bit(kScalar) | bit(kInputs) | bit(kEdge) | bit(kTaps) | bit(kRows),
     K::kConv1x1},  // inplace
    {kSpatial | bit(kEdge) | bit(kTaps) | bit(kRows) | bit(kScalar) | bit(kInputs) | bit(kWeights),
     K::kConv},  // simd
    {bit(kMacs) | bit(kOutputs) | bit(kOne) | bit(kEdge) | bit(kChannels) | bit(kScalar) |
         bit(kInputs) | bit(kWeights),
     K::kConvIm2col},  // lanes (few samples: no pixels, rows, taps, which follow from the others)
    {kSpatial | bit(kRows) | bit(kScalar), K::kConvSimd},  // conv2d
    {kSpatial | bit(kRows) | bit(kEdge) | bit(kTaps) | bit(kChannels) | bit(kScalar) |
         bit(kInputs) | bit(kWeights),
     K::kConvSimd},                                                 // conv2d_im2col
    {kSpatial | bit(kEdge) | bit(kTaps), K::kDepthwise3x3InPlace},  // dw 3x3
    {kSpatial | bit(kRows), K::kDepthwiseInPlace},                  // dw
    {kSpatial | bit(kInputs) | bit(kEdge) | bit(kTaps) | bit(kChannels),
     K::kDepthwise3x3},  // dw 3x3 in place
    {kSpatial | bit(kInputs) | bit(kRows) | bit(kChannels) | bit(kWeights),
     K::kDepthwise},                                                     // dw in place
    {bit(kOutputs) | bit(kScalar) | bit(kRows) | bit(kOne), K::kOther},  // add
    {kSpatial, K::kMaxPool},                                             // average_pool
    {kSpatial, K::kAveragePool},                                         // max_pool
    {bit(kMacs) | bit(kOutputs) | bit(kScalar) | bit(kOne) | bit(kRows) | bit(kEdge) | bit(kTaps),
     K::kConv1x1},                           // fc (rows, edge, taps: the four-row path)
    {bit(kOutputs) | bit(kOne), K::kOther},  // copy
    {bit(kOne), K::kAlias},                  // alias
    {bit(kOutputs) | bit(kInputs) | bit(kOne), K::kCopy},  // other
    {bit(kOne), K::kInvoke},                               // invoke
}};

// Taps of a window starting at `origin` that lie inside [0, in).
int32_t tapsInside(int32_t origin, int32_t kernel, int32_t dilation, int32_t in) {
  int32_t n = 0;
  for (int32_t t = 0; t < kernel; ++t)
    n += (origin + t * dilation >= 0 && origin + t * dilation < in) ? 1 : 0;
  return n;
}

// One spatial axis: taps inside the image summed over the outputs, and outputs whose whole window
// lies inside (the kernels' unrolled interior path).
struct AxisTaps {
  double valid = 0, interior = 0;
};

AxisTaps axisTaps(int32_t in, int32_t out, int32_t kernel, int32_t stride, int32_t dilation,
                  int32_t pad) {
  AxisTaps a;
  for (int32_t o = 0; o < out; ++o) {
    const int32_t origin = o * stride - pad;
    a.valid += tapsInside(origin, kernel, dilation, in);
    a.interior += (origin >= 0 && origin + (kernel - 1) * dilation < in) ? 1 : 0;
  }
  return a;
}

// Whether the op's int8 output clamp is the whole int8 range (the kernels' SSAT paths).
bool fullRange(const Graph& g, const Op& op) {
  const ActivationRange a = activationRange(op.params.activation, g.tensor(op.outputs[0]));
  return TFK_FULL_RANGE(a.min, a.max);
}

// A filter of at most TFK_IM2COL_MAX taps: tfk_conv2d_simd_s8 hands it to tfk_conv2d_fast_s8.
bool smallFilter(const Graph& g, const Op& op, const SpatialGeometry& s) {
  return int64_t(s.kernelH) * s.kernelW * g.tensor(op.inputs[0]).shape[3] <= TFK_IM2COL_MAX;
}

// What the kernels' path predicates read: input offset, output clamp and dilation, the input's
// channels and the filter's extent.
struct PathCall {
  tfk_conv_params p{};
  tfk_dims in{}, f{};
};
PathCall pathCall(const Graph& g, const Op& op, const SpatialGeometry& s) {
  PathCall c;
  c.p.input_offset = -g.tensor(op.inputs[0]).zeroPoint();
  const ActivationRange a = activationRange(op.params.activation, g.tensor(op.outputs[0]));
  c.p.act_min = a.min;
  c.p.act_max = a.max;
  c.p.dilation_h = s.dilationH;
  c.p.dilation_w = s.dilationW;
  c.in = {1, 1, 1, g.tensor(op.inputs[0]).shape[3]};
  c.f = {1, s.kernelH, s.kernelW, 1};
  return c;
}

// The generated code calls tfk_conv2d_im2col_s8 where tfk_conv2d_uses_im2col (a small filter,
// an unclamped output, an int8 input offset and a bias).
bool im2col(const Graph& g, const Op& op, const SpatialGeometry& s) {
  const PathCall c = pathCall(g, op, s);
  const bool bias = op.inputs.size() == 3 && op.inputs[2] != kNoTensor;
  return tfk_conv2d_uses_im2col(&c.p, &c.in, &c.f, bias) != 0;
}

// tfk_conv2d_simd_s8's kernel: its lanes path where tfk_conv2d_simd_uses_lanes.
LatencyKernel simdKernel(const Graph& g, const Op& op, const SpatialGeometry& s) {
  const PathCall c = pathCall(g, op, s);
  return tfk_conv2d_simd_uses_lanes(&c.p, &c.in, &c.f) ? K::kConvLanes : K::kConvSimd;
}

// channel_pairs (tfk_fast.c) runs its 2 x 2 blocks in C for per-tensor quantization or a depth
// that is not a multiple of eight; on Cortex-M4/M7 every other block is one assembly loop.
bool blocksInC(const Graph& g, const Op& op, int64_t depth) {
  return !g.tensor(op.inputs[1]).quant.perChannel() || depth % 8 != 0;
}

LatencyKernel convKernel(const Graph& g, const Op& op, const SpatialGeometry& s, bool inPlace) {
  const int32_t inC = g.tensor(op.inputs[0]).shape[3];
  if (op.kind == OpKind::kConv2D) {
    const bool pointwise = s.kernelH == 1 && s.kernelW == 1 && s.strideH == 1 && s.strideW == 1 &&
                           s.padTop == 0 && s.padLeft == 0;
    if (inPlace) return K::kConv1x1InPlace;
    if (pointwise) return K::kConv1x1;
    if (im2col(g, op, s)) return K::kConvIm2col;
    return inC >= 2 && !smallFilter(g, op, s) ? simdKernel(g, op, s) : K::kConv;
  }
  const bool k3 = s.kernelH == 3 && s.kernelW == 3 && s.dilationH == 1 && s.dilationW == 1;
  if (!inPlace && inC == 1 && op.params.depthMultiplier > 1) {
    return im2col(g, op, s) ? K::kConvIm2col : K::kConv;  // k x k <= TFK_IM2COL_MAX taps
  }
  if (inPlace) {
    // Row by row it runs the fast kernel's row code (plus copies of the rows it overwrites);
    // otherwise channel plane by plane (3x3: int16 planes with SMLAD, nearly always).
    const ConvCall c = prepareConvCall(g, op, true);
    if (tfk_depthwise_conv2d_inplace_uses_rows(&c.params, &c.in, &c.filter, &c.out)) {
      return k3 ? K::kDepthwise3x3 : K::kDepthwise;
    }
    return k3 ? K::kDepthwise3x3InPlace : K::kDepthwiseInPlace;
  }
  return k3 && op.params.depthMultiplier == 1 ? K::kDepthwise3x3 : K::kDepthwise;
}

// tfk_conv2d_simd_s8 off its lanes path walks each output row in pixel pairs whose windows lie
// inside the image (2 x 2 SIMD dot products over kw * Cin bytes per kernel row) and computes the
// other pixels one at a time, checking every tap.
void simdFeatures(const Graph& g, const Op& op, const SpatialGeometry& s, const AxisTaps& y,
                  const AxisTaps& x, LayerFeatures* f) {
  const Tensor& in = g.tensor(op.inputs[0]);
  const Tensor& out = g.tensor(op.outputs[0]);
  const int32_t oh = out.shape[1], ow = out.shape[2], inC = in.shape[3];
  double pairs = 0, singles = 0, singleTaps = 0;
  for (int32_t ox = 0; ox < ow;) {
    const int32_t x0 = ox * s.strideW - s.padLeft;
    if (ox + 1 < ow && x0 >= 0 && x0 + s.strideW + (s.kernelW - 1) * s.dilationW < in.shape[2]) {
      pairs += 1;
      ox += 2;
    } else {
      singles += 1;
      singleTaps += tapsInside(x0, s.kernelW, s.dilationW, in.shape[2]);
      ox += 1;
    }
  }
  // Pairs only lie in rows whose window is inside (y.interior of them); the rest is border.
  const double rowsIn = y.interior, cout = out.shape[3], taps = double(s.kernelH) * s.kernelW;
  const bool rowContiguous = s.dilationW == 1;
  const double dotDepth = rowContiguous ? double(s.kernelW) * inC : double(inC);
  const double dots =
      rowsIn * pairs * std::ceil(cout / 2) * s.kernelH * (rowContiguous ? 1 : s.kernelW);
  const double borderTaps = y.valid * x.valid - rowsIn * s.kernelH * (x.valid - singleTaps);
  f->x[kEdge] = cout * (rowsIn * singles + (double(oh) - rowsIn) * ow) * taps;
  f->x[kTaps] = cout * borderTaps;
  f->x[kRows] = dots;
  f->x[kScalar] = cout * borderTaps * inC + dots * 4 * double(int64_t(dotDepth) % 4);
}

// tfk_conv2d_simd_s8's lanes path: per pixel pair (an odd last pixel paired with itself) both
// patches as 16-bit lanes, kernel row by kernel row: a row inside the image for both pixels
// extended straight from the input (taps), another gathered with zero points first (edge); then
// one 2 x 2 block per channel pair over the whole patch (a multiple of four bytes), an odd last
// channel in C over every four-byte group.
void lanesFeatures(const Graph& g, const Op& op, const SpatialGeometry& s, LayerFeatures* f) {
  const Tensor& in = g.tensor(op.inputs[0]);
  const Tensor& out = g.tensor(op.outputs[0]);
  const int32_t ih = in.shape[1], iw = in.shape[2], oh = out.shape[1], ow = out.shape[2];
  const int64_t patch = int64_t(s.kernelH) * s.kernelW * in.shape[3];
  const double n = out.shape[0], cout = out.shape[3];
  const double pairs = n * oh * std::ceil(ow / 2.0), blocks = pairs * double(out.shape[3] / 2);
  // a kernel row is extended straight when its input row is in the image and both windows'
  // columns are: kernel rows inside times pairs inside, per batch
  double rowsIn = 0, pairsIn = 0;
  for (int32_t oy = 0; oy < oh; ++oy) {
    for (int32_t ky = 0; ky < s.kernelH; ++ky) {
      const int32_t iy = oy * s.strideH - s.padTop + ky * s.dilationH;
      rowsIn += iy >= 0 && iy < ih ? 1 : 0;
    }
  }
  for (int32_t ox = 0; ox < ow; ox += 2) {
    const int32_t xa = ox * s.strideW - s.padLeft, xb = ox + 1 < ow ? xa + s.strideW : xa;
    pairsIn += xa >= 0 && xb + s.kernelW <= iw ? 1 : 0;
  }
  const double straight = n * rowsIn * pairsIn, gathered = pairs * s.kernelH - straight;
  f->x[kMacs] = pairs * 2 * cout * double(patch);
  f->x[kInputs] = pairs * 2 * double(patch);
  f->x[kRows] = pairs;
  f->x[kEdge] = gathered;
  f->x[kTaps] = straight;
  f->x[kChannels] = blocks;
  f->x[kScalar] =
      blocks * double((patch >> 2) & 1) + pairs * double(out.shape[3] % 2) * double(patch / 4);
  f->x[kWeights] = blocksInC(g, op, patch) ? blocks : 0;
}

// tfk_conv2d_im2col_s8: per pixel, a patch gathered (kernel rows copied whole inside the image,
// row by row with zero points around the in-image run at the border); per pixel pair, both
// patches extended to 16-bit lanes (inputs: the bytes extended) and one 2 x 2 block per channel
// pair over the whole patch, with a step for an odd number of four-byte groups and one for a
// remainder (scalar), and an odd last channel in C over every group.
void im2colFeatures(const Graph& g, const Op& op, const SpatialGeometry& s, const AxisTaps& y,
                    const AxisTaps& x, LayerFeatures* f) {
  const Tensor& in = g.tensor(op.inputs[0]);
  const Tensor& out = g.tensor(op.outputs[0]);
  const double n = out.shape[0], pixels = double(out.shape[1]) * out.shape[2];
  // the generated code pads each filter row to TFK_IM2COL_ROW bytes
  const int64_t patch = TFK_IM2COL_ROW(int64_t(s.kernelH) * s.kernelW * in.shape[3]);
  const double groups = double((patch + 3) / 4), cout = out.shape[3];
  const double interior = s.dilationW == 1 ? y.interior * x.interior : 0;
  const double pixelPairs = n * std::ceil(pixels / 2),
               blocks = pixelPairs * double(out.shape[3] / 2);
  const double oddChannel = pixelPairs * double(out.shape[3] % 2);
  f->x[kMacs] = pixelPairs * 2 * cout * double(patch);
  f->x[kInputs] = pixelPairs * 2 * double(patch);
  f->x[kRows] = pixelPairs;
  f->x[kEdge] = n * (pixels - interior) * s.kernelH;
  f->x[kTaps] = n * interior * s.kernelH;
  f->x[kChannels] = blocks;
  f->x[kScalar] =
      blocks * (double((patch >> 2) & 1) + (patch % 4 != 0 ? 1.0 : 0.0)) + oddChannel * groups;
  f->x[kWeights] = blocksInC(g, op, patch) ? blocks : 0;
}

// Convolutions and pooling: taps inside the image, border outputs, kernel rows visited.
void spatialFeatures(const Graph& g, const Op& op, const SpatialGeometry& s, LayerFeatures* f) {
  const Tensor& in = g.tensor(op.inputs[0]);
  const Tensor& out = g.tensor(op.outputs[0]);
  const int32_t oh = out.shape[1], ow = out.shape[2];
  const AxisTaps y = axisTaps(in.shape[1], oh, s.kernelH, s.strideH, s.dilationH, s.padTop);
  const AxisTaps x = axisTaps(in.shape[2], ow, s.kernelW, s.strideW, s.dilationW, s.padLeft);
  const double channels = double(out.shape[3]) * out.shape[0], taps = double(s.kernelH) * s.kernelW;
  const double depth = op.kind == OpKind::kConv2D ? double(in.shape[3]) : 1.0;
  f->x[kMacs] = channels * depth * y.valid * x.valid;
  f->x[kEdge] = channels * (double(oh) * ow - y.interior * x.interior) * taps;
  f->x[kTaps] = channels * (y.valid * x.valid - y.interior * x.interior * taps);
  f->x[kRows] = channels * y.valid * ow;
  if (f->kernel == K::kConvSimd && op.kind == OpKind::kConv2D) {
    simdFeatures(g, op, s, y, x, f);
  }
  if (f->kernel == K::kConvLanes) lanesFeatures(g, op, s, f);
  if (f->kernel == K::kConvIm2col) im2colFeatures(g, op, s, y, x, f);
  if (f->kernel == K::kConv && op.kind == OpKind::kConv2D) {
    // conv_simd: per kernel row, dot products over the row's taps inside the image, the bytes
    // past a multiple of four one at a time.
    double remainder = 0;
    for (int32_t ox = 0; ox < ow; ++ox) {
      const int32_t inside = tapsInside(ox * s.strideW - s.padLeft, s.kernelW, s.dilationW, in.shape[2]);
      remainder += s.dilationW == 1 ? (inside * in.shape[3]) % 4 : inside * (in.shape[3] % 4);
    }
    f->x[kScalar] = channels * y.valid * remainder;
  }
  if (f->kernel == K::kConv1x1 || f->kernel == K::kConv1x1InPlace) {
    const double pixels = double(out.shape[0]) * oh * ow;
    // matmul_s8: row pairs for the full int8 range and rows of at most TFK_PAIR_DEPTH_MAX bytes,
    // extended once (inputs: the bytes extended), their blocks paying a step for an odd number of
    // four-byte groups and one for a remainder; the rest (or every row) one at a time.
    const int32_t cin = in.shape[3];
    const bool extended = fullRange(g, op) && cin <= TFK_PAIR_DEPTH_MAX;
    const double single = extended ? double(int64_t(pixels) % 2) : pixels;
    const double paired = pixels - single;
    // (the in-place kernel keeps inputs = its input elements: it copies each pixel pair first)
    if (f->kernel == K::kConv1x1) f->x[kInputs] = extended ? paired * cin : 0;
    f->x[kScalar] =
        extended ? channels * paired * (double((cin >> 2) & 1) + (cin % 4 != 0 ? 1.0 : 0.0)) +
                       channels * single * double(cin % 4)
                 : channels * oh * ow * double(cin % 4);
    f->x[kEdge] = single * out.shape[3];
    f->x[kTaps] = single * out.shape[3] * in.shape[3];
    f->x[kRows] = extended && blocksInC(g, op, cin) ? paired / 2 * double(out.shape[3] / 2) : 0;
  }
}

bool isGraphOutput(const Graph& g, TensorId t) {
  return std::find(g.outputs.begin(), g.outputs.end(), t) != g.outputs.end();
}

// Features of every op; inPlace(op, input 0, output 0) says whether output 0 sits on input 0.
template <typename InPlace>
std::vector<LayerFeatures> featuresOf(const Graph& g, InPlace inPlace) {
  std::vector<LayerFeatures> layers;
  layers.reserve(g.ops.size());
  for (size_t i = 0; i < g.ops.size(); ++i) {
    const Op& op = g.ops[i];
    const TensorId in = op.inputs.empty() ? kNoTensor : op.inputs[0];
    const bool shared =
        in >= 0 && !op.outputs.empty() && !g.tensor(in).isConstant && inPlace(i, in, op.outputs[0]);
    layers.push_back(layerFeatures(g, int32_t(i), shared));
  }
  return layers;
}

// Non-negative least squares by enumeration, weighted for relative error (layers of a few SysTick
// ticks are not trusted to the instruction): the NNLS optimum is the unconstrained fit on its own
// support, so the best feasible fit over all supports (at most 2^11, columns scaled) is it.
std::array<double, kF> fitKernel(const std::vector<const LayerSample*>& samples,
                                 uint32_t features) {
  constexpr double kWeightFloor = 400;
  std::vector<int> cols;
  for (size_t j = 0; j < kF; ++j) {
    if (features & (1u << j)) cols.push_back(int(j));
  }
  Eigen::MatrixXd a(samples.size(), cols.size());
  Eigen::VectorXd y(samples.size());
  for (size_t i = 0; i < samples.size(); ++i) {
    const double instructions = double(samples[i]->instructions);
    const double w = 1.0 / std::max(instructions, kWeightFloor);
    y(Eigen::Index(i)) = w * instructions;
    for (size_t c = 0; c < cols.size(); ++c)
      a(Eigen::Index(i), Eigen::Index(c)) = w * samples[i]->features.x[size_t(cols[c])];
  }
  const Eigen::VectorXd norm = a.colwise().norm().transpose();
  const Eigen::VectorXd scale = (norm.array() > 0).select(norm.cwiseInverse(), 0.0);
  a = a * scale.asDiagonal();
  const Eigen::MatrixXd gram = a.transpose() * a;
  const Eigen::VectorXd rhs = a.transpose() * y;
  std::array<double, kF> best{};
  double bestSse = y.squaredNorm();
  for (uint32_t subset = 1; subset < (1u << cols.size()); ++subset) {
    std::vector<int> idx;
    for (size_t c = 0; c < cols.size(); ++c) {
      if (subset & (1u << c)) idx.push_back(int(c));
    }
    const Eigen::MatrixXd g = gram(idx, idx);
    const Eigen::LLT<Eigen::MatrixXd> llt(g);
    if (llt.info() != Eigen::Success || llt.matrixLLT().diagonal().minCoeff() < 1e-5)
      continue;  // singular
    const Eigen::VectorXd c = llt.solve(rhs(idx));
    if (c.minCoeff() < 0) continue;
    const double sse = y.squaredNorm() - 2 * c.dot(rhs(idx)) + c.dot(g * c);
    if (sse >= bestSse) continue;
    bestSse = sse;
    best.fill(0.0);
    for (size_t k = 0; k < idx.size(); ++k) {
      best[size_t(cols[size_t(idx[k])])] = c(Eigen::Index(k)) * scale(idx[k]);
    }
  }
  return best;
}

// Ranks from 1, ties at their mean rank.
std::vector<double> ranks(const std::vector<double>& v) {
  std::vector<double> r(v.size(), 1.0);
  for (size_t i = 0; i < v.size(); ++i) {
    for (size_t j = 0; j < v.size(); ++j)
      r[i] += v[j] < v[i] ? 1.0 : (v[j] == v[i] && j != i ? 0.5 : 0.0);
  }
  return r;
}

double pearson(const std::vector<double>& a, const std::vector<double>& b) {
  const double n = double(a.size());
  const double ma = std::accumulate(a.begin(), a.end(), 0.0) / n;
  const double mb = std::accumulate(b.begin(), b.end(), 0.0) / n;
  double sab = 0, saa = 0, sbb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) * (a[i] - ma);
    sbb += (b[i] - mb) * (b[i] - mb);
  }
  return saa > 0 && sbb > 0 ? sab / std::sqrt(saa * sbb) : 0.0;
}

// Throws nlohmann::json::exception on values of the wrong type (caught by the caller).
Result<LatencyModel> modelFromJson(const nlohmann::json& j) {
  using R = Result<LatencyModel>;
  if (!j.is_object() || !j.contains("core") || !j["core"].is_string())
    return R::failure("latency model: no \"core\" string");
  if (!j.contains("kernels") || !j["kernels"].is_object())
    return R::failure("latency model: no \"kernels\" object");
  LatencyModel m;
  m.core = j["core"].get<std::string>();
  m.device = j.value("device", std::string());
  if (j.contains("calibration")) m.calibration = j["calibration"];
  for (const auto& [name, kj] : j["kernels"].items()) {
    LatencyKernel k;
    if (!latencyKernelFromName(name, &k))
      return R::failure("latency model: unknown kernel \"" + name + "\"");
    KernelCoefficients& kc = m.kernels[size_t(k)];
    if (!kj.is_object() || !kj.contains("coefficients") || !kj["coefficients"].is_object()) {
      return R::failure("latency model: kernels." + name + ": no \"coefficients\" object");
    }
    for (const auto& [feature, v] : kj["coefficients"].items()) {
      const auto it = std::find(kLatencyFeatureNames.begin(), kLatencyFeatureNames.end(), feature);
      if (it == kLatencyFeatureNames.end() || !v.is_number()) {
        return R::failure("latency model: kernels." + name + ".coefficients." + feature +
                          ": unknown feature or not a number");
      }
      kc.c[size_t(it - kLatencyFeatureNames.begin())] = v.get<double>();
    }
    kc.samples = kj.value("samples", 0);
    kc.borrowedFrom = kj.value("borrowed_from", std::string());
  }
  return m;
}

}  // namespace

const std::array<const char*, kLatencyFeatureCount> kLatencyFeatureNames = {
    "macs", "outputs", "inputs",  "pixels", "channels", "edge",
    "taps", "rows",    "weights", "scalar", "one"};

const char* latencyKernelName(LatencyKernel k) { return kKernelNames[size_t(k)]; }

bool latencyKernelFromName(const std::string& name, LatencyKernel* out) {
  for (size_t i = 0; i < kKernels.size(); ++i) {
    if (name == kKernelNames[i]) {
      *out = LatencyKernel(i);
      return true;
    }
  }
  return false;
}

LayerFeatures layerFeatures(const Graph& g, int32_t opIndex, bool inPlace) {
  const Op& op = g.ops[size_t(opIndex)];
  LayerFeatures f;
  const Tensor& out = g.tensor(op.outputs[0]);
  f.x[kOutputs] = double(out.elementCount());
  f.x[kChannels] = out.shape.empty() ? 1.0 : double(std::max(1, out.shape.back()));
  f.x[kPixels] = f.x[kOutputs] / f.x[kChannels];  // N x H x W, or rows
  f.x[kOne] = 1;
  for (TensorId id : op.inputs) {
    if (id < 0) continue;
    const Tensor& t = g.tensor(id);
    if (!t.isConstant) f.x[kInputs] += double(t.elementCount());
    if (t.isConstant && t.type == DType::kInt8) f.x[kWeights] += double(t.elementCount());
  }
  SpatialGeometry s;
  if (spatialGeometry(g, op, &s)) {  // convolutions and pooling
    f.kernel = op.kind == OpKind::kMaxPool2D       ? K::kMaxPool
               : op.kind == OpKind::kAveragePool2D ? K::kAveragePool
                                                   : convKernel(g, op, s, inPlace);
    spatialFeatures(g, op, s, &f);
  } else if (op.kind == OpKind::kFullyConnected) {
    f.kernel = K::kFullyConnected;
    const int32_t units = g.tensor(op.inputs[1]).shape[0], depth = g.tensor(op.inputs[1]).shape[1];
    const int64_t batches = g.tensor(op.inputs[0]).elementCount() / depth;
    f.x[kMacs] = double(opDef(op.kind).macs(g, op));  // all of them, also on the four-row path
    f.x[kScalar] = f.x[kOutputs] * double(depth % 4);
    if (tfk_fc_uses_rows4(int32_t(batches), depth, units)) {
      const int64_t grouped = units & ~3,
                    chunks = (depth + TFK_FC_ROWS4_CHUNK - 1) / TFK_FC_ROWS4_CHUNK;
      const int64_t unitBatches = (grouped + TFK_FC_ROWS4_BATCH - 1) / TFK_FC_ROWS4_BATCH;
      f.x[kRows] = double(grouped * depth);       // in the four-row groups
      f.x[kEdge] = double(grouped / 4 * chunks);  // group calls
      f.x[kTaps] = double(unitBatches * depth);   // input elements extended
    }
  } else {
    const bool copy = op.kind == OpKind::kPad || op.kind == OpKind::kConcatenation ||
                      op.kind == OpKind::kTranspose || op.kind == OpKind::kReshape;
    f.kernel = op.kind == OpKind::kAdd                  ? K::kAdd
               : op.kind == OpKind::kReshape && inPlace ? K::kAlias
               : copy                                   ? K::kCopy
                                                        : K::kOther;
    if (op.kind == OpKind::kAdd && g.tensor(op.inputs[0]).shape == g.tensor(op.inputs[1]).shape) {
      const tfk_add_params p = prepareAddParams(g, op);
      const bool tables = tfk_add_uses_tables(&p, int32_t(f.x[kOutputs])) != 0;
      f.x[kRows] = tables ? 1 : 0;                // building the rescale tables
      f.x[kScalar] = tables ? 0 : f.x[kOutputs];  // elements rescaled without them
    }
  }
  return f;
}

LayerFeatures invokeFeatures() {
  LayerFeatures f;
  f.kernel = K::kInvoke;
  f.x[kOne] = 1;
  return f;
}

std::vector<LayerFeatures> latencyFeatures(const PlannedModel& m) {
  const Graph& g = m.graph;
  const std::vector<int64_t>& at = m.plan.offsets;
  return featuresOf(g, [&](size_t, TensorId in, TensorId out) {
    return size_t(std::max(in, out)) < at.size() && at[size_t(in)] >= 0 &&
           at[size_t(in)] == at[size_t(out)];
  });
}

std::vector<LayerFeatures> latencyFeatures(const Graph& g) {
  std::vector<size_t> lastReader(g.tensors.size(), 0);
  for (size_t i = 0; i < g.ops.size(); ++i) {
    for (TensorId id : g.ops[i].inputs) {
      if (id >= 0) lastReader[size_t(id)] = i;
    }
  }
  return featuresOf(g, [&](size_t i, TensorId in, TensorId) {
    const Op& op = g.ops[i];
    return lastReader[size_t(in)] == i && !isGraphOutput(g, in) && opDef(op.kind).inPlace &&
           (opDef(op.kind).inPlace(g, op).inputMask & 1u) != 0;
  });
}

double predictLayer(const LatencyModel& model, const LayerFeatures& f) {
  const std::array<double, kLatencyFeatureCount>& c = model.kernels[size_t(f.kernel)].c;
  double y = 0;
  for (size_t j = 0; j < kLatencyFeatureCount; ++j) y += c[j] * f.x[j];
  return std::max(0.0, y);
}

LatencyPrediction predictLatency(const LatencyModel& model,
                                 const std::vector<LayerFeatures>& layers) {
  LatencyPrediction p;
  p.perLayer.reserve(layers.size());
  double total = p.invoke = predictLayer(model, invokeFeatures());
  for (const LayerFeatures& f : layers) {
    p.perLayer.push_back(predictLayer(model, f));
    total += p.perLayer.back();
  }
  p.instructions = std::llround(total);
  return p;
}

int64_t predictInstructions(const LatencyModel& model, const PlannedModel& planned) {
  return predictLatency(model, latencyFeatures(planned)).instructions;
}

int64_t predictInstructions(const LatencyModel& model, const Graph& plannedGraph) {
  return predictLatency(model, latencyFeatures(plannedGraph)).instructions;
}

Result<LatencyModel> fitLatencyModel(const std::vector<LayerSample>& samples,
                                     const std::string& core) {
  if (samples.empty())
    return Result<LatencyModel>::failure("latency model '" + core + "': no samples");
  std::array<std::vector<const LayerSample*>, kLatencyKernelCount> byKernel;
  for (size_t i = 0; i < samples.size(); ++i) {
    if (samples[i].instructions < 0) {
      return Result<LatencyModel>::failure("latency sample " + std::to_string(i) + " (" +
                                           latencyKernelName(samples[i].features.kernel) +
                                           "): " + std::to_string(samples[i].instructions) +
                                           " instructions");
    }
    byKernel[size_t(samples[i].features.kernel)].push_back(&samples[i]);
  }
  LatencyModel m;
  m.core = core;
  for (size_t k = 0; k < kLatencyKernelCount; ++k) {
    m.kernels[k].samples = int32_t(byKernel[k].size());
    if (!byKernel[k].empty()) m.kernels[k].c = fitKernel(byKernel[k], kKernels[k].features);
  }
  for (size_t k = 0; k < kLatencyKernelCount; ++k) {
    const size_t from = size_t(kKernels[k].fallback);
    if (m.kernels[k].samples == 0 && from != k && m.kernels[from].samples > 0) {
      m.kernels[k].c = m.kernels[from].c;
      m.kernels[k].borrowedFrom = kKernelNames[from];
    }
  }
  return m;
}

nlohmann::json latencyModelToJson(const LatencyModel& m) {
  nlohmann::json kernels = nlohmann::json::object();
  for (size_t k = 0; k < kLatencyKernelCount; ++k) {
    nlohmann::json c = nlohmann::json::object();
    for (size_t j = 0; j < kF; ++j) {
      if (kKernels[k].features & (1u << j) || m.kernels[k].c[j] != 0)
        c[kLatencyFeatureNames[j]] = m.kernels[k].c[j];
    }
    kernels[kKernelNames[k]] = {{"coefficients", c}, {"samples", m.kernels[k].samples}};
    if (!m.kernels[k].borrowedFrom.empty())
      kernels[kKernelNames[k]]["borrowed_from"] = m.kernels[k].borrowedFrom;
  }
  return {{"core", m.core},
          {"device", m.device},
          {"unit", "instructions per inference (QEMU -icount)"},
          {"features", kLatencyFeatureNames},
          {"kernels", kernels},
          {"calibration", m.calibration}};
}

Result<LatencyModel> latencyModelFromJson(const nlohmann::json& j) {
  try {
    return modelFromJson(j);
  } catch (const nlohmann::json::exception& e) {
    return Result<LatencyModel>::failure(std::string("latency model: ") + e.what());
  }
}

Result<LatencyModel> loadLatencyModel(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Result<LatencyModel>::failure("cannot read latency model " + path);
  nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded()) return Result<LatencyModel>::failure(path + ": not valid JSON");
  Result<LatencyModel> m = latencyModelFromJson(j);
  if (!m) return Result<LatencyModel>::failure(path + ": " + m.error());
  return m;
}

LatencyError latencyError(const std::vector<double>& measured,
                          const std::vector<double>& predicted) {
  LatencyError e;
  const size_t n = std::min(measured.size(), predicted.size());
  if (n == 0) return e;
  for (size_t i = 0; i < n; ++i) {
    const double r = std::fabs(predicted[i] - measured[i]) / std::max(measured[i], 1.0);
    e.meanAbsRelative += r / double(n);
    e.maxAbsRelative = std::max(e.maxAbsRelative, r);
  }
  e.spearman = pearson(ranks({measured.begin(), measured.begin() + std::ptrdiff_t(n)}),
                       ranks({predicted.begin(), predicted.begin() + std::ptrdiff_t(n)}));
  return e;
}

}  // namespace tinyforge
