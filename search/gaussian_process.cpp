#include "search/gaussian_process.h"

#include <Eigen/Dense>
#include <cmath>
#include <limits>

namespace tinyforge {

struct GaussianProcess::Impl {
  Eigen::MatrixXd x;        // n x d
  Eigen::VectorXd alpha;    // K^-1 (y - mean) / sd
  Eigen::LLT<Eigen::MatrixXd> llt;
  double yMean = 0, ySd = 1, length = 1, noise = 1e-4, lml = -INFINITY;

  static double matern52(double r, double length) {
    const double s = std::sqrt(5.0) * r / length;
    return (1.0 + s + s * s / 3.0) * std::exp(-s);
  }

  Eigen::MatrixXd gram(double l) const {
    const Eigen::Index n = x.rows();
    Eigen::MatrixXd k(n, n);
    for (Eigen::Index i = 0; i < n; ++i) {
      for (Eigen::Index j = 0; j <= i; ++j) k(i, j) = k(j, i) = matern52((x.row(i) - x.row(j)).norm(), l);
    }
    return k;
  }

  // Log marginal likelihood of standardised y under (l, noise); fills llt and alpha.
  double evaluate(const Eigen::VectorXd& y, double l, double nz, Eigen::LLT<Eigen::MatrixXd>* chol,
                  Eigen::VectorXd* a) const {
    Eigen::MatrixXd k = gram(l);
    k.diagonal().array() += nz;
    chol->compute(k);
    if (chol->info() != Eigen::Success) return -INFINITY;
    *a = chol->solve(y);
    const double logDet = 2.0 * chol->matrixL().toDenseMatrix().diagonal().array().log().sum();
    return -0.5 * y.dot(*a) - 0.5 * logDet - 0.5 * double(y.size()) * std::log(2.0 * M_PI);
  }
};

GaussianProcess::GaussianProcess() : m_impl(std::make_unique<Impl>()) {}
GaussianProcess::~GaussianProcess() = default;
GaussianProcess::GaussianProcess(GaussianProcess&&) noexcept = default;
GaussianProcess& GaussianProcess::operator=(GaussianProcess&&) noexcept = default;

Status GaussianProcess::fit(const std::vector<std::vector<double>>& x, const std::vector<double>& y) {
  if (x.empty()) return Status::error("gaussian process: no points to fit");
  if (y.size() != x.size()) return Status::error("gaussian process: " + std::to_string(x.size()) + " points but " + std::to_string(y.size()) + " values");
  const size_t d = x[0].size();
  Impl& m = *m_impl;
  m.x.resize(Eigen::Index(x.size()), Eigen::Index(d));
  for (size_t i = 0; i < x.size(); ++i) {
    if (x[i].size() != d) return Status::error("gaussian process: point " + std::to_string(i) + " has another dimension");
    for (size_t j = 0; j < d; ++j) {
      if (!std::isfinite(x[i][j])) return Status::error("gaussian process: point " + std::to_string(i) + " is not finite");
      m.x(Eigen::Index(i), Eigen::Index(j)) = x[i][j];
    }
  }
  Eigen::VectorXd v(Eigen::Index(y.size()));
  for (size_t i = 0; i < y.size(); ++i) {
    if (!std::isfinite(y[i])) return Status::error("gaussian process: value " + std::to_string(i) + " is not finite");
    v(Eigen::Index(i)) = y[i];
  }
  m.yMean = v.mean();
  const double var = (v.array() - m.yMean).square().mean();
  m.ySd = var > 1e-12 ? std::sqrt(var) : 1.0;
  const Eigen::VectorXd ys = (v.array() - m.yMean) / m.ySd;
  m.lml = -INFINITY;
  for (double l : {0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1.0, 1.5, 2.5, 5.0}) {
    for (double nz : {1e-6, 1e-4, 1e-3, 1e-2, 0.05, 0.2}) {
      Eigen::LLT<Eigen::MatrixXd> chol;
      Eigen::VectorXd a;
      const double lml = m.evaluate(ys, l, nz, &chol, &a);
      if (lml > m.lml) {
        m.lml = lml;
        m.length = l;
        m.noise = nz;
        m.llt = chol;
        m.alpha = a;
      }
    }
  }
  if (!std::isfinite(m.lml)) return Status::error("gaussian process: the kernel matrix is not positive definite");
  return Status::ok();
}

std::pair<double, double> GaussianProcess::predict(const std::vector<double>& point) const {
  const Impl& m = *m_impl;
  Eigen::VectorXd k(m.x.rows());
  Eigen::RowVectorXd p(m.x.cols());
  for (Eigen::Index j = 0; j < m.x.cols(); ++j) p(j) = point[size_t(j)];
  for (Eigen::Index i = 0; i < m.x.rows(); ++i) k(i) = Impl::matern52((m.x.row(i) - p).norm(), m.length);
  const double mean = k.dot(m.alpha);
  const Eigen::VectorXd v = m.llt.solve(k);
  const double var = std::max(1.0 - k.dot(v), 1e-12);
  return {m.yMean + m.ySd * mean, var * m.ySd * m.ySd};
}

double GaussianProcess::lengthScale() const { return m_impl->length; }
double GaussianProcess::noiseVariance() const { return m_impl->noise; }
double GaussianProcess::logMarginalLikelihood() const { return m_impl->lml; }

double expectedImprovement(double mean, double variance, double best) {
  const double sd = std::sqrt(std::max(variance, 0.0));
  if (sd < 1e-12) return std::max(best - mean, 0.0);
  const double z = (best - mean) / sd;
  const double cdf = 0.5 * std::erfc(-z / std::sqrt(2.0));
  const double pdf = std::exp(-0.5 * z * z) / std::sqrt(2.0 * M_PI);
  return (best - mean) * cdf + sd * pdf;
}

}  // namespace tinyforge
