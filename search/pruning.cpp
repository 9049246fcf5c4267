#include "search/pruning.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace tinyforge {

namespace {

struct LayerOps {
  int32_t first = 0, count = 0;
  int32_t inChannels = 0;
  bool spatialInput = true;
};

// The ops archToGraph makes for each layer (see its addLayer).
std::vector<LayerOps> layerOps(const ArchSpec& spec) {
  std::vector<LayerOps> out;
  int32_t op = 0, c = spec.inputC;
  bool spatial = true;
  for (const LayerSpec& l : spec.layers) {
    LayerOps r{op, 0, c, spatial};
    switch (l.type) {
      case LayerType::kConv: r.count = 1; c = l.out; break;
      case LayerType::kDepthwiseSeparable: r.count = 2; c = l.out; break;
      case LayerType::kMbConv: r.count = (l.expand > 1) + 2 + (l.stride == 1 && c == l.out); c = l.out; break;
      case LayerType::kPool:
      case LayerType::kGlobalPool: r.count = 1; break;
      case LayerType::kFullyConnected: r.count = spatial ? 2 : 1; c = l.out; spatial = false; break;
    }
    op += r.count;
    out.push_back(r);
  }
  return out;
}

// Keeps the entries whose index along a dimension of size `n` (with `inner` elements after it)
// is in `keep`.
template <typename T>
void sliceDim(std::vector<T>* v, size_t n, size_t inner, const std::vector<int32_t>& keep) {
  if (v->empty()) return;
  const size_t outer = v->size() / (n * inner);
  std::vector<T> r;
  r.reserve(outer * keep.size() * inner);
  for (size_t o = 0; o < outer; ++o) {
    for (int32_t k : keep) {
      const auto begin = v->begin() + std::ptrdiff_t((o * n + size_t(k)) * inner);
      r.insert(r.end(), begin, begin + std::ptrdiff_t(inner));
    }
  }
  *v = std::move(r);
}

void sliceOp(FloatOp* op, size_t n, size_t inner, const std::vector<int32_t>& keep) {
  sliceDim(&op->weights, n, inner, keep);
  sliceDim(&op->mask, n, inner, keep);
}

// Output channels of a convolution (OHWI) with the largest L1 norms, ascending.
std::vector<int32_t> strongestChannels(const FloatOp& op, int32_t channels, int32_t keep) {
  const size_t per = op.weights.size() / size_t(channels);
  std::vector<double> norm(size_t(channels), 0.0);
  for (size_t i = 0; i < op.weights.size(); ++i) norm[i / per] += std::fabs(op.weights[i]);
  std::vector<int32_t> order(static_cast<size_t>(channels));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) { return norm[size_t(a)] > norm[size_t(b)]; });
  order.resize(size_t(keep));
  std::sort(order.begin(), order.end());
  return order;
}

// Removes the dropped channels from the ops that read them, up to the next op that mixes them.
Status propagate(FloatNet* f, const std::vector<LayerOps>& ops, size_t from, int32_t channels,
                 const std::vector<int32_t>& keep) {
  const ArchCost cost = archCost(f->spec);
  for (size_t m = from; m < f->spec.layers.size(); ++m) {
    const LayerSpec& l = f->spec.layers[m];
    FloatOp& first = f->ops[size_t(ops[m].first)];
    switch (l.type) {
      case LayerType::kPool:
      case LayerType::kGlobalPool: continue;
      case LayerType::kConv: sliceOp(&first, size_t(channels), 1, keep); return Status::ok();
      case LayerType::kDepthwiseSeparable:
        sliceOp(&first, size_t(channels), 1, keep);
        sliceDim(&first.bias, size_t(channels), 1, keep);
        sliceOp(&f->ops[size_t(ops[m].first + 1)], size_t(channels), 1, keep);
        return Status::ok();
      case LayerType::kFullyConnected: {
        FloatOp& fc = f->ops[size_t(ops[m].first + ops[m].count - 1)];
        const std::vector<int32_t>& shape = cost.layers[m - 1].outputShape;  // [1, H, W, C]
        const size_t spatial = shape.size() == 4 ? size_t(shape[1]) * size_t(shape[2]) : 1;
        std::vector<int32_t> features;
        for (size_t s = 0; s < spatial; ++s) {
          for (int32_t k : keep) features.push_back(int32_t(s * size_t(channels)) + k);
        }
        sliceOp(&fc, spatial * size_t(channels), 1, features);
        return Status::ok();
      }
      case LayerType::kMbConv:
        return Status::error("layer " + std::to_string(m) + " (mbconv) reads the pruned channels; MBConv inputs keep theirs");
    }
  }
  return Status::error("the pruned channels reach no consumer");
}

}  // namespace

