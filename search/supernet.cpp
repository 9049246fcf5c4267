// The supernet with libtorch: every weight at its largest (kernel 7, expand 6, depth 4) and the
// active sub-network sliced out of it on each forward. Ops are visited in archToGraph's order so
// that an extracted sub-network lines up with its engine graph.
#include "search/supernet.h"

#include <algorithm>

#include <torch/torch.h>

#include "search/internal/torch_util.h"

namespace tinyforge {

namespace F = torch::nn::functional;
using namespace torch_util;

namespace {

// A convolution with batch norm at its largest; run sliced to (out, in, kernel).
struct ElasticConv {
  torch::Tensor weight;                   // [outMax, inMax (1 for depthwise), kMax, kMax]
  torch::nn::BatchNorm2d bn{nullptr};
  bool depthwise = false;
  Activation act = Activation::kRelu6;

  torch::Tensor slicedWeight(int64_t out, int64_t in, int64_t k) const {
    const int64_t off = (weight.size(2) - k) / 2;
    torch::Tensor w = weight.narrow(0, 0, out).narrow(2, off, k).narrow(3, off, k);
    return depthwise ? w : w.narrow(1, 0, in);
  }

  // BN scale and shift for the first `out` channels (eval statistics): y = x * g + b.
  std::pair<torch::Tensor, torch::Tensor> folded(int64_t out) const {
    const torch::Tensor g = bn->weight.narrow(0, 0, out) /
                            torch::sqrt(bn->running_var.narrow(0, 0, out) + bn->options.eps());
    return {g, bn->bias.narrow(0, 0, out) - bn->running_mean.narrow(0, 0, out) * g};
  }
};

struct Block {  // MBConv slot
  int32_t in = 0, out = 0, stride = 1;
  bool hasExpand = true;
  ElasticConv expand, dw, project;
};

// Where an op's output range is recorded (engine op order), when extracting.
using Ranges = std::vector<std::pair<float, float>>;

}  // namespace

struct Supernet::Impl : torch::nn::Module {
  SearchSpace space;
  double width = 1;
  int32_t resolution = 28;
  ElasticConv stem;
  Block first;
  std::vector<std::vector<Block>> stages;
  torch::nn::Linear fc{nullptr};
  double bnMomentum = 0.1;  // < 0: cumulative average (re-calibration)
  int64_t bnBatches = 0;

  ElasticConv makeConv(const std::string& name, int64_t out, int64_t in, int64_t k, bool depthwise, Activation act) {
    ElasticConv c;
    c.depthwise = depthwise;
    c.act = act;
    c.weight = register_parameter(name + "_w", torch::empty({out, depthwise ? 1 : in, k, k}));
    torch::nn::init::kaiming_normal_(c.weight, 0.0, torch::kFanOut);
    c.bn = register_module(name + "_bn", torch::nn::BatchNorm2d(out));
    return c;
  }

  Block makeBlock(const std::string& name, int32_t in, int32_t out, int32_t stride, int32_t maxExpand, int32_t maxK) {
    Block b;
    b.in = in;
    b.out = out;
    b.stride = stride;
    b.hasExpand = maxExpand > 1;
    const int64_t mid = int64_t(in) * maxExpand;
    if (b.hasExpand) b.expand = makeConv(name + "_expand", mid, in, 1, false, Activation::kRelu6);
    b.dw = makeConv(name + "_dw", mid, 1, maxK, true, Activation::kRelu6);
    b.project = makeConv(name + "_project", out, mid, 1, false, Activation::kNone);
    return b;
  }

  void build() {
    const int32_t maxK = *std::max_element(space.kernels.begin(), space.kernels.end());
    const int32_t maxE = *std::max_element(space.expands.begin(), space.expands.end());
    const int32_t stemC = makeDivisible(space.stemChannels * width);
    stem = makeConv("stem", stemC, space.inputC, 3, false, Activation::kRelu6);
    first = makeBlock("first", stemC, makeDivisible(space.firstBlockChannels * width), 1, 1, 3);
    int32_t c = first.out;
    for (size_t s = 0; s < space.stages.size(); ++s) {
      std::vector<Block> blocks;
      const int32_t out = makeDivisible(space.stages[s].channels * width);
      for (int32_t d = 0; d < maxDepth(space); ++d) {
        blocks.push_back(makeBlock("s" + std::to_string(s) + "b" + std::to_string(d), d == 0 ? c : out, out,
                                   d == 0 ? space.stages[s].stride : 1, maxE, maxK));
      }
      c = out;
      stages.push_back(std::move(blocks));
    }
    fc = register_module("fc", torch::nn::Linear(c, space.classes));
  }

