// Synthetic generators: tutorial 002's exact data, determinism (same seed, same
// bytes), independent streams, and that each problem is the one documented.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "datasets/synthetic.hpp"

namespace lrb::data {
namespace {

bool same_bytes(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

TEST(Synthetic, Tutorial002IsExact) {
  const RegressionData d = tutorial002_data();
  EXPECT_EQ(d.n, 4u);
  EXPECT_EQ(d.d, 1u);
  EXPECT_EQ(d.x, (std::vector<double>{1, 2, 3, 4}));
  EXPECT_EQ(d.y, (std::vector<double>{2, 4, 6, 8}));
}

TEST(Synthetic, NoisyLinearIsDeterministicAndSeedSensitive) {
  const NoisyLinearSpec spec;
  const RegressionData a = noisy_linear(spec, 7), b = noisy_linear(spec, 7), c = noisy_linear(spec, 8);
  EXPECT_TRUE(same_bytes(a.x, b.x));
  EXPECT_TRUE(same_bytes(a.y, b.y));
  EXPECT_FALSE(same_bytes(a.x, c.x));
  // Pinned first value (x = 2 * uniform01 of stream "noisy-linear/x" for seed 7).
  EXPECT_GE(a.x[0], 0.0);
  EXPECT_LT(a.x[0], 2.0);
}

TEST(Synthetic, NoisyLinearStreamsAreIndependent) {
  NoisyLinearSpec spec;
  const RegressionData a = noisy_linear(spec, 3);
  spec.sigma = 0.0;
  const RegressionData clean = noisy_linear(spec, 3);
  EXPECT_TRUE(same_bytes(a.x, clean.x));  // sigma does not move x
  for (std::size_t i = 0; i < clean.n; ++i) EXPECT_DOUBLE_EQ(clean.y[i], 4.0 + 3.0 * clean.x[i]);
  spec.n = 10;
  const RegressionData prefix = noisy_linear(spec, 3);
  EXPECT_TRUE(std::equal(prefix.x.begin(), prefix.x.end(), clean.x.begin()));  // n keeps the prefix
}

TEST(Synthetic, NoisyLinearRecoversItsParameters) {
  const RegressionData d = noisy_linear({.n = 20000}, 11);
  // Ordinary least squares for y = w x + b.
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (std::size_t i = 0; i < d.n; ++i) {
    sx += d.x[i];
    sy += d.y[i];
    sxx += d.x[i] * d.x[i];
    sxy += d.x[i] * d.y[i];
  }
  const double n = static_cast<double>(d.n);
  const double w = (n * sxy - sx * sy) / (n * sxx - sx * sx);
  const double b = (sy - w * sx) / n;
  EXPECT_NEAR(w, 3.0, 0.05);  // sd(w) = sigma / (sd(x) sqrt(n)) = 1 / (0.577 * 141) = 0.012
  EXPECT_NEAR(b, 4.0, 0.06);  // sd(b) about 0.014
  double resid = 0;
  for (std::size_t i = 0; i < d.n; ++i) resid += std::pow(d.y[i] - w * d.x[i] - b, 2);
  EXPECT_NEAR(resid / n, 1.0, 0.05);  // sigma^2 = 1
}

TEST(Synthetic, TeacherMlpShapeScaleAndDeterminism) {
  const TeacherMlpSpec spec{.n = 5000};
  const RegressionData a = teacher_mlp(spec, 5), b = teacher_mlp(spec, 5);
  EXPECT_EQ(a.d, 20u);
  EXPECT_EQ(a.x.size(), 5000u * 20u);
  EXPECT_TRUE(same_bytes(a.x, b.x));
  EXPECT_TRUE(same_bytes(a.y, b.y));
  EXPECT_FALSE(same_bytes(a.y, teacher_mlp(spec, 6).y));
  double s = 0, s2 = 0;
  for (double y : a.y) {
    s += y;
    s2 += y * y;
  }
  const double var = s2 / 5000 - (s / 5000) * (s / 5000);
  EXPECT_GT(var, 0.2);  // a real signal, well above the 0.01 noise floor
  EXPECT_LT(var, 5.0);
  // The noise stream is separate: sigma = 0 keeps x and moves y by about sigma.
  const RegressionData clean = teacher_mlp({.n = 5000, .sigma = 0.0}, 5);
  EXPECT_TRUE(same_bytes(a.x, clean.x));
  double d2 = 0;
  for (std::size_t i = 0; i < a.n; ++i) d2 += std::pow(a.y[i] - clean.y[i], 2);
  EXPECT_NEAR(d2 / 5000, 0.01, 0.001);
}

TEST(Synthetic, IllConditionedLeastSquaresHasTheStatedSpectrumAndMinimiser) {
  const IllConditionedSpec spec{.m = 60, .n = 8, .cond = 1000.0, .sigma = 0.1};
  const LeastSquaresProblem p = ill_conditioned_least_squares(spec, 9);
  ASSERT_EQ(p.A.size(), 60u * 8u);
  EXPECT_DOUBLE_EQ(p.singular_values.front(), 1.0);
  EXPECT_NEAR(p.singular_values.back(), 1e-3, 1e-18);
  // ||A||_F^2 = sum s_i^2 (U, V orthonormal).
  double fro = 0, ss = 0;
  for (double a : p.A) fro += a * a;
  for (double s : p.singular_values) ss += s * s;
  EXPECT_NEAR(fro, ss, 1e-12);
  // x_ls solves the normal equations A^T (A x - b) = 0.
  std::vector<double> r(p.m);
  for (std::size_t i = 0; i < p.m; ++i) {
    double v = -p.b[i];
    for (std::size_t j = 0; j < p.n; ++j) v += p.A[i * p.n + j] * p.x_ls[j];
    r[i] = v;
  }
  for (std::size_t j = 0; j < p.n; ++j) {
    double g = 0;
    for (std::size_t i = 0; i < p.m; ++i) g += p.A[i * p.n + j] * r[i];
    EXPECT_NEAR(g, 0.0, 1e-12);
  }
  // Determinism.
  const LeastSquaresProblem q = ill_conditioned_least_squares(spec, 9);
  EXPECT_TRUE(same_bytes(p.A, q.A));
  EXPECT_TRUE(same_bytes(p.b, q.b));
  EXPECT_TRUE(same_bytes(p.x_ls, q.x_ls));
  EXPECT_THROW(ill_conditioned_least_squares({.m = 3, .n = 4}, 1), std::invalid_argument);
  EXPECT_THROW(ill_conditioned_least_squares({.cond = 0.5}, 1), std::invalid_argument);
}

}  // namespace
}  // namespace lrb::data
