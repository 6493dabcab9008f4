#pragma once
// Built-in objective functions for `lrbench trace` and the optimizer goldens.
//
//   quadratic   f(x) = 0.5 * sum_i a_i (x_i - 1)^2,  a_i = cond^(i/(dim-1))
//               grad_i = a_i * (x_i - 1)                     minimum x = 1
//   rosenbrock  f(x, y) = (1 - x)^2 + 100 (y - x^2)^2        minimum (1, 1)
//               df/dx = -2 (1 - x) - 400 x (y - x^2),  df/dy = 200 (y - x^2)
//   linreg002   tutorial 002: X = [1,2,3,4], y = 2X, one weight theta, m = 4
//               loss = (1/m) sum_j (X_j theta - y_j)^2      (as printed there)
//               grad = (1/m) sum_j X_j (X_j theta - y_j)    (the 1/2m convention)
//               The loss and the gradient disagree by a factor 2 exactly as in
//               the tutorial; theta -> 2 either way.
//
// Arithmetic runs in T (float or double); a_i is computed in double and
// rounded to T once.  Sums run left to right in T.  The golden generator
// (tools/goldens/) repeats these formulas in the same order.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/spec/spec.hpp"

namespace lrb::problems {

enum class Kind { quadratic, rosenbrock, linreg002 };

struct Problem {
  Kind kind = Kind::quadratic;
  int dim = 2;          // number of parameters (fixed 2 for rosenbrock, 1 for linreg002)
  double cond = 10.0;   // quadratic only: a_{dim-1} / a_0
};

// quadratic[:dim=N,cond=C] | rosenbrock | linreg002
Problem problem_from_spec(const spec::Spec& s);
std::string problem_name(Kind k);

// The default start: zeros, except (-1.5, 2.0) for rosenbrock.
std::vector<double> default_x0(const Problem& p);

// Curvature a_i of the quadratic (double, before rounding to T).
double quadratic_coefficient(const Problem& p, int i);

// Writes the gradient at x into grad and returns the loss at x.
template <class T>
T loss_and_grad(const Problem& p, std::span<const T> x, std::span<T> grad);

}  // namespace lrb::problems
