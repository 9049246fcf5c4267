// archToGraph: the engine graph of an architecture spec, for cost queries before training.
#include <cstring>

#include "search/arch_spec.h"

namespace tinyforge {
namespace {

class GraphBuilder {
 public:
  Graph graph;

  TensorId activation(std::vector<int32_t> shape) {
    Tensor t;
    t.name = "t" + std::to_string(graph.tensors.size());
    t.shape = std::move(shape);
    t.quant.scale = {0.05f};
    t.quant.zeroPoint = {-128};
    graph.tensors.push_back(std::move(t));
    return TensorId(graph.tensors.size() - 1);
  }

  // Deterministic placeholder int8 weights, per-channel scales along `axis`.
  TensorId weights(std::vector<int32_t> shape, int32_t channels, int32_t axis) {
    Tensor t;
    t.name = "w" + std::to_string(graph.tensors.size());
    t.shape = std::move(shape);
    t.isConstant = true;
    t.data.resize(size_t(t.elementCount()));
    uint8_t v = 11;
    for (auto& byte : t.data) byte = v += 37;  // a cheap deterministic pattern
    t.quant.scale.assign(size_t(channels), 0.01f);
    t.quant.zeroPoint.assign(size_t(channels), 0);
    t.quant.axis = axis;
    graph.tensors.push_back(std::move(t));
    return TensorId(graph.tensors.size() - 1);
  }

  TensorId bias(int32_t n) {
    Tensor t;
    t.name = "b" + std::to_string(graph.tensors.size());
    t.shape = {n};
    t.type = DType::kInt32;
    t.isConstant = true;
    t.data.assign(size_t(n) * 4, 0);
    graph.tensors.push_back(std::move(t));
    return TensorId(graph.tensors.size() - 1);
  }

  TensorId op(OpKind kind, std::vector<TensorId> in, std::vector<int32_t> outShape, OpParams p = {}) {
    const TensorId out = activation(std::move(outShape));
    Op o;
    o.kind = kind;
    o.name = "op" + std::to_string(graph.ops.size());
    o.inputs = std::move(in);
    o.outputs = {out};
    o.params = p;
    graph.ops.push_back(std::move(o));
    return out;
  }

  const std::vector<int32_t>& shape(TensorId t) const { return graph.tensor(t).shape; }

  TensorId conv(TensorId x, int32_t out, int32_t k, int32_t stride, Activation act) {
    const auto s = shape(x);
    OpParams p;
    p.strideH = p.strideW = stride;
    p.activation = act;
    return op(OpKind::kConv2D, {x, weights({out, k, k, s[3]}, out, 0), bias(out)},
              {1, (s[1] + stride - 1) / stride, (s[2] + stride - 1) / stride, out}, p);
  }

  TensorId depthwise(TensorId x, int32_t k, int32_t stride, Activation act) {
    const auto s = shape(x);
    OpParams p;
    p.strideH = p.strideW = stride;
    p.activation = act;
    return op(OpKind::kDepthwiseConv2D, {x, weights({1, k, k, s[3]}, s[3], 3), bias(s[3])},
              {1, (s[1] + stride - 1) / stride, (s[2] + stride - 1) / stride, s[3]}, p);
  }
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
      return b->op(l.maxPool && l.type == LayerType::kPool ? OpKind::kMaxPool2D : OpKind::kAveragePool2D, {x},
                   {1, oh, ow, s[3]}, p);
    }
    case LayerType::kFullyConnected: {
      int32_t depth = 1;
      for (int32_t d : s) depth *= d;
      if (s.size() != 2) x = b->op(OpKind::kReshape, {x}, {1, depth});
      OpParams p;
      p.activation = l.activation;
      return b->op(OpKind::kFullyConnected, {x, b->weights({l.out, depth}, 1, 0), b->bias(l.out)}, {1, l.out}, p);
    }
  }
  return x;
}

}  // namespace

Result<Graph> archToGraph(const ArchSpec& spec) {
  if (Status s = validateArchSpec(spec); !s) return s;
  GraphBuilder b;
  b.graph.name = spec.name;
  TensorId x = b.activation({1, spec.inputH, spec.inputW, spec.inputC});
  b.graph.inputs = {x};
  for (const LayerSpec& l : spec.layers) x = addLayer(&b, x, l);
  b.graph.outputs = {x};
  return b.graph;
}

}  // namespace tinyforge
