#include "search/bayes_search.h"

#include <algorithm>
#include <cmath>
#include <set>

namespace tinyforge {

namespace {
const Objectives kReference = {1.0, 1.0, 1.0};  // error 100 %, the size and memory budgets
}

Status applyObjectiveKeys(const nlohmann::json& search, BayesOptions* o) {
  try {
    if (search.contains("objectives")) {
      const std::vector<std::string> names = search["objectives"].get<std::vector<std::string>>();
      for (const std::string& n : names) {
        if (n != "error" && n != "size" && n != "memory") {
          return Status::error("\"objectives\" takes \"error\", \"size\" and \"memory\", not \"" + n + "\"");
        }
      }
      auto has = [&](const char* n) { return std::find(names.begin(), names.end(), n) != names.end(); };
      if (!has("error")) return Status::error("\"objectives\" must include \"error\"");
      o->optimiseSize = has("size");
      o->optimiseMemory = has("memory");
    }
    o->sizeObjective = search.value("size_objective", o->sizeObjective);
    o->memoryObjective = search.value("memory_objective", o->memoryObjective);
  } catch (const std::exception& e) {
    return Status::error(e.what());
  }
  if (o->sizeObjective != "flash" && o->sizeObjective != "nonzero") {
    return Status::error("\"size_objective\" must be \"flash\" or \"nonzero\"");
  }
  if (o->memoryObjective != "sparse" && o->memoryObjective != "best") {
    return Status::error("\"memory_objective\" must be \"sparse\" or \"best\"");
  }
  return Status::ok();
}

BayesianSparseSearch::BayesianSparseSearch(SparseSpace space, BayesOptions options)
    : m_space(std::move(space)), m_options(options), m_rng(options.seed) {}

Objectives BayesianSparseSearch::objectivesOf(const SparseArch& a, double accuracy) const {
  const SparseCost c = sparseCost(m_space, a);
  const double size = m_options.sizeObjective == "nonzero" ? double(c.nonZeroParams) : double(c.flashBytes);
  const double memory = m_options.memoryObjective == "best" ? double(c.peakSramBest) : double(c.workingMemory);
  return {1.0 - accuracy, size / m_options.sizeScale, memory / m_options.memoryScale};
}

Objectives BayesianSparseSearch::searched(const Objectives& all) const {
  Objectives f = all;
  if (!m_options.optimiseSize) f[1] = 0.0;
  if (!m_options.optimiseMemory) f[2] = 0.0;
  return f;
}

double BayesianSparseSearch::acquisition(const GaussianProcess& gp, const SparseArch& a, const std::vector<double>& w,
                                         const ObjectiveRanges& ranges, double best) {
  const auto [mean, var] = gp.predict(encodeSparseArch(m_space, a));
  Objectives f = objectivesOf(a, 0.0);
  std::normal_distribution<double> n(mean, std::sqrt(std::max(var, 1e-12)));
  double gain = 0;
  for (int k = 0; k < m_options.posteriorSamples; ++k) {
    f[0] = std::clamp(n(m_rng), 0.0, 1.0);
    gain += std::max(best - chebyshev(normalizeObjectives(searched(f), ranges), w, {0, 0, 0}), 0.0);
  }
  return gain / m_options.posteriorSamples;
}

bool BayesianSparseSearch::withinBudgets(const SparseArch& a) const { return fitsBudgets(objectivesOf(a, 0.0)); }

SparseArch BayesianSparseSearch::sample() {
  SparseArch a = sampleSparseArch(m_space, &m_rng);
  for (int tries = 1; m_options.withinBudgets && tries < kMaxSampleTries && !withinBudgets(a); ++tries) {
    a = sampleSparseArch(m_space, &m_rng);
  }
  return a;
}

SparseArch BayesianSparseSearch::propose() {
  if (m_options.randomOnly || int(m_history.size()) < m_options.initialRandom) {
    m_nextSource = "random";
    return sample();
  }
  std::vector<std::vector<double>> x;
  std::vector<double> y;
  for (const SparseCandidate& c : m_history) {
    x.push_back(encodeSparseArch(m_space, c.arch));
    y.push_back(c.objectives[0]);
  }
  GaussianProcess gp;
  if (!gp.fit(x, y)) return sample();
  const std::vector<double> w = randomSimplexWeights(3, &m_rng);
  // Scalarized in the units of what was observed (ParEGO): in the budgets' units the error
  // spreads over a tenth of its axis and the working memory over half of its, so unnormalised
  // weights would trade almost any error for memory and the search would stay among tiny nets.
  std::vector<Objectives> observed;
  for (const SparseCandidate& c : m_history) observed.push_back(searched(c.objectives));
  const ObjectiveRanges ranges = objectiveRanges(observed);
  double best = INFINITY;
  for (const Objectives& f : observed) best = std::min(best, chebyshev(normalizeObjectives(f, ranges), w, {0, 0, 0}));
  std::vector<SparseArch> pool;
  for (int i = 0; i < m_options.randomPool; ++i) pool.push_back(sample());
  for (size_t i : front()) {
    for (int k = 0; k < m_options.morphsPerFrontPoint; ++k) {
      SparseArch m = morphSparseArch(m_space, m_history[i].arch, &m_rng);
      if (!m_options.withinBudgets || withinBudgets(m)) pool.push_back(std::move(m));
    }
  }
  std::set<std::string> seen;
  for (const SparseCandidate& c : m_history) seen.insert(sparseArchToJson(c.arch).dump());
  double bestGain = -1;
  SparseArch choice = pool.front();
  for (const SparseArch& a : pool) {
    if (seen.count(sparseArchToJson(a).dump())) continue;
    const double g = acquisition(gp, a, w, ranges, best);
    if (g > bestGain) {
      bestGain = g;
      choice = a;
    }
  }
  m_nextSource = "bayes";
  return choice;
}

void BayesianSparseSearch::observe(const SparseArch& arch, double accuracy) {
  SparseCandidate c;
  c.arch = arch;
  c.cost = sparseCost(m_space, arch);
  c.validationAccuracy = accuracy;
  c.objectives = objectivesOf(arch, accuracy);
  c.iteration = int(m_history.size());
  c.source = m_nextSource;
  m_history.push_back(std::move(c));
  std::vector<Objectives> points;
  for (const SparseCandidate& h : m_history) points.push_back(searched(h.objectives));
  m_hypervolumes.push_back(hypervolume(points, kReference));
}

std::vector<size_t> BayesianSparseSearch::front() const {
  std::vector<Objectives> points;
  for (const SparseCandidate& h : m_history) points.push_back(searched(h.objectives));
  return paretoFront(points);
}

nlohmann::json sparseCandidateToJson(const SparseCandidate& c) {
  return {{"arch", sparseArchToJson(c.arch)},
          {"iteration", c.iteration},
          {"source", c.source},
          {"validation_accuracy", c.validationAccuracy},
          {"objectives", c.objectives},
          {"params", c.cost.params},
          {"nonzero_params", c.cost.nonZeroParams},
          {"flash_bytes", c.cost.flashBytes},
          {"working_memory_bytes", c.cost.workingMemory},
          {"peak_sram_best_bytes", c.cost.peakSramBest}};
}

}  // namespace tinyforge
