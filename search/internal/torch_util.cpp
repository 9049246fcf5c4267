#include <torch/torch.h>

#include "search/internal/torch_util.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace tinyforge::torch_util {

torch::Tensor imageBatch(const Dataset& d, const std::vector<uint32_t>& idx, size_t from, size_t n, bool augment,
                         std::mt19937_64* rng) {
  const int32_t h = d.height, w = d.width, c = d.channels;
  torch::Tensor t = torch::zeros({int64_t(n), c, h, w});
  float* p = t.data_ptr<float>();
  std::uniform_int_distribution<int> shift(-2, 2), coin(0, 1);
  for (size_t b = 0; b < n; ++b) {
    const uint8_t* img = d.image(idx[from + b]);
    const int dy = augment ? shift(*rng) : 0, dx = augment ? shift(*rng) : 0;
    const bool flip = augment && coin(*rng);
    for (int32_t y = 0; y < h; ++y) {
      for (int32_t x = 0; x < w; ++x) {
        const int sy = y + dy, sx0 = x + dx, sx = flip ? w - 1 - sx0 : sx0;
        if (sy < 0 || sy >= h || sx0 < 0 || sx0 >= w) continue;
        for (int32_t ch = 0; ch < c; ++ch) {
          p[((int64_t(b) * c + ch) * h + y) * w + x] = float(img[(size_t(sy) * size_t(w) + size_t(sx)) * size_t(c) + size_t(ch)]) / 255.0f;
        }
      }
    }
  }
  return t;
}

torch::Tensor labelBatch(const Dataset& d, const std::vector<uint32_t>& idx, size_t from, size_t n) {
  torch::Tensor t = torch::empty({int64_t(n)}, torch::kLong);
  for (size_t b = 0; b < n; ++b) t[int64_t(b)] = int64_t(d.labels[idx[from + b]]);
  return t;
}

std::vector<uint32_t> allIndices(size_t n) {
  std::vector<uint32_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = uint32_t(i);
  return v;
}

// ---- checkpoints: the model, the optimizer and the epochs done; written atomically ----

void saveCheckpoint(torch::nn::Module& net, torch::optim::Optimizer& opt, int epochsDone, const std::string& path,
                    const std::string& specJson) {
  torch::serialize::OutputArchive archive;
  net.save(archive);
  torch::serialize::OutputArchive optArchive;
  opt.save(optArchive);
  archive.write("optimizer", optArchive);
  archive.write("epochs_done", torch::tensor(int64_t(epochsDone)));
  const std::string tmp = path + ".tmp";
  archive.save_to(tmp);
  std::filesystem::rename(tmp, path);
  std::ofstream(path + ".spec.json") << specJson;
}

// Epochs done in a checkpoint of the same spec, 0 when there is none to resume.
int loadCheckpoint(torch::nn::Module& net, torch::optim::Optimizer& opt, const std::string& path, const std::string& specJson) {
  if (path.empty() || !std::filesystem::exists(path)) return 0;
  std::ifstream specFile(path + ".spec.json");
  const std::string saved((std::istreambuf_iterator<char>(specFile)), std::istreambuf_iterator<char>());
  if (saved != specJson) return 0;  // another network: start afresh
  torch::serialize::InputArchive archive;
  archive.load_from(path);
  net.load(archive);
  torch::serialize::InputArchive optArchive;
  archive.read("optimizer", optArchive);
  opt.load(optArchive);
  torch::Tensor epochs;
  archive.read("epochs_done", epochs);
  return int(epochs.item<int64_t>());
}

std::unique_ptr<torch::optim::Optimizer> makeOptimizer(const std::vector<torch::Tensor>& params,
                                                       const TrainOptions& o, double lr) {
  if (o.optimizer == "adam") {
    return std::make_unique<torch::optim::Adam>(params, torch::optim::AdamOptions(lr).weight_decay(o.weightDecay));
  }
  return std::make_unique<torch::optim::SGD>(
      params, torch::optim::SGDOptions(lr).momentum(o.momentum).nesterov(true).weight_decay(o.weightDecay));
}

void setLearningRate(torch::optim::Optimizer& opt, double lr) {
  for (auto& group : opt.param_groups()) group.options().set_lr(lr);
}

std::string firstLine(const std::exception& e) {
  const std::string text = e.what();
  return text.substr(0, text.find('\n'));
}

double cosineRate(double peak, double progress) { return 0.5 * peak * (1.0 + std::cos(M_PI * progress)); }

void checkFinite(const torch::Tensor& loss, int epoch, size_t batch) {
  if (!std::isfinite(loss.item<double>())) {
    throw std::runtime_error("the loss is not finite at epoch " + std::to_string(epoch + 1) + ", batch " +
                             std::to_string(batch + 1) + ": training diverged (lower the learning rate)");
  }
}

}  // namespace tinyforge::torch_util
