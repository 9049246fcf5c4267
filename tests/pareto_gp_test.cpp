// SpArSe's machinery: the Gaussian process fits and predicts known functions, expected
// improvement behaves, Pareto fronts and exact hypervolumes, Chebyshev scalarization.
#include <gtest/gtest.h>

#include <cmath>

#include "search/gaussian_process.h"
#include "search/pareto.h"

namespace tinyforge {
namespace {

TEST(GaussianProcess, InterpolatesASmoothFunction) {
  std::vector<std::vector<double>> x;
  std::vector<double> y;
  for (int i = 0; i <= 12; ++i) {
    const double t = i / 12.0;
    x.push_back({t});
    y.push_back(std::sin(6.0 * t) + 0.5 * t);
  }
  GaussianProcess gp;
  ASSERT_TRUE(gp.fit(x, y));
  double worst = 0;
  for (int i = 0; i < 48; ++i) {
    const double t = (i + 0.5) / 48.0;
    const auto [mean, var] = gp.predict({t});
    worst = std::max(worst, std::fabs(mean - (std::sin(6.0 * t) + 0.5 * t)));
    EXPECT_GE(var, 0.0);
  }
  EXPECT_LT(worst, 0.05);
  // At a training point the variance is small; far outside the data it returns to the prior.
  EXPECT_LT(gp.predict({0.5}).second, 0.01);
  EXPECT_GT(gp.predict({5.0}).second, 0.1);
}

TEST(GaussianProcess, TwoDimensionsAndNoise) {
  std::mt19937_64 rng(1);
  std::normal_distribution<double> noise(0.0, 0.05);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<std::vector<double>> x;
  std::vector<double> y;
  for (int i = 0; i < 60; ++i) {
    const double a = u(rng), b = u(rng);
    x.push_back({a, b});
    y.push_back(a * a + b + noise(rng));
  }
  GaussianProcess gp;
  ASSERT_TRUE(gp.fit(x, y));
  EXPECT_GT(gp.noiseVariance(), 1e-5);  // it explains the noise as noise
  EXPECT_NEAR(gp.predict({0.5, 0.5}).first, 0.75, 0.1);
  EXPECT_NEAR(gp.predict({0.9, 0.1}).first, 0.91, 0.12);
}

TEST(GaussianProcess, BadInputIsAnError) {
  GaussianProcess gp;
  EXPECT_FALSE(gp.fit({}, {}));
  EXPECT_FALSE(gp.fit({{0.0}, {1.0}}, {1.0}));
  EXPECT_FALSE(gp.fit({{0.0}, {1.0, 2.0}}, {1.0, 2.0}));
  EXPECT_FALSE(gp.fit({{0.0}}, {NAN}));
}

TEST(ExpectedImprovement, Properties) {
  EXPECT_NEAR(expectedImprovement(1.0, 0.0, 2.0), 1.0, 1e-12);
  EXPECT_NEAR(expectedImprovement(3.0, 0.0, 2.0), 0.0, 1e-12);
  EXPECT_GT(expectedImprovement(3.0, 1.0, 2.0), 0.0);  // uncertainty can still improve
  EXPECT_GT(expectedImprovement(1.0, 1.0, 2.0), expectedImprovement(2.0, 1.0, 2.0));
  EXPECT_NEAR(expectedImprovement(2.0, 1.0, 2.0), 1.0 / std::sqrt(2.0 * M_PI), 1e-9);
}

TEST(Pareto, FrontAndDominance) {
  const std::vector<Objectives> p = {{1, 5}, {2, 2}, {3, 3}, {5, 1}, {2, 2}, {4, 4}};
  EXPECT_TRUE(dominates({2, 2}, {3, 3}));
  EXPECT_FALSE(dominates({2, 2}, {2, 2}));
  EXPECT_FALSE(dominates({1, 5}, {5, 1}));
  EXPECT_EQ(paretoFront(p), (std::vector<size_t>{0, 1, 3}));
}

TEST(Pareto, HypervolumeIsExact) {
  // Two dimensions, by hand: reference (6, 6).
  EXPECT_DOUBLE_EQ(hypervolume({{1, 5}, {2, 2}, {5, 1}}, {6, 6}), 5 * 1 + 4 * 3 + 1 * 1);
  EXPECT_DOUBLE_EQ(hypervolume({{2, 2}, {3, 3}}, {6, 6}), 16);  // dominated points add nothing
  EXPECT_DOUBLE_EQ(hypervolume({{7, 1}}, {6, 6}), 0);           // outside the reference
  // Three dimensions: two boxes from the origin and their overlap.
  EXPECT_DOUBLE_EQ(hypervolume({{0, 0, 1}, {1, 1, 0}}, {2, 2, 2}), 2 * 2 * 1 + 1 * 1 * 2 - 1 * 1 * 1);
  // A Monte-Carlo check on random 3-D fronts.
  std::mt19937_64 rng(2);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<Objectives> pts;
  for (int i = 0; i < 8; ++i) pts.push_back({u(rng), u(rng), u(rng)});
  int inside = 0;
  const int samples = 200000;
  for (int s = 0; s < samples; ++s) {
    const Objectives q = {u(rng), u(rng), u(rng)};
    for (const Objectives& p : pts) {
      if (p[0] <= q[0] && p[1] <= q[1] && p[2] <= q[2]) {
        ++inside;
        break;
      }
    }
  }
  EXPECT_NEAR(hypervolume(pts, {1, 1, 1}), double(inside) / samples, 0.005);
}

TEST(Pareto, ChebyshevScalarization) {
  std::mt19937_64 rng(4);
  for (int i = 0; i < 20; ++i) {
    const std::vector<double> w = randomSimplexWeights(3, &rng);
    EXPECT_NEAR(w[0] + w[1] + w[2], 1.0, 1e-12);
    for (double x : w) EXPECT_GE(x, 0.0);
  }
  const Objectives ideal = {0, 0};
  // With all weight on objective 0, a lower objective 0 wins whatever objective 1 does.
  EXPECT_LT(chebyshev({1, 9}, {1, 0}, ideal), chebyshev({2, 0}, {1, 0}, ideal));
  // A dominated point never scalarizes better than its dominator.
  EXPECT_LT(chebyshev({1, 1}, {0.5, 0.5}, ideal), chebyshev({1, 2}, {0.5, 0.5}, ideal));
}

TEST(Pareto, NormalizationToObservedRanges) {
  const std::vector<Objectives> pts = {{0.10, 0.5, 0.57}, {0.30, 0.1, 0.96}, {0.20, 0.3, 0.75}};
  const ObjectiveRanges r = objectiveRanges(pts);
  EXPECT_EQ(r.low, (Objectives{0.10, 0.1, 0.57}));
  EXPECT_EQ(r.high, (Objectives{0.30, 0.5, 0.96}));
  const Objectives n = normalizeObjectives({0.20, 0.3, 0.57}, r);
  EXPECT_NEAR(n[0], 0.5, 1e-12);
  EXPECT_NEAR(n[1], 0.5, 1e-12);
  EXPECT_NEAR(n[2], 0.0, 1e-12);
  EXPECT_NEAR(normalizeObjectives({0.40, 0.1, 0.57}, r)[0], 1.5, 1e-12);  // beyond the observed range
  EXPECT_EQ(normalizeObjectives({0.2, 0.2}, objectiveRanges({{0.1, 0.2}, {0.3, 0.2}}))[1], 0.0);  // no spread
  // Equal weights: in raw units the memory axis decides (0.57 vs 0.96 outweighs any error);
  // normalised, the most accurate point and the smallest-memory point tie.
  const std::vector<double> w = {0.5, 0.0, 0.5};
  EXPECT_LT(chebyshev({0.30, 0.1, 0.57}, w, {0, 0, 0}), chebyshev({0.10, 0.5, 0.96}, w, {0, 0, 0}));
  EXPECT_NEAR(chebyshev(normalizeObjectives({0.30, 0.1, 0.57}, r), w, {0, 0, 0}),
              chebyshev(normalizeObjectives({0.10, 0.5, 0.96}, r), w, {0, 0, 0}), 1e-12);
}

}  // namespace
}  // namespace tinyforge
