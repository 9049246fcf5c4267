// The weight-sharing supernet: an extracted sub-network computes what the supernet computes
// with that setting, it converts to a valid int8 graph, elastic choices change the network, and
// supernet training resumes from its checkpoint after a cancel.
#include "search/supernet.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <optional>

#include "engine/validate.h"
#include "search/tinynas.h"

namespace tinyforge {
namespace {

// The first `trainImages` of the training split, and `testImages` from its image 50,000 on as a
// test set; nothing when Fashion-MNIST is not installed.
struct TrainTest {
  Dataset train, test;
};
std::optional<TrainTest> smallSplits(size_t trainImages, size_t testImages) {
  Result<Dataset> full = loadFashionMnist(DatasetSplit::kTrain);
  if (!full) return std::nullopt;
  TrainTest d{std::move(full).value(), {}};
  const Dataset& all = d.train;
  // Only the test range is copied, not the whole split.
  const auto from = std::ptrdiff_t(50000), to = std::ptrdiff_t(50000 + testImages);
  const auto bytes = std::ptrdiff_t(all.imageBytes());
  d.test = Dataset{all.height,
                   all.width,
                   all.channels,
                   all.classes,
                   {all.images.begin() + from * bytes, all.images.begin() + to * bytes},
                   {all.labels.begin() + from, all.labels.begin() + to}};
  d.train.images.resize(trainImages * d.train.imageBytes());
  d.train.labels.resize(trainImages);
  return d;
}

const Dataset* smallData() {
  static const Dataset* d = [] {
    std::optional<TrainTest> data = smallSplits(1200, 0);
    return data ? new Dataset(resizeDataset(data->train, 20, 20)) : nullptr;
  }();
  return d;
}

std::vector<uint32_t> range(uint32_t from, uint32_t to) {
  std::vector<uint32_t> v;
  for (uint32_t i = from; i < to; ++i) v.push_back(i);
  return v;
}

void expectExtractionMatches(const SearchSpace& space) {
  SCOPED_TRACE("stem stride " + std::to_string(space.stemStride));
  auto net = Supernet::create(space, 0.35, 20, 1);
  ASSERT_TRUE(net) << net.status().message();
  SupernetOptions o;
  o.train.epochs = 1;
  o.train.batchSize = 50;
  ASSERT_TRUE(net.value()->train(*smallData(), range(0, 300), o, {}, nullptr));
  std::mt19937_64 rng(9);
  const std::vector<uint32_t> calib = range(600, 900), probe = range(1000, 1032);
  for (const ArchChoice& c : {largestChoice(space, 0.35, 20), smallestChoice(space, 0.35, 20),
                              sampleChoice(space, 0.35, 20, &rng)}) {
    Result<FloatNet> f = net.value()->extract(c, *smallData(), calib);
    ASSERT_TRUE(f) << f.status().message();
    Result<std::vector<float>> a = net.value()->logits(c, *smallData(), calib, probe);
    Result<std::vector<float>> b = floatNetLogits(f.value(), *smallData(), probe);
    ASSERT_TRUE(a && b);
    ASSERT_EQ(a.value().size(), b.value().size());
    for (size_t i = 0; i < a.value().size(); ++i) {
      ASSERT_NEAR(a.value()[i], b.value()[i], 1e-3 * (1.0 + std::fabs(a.value()[i]))) << choiceKey(c) << " " << i;
    }
    Result<Graph> g = quantizeFloatNet(f.value());
    ASSERT_TRUE(g) << g.status().message();
    EXPECT_TRUE(validateGraph(g.value()));
  }
  // Elastic choices are different networks.
  Result<std::vector<float>> big = net.value()->logits(largestChoice(space, 0.35, 20), *smallData(), calib, probe);
  Result<std::vector<float>> small = net.value()->logits(smallestChoice(space, 0.35, 20), *smallData(), calib, probe);
  EXPECT_NE(big.value(), small.value());
  Result<double> acc = net.value()->evaluate(largestChoice(space, 0.35, 20), *smallData(), calib, range(1000, 1200));
  ASSERT_TRUE(acc);
  EXPECT_GE(acc.value(), 0.0);
}

// For the default layout and a project's (a stride-1 stem ending at 7x7).
TEST(Supernet, ExtractedSubnetworkComputesWhatTheSupernetComputes) {
  if (!smallData()) GTEST_SKIP() << "Fashion-MNIST not installed";
  expectExtractionMatches(mcunetSpace(28, 28, 1, 10));
  SearchSpace fullResolutionStem = mcunetSpace(28, 28, 1, 10);
  ASSERT_TRUE(setSpaceLayout(&fullResolutionStem, 1, {2, 2, 1, 1}).isOk());
  expectExtractionMatches(fullResolutionStem);
}

// A run's space is the dataset's layout with the options' strides; a bad layout is an error.
TEST(TinyNas, SpaceTakesTheProjectsLayout) {
  Dataset mnistShaped;
  mnistShaped.height = mnistShaped.width = 28;
  mnistShaped.channels = 1;
  TinyNasOptions o;
  Result<SearchSpace> plain = tinyNasSpace(mnistShaped, o);
  ASSERT_TRUE(plain) << plain.status().message();
  EXPECT_EQ(plain.value().stemStride, 2);
  o.stemStride = 1;
  o.stageStrides = {2, 2, 1, 1};
  Result<SearchSpace> full = tinyNasSpace(mnistShaped, o);
  ASSERT_TRUE(full) << full.status().message();
  EXPECT_EQ(full.value().stemStride, 1);
  EXPECT_EQ(full.value().stages[2].stride, 1);
  o.stageStrides = {2, 2, 1, 1, 1, 1};  // six strides for the four stages of a small input
  Result<SearchSpace> bad = tinyNasSpace(mnistShaped, o);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.status().message().find("stage_strides needs 4 strides"), std::string::npos) << bad.status().message();
}

TEST(Supernet, TrainingResumesAfterCancel) {
  if (!smallData()) GTEST_SKIP() << "Fashion-MNIST not installed";
  const SearchSpace space = mcunetSpace(28, 28, 1, 10);
  const auto dir = std::filesystem::temp_directory_path() / ("tinyforge_supernet_" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  SupernetOptions o;
  o.train.epochs = 2;
  o.train.batchSize = 50;
  o.train.checkpointPath = (dir / "supernet.pt").string();
  o.train.logEveryBatches = 1;
  std::atomic<bool> cancel{false};
  auto first = Supernet::create(space, 0.25, 20, 1).value();
  Result<int> r = first->train(*smallData(), range(0, 300), o, [&](const TrainProgress& p) {
    if (p.epoch == 2) cancel = true;  // in the second epoch
  }, &cancel);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.status().message(), "cancelled");
  auto second = Supernet::create(space, 0.25, 20, 1).value();
  Result<int> resumed = second->train(*smallData(), range(0, 300), o, {}, nullptr);
  ASSERT_TRUE(resumed) << resumed.status().message();
  EXPECT_EQ(resumed.value(), 1);
  std::filesystem::remove_all(dir);
}

// A small TinyNAS run without firmware; then a candidate of its history (not the winner) comes
// back as an int8 model with the supernet's weights, the structure of its spec, and an accuracy.
TEST(TinyNas, AnyCandidateOfARunBecomesAnInt8Model) {
  std::optional<TrainTest> data = smallSplits(1500, 200);
  if (!data) GTEST_SKIP() << "Fashion-MNIST not installed";
  const Dataset &train = data->train, &test = data->test;
  Result<TinyNasOptions> o = tinyNasPreset("quick");
  ASSERT_TRUE(o);
  o.value().outDir = (std::filesystem::temp_directory_path() / ("tinyforge_tinynas_" + std::to_string(getpid()))).string();
  o.value().stage1Samples = 20;
  o.value().trainImages = 400;
  o.value().supernet.train.epochs = 1;
  o.value().evolution.population = 4;
  o.value().evolution.generations = 1;
  o.value().calibrationImages = 100;
  o.value().validationImages = 100;
  o.value().finetuneEpochs = 0;
  o.value().retrainEpochs = 1;  // the winner trained from scratch with the `train` recipe
  o.value().verify = false;
  // No supernet yet: a clear error.
  const nlohmann::json none = {{"choice", choiceToJson(smallestChoice(mcunetSpace(28, 28, 1, 10), 0.35, 28))}};
  Result<TinyNasCandidateModel> early = tinyNasCandidateModel(train, test, o.value(), none, nullptr);
  ASSERT_FALSE(early);
  EXPECT_NE(early.status().message().find("supernet.pt"), std::string::npos) << early.status().message();
  Result<nlohmann::json> report = runTinyNas(train, test, o.value(), {}, nullptr);
  ASSERT_TRUE(report) << report.status().message();
  EXPECT_EQ(report.value()["finish"]["method"], "retrain");
  EXPECT_EQ(report.value()["finish"]["train_report"]["epochs"], 1);
  EXPECT_EQ(report.value()["finish"]["train_report"]["int8_test_accuracy"], report.value()["int8_test_accuracy"]);
  EXPECT_TRUE(std::filesystem::exists(std::filesystem::path(o.value().outDir) / "winner" / "checkpoint.pt"));
  std::ifstream hf(std::filesystem::path(o.value().outDir) / "history.json");
  const nlohmann::json history = nlohmann::json::parse(hf);
  ASSERT_TRUE(history.is_array());
  const SearchSpace space = mcunetSpace(28, 28, 1, 10);
  int checked = 0;
  for (const nlohmann::json& c : history) {
    if (!c["feasible"].get<bool>() || checked == 2) continue;
    Result<TinyNasCandidateModel> m = tinyNasCandidateModel(train, test, o.value(), c, nullptr);
    ASSERT_TRUE(m) << m.status().message();
    EXPECT_TRUE(validateGraph(m.value().graph));
    Result<Graph> shape = archToGraph(choiceToSpec(space, choiceFromJson(space, c["choice"]).value()));
    ASSERT_TRUE(shape);
    EXPECT_EQ(m.value().graph.ops.size(), shape.value().ops.size());
    EXPECT_GT(m.value().int8TestAccuracy, 0.0);
    EXPECT_LE(m.value().int8TestAccuracy, 1.0);
    ++checked;
  }
  EXPECT_EQ(checked, 2);
  // Any candidate trained from scratch with the `train` recipe, as the winner was: the network of
  // its choice, checkpointed in its own folder.
  const nlohmann::json& first =
      *std::find_if(history.begin(), history.end(),
                    [](const nlohmann::json& c) { return c["feasible"].get<bool>(); });
  const std::string candDir = (std::filesystem::path(o.value().outDir) / "candidate").string();
  Graph trained;
  Result<nlohmann::json> t =
      retrainTinyNasCandidate(train, test, o.value(), first, 1, candDir, {}, nullptr, &trained);
  ASSERT_TRUE(t) << t.status().message();
  EXPECT_EQ(t.value()["epochs"], 1);
  EXPECT_EQ(t.value()["spec"],
            archSpecToJson(choiceToSpec(space, choiceFromJson(space, first["choice"]).value())));
  EXPECT_TRUE(validateGraph(trained));
  EXPECT_TRUE(std::filesystem::exists(std::filesystem::path(candDir) / "checkpoint.pt"));
  EXPECT_FALSE(
      retrainTinyNasCandidate(train, test, o.value(), first, 0, candDir, {}, nullptr, nullptr));
  // Settings other than the run's (more epochs): the checkpoint is not this supernet's.
  TinyNasOptions other = o.value();
  other.supernet.train.epochs = 3;
  Result<TinyNasCandidateModel> wrong = tinyNasCandidateModel(train, test, other, history.back(), nullptr);
  EXPECT_FALSE(wrong);
  std::filesystem::remove_all(o.value().outDir);
}

// A search stopped during the evolution continues where it stopped: run again, it proposes the
// same candidates and takes the accuracies it measured before instead of measuring them again.
TEST(TinyNas, StoppedEvolutionContinuesWhereItStopped) {
  std::optional<TrainTest> data = smallSplits(1000, 100);
  if (!data) GTEST_SKIP() << "Fashion-MNIST not installed";
  const Dataset &train = data->train, &test = data->test;
  Result<TinyNasOptions> o = tinyNasPreset("quick");
  ASSERT_TRUE(o);
  const std::filesystem::path root =
      std::filesystem::temp_directory_path() / ("tinyforge_evoresume_" + std::to_string(getpid()));
  o.value().stage1Samples = 20;
  o.value().trainImages = 300;
  o.value().supernet.train.epochs = 1;
  o.value().evolution.population = 8;
  o.value().evolution.mutateProbability =
      0.5;  // children unlike their parents, every generation full
  o.value().evolution.generations = 3;
  o.value().calibrationImages = 100;
  o.value().validationImages = 100;
  o.value().finetuneEpochs = 0;
  o.value().verify = false;
  auto readHistory = [](const std::filesystem::path& dir) {
    std::ifstream f(dir / "history.json");
    return nlohmann::json::parse(f);
  };
  // Uninterrupted.
  TinyNasOptions a = o.value();
  a.outDir = (root / "a").string();
  ASSERT_TRUE(runTinyNas(train, test, a, {}, nullptr));
  const nlohmann::json whole = readHistory(a.outDir);
  ASSERT_EQ(whole.back()["generation"], 2);
  // The same supernet, stopped as the second generation starts.
  TinyNasOptions b = o.value();
  b.outDir = (root / "b").string();
  std::filesystem::create_directories(b.outDir);
  for (const char* f :
       {"supernet.pt", "supernet.pt.spec.json"}) {  // the checkpoint and its signature
    std::filesystem::copy_file(root / "a" / f, root / "b" / f);
  }
  std::atomic<bool> stop{false};
  int supernetBatches = 0;
  Result<nlohmann::json> stopped = runTinyNas(
      train, test, b,
      [&](const TrainProgress& p) {
        supernetBatches += p.stage == "supernet";
        if (p.stage == "evolution" && p.epoch == 2) stop = true;
      },
      &stop);
  ASSERT_FALSE(stopped);
  EXPECT_EQ(stopped.status().message(), "cancelled");
  EXPECT_EQ(supernetBatches, 0);  // the copied supernet was taken, not trained again
  // Mark what the first generation measured with values no measurement of 100 images gives, in
  // the same order (so the same parents survive): the resumed run must take these.
  constexpr double kMark = 1e-6;
  nlohmann::json partial = readHistory(b.outDir);
  int marked = 0;
  for (nlohmann::json& c : partial) {
    if (c["generation"] == 0 && c["accuracy"].get<double>() >= 0)
      c["accuracy"] = c["accuracy"].get<double>() + kMark, ++marked;
  }
  ASSERT_GT(marked, 0);
  std::ofstream(std::filesystem::path(b.outDir) / "history.json") << partial.dump();
  Result<nlohmann::json> report = runTinyNas(train, test, b, {}, nullptr);
  ASSERT_TRUE(report) << report.status().message();
  const nlohmann::json resumed = readHistory(b.outDir);
  EXPECT_EQ(report.value()["candidates_measured"].get<size_t>(),
            size_t(std::count_if(whole.begin(), whole.end(), [](const nlohmann::json& c) {
              return c["accuracy"].get<double>() >= 0;
            })));
  ASSERT_EQ(resumed.size(), whole.size());
  for (size_t i = 0; i < whole.size(); ++i) {
    EXPECT_EQ(resumed[i]["key"], whole[i]["key"]) << i;
    const double expected = whole[i]["accuracy"].get<double>();
    const bool replayed = resumed[i]["generation"] == 0 && expected >= 0;
    EXPECT_DOUBLE_EQ(resumed[i]["accuracy"].get<double>(), replayed ? expected + kMark : expected)
        << i;
  }
  std::filesystem::remove_all(root);
}

}  // namespace
}  // namespace tinyforge
