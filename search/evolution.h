// TinyNAS stage 3: constrained evolutionary search over ArchChoices (Once-for-All's scheme).
// A strategy with propose()/observe(): propose() returns feasible candidates to measure (every
// candidate's peak SRAM, flash, MACs and latency are checked with the engine first; infeasible
// ones go to the history unmeasured), observe() takes their accuracies.
//
//   EvolutionSearch evo(space, 0.5, 24, constraints, options, latencyFn);
//   while (!evo.done()) { auto batch = evo.propose(); for (auto& c : batch) c.accuracy = measure(c);
//                         evo.observe(batch); }
//   const Candidate* best = evo.best();
#pragma once
#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "search/arch_choice.h"
#include "search/search_space.h"

namespace tinyforge {

struct SearchConstraints {
  DeviceBudget budget;               // SRAM (arena + stack), flash, planner
  int64_t maxMacs = 0;               // 0: no limit
  int64_t maxInstructions = 0;       // predicted latency limit; 0: no limit
};

struct EvolutionOptions {  // Once-for-All's defaults, generations scaled to our budget
  int population = 100;
  double parentRatio = 0.25;
  double mutationRatio = 0.5;     // share of each new generation made by mutation (rest: crossover)
  double mutateProbability = 0.1;
  int generations = 20;
  uint64_t seed = 1;
  int maxTries = 2000;            // samples per feasible candidate before giving up
  bool randomOnly = false;        // the random-search baseline: every generation freshly sampled
  // > 0: stop once this many candidates have been measured (the last generation cut short), so
  // that random search gets exactly the evaluations an evolution made.
  int64_t maxMeasured = 0;
};

struct Candidate {
  ArchChoice choice;
  CandidateCost cost;
  int64_t instructions = 0;  // predicted (0 without a latency model)
  bool feasible = false;
  std::string violation;     // why not, for infeasible ones: "peak SRAM 70,144 B > 64,000 B"
  double accuracy = -1;      // validation accuracy with inherited weights; -1: not measured
  int generation = 0;
};

using LatencyFunction = std::function<int64_t(const ArchSpec&)>;

// The engine's verdict on one choice.
Candidate checkCandidate(const SearchSpace& space, const ArchChoice& choice, const SearchConstraints& constraints,
                         const LatencyFunction& latency);

class EvolutionSearch {
 public:
  EvolutionSearch(SearchSpace space, double width, int32_t resolution, SearchConstraints constraints,
                  EvolutionOptions options, LatencyFunction latency = {});

  std::vector<Candidate> propose();                  // empty when done or nothing feasible
  void observe(const std::vector<Candidate>& measured);
  bool done() const {
    return m_generation >= m_options.generations ||
           (m_options.maxMeasured > 0 && m_measured >= m_options.maxMeasured);
  }
  int64_t measured() const { return m_measured; }  // candidates observed so far
  int generation() const { return m_generation; }
  const std::vector<Candidate>& history() const { return m_history; }  // every candidate, in order
  const Candidate* best() const;                     // highest measured accuracy

 private:
  Candidate feasible(const std::function<ArchChoice()>& make);
  std::vector<Candidate> firstGeneration();
  std::vector<Candidate> nextGeneration();

  SearchSpace m_space;
  double m_width;
  int32_t m_resolution;
  SearchConstraints m_constraints;
  EvolutionOptions m_options;
  LatencyFunction m_latency;
  std::mt19937_64 m_rng;
  int m_generation = 0;
  int64_t m_measured = 0;
  std::vector<Candidate> m_population;  // measured, best first
  std::vector<Candidate> m_history;
};

nlohmann::json candidateToJson(const Candidate& c);

}  // namespace tinyforge
