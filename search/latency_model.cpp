#include "search/latency_model.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <numeric>

#include "engine/ops/op_def.h"
#include "engine/ops/op_util.h"

namespace tinyforge {
namespace {

enum Feature : size_t { kMacs, kOutputs, kInputs, kPixels, kChannels, kEdge, kRows, kWeights, kOne };

constexpr uint32_t bit(Feature f) { return 1u << f; }

struct KernelInfo {
  const char* name;
  uint32_t features;        // the features this kernel's cost is fitted on
  LatencyKernel fallback;   // whose coefficients it borrows when it has no samples
};

// Per kernel: the loops it runs (engine/kernels) decide its features.
constexpr uint32_t kSpatial = bit(kMacs) | bit(kOutputs) | bit(kPixels) | bit(kOne);
using K = LatencyKernel;
const std::array<KernelInfo, kLatencyKernelCount> kKernels = {{
    {"conv2d_1x1", kSpatial, K::kConv1x1InPlace},
    {"conv2d_1x1_inplace", kSpatial | bit(kInputs), K::kConv1x1},
    {"conv2d_simd", kSpatial | bit(kEdge) | bit(kRows), K::kConv},
    {"conv2d", kSpatial | bit(kRows), K::kConvSimd},
    {"depthwise_3x3", kSpatial | bit(kEdge), K::kDepthwise3x3InPlace},
    {"depthwise", kSpatial | bit(kRows), K::kDepthwiseInPlace},
    {"depthwise_3x3_inplace", kSpatial | bit(kInputs) | bit(kEdge) | bit(kChannels), K::kDepthwise3x3},
    {"depthwise_inplace", kSpatial | bit(kInputs) | bit(kRows) | bit(kChannels) | bit(kWeights),
     K::kDepthwise},
    {"add", bit(kOutputs) | bit(kOne), K::kOther},
    {"average_pool", kSpatial, K::kMaxPool},
    {"max_pool", kSpatial, K::kAveragePool},
    {"fully_connected", bit(kMacs) | bit(kOutputs) | bit(kOne), K::kConv1x1},
    {"copy", bit(kOutputs) | bit(kOne), K::kOther},
    {"alias", bit(kOne), K::kAlias},
    {"other", bit(kOutputs) | bit(kInputs) | bit(kOne), K::kCopy},
    {"invoke", bit(kOne), K::kInvoke},
}};

// One spatial axis: taps inside the image summed over the outputs, and outputs whose whole
// window lies inside (the kernels' unrolled interior path).
struct AxisTaps {
  double valid = 0;
  double interior = 0;
};

AxisTaps axisTaps(int32_t in, int32_t out, int32_t kernel, int32_t stride, int32_t dilation, int32_t pad) {
  AxisTaps a;
  for (int32_t o = 0; o < out; ++o) {
    const int32_t origin = o * stride - pad;
    for (int32_t t = 0; t < kernel; ++t) {
      const int32_t i = origin + t * dilation;
      a.valid += (i >= 0 && i < in) ? 1 : 0;
    }
    a.interior += (origin >= 0 && origin + (kernel - 1) * dilation < in) ? 1 : 0;
  }
  return a;
}

// NHWC output H x W (batches included), or the rows of a [rows, units] output.
double pixelsOf(const Tensor& t) {
  double p = 1;
  for (size_t i = 0; i + 1 < t.shape.size(); ++i) p *= t.shape[i];
  return p;
}

LatencyKernel convKernel(const Graph& g, const Op& op, const SpatialGeometry& s, bool inPlace) {
  const Tensor& in = g.tensor(op.inputs[0]);
  if (op.kind == OpKind::kConv2D) {
    const bool pointwise = s.kernelH == 1 && s.kernelW == 1 && s.strideH == 1 && s.strideW == 1 &&
                           s.padTop == 0 && s.padLeft == 0;
    if (inPlace) return K::kConv1x1InPlace;
    if (pointwise) return K::kConv1x1;
    return in.shape[3] >= 2 ? K::kConvSimd : K::kConv;
  }
  const bool k3 = s.kernelH == 3 && s.kernelW == 3 && s.dilationH == 1 && s.dilationW == 1;
  if (!inPlace && in.shape[3] == 1 && op.params.depthMultiplier > 1) return K::kConvSimd;
  if (inPlace) return k3 ? K::kDepthwise3x3InPlace : K::kDepthwiseInPlace;
  return k3 && op.params.depthMultiplier == 1 ? K::kDepthwise3x3 : K::kDepthwise;
}

// Convolutions and pooling: taps inside the image, border outputs, kernel rows visited.
void spatialFeatures(const Graph& g, const Op& op, const SpatialGeometry& s, LayerFeatures* f) {
  const Tensor& in = g.tensor(op.inputs[0]);
  const Tensor& out = g.tensor(op.outputs[0]);
  const int32_t oh = out.shape[1], ow = out.shape[2];
  const AxisTaps y = axisTaps(in.shape[1], oh, s.kernelH, s.strideH, s.dilationH, s.padTop);
  const AxisTaps x = axisTaps(in.shape[2], ow, s.kernelW, s.strideW, s.dilationW, s.padLeft);
  const double channels = out.shape[3];
  const double depth = op.kind == OpKind::kConv2D ? double(in.shape[3]) : 1.0;
  f->x[kMacs] = channels * depth * y.valid * x.valid * out.shape[0];
  f->x[kEdge] = channels * (double(oh) * ow - y.interior * x.interior) * out.shape[0];
  f->x[kRows] = channels * y.valid * ow * out.shape[0];
}

bool isGraphOutput(const Graph& g, TensorId t) {
  return std::find(g.outputs.begin(), g.outputs.end(), t) != g.outputs.end();
}


constexpr size_t kF = kLatencyFeatureCount;
using Matrix = std::array<std::array<double, kF>, kF>;

// Relative error weighting; small layers (a few SysTick ticks) are not trusted to the instruction.
constexpr double kWeightFloor = 400;

// Weighted normal equations of one kernel's samples, columns scaled to a unit diagonal.
struct NormalEquations {
  Matrix gram{};
  std::array<double, kF> rhs{}, scale{};
  double yy = 0;
};

NormalEquations normalEquations(const std::vector<const LayerSample*>& samples) {
  NormalEquations n;
  for (const LayerSample* s : samples) {
    const double y = double(s->instructions);
    const double w = 1.0 / std::pow(std::max(y, kWeightFloor), 2.0);
    for (size_t i = 0; i < kF; ++i) {
      n.rhs[i] += w * s->features.x[i] * y;
      for (size_t j = 0; j < kF; ++j) n.gram[i][j] += w * s->features.x[i] * s->features.x[j];
    }
    n.yy += w * y * y;
  }
  for (size_t i = 0; i < kF; ++i) n.scale[i] = n.gram[i][i] > 0 ? 1.0 / std::sqrt(n.gram[i][i]) : 0.0;
  for (size_t i = 0; i < kF; ++i) {
    n.rhs[i] *= n.scale[i];
    for (size_t j = 0; j < kF; ++j) n.gram[i][j] *= n.scale[i] * n.scale[j];
  }
  return n;
}

// Least squares on the columns in `subset` (Cholesky); false when (nearly) singular. On success
// `coef` holds the scaled coefficients and `sse` the weighted squared error.
bool solveSubset(const NormalEquations& n, uint32_t subset, std::array<double, kF>* coef, double* sse) {
  std::vector<size_t> cols;
  for (size_t i = 0; i < kF; ++i) {
    if (subset & (1u << i)) cols.push_back(i);
  }
  const size_t m = cols.size();
  std::vector<double> l(m * m, 0.0), z(m, 0.0);
  for (size_t i = 0; i < m; ++i) {
    for (size_t j = 0; j <= i; ++j) {
      double v = n.gram[cols[i]][cols[j]];
      for (size_t k = 0; k < j; ++k) v -= l[i * m + k] * l[j * m + k];
      if (i == j) {
        if (v < 1e-10) return false;
        l[i * m + i] = std::sqrt(v);
      } else {
        l[i * m + j] = v / l[j * m + j];
      }
    }
  }
  for (size_t i = 0; i < m; ++i) {  // L z = b, then L^T c = z
    double v = n.rhs[cols[i]];
    for (size_t k = 0; k < i; ++k) v -= l[i * m + k] * z[k];
    z[i] = v / l[i * m + i];
  }
  coef->fill(0.0);
  for (size_t i = m; i-- > 0;) {
    double v = z[i];
    for (size_t k = i + 1; k < m; ++k) v -= l[k * m + i] * (*coef)[cols[k]];
    (*coef)[cols[i]] = v / l[i * m + i];
  }
  double quad = 0, lin = 0;
  for (size_t i : cols) {
    lin += (*coef)[i] * n.rhs[i];
    for (size_t j : cols) quad += (*coef)[i] * n.gram[i][j] * (*coef)[j];
  }
  *sse = n.yy - 2 * lin + quad;
  return true;
}

// Non-negative least squares by enumeration: the NNLS optimum is the unconstrained fit on its
// own support, so the best feasible fit over all supports (at most 2^9) is the optimum.
std::array<double, kF> fitKernel(const std::vector<const LayerSample*>& samples, uint32_t features) {
  const NormalEquations n = normalEquations(samples);
  uint32_t mask = 0;
  for (size_t i = 0; i < kF; ++i) {
    if ((features & (1u << i)) && n.scale[i] > 0) mask |= 1u << i;
  }
  std::array<double, kF> best{}, coef{};
  double bestSse = n.yy, sse = 0;
  for (uint32_t s = mask; s != 0; s = (s - 1) & mask) {
    if (!solveSubset(n, s, &coef, &sse)) continue;
    if (std::any_of(coef.begin(), coef.end(), [](double c) { return c < 0; })) continue;
    if (sse < bestSse) {
      bestSse = sse;
      best = coef;
    }
  }
  for (size_t i = 0; i < kF; ++i) best[i] *= n.scale[i];
  return best;
}

std::vector<double> ranks(const std::vector<double>& v) {
  std::vector<size_t> idx(v.size());
  std::iota(idx.begin(), idx.end(), size_t(0));
  std::sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return v[a] < v[b]; });
  std::vector<double> r(v.size());
  for (size_t i = 0; i < idx.size();) {
    size_t j = i;
    while (j + 1 < idx.size() && v[idx[j + 1]] == v[idx[i]]) ++j;
    for (size_t k = i; k <= j; ++k) r[idx[k]] = 0.5 * double(i + j) + 1.0;
    i = j + 1;
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

}  // namespace

const std::array<const char*, kLatencyFeatureCount> kLatencyFeatureNames = {
    "macs", "outputs", "inputs", "pixels", "channels", "edge", "rows", "weights", "one"};

const char* latencyKernelName(LatencyKernel k) { return kKernels[size_t(k)].name; }

bool latencyKernelFromName(const std::string& name, LatencyKernel* out) {
  for (size_t i = 0; i < kKernels.size(); ++i) {
    if (name == kKernels[i].name) {
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
  f.x[kPixels] = pixelsOf(out);
  f.x[kChannels] = out.shape.empty() ? 1.0 : double(out.shape.back());
  f.x[kOne] = 1;
  for (TensorId id : op.inputs) {
    if (id < 0) continue;
    const Tensor& t = g.tensor(id);
    if (!t.isConstant) f.x[kInputs] += double(t.elementCount());
    if (t.isConstant && t.type == DType::kInt8) f.x[kWeights] += double(t.elementCount());
  }
  SpatialGeometry s;
  switch (op.kind) {
    case OpKind::kConv2D:
    case OpKind::kDepthwiseConv2D:
      spatialGeometry(g, op, &s);
      f.kernel = convKernel(g, op, s, inPlace);
      spatialFeatures(g, op, s, &f);
      break;
    case OpKind::kAveragePool2D:
    case OpKind::kMaxPool2D:
      spatialGeometry(g, op, &s);
      f.kernel = op.kind == OpKind::kMaxPool2D ? K::kMaxPool : K::kAveragePool;
      spatialFeatures(g, op, s, &f);
      break;
    case OpKind::kFullyConnected:
      f.kernel = K::kFullyConnected;
      f.x[kMacs] = double(opDef(op.kind).macs(g, op));
      break;
    case OpKind::kAdd: f.kernel = K::kAdd; break;
    case OpKind::kReshape: f.kernel = inPlace ? K::kAlias : K::kCopy; break;
    case OpKind::kPad:
    case OpKind::kConcatenation:
    case OpKind::kTranspose: f.kernel = K::kCopy; break;
    default: f.kernel = K::kOther; break;
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
  std::vector<LayerFeatures> layers;
  layers.reserve(g.ops.size());
  for (size_t i = 0; i < g.ops.size(); ++i) {
    const Op& op = g.ops[i];
    const TensorId in = op.inputs.empty() ? kNoTensor : op.inputs[0];
    const bool inPlace = in >= 0 && !g.tensor(in).isConstant && size_t(in) < m.plan.offsets.size() &&
                         m.plan.offsets[size_t(in)] >= 0 &&
                         m.plan.offsets[size_t(in)] == m.plan.offsets[size_t(op.outputs[0])];
    layers.push_back(layerFeatures(g, int32_t(i), inPlace));
  }
  return layers;
}

std::vector<LayerFeatures> latencyFeatures(const Graph& g) {
  std::vector<int32_t> lastReader(g.tensors.size(), -1);
  for (size_t i = 0; i < g.ops.size(); ++i) {
    for (TensorId id : g.ops[i].inputs) {
      if (id >= 0) lastReader[size_t(id)] = int32_t(i);
    }
  }
  std::vector<LayerFeatures> layers;
  layers.reserve(g.ops.size());
  for (size_t i = 0; i < g.ops.size(); ++i) {
    const Op& op = g.ops[i];
    const TensorId in = op.inputs.empty() ? kNoTensor : op.inputs[0];
    bool inPlace = false;
    if (in >= 0 && !g.tensor(in).isConstant && lastReader[size_t(in)] == int32_t(i) &&
        !isGraphOutput(g, in) && opDef(op.kind).inPlace) {
      inPlace = (opDef(op.kind).inPlace(g, op).inputMask & 1u) != 0;
    }
    layers.push_back(layerFeatures(g, int32_t(i), inPlace));
  }
  return layers;
}

double predictLayer(const LatencyModel& model, const LayerFeatures& f) {
  const std::array<double, kLatencyFeatureCount>& c = model.kernels[size_t(f.kernel)].c;
  double y = 0;
  for (size_t j = 0; j < kLatencyFeatureCount; ++j) y += c[j] * f.x[j];
  return std::max(0.0, y);
}

LatencyPrediction predictLatency(const LatencyModel& model, const std::vector<LayerFeatures>& layers) {
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

Result<LatencyModel> fitLatencyModel(const std::vector<LayerSample>& samples, const std::string& core) {
  if (samples.empty()) return Result<LatencyModel>::failure("latency model '" + core + "': no samples");
  std::array<std::vector<const LayerSample*>, kLatencyKernelCount> byKernel;
  for (size_t i = 0; i < samples.size(); ++i) {
    if (samples[i].instructions < 0) {
      return Result<LatencyModel>::failure("latency sample " + std::to_string(i) + " (" +
                                           latencyKernelName(samples[i].features.kernel) + "): " +
                                           std::to_string(samples[i].instructions) + " instructions");
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
      m.kernels[k].borrowedFrom = kKernels[from].name;
    }
  }
  return m;
}

nlohmann::json latencyModelToJson(const LatencyModel& m) {
  nlohmann::json kernels = nlohmann::json::object();
  for (size_t k = 0; k < kLatencyKernelCount; ++k) {
    nlohmann::json c = nlohmann::json::object();
    for (size_t j = 0; j < kF; ++j) {
      if (kKernels[k].features & (1u << j) || m.kernels[k].c[j] != 0) c[kLatencyFeatureNames[j]] = m.kernels[k].c[j];
    }
    kernels[kKernels[k].name] = {{"coefficients", c}, {"samples", m.kernels[k].samples}};
    if (!m.kernels[k].borrowedFrom.empty()) kernels[kKernels[k].name]["borrowed_from"] = m.kernels[k].borrowedFrom;
  }
  return {{"core", m.core}, {"device", m.device}, {"unit", "instructions per inference (QEMU -icount)"},
          {"features", kLatencyFeatureNames}, {"kernels", kernels}, {"calibration", m.calibration}};
}

Result<LatencyModel> latencyModelFromJson(const nlohmann::json& j) {
  using R = Result<LatencyModel>;
  if (!j.is_object() || !j.contains("core") || !j["core"].is_string()) return R::failure("latency model: no \"core\" string");
  if (!j.contains("kernels") || !j["kernels"].is_object()) return R::failure("latency model: no \"kernels\" object");
  LatencyModel m;
  m.core = j["core"].get<std::string>();
  m.device = j.value("device", std::string());
  if (j.contains("calibration")) m.calibration = j["calibration"];
  for (const auto& [name, kj] : j["kernels"].items()) {
    LatencyKernel k;
    if (!latencyKernelFromName(name, &k)) return R::failure("latency model: unknown kernel \"" + name + "\"");
    KernelCoefficients& kc = m.kernels[size_t(k)];
    if (!kj.is_object() || !kj.contains("coefficients") || !kj["coefficients"].is_object()) {
      return R::failure("latency model: kernels." + name + ": no \"coefficients\" object");
    }
    for (const auto& [feature, v] : kj["coefficients"].items()) {
      const auto it = std::find(kLatencyFeatureNames.begin(), kLatencyFeatureNames.end(), feature);
      if (it == kLatencyFeatureNames.end() || !v.is_number()) {
        return R::failure("latency model: kernels." + name + ".coefficients." + feature + ": unknown feature or not a number");
      }
      kc.c[size_t(it - kLatencyFeatureNames.begin())] = v.get<double>();
    }
    kc.samples = kj.value("samples", 0);
    kc.borrowedFrom = kj.value("borrowed_from", std::string());
  }
  return m;
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

LatencyError latencyError(const std::vector<double>& measured, const std::vector<double>& predicted) {
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
