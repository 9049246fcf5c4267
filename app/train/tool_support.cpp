#include "app/train/tool_support.h"

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
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
Result<nlohmann::json> readJsonObject(const std::string& path) {
  std::ifstream f(path);
  if (!f) return Status::error("cannot open " + path);
  nlohmann::json j = nlohmann::json::parse(f, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Status::error(path + " is not a JSON object");
  return j;
}

namespace {
double nowSeconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}
}  // namespace

EventLog::EventLog(const std::string& dir) : m_path((std::filesystem::path(dir) / "events.jsonl").string()) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
}

void EventLog::write(nlohmann::json event) {
  event["time"] = nowSeconds();
  std::ofstream f(m_path, std::ios::app);
  f << event.dump() << "\n";  // one write of a whole line: a reader sees whole lines or none
}

void EventLog::progress(const TrainProgress& p) {
  const bool batchOnly = p.batches > 0 && p.batch < p.batches && p.stage != "evolution";
  if (batchOnly) {
    const double now = nowSeconds();
    if (now - m_lastBatch < 0.5) return;
    m_lastBatch = now;
  }
  nlohmann::json e = {{"event", "progress"}, {"stage", p.stage}, {"epoch", p.epoch}, {"epochs", p.epochs},
                      {"batch", p.batch}, {"batches", p.batches}, {"loss", p.loss}, {"accuracy", p.accuracy}};
  if (p.stage == "sparse") e["hypervolume"] = p.hypervolume;
  write(std::move(e));
}

}  // namespace tinyforge::tool