Result<FloatNet> pruneChannels(const FloatNet& net, const std::map<int32_t, double>& keepRatio) {
  FloatNet f = net;
  for (const auto& [layer, ratio] : keepRatio) {
    const std::vector<LayerOps> ops = layerOps(f.spec);
    if (layer < 0 || size_t(layer) + 1 >= f.spec.layers.size()) return Status::error("layer " + std::to_string(layer) + ": no such prunable layer");
    LayerSpec& l = f.spec.layers[size_t(layer)];
    if (l.type != LayerType::kConv && l.type != LayerType::kDepthwiseSeparable) {
      return Status::error("layer " + std::to_string(layer) + ": only conv and dwsep layers prune channels");
    }
    if (!(ratio > 0.0 && ratio <= 1.0)) return Status::error("layer " + std::to_string(layer) + ": keep ratio must be in (0, 1]");
    const int32_t keepCount = std::max(1, int32_t(std::lround(ratio * l.out)));
    FloatOp& producer = f.ops[size_t(ops[size_t(layer)].first + ops[size_t(layer)].count - 1)];
    const std::vector<int32_t> keep = strongestChannels(producer, l.out, keepCount);
    const size_t inner = producer.weights.size() / size_t(l.out);
    sliceOp(&producer, size_t(l.out), inner, keep);
    sliceDim(&producer.bias, size_t(l.out), 1, keep);
    if (Status s = propagate(&f, ops, size_t(layer) + 1, l.out, keep); !s) return s;
    l.out = keepCount;
  }
  if (Status s = validateArchSpec(f.spec); !s) return s;
  return f;
}

Status pruneMagnitude(FloatNet* net, int32_t op, double sparsity) {
  if (op < 0 || size_t(op) >= net->ops.size() || net->ops[size_t(op)].weights.empty()) {
    return Status::error("op " + std::to_string(op) + " has no weights to prune");
  }
  if (sparsity < 0.0 || sparsity >= 1.0) return Status::error("sparsity must be in [0, 1)");
  FloatOp& f = net->ops[size_t(op)];
  std::vector<float> magnitude(f.weights.size());
  for (size_t i = 0; i < magnitude.size(); ++i) magnitude[i] = std::fabs(f.weights[i]);
  const size_t zeros = size_t(std::llround(sparsity * double(f.weights.size())));
  std::vector<size_t> order(f.weights.size());
  std::iota(order.begin(), order.end(), size_t(0));
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return magnitude[a] < magnitude[b]; });
  f.mask.assign(f.weights.size(), 1);
  for (size_t k = 0; k < zeros; ++k) {
    f.mask[order[k]] = 0;
    f.weights[order[k]] = 0.0f;
  }
  return Status::ok();
}

double weightSparsity(const FloatNet& net, int32_t op) {
  const FloatOp& f = net.ops[size_t(op)];
  if (f.weights.empty()) return 0.0;
  return double(std::count(f.weights.begin(), f.weights.end(), 0.0f)) / double(f.weights.size());
}

double sparsitySchedule(double finalSparsity, double t) {
  t = std::clamp(t, 0.0, 1.0);
  return finalSparsity * (1.0 - std::pow(1.0 - t, 3.0));
}

}  // namespace tinyforge
