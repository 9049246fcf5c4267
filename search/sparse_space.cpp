#include "search/sparse_space.h"

#include <algorithm>
#include <cmath>

#include "engine/pipeline.h"

namespace tinyforge {

namespace {

template <typename T>
T pick(const std::vector<T>& v, std::mt19937_64* rng) {
  return v[size_t((*rng)() % v.size())];
}

template <typename T>
double indexOf(const std::vector<T>& v, T x) {
  const auto it = std::find(v.begin(), v.end(), x);
  const size_t i = it == v.end() ? 0 : size_t(it - v.begin());
  return v.size() > 1 ? double(i) / double(v.size() - 1) : 0.0;
}

SparseBlock sampleBlock(const SparseSpace& s, std::mt19937_64* rng) {
  SparseBlock b;
  b.type = static_cast<SparseBlockType>((*rng)() % 3);
  b.filters = pick(s.filters, rng);
  b.kernel = pick(s.kernels, rng);
  b.pool = (*rng)() % 2 == 0;
  b.sparsity = pick(s.convSparsities, rng);
  b.keepRatio = pick(s.keepRatios, rng);
  return b;
}

// The spec with per-layer unstructured sparsity (one entry per spec layer).
ArchSpec buildSpec(const SparseSpace& s, const SparseArch& a, bool pruned, std::vector<double>* sparsity) {
  ArchSpec spec;
  spec.name = "sparse";
  spec.inputH = s.inputH;
  spec.inputW = s.inputW;
  spec.inputC = s.inputC;
  spec.classes = s.classes;
  for (const SparseBlock& b : a.blocks) {
    LayerSpec l;
    l.type = b.type == SparseBlockType::kDepthwiseSeparable ? LayerType::kDepthwiseSeparable : LayerType::kConv;
    l.out = pruned ? std::max(1, int32_t(std::lround(b.filters * b.keepRatio))) : b.filters;
    l.kernel = b.kernel;
    l.stride = b.type == SparseBlockType::kDownsampledConv ? 2 : 1;
    l.activation = Activation::kRelu;
    spec.layers.push_back(l);
    if (sparsity) sparsity->push_back(b.sparsity);
    if (b.pool) {
      LayerSpec p;
      p.type = LayerType::kPool;
      p.kernel = 2;
      p.stride = 2;
      p.maxPool = true;
      spec.layers.push_back(p);
      if (sparsity) sparsity->push_back(0.0);
    }
  }
  if (a.hiddenUnits > 0) {
    LayerSpec h;
    h.type = LayerType::kFullyConnected;
    h.out = a.hiddenUnits;
    h.activation = Activation::kRelu;
    spec.layers.push_back(h);
    if (sparsity) sparsity->push_back(a.fcSparsity);
  }
  LayerSpec fc;
  fc.type = LayerType::kFullyConnected;
  fc.out = s.classes;
  fc.activation = Activation::kNone;
  spec.layers.push_back(fc);
  if (sparsity) sparsity->push_back(a.fcSparsity);
  return spec;
}

bool valid(const SparseSpace& s, const SparseArch& a) { return bool(validateArchSpec(buildSpec(s, a, true, nullptr))); }

}  // namespace

SparseArch sampleSparseArch(const SparseSpace& s, std::mt19937_64* rng) {
  for (;;) {
    SparseArch a;
    const int32_t n = s.minBlocks + int32_t((*rng)() % uint64_t(s.maxBlocks - s.minBlocks + 1));
    for (int32_t i = 0; i < n; ++i) a.blocks.push_back(sampleBlock(s, rng));
    a.hiddenUnits = pick(s.hiddenUnits, rng);
    a.fcSparsity = pick(s.sparsities, rng);
    if (valid(s, a)) return a;
  }
}

SparseArch morphSparseArch(const SparseSpace& s, const SparseArch& parent, std::mt19937_64* rng) {
  for (int tries = 0; tries < 100; ++tries) {
    SparseArch a = parent;
    const uint64_t what = (*rng)() % 10;
    SparseBlock& b = a.blocks[size_t((*rng)() % a.blocks.size())];
    switch (what) {
      case 0: b.filters = pick(s.filters, rng); break;
      case 1: b.kernel = pick(s.kernels, rng); break;
      case 2: b.pool = !b.pool; break;
      case 3: b.sparsity = pick(s.convSparsities, rng); break;
      case 4: b.keepRatio = pick(s.keepRatios, rng); break;
      case 5: b.type = static_cast<SparseBlockType>((*rng)() % 3); break;
      case 6: a.hiddenUnits = pick(s.hiddenUnits, rng); break;
      case 7: a.fcSparsity = pick(s.sparsities, rng); break;
      case 8:
        if (int32_t(a.blocks.size()) < s.maxBlocks) a.blocks.push_back(sampleBlock(s, rng));
        break;
      default:
        if (int32_t(a.blocks.size()) > s.minBlocks) a.blocks.erase(a.blocks.begin() + std::ptrdiff_t((*rng)() % a.blocks.size()));
    }
    if (!(a == parent) && valid(s, a)) return a;
  }
  return sampleSparseArch(s, rng);
}

std::vector<double> encodeSparseArch(const SparseSpace& s, const SparseArch& a) {
  std::vector<double> f;
  for (int32_t i = 0; i < s.maxBlocks; ++i) {
    const bool on = size_t(i) < a.blocks.size();
    const SparseBlock b = on ? a.blocks[size_t(i)] : SparseBlock{};
    f.insert(f.end(), {on ? 1.0 : 0.0, on ? double(b.type) / 2.0 : 0.0, on ? indexOf(s.filters, b.filters) : 0.0,
                       on ? indexOf(s.kernels, b.kernel) : 0.0, on && b.pool ? 1.0 : 0.0,
                       on ? indexOf(s.convSparsities, b.sparsity) : 0.0, on ? indexOf(s.keepRatios, b.keepRatio) : 0.0});
  }
  f.push_back(indexOf(s.hiddenUnits, a.hiddenUnits));
  f.push_back(indexOf(s.sparsities, a.fcSparsity));
  return f;
}

ArchSpec sparseArchToSpec(const SparseSpace& s, const SparseArch& a) { return buildSpec(s, a, false, nullptr); }
ArchSpec prunedSpec(const SparseSpace& s, const SparseArch& a) { return buildSpec(s, a, true, nullptr); }

std::vector<double> sparseOpSparsity(const SparseSpace& s, const SparseArch& a) {
  std::vector<double> layerSparsity, opSparsity;
  const ArchSpec spec = buildSpec(s, a, true, &layerSparsity);
  for (size_t l = 0; l < spec.layers.size(); ++l) {  // ops in archToGraph's order
    const LayerSpec& ls = spec.layers[l];
    const bool reshape = ls.type == LayerType::kFullyConnected && l > 0 &&
                         spec.layers[l - 1].type != LayerType::kFullyConnected;
    const size_t count = ls.type == LayerType::kDepthwiseSeparable || reshape ? 2 : 1;
    opSparsity.resize(opSparsity.size() + count, layerSparsity[l]);
  }
  return opSparsity;
}

std::map<int32_t, double> sparseKeepRatios(const SparseSpace& s, const SparseArch& a) {
  (void)s;
  std::map<int32_t, double> keep;
  int32_t layer = 0;
  for (const SparseBlock& b : a.blocks) {
    if (b.keepRatio < 1.0) keep[layer] = b.keepRatio;
    layer += b.pool ? 2 : 1;
  }
  return keep;
}

SparseCost sparseCost(const SparseSpace& s, const SparseArch& a) {
  SparseCost c;
  const ArchSpec spec = buildSpec(s, a, true, nullptr);
  Result<Graph> g = archToGraph(spec);
  if (!g) return c;
  const std::vector<double> opSparsity = sparseOpSparsity(s, a);
  for (size_t i = 0; i < g.value().ops.size(); ++i) {
    const Op& op = g.value().ops[i];
    const Tensor& in = g.value().tensor(op.inputs[0]);
    const Tensor& out = g.value().tensor(op.outputs[0]);
    c.workingMemory = std::max(c.workingMemory, in.byteSize() + out.byteSize());
    if (op.inputs.size() < 2) continue;
    const Tensor& w = g.value().tensor(op.inputs[1]);
    const int64_t n = w.elementCount(), units = out.shape.back();
    const int64_t nnz = int64_t(std::llround(double(n) * (1.0 - (i < opSparsity.size() ? opSparsity[i] : 0.0))));
    c.params += n + units;
    c.nonZeroParams += nnz + units;
    const int64_t sparseBytes = 3 * nnz + 2 * (units + 1);
    const bool fc = op.kind == OpKind::kFullyConnected;
    c.flashBytes += (fc ? std::min(n, sparseBytes) : n) + 12 * units;
  }
  Result<PlannedModel> m = planModel(g.value(), "best");
  c.peakSramBest = m ? m.value().plan.arenaBytes : -1;
  c.valid = bool(m);
  return c;
}

nlohmann::json sparseArchToJson(const SparseArch& a) {
  nlohmann::json blocks = nlohmann::json::array();
  static const char* kTypes[] = {"conv", "downsampled_conv", "dwsep"};
  for (const SparseBlock& b : a.blocks) {
    blocks.push_back({{"type", kTypes[int(b.type)]}, {"filters", b.filters}, {"kernel", b.kernel}, {"pool", b.pool},
                      {"sparsity", b.sparsity}, {"keep_ratio", b.keepRatio}});
  }
  return {{"blocks", blocks}, {"hidden_units", a.hiddenUnits}, {"fc_sparsity", a.fcSparsity}};
}

Result<SparseArch> sparseArchFromJson(const nlohmann::json& j) {
  try {
    SparseArch a;
    for (const nlohmann::json& b : j.at("blocks")) {
      const std::string type = b.at("type").get<std::string>();
      SparseBlock block;
      block.type = type == "dwsep" ? SparseBlockType::kDepthwiseSeparable
                   : type == "downsampled_conv" ? SparseBlockType::kDownsampledConv : SparseBlockType::kConv;
      block.filters = b.at("filters").get<int32_t>();
      block.kernel = b.at("kernel").get<int32_t>();
      block.pool = b.at("pool").get<bool>();
      block.sparsity = b.at("sparsity").get<double>();
      block.keepRatio = b.at("keep_ratio").get<double>();
      a.blocks.push_back(block);
    }
    a.hiddenUnits = j.at("hidden_units").get<int32_t>();
    a.fcSparsity = j.at("fc_sparsity").get<double>();
    return a;
  } catch (const std::exception& e) {
    return Status::error(std::string("sparse architecture: ") + e.what());
  }
}

}  // namespace tinyforge
