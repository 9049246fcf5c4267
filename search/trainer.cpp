// The libtorch side of training: a network built from an ArchSpec as a list of units that
// mirror archToGraph's ops one for one, the training loop, checkpoints, calibration, batch-norm
// folding and quantization-aware fine-tuning.
#include "search/trainer.h"

#include <torch/torch.h>

#include "search/internal/torch_util.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <stdexcept>
#include <filesystem>
#include <fstream>
#include <random>

namespace tinyforge {
namespace {

namespace F = torch::nn::functional;
using namespace torch_util;
using Clock = std::chrono::steady_clock;

// One engine op: CONV_2D / DEPTHWISE_CONV_2D (+ batch norm), ADD, pooling, RESHAPE, FC.
struct Unit {
  OpKind kind = OpKind::kConv2D;
  int32_t input = -1, input2 = -1;  // unit outputs read (-1: the network input)
  torch::nn::Conv2d conv{nullptr};
  torch::nn::BatchNorm2d bn{nullptr};  // absent once folded
  torch::nn::Linear fc{nullptr};
  Activation act = Activation::kNone;
  int64_t pad[4] = {0, 0, 0, 0};  // left, right, top, bottom (TFLite SAME)
  int32_t poolKH = 0, poolKW = 0, poolStride = 1;
  float outMin = 0, outMax = 0;      // observed (calibration)
  double qScale = 0;                 // fake-quant of the output (QAT); 0: none
  int64_t qZero = 0;
  torch::Tensor mask;                // unstructured pruning (torch layout); undefined: dense
};

struct Shape {
  int32_t h, w, c;
};

class NetImpl : public torch::nn::Module {
 public:
  NetImpl(const ArchSpec& spec, bool folded) : m_folded(folded) {
    Shape s{spec.inputH, spec.inputW, spec.inputC};
    int32_t x = -1;
    for (const LayerSpec& l : spec.layers) x = addLayer(l, x, &s);
  }

  std::vector<Unit> units;
  bool fakeQuant = false;
  bool record = false;

  // Pruned weights stay zero: called after every optimizer step.
  void applyMasks() {
    torch::NoGradGuard noGrad;
    for (Unit& u : units) {
      if (!u.mask.defined()) continue;
      (u.fc.is_empty() ? u.conv->weight : u.fc->weight).mul_(u.mask);
    }
  }

  torch::Tensor forward(const torch::Tensor& input) {
    std::vector<torch::Tensor> out;
    out.reserve(units.size());
    for (Unit& u : units) {
      const torch::Tensor& x = u.input < 0 ? input : out[size_t(u.input)];
      torch::Tensor y = apply(u, x, u.input2 >= 0 ? out[size_t(u.input2)] : torch::Tensor());
      if (record) {
        u.outMin = std::min(u.outMin, y.min().item<float>());
        u.outMax = std::max(u.outMax, y.max().item<float>());
      }
      if (fakeQuant && u.qScale > 0) y = torch::fake_quantize_per_tensor_affine(y, u.qScale, u.qZero, -128, 127);
      out.push_back(y);
    }
    return out.back();
  }

 private:
  int32_t push(Unit u) {
    units.push_back(std::move(u));
    return int32_t(units.size()) - 1;
  }

  static void samePad(int32_t in, int32_t k, int32_t stride, int64_t* before, int64_t* after) {
    const int32_t out = (in + stride - 1) / stride;
    const int32_t total = std::max((out - 1) * stride + k - in, 0);
    *before = total / 2;
    *after = total - total / 2;
  }

