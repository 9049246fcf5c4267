#include "search/pareto.h"

#include <algorithm>
#include <cmath>

namespace tinyforge {

bool dominates(const Objectives& a, const Objectives& b) {
  bool better = false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] > b[i]) return false;
    better = better || a[i] < b[i];
  }
  return better;
}

std::vector<size_t> paretoFront(const std::vector<Objectives>& points) {
  std::vector<size_t> front;
  for (size_t i = 0; i < points.size(); ++i) {
    bool keep = true;
    for (size_t j = 0; j < points.size() && keep; ++j) {
      if (j == i) continue;
      keep = !dominates(points[j], points[i]) && !(j < i && points[j] == points[i]);
    }
    if (keep) front.push_back(i);
  }
  return front;
}

namespace {

// Hypervolume by slicing along the last objective: sort by it, and between consecutive values
// the slab's volume is the (d-1)-dimensional hypervolume of the points below it.
double slice(std::vector<Objectives> pts, const Objectives& ref, size_t dims) {
  if (pts.empty()) return 0.0;
  if (dims == 1) {
    double best = ref[0];
    for (const Objectives& p : pts) best = std::min(best, p[0]);
    return ref[0] - best;
  }
  const size_t last = dims - 1;
  std::sort(pts.begin(), pts.end(), [last](const Objectives& a, const Objectives& b) { return a[last] < b[last]; });
  double volume = 0;
  std::vector<Objectives> below;
  for (size_t i = 0; i < pts.size(); ++i) {
    below.push_back(pts[i]);
    const double next = i + 1 < pts.size() ? pts[i + 1][last] : ref[last];
    if (next > pts[i][last]) volume += slice(below, ref, dims - 1) * (next - pts[i][last]);
  }
  return volume;
}

}  // namespace

double hypervolume(const std::vector<Objectives>& points, const Objectives& reference) {
  std::vector<Objectives> inside;
  for (const Objectives& p : points) {
    bool strictly = p.size() == reference.size();
    for (size_t i = 0; strictly && i < p.size(); ++i) strictly = p[i] < reference[i];
    if (strictly) inside.push_back(p);
  }
  std::vector<Objectives> front;
  for (size_t i : paretoFront(inside)) front.push_back(inside[i]);
  return slice(front, reference, reference.size());
}

std::vector<double> randomSimplexWeights(size_t objectives, std::mt19937_64* rng) {
  std::exponential_distribution<double> e(1.0);
  std::vector<double> w(objectives);
  double sum = 0;
  for (double& x : w) sum += x = e(*rng);
  for (double& x : w) x /= sum;
  return w;
}

double chebyshev(const Objectives& f, const std::vector<double>& w, const Objectives& ideal) {
  double mx = -INFINITY, sum = 0;
  for (size_t i = 0; i < f.size(); ++i) {
    const double v = w[i] * (f[i] - ideal[i]);
    mx = std::max(mx, v);
    sum += v;
  }
  return mx + 0.05 * sum;
}

ObjectiveRanges objectiveRanges(const std::vector<Objectives>& points) {
  ObjectiveRanges r{points.at(0), points.at(0)};
  for (const Objectives& p : points) {
    for (size_t i = 0; i < p.size(); ++i) {
      r.low[i] = std::min(r.low[i], p[i]);
      r.high[i] = std::max(r.high[i], p[i]);
    }
  }
  return r;
}

Objectives normalizeObjectives(const Objectives& f, const ObjectiveRanges& r) {
  Objectives n(f.size(), 0.0);
  for (size_t i = 0; i < f.size(); ++i) {
    const double span = r.high[i] - r.low[i];
    if (span > 0) n[i] = (f[i] - r.low[i]) / span;
  }
  return n;
}

}  // namespace tinyforge
