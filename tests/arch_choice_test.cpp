// TinyNAS choices: sampling stays in the space, the spec follows the choice, mutation and
// crossover only recombine allowed values, JSON round trip, keys name the active network.
#include "search/arch_choice.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "search/dataset.h"

namespace tinyforge {
namespace {

SearchSpace space() { return mcunetSpace(28, 28, 1, 10); }

bool inSpace(const SearchSpace& s, const ArchChoice& c) {
  auto has = [](const std::vector<int32_t>& v, int32_t x) { return std::find(v.begin(), v.end(), x) != v.end(); };
  if (c.depths.size() != s.stages.size()) return false;
  for (size_t i = 0; i < c.depths.size(); ++i) {
    if (!has(s.depths, c.depths[i]) || c.blocks[i].size() != size_t(maxDepth(s))) return false;
    for (const BlockChoice& b : c.blocks[i]) {
      if (!has(s.kernels, b.kernel) || !has(s.expands, b.expand)) return false;
    }
  }
  return true;
}

TEST(ArchChoice, SamplesMutationsAndCrossoversStayInTheSpace) {
  const SearchSpace s = space();
  std::mt19937_64 rng(3);
  for (int i = 0; i < 200; ++i) {
    const ArchChoice a = sampleChoice(s, 0.5, 24, &rng), b = sampleChoice(s, 0.5, 24, &rng);
    EXPECT_TRUE(inSpace(s, a));
    const ArchChoice m = mutateChoice(s, a, 0.3, &rng);
    const ArchChoice x = crossoverChoice(a, b, &rng);
    EXPECT_TRUE(inSpace(s, m));
    EXPECT_TRUE(inSpace(s, x));
    for (size_t st = 0; st < x.depths.size(); ++st) {
      EXPECT_TRUE(x.depths[st] == a.depths[st] || x.depths[st] == b.depths[st]);
    }
    EXPECT_TRUE(validateArchSpec(choiceToSpec(s, m)));
  }
  EXPECT_EQ(mutateChoice(s, sampleChoice(s, 0.5, 24, &rng), 0.0, &rng).depths.size(), s.stages.size());
  const ArchChoice a = sampleChoice(s, 0.5, 24, &rng);
  EXPECT_EQ(mutateChoice(s, a, 0.0, &rng), a);  // probability 0: unchanged
}

TEST(ArchChoice, SpecFollowsTheChoice) {
  const SearchSpace s = space();
  const ArchChoice big = largestChoice(s, 0.5, 20), small = smallestChoice(s, 0.5, 20);
  const ArchSpec bs = choiceToSpec(s, big), ss = choiceToSpec(s, small);
  EXPECT_EQ(bs.inputH, 20);
  int32_t blocks = 0;
  for (int32_t d : big.depths) blocks += d;
  EXPECT_EQ(int32_t(bs.layers.size()), 2 + blocks + 2);  // stem, first block, stages, pool, fc
  EXPECT_GT(archCost(bs).macs, archCost(ss).macs);
  EXPECT_EQ(bs.layers[2].kernel, 7);
  EXPECT_EQ(ss.layers[2].expand, 3);
}

TEST(ArchChoice, JsonRoundTripAndKeys) {
  const SearchSpace s = space();
  std::mt19937_64 rng(5);
  ArchChoice c = sampleChoice(s, 0.75, 28, &rng);
  Result<ArchChoice> back = choiceFromJson(s, choiceToJson(c));
  ASSERT_TRUE(back) << back.status().message();
  EXPECT_EQ(back.value(), c);
  // Inactive slots do not change the network, nor its key.
  ArchChoice d = c;
  d.depths[0] = 2;
  c.depths[0] = 2;
  d.blocks[0][3] = {7, 6};
  c.blocks[0][3] = {3, 3};
  EXPECT_EQ(choiceKey(c), choiceKey(d));
  d.blocks[0][0].kernel = d.blocks[0][0].kernel == 3 ? 5 : 3;
  EXPECT_NE(choiceKey(c), choiceKey(d));
  nlohmann::json bad = choiceToJson(c);
  bad["stages"][1]["blocks"][0] = {9, 3};
  EXPECT_NE(choiceFromJson(s, bad).status().message().find("outside the space"), std::string::npos);
}

TEST(Dataset, ResizeKeepsLabelsAndAverages) {
  Dataset d;
  d.height = d.width = 4;
  d.channels = 1;
  d.classes = 2;
  d.labels = {1};
  d.images = {0, 0, 255, 255, 0, 0, 255, 255, 0, 0, 255, 255, 0, 0, 255, 255};
  const Dataset r = resizeDataset(d, 2, 2);
  EXPECT_EQ(r.imageBytes(), 4u);
  EXPECT_EQ(r.labels, d.labels);
  EXPECT_EQ(r.images, (std::vector<uint8_t>{0, 255, 0, 255}));
  EXPECT_EQ(resizeDataset(d, 4, 4).images, d.images);
}

}  // namespace
}  // namespace tinyforge
