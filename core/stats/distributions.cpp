// Normal and Student-t distribution functions, computed (no tables).
//
//   Phi(z)      = erfc(-z / sqrt 2) / 2
//   Phi^-1(p)   Acklam's rational approximation (|rel err| < 1.2e-9), then two
//               Halley steps on erfc, which bring it to double precision.
//   I_x(a, b)   continued fraction (modified Lentz), evaluated on whichever of
//               x, 1 - x converges fast; 1 - x is passed separately so the t
//               tails do not cancel.
//   t sf        P(T > t) = I_{df/(df+t^2)}(df/2, 1/2) / 2 for t > 0.
//   t quantile  closed forms for df = 1, 2; otherwise Newton on the sf,
//               safeguarded by bisection inside a bracket.
#include <cmath>
#include <limits>
#include <numbers>
#include <stdexcept>
#include <string>

#include "core/stats/stats.hpp"

namespace lrb::stats {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Continued fraction of I_x(a, b) (Numerical Recipes' betacf, modified Lentz).
double beta_continued_fraction(double a, double b, double x) {
  constexpr double kTiny = 1e-300, kEps = 1e-16;
  constexpr int kMaxIter = 100000;
  const double qab = a + b, qap = a + 1.0, qam = a - 1.0;
  double c = 1.0, d = 1.0 - qab * x / qap;
  if (std::fabs(d) < kTiny) d = kTiny;
  d = 1.0 / d;
  double h = d;
  for (int m = 1; m <= kMaxIter; ++m) {
    const double m2 = 2.0 * m;
    double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
    d = 1.0 + aa * d;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = 1.0 + aa / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1.0 / d;
    h *= d * c;
    aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
    d = 1.0 + aa * d;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = 1.0 + aa / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1.0 / d;
    const double del = d * c;
    h *= del;
    if (std::fabs(del - 1.0) < kEps) return h;
  }
  return h;  // not converged to 1e-16 after 1e5 terms: still the best estimate
}

// I_x(a, b) with y = 1 - x given exactly by the caller.
double ibeta(double a, double b, double x, double y) {
  if (x <= 0.0) return 0.0;
  if (y <= 0.0) return 1.0;
  const double log_front =
      std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) + a * std::log(x) + b * std::log(y);
  const double front = std::exp(log_front);
  if (x < (a + 1.0) / (a + b + 2.0)) return front * beta_continued_fraction(a, b, x) / a;
  return 1.0 - front * beta_continued_fraction(b, a, y) / b;
}

bool is_normal_df(double df) { return std::isinf(df) || df > 1e12; }

double student_t_pdf(double t, double df) {
  if (is_normal_df(df)) return std::exp(-0.5 * t * t) / std::sqrt(2.0 * std::numbers::pi);
  const double log_pdf = std::lgamma(0.5 * (df + 1.0)) - std::lgamma(0.5 * df) -
                         0.5 * std::log(df * std::numbers::pi) -
                         0.5 * (df + 1.0) * std::log1p(t * t / df);
  return std::exp(log_pdf);
}

void check_df(double df) {
  if (!(df > 0.0)) throw std::invalid_argument("Student t: df must be > 0, got " + std::to_string(df));
}

void check_probability(double p, const char* what) {
  if (!(p > 0.0 && p < 1.0))
    throw std::invalid_argument(std::string(what) + ": p must be in (0, 1), got " +
                                std::to_string(p));
}

}  // namespace

double normal_cdf(double z) { return 0.5 * std::erfc(-z / std::numbers::sqrt2); }
double normal_sf(double z) { return 0.5 * std::erfc(z / std::numbers::sqrt2); }

