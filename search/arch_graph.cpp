// archToGraph (placeholder weights, for cost queries before training) and quantizeFloatNet (the
// trained network in int8): one builder walks the spec, so both graphs have the same ops.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>

#include "search/arch_spec.h"
#include "search/float_net.h"

namespace tinyforge {

QuantParams activationQuant(float lo, float hi) {
  lo = std::min(lo, 0.0f);
  hi = std::max(hi, 0.0f);
  if (hi - lo < 1e-8f) hi = lo + 1e-8f;
  const double scale = (double(hi) - double(lo)) / 255.0;
  const double zeroFromMin = -128.0 - double(lo) / scale;
  const int64_t zp = std::clamp<int64_t>(std::llround(zeroFromMin), -128, 127);
  QuantParams q;
  q.scale = {float(scale)};
  q.zeroPoint = {zp};
  return q;
}

namespace {

class GraphBuilder {
 public:
  explicit GraphBuilder(const FloatNet* net) : m_net(net) {}
  Graph graph;

  Status status() const { return m_status; }

  TensorId activation(std::vector<int32_t> shape, QuantParams quant) {
    Tensor t;
    t.name = "t" + std::to_string(graph.tensors.size());
    t.shape = std::move(shape);
    t.quant = std::move(quant);
    graph.tensors.push_back(std::move(t));
    return TensorId(graph.tensors.size() - 1);
  }

  TensorId input(std::vector<int32_t> shape) {
    QuantParams q;
    q.scale = {m_net ? kInputScale : 0.05f};
    q.zeroPoint = {m_net ? kInputZeroPoint : -128};
    return activation(std::move(shape), q);
  }

  // The output quantization of the next op: observed range, or the placeholder. A ReLU6 output's
  // placeholder is [0, 6], as training makes it: its int8 clamp is then the full range, and the
  // kernels (and the latency model) take the same paths as for the trained network.
  QuantParams nextOutputQuant(Activation activation) const {
    if (!m_net) {
      if (activation == Activation::kRelu6) return activationQuant(0.0f, 6.0f);
      QuantParams q;
      q.scale = {0.05f};
      q.zeroPoint = {-128};
      return q;
    }
    if (graph.ops.size() >= m_net->ops.size()) {  // reported by buildGraph; keep the graph valid
      QuantParams q;
      q.scale = {1.0f};
      q.zeroPoint = {0};
      return q;
    }
    const FloatOp& f = m_net->ops[graph.ops.size()];
    return activationQuant(f.outMin, f.outMax);
  }

  TensorId op(OpKind kind, std::vector<TensorId> in, std::vector<int32_t> outShape, OpParams p = {},
              std::optional<QuantParams> outQuant = std::nullopt) {
    const TensorId out = activation(std::move(outShape), outQuant ? *outQuant : nextOutputQuant(p.activation));
    Op o;
    o.kind = kind;
    // Ops are named after their output (as a .tflite, which has no op names, is read back).
    std::string name = opKindName(kind);
    std::transform(name.begin(), name.end(), name.begin(), [](char c) { return char(std::tolower(c)); });
    o.name = graph.tensors[size_t(out)].name = "op" + std::to_string(graph.ops.size()) + "_" + name;
    o.inputs = std::move(in);
    o.outputs = {out};
    o.params = p;
    graph.ops.push_back(std::move(o));
    return out;
  }

  const std::vector<int32_t>& shape(TensorId t) const { return graph.tensor(t).shape; }

