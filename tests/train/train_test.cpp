// Training with libtorch end to end on real Fashion-MNIST: a tiny network for one epoch on
// 2,000 images beats chance widely, its int8 conversion agrees with the float model and
// round-trips through .tflite, quantization-aware fine-tuning runs, and a killed training
// resumes from its checkpoint.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>
#include <tuple>

#include "app/train/search_settings.h"
#include "engine/executor.h"
#include "engine/io/tflite_import.h"
#include "engine/model_summary.h"
#include "search/pruning.h"
#include "search/sparse_run.h"
#include "search/train_pipeline.h"

namespace tinyforge {
namespace {

namespace fs = std::filesystem;

ArchSpec tinyCnn() {
  const char* text = R"({"name": "tiny_cnn", "input": [28, 28, 1], "classes": 10, "layers": [
    {"type": "conv", "out": 16, "kernel": 3, "stride": 1, "act": "relu"},
    {"type": "pool", "kernel": 2, "stride": 2, "mode": "max"},
    {"type": "dwsep", "out": 32, "kernel": 3, "stride": 1, "act": "relu6"},
    {"type": "pool", "kernel": 2, "stride": 2, "mode": "max"},
    {"type": "mbconv", "out": 32, "kernel": 3, "expand": 2, "stride": 1},
    {"type": "fc", "out": 10, "act": "none"}]})";
  return archSpecFromJson(nlohmann::json::parse(text)).value();
}

struct Data {
  Dataset train, test;
};

const Data* data() {
  static const Data* d = [] {
    Result<Dataset> train = loadFashionMnist(DatasetSplit::kTrain);
    Result<Dataset> test = loadFashionMnist(DatasetSplit::kTest);
    return train && test ? new Data{std::move(train).value(), std::move(test).value()} : nullptr;
  }();
  return d;
}

#define REQUIRE_DATA()                                                                   \
  if (!data()) GTEST_SKIP() << "Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)"

fs::path freshDir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("tinyforge_train_test_" + name + std::to_string(getpid()));
  fs::remove_all(dir);
  return dir;
}

TEST(Train, TinyNetworkOneEpochBeatsChanceAndConvertsToInt8) {
  REQUIRE_DATA();
  TrainRunOptions o;
  o.train.epochs = 1;
  o.train.subset = 2000;
  o.train.optimizer = "adam";
  o.train.learningRate = 0.005;
  o.train.batchSize = 32;
  o.qatEpochs = 0;
  o.outDir = freshDir("one_epoch").string();
  Graph int8;
  Result<nlohmann::json> r = trainToInt8(tinyCnn(), data()->train, data()->test, o, {}, nullptr, &int8);
  ASSERT_TRUE(r) << r.status().message();
  const nlohmann::json& report = r.value();
  EXPECT_GT(report["float_test_accuracy"].get<double>(), 0.5);  // chance is 0.1
  EXPECT_GT(report["int8_test_accuracy"].get<double>(), 0.5);
  EXPECT_GT(report["int8_float_agreement"].get<double>(), 0.9);
  for (const char* key : {"params", "macs", "epochs", "seconds"}) EXPECT_TRUE(report.contains(key)) << key;
  EXPECT_EQ(report["epochs"], 1);
  // The written .tflite imports as the same graph and computes the same bytes.
  Result<Graph> back = importTfliteFile((fs::path(o.outDir) / "model.tflite").string());
  ASSERT_TRUE(back) << back.status().message();
  EXPECT_TRUE(back.value().ops == int8.ops);
  EXPECT_TRUE(back.value().tensors == int8.tensors);
  std::vector<uint8_t> in(784);
  for (size_t i = 0; i < in.size(); ++i) in[i] = uint8_t(int8_t(int(data()->test.image(7)[i]) - 128));
  EXPECT_EQ(runGraph(back.value(), {in}).value()[size_t(int8.outputs[0])],
            runGraph(int8, {in}).value()[size_t(int8.outputs[0])]);
  fs::remove_all(o.outDir);
}

