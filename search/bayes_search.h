// SpArSe's multi-objective Bayesian optimisation over SparseArch (propose/observe). Objectives,
// all minimised: validation error, model size (flash bytes or non-zero parameters) and working
// memory (SpArSe's definition or the engine's best plan), normalised by the budgets.
//
// Acquisition, per iteration (ParEGO-style random scalarisation, as SpArSe): draw weights from
// the simplex; only the error is uncertain (size and memory are exact functions of a point), so
// one Gaussian process models the error; each candidate's expected improvement of the
// augmented Chebyshev scalarisation (of the objectives normalised to the ranges observed so far,
// as ParEGO does, so that the weights mean the same whatever the budgets) is estimated from
// posterior samples of its error; the best candidate of a pool (random samples and morphs of the
// current front) is trained next. This spends the expensive training where the front can still
// move, and costs milliseconds.
//
//   BayesianSparseSearch bo(space, options);
//   for (int i = 0; i < n; ++i) { SparseArch a = bo.propose(); bo.observe(a, trainAndMeasure(a)); }
//   bo.front(); bo.hypervolumes();
#pragma once
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/status.h"
#include "search/gaussian_process.h"
#include "search/pareto.h"
#include "search/sparse_space.h"

namespace tinyforge {

struct BayesOptions {
  int initialRandom = 5;         // random points before the surrogate is used
  int randomPool = 300;          // candidates per iteration: random samples ...
  int morphsPerFrontPoint = 20;  // ... and morphs of each front point
  int posteriorSamples = 32;
  bool randomOnly = false;       // the random-search baseline
  // Propose only points whose size and memory fit the budgets (the reference point of the
  // hypervolume): one that does not cannot move the front, and training it is wasted. Random
  // search samples under the same rule.
  bool withinBudgets = true;
  std::string sizeObjective = "flash";     // or "nonzero"
  std::string memoryObjective = "sparse";  // or "best" (the engine's plan)
  double sizeScale = 64 * 1024, memoryScale = 64 * 1024;  // objective units: runSparseSearch sets the budgets
  // Which objectives the search optimises (the error always). One left out stays a budget and is
  // still reported for every point, but no longer shapes the scalarization, the hypervolume or
  // the front: a user who only needs the model to fit in 2 KB does not want the search to spend
  // its points on trading accuracy for memory below that.
  bool optimiseSize = true, optimiseMemory = true;
  uint64_t seed = 1;
};

// Reads a project's "search" keys for the objectives into `o`: "objectives" (the error plus any of
// "size" and "memory"), "size_objective" (flash or nonzero), "memory_objective" (sparse or best).
// Absent keys leave `o` as it is; a wrong value is an error naming the key. tinyforge-cli
// sparse-search and the studio's project file both use it.
Status applyObjectiveKeys(const nlohmann::json& search, BayesOptions* o);

struct SparseCandidate {
  SparseArch arch;
  SparseCost cost;
  double validationAccuracy = -1;
  Objectives objectives;  // error, size / sizeScale, memory / memoryScale
  int iteration = 0;
  std::string source;     // "random", "bayes"
};

// Size and memory (in units of the budgets) within the budgets: the hypervolume's reference box.
inline bool fitsBudgets(const Objectives& f) { return f[1] <= 1.0 && f[2] <= 1.0; }

class BayesianSparseSearch {
 public:
  BayesianSparseSearch(SparseSpace space, BayesOptions options);
  SparseArch propose();
  void observe(const SparseArch& arch, double validationAccuracy);

  const std::vector<SparseCandidate>& history() const { return m_history; }
  std::vector<size_t> front() const;             // indices into history(), of the searched objectives
  const std::vector<double>& hypervolumes() const { return m_hypervolumes; }  // after each observe, searched
  Objectives objectivesOf(const SparseArch& arch, double validationAccuracy) const;
  // The objectives as searched: those not optimised are 0 (see BayesOptions::optimiseSize).
  Objectives searched(const Objectives& all) const;

 private:
  double acquisition(const GaussianProcess& gp, const SparseArch& a, const std::vector<double>& w,
                     const ObjectiveRanges& ranges, double best);
  bool withinBudgets(const SparseArch& a) const;
  SparseArch sample();  // random, within the budgets when asked (up to kMaxSampleTries draws)
  static constexpr int kMaxSampleTries = 10000;

  SparseSpace m_space;
  BayesOptions m_options;
  std::mt19937_64 m_rng;
  std::vector<SparseCandidate> m_history;
  std::vector<double> m_hypervolumes;
  std::string m_nextSource = "random";
};

nlohmann::json sparseCandidateToJson(const SparseCandidate& c);

}  // namespace tinyforge
