// TinyNAS evolution without training: constraint checks against the engine, feasible proposals
// only, the history keeps infeasible candidates apart, and the search climbs a known objective.
#include "search/evolution.h"

#include <gtest/gtest.h>

#include <numeric>

namespace tinyforge {
namespace {

SearchConstraints budget(int64_t sram, int64_t flash, int64_t macs = 0) {
  SearchConstraints k;
  k.budget.sramBytes = sram;
  k.budget.flashBytes = flash;
  k.maxMacs = macs;
  return k;
}

TEST(Evolution, ConstraintChecksNameTheLimit) {
  const SearchSpace s = mcunetSpace(28, 28, 1, 10);
  const ArchChoice big = largestChoice(s, 1.0, 28);
  const Candidate tight = checkCandidate(s, big, budget(16000, 10'000'000), {});
  EXPECT_FALSE(tight.feasible);
  EXPECT_NE(tight.violation.find("SRAM"), std::string::npos) << tight.violation;
  const Candidate flash = checkCandidate(s, big, budget(10'000'000, 20000), {});
  EXPECT_NE(flash.violation.find("flash"), std::string::npos) << flash.violation;
  const Candidate macs = checkCandidate(s, big, budget(10'000'000, 10'000'000, 1000), {});
  EXPECT_NE(macs.violation.find("MACs"), std::string::npos);
  SearchConstraints lat = budget(10'000'000, 10'000'000);
  lat.maxInstructions = 5;
  const Candidate slow = checkCandidate(s, big, lat, [](const ArchSpec& a) { return archCost(a).macs * 2; });
  EXPECT_NE(slow.violation.find("latency"), std::string::npos);
  EXPECT_TRUE(checkCandidate(s, smallestChoice(s, 0.25, 16), budget(64000, 64000), {}).feasible) << checkCandidate(s, smallestChoice(s, 0.25, 16), budget(64000, 64000), {}).violation;
}

TEST(Evolution, ProposesOnlyFeasibleCandidatesAndClimbs) {
  const SearchSpace s = mcunetSpace(28, 28, 1, 10);
  const SearchConstraints k = budget(64000, 64000, 30'000'000);
  EvolutionOptions o;
  o.population = 20;
  o.generations = 6;
  EvolutionSearch evo(s, 0.25, 24, k, o);
  double firstBest = -1, lastBest = -1;
  while (!evo.done()) {
    std::vector<Candidate> batch = evo.propose();
    ASSERT_FALSE(batch.empty());
    for (Candidate& c : batch) {
      ASSERT_TRUE(c.feasible);
      EXPECT_LE(c.cost.peakBytes + k.budget.stackBytes, 64000);
      EXPECT_LE(c.cost.flashBytes, 64000);
      // A known objective: more MACs is "more accurate" (as a proxy), within the budget.
      c.accuracy = double(c.cost.macs) / 30e6;
    }
    evo.observe(batch);
    if (firstBest < 0) firstBest = evo.best()->accuracy;
    lastBest = evo.best()->accuracy;
  }
  EXPECT_GE(lastBest, firstBest);
  size_t infeasible = 0, measured = 0;
  for (const Candidate& c : evo.history()) {
    infeasible += !c.feasible;
    measured += c.accuracy >= 0;
    if (!c.feasible) {
      EXPECT_FALSE(c.violation.empty());
      EXPECT_LT(c.accuracy, 0);
    }
  }
  EXPECT_GT(measured, 40u);
  const nlohmann::json j = candidateToJson(evo.history().back());
  EXPECT_TRUE(j.contains("peak_sram_bytes"));
}

TEST(Evolution, RandomSearchBaselineMeasuresAsManyCandidates) {
  const SearchSpace s = mcunetSpace(28, 28, 1, 10);
  EvolutionOptions o;
  o.population = 10;
  o.generations = 3;
  o.randomOnly = true;
  EvolutionSearch rnd(s, 0.25, 24, budget(64000, 64000), o);
  size_t measured = 0;
  while (!rnd.done()) {
    std::vector<Candidate> batch = rnd.propose();
    EXPECT_EQ(batch.size(), 10u);
    for (Candidate& c : batch) c.accuracy = 0.5;
    measured += batch.size();
    rnd.observe(batch);
  }
  EXPECT_EQ(measured, 30u);
}

// A budget of measured candidates cuts the last generation short, for evolution and random
// search alike, and ends the search there.
TEST(Evolution, StopsAtTheBudgetOfMeasuredCandidates) {
  const SearchSpace s = mcunetSpace(28, 28, 1, 10);
  for (const bool random : {false, true}) {
    SCOPED_TRACE(random ? "random" : "evolution");
    EvolutionOptions o;
    o.population = 10;
    o.generations = 20;
    o.mutateProbability = 0.5;
    o.randomOnly = random;
    o.maxMeasured = 37;
    EvolutionSearch evo(s, 0.25, 24, budget(64000, 64000), o);
    std::vector<size_t> sizes;
    while (!evo.done()) {
      std::vector<Candidate> batch = evo.propose();
      ASSERT_FALSE(batch.empty());
      for (Candidate& c : batch) c.accuracy = double(c.cost.macs) / 1e7;
      sizes.push_back(batch.size());
      evo.observe(batch);
    }
    EXPECT_EQ(evo.measured(), 37);
    EXPECT_EQ(sizes.back(), 37 - std::accumulate(sizes.begin(), sizes.end() - 1, size_t(0)));
    EXPECT_LT(evo.generation(), 20);
    EXPECT_TRUE(evo.propose().empty());
  }
}

}  // namespace
}  // namespace tinyforge