double normal_quantile(double p) {
  check_probability(p, "normal_quantile");
  static constexpr double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,
                                 -2.759285104469687e+02, 1.383577518672690e+02,
                                 -3.066479806614716e+01, 2.506628277459239e+00};
  static constexpr double b[] = {-5.447609879822406e+01, 1.615858368580409e+02,
                                 -1.556989798598866e+02, 6.680131188771972e+01,
                                 -1.328068155288572e+01};
  static constexpr double c[] = {-7.784894002430293e-03, -3.223964580411365e-01,
                                 -2.400758277161838e+00, -2.549732539343734e+00,
                                 4.374664141464968e+00,  2.938163982698783e+00};
  static constexpr double d[] = {7.784695709041462e-03, 3.224671290700398e-01,
                                 2.445134137142996e+00, 3.754408661907416e+00};
  constexpr double p_low = 0.02425;
  double x;
  if (p < p_low) {
    const double q = std::sqrt(-2.0 * std::log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1.0);
  } else if (p <= 1.0 - p_low) {
    const double q = p - 0.5, r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1.0);
  } else {
    const double q = std::sqrt(-2.0 * std::log1p(-p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1.0);
  }
  // Halley refinement on the tail that is computed without cancellation.
  for (int it = 0; it < 2; ++it) {
    const double e = (x < 0) ? normal_cdf(x) - p : (1.0 - p) - normal_sf(x);
    const double u = e * std::sqrt(2.0 * std::numbers::pi) * std::exp(0.5 * x * x);
    x = x - u / (1.0 + 0.5 * x * u);
  }
  return x;
}

double regularized_incomplete_beta(double a, double b, double x) {
  if (!(a > 0.0) || !(b > 0.0))
    throw std::invalid_argument("regularized_incomplete_beta: a and b must be > 0");
  if (!(x >= 0.0 && x <= 1.0))
    throw std::invalid_argument("regularized_incomplete_beta: x must be in [0, 1], got " +
                                std::to_string(x));
  return ibeta(a, b, x, 1.0 - x);
}

double student_t_sf(double t, double df) {
  check_df(df);
  if (std::isnan(t)) throw std::invalid_argument("student_t_sf: t is NaN");
  if (is_normal_df(df)) return normal_sf(t);
  if (t == 0.0) return 0.5;
  if (std::isinf(t)) return t > 0 ? 0.0 : 1.0;
  const double t2 = t * t;
  const double x = df / (df + t2), y = t2 / (df + t2);
  const double tail = 0.5 * ibeta(0.5 * df, 0.5, x, y);
  return t > 0 ? tail : 1.0 - tail;
}

double student_t_cdf(double t, double df) {
  if (std::isnan(t)) throw std::invalid_argument("student_t_cdf: t is NaN");
  return student_t_sf(-t, df);
}

double student_t_quantile(double p, double df) {
  check_probability(p, "student_t_quantile");
  check_df(df);
  if (p == 0.5) return 0.0;
  if (is_normal_df(df)) return normal_quantile(p);
  // Solve sf(t) = q for t > 0 on the smaller tail, then restore the sign.
  const double sign = p < 0.5 ? -1.0 : 1.0;
  const double q = p < 0.5 ? p : 1.0 - p;
  if (df == 1.0) return sign / std::tan(std::numbers::pi * q);
  if (df == 2.0) return sign * (1.0 - 2.0 * q) / std::sqrt(2.0 * q * (1.0 - q));

  double lo = 0.0, hi = std::max(1.0, normal_quantile(1.0 - q));
  while (student_t_sf(hi, df) > q) {
    lo = hi;
    hi *= 2.0;
    if (hi > 1e300) return sign * kInf;
  }
  double t = 0.5 * (lo + hi);
  // Cornish-Fisher start: z + (z^3 + z) / (4 df), clamped into the bracket.
  const double z = normal_quantile(1.0 - q);
  const double start = z + (z * z * z + z) / (4.0 * df);
  if (start > lo && start < hi) t = start;
  for (int it = 0; it < 300; ++it) {
    const double f = student_t_sf(t, df) - q;  // decreasing in t
    if (f > 0) lo = t; else hi = t;
    if (f == 0.0) break;
    const double pdf = student_t_pdf(t, df);
    double next = t + f / pdf;
    if (!(next > lo && next < hi) || pdf == 0.0) next = 0.5 * (lo + hi);
    const bool done = std::fabs(next - t) <= 1e-15 * std::fabs(t) || hi - lo <= 1e-15 * hi;
    t = next;
    if (done) break;
  }
  return sign * t;
}

}  // namespace lrb::stats