  int32_t conv(int32_t x, Shape* s, int32_t out, int32_t k, int32_t stride, bool depthwise, Activation act) {
    Unit u;
    u.kind = depthwise ? OpKind::kDepthwiseConv2D : OpKind::kConv2D;
    u.input = x;
    u.act = act;
    const int32_t n = int32_t(units.size());
    auto o = torch::nn::Conv2dOptions(s->c, depthwise ? s->c : out, k).stride(stride).bias(m_folded);
    if (depthwise) o.groups(s->c);
    u.conv = register_module("conv" + std::to_string(n), torch::nn::Conv2d(o));
    if (!m_folded) u.bn = register_module("bn" + std::to_string(n), torch::nn::BatchNorm2d(depthwise ? s->c : out));
    samePad(s->w, k, stride, &u.pad[0], &u.pad[1]);
    samePad(s->h, k, stride, &u.pad[2], &u.pad[3]);
    *s = {(s->h + stride - 1) / stride, (s->w + stride - 1) / stride, depthwise ? s->c : out};
    return push(std::move(u));
  }

  int32_t addLayer(const LayerSpec& l, int32_t x, Shape* s) {
    switch (l.type) {
      case LayerType::kConv: return conv(x, s, l.out, l.kernel, l.stride, false, l.activation);
      case LayerType::kDepthwiseSeparable:
        return conv(conv(x, s, 0, l.kernel, l.stride, true, l.activation), s, l.out, 1, 1, false, l.activation);
      case LayerType::kMbConv: {
        const int32_t inC = s->c;
        int32_t y = l.expand > 1 ? conv(x, s, inC * l.expand, 1, 1, false, l.activation) : x;
        y = conv(y, s, 0, l.kernel, l.stride, true, l.activation);
        y = conv(y, s, l.out, 1, 1, false, Activation::kNone);
        if (l.stride == 1 && inC == l.out) {
          Unit add;
          add.kind = OpKind::kAdd;
          add.input = x;
          add.input2 = y;
          y = push(std::move(add));
        }
        return y;
      }
      case LayerType::kPool:
      case LayerType::kGlobalPool: {
        Unit u;
        const bool global = l.type == LayerType::kGlobalPool;
        u.kind = l.maxPool && !global ? OpKind::kMaxPool2D : OpKind::kAveragePool2D;
        u.input = x;
        u.poolKH = global ? s->h : l.kernel;
        u.poolKW = global ? s->w : l.kernel;
        u.poolStride = global ? 1 : l.stride;
        *s = {(s->h - u.poolKH) / u.poolStride + 1, (s->w - u.poolKW) / u.poolStride + 1, s->c};
        return push(std::move(u));
      }
      case LayerType::kFullyConnected: {
        const int32_t depth = s->h >= 0 ? s->h * s->w * s->c : s->c;
        if (s->h >= 0) {  // spatial input: RESHAPE (NHWC order, as the engine flattens)
          Unit r;
          r.kind = OpKind::kReshape;
          r.input = x;
          x = push(std::move(r));
        }
        Unit u;
        u.kind = OpKind::kFullyConnected;
        u.input = x;
        u.act = l.activation;
        u.fc = register_module("fc" + std::to_string(units.size()), torch::nn::Linear(depth, l.out));
        *s = {-1, 1, l.out};
        return push(std::move(u));
      }
    }
    return x;
  }

  torch::Tensor weightFq(const Unit& u, const torch::Tensor& w) const {
    if (!fakeQuant) return w;
    if (u.kind == OpKind::kFullyConnected) {
      const double scale = std::max(w.abs().max().item<double>() / 127.0, 1e-8);
      return torch::fake_quantize_per_tensor_affine(w, scale, 0, -127, 127);
    }
    const torch::Tensor scale = (w.detach().abs().amax({1, 2, 3}) / 127.0).clamp_min(1e-8).to(torch::kFloat);
    const torch::Tensor zero = torch::zeros({w.size(0)}, torch::kInt);
    return torch::fake_quantize_per_channel_affine(w, scale, zero, 0, -127, 127);
  }

  static torch::Tensor activate(const torch::Tensor& y, Activation a) {
    if (a == Activation::kRelu6) return torch::clamp(y, 0.0, 6.0);
    if (a == Activation::kRelu) return torch::relu(y);
    if (a == Activation::kReluN1To1) return torch::clamp(y, -1.0, 1.0);
    return y;
  }

