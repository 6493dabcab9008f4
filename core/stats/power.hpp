#pragma once
// Power, minimum detectable effect (MDE) and seeds needed for the t tests the
// claims use, and for TOST equivalence.  Pure numerics over Boost.Math; bad
// input throws std::invalid_argument naming the function and the value.
//
// Units.  `effect` is a true mean difference (contender - baseline, or the
// mean of the paired differences) in metric units; `sd` is the standard
// deviation in the same units: of the per-seed differences for a paired
// design (Cohen's d_z = effect / sd), of single runs per arm for Welch.  MDEs
// come back in metric units; divide by sd for the standardized d.
//
// ---- t tests: exact power through the noncentral t -------------------------
// A t statistic T = (estimate - 0) / SE_hat, SE_hat^2 an (approximately)
// scaled chi^2 variance estimate with nu degrees of freedom, follows the
// noncentral t t'_nu(delta) with delta = effect / SE when the true mean
// difference is `effect` (SE: the true standard error).  With F its cdf and
// c_a = t_{1-a, nu} the upper-a point of the central t:
//   two-sided   power = 1 - F(c_{alpha/2}) + F(-c_{alpha/2})
//   kGreater    power = 1 - F(c_alpha)            (H1: effect > 0)
//   kLess       power = F(-c_alpha)               (H1: effect < 0)
// This is statsmodels.stats.power.ttest_power (TTestPower().power for one
// sample / paired, TTestIndPower().power for two samples) term for term.
//   paired      n pairs: SE = sd / sqrt(n), nu = n - 1; exact.
//   Welch       SE^2 = sd_x^2 / n_x + sd_y^2 / n_y and the Welch-Satterthwaite
//               df nu = SE^4 / ((sd_x^2/n_x)^2/(n_x-1) + (sd_y^2/n_y)^2/(n_y-1))
//               evaluated at the true sds.  Exact (it is the pooled t and
//               TTestIndPower's df = 2n - 2) when sd_x = sd_y and n_x = n_y;
//               otherwise Satterthwaite's approximation of the variance
//               estimate by a scaled chi^2, which reference_values checks
//               against a Monte Carlo of the real Welch test.
// MDE: the root d* > 0 of power(d*) = target (power rises monotonically in
// |effect|; TOMS 748 on a doubling bracket, 1e-12 relative), times sd.  For
// kLess the effect is -MDE.  Seeds needed: the smallest integer n >= 2 (per
// arm for Welch, equal allocation) whose power reaches the target -- power
// rises monotonically in n for a fixed effect -- found by doubling then
// bisection, i.e. statsmodels' solve_power(nobs=None) rounded up.
// References: Cohen (1988), Statistical Power Analysis, ch. 2; Guenther
// (1981), The American Statistician 35(4) (why the normal approximation
// n = ((z_{1-a/2} + z_{1-b}) / d)^2 undercounts at n <= 30: 31.4 vs 33.4
// seeds for d = 0.5).
//
// ---- TOST: exact power by one-dimensional quadrature ------------------------
// TOST (equivalence.hpp) concludes equivalence inside (lower, upper) iff
//   lower + c SE_hat <= estimate <= upper - c SE_hat,   c = t_{1-alpha, nu}.
// With the estimate ~ N(mu, SE^2) independent of W = SE_hat / SE ~
// sqrt(chi^2_nu / nu), conditioning on W = w gives
//   power = int_0^{w*} [ Phi((upper - mu)/SE - c w) - Phi((lower - mu)/SE + c w) ] g_nu(w) dw,
//   w* = (upper - lower) / (2 c SE)  (beyond it the interval is empty),
//   g_nu(w) = 2 (nu/2)^{nu/2} / Gamma(nu/2) w^{nu-1} exp(-nu w^2 / 2),
// Owen's (1965) bivariate noncentral t probability written as one integral
// (Phillips 1990, J. Pharmacokinetics and Biopharmaceutics 18(2) uses the
// same representation).  Integrated with adaptive Gauss-Kronrod (61 points)
// split at the mode of g_nu; |error| < 1e-12.  The common "nct approximation"
// 1 - F_{delta_L}(c) + F_{delta_U}(-c) - 1 drops the dependence between the
// two tests and is badly low at small n (0.159 vs 0.294 at n = 5, margin
// +-1 sd); it is not used.  Welch: same integral with the Welch SE and
// Satterthwaite df (approximation, as above).
// "Equivalence MDE": the smallest symmetric margin (-m, m) that TOST would
// establish with the target power when the true difference is 0.
#include <cstddef>

