#include "app/train/tool_support.h"

#include <csignal>
#include <iostream>
#include <vector>

namespace tinyforge::tool {

namespace {
std::atomic<bool> g_stop{false};
extern "C" void onStopSignal(int) { g_stop = true; }
}  // namespace

const std::atomic<bool>* stopOnSignals() {
  std::signal(SIGINT, onStopSignal);
  std::signal(SIGTERM, onStopSignal);
  return &g_stop;
}

int fail(const std::string& command, const std::string& message, int code) {
  std::cerr << "tinyforge-cli " << command << ": " << message << "\n";
  return code;
}

Result<TrainData> loadTrainData(const std::string& name) {
  TrainData d;
  if (name == "fashion-mnist" || name.rfind("mnist:", 0) == 0) {
    const std::string dir = name == "fashion-mnist" ? kFashionMnistDir : name.substr(6);
    Result<Dataset> tr = loadFashionMnist(DatasetSplit::kTrain, dir);
    if (!tr) return tr.status();
    Result<Dataset> te = loadFashionMnist(DatasetSplit::kTest, dir);
    if (!te) return te.status();
    d.train = std::move(tr).value();
    d.test = std::move(te).value();
    return d;
  }
  if (name.rfind("cifar10:", 0) == 0) {
    const std::string dir = name.substr(8) + "/";
    std::vector<std::string> batches;
    for (int i = 1; i <= 5; ++i) batches.push_back(dir + "data_batch_" + std::to_string(i) + ".bin");
    Result<Dataset> tr = loadCifar10(batches);
    if (!tr) return tr.status();
    Result<Dataset> te = loadCifar10({dir + "test_batch.bin"});
    if (!te) return te.status();
    d.train = std::move(tr).value();
    d.test = std::move(te).value();
    return d;
  }
  return Status::error("unknown dataset '" + name + "' (fashion-mnist, mnist:DIR or cifar10:DIR)");
}


}  // namespace tinyforge::tool
