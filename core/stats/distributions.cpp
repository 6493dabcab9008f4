// Normal, Student-t and noncentral-t distribution functions: thin wrappers
// over Boost.Math (header-only), which documents its methods and accuracy:
//
//   Phi, Phi^-1      boost::math::normal: erfc / erfc_inv.
//   I_x(a, b)        boost::math::ibeta (DiDonato & Morris' method, with
//                    Temme's asymptotics where they converge faster).
//   t cdf/quantile   boost::math::students_t: the incomplete beta function
//                    and its inverse (Hill's 1970 algorithm as a start, then
//                    Halley refinement); df = inf is the normal.
//   noncentral t     boost::math::non_central_t: Benton & Krishnamoorthy's
//                    (2003) series of incomplete beta functions summed from
//                    the Poisson mode outwards; quantile by root finding.
//
// Upper tails are taken with cdf(complement(dist, x)) so they do not cancel.
// Arguments are checked here (std::invalid_argument naming the function and
// the value) before Boost sees them; the policy turns Boost's overflow into
// +-inf (a t quantile of 1e-300 with df = 0.5 is ~1e600) instead of throwing.
// Boost's default policy for double promotes internal arithmetic to long
// double, so results may differ from SciPy's in the last digit or two.
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include <boost/math/distributions/complement.hpp>
#include <boost/math/distributions/non_central_t.hpp>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/students_t.hpp>
#include <boost/math/special_functions/beta.hpp>

#include "core/stats/stats.hpp"

namespace lrb::stats {
namespace {

namespace bm = boost::math;
using Policy = bm::policies::policy<bm::policies::overflow_error<bm::policies::ignore_error>>;
using Normal = bm::normal_distribution<double, Policy>;
using StudentT = bm::students_t_distribution<double, Policy>;
using NoncentralT = bm::non_central_t_distribution<double, Policy>;

constexpr double kInf = std::numeric_limits<double>::infinity();

// Beyond 1e12 degrees of freedom the t and the normal agree to double
// precision (the leading correction is (z^3 + z) / (4 df)).
bool is_normal_df(double df) { return std::isinf(df) || df > 1e12; }

void check_df(double df, const char* what) {
  if (!(df > 0.0))
    throw std::invalid_argument(std::string(what) + ": df must be > 0, got " + std::to_string(df));
}

void check_probability(double p, const char* what) {
  if (!(p > 0.0 && p < 1.0))
    throw std::invalid_argument(std::string(what) + ": p must be in (0, 1), got " +
                                std::to_string(p));
}

void check_not_nan(double x, const char* what) {
  if (std::isnan(x)) throw std::invalid_argument(std::string(what) + ": argument is NaN");
}

void check_noncentrality(double delta, const char* what) {
  if (!std::isfinite(delta))
    throw std::invalid_argument(std::string(what) + ": noncentrality must be finite, got " +
                                std::to_string(delta));
}

}  // namespace

double normal_cdf(double z) {
  check_not_nan(z, "normal_cdf");
  if (std::isinf(z)) return z > 0 ? 1.0 : 0.0;
  return bm::cdf(Normal(), z);
}

double normal_sf(double z) {
  check_not_nan(z, "normal_sf");
  if (std::isinf(z)) return z > 0 ? 0.0 : 1.0;
  return bm::cdf(bm::complement(Normal(), z));
}

double normal_quantile(double p) {
  check_probability(p, "normal_quantile");
  return bm::quantile(Normal(), p);
}

double normal_isf(double q) {
  check_probability(q, "normal_isf");
  return bm::quantile(bm::complement(Normal(), q));
}

double regularized_incomplete_beta(double a, double b, double x) {
  if (!(a > 0.0) || !(b > 0.0))
    throw std::invalid_argument("regularized_incomplete_beta: a and b must be > 0");
  if (!(x >= 0.0 && x <= 1.0))
    throw std::invalid_argument("regularized_incomplete_beta: x must be in [0, 1], got " +
                                std::to_string(x));
  return bm::ibeta(a, b, x, Policy());
}

double student_t_sf(double t, double df) {
  check_df(df, "student_t_sf");
  check_not_nan(t, "student_t_sf");
  if (is_normal_df(df)) return normal_sf(t);
  if (std::isinf(t)) return t > 0 ? 0.0 : 1.0;
  return bm::cdf(bm::complement(StudentT(df), t));
}

double student_t_cdf(double t, double df) {
  check_not_nan(t, "student_t_cdf");
  return student_t_sf(-t, df);
}

double student_t_quantile(double p, double df) {
  check_probability(p, "student_t_quantile");
  check_df(df, "student_t_quantile");
  if (is_normal_df(df)) return normal_quantile(p);
  return bm::quantile(StudentT(df), p);
}

double student_t_isf(double q, double df) {
  check_probability(q, "student_t_isf");
  check_df(df, "student_t_isf");
  if (is_normal_df(df)) return normal_isf(q);
  return bm::quantile(bm::complement(StudentT(df), q));
}

double noncentral_t_cdf(double x, double df, double delta) {
  check_df(df, "noncentral_t_cdf");
  check_not_nan(x, "noncentral_t_cdf");
  check_noncentrality(delta, "noncentral_t_cdf");
  if (std::isinf(x)) return x > 0 ? 1.0 : 0.0;
  if (is_normal_df(df)) return normal_cdf(x - delta);
  return bm::cdf(NoncentralT(df, delta), x);
}

double noncentral_t_sf(double x, double df, double delta) {
  check_df(df, "noncentral_t_sf");
  check_not_nan(x, "noncentral_t_sf");
  check_noncentrality(delta, "noncentral_t_sf");
  if (std::isinf(x)) return x > 0 ? 0.0 : 1.0;
  if (is_normal_df(df)) return normal_sf(x - delta);
  return bm::cdf(bm::complement(NoncentralT(df, delta), x));
}

double noncentral_t_quantile(double p, double df, double delta) {
  check_probability(p, "noncentral_t_quantile");
  check_df(df, "noncentral_t_quantile");
  check_noncentrality(delta, "noncentral_t_quantile");
  if (is_normal_df(df)) return delta + normal_quantile(p);
  return bm::quantile(NoncentralT(df, delta), p);
}

}  // namespace lrb::stats