  // Weights (int8, symmetric, per channel along `axis` when channels > 1) and the int32 bias of
  // the op about to be added, reading input `x`.
  std::pair<TensorId, TensorId> weightsAndBias(TensorId x, std::vector<int32_t> shape, int32_t channels,
                                               int32_t axis, int32_t outChannels) {
    Tensor w;
    w.name = "w" + std::to_string(graph.tensors.size());
    w.shape = std::move(shape);
    w.isConstant = true;
    w.data.resize(size_t(w.elementCount()));
    w.quant.axis = axis;
    Tensor b;
    b.name = "b" + std::to_string(graph.tensors.size() + 1);
    b.shape = {outChannels};
    b.type = DType::kInt32;
    b.isConstant = true;
    b.data.assign(size_t(outChannels) * 4, 0);
    if (m_net) {
      quantizeWeights(x, channels, axis, outChannels, &w, &b);
    } else {
      uint8_t v = 11;
      for (auto& byte : w.data) byte = v += 37;  // a cheap deterministic pattern
      w.quant.scale.assign(size_t(channels), 0.01f);
      w.quant.zeroPoint.assign(size_t(channels), 0);
    }
    graph.tensors.push_back(std::move(w));
    graph.tensors.push_back(std::move(b));
    return {TensorId(graph.tensors.size() - 2), TensorId(graph.tensors.size() - 1)};
  }

  TensorId conv(TensorId x, int32_t out, int32_t k, int32_t stride, Activation act) {
    const auto s = shape(x);
    OpParams p;
    p.strideH = p.strideW = stride;
    p.activation = act;
    const auto [w, b] = weightsAndBias(x, {out, k, k, s[3]}, out, 0, out);
    return op(OpKind::kConv2D, {x, w, b}, {1, (s[1] + stride - 1) / stride, (s[2] + stride - 1) / stride, out}, p);
  }

  TensorId depthwise(TensorId x, int32_t k, int32_t stride, Activation act) {
    const auto s = shape(x);
    OpParams p;
    p.strideH = p.strideW = stride;
    p.activation = act;
    const auto [w, b] = weightsAndBias(x, {1, k, k, s[3]}, s[3], 3, s[3]);
    return op(OpKind::kDepthwiseConv2D, {x, w, b},
              {1, (s[1] + stride - 1) / stride, (s[2] + stride - 1) / stride, s[3]}, p);
  }

  TensorId fullyConnected(TensorId x, int32_t out, Activation act) {
    OpParams p;
    p.activation = act;
    const int32_t depth = shape(x)[1];
    const auto [w, b] = weightsAndBias(x, {out, depth}, 1, 0, out);
    return op(OpKind::kFullyConnected, {x, w, b}, {1, out}, p);
  }

  // Ops that keep their input's quantization (pooling, reshape): TFLite requires it.
  TensorId passThrough(OpKind kind, TensorId x, std::vector<int32_t> outShape, OpParams p = {}) {
    return op(kind, {x}, std::move(outShape), p, graph.tensor(x).quant);
  }

 private:
  void quantizeWeights(TensorId x, int32_t channels, int32_t axis, int32_t outChannels, Tensor* w, Tensor* b) {
    if (graph.ops.size() >= m_net->ops.size()) {
      m_status = Status::error("the trained network has " + std::to_string(m_net->ops.size()) +
                               " ops, fewer than its spec needs");
      return;
    }
    const FloatOp& f = m_net->ops[graph.ops.size()];
    const size_t n = w->data.size();
    if (f.weights.size() != n || f.bias.size() != size_t(outChannels)) {
      m_status = Status::error("op " + std::to_string(graph.ops.size()) + ": trained parameters have " +
                               std::to_string(f.weights.size()) + " weights, the spec needs " + std::to_string(n));
      return;
    }
    // Element i belongs to channel (i / inner) % channels along `axis` (0: outermost, 3: last).
    const size_t inner = axis == 0 ? n / size_t(channels) : 1;
    auto channelOf = [&](size_t i) { return channels == 1 ? size_t(0) : (i / inner) % size_t(channels); };
    std::vector<float> maxAbs(size_t(channels), 0.0f);
    for (size_t i = 0; i < n; ++i) maxAbs[channelOf(i)] = std::max(maxAbs[channelOf(i)], std::fabs(f.weights[i]));
    w->quant.scale.resize(size_t(channels));
    w->quant.zeroPoint.assign(size_t(channels), 0);
    for (size_t c = 0; c < size_t(channels); ++c) w->quant.scale[c] = maxAbs[c] > 0 ? maxAbs[c] / 127.0f : 1e-8f;
    for (size_t i = 0; i < n; ++i) {
      const long q = std::lround(f.weights[i] / w->quant.scale[channelOf(i)]);
      w->data[i] = uint8_t(int8_t(std::clamp<long>(q, -127, 127)));
    }
    const double inScale = graph.tensor(x).scale();
    for (size_t c = 0; c < size_t(outChannels); ++c) {
      const double s = inScale * double(w->quant.scale[channels == 1 ? 0 : c]);
      const int64_t q = std::clamp<int64_t>(std::llround(double(f.bias[c]) / s), std::numeric_limits<int32_t>::min(),
                                            std::numeric_limits<int32_t>::max());
      const int32_t v = int32_t(q);
      std::memcpy(b->data.data() + 4 * c, &v, 4);
    }
  }

