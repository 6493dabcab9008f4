#pragma once
// Seeded synthetic data for the tutorials whose data is not given.
//
// Every random number comes from datasets/rng.hpp: Rng = SplitMix64 seeded with
// derive_seed(seed, "<generator>/<stream>", 0), uniform01 / normal written out
// there, so the same seed gives the same bytes on every platform.  Each
// generator keeps separate streams for inputs, noise and (where there is one)
// the teacher, so changing sigma does not move x, and changing n keeps the
// first rows of x (rows are drawn in order, features within a row in order).
// To get train/validation/test sets, generate once and split with
// split_indices() + take_rows() (datasets/sampling.hpp): two calls with
// different seeds are two different problems (teacher included).
#include <cstddef>
#include <cstdint>
#include <vector>

#include "datasets/types.hpp"

namespace lrb::data {

// Tutorial 002 exactly: X = [[1], [2], [3], [4]], y = [2, 4, 6, 8] (n = 4, d = 1).
RegressionData tutorial002_data();

// Noisy linear regression (tutorials 002 and 003):
//   x_ij ~ U[x_lo, x_hi)         stream "noisy-linear/x", row-major draw order
//   y_i  = sum_j w_j x_ij + b + sigma * N(0, 1)   stream "noisy-linear/noise"
// Defaults are the textbook y = 4 + 3x + N(0, 1), x ~ U[0, 2) (Geron, ch. 4);
// d = w.size().
struct NoisyLinearSpec {
  std::size_t n = 1000;
  std::vector<double> w = {3.0};
  double b = 4.0;
  double sigma = 1.0;
  double x_lo = 0.0;
  double x_hi = 2.0;
};
RegressionData noisy_linear(const NoisyLinearSpec& spec, std::uint64_t seed);

// 20-feature regression for tutorial 004's MLP (and 000's regression MLP):
// a fixed random one-hidden-layer ReLU "teacher".
//   W (hidden, d) ~ N(0, 2/d) (He), c (hidden) ~ N(0, 0.1^2),
//   a (hidden) ~ N(0, 1/hidden)                 stream "teacher-mlp/weights",
//                                               drawn W row-major, then c, then a
//   x_i ~ N(0, I_d)                             stream "teacher-mlp/x"
//   y_i = sum_k a_k relu(W_k . x_i + c_k) + sigma * N(0, 1)   stream "teacher-mlp/noise"
// Var(y) is about 1 + sigma^2 with these scales, so sigma = 0.1 puts the
// best achievable MSE (the noise floor) near 0.01.
struct TeacherMlpSpec {
  std::size_t n = 1000;
  std::size_t d = 20;
  std::size_t hidden = 32;
  double sigma = 0.1;
};
RegressionData teacher_mlp(const TeacherMlpSpec& spec, std::uint64_t seed);

// Ill-conditioned least squares for tutorial 000: minimise (1/m) |A x - b|^2.
//   A = U diag(s) V^T, U (m, n) and V (n, n) with orthonormal columns from
//   modified Gram-Schmidt (applied twice) on N(0, 1) matrices
//   (streams "ill-lsq/U", "ill-lsq/V", column-major draw order);
//   s_i = cond^(-i/(n-1)), i = 0..n-1 (s_0 = 1, s_{n-1} = 1/cond; det_pow);
//   x* ~ N(0, I_n)                               stream "ill-lsq/x"
//   b = A x* + sigma * N(0, I_m)                 stream "ill-lsq/noise"
//   x_ls = V diag(1/s) U^T b, the least-squares minimiser (up to rounding).
// The Hessian of the loss is (2/m) A^T A, eigenvalues 2 s_i^2 / m, so its
// condition number is cond^2.
struct IllConditionedSpec {
  std::size_t m = 200;
  std::size_t n = 20;
  double cond = 100.0;  // s_max / s_min, >= 1
  double sigma = 0.01;
};
struct LeastSquaresProblem {
  std::vector<double> A;                // (m, n) row-major
  std::vector<double> b;                // (m)
  std::vector<double> x_star;           // (n) planted solution
  std::vector<double> x_ls;             // (n) least-squares minimiser
  std::vector<double> singular_values;  // (n) descending
  std::size_t m = 0;
  std::size_t n = 0;
};
LeastSquaresProblem ill_conditioned_least_squares(const IllConditionedSpec& spec,
                                                  std::uint64_t seed);

}  // namespace lrb::data