TEST(Train, QuantizationAwareFineTuningRuns) {
  REQUIRE_DATA();
  TrainOptions o;
  o.epochs = 1;
  o.subset = 1000;
  o.optimizer = "adam";
  o.learningRate = 0.005;
  o.batchSize = 32;
  Result<TrainResult> r = trainNetwork(tinyCnn(), data()->train, data()->test, o, {}, nullptr);
  ASSERT_TRUE(r) << r.status().message();
  Result<TrainResult> q = qatFinetune(r.value().net, data()->train, data()->test, r.value().split, o, 1, 0.001, {},
                                      nullptr);
  ASSERT_TRUE(q) << q.status().message();
  Result<Graph> g = quantizeFloatNet(q.value().net);
  ASSERT_TRUE(g) << g.status().message();
  std::vector<uint32_t> first(1000);
  for (uint32_t i = 0; i < 1000; ++i) first[i] = i;
  Result<Int8Evaluation> e = evaluateInt8(g.value(), data()->test, first);
  ASSERT_TRUE(e);
  // The fake-quantized float model predicts what the int8 model computes, nearly always.
  size_t same = 0;
  for (size_t i = 0; i < first.size(); ++i) same += e.value().predictions[i] == q.value().floatTestPredictions[i];
  EXPECT_GT(double(same) / double(first.size()), 0.97);
  EXPECT_GT(e.value().accuracy, 0.4);
}

TEST(Train, CancelKeepsTheLastEpoch) {
  REQUIRE_DATA();
  std::atomic<bool> cancel{false};
  TrainOptions o;
  o.epochs = 2;
  o.subset = 500;
  o.checkpointPath = (freshDir("cancel") / "checkpoint.pt").string();
  fs::create_directories(fs::path(o.checkpointPath).parent_path());
  auto progress = [&](const TrainProgress& p) {
    if (p.stage == "validate" && p.epoch == 1) cancel = true;
  };
  Result<TrainResult> r = trainNetwork(tinyCnn(), data()->train, data()->test, o, progress, &cancel);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.status().message(), "cancelled");
  EXPECT_TRUE(fs::exists(o.checkpointPath));
  cancel = false;
  Result<TrainResult> resumed = trainNetwork(tinyCnn(), data()->train, data()->test, o, {}, nullptr);
  ASSERT_TRUE(resumed) << resumed.status().message();
  EXPECT_EQ(resumed.value().resumedFromEpoch, 1);
  EXPECT_EQ(resumed.value().epochSeconds.size(), 1u);
  fs::remove_all(fs::path(o.checkpointPath).parent_path());
}

TEST(Train, PrunedNetworksAreSmallerAndStaySparseThroughFineTuning) {
  REQUIRE_DATA();
  TrainOptions o;
  o.epochs = 1;
  o.subset = 1500;
  o.optimizer = "adam";
  o.learningRate = 0.005;
  o.batchSize = 32;
  Result<TrainResult> r = trainNetwork(tinyCnn(), data()->train, data()->test, o, {}, nullptr);
  ASSERT_TRUE(r) << r.status().message();
  // Structured: layer 0 (16 channels) keeps 8, and the graph is really smaller.
  Result<FloatNet> slim = pruneChannels(r.value().net, {{0, 0.5}});
  ASSERT_TRUE(slim) << slim.status().message();
  Result<Graph> before = quantizeFloatNet(r.value().net), after = quantizeFloatNet(slim.value());
  ASSERT_TRUE(before && after) << after.status().message();
  EXPECT_EQ(after.value().tensor(after.value().ops[0].outputs[0]).shape[3], 8);
  EXPECT_LT(summarizeModel(after.value()).totalWeightBytes, summarizeModel(before.value()).totalWeightBytes);
  // Unstructured: the fully connected layer gradually to 80 % zeros, held through fine-tuning.
  const int32_t fc = int32_t(slim.value().ops.size()) - 1;
  Result<TrainResult> sparse = pruneGradually(slim.value(), {{fc, 0.8}}, 2, data()->train, data()->test,
                                              r.value().split, o, 0.002, {}, nullptr);
  ASSERT_TRUE(sparse) << sparse.status().message();
  EXPECT_GE(weightSparsity(sparse.value().net, fc), 0.79);
  Result<Graph> g = quantizeFloatNet(sparse.value().net);
  ASSERT_TRUE(g);
  const Tensor& w = g.value().tensor(g.value().ops[size_t(fc)].inputs[1]);
  const auto zeros = std::count(w.data.begin(), w.data.end(), uint8_t(0));
  EXPECT_GE(double(zeros) / double(w.data.size()), 0.79);
  EXPECT_GT(sparse.value().floatTestAccuracy, 0.4);
}

