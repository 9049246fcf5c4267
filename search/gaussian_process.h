// Gaussian-process regression for the SpArSe surrogates: Matern 5/2 kernel, outputs
// standardised, hyperparameters (length scale, noise) chosen by maximising the log marginal
// likelihood over a grid; predictions with their variance, and expected improvement for
// minimisation. Eigen stays inside the .cpp.
//
//   GaussianProcess gp;  Status s = gp.fit(x, y);       // x: points in [0, 1]^d
//   auto [mean, variance] = gp.predict(point);
//   double ei = expectedImprovement(mean, variance, bestSoFar);
#pragma once
#include <memory>
#include <utility>
#include <vector>

#include "engine/status.h"

namespace tinyforge {

class GaussianProcess {
 public:
  GaussianProcess();
  ~GaussianProcess();
  GaussianProcess(GaussianProcess&&) noexcept;
  GaussianProcess& operator=(GaussianProcess&&) noexcept;

  // Errors: no points, points of different dimension, y of another length, non-finite values.
  Status fit(const std::vector<std::vector<double>>& x, const std::vector<double>& y);
  std::pair<double, double> predict(const std::vector<double>& x) const;  // mean, variance
  double lengthScale() const;
  double noiseVariance() const;  // in standardised units
  double logMarginalLikelihood() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

// E[max(best - f, 0)] for f ~ N(mean, variance): the expected improvement of a minimisation.
double expectedImprovement(double mean, double variance, double best);

}  // namespace tinyforge