namespace lrb::stats {

// Which alternative the test has: effect != 0, effect > 0, effect < 0.
enum class Sides { kTwoSided, kGreater, kLess };
const char* to_string(Sides s);  // "two-sided", "greater", "less"

// A sample size search result: n is the smallest sample size with power >=
// the target when `reached`; otherwise n = max_n (the search cap) and power is
// what max_n gives, so callers can say "more than max_n".
struct SampleSize {
  std::size_t n = 0;
  double power = 0;
  bool reached = false;
};

// ---- paired t (one-sample t on the per-seed differences) ----------------------

// n > 1 (real n allowed, df = n - 1), sd > 0, alpha in (0, 1).
double paired_t_power(double effect, double sd, double n, double alpha,
                      Sides sides = Sides::kTwoSided);
// Smallest |effect| detected with probability `power` (in (alpha, 1); for a
// two-sided test the power at effect 0 is alpha, one-sided alpha too).
double paired_t_mde(double sd, double n, double alpha, Sides sides = Sides::kTwoSided,
                    double power = 0.8);
// Real-valued n > 1 with power(n) = target (statsmodels TTestPower.solve_power).
double paired_t_nobs(double effect, double sd, double alpha, Sides sides = Sides::kTwoSided,
                     double power = 0.8);
// Smallest integer n in [2, max_n] with power >= target.
SampleSize paired_t_seeds_needed(double effect, double sd, double alpha,
                                 Sides sides = Sides::kTwoSided, double power = 0.8,
                                 std::size_t max_n = 100000);

// ---- two independent samples (Welch) -------------------------------------------

// Welch-Satterthwaite df for true sds and sample sizes (n_x, n_y > 1).
double welch_df(double sd_x, double sd_y, double n_x, double n_y);
double welch_t_power(double effect, double sd_x, double sd_y, double n_x, double n_y,
                     double alpha, Sides sides = Sides::kTwoSided);
double welch_t_mde(double sd_x, double sd_y, double n_x, double n_y, double alpha,
                   Sides sides = Sides::kTwoSided, double power = 0.8);
// Seeds per arm (n_x = n_y = n).
SampleSize welch_t_seeds_needed(double effect, double sd_x, double sd_y, double alpha,
                                Sides sides = Sides::kTwoSided, double power = 0.8,
                                std::size_t max_n = 100000);

// ---- TOST equivalence ---------------------------------------------------------------

// Power of TOST at level alpha (per one-sided test) to conclude lower < mu <
// upper when the true difference is `true_diff`, for an estimate with true
// standard error `se` and `df` degrees of freedom.  lower < upper.
double tost_power(double true_diff, double lower, double upper, double se, double df,
                  double alpha);
double paired_tost_power(double true_diff, double lower, double upper, double sd, double n,
                         double alpha);
double welch_tost_power(double true_diff, double lower, double upper, double sd_x, double sd_y,
                        double n_x, double n_y, double alpha);
// Smallest margin m with paired_tost_power(0, -m, m, sd, n, alpha) >= power.
double paired_tost_margin(double sd, double n, double alpha, double power = 0.8);
// Smallest integer n in [2, max_n] with paired TOST power >= target.
SampleSize paired_tost_seeds_needed(double true_diff, double lower, double upper, double sd,
                                    double alpha, double power = 0.8,
                                    std::size_t max_n = 100000);

// ---- observed effects ---------------------------------------------------------------

// Hedges' small-sample correction of a standardized effect estimated with
// df degrees of freedom: J(df) = Gamma(df/2) / (sqrt(df/2) Gamma((df-1)/2)),
// exact (Hedges 1981, J. Educational Statistics 6(2), eq. 6c); the familiar
// 1 - 3 / (4 df - 1) is its first-order approximation.  d_hat = mean / sd is
// biased upward by 1 / J (26 % at df = 4), so "seeds needed for the observed
// effect" should plug in J(df) * d_hat.  df > 1.
double hedges_correction(double df);

}  // namespace lrb::stats