TEST(Train, HiddenFullyConnectedLayersTrainAndConvert) {
  REQUIRE_DATA();
  const char* text = R"({"name": "mlp_head", "input": [28, 28, 1], "classes": 10, "layers": [
    {"type": "conv", "out": 8, "kernel": 3, "stride": 2, "act": "relu"},
    {"type": "fc", "out": 16, "act": "relu"},
    {"type": "fc", "out": 10, "act": "none"}]})";
  const ArchSpec spec = archSpecFromJson(nlohmann::json::parse(text)).value();
  TrainOptions o;
  o.epochs = 1;
  o.subset = 300;
  Result<TrainResult> r = trainNetwork(spec, data()->train, data()->test, o, {}, nullptr);
  ASSERT_TRUE(r) << r.status().message();
  EXPECT_TRUE(quantizeFloatNet(r.value().net));
}

// SpArSe end to end on a few hundred images: the size and memory objectives are in units of the
// project's budgets (so the hypervolume counts only what fits), and the report says which front
// point was chosen within them.
TEST(SparseRun, ObjectivesAreInUnitsOfTheBudgets) {
  REQUIRE_DATA();
  SparseRunOptions o = sparseRunPreset("quick").value();
  o.iterations = 2;
  o.bayes.initialRandom = 2;
  o.train.subset = 300;
  o.pruneSteps = 1;
  o.memoryBudget = 8192;
  o.flashBudget = 32768;
  o.verify = false;
  o.outDir = freshDir("sparse").string();
  Result<nlohmann::json> report = runSparseSearch(data()->train, data()->test, o, {}, nullptr);
  ASSERT_TRUE(report) << report.status().message();
  std::ifstream in(fs::path(o.outDir) / "history.json");
  const nlohmann::json history = nlohmann::json::parse(in);
  ASSERT_EQ(history["candidates"].size(), 2u);
  for (const nlohmann::json& c : history["candidates"]) {
    const std::vector<double> f = c["objectives"].get<std::vector<double>>();
    EXPECT_DOUBLE_EQ(f[0], 1.0 - c["validation_accuracy"].get<double>());
    EXPECT_DOUBLE_EQ(f[1], c["flash_bytes"].get<double>() / 32768.0);
    EXPECT_DOUBLE_EQ(f[2], c["working_memory_bytes"].get<double>() / 8192.0);
  }
  const nlohmann::json& chosen = report.value()["chosen"];
  if (!chosen.is_null()) {
    EXPECT_LE(chosen["working_memory_bytes"].get<int64_t>(), 8192);
    EXPECT_LE(chosen["flash_bytes"].get<int64_t>(), 32768);
  }
  // A point of the history trained again (what `search-export --epochs` does): the same costs, an
  // int8 model whose weights have the point's pruning.
  const nlohmann::json& first = history["candidates"][0];
  const SparseArch arch = sparseArchFromJson(first["arch"]).value();
  Result<SparsePointModel> m = trainSparsePoint(arch, data()->train, data()->test, o, {}, nullptr);
  ASSERT_TRUE(m) << m.status().message();
  EXPECT_EQ(m.value().cost.flashBytes, first["flash_bytes"].get<int64_t>());
  EXPECT_EQ(m.value().cost.workingMemory, first["working_memory_bytes"].get<int64_t>());
  Result<Graph> searched = importTfliteFile((fs::path(o.outDir) / "candidates" / "0.tflite").string());
  ASSERT_TRUE(searched) << searched.status().message();
  ASSERT_EQ(m.value().graph.ops.size(), searched.value().ops.size());
  for (size_t i = 0; i < searched.value().ops.size(); ++i) {
    const Graph& a = m.value().graph;
    const Graph& b = searched.value();
    EXPECT_EQ(a.tensor(a.ops[i].outputs[0]).shape, b.tensor(b.ops[i].outputs[0]).shape) << "op " << i;
  }
  EXPECT_GE(m.value().int8TestAccuracy, 0.0);
  EXPECT_LE(m.value().int8TestAccuracy, 1.0);
  fs::remove_all(o.outDir);
}

