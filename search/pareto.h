// Multi-objective bookkeeping for SpArSe: Pareto fronts, the hypervolume they dominate, and
// random Chebyshev scalarizations (ParEGO / Paria et al.). All objectives are minimised.
//
//   std::vector<size_t> front = paretoFront(points);
//   double hv = hypervolume(points, reference);      // exact, any number of objectives
//   double s = chebyshev(point, weights, ideal);     // the scalarized objective to minimise
//   ObjectiveRanges r = objectiveRanges(points);     // ParEGO: scalarize in observed units
//   double t = chebyshev(normalizeObjectives(point, r), weights, {0, 0, 0});
#pragma once
#include <cstdint>
#include <random>
#include <vector>

namespace tinyforge {

using Objectives = std::vector<double>;

// True when a is no worse than b in every objective and better in one.
bool dominates(const Objectives& a, const Objectives& b);

// Indices of the non-dominated points (duplicates: the first one), in input order.
std::vector<size_t> paretoFront(const std::vector<Objectives>& points);

// Volume of the region dominated by `points` and bounded by `reference` (points not strictly
// better than the reference in every objective add nothing). Exact: inclusion by slicing.
double hypervolume(const std::vector<Objectives>& points, const Objectives& reference);

// Weights drawn uniformly from the simplex (sum 1).
std::vector<double> randomSimplexWeights(size_t objectives, std::mt19937_64* rng);

// max_i w_i * (f_i - ideal_i) + 0.05 * sum_i w_i * (f_i - ideal_i): the augmented Chebyshev
// scalarization, whose minimisers over random weights cover the whole front.
double chebyshev(const Objectives& f, const std::vector<double>& weights, const Objectives& ideal);

// The smallest and largest value of each objective over `points` (at least one point).
struct ObjectiveRanges {
  Objectives low, high;
};
ObjectiveRanges objectiveRanges(const std::vector<Objectives>& points);
// (f_i - low_i) / (high_i - low_i), as ParEGO normalises before it scalarizes: objectives that
// spread over very different ranges (error over 10-30 %, working memory over 50-100 % of its
// budget) then weigh alike, and the result does not depend on the objectives' units. Values
// outside the observed range map outside [0, 1]; an objective with no spread maps to 0.
Objectives normalizeObjectives(const Objectives& f, const ObjectiveRanges& ranges);

}  // namespace tinyforge
