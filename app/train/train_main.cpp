// tinyforge-train: train a network from its spec and convert it to int8 (libtorch). Called as
// `tinyforge-cli train ...` (which runs this program), so that the other commands start without
// loading libtorch.
//
//   tinyforge-train SPEC.json --dataset fashion-mnist [--epochs N] [--subset K] --out DIR
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "search/dataset.h"
#include "app/train/tool_support.h"
#include "search/train_pipeline.h"

namespace {


constexpr const char* kUsage =
    "usage: tinyforge-cli train SPEC.json --out DIR [--dataset fashion-mnist | mnist:DIR | cifar10:DIR]\n"
    "       [--epochs N] [--subset K] [--batch B] [--lr X] [--optimizer sgd|adam] [--threads T]\n"
    "       [--seed S] [--no-augment] [--qat-epochs N] [--json]\n"
    "Trains the network (resuming from DIR/checkpoint.pt after an interruption), converts it to\n"
    "int8 and writes DIR/checkpoint.pt, DIR/model.tflite and DIR/report.json.\n";

int fail(const std::string& message, int code = 1) { return tinyforge::tool::fail("train", message, code); }

}  // namespace

int runSearchCommand(const std::vector<std::string>& args);  // search_command.cpp
int runSparseCommand(const std::vector<std::string>& args);  // sparse_command.cpp
int runSearchExportCommand(const std::vector<std::string>& args);  // search_command.cpp

int main(int argc, char** argv) {
  using namespace tinyforge;
  std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && args[0] == "--search") return runSearchCommand({args.begin() + 1, args.end()});
  if (!args.empty() && args[0] == "--sparse-search") return runSparseCommand({args.begin() + 1, args.end()});
  if (!args.empty() && args[0] == "--search-export") return runSearchExportCommand({args.begin() + 1, args.end()});
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::cerr << kUsage;
    return args.empty() ? 2 : 0;
  }
  TrainRunOptions o;
  std::string specPath = args[0], dataset = "fashion-mnist";
  bool json = false;
  try {
    for (size_t i = 1; i < args.size(); ++i) {
      const std::string& a = args[i];
      const bool v = i + 1 < args.size();
      if (a == "--out" && v) o.outDir = args[++i];
      else if (a == "--dataset" && v) dataset = args[++i];
      else if (a == "--epochs" && v) o.train.epochs = std::stoi(args[++i]);
      else if (a == "--subset" && v) o.train.subset = size_t(std::stoul(args[++i]));
      else if (a == "--batch" && v) o.train.batchSize = std::stoi(args[++i]);
      else if (a == "--lr" && v) o.train.learningRate = std::stod(args[++i]);
      else if (a == "--optimizer" && v) o.train.optimizer = args[++i];
      else if (a == "--threads" && v) o.train.threads = std::stoi(args[++i]);
      else if (a == "--seed" && v) o.train.seed = std::stoull(args[++i]);
      else if (a == "--qat-epochs" && v) o.qatEpochs = std::stoi(args[++i]);
      else if (a == "--no-augment") o.train.augment = false;
      else if (a == "--json") json = true;
      else return fail("unknown option or missing value '" + a + "'\n" + kUsage, 2);
    }
  } catch (const std::exception&) {
    return fail("a numeric option has a value that is not a number", 2);
  }
  if (o.outDir.empty()) return fail("--out DIR is required", 2);
  if (o.train.epochs < 1 || o.train.batchSize < 1) return fail("--epochs and --batch must be >= 1", 2);
  if (o.train.optimizer != "sgd" && o.train.optimizer != "adam") return fail("--optimizer must be sgd or adam", 2);
  std::ifstream specFile(specPath);
  if (!specFile) return fail("cannot open " + specPath);
  nlohmann::json specJson = nlohmann::json::parse(specFile, nullptr, false);
  if (specJson.is_discarded()) return fail(specPath + " is not valid JSON");
  Result<ArchSpec> spec = archSpecFromJson(specJson);
  if (!spec) return fail(specPath + ": " + spec.status().message());
  Result<tool::TrainData> data = tool::loadTrainData(dataset);
  if (!data) return fail(data.status().message());
  o.datasetName = dataset;
  const std::atomic<bool>* stop = tool::stopOnSignals();
  auto progress = [](const TrainProgress& p) {
    if (p.stage == "validate") {
      std::fprintf(stderr, "epoch %d/%d: validation accuracy %.4f\n", p.epoch, p.epochs, p.accuracy);
    } else if (p.batches > 0) {
      std::fprintf(stderr, "%s epoch %d/%d batch %lld/%lld: loss %.4f accuracy %.4f lr %.5f\n", p.stage.c_str(),
                   p.epoch, p.epochs, static_cast<long long>(p.batch), static_cast<long long>(p.batches), p.loss,
                   p.accuracy, p.learningRate);
    } else {
      std::fprintf(stderr, "%s\n", p.stage.c_str());
    }
  };
  Result<nlohmann::json> report = trainToInt8(spec.value(), data.value().train, data.value().test, o, progress, stop);
  if (!report) {
    return fail(report.status().message() +
                (stop->load() ? " (the last finished epoch is in " + o.outDir + "/checkpoint.pt; run again to resume)" : ""));
  }
  if (json) {
    std::cout << report.value().dump(2) << "\n";
  } else {
    const auto& r = report.value();
    std::printf("float test accuracy %.4f, int8 test accuracy %.4f (%s), int8/float agreement %.4f\n",
                r["float_test_accuracy"].get<double>(), r["int8_test_accuracy"].get<double>(),
                r["qat_applied"].get<bool>() ? "after quantization-aware fine-tuning" : "post-training",
                r["int8_float_agreement"].get<double>());
    std::printf("%lld params, %lld MACs, peak SRAM (best plan) %lld B, %.1f s per epoch\n",
                r["params"].get<long long>(), r["macs"].get<long long>(), r["peak_sram_best_bytes"].get<long long>(),
                r["seconds_per_epoch"].get<double>());
    std::printf("wrote %s/model.tflite, %s/report.json, %s/checkpoint.pt\n", o.outDir.c_str(), o.outDir.c_str(),
                o.outDir.c_str());
  }
  return 0;
}