  const FloatNet* m_net;
  Status m_status = Status::ok();
};

TensorId addLayer(GraphBuilder* b, TensorId x, const LayerSpec& l) {
  const auto s = b->shape(x);
  switch (l.type) {
    case LayerType::kConv: return b->conv(x, l.out, l.kernel, l.stride, l.activation);
    case LayerType::kDepthwiseSeparable:
      return b->conv(b->depthwise(x, l.kernel, l.stride, l.activation), l.out, 1, 1, l.activation);
    case LayerType::kMbConv: {
      TensorId y = l.expand > 1 ? b->conv(x, s[3] * l.expand, 1, 1, l.activation) : x;
      y = b->depthwise(y, l.kernel, l.stride, l.activation);
      y = b->conv(y, l.out, 1, 1, Activation::kNone);
      if (l.stride == 1 && s[3] == l.out) y = b->op(OpKind::kAdd, {x, y}, b->shape(y));
      return y;
    }
    case LayerType::kPool:
    case LayerType::kGlobalPool: {
      OpParams p;
      p.padding = Padding::kValid;
      p.filterH = l.type == LayerType::kPool ? l.kernel : s[1];
      p.filterW = l.type == LayerType::kPool ? l.kernel : s[2];
      p.strideH = p.strideW = l.type == LayerType::kPool ? l.stride : 1;
      const int32_t oh = (s[1] - p.filterH) / p.strideH + 1, ow = (s[2] - p.filterW) / p.strideW + 1;
      return b->passThrough(l.maxPool && l.type == LayerType::kPool ? OpKind::kMaxPool2D : OpKind::kAveragePool2D,
                            x, {1, oh, ow, s[3]}, p);
    }
    case LayerType::kFullyConnected: {
      int32_t depth = 1;
      for (int32_t d : s) depth *= d;
      if (s.size() != 2) x = b->passThrough(OpKind::kReshape, x, {1, depth});
      return b->fullyConnected(x, l.out, l.activation);
    }
  }
  return x;
}

Result<Graph> buildGraph(const ArchSpec& spec, const FloatNet* net) {
  if (Status s = validateArchSpec(spec); !s) return s;
  GraphBuilder b(net);
  b.graph.name = spec.name;
  TensorId x = b.input({1, spec.inputH, spec.inputW, spec.inputC});
  b.graph.inputs = {x};
  for (const LayerSpec& l : spec.layers) {
    if (net && b.graph.ops.size() >= net->ops.size()) {
      return Status::error("the trained network has " + std::to_string(net->ops.size()) +
                           " ops, fewer than its spec needs");
    }
    x = addLayer(&b, x, l);
    if (!b.status()) return b.status();
  }
  b.graph.outputs = {x};
  if (net && b.graph.ops.size() != net->ops.size()) {
    return Status::error("the trained network has " + std::to_string(net->ops.size()) + " ops, its spec " +
                         std::to_string(b.graph.ops.size()));
  }
  return b.graph;
}

}  // namespace

Result<Graph> archToGraph(const ArchSpec& spec) { return buildGraph(spec, nullptr); }

Result<Graph> quantizeFloatNet(const FloatNet& net) { return buildGraph(net.spec, &net); }

}  // namespace tinyforge