// A real kill (SIGKILL) of `tinyforge-train` after its first checkpoint, then a rerun.
TEST(Train, KilledTrainingResumesFromItsCheckpoint) {
  REQUIRE_DATA();
  const fs::path dir = freshDir("killed");
  const fs::path spec = fs::temp_directory_path() / ("tinyforge_kill_spec" + std::to_string(getpid()) + ".json");
  std::ofstream(spec) << archSpecToJson(tinyCnn()).dump();
  const std::vector<std::string> args = {TINYFORGE_TRAIN, spec.string(), "--out", dir.string(), "--epochs", "6",
                                         "--subset", "1500", "--qat-epochs", "0", "--json"};
  auto start = [&] {
    const pid_t pid = fork();
    if (pid == 0) {
      std::vector<char*> argv;
      for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      freopen("/dev/null", "w", stderr);
      freopen((dir.string() + ".out").c_str(), "w", stdout);
      execv(argv[0], argv.data());
      _exit(127);
    }
    return pid;
  };
  const pid_t first = start();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(5);
  while (!fs::exists(dir / "checkpoint.pt") && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(fs::exists(dir / "checkpoint.pt"));
  kill(first, SIGKILL);
  int status = 0;
  waitpid(first, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the first run ended before it could be killed";
  EXPECT_FALSE(fs::exists(dir / "report.json"));
  const pid_t second = start();
  waitpid(second, &status, 0);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  std::ifstream out(dir.string() + ".out");
  const nlohmann::json report = nlohmann::json::parse(out);
  EXPECT_GE(report["resumed_from_epoch"].get<int>(), 1);
  EXPECT_LT(report["resumed_from_epoch"].get<int>(), 6);
  EXPECT_EQ(report["epochs"], 6);
  fs::remove_all(dir);
  fs::remove(spec);
  fs::remove(dir.string() + ".out");
}

// Without --preset, the searches take the project's "search": {"preset"}: a bad one is named.
TEST(SearchCommands, PresetComesFromTheProjectWhenNotGiven) {
  const fs::path dir = freshDir("preset");
  fs::create_directories(dir);
  auto run = [&](const std::string& command, const nlohmann::json& search, const std::string& extra) {
    const fs::path project = dir / "p.json";
    std::ofstream(project) << nlohmann::json{{"device", "stm32f746"}, {"search", search}}.dump();
    const std::string line = std::string(TINYFORGE_TRAIN) + " " + command + " --project " + project.string() +
                             " --out " + (dir / "run").string() + " " + extra + " 2>&1";
    FILE* pipe = popen(line.c_str(), "r");
    std::string output;
    char buffer[256];
    while (pipe && fgets(buffer, sizeof buffer, pipe)) output += buffer;
    const int status = pipe ? pclose(pipe) : -1;
    return std::make_pair(WIFEXITED(status) ? WEXITSTATUS(status) : -1, output);
  };
  for (const std::string command : {"--search", "--sparse-search"}) {
    auto [code, output] = run(command, {{"preset", "bogus"}}, "");
    EXPECT_EQ(code, 2) << command << ": " << output;
    EXPECT_NE(output.find("unknown preset 'bogus'"), std::string::npos) << command << ": " << output;
    std::tie(code, output) = run(command, {{"preset", 3}}, "");
    EXPECT_EQ(code, 2) << command << ": " << output;
    EXPECT_NE(output.find("\"preset\" is not a string"), std::string::npos) << command << ": " << output;
    std::tie(code, output) = run(command, {{"preset", "quick"}}, "--preset other");
    EXPECT_EQ(code, 2) << command << ": " << output;
    EXPECT_NE(output.find("unknown preset 'other'"), std::string::npos) << command << ": " << output;
  }
  // SpArSe's objectives are the project's to select; a wrong name is an error before any training.
  auto [code, output] = run("--sparse-search", {{"size_objective", "bytes"}}, "");
  EXPECT_EQ(code, 1) << output;
  EXPECT_NE(output.find("size_objective\" must be"), std::string::npos) << output;
  std::tie(code, output) = run("--sparse-search", {{"memory_objective", "peak"}}, "");
  EXPECT_EQ(code, 1) << output;
  EXPECT_NE(output.find("memory_objective\" must be"), std::string::npos) << output;
  std::tie(code, output) = run("--sparse-search", {{"objectives", {"size", "memory"}}}, "");
  EXPECT_EQ(code, 1) << output;
  EXPECT_NE(output.find("must include \"error\""), std::string::npos) << output;
  std::tie(code, output) = run("--sparse-search", {{"objectives", {"error", "latency"}}}, "");
  EXPECT_EQ(code, 1) << output;
  EXPECT_NE(output.find("not \"latency\""), std::string::npos) << output;
  fs::remove_all(dir);
}

// The project's "search" keys reach the TinyNAS options; 0 or absent keeps the preset's value.
TEST(SearchCommands, ProjectKeysOverrideTheTinyNasPreset) {
  const Result<TinyNasOptions> preset = tinyNasPreset("full");
  ASSERT_TRUE(preset) << preset.status().message();
  const nlohmann::json project = {{"device", "stm32f746"},
                                  {"search",
                                   {{"sram_bytes", 65536},
                                    {"flash_bytes", 64000},
                                    {"macs", 30000000},
                                    {"planner", "patch"},
                                    {"dataset", "mnist:/data"},
                                    {"train_images", 5000},
                                    {"epochs", 3},
                                    {"population", 40},
                                    {"generations", 0},
                                    {"candidates", 1136},
                                    {"retrain_epochs", 20},
                                    {"verify", false},
                                    {"stem_stride", 1},
                                    {"stage_strides", {2, 2, 1, 1}}}}};
  TinyNasOptions o = preset.value();
  std::string dataset = "fashion-mnist";
  ASSERT_TRUE(tool::applySearchProject(project, &o, &dataset));
  EXPECT_EQ(o.constraints.budget.sramBytes, 65536);
  EXPECT_EQ(o.constraints.budget.flashBytes, 64000);
  EXPECT_EQ(o.constraints.maxMacs, 30000000);
  EXPECT_EQ(o.constraints.budget.planner, "patch");
  EXPECT_EQ(dataset, "mnist:/data");
  EXPECT_EQ(o.trainImages, 5000u);
  EXPECT_EQ(o.supernet.train.epochs, 3);
  EXPECT_EQ(o.evolution.population, 40);
  EXPECT_EQ(o.evolution.generations, preset.value().evolution.generations);  // 0: the preset's
  EXPECT_EQ(o.evolution.maxMeasured, 1136);
  EXPECT_EQ(o.retrainEpochs, 20);
  EXPECT_FALSE(o.verify);
  EXPECT_EQ(o.stemStride, 1);
  EXPECT_EQ(o.stageStrides, (std::vector<int32_t>{2, 2, 1, 1}));

  TinyNasOptions d = preset.value();
  ASSERT_TRUE(tool::applySearchProject(nlohmann::json{{"device", "stm32f746"}}, &d, &dataset));
  EXPECT_EQ(d.evolution.maxMeasured, preset.value().evolution.maxMeasured);
  EXPECT_EQ(d.evolution.population, preset.value().evolution.population);
  EXPECT_EQ(d.retrainEpochs, preset.value().retrainEpochs);

  const Status bad = tool::applySearchProject({{"search", {{"candidates", "many"}}}}, &d, &dataset);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.message().find("\"search\""), std::string::npos) << bad.message();
}

}  // namespace
}  // namespace tinyforge
