#include "datasets/synthetic.hpp"

#include <fmt/format.h>

#include <cmath>
#include <stdexcept>
#include <string>

#include "datasets/rng.hpp"

namespace lrb::data {

namespace {

std::vector<std::string> x_names(std::size_t d) {
  std::vector<std::string> names;
  for (std::size_t j = 0; j < d; ++j) names.push_back(fmt::format("x{}", j));
  return names;
}

// Modified Gram-Schmidt, two passes, on the columns of Q (rows, cols) row-major.
void orthonormalize_columns(std::vector<double>& Q, std::size_t rows, std::size_t cols) {
  for (std::size_t k = 0; k < cols; ++k) {
    for (int pass = 0; pass < 2; ++pass) {
      for (std::size_t j = 0; j < k; ++j) {
        double dot = 0.0;
        for (std::size_t i = 0; i < rows; ++i) dot += Q[i * cols + j] * Q[i * cols + k];
        for (std::size_t i = 0; i < rows; ++i) Q[i * cols + k] -= dot * Q[i * cols + j];
      }
    }
    double norm2 = 0.0;
    for (std::size_t i = 0; i < rows; ++i) norm2 += Q[i * cols + k] * Q[i * cols + k];
    const double norm = std::sqrt(norm2);
    if (!(norm > 1e-8))
      throw std::runtime_error("ill_conditioned_least_squares: a random column was degenerate");
    for (std::size_t i = 0; i < rows; ++i) Q[i * cols + k] /= norm;
  }
}

// (rows, cols) row-major N(0, 1), drawn column by column.
std::vector<double> gaussian_matrix_colmajor_draws(Rng& r, std::size_t rows, std::size_t cols) {
  std::vector<double> M(rows * cols);
  for (std::size_t j = 0; j < cols; ++j)
    for (std::size_t i = 0; i < rows; ++i) M[i * cols + j] = normal(r);
  return M;
}

}  // namespace

RegressionData tutorial002_data() {
  RegressionData d;
  d.n = 4;
  d.d = 1;
  d.x = {1.0, 2.0, 3.0, 4.0};
  d.y = {2.0, 4.0, 6.0, 8.0};
  d.feature_names = {"x"};
  d.target_name.assign(1, 'y');  // not = "y": GCC 12 -O3 false -Wrestrict (bug 105329)
  return d;
}

RegressionData noisy_linear(const NoisyLinearSpec& spec, std::uint64_t seed) {
  if (spec.n == 0) throw std::invalid_argument("noisy_linear: n must be >= 1, got 0");
  if (spec.w.empty()) throw std::invalid_argument("noisy_linear: w must have at least one weight");
  if (!(spec.sigma >= 0.0) || !std::isfinite(spec.sigma))
    throw std::invalid_argument(
        fmt::format("noisy_linear: sigma must be a finite number >= 0, got {}", spec.sigma));
  if (!(spec.x_lo < spec.x_hi))
    throw std::invalid_argument(
        fmt::format("noisy_linear: need x_lo < x_hi, got [{}, {})", spec.x_lo, spec.x_hi));
  RegressionData out;
  out.n = spec.n;
  out.d = spec.w.size();
  out.feature_names = x_names(out.d);
  out.target_name.assign(1, 'y');  // not = "y": GCC 12 -O3 false -Wrestrict (bug 105329)
  out.x.resize(out.n * out.d);
  out.y.resize(out.n);
  Rng rx = make_rng(seed, "noisy-linear/x", 0);
  Rng rn = make_rng(seed, "noisy-linear/noise", 0);
  for (std::size_t i = 0; i < out.n; ++i) {
    double y = spec.b;
    for (std::size_t j = 0; j < out.d; ++j) {
      const double x = uniform(rx, spec.x_lo, spec.x_hi);
      out.x[i * out.d + j] = x;
      y += spec.w[j] * x;
    }
    out.y[i] = y + spec.sigma * normal(rn);
  }
  return out;
}

RegressionData teacher_mlp(const TeacherMlpSpec& spec, std::uint64_t seed) {
  if (spec.n == 0 || spec.d == 0 || spec.hidden == 0)
    throw std::invalid_argument(fmt::format(
        "teacher_mlp: n, d and hidden must be >= 1, got n={}, d={}, hidden={}", spec.n, spec.d,
        spec.hidden));
  if (!(spec.sigma >= 0.0) || !std::isfinite(spec.sigma))
    throw std::invalid_argument(
        fmt::format("teacher_mlp: sigma must be a finite number >= 0, got {}", spec.sigma));
  const std::size_t d = spec.d, h = spec.hidden;
  Rng rw = make_rng(seed, "teacher-mlp/weights", 0);
  std::vector<double> W(h * d), c(h), a(h);
  const double w_std = std::sqrt(2.0 / static_cast<double>(d));
  const double a_std = std::sqrt(1.0 / static_cast<double>(h));
  for (auto& v : W) v = w_std * normal(rw);
  for (auto& v : c) v = 0.1 * normal(rw);
  for (auto& v : a) v = a_std * normal(rw);

  RegressionData out;
  out.n = spec.n;
  out.d = d;
  out.feature_names = x_names(d);
  out.target_name.assign(1, 'y');  // not = "y": GCC 12 -O3 false -Wrestrict (bug 105329)
  out.x.resize(out.n * d);
  out.y.resize(out.n);
  Rng rx = make_rng(seed, "teacher-mlp/x", 0);
  Rng rn = make_rng(seed, "teacher-mlp/noise", 0);
  for (std::size_t i = 0; i < out.n; ++i) {
    const double* xi = out.x.data() + i * d;
    for (std::size_t j = 0; j < d; ++j) out.x[i * d + j] = normal(rx);
    double y = 0.0;
    for (std::size_t k = 0; k < h; ++k) {
      double z = c[k];
      for (std::size_t j = 0; j < d; ++j) z += W[k * d + j] * xi[j];
      y += a[k] * (z > 0.0 ? z : 0.0);
    }
    out.y[i] = y + spec.sigma * normal(rn);
  }
  return out;
}

LeastSquaresProblem ill_conditioned_least_squares(const IllConditionedSpec& spec,
                                                  std::uint64_t seed) {
  const std::size_t m = spec.m, n = spec.n;
  if (n == 0 || m < n)
    throw std::invalid_argument(fmt::format(
        "ill_conditioned_least_squares: need m >= n >= 1, got m={}, n={}", m, n));
  if (!(spec.cond >= 1.0) || !std::isfinite(spec.cond) || spec.cond > 1e150)
    throw std::invalid_argument(fmt::format(
        "ill_conditioned_least_squares: cond must be in [1, 1e150], got {}", spec.cond));
  if (!(spec.sigma >= 0.0) || !std::isfinite(spec.sigma))
    throw std::invalid_argument(
        fmt::format("ill_conditioned_least_squares: sigma must be >= 0, got {}", spec.sigma));

  Rng ru = make_rng(seed, "ill-lsq/U", 0);
  Rng rv = make_rng(seed, "ill-lsq/V", 0);
  std::vector<double> U = gaussian_matrix_colmajor_draws(ru, m, n);
  std::vector<double> V = gaussian_matrix_colmajor_draws(rv, n, n);
  orthonormalize_columns(U, m, n);
  orthonormalize_columns(V, n, n);

  LeastSquaresProblem p;
  p.m = m;
  p.n = n;
  p.singular_values.resize(n);
  for (std::size_t i = 0; i < n; ++i)
    p.singular_values[i] =
        n == 1 ? 1.0
               : det_pow(spec.cond, -static_cast<double>(i) / static_cast<double>(n - 1));
  const auto& s = p.singular_values;

  p.A.assign(m * n, 0.0);
  for (std::size_t i = 0; i < m; ++i)
    for (std::size_t j = 0; j < n; ++j) {
      double v = 0.0;
      for (std::size_t k = 0; k < n; ++k) v += U[i * n + k] * s[k] * V[j * n + k];
      p.A[i * n + j] = v;
    }

  Rng rx = make_rng(seed, "ill-lsq/x", 0);
  Rng rn = make_rng(seed, "ill-lsq/noise", 0);
  p.x_star.resize(n);
  for (auto& v : p.x_star) v = normal(rx);
  p.b.resize(m);
  for (std::size_t i = 0; i < m; ++i) {
    double v = 0.0;
    for (std::size_t j = 0; j < n; ++j) v += p.A[i * n + j] * p.x_star[j];
    p.b[i] = v + spec.sigma * normal(rn);
  }

  // x_ls = V diag(1/s) U^T b
  std::vector<double> utb(n, 0.0);
  for (std::size_t k = 0; k < n; ++k) {
    double v = 0.0;
    for (std::size_t i = 0; i < m; ++i) v += U[i * n + k] * p.b[i];
    utb[k] = v / s[k];
  }
  p.x_ls.assign(n, 0.0);
  for (std::size_t j = 0; j < n; ++j) {
    double v = 0.0;
    for (std::size_t k = 0; k < n; ++k) v += V[j * n + k] * utb[k];
    p.x_ls[j] = v;
  }
  return p;
}

}  // namespace lrb::data
