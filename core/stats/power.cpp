// Power, MDE, seeds needed (t tests and TOST).  Formulas in power.hpp.
#include "core/stats/power.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <stdexcept>
#include <string>

#include <boost/math/quadrature/gauss_kronrod.hpp>
#include <boost/math/tools/roots.hpp>

#include "core/stats/stats.hpp"

namespace lrb::stats {
namespace {

void check_alpha(double alpha, const char* what) {
  if (!(alpha > 0.0 && alpha < 1.0))
    throw std::invalid_argument(std::string(what) + ": alpha must be in (0, 1), got " +
                                std::to_string(alpha));
}

void check_positive(double v, const char* name, const char* what) {
  if (!(v > 0.0) || !std::isfinite(v))
    throw std::invalid_argument(std::string(what) + ": " + name + " must be finite and > 0, got " +
                                std::to_string(v));
}

void check_n(double n, const char* what) {
  if (!(n > 1.0) || !std::isfinite(n))
    throw std::invalid_argument(std::string(what) + ": n must be finite and > 1, got " +
                                std::to_string(n));
}

void check_finite(double v, const char* name, const char* what) {
  if (!std::isfinite(v))
    throw std::invalid_argument(std::string(what) + ": " + name + " must be finite, got " +
                                std::to_string(v));
}

void check_target(double power, double alpha, const char* what) {
  // At effect 0 every test rejects with probability alpha (two-sided: alpha,
  // one-sided: alpha); a target at or below it is met by no effect at all.
  if (!(power > alpha && power < 1.0))
    throw std::invalid_argument(std::string(what) + ": power must be in (alpha, 1), got " +
                                std::to_string(power));
}

void check_max_n(std::size_t max_n, const char* what) {
  if (max_n < 2)
    throw std::invalid_argument(std::string(what) + ": max_n must be >= 2, got " +
                                std::to_string(max_n));
}

// Power of a t test whose statistic is t'_df(delta), delta = effect / se.
double t_power(double delta, double df, double alpha, Sides sides) {
  switch (sides) {
    case Sides::kTwoSided: {
      const double c = student_t_isf(alpha / 2.0, df);
      return noncentral_t_sf(c, df, delta) + noncentral_t_cdf(-c, df, delta);
    }
    case Sides::kGreater:
      return noncentral_t_sf(student_t_isf(alpha, df), df, delta);
    case Sides::kLess:
      return noncentral_t_cdf(-student_t_isf(alpha, df), df, delta);
  }
  return 0.0;
}

// Root of f(x) = 0 for x in (lo, hi) where f increases; f(lo) < 0 < f(hi).
double increasing_root(const std::function<double(double)>& f, double lo, double hi) {
  std::uintmax_t iters = 200;
  // 45 bits ~ 3e-14 relative: far below every tolerance the tests use, and
  // well above the noise of the noncentral-t evaluations.
  const auto r = boost::math::tools::toms748_solve(f, lo, hi, boost::math::tools::eps_tolerance<double>(45),
                                                   iters);
  return 0.5 * (r.first + r.second);
}

// The positive standardized magnitude m at which power(m) = target, power
// increasing in m >= 0 (power at 0 < target).
double solve_magnitude(const std::function<double(double)>& power_at, double target) {
  double hi = 1.0;
  while (power_at(hi) < target) {
    hi *= 2.0;
    if (hi > 1e12) throw std::runtime_error("MDE search: power never reaches the target");
  }
  return increasing_root([&](double m) { return power_at(m) - target; }, 0.0, hi);
}

// Smallest integer n in [2, max_n] with power_at(n) >= target, power
// increasing in n.
SampleSize smallest_n(const std::function<double(std::size_t)>& power_at, double target,
                      std::size_t max_n) {
  const double p2 = power_at(2);
  if (p2 >= target) return {2, p2, true};
  std::size_t lo = 2, hi = 4;  // power_at(lo) < target
  double p_hi = 0.0;
  for (;;) {
    if (hi >= max_n) {
      hi = max_n;
      p_hi = power_at(hi);
      if (p_hi < target) return {max_n, p_hi, false};
      break;
    }
    p_hi = power_at(hi);
    if (p_hi >= target) break;
    lo = hi;
    hi *= 2;
  }
  while (hi - lo > 1) {
    const std::size_t mid = lo + (hi - lo) / 2;
    const double p = power_at(mid);
    if (p >= target) {
      hi = mid;
      p_hi = p;
    } else {
      lo = mid;
    }
  }
  return {hi, p_hi, true};
}

}  // namespace

const char* to_string(Sides s) {
  switch (s) {
    case Sides::kGreater: return "greater";
    case Sides::kLess: return "less";
    case Sides::kTwoSided: break;
  }
  return "two-sided";
}

// ---- paired --------------------------------------------------------------------------

double paired_t_power(double effect, double sd, double n, double alpha, Sides sides) {
  const char* what = "paired_t_power";
  check_finite(effect, "effect", what);
  check_positive(sd, "sd", what);
  check_n(n, what);
  check_alpha(alpha, what);
  return t_power(effect * std::sqrt(n) / sd, n - 1.0, alpha, sides);
}

double paired_t_mde(double sd, double n, double alpha, Sides sides, double power) {
  const char* what = "paired_t_mde";
  check_positive(sd, "sd", what);
  check_n(n, what);
  check_alpha(alpha, what);
  check_target(power, alpha, what);
  const double sign = sides == Sides::kLess ? -1.0 : 1.0;
  const double d = solve_magnitude(
      [&](double m) { return t_power(sign * m * std::sqrt(n), n - 1.0, alpha, sides); }, power);
  return d * sd;
}

double paired_t_nobs(double effect, double sd, double alpha, Sides sides, double power) {
  const char* what = "paired_t_nobs";
  check_finite(effect, "effect", what);
  check_positive(sd, "sd", what);
  check_alpha(alpha, what);
  check_target(power, alpha, what);
  if (effect == 0.0) throw std::invalid_argument("paired_t_nobs: effect must be != 0");
  const double d = effect / sd;
  auto f = [&](double n) { return t_power(d * std::sqrt(n), n - 1.0, alpha, sides) - power; };
  // Power as n -> 1 (df -> 0) tends to 0 for any effect, so the root lies
  // above a tiny df; grow the upper end until the target is met.
  double lo = 1.0 + 1e-9, hi = 2.0;
  while (f(hi) < 0.0) {
    lo = hi;
    hi *= 2.0;
    if (hi > 1e15)
      throw std::invalid_argument("paired_t_nobs: the target power needs more than 1e15 pairs "
                                  "(effect in the wrong direction for a one-sided test?)");
  }
  return increasing_root(f, lo, hi);
}

SampleSize paired_t_seeds_needed(double effect, double sd, double alpha, Sides sides,
                                 double power, std::size_t max_n) {
  const char* what = "paired_t_seeds_needed";
  check_finite(effect, "effect", what);
  check_positive(sd, "sd", what);
  check_alpha(alpha, what);
  check_target(power, alpha, what);
  check_max_n(max_n, what);
  const double d = effect / sd;
  return smallest_n(
      [&](std::size_t n) {
        const double nn = static_cast<double>(n);
        return t_power(d * std::sqrt(nn), nn - 1.0, alpha, sides);
      },
      power, max_n);
}

// ---- Welch ---------------------------------------------------------------------------

double welch_df(double sd_x, double sd_y, double n_x, double n_y) {
  const char* what = "welch_df";
  check_positive(sd_x, "sd_x", what);
  check_positive(sd_y, "sd_y", what);
  check_n(n_x, what);
  check_n(n_y, what);
  const double a = sd_x * sd_x / n_x, b = sd_y * sd_y / n_y;
  return (a + b) * (a + b) / (a * a / (n_x - 1.0) + b * b / (n_y - 1.0));
}

namespace {
double welch_se(double sd_x, double sd_y, double n_x, double n_y) {
  return std::sqrt(sd_x * sd_x / n_x + sd_y * sd_y / n_y);
}
}  // namespace

double welch_t_power(double effect, double sd_x, double sd_y, double n_x, double n_y,
                     double alpha, Sides sides) {
  const char* what = "welch_t_power";
  check_finite(effect, "effect", what);
  check_alpha(alpha, what);
  const double df = welch_df(sd_x, sd_y, n_x, n_y);
  return t_power(effect / welch_se(sd_x, sd_y, n_x, n_y), df, alpha, sides);
}

double welch_t_mde(double sd_x, double sd_y, double n_x, double n_y, double alpha, Sides sides,
                   double power) {
  const char* what = "welch_t_mde";
  check_alpha(alpha, what);
  check_target(power, alpha, what);
  const double df = welch_df(sd_x, sd_y, n_x, n_y);
  const double se = welch_se(sd_x, sd_y, n_x, n_y);
  const double sign = sides == Sides::kLess ? -1.0 : 1.0;
  return se * solve_magnitude([&](double m) { return t_power(sign * m, df, alpha, sides); }, power);
}

SampleSize welch_t_seeds_needed(double effect, double sd_x, double sd_y, double alpha, Sides sides,
                                double power, std::size_t max_n) {
  const char* what = "welch_t_seeds_needed";
  check_finite(effect, "effect", what);
  check_positive(sd_x, "sd_x", what);
  check_positive(sd_y, "sd_y", what);
  check_alpha(alpha, what);
  check_target(power, alpha, what);
  check_max_n(max_n, what);
  return smallest_n(
      [&](std::size_t n) {
        const double nn = static_cast<double>(n);
        return t_power(effect / welch_se(sd_x, sd_y, nn, nn), welch_df(sd_x, sd_y, nn, nn), alpha,
                       sides);
      },
      power, max_n);
}

// ---- TOST ----------------------------------------------------------------------------

double tost_power(double true_diff, double lower, double upper, double se, double df,
                  double alpha) {
  const char* what = "tost_power";
  check_finite(true_diff, "true_diff", what);
  check_finite(lower, "lower", what);
  check_finite(upper, "upper", what);
  if (!(lower < upper))
    throw std::invalid_argument("tost_power: lower must be < upper, got " + std::to_string(lower) +
                                " and " + std::to_string(upper));
  check_positive(se, "se", what);
  check_positive(df, "df", what);
  check_alpha(alpha, what);
  const double c = student_t_isf(alpha, df);
  const double a = (upper - true_diff) / se, b = (lower - true_diff) / se;
  const double w_star = (upper - lower) / (2.0 * c * se);
  // log g_nu(w) = log 2 + (nu/2) log(nu/2) - lgamma(nu/2) + (nu-1) log w - nu w^2 / 2
  const double half = 0.5 * df;
  const double log_front = std::log(2.0) + half * std::log(half) - std::lgamma(half);
  auto integrand = [&](double w) {
    if (w <= 0.0) return 0.0;
    const double inside = normal_cdf(a - c * w) - normal_cdf(b + c * w);
    if (inside <= 0.0) return 0.0;
    return inside * std::exp(log_front + (df - 1.0) * std::log(w) - df * w * w / 2.0);
  };
  // g_nu peaks at w = sqrt((nu - 1) / nu) with spread ~ 1 / sqrt(2 nu); split
  // there so the adaptive rule sees the peak, and stop where g_nu is below
  // 1e-300 of its peak (40 spreads beyond it).
  const double mode = df > 1.0 ? std::sqrt((df - 1.0) / df) : 0.0;
  const double far = mode + 40.0 / std::sqrt(2.0 * df) + 1.0;
  const double end = std::min(w_star, far);
  using GK = boost::math::quadrature::gauss_kronrod<double, 61>;
  constexpr unsigned kDepth = 15;
  constexpr double kTol = 1e-13;
  double total = 0.0;
  if (mode > 0.0 && mode < end) {
    total += GK::integrate(integrand, 0.0, mode, kDepth, kTol);
    total += GK::integrate(integrand, mode, end, kDepth, kTol);
  } else {
    total += GK::integrate(integrand, 0.0, end, kDepth, kTol);
  }
  return std::clamp(total, 0.0, 1.0);
}

double paired_tost_power(double true_diff, double lower, double upper, double sd, double n,
                         double alpha) {
  const char* what = "paired_tost_power";
  check_positive(sd, "sd", what);
  check_n(n, what);
  return tost_power(true_diff, lower, upper, sd / std::sqrt(n), n - 1.0, alpha);
}

double welch_tost_power(double true_diff, double lower, double upper, double sd_x, double sd_y,
                        double n_x, double n_y, double alpha) {
  const double df = welch_df(sd_x, sd_y, n_x, n_y);
  return tost_power(true_diff, lower, upper, welch_se(sd_x, sd_y, n_x, n_y), df, alpha);
}

double paired_tost_margin(double sd, double n, double alpha, double power) {
  const char* what = "paired_tost_margin";
  check_positive(sd, "sd", what);
  check_n(n, what);
  check_alpha(alpha, what);
  // TOST power at mu = 0 rises from 0 (margin 0) to 1; any target in (0, 1).
  if (!(power > 0.0 && power < 1.0))
    throw std::invalid_argument("paired_tost_margin: power must be in (0, 1), got " +
                                std::to_string(power));
  const double m = solve_magnitude(
      [&](double m) { return m <= 0.0 ? 0.0 : paired_tost_power(0.0, -m, m, 1.0, n, alpha); },
      power);
  return m * sd;
}

SampleSize paired_tost_seeds_needed(double true_diff, double lower, double upper, double sd,
                                    double alpha, double power, std::size_t max_n) {
  const char* what = "paired_tost_seeds_needed";
  check_positive(sd, "sd", what);
  check_alpha(alpha, what);
  check_max_n(max_n, what);
  if (!(power > 0.0 && power < 1.0))
    throw std::invalid_argument("paired_tost_seeds_needed: power must be in (0, 1), got " +
                                std::to_string(power));
  if (!(true_diff > lower && true_diff < upper)) {
    // Outside the band TOST power never exceeds alpha: no n suffices.
    return {max_n, paired_tost_power(true_diff, lower, upper, sd, static_cast<double>(max_n), alpha),
            false};
  }
  return smallest_n(
      [&](std::size_t n) {
        return paired_tost_power(true_diff, lower, upper, sd, static_cast<double>(n), alpha);
      },
      power, max_n);
}

double hedges_correction(double df) {
  if (!(df > 1.0) || !std::isfinite(df))
    throw std::invalid_argument("hedges_correction: df must be finite and > 1, got " +
                                std::to_string(df));
  return std::exp(std::lgamma(0.5 * df) - std::lgamma(0.5 * (df - 1.0))) / std::sqrt(0.5 * df);
}

}  // namespace lrb::stats
