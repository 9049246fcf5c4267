// The SpArSe space and its Bayesian search on a synthetic accuracy (no training): points are
// valid, costs follow the pruning settings, hypervolume never drops, the front is
// non-dominated.
#include <gtest/gtest.h>

#include "search/bayes_search.h"

namespace tinyforge {
namespace {

TEST(SparseSpace, SamplesMorphsAndCosts) {
  const SparseSpace s;
  std::mt19937_64 rng(1);
  const size_t features = encodeSparseArch(s, sampleSparseArch(s, &rng)).size();
  for (int i = 0; i < 100; ++i) {
    const SparseArch a = sampleSparseArch(s, &rng);
    EXPECT_TRUE(validateArchSpec(prunedSpec(s, a)));
    const SparseArch m = morphSparseArch(s, a, &rng);
    EXPECT_FALSE(m == a);
    EXPECT_TRUE(validateArchSpec(prunedSpec(s, m)));
    EXPECT_EQ(encodeSparseArch(s, m).size(), features);
    for (double f : encodeSparseArch(s, m)) {
      EXPECT_GE(f, 0.0);
      EXPECT_LE(f, 1.0);
    }
    const SparseCost c = sparseCost(s, a);
    EXPECT_TRUE(c.valid);
    EXPECT_LE(c.nonZeroParams, c.params);
    EXPECT_GT(c.workingMemory, 0);
  }
  // Pruning settings move the costs the right way.
  SparseArch a;
  a.blocks = {{SparseBlockType::kConv, 16, 3, true, 0.0, 1.0}, {SparseBlockType::kDownsampledConv, 32, 3, false, 0.0, 1.0}};
  a.hiddenUnits = 32;
  const SparseCost dense = sparseCost(s, a);
  SparseArch sparse = a;
  sparse.fcSparsity = 0.9;
  EXPECT_LT(sparseCost(s, sparse).nonZeroParams, dense.nonZeroParams);
  EXPECT_LT(sparseCost(s, sparse).flashBytes, dense.flashBytes);  // the FC layers are stored sparsely
  SparseArch slim = a;
  slim.blocks[1].keepRatio = 0.5;
  EXPECT_LT(sparseCost(s, slim).params, dense.params);
  EXPECT_EQ(prunedSpec(s, slim).layers[2].out, 16);
  EXPECT_EQ(sparseKeepRatios(s, slim).at(2), 0.5);  // conv, pool, then the second conv
  // SpArSe's working memory: max over layers of input + output bytes.
  EXPECT_EQ(dense.workingMemory, 28 * 28 * 16 + 14 * 14 * 16);  // the pooling layer
}

// A space whose convolutions stay dense (the flash objective: convolutions are stored dense)
// samples and morphs only dense blocks, and still prunes the fully connected layers.
TEST(SparseSpace, DenseConvolutionsWhenAsked) {
  SparseSpace s;
  s.convSparsities = {0.0};
  std::mt19937_64 rng(7);
  bool sparseFc = false;
  for (int i = 0; i < 200; ++i) {
    SparseArch a = sampleSparseArch(s, &rng);
    a = morphSparseArch(s, a, &rng);
    for (const SparseBlock& b : a.blocks) EXPECT_EQ(b.sparsity, 0.0);
    sparseFc = sparseFc || a.fcSparsity > 0;
  }
  EXPECT_TRUE(sparseFc);
}

TEST(BayesianSparseSearch, RunsOnASyntheticAccuracy) {
  const SparseSpace s;
  BayesOptions o;
  o.randomPool = 60;
  o.morphsPerFrontPoint = 5;
  BayesianSparseSearch bo(s, o);
  // Accuracy grows with non-zero parameters and saturates: a trade-off with size.
  auto accuracy = [&](const SparseArch& a) {
    return 0.5 + 0.4 * std::min(1.0, double(sparseCost(s, a).nonZeroParams) / 20000.0);
  };
  for (int i = 0; i < 14; ++i) {
    const SparseArch a = bo.propose();
    bo.observe(a, accuracy(a));
  }
  ASSERT_EQ(bo.hypervolumes().size(), 14u);
  for (size_t i = 1; i < bo.hypervolumes().size(); ++i) EXPECT_GE(bo.hypervolumes()[i], bo.hypervolumes()[i - 1]);
  EXPECT_EQ(bo.history()[13].source, "bayes");
  const std::vector<size_t> front = bo.front();
  ASSERT_FALSE(front.empty());
  for (size_t i : front) {
    for (const SparseCandidate& c : bo.history()) EXPECT_FALSE(dominates(c.objectives, bo.history()[i].objectives));
  }
  EXPECT_TRUE(sparseCandidateToJson(bo.history()[0]).contains("working_memory_bytes"));
}

// The proposals do not depend on the objectives' units: scaling the size and memory objectives by
// a power of two (exact in floating point) leaves every proposal the same, because the
// scalarization works on the ranges observed (ParEGO). Unnormalised, the weights would mean
// something else under every budget.
TEST(BayesianSparseSearch, ProposalsDoNotDependOnTheObjectivesUnits) {
  const SparseSpace s;
  auto run = [&](double scale) {
    BayesOptions o;
    o.randomPool = 40;
    o.morphsPerFrontPoint = 5;
    o.initialRandom = 4;
    o.withinBudgets = false;
    o.sizeScale = o.memoryScale = scale;
    BayesianSparseSearch bo(s, o);
    std::vector<std::string> proposed;
    for (int i = 0; i < 10; ++i) {
      const SparseArch a = bo.propose();
      proposed.push_back(sparseArchToJson(a).dump());
      bo.observe(a, 0.5 + 0.4 * std::min(1.0, double(sparseCost(s, a).nonZeroParams) / 20000.0));
    }
    return proposed;
  };
  EXPECT_EQ(run(64 * 1024), run(1024 * 1024));
}

// Objectives left out of the search stay reported but no longer shape the front or the
// hypervolume: with error and memory only, the front is the 2-D front of (error, memory).
TEST(BayesianSparseSearch, OptimisesOnlyTheSelectedObjectives) {
  const SparseSpace s;
  BayesOptions o;
  o.randomPool = 30;
  o.morphsPerFrontPoint = 3;
  o.initialRandom = 4;
  o.optimiseSize = false;
  BayesianSparseSearch bo(s, o);
  for (int i = 0; i < 8; ++i) {
    const SparseArch a = bo.propose();
    bo.observe(a, 0.5 + 0.4 * std::min(1.0, double(sparseCost(s, a).nonZeroParams) / 20000.0));
  }
  std::vector<Objectives> twoD;
  for (const SparseCandidate& c : bo.history()) {
    EXPECT_GT(c.objectives[1], 0.0);  // the size is still reported
    twoD.push_back({c.objectives[0], c.objectives[2]});
  }
  EXPECT_EQ(bo.front(), paretoFront(twoD));
  EXPECT_NEAR(bo.hypervolumes().back(), hypervolume(twoD, {1, 1}), 1e-12);
}

// Under small budgets (2 KB of working memory, 32 KB of flash) every proposal fits, from random
// sampling and from the surrogate alike; a point outside could not move the front.
TEST(BayesianSparseSearch, ProposesOnlyPointsWithinTheBudgets) {
  const SparseSpace s;
  for (const bool randomOnly : {false, true}) {
    BayesOptions o;
    o.randomOnly = randomOnly;
    o.randomPool = 40;
    o.morphsPerFrontPoint = 5;
    o.initialRandom = 3;
    o.memoryScale = 2048;
    o.sizeScale = 32768;
    BayesianSparseSearch bo(s, o);
    for (int i = 0; i < 6; ++i) {
      const SparseArch a = bo.propose();
      const SparseCost c = sparseCost(s, a);
      EXPECT_LE(c.workingMemory, 2048);
      EXPECT_LE(c.flashBytes, 32768);
      bo.observe(a, 0.5 + 0.01 * double(c.nonZeroParams % 37));
    }
  }
  // Without the rule the same sampler does propose points over 2 KB.
  BayesOptions free;
  free.randomOnly = true;
  free.withinBudgets = false;
  free.memoryScale = 2048;
  BayesianSparseSearch unconstrained(s, free);
  int over = 0;
  for (int i = 0; i < 20; ++i) over += sparseCost(s, unconstrained.propose()).workingMemory > 2048;
  EXPECT_GT(over, 0);
}


// The project's objective keys, read with one set of rules for the CLI and the studio.
TEST(BayesianSparseSearch, ObjectiveKeysFromTheProject) {
  BayesOptions o;
  ASSERT_TRUE(applyObjectiveKeys(nlohmann::json::object(), &o));
  EXPECT_TRUE(o.optimiseSize);
  EXPECT_TRUE(o.optimiseMemory);
  EXPECT_EQ(o.sizeObjective, "flash");
  ASSERT_TRUE(applyObjectiveKeys({{"objectives", {"memory", "error"}}, {"size_objective", "nonzero"},
                                  {"memory_objective", "best"}},
                                 &o));
  EXPECT_FALSE(o.optimiseSize);
  EXPECT_TRUE(o.optimiseMemory);
  EXPECT_EQ(o.sizeObjective, "nonzero");
  EXPECT_EQ(o.memoryObjective, "best");
  for (const nlohmann::json& bad : {nlohmann::json{{"objectives", {"size"}}}, nlohmann::json{{"objectives", "error"}},
                                    nlohmann::json{{"objectives", {"error", "latency"}}},
                                    nlohmann::json{{"size_objective", "bytes"}}, nlohmann::json{{"memory_objective", 3}}}) {
    BayesOptions b;
    const Status st = applyObjectiveKeys(bad, &b);
    EXPECT_FALSE(st) << bad.dump();
    EXPECT_FALSE(st.message().empty());
  }
}

}  // namespace
}  // namespace tinyforge