  torch::Tensor apply(Unit& u, const torch::Tensor& x, const torch::Tensor& x2) {
    switch (u.kind) {
      case OpKind::kConv2D:
      case OpKind::kDepthwiseConv2D: {
        const auto& o = u.conv->options;
        torch::Tensor y = F::pad(x, F::PadFuncOptions({u.pad[0], u.pad[1], u.pad[2], u.pad[3]}));
        y = F::conv2d(y, weightFq(u, u.conv->weight),
                      F::Conv2dFuncOptions().stride(o.stride()).groups(o.groups()).bias(u.conv->bias));
        if (!u.bn.is_empty()) y = u.bn->forward(y);
        return activate(y, u.act);
      }
      case OpKind::kAdd: return x + x2;
      case OpKind::kMaxPool2D:
        return F::max_pool2d(x, F::MaxPool2dFuncOptions({u.poolKH, u.poolKW}).stride(u.poolStride));
      case OpKind::kAveragePool2D:
        return F::avg_pool2d(x, F::AvgPool2dFuncOptions({u.poolKH, u.poolKW}).stride(u.poolStride));
      case OpKind::kReshape: return x.permute({0, 2, 3, 1}).flatten(1);
      case OpKind::kFullyConnected: return activate(F::linear(x, weightFq(u, u.fc->weight), u.fc->bias), u.act);
      default: return x;
    }
  }

