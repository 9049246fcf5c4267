#include "tests/random_graphs.h"

#include <algorithm>
#include <cstring>

#include "search/arch_spec.h"

namespace tinyforge::test {
namespace {

struct Builder {
  Graph g;
  std::mt19937* rng;
  bool fullRangeDepthwise = false;  // depthwise layers without an activation (else ReLU6)

  TensorId activation(std::vector<int32_t> shape) {
    Tensor t;
    t.name = "t" + std::to_string(g.tensors.size());
    t.shape = std::move(shape);
    t.quant.scale = {0.02f + float((*rng)() % 100) / 2000.0f};
    t.quant.zeroPoint = {int64_t((*rng)() % 40) - 20};
    g.tensors.push_back(std::move(t));
    return TensorId(g.tensors.size() - 1);
  }
  TensorId constant(std::vector<int32_t> shape, DType type, int32_t channels) {
    Tensor t;
    t.name = "c" + std::to_string(g.tensors.size());
    t.shape = std::move(shape);
    t.type = type;
    t.isConstant = true;
    t.data.resize(size_t(t.byteSize()));
    for (auto& b : t.data) b = uint8_t((*rng)());
    if (type == DType::kInt32) {  // keep biases modest
      auto* v = reinterpret_cast<int32_t*>(t.data.data());
      for (int64_t i = 0; i < t.elementCount(); ++i) v[i] = int32_t((*rng)() % 4001) - 2000;
    } else {
      for (int32_t c = 0; c < channels; ++c) {
        t.quant.scale.push_back(0.002f + float((*rng)() % 100) / 20000.0f);
        t.quant.zeroPoint.push_back(0);
      }
    }
    g.tensors.push_back(std::move(t));
    return TensorId(g.tensors.size() - 1);
  }
  TensorId op(OpKind kind, std::vector<TensorId> in, std::vector<int32_t> outShape, OpParams p = {}) {
    const TensorId out = activation(std::move(outShape));
    Op o;
    o.kind = kind;
    o.name = "op" + std::to_string(g.ops.size());
    o.inputs = std::move(in);
    o.outputs = {out};
    o.params = p;
    g.ops.push_back(std::move(o));
    return out;
  }
  TensorId conv(TensorId x, int32_t k, int32_t stride, int32_t cout) {
    const auto& s = g.tensor(x).shape;
    const int32_t cin = s[3], h = (s[1] + stride - 1) / stride, w = (s[2] + stride - 1) / stride;
    OpParams p;
    p.strideH = p.strideW = stride;
    p.activation = (*rng)() % 2 ? Activation::kRelu6 : Activation::kNone;
    const TensorId wt = constant({cout, k, k, cin}, DType::kInt8, cout);
    const TensorId b = constant({cout}, DType::kInt32, 0);
    return op(OpKind::kConv2D, {x, wt, b}, {1, h, w, cout}, p);
  }
  TensorId depthwise(TensorId x, int32_t stride) {
    const auto& s = g.tensor(x).shape;
    const int32_t c = s[3], h = (s[1] + stride - 1) / stride, w = (s[2] + stride - 1) / stride;
    OpParams p;
    p.strideH = p.strideW = stride;
    p.activation = fullRangeDepthwise ? Activation::kNone : Activation::kRelu6;
    const TensorId wt = constant({1, 3, 3, c}, DType::kInt8, c);
    const TensorId b = constant({c}, DType::kInt32, 0);
    return op(OpKind::kDepthwiseConv2D, {x, wt, b}, {1, h, w, c}, p);
  }
};

}  // namespace

Graph randomMobileNetGraph(std::mt19937* rng, int32_t targetOps, int32_t inputHw,
                           bool fullRangeDepthwise) {
  Builder b{{}, rng, fullRangeDepthwise};
  b.g.name = "random";
  TensorId x = b.activation({1, inputHw, inputHw, 3});
  b.g.inputs = {x};
  int32_t c = 8 + 8 * int32_t((*rng)() % 2);
  x = b.conv(x, 3, 2, c);
  while (int32_t(b.g.ops.size()) + 7 < targetOps) {
    const auto& s = b.g.tensor(x).shape;
    const bool down = (*rng)() % 3 == 0 && s[1] > 4;
    const int32_t stride = down ? 2 : 1, outC = down ? c + 8 : c;
    if ((*rng)() % 6 == 0 && !down) {  // two parallel branches joined by ADD
      const TensorId l = b.conv(b.conv(x, 1, 1, c * 2), 1, 1, c);
      const TensorId r = b.depthwise(x, 1);
      x = b.op(OpKind::kAdd, {l, r}, b.g.tensor(x).shape);
      continue;
    }
    const TensorId e = b.conv(x, 1, 1, c * (2 + int32_t((*rng)() % 4)));
    const TensorId d = b.depthwise(e, stride);
    const TensorId p = b.conv(d, 1, 1, outC);
    x = (!down && outC == c) ? b.op(OpKind::kAdd, {x, p}, b.g.tensor(p).shape) : p;
    c = outC;
  }
  const auto s = b.g.tensor(x).shape;
  OpParams pool;
  pool.filterH = s[1];
  pool.filterW = s[2];
  pool.strideH = pool.strideW = 1;
  pool.padding = Padding::kValid;
  const TensorId pooled = b.op(OpKind::kAveragePool2D, {x}, {1, 1, 1, s[3]}, pool);
  b.g.tensor(pooled).quant = b.g.tensor(x).quant;
  const TensorId flat = b.op(OpKind::kReshape, {pooled}, {1, s[3]});
  b.g.tensor(flat).quant = b.g.tensor(x).quant;
  const TensorId w = b.constant({10, s[3]}, DType::kInt8, 1);
  const TensorId out = b.op(OpKind::kFullyConnected, {flat, w}, {1, 10});
  b.g.outputs = {out};
  return b.g;
}

std::vector<std::vector<uint8_t>> randomInputs(const Graph& g, std::mt19937* rng) {
  std::vector<std::vector<uint8_t>> inputs;
  for (TensorId id : g.inputs) {
    std::vector<uint8_t> bytes(size_t(g.tensor(id).byteSize()));
    for (auto& v : bytes) v = uint8_t((*rng)());
    inputs.push_back(std::move(bytes));
  }
  return inputs;
}

Graph sparseFcGraph(std::mt19937* rng) {
  ArchSpec spec;
  spec.name = "sparse";
  spec.inputH = spec.inputW = 8;
  spec.inputC = 1;
  LayerSpec conv;
  conv.type = LayerType::kConv;
  conv.out = 8;
  conv.stride = 2;
  LayerSpec fc;
  fc.type = LayerType::kFullyConnected;
  fc.out = 10;
  fc.activation = Activation::kNone;
  spec.layers = {conv, fc};
  Graph g = archToGraph(spec).value();
  Tensor& w = g.tensors[size_t(g.ops.back().inputs[1])];
  for (auto& byte : w.data) byte = ((*rng)() % 10 == 0) ? uint8_t(int8_t(int((*rng)() % 255) - 127)) : 0;
  return g;
}

Graph spatialFcGraph(std::mt19937* rng) {
  ArchSpec spec;
  spec.name = "spatial_fc";
  spec.inputH = 8 + int32_t((*rng)() % 17);
  spec.inputW = 6 + int32_t((*rng)() % 15);
  spec.inputC = 1 + int32_t((*rng)() % 3);
  const int32_t layers = 1 + int32_t((*rng)() % 3);
  int32_t h = spec.inputH, w = spec.inputW;  // SAME convolutions, VALID 2x2 pooling
  for (int32_t i = 0; i < layers; ++i) {
    LayerSpec l;
    const auto kind = uint32_t((*rng)() % 5);
    l.type = kind < 3    ? LayerType::kConv
             : kind == 3 ? LayerType::kDepthwiseSeparable
                         : LayerType::kPool;
    l.out = 2 + int32_t((*rng)() % 8);
    l.kernel = 1 + 2 * int32_t((*rng)() % 3);
    l.stride = std::min(h, w) >= 4 ? 1 + int32_t((*rng)() % 2) : 1;
    l.maxPool = (*rng)() % 2 == 0;
    if (l.type == LayerType::kPool) {
      l.kernel = 2;
      h = (h - 2) / l.stride + 1;
      w = (w - 2) / l.stride + 1;
    } else {
      h = (h + l.stride - 1) / l.stride;
      w = (w + l.stride - 1) / l.stride;
    }
    spec.layers.push_back(l);
  }
  LayerSpec fc;
  fc.type = LayerType::kFullyConnected;
  fc.out = spec.classes = 1 + int32_t((*rng)() % 12);
  fc.activation = Activation::kNone;
  spec.layers.push_back(fc);
  return archToGraph(spec).value();
}

}  // namespace tinyforge::test
