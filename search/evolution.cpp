#include "search/evolution.h"

#include <algorithm>
#include <set>

namespace tinyforge {

namespace {

std::string bytes(int64_t v) { return std::to_string(v) + " B"; }

}  // namespace

Candidate checkCandidate(const SearchSpace& space, const ArchChoice& choice, const SearchConstraints& k,
                         const LatencyFunction& latency) {
  Candidate c;
  c.choice = choice;
  const ArchSpec spec = choiceToSpec(space, choice);
  Result<CandidateCost> cost = evaluateArch(spec, k.budget);
  if (!cost) {
    c.violation = cost.status().message();
    return c;
  }
  c.cost = cost.value();
  if (latency) c.instructions = latency(spec);
  const int64_t sram = c.cost.peakBytes + k.budget.stackBytes;
  if (sram > k.budget.sramBytes) {
    c.violation = "SRAM " + bytes(sram) + " (arena + stack) > " + bytes(k.budget.sramBytes);
  } else if (c.cost.flashBytes > k.budget.flashBytes) {
    c.violation = "flash " + bytes(c.cost.flashBytes) + " > " + bytes(k.budget.flashBytes);
  } else if (k.maxMacs > 0 && c.cost.macs > k.maxMacs) {
    c.violation = "MACs " + std::to_string(c.cost.macs) + " > " + std::to_string(k.maxMacs);
  } else if (k.maxInstructions > 0 && c.instructions > k.maxInstructions) {
    c.violation = "latency " + std::to_string(c.instructions) + " instructions > " + std::to_string(k.maxInstructions);
  }
  c.feasible = c.violation.empty();
  return c;
}

EvolutionSearch::EvolutionSearch(SearchSpace space, double width, int32_t resolution, SearchConstraints constraints,
                                 EvolutionOptions options, LatencyFunction latency)
    : m_space(std::move(space)),
      m_width(width),
      m_resolution(resolution),
      m_constraints(constraints),
      m_options(options),
      m_latency(std::move(latency)),
      m_rng(options.seed) {}

// Makes candidates until one is feasible (the infeasible ones are kept in the history).
Candidate EvolutionSearch::feasible(const std::function<ArchChoice()>& make) {
  for (int tries = 0; tries < m_options.maxTries; ++tries) {
    Candidate c = checkCandidate(m_space, make(), m_constraints, m_latency);
    c.generation = m_generation;
    if (c.feasible) return c;
    if (tries < 3) m_history.push_back(c);  // a few per slot: enough to show where the limits bite
  }
  return {};
}

std::vector<Candidate> EvolutionSearch::firstGeneration() {
  std::vector<Candidate> out;
  for (int i = 0; i < m_options.population; ++i) {
    Candidate c = feasible([&] { return sampleChoice(m_space, m_width, m_resolution, &m_rng); });
    if (!c.feasible) break;
    out.push_back(std::move(c));
  }
  return out;
}

std::vector<Candidate> EvolutionSearch::nextGeneration() {
  const size_t parents = std::max<size_t>(1, size_t(m_options.parentRatio * m_options.population));
  const size_t keep = std::min(parents, m_population.size());
  const int mutations = int(m_options.mutationRatio * m_options.population);
  std::set<std::string> seen;
  for (const Candidate& h : m_history) seen.insert(choiceKey(h.choice));
  std::vector<Candidate> out;
  auto pickParent = [&]() -> const ArchChoice& { return m_population[size_t(m_rng() % keep)].choice; };
  const int children = m_options.population - int(keep);
  for (int i = 0; i < children; ++i) {
    const bool mutate = i < mutations;
    Candidate c = feasible([&] {
      ArchChoice child = mutate ? mutateChoice(m_space, pickParent(), m_options.mutateProbability, &m_rng)
                                : crossoverChoice(pickParent(), pickParent(), &m_rng);
      return child;
    });
    if (!c.feasible) break;
    if (!seen.insert(choiceKey(c.choice)).second) continue;  // measured before: its accuracy is known
    out.push_back(std::move(c));
  }
  return out;
}

std::vector<Candidate> EvolutionSearch::propose() {
  if (done()) return {};
  std::vector<Candidate> out =
      m_generation == 0 || m_options.randomOnly ? firstGeneration() : nextGeneration();
  if (m_options.maxMeasured > 0) {
    out.resize(std::min<size_t>(out.size(), size_t(m_options.maxMeasured - m_measured)));
  }
  return out;
}

void EvolutionSearch::observe(const std::vector<Candidate>& measured) {
  m_measured += int64_t(measured.size());
  for (const Candidate& c : measured) {
    m_history.push_back(c);
    if (c.feasible && c.accuracy >= 0) m_population.push_back(c);
  }
  std::stable_sort(m_population.begin(), m_population.end(),
                   [](const Candidate& a, const Candidate& b) { return a.accuracy > b.accuracy; });
  const size_t parents = std::max<size_t>(1, size_t(m_options.parentRatio * m_options.population));
  if (m_population.size() > parents) m_population.resize(parents);  // the survivors are the parents
  ++m_generation;
}

const Candidate* EvolutionSearch::best() const { return m_population.empty() ? nullptr : &m_population.front(); }

nlohmann::json candidateToJson(const Candidate& c) {
  return {{"choice", choiceToJson(c.choice)},
          {"key", choiceKey(c.choice)},
          {"generation", c.generation},
          {"feasible", c.feasible},
          {"violation", c.violation},
          {"accuracy", c.accuracy},
          {"macs", c.cost.macs},
          {"params", c.cost.params},
          {"peak_sram_bytes", c.cost.peakBytes},
          {"flash_bytes", c.cost.flashBytes},
          {"instructions", c.instructions}};
}

}  // namespace tinyforge