  bool m_folded;
};
TORCH_MODULE(Net);


// Accuracy and predictions in eval mode (batch statistics frozen).
double evaluate(Net& net, const Dataset& d, const std::vector<uint32_t>& idx, std::vector<int32_t>* predictions) {
  torch::NoGradGuard noGrad;
  net->eval();
  size_t correct = 0;
  if (predictions) predictions->assign(idx.size(), -1);
  for (size_t from = 0; from < idx.size(); from += 500) {
    const size_t n = std::min<size_t>(500, idx.size() - from);
    const torch::Tensor pred = net->forward(imageBatch(d, idx, from, n, false, nullptr)).argmax(1);
    correct += size_t(pred.eq(labelBatch(d, idx, from, n)).sum().item<int64_t>());
    for (size_t b = 0; predictions && b < n; ++b) (*predictions)[from + b] = int32_t(pred[int64_t(b)].item<int64_t>());
  }
  return idx.empty() ? 0.0 : double(correct) / double(idx.size());
}

struct LoopContext {
  const Dataset& train;
  const std::vector<uint32_t>& indices;
  const TrainOptions& o;
  const TrainCallback& progress;
  const std::atomic<bool>* cancel;
  std::string stage;
};

// One epoch; false when cancelled.
bool trainEpoch(Net& net, torch::optim::Optimizer& opt, const LoopContext& c, int epoch, int epochs,
                double peakLr) {
  net->train();
  std::vector<uint32_t> order = c.indices;
  std::mt19937_64 rng(c.o.seed * 1000003u + uint64_t(epoch));
  std::shuffle(order.begin(), order.end(), rng);
  const size_t bs = size_t(c.o.batchSize), batches = (order.size() + bs - 1) / bs;
  double lossSum = 0, correct = 0, seen = 0;
  for (size_t b = 0; b < batches; ++b) {
    if (c.cancel && c.cancel->load()) return false;
    const double t = (double(epoch) * double(batches) + double(b)) / (double(epochs) * double(batches));
    const double lr = cosineRate(peakLr, t);
    setLearningRate(opt, lr);
    const size_t n = std::min(bs, order.size() - b * bs);
    const torch::Tensor x = imageBatch(c.train, order, b * bs, n, c.o.augment, &rng);
    const torch::Tensor y = labelBatch(c.train, order, b * bs, n);
    opt.zero_grad();
    const torch::Tensor logits = net->forward(x);
    const torch::Tensor loss =
        F::cross_entropy(logits, y, F::CrossEntropyFuncOptions().label_smoothing(c.o.labelSmoothing));
    checkFinite(loss, epoch, b);
    loss.backward();
    opt.step();
    net->applyMasks();
    lossSum += loss.item<double>() * double(n);
    correct += double(logits.argmax(1).eq(y).sum().item<int64_t>());
    seen += double(n);
    if (c.progress && ((b + 1) % size_t(std::max(1, c.o.logEveryBatches)) == 0 || b + 1 == batches)) {
      c.progress({c.stage, epoch + 1, epochs, int64_t(b + 1), int64_t(batches), lossSum / seen, correct / seen, lr});
    }
  }
  return true;
}

// Observed output range of every unit on calibration images (eval mode).
void calibrate(Net& net, const Dataset& train, const std::vector<uint32_t>& idx, int images) {
  torch::NoGradGuard noGrad;
  net->eval();
  for (Unit& u : net->units) u.outMin = u.outMax = 0;
  net->record = true;
  const size_t n = std::min<size_t>(size_t(std::max(images, 1)), idx.size());
  for (size_t from = 0; from < n; from += 500) {
    net->forward(imageBatch(train, idx, from, std::min<size_t>(500, n - from), false, nullptr));
  }
  net->record = false;
}

// The trained units as engine ops: batch norm folded into the convolution, engine layouts.
FloatNet exportNet(Net& net, const ArchSpec& spec) {
  torch::NoGradGuard noGrad;
  FloatNet f;
  f.spec = spec;
  for (Unit& u : net->units) {
    FloatOp op;
    op.outMin = u.outMin;
    op.outMax = u.outMax;
    torch::Tensor w, b;
    if (u.kind == OpKind::kConv2D || u.kind == OpKind::kDepthwiseConv2D) {
      w = u.conv->weight.detach().clone();
      b = u.conv->bias.defined() ? u.conv->bias.detach().clone() : torch::zeros({w.size(0)});
      if (!u.bn.is_empty()) {
        const torch::Tensor g = u.bn->weight / torch::sqrt(u.bn->running_var + u.bn->options.eps());
        w = w * g.view({-1, 1, 1, 1});
        b = u.bn->bias - u.bn->running_mean * g;
      }
      // OHWI for convolutions, 1HWC for depthwise (torch: [C, 1, kh, kw]).
      w = u.kind == OpKind::kConv2D ? w.permute({0, 2, 3, 1}) : w.permute({1, 2, 3, 0});
    } else if (u.kind == OpKind::kFullyConnected) {
      w = u.fc->weight.detach();
      b = u.fc->bias.detach();
    }
    if (w.defined()) {
      w = w.contiguous();
      op.weights.assign(w.data_ptr<float>(), w.data_ptr<float>() + w.numel());
      b = b.contiguous();
      op.bias.assign(b.data_ptr<float>(), b.data_ptr<float>() + b.numel());
    }
    f.ops.push_back(std::move(op));
  }
  return f;
}

Status checkData(const ArchSpec& spec, const Dataset& d) {
  if (d.height != spec.inputH || d.width != spec.inputW || d.channels != spec.inputC) {
    return Status::error("the dataset's images are " + std::to_string(d.height) + "x" + std::to_string(d.width) +
                         "x" + std::to_string(d.channels) + ", the network '" + spec.name + "' takes " +
                         std::to_string(spec.inputH) + "x" + std::to_string(spec.inputW) + "x" +
                         std::to_string(spec.inputC));
  }
  return Status::ok();
}

}  // namespace

namespace {

std::string runSignature(const ArchSpec& spec, const TrainOptions& o) {
  return archSpecToJson(spec).dump() + "\nepochs " + std::to_string(o.epochs) + " batch " +
         std::to_string(o.batchSize) + " lr " + std::to_string(o.learningRate) + " " + o.optimizer + " seed " +
         std::to_string(o.seed) + " subset " + std::to_string(o.subset) + "\n";
}

std::vector<uint32_t> trainingIndices(const DataSplit& split, const TrainOptions& o) {
  std::vector<uint32_t> idx = split.train;
  if (o.subset > 0 && o.subset < idx.size()) idx.resize(o.subset);
  return idx;
}

// Trains `epochs` epochs from `firstEpoch`, checkpointing each; false when cancelled.
bool trainEpochs(Net& net, torch::optim::Optimizer& opt, const LoopContext& c, int firstEpoch, int epochs,
                 double lr, const std::string& signature, TrainResult* r) {
  for (int e = firstEpoch; e < epochs; ++e) {
    const auto t0 = Clock::now();
    if (!trainEpoch(net, opt, c, e, epochs, lr)) return false;
    r->epochSeconds.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
    r->seconds += r->epochSeconds.back();
    if (!c.o.checkpointPath.empty() && !signature.empty()) saveCheckpoint(*net, opt, e + 1, c.o.checkpointPath, signature);
    if (c.progress) {
      const double acc = evaluate(net, c.train, r->split.validation, nullptr);
      c.progress({"validate", e + 1, epochs, 0, 0, 0, acc, 0});
    }
  }
  return true;
}

void finish(Net& net, const Dataset& train, const Dataset& test, TrainResult* r) {
  r->floatValidationAccuracy = evaluate(net, train, r->split.validation, nullptr);
  r->floatTestAccuracy = evaluate(net, test, allIndices(test.size()), &r->floatTestPredictions);
}

// Copies a folded FloatNet's parameters into a folded Net (engine layouts back to torch's).
void loadFolded(Net& net, const FloatNet& f) {
  torch::NoGradGuard noGrad;
  for (size_t i = 0; i < net->units.size(); ++i) {
    Unit& u = net->units[i];
    const FloatOp& op = f.ops[i];
    u.outMin = op.outMin;
    u.outMax = op.outMax;
    const QuantParams q = activationQuant(op.outMin, op.outMax);
    const bool own = u.kind != OpKind::kReshape && u.kind != OpKind::kAveragePool2D && u.kind != OpKind::kMaxPool2D;
    u.qScale = own ? double(q.scale[0]) : 0.0;
    u.qZero = own ? q.zeroPoint[0] : 0;
    auto blob = [](const std::vector<float>& v, std::vector<int64_t> shape) {
      return torch::from_blob(const_cast<float*>(v.data()), shape).clone();
    };
    if (u.kind == OpKind::kConv2D || u.kind == OpKind::kDepthwiseConv2D) {
      const auto s = u.conv->weight.sizes();  // [O, I, kh, kw]
      const torch::Tensor w = u.kind == OpKind::kConv2D ? blob(op.weights, {s[0], s[2], s[3], s[1]}).permute({0, 3, 1, 2})
                                                        : blob(op.weights, {1, s[2], s[3], s[0]}).permute({3, 0, 1, 2});
      u.conv->weight.copy_(w);
      u.conv->bias.copy_(blob(op.bias, {s[0]}));
      if (!op.mask.empty()) {
        const std::vector<float> m(op.mask.begin(), op.mask.end());
        u.mask = u.kind == OpKind::kConv2D ? blob(m, {s[0], s[2], s[3], s[1]}).permute({0, 3, 1, 2}).contiguous()
                                           : blob(m, {1, s[2], s[3], s[0]}).permute({3, 0, 1, 2}).contiguous();
      }
    } else if (u.kind == OpKind::kFullyConnected) {
      u.fc->weight.copy_(blob(op.weights, {u.fc->weight.size(0), u.fc->weight.size(1)}));
      if (!op.mask.empty()) {
        const std::vector<float> m(op.mask.begin(), op.mask.end());
        u.mask = blob(m, {u.fc->weight.size(0), u.fc->weight.size(1)});
      }
      u.fc->bias.copy_(blob(op.bias, {u.fc->bias.size(0)}));
    }
  }
}

}  // namespace

Result<TrainResult> trainNetwork(const ArchSpec& spec, const Dataset& train, const Dataset& test,
                                 const TrainOptions& o, const TrainCallback& progress,
                                 const std::atomic<bool>* cancel) {
  if (Status s = validateArchSpec(spec); !s) return s;
  if (Status s = checkData(spec, train); !s) return s;
  if (Status s = checkData(spec, test); !s) return s;
  try {
    torch::set_num_threads(std::max(1, o.threads));
    torch::manual_seed(o.seed);
    TrainResult r;
    r.split = splitTrainValidation(train.size(), o.validationFraction, o.seed);
    const std::vector<uint32_t> idx = trainingIndices(r.split, o);
    Net net(spec, false);
    auto opt = makeOptimizer(net->parameters(), o, o.learningRate);
    const std::string signature = runSignature(spec, o);
    r.resumedFromEpoch = std::min(loadCheckpoint(*net, *opt, o.checkpointPath, signature), o.epochs);
    const LoopContext c{train, idx, o, progress, cancel, "train"};
    if (!trainEpochs(net, *opt, c, r.resumedFromEpoch, o.epochs, o.learningRate, signature, &r)) {
      return Status::error("cancelled");
    }
    r.epochs = o.epochs;
    finish(net, train, test, &r);
    if (progress) progress({"calibrate", o.epochs, o.epochs, 0, 0, 0, 0, 0});
    calibrate(net, train, idx, o.calibrationImages);
    r.net = exportNet(net, spec);
    return r;
  } catch (const std::exception& e) {
    return Status::error(std::string("training failed (libtorch): ") + firstLine(e));
  }
}

Result<TrainResult> qatFinetune(const FloatNet& net, const Dataset& train, const Dataset& test,
                                const DataSplit& split, const TrainOptions& o, int epochs, double learningRate,
                                const TrainCallback& progress, const std::atomic<bool>* cancel) {
  try {
    torch::set_num_threads(std::max(1, o.threads));
    TrainResult r;
    r.split = split;
    Net q(net.spec, true);
    loadFolded(q, net);
    q->fakeQuant = true;
    TrainOptions qo = o;
    qo.weightDecay = 0;
    auto opt = makeOptimizer(q->parameters(), qo, learningRate);
    const std::vector<uint32_t> idx = trainingIndices(split, o);
    const LoopContext c{train, idx, qo, progress, cancel, "qat"};
    if (!trainEpochs(q, *opt, c, 0, epochs, learningRate, "", &r)) return Status::error("cancelled");
    r.epochs = epochs;
    finish(q, train, test, &r);
    r.net = exportNet(q, net.spec);  // the ranges stay those the fake quantization used
    for (size_t i = 0; i < r.net.ops.size(); ++i) r.net.ops[i].mask = net.ops[i].mask;
    return r;
  } catch (const std::exception& e) {
    return Status::error(std::string("quantization-aware fine-tuning failed (libtorch): ") + firstLine(e));
  }
}

Result<std::vector<float>> floatNetLogits(const FloatNet& net, const Dataset& data,
                                          const std::vector<uint32_t>& idx) {
  if (Status s = checkData(net.spec, data); !s) return s;
  try {
    torch::NoGradGuard noGrad;
    Net n(net.spec, true);
    loadFolded(n, net);
    n->eval();
    const torch::Tensor out = n->forward(imageBatch(data, idx, 0, idx.size(), false, nullptr)).contiguous();
    return std::vector<float>(out.data_ptr<float>(), out.data_ptr<float>() + out.numel());
  } catch (const std::exception& e) {
    return Status::error(std::string("libtorch: ") + firstLine(e));
  }
}

}  // namespace tinyforge