  torch::Tensor conv(const ElasticConv& c, const torch::Tensor& x, int64_t out, int64_t k, int64_t stride,
                     Ranges* ranges) {
    const int64_t in = x.size(1), h = x.size(2), w = x.size(3);
    auto pads = [&](int64_t size) {
      const int64_t o = (size + stride - 1) / stride, total = std::max((o - 1) * stride + k - size, int64_t(0));
      return std::pair<int64_t, int64_t>{total / 2, total - total / 2};
    };
    const auto [top, bottom] = pads(h);
    const auto [left, right] = pads(w);
    torch::Tensor y = F::pad(x, F::PadFuncOptions({left, right, top, bottom}));
    y = F::conv2d(y, c.slicedWeight(out, in, k), F::Conv2dFuncOptions().stride(stride).groups(c.depthwise ? in : 1));
    const double momentum = bnMomentum < 0 ? 1.0 / double(bnBatches + 1) : bnMomentum;
    y = F::batch_norm(y, c.bn->running_mean.narrow(0, 0, out), c.bn->running_var.narrow(0, 0, out),
                      F::BatchNormFuncOptions()
                          .weight(c.bn->weight.narrow(0, 0, out))
                          .bias(c.bn->bias.narrow(0, 0, out))
                          .training(is_training())
                          .momentum(momentum)
                          .eps(c.bn->options.eps()));
    if (c.act == Activation::kRelu6) y = torch::clamp(y, 0.0, 6.0);
    if (ranges) ranges->push_back({y.min().item<float>(), y.max().item<float>()});
    return y;
  }

  torch::Tensor block(const Block& b, const torch::Tensor& x, int32_t k, int32_t e, Ranges* ranges) {
    const int64_t mid = int64_t(b.in) * (b.hasExpand ? e : 1);
    torch::Tensor y = b.hasExpand ? conv(b.expand, x, mid, 1, 1, ranges) : x;
    y = conv(b.dw, y, mid, b.hasExpand ? k : 3, b.stride, ranges);
    y = conv(b.project, y, b.out, 1, 1, ranges);
    if (b.stride == 1 && b.in == b.out) {
      y = y + x;
      if (ranges) ranges->push_back({y.min().item<float>(), y.max().item<float>()});
    }
    return y;
  }

  torch::Tensor forward(const torch::Tensor& input, const ArchChoice& c, Ranges* ranges) {
    torch::Tensor x = conv(stem, input, stem.weight.size(0), 3, space.stemStride, ranges);
    x = block(first, x, 3, 1, ranges);
    for (size_t s = 0; s < stages.size(); ++s) {
      for (int32_t d = 0; d < c.depths[s]; ++d) {
        x = block(stages[s][size_t(d)], x, c.blocks[s][size_t(d)].kernel, c.blocks[s][size_t(d)].expand, ranges);
      }
    }
    x = x.mean({2, 3});  // global average pool, then RESHAPE (same values)
    if (ranges) {
      const std::pair<float, float> r{x.min().item<float>(), x.max().item<float>()};
      ranges->push_back(r);
      ranges->push_back(r);
    }
    x = fc->forward(x);
    if (ranges) ranges->push_back({x.min().item<float>(), x.max().item<float>()});
    return x;
  }

  void recalibrate(const ArchChoice& c, const Dataset& data, const std::vector<uint32_t>& idx) {
    torch::NoGradGuard noGrad;
    for (auto& m : modules(false)) {
      if (auto* bn = m->as<torch::nn::BatchNorm2dImpl>()) {
        bn->running_mean.zero_();
        bn->running_var.fill_(1);
      }
    }
    train(true);
    bnMomentum = -1;
    bnBatches = 0;
    for (size_t from = 0; from < idx.size(); from += 250, ++bnBatches) {
      forward(imageBatch(data, idx, from, std::min<size_t>(250, idx.size() - from), false, nullptr), c, nullptr);
    }
    bnMomentum = 0.1;
    train(false);
  }
};

}  // namespace tinyforge

