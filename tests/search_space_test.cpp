// TinyNAS stage 1 on the Fashion-MNIST MCUNet space: sampled networks are valid and plannable,
// budgets decide what fits, and the report picks the pair with the largest mean MACs.
#include <gtest/gtest.h>

#include "search/search_space.h"

namespace tinyforge {
namespace {

TEST(SearchSpace, LayoutForFashionMnist) {
  const SearchSpace s = mcunetSpace(28, 28, 1, 10);
  EXPECT_EQ(s.stages.size(), 4u);  // four narrow stages for small images
  EXPECT_EQ(mcunetSpace(224, 224, 3, 1000).stages.size(), 6u);  // MCUNet's six
  EXPECT_EQ(s.resolutions, (std::vector<int32_t>{16, 20, 24, 28}));
  EXPECT_EQ(makeDivisible(16 * 0.35), 8);
  EXPECT_EQ(makeDivisible(160 * 0.75), 120);
  EXPECT_EQ(makeDivisible(24 * 1.0), 24);
}

// A project's layout: a full-resolution stem that ends at 7x7 on 28x28, in the networks' specs and
// in the engine's graphs; strides other than 1 or 2, or a list of the wrong length, are refused.
TEST(SearchSpace, ProjectLayoutSetsTheStemAndStageStrides) {
  SearchSpace s = mcunetSpace(28, 28, 1, 10);
  EXPECT_EQ(s.stemStride, 2);
  ASSERT_TRUE(setSpaceLayout(&s, 1, {2, 2, 1, 1}).isOk());
  EXPECT_EQ(s.stemStride, 1);
  EXPECT_EQ(searchSpaceToJson(s)["stem_stride"], 1);
  EXPECT_EQ(searchSpaceToJson(s)["stages"][1]["stride"], 2);
  std::mt19937_64 rng(5);
  const ArchSpec a = sampleArch(s, 0.35, 28, &rng);
  EXPECT_EQ(a.layers.front().stride, 1);
  Result<Graph> g = archToGraph(a);
  ASSERT_TRUE(g.ok()) << g.error();
  bool sawFullResolution = false;
  for (const Tensor& t : g.value().tensors) {
    if (t.isConstant || t.shape.size() != 4) continue;
    sawFullResolution = sawFullResolution || (t.shape[1] == 28 && t.shape[3] == 8);  // the stem's output
  }
  EXPECT_TRUE(sawFullResolution);
  int32_t strides = 0;
  for (const LayerSpec& l : a.layers) strides += l.stride == 2;
  EXPECT_EQ(strides, 2);  // 28 -> 14 -> 7
  // 0 and an empty list keep what is there.
  ASSERT_TRUE(setSpaceLayout(&s, 0, {}).isOk());
  EXPECT_EQ(s.stemStride, 1);
  const Status three = setSpaceLayout(&s, 3, {});
  EXPECT_FALSE(three.isOk());
  EXPECT_NE(three.message().find("stem_stride must be 1 or 2"), std::string::npos) << three.message();
  const Status shortList = setSpaceLayout(&s, 1, {2, 2});
  EXPECT_NE(shortList.message().find("needs 4 strides"), std::string::npos) << shortList.message();
  EXPECT_FALSE(setSpaceLayout(&s, 1, {2, 2, 1, 4}).isOk());
  EXPECT_EQ(s.stages[0].stride, 2);  // a refused layout changes nothing
}

TEST(SearchSpace, SampledNetworksAreValidAndCostedByTheEngine) {
  const SearchSpace s = mcunetSpace(28, 28, 1, 10);
  std::mt19937_64 rng(3);
  DeviceBudget budget{320 * 1024, 1024 * 1024, 4096, "best"};
  for (int i = 0; i < 50; ++i) {
    const ArchSpec a = sampleArch(s, s.widths[size_t(i) % s.widths.size()], s.resolutions[size_t(i) % 4], &rng);
    ASSERT_TRUE(validateArchSpec(a).isOk()) << validateArchSpec(a).message();
    Result<CandidateCost> c = evaluateArch(a, budget);
    ASSERT_TRUE(c.ok()) << c.error();
    EXPECT_EQ(c.value().macs, archCost(a).macs);
    EXPECT_GT(c.value().peakBytes, 0);
    EXPECT_EQ(c.value().fits, c.value().peakBytes + 4096 <= budget.sramBytes && c.value().flashBytes <= budget.flashBytes);
  }
}

TEST(SearchSpace, StageOneReportsFitFractionsAndChoosesLargestMeanMacs) {
  SearchSpace s = mcunetSpace(28, 28, 1, 10);
  s.widths = {0.35, 1.0};
  s.resolutions = {16, 28};
  const DeviceBudget tight{96 * 1024, 160 * 1024, 4096, "best"};
  std::atomic<bool> cancel{false};
  int calls = 0;
  const SpaceReport r = optimizeSpace(s, tight, {40, 5}, [&](int32_t, int32_t) { ++calls; }, &cancel);
  ASSERT_EQ(r.pairs.size(), 4u);
  EXPECT_EQ(calls, 4);
  EXPECT_EQ(r.evaluations, 160);
  for (const PairReport& p : r.pairs) {
    EXPECT_EQ(p.sampled, 40);
    EXPECT_TRUE(std::is_sorted(p.macsSorted.begin(), p.macsSorted.end()));
    EXPECT_EQ(int32_t(p.macsSorted.size()), p.fitting);
  }
  // Wider networks fit less often under a tight flash budget.
  EXPECT_GE(r.pairs[0].fitting, r.pairs[3].fitting);
  ASSERT_GE(r.best, 0);
  for (const PairReport& p : r.pairs) EXPECT_LE(p.meanMacs, r.pairs[size_t(r.best)].meanMacs);
  // Nothing fits a 1 KB device.
  const SpaceReport none = optimizeSpace(s, {1024, 1024, 0, "best"}, {5, 1});
  EXPECT_EQ(none.best, -1);
  // Cancelled before the first pair: nothing measured.
  cancel = true;
  EXPECT_TRUE(optimizeSpace(s, tight, {5, 1}, {}, &cancel).pairs.empty());
}

}  // namespace
}  // namespace tinyforge