namespace tinyforge {

namespace {

void appendConv(const ElasticConv& c, int64_t out, int64_t in, int64_t k, std::vector<FloatOp>* ops) {
  torch::NoGradGuard noGrad;
  const auto [g, shift] = c.folded(out);
  torch::Tensor w = c.slicedWeight(out, in, k) * g.view({-1, 1, 1, 1});
  w = (c.depthwise ? w.permute({1, 2, 3, 0}) : w.permute({0, 2, 3, 1})).contiguous();
  const torch::Tensor b = shift.contiguous();
  FloatOp op;
  op.weights.assign(w.data_ptr<float>(), w.data_ptr<float>() + w.numel());
  op.bias.assign(b.data_ptr<float>(), b.data_ptr<float>() + b.numel());
  ops->push_back(std::move(op));
}

void appendBlock(const Block& b, int32_t k, int32_t e, std::vector<FloatOp>* ops) {
  const int64_t mid = int64_t(b.in) * (b.hasExpand ? e : 1);
  if (b.hasExpand) appendConv(b.expand, mid, b.in, 1, ops);
  appendConv(b.dw, mid, 1, b.hasExpand ? k : 3, ops);
  appendConv(b.project, b.out, mid, 1, ops);
  if (b.stride == 1 && b.in == b.out) ops->push_back({});
}

}  // namespace

Supernet::Supernet(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
Supernet::~Supernet() = default;
const SearchSpace& Supernet::space() const { return m_impl->space; }

Result<std::unique_ptr<Supernet>> Supernet::create(const SearchSpace& space, double width, int32_t resolution,
                                                   uint64_t seed) {
  try {
    torch::manual_seed(seed);
    auto impl = std::make_unique<Impl>();
    impl->space = space;
    impl->width = width;
    impl->resolution = resolution;
    impl->build();
    return std::unique_ptr<Supernet>(new Supernet(std::move(impl)));
  } catch (const std::exception& e) {
    return Status::error(std::string("supernet (libtorch): ") + firstLine(e));
  }
}

Result<int> Supernet::train(const Dataset& data, const std::vector<uint32_t>& trainIdx, const SupernetOptions& so,
                            const TrainCallback& progress, const std::atomic<bool>* cancel) {
  const TrainOptions& o = so.train;
  if (data.height != m_impl->resolution) return Status::error("supernet: the images are not at the resolution it was built for");
  try {
    torch::set_num_threads(std::max(1, o.threads));
    Impl& net = *m_impl;
    auto opt = makeOptimizer(net.parameters(), o, o.learningRate);
    const std::string signature = searchSpaceToJson(net.space).dump() + " w" + std::to_string(net.width) + " r" +
                                  std::to_string(net.resolution) + " epochs " + std::to_string(o.epochs) + " n " +
                                  std::to_string(trainIdx.size()) + " seed " + std::to_string(o.seed);
    const int resumed = std::min(loadCheckpoint(net, *opt, o.checkpointPath, signature), o.epochs);
    std::mt19937_64 rng(o.seed);
    const size_t bs = size_t(o.batchSize), batches = (trainIdx.size() + bs - 1) / bs;
    for (int epoch = resumed; epoch < o.epochs; ++epoch) {
      net.train(true);
      std::vector<uint32_t> order = trainIdx;
      rng.seed(o.seed * 7919u + uint64_t(epoch));
      std::shuffle(order.begin(), order.end(), rng);
      double lossSum = 0;
      for (size_t b = 0; b < batches; ++b) {
        if (cancel && cancel->load()) return Status::error("cancelled");
        const double lr = cosineRate(o.learningRate, (double(epoch) * double(batches) + double(b)) / (double(o.epochs) * double(batches)));
        setLearningRate(*opt, lr);
        const size_t n = std::min(bs, order.size() - b * bs);
        const torch::Tensor x = imageBatch(data, order, b * bs, n, o.augment, &rng);
        const torch::Tensor y = labelBatch(data, order, b * bs, n);
        std::vector<ArchChoice> sandwich = {largestChoice(net.space, net.width, net.resolution),
                                            smallestChoice(net.space, net.width, net.resolution)};
        for (int i = 0; i < so.randomSubnets; ++i) sandwich.push_back(sampleChoice(net.space, net.width, net.resolution, &rng));
        opt->zero_grad();
        for (const ArchChoice& c : sandwich) {
          const torch::Tensor loss = F::cross_entropy(net.forward(x, c, nullptr), y,
                                                      F::CrossEntropyFuncOptions().label_smoothing(o.labelSmoothing));
          checkFinite(loss, epoch, b);
          loss.backward();
          if (&c == &sandwich.front()) lossSum += loss.item<double>();
        }
        opt->step();
        if (progress && ((b + 1) % size_t(std::max(1, o.logEveryBatches)) == 0 || b + 1 == batches)) {
          progress({"supernet", epoch + 1, o.epochs, int64_t(b + 1), int64_t(batches), lossSum / double(b + 1), 0, lr});
        }
      }
      if (!o.checkpointPath.empty()) saveCheckpoint(net, *opt, epoch + 1, o.checkpointPath, signature);
    }
    return resumed;
  } catch (const std::exception& e) {
    return Status::error(std::string("supernet training failed (libtorch): ") + firstLine(e));
  }
}

Result<std::vector<float>> Supernet::logits(const ArchChoice& choice, const Dataset& data,
                                            const std::vector<uint32_t>& calibIdx, const std::vector<uint32_t>& idx) {
  try {
    m_impl->recalibrate(choice, data, calibIdx);
    torch::NoGradGuard noGrad;
    const torch::Tensor out = m_impl->forward(imageBatch(data, idx, 0, idx.size(), false, nullptr), choice, nullptr).contiguous();
    return std::vector<float>(out.data_ptr<float>(), out.data_ptr<float>() + out.numel());
  } catch (const std::exception& e) {
    return Status::error(std::string("supernet (libtorch): ") + firstLine(e));
  }
}

Result<double> Supernet::evaluate(const ArchChoice& choice, const Dataset& data,
                                  const std::vector<uint32_t>& calibIdx, const std::vector<uint32_t>& evalIdx) {
  try {
    m_impl->recalibrate(choice, data, calibIdx);
    torch::NoGradGuard noGrad;
    size_t correct = 0;
    for (size_t from = 0; from < evalIdx.size(); from += 500) {
      const size_t n = std::min<size_t>(500, evalIdx.size() - from);
      const torch::Tensor pred = m_impl->forward(imageBatch(data, evalIdx, from, n, false, nullptr), choice, nullptr).argmax(1);
      correct += size_t(pred.eq(labelBatch(data, evalIdx, from, n)).sum().item<int64_t>());
    }
    return evalIdx.empty() ? 0.0 : double(correct) / double(evalIdx.size());
  } catch (const std::exception& e) {
    return Status::error(std::string("supernet (libtorch): ") + firstLine(e));
  }
}

Result<FloatNet> Supernet::extract(const ArchChoice& choice, const Dataset& data,
                                   const std::vector<uint32_t>& calibIdx) {
  try {
    Impl& net = *m_impl;
    net.recalibrate(choice, data, calibIdx);
    FloatNet f;
    f.spec = choiceToSpec(net.space, choice);
    appendConv(net.stem, net.stem.weight.size(0), net.space.inputC, 3, &f.ops);
    appendBlock(net.first, 3, 1, &f.ops);
    for (size_t s = 0; s < net.stages.size(); ++s) {
      for (int32_t d = 0; d < choice.depths[s]; ++d) {
        appendBlock(net.stages[s][size_t(d)], choice.blocks[s][size_t(d)].kernel, choice.blocks[s][size_t(d)].expand, &f.ops);
      }
    }
    f.ops.push_back({});  // global average pool
    f.ops.push_back({});  // reshape
    FloatOp head;
    const torch::Tensor w = net.fc->weight.detach().contiguous(), b = net.fc->bias.detach().contiguous();
    head.weights.assign(w.data_ptr<float>(), w.data_ptr<float>() + w.numel());
    head.bias.assign(b.data_ptr<float>(), b.data_ptr<float>() + b.numel());
    f.ops.push_back(std::move(head));
    Ranges ranges;  // observed in eval mode on the calibration images
    torch::NoGradGuard noGrad;
    net.forward(imageBatch(data, calibIdx, 0, calibIdx.size(), false, nullptr), choice, &ranges);
    if (ranges.size() != f.ops.size()) return Status::error("internal: supernet op count differs from its graph");
    for (size_t i = 0; i < ranges.size(); ++i) {
      f.ops[i].outMin = ranges[i].first;
      f.ops[i].outMax = ranges[i].second;
    }
    return f;
  } catch (const std::exception& e) {
    return Status::error(std::string("supernet (libtorch): ") + firstLine(e));
  }
}

}  // namespace tinyforge
