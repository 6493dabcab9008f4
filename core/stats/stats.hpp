#pragma once
// Small-sample statistics for comparing repeated measurements: benchmark
// repetitions (`lrbench perf-check`) and training runs over seeds (the suites'
// claims checks).  Pure numerics: no I/O, no globals.  Every function takes
// plain spans and returns plain structs; bad input (an empty sample, a NaN,
// a confidence outside (0,1)) throws std::invalid_argument naming the problem.
//
// Conventions
//   * "baseline" is x, "contender" is y; differences and ratios are always
//     contender relative to baseline: y - x, y / x.
//   * sd and variance are the sample versions (divisor n - 1).
//   * quantile() is Hyndman & Fan type 7 (numpy's and R's default):
//       h = (n - 1) p,  q = x[floor h] + (h - floor h) (x[floor h + 1] - x[floor h])
//     on the sorted sample.
//   * A confidence interval of a mean is Student's t:
//       mean +- t_{(1+c)/2, n-1} * sd / sqrt(n);
//     t quantiles are computed (Boost.Math inverts the regularized
//     incomplete beta function), not read from a table, so non-integer Welch
//     df work too.
//
// The verdict statistics built on these live in their own headers:
//   power.hpp         power, minimum detectable effect, seeds needed (t, TOST)
//   equivalence.hpp   two one-sided tests (TOST), paired and Welch
//   multiplicity.hpp  Holm / Benjamini-Hochberg / Bonferroni over a family
//   verdict.hpp       interval -> verdict; which kind an inconclusive one is
//   sequential.hpp    group-sequential seeds in batches (Lan-DeMets spending)
//   bootstrap.hpp     seeded percentile bootstrap
//   profiles.hpp      Dolan-More performance profiles, AlgoPerf score, bands
//
// Mann-Whitney U (two-sided), matching scipy.stats.mannwhitneyu(x, y,
// alternative='two-sided', method='auto', use_continuity=True):
//   U1 = R1 - n1 (n1 + 1) / 2   (R1: sum of the average ranks of x in x ++ y;
//                                 U1 counts pairs with x > y, ties as 1/2)
//   U  = max(U1, n1 n2 - U1)
//   exact       p = 2 P(U' >= U) under H0 (all C(n1+n2, n1) orderings equally
//               likely), clipped to 1.  Chosen by kAuto when there are no ties
//               and min(n1, n2) <= 8 (scipy's rule), up to 8 vs 100000 values.
//               (Do not trade it for the normal approximation on unbalanced
//               samples: for 5 vs 2000 values at z = 3 the normal p is 2.8x
//               the exact one.)
//   asymptotic  z = (U - n1 n2 / 2 - 0.5) / s,
//               s^2 = n1 n2 / 12 * ((N + 1) - sum_k (t_k^3 - t_k) / (N (N - 1)))
//               (t_k: sizes of the tie groups, N = n1 + n2), p = 2 (1 - Phi(z))
//               clipped to [0, 1].  All values tied (s = 0): p = 1.
//   The smallest two-sided p an exact test can reach is 2 / C(n1+n2, n1):
//   with 3 repetitions per side that is 0.1, so at alpha = 0.05 such a test
//   can never reject; mwu_has_power() says so before anyone trusts a "no
//   change".
//
// Hodges-Lehmann shift (y - x): the median of the n1 n2 pairwise differences
// y_j - x_i, with the distribution-free (Moses) interval [D_(k), D_(n1 n2+1-k)]
// where k is the largest integer with P(U <= k - 1) <= (1 - c) / 2 under H0
// (the exact distribution whenever it can be built, else the normal
// approximation with continuity and tie corrections).  The interval's actual coverage 1 - 2 P(U <= k - 1)
// is reported; when even [min D, max D] cannot reach c the interval is
// (-inf, +inf) with coverage 1.  ratio_estimate() is the same on log(x),
// log(y), exponentiated: a location ratio y / x with its interval, no bootstrap.
#include <cstddef>
#include <span>
#include <vector>

namespace lrb::stats {

// ---- descriptive -----------------------------------------------------------

double mean(std::span<const double> x);
double variance(std::span<const double> x);  // divisor n - 1; NaN when n < 2
double sd(std::span<const double> x);        // sqrt(variance)
double median(std::span<const double> x);
// Sample skewness, the adjusted Fisher-Pearson G1 (scipy.stats.skew(x,
// bias=False)): with central moments m_k = mean((x - mean)^k),
//   G1 = sqrt(n (n - 1)) / (n - 2) * m3 / m2^(3/2);  n >= 3, NaN if m2 = 0.
// t-based verdicts assume roughly symmetric differences (sequential.hpp):
// report it next to them.
double skewness(std::span<const double> x);
double quantile(std::span<const double> x, double p);  // type 7, p in [0, 1]
// Ranks 1..n, ties get the average of the ranks they span.
std::vector<double> average_ranks(std::span<const double> x);

struct Interval {
  double low = 0, high = 0;
};

// One sample at a glance.  ci_low/ci_high: Student-t interval of the mean at
// `confidence`.  n == 1: sd is NaN and the interval is (-inf, +inf).
struct Summary {
  size_t n = 0;
  double mean = 0, sd = 0, median = 0;
  double ci_low = 0, ci_high = 0;
  double confidence = 0.95;
};
Summary summarize(std::span<const double> x, double confidence = 0.95);

// Student-t interval of the mean (the interval of summarize()).
Interval mean_ci(std::span<const double> x, double confidence = 0.95);

// y[i] - x[i]; the samples must have the same length (paired by index, e.g.
// by seed).  summarize(paired_differences(x, y)) is the paired-t analysis.
std::vector<double> paired_differences(std::span<const double> x, std::span<const double> y);

// Cohen's d = (mean(y) - mean(x)) / s_pooled,
// s_pooled^2 = ((n1 - 1) s1^2 + (n2 - 1) s2^2) / (n1 + n2 - 2).
// Needs n1 + n2 >= 3; NaN when s_pooled == 0 and the means are equal,
// +-inf when s_pooled == 0 and they differ.
double cohens_d(std::span<const double> x, std::span<const double> y);

// ---- distributions -----------------------------------------------------------
// Boost.Math underneath (distributions.cpp says which algorithm each uses).
// "sf" is the upper tail 1 - F, "isf" its inverse: isf(q) = quantile(1 - q)
// without forming 1 - q, so tiny upper-tail levels (a sequential boundary's
// 1e-7) keep their digits.

double normal_cdf(double z);
double normal_sf(double z);        // 1 - Phi(z), accurate in the upper tail
double normal_quantile(double p);  // p in (0, 1); |relative error| < 1e-15
double normal_isf(double q);       // z with 1 - Phi(z) = q, q in (0, 1)
// I_x(a, b), a, b > 0, x in [0, 1].
double regularized_incomplete_beta(double a, double b, double x);
double student_t_cdf(double t, double df);  // df > 0 (non-integer allowed; inf = normal)
double student_t_sf(double t, double df);
double student_t_quantile(double p, double df);  // p in (0, 1)
double student_t_isf(double q, double df);      // t with P(T > t) = q
// Noncentral t with df degrees of freedom and noncentrality delta:
// T' = (Z + delta) / sqrt(V / df), Z ~ N(0, 1), V ~ chi^2_df independent.  The
// distribution of the one-sample t statistic when the mean is delta standard
// errors away from the null (power.hpp).  df = inf gives N(delta, 1).
double noncentral_t_cdf(double x, double df, double delta);
double noncentral_t_sf(double x, double df, double delta);
double noncentral_t_quantile(double p, double df, double delta);

// ---- tests and intervals of two samples ----------------------------------------

// A mean difference (contender - baseline) with its standard error and the
// degrees of freedom of its t statistic: what every t-based test, interval,
// TOST and sequential look in this library is computed from.
//   paired  d_i = contender_i - baseline_i, estimate = mean(d),
//           se = sd(d) / sqrt(n), df = n - 1  (n >= 2 pairs)
//   Welch   estimate = mean(y) - mean(x), se^2 = s_x^2 / n_x + s_y^2 / n_y,
//           df = se^4 / ((s_x^2/n_x)^2 / (n_x - 1) + (s_y^2/n_y)^2 / (n_y - 1))
//           (Welch-Satterthwaite; n >= 2 per side; se = 0: df = n_x + n_y - 2)
// se may be 0 (identical runs); the functions using it say what they do then.
struct MeanDifference {
  double estimate = 0, se = 0, df = 0;
  size_t n_baseline = 0, n_contender = 0;
  bool paired = false;
};
MeanDifference paired_mean_difference(std::span<const double> baseline,
                                      std::span<const double> contender);
// From the per-pair differences directly (d_i in seed order).
MeanDifference paired_mean_difference(std::span<const double> differences);
MeanDifference welch_mean_difference(std::span<const double> baseline,
                                     std::span<const double> contender);

// Welch's unequal-variance t: diff = mean(y) - mean(x), its interval at
// `confidence`, t, the Welch-Satterthwaite df and the two-sided p.  Needs
// n >= 2 on both sides.  Both variances zero: the interval is [diff, diff],
// p = (diff == 0 ? 1 : 0), df = n1 + n2 - 2.
struct WelchResult {
  double diff = 0, ci_low = 0, ci_high = 0, t = 0, df = 0, p = 1;
};
WelchResult welch_t_test(std::span<const double> x, std::span<const double> y,
                         double confidence = 0.95);

enum class MwuMethod { kAuto, kExact, kAsymptotic };

struct MannWhitneyResult {
  double u1 = 0;                           // U of x (scipy's `statistic`)
  double p = 1;                            // two-sided
  MwuMethod method = MwuMethod::kExact;    // the one used (never kAuto)
  bool ties = false;
};
// Throws std::invalid_argument for kExact beyond mwu_null_counts' limits.
MannWhitneyResult mann_whitney_u(std::span<const double> x, std::span<const double> y,
                                 MwuMethod method = MwuMethod::kAuto, bool continuity = true);

// Null distribution of U for sample sizes n1, n2 (no ties): element u is the
// number of the C(n1+n2, n1) orderings with U = u, u = 0..n1 n2.  Computed
// exactly in 128-bit integers while C(n1+n2, n1) < 1e36 and n1 n2 <= 1e6,
// returned as doubles (so exact up to 2^53, rounded beyond); else by an
// additive recurrence in doubles while n1 n2 <= 10000; else it throws
// std::invalid_argument.
std::vector<double> mwu_null_counts(size_t n1, size_t n2);

// 2 / C(n1 + n2, n1), capped at 1: the smallest two-sided exact p-value.
double mwu_min_p_value(size_t n1, size_t n2);
// True when the smallest achievable p is < alpha, i.e. the test can detect a
// change at all.
bool mwu_has_power(size_t n1, size_t n2, double alpha);

struct ShiftEstimate {
  double estimate = 0;
  double ci_low = 0, ci_high = 0;
  double confidence = 0;  // the interval's actual coverage (>= requested, or 1)
};
ShiftEstimate hodges_lehmann(std::span<const double> x, std::span<const double> y,
                             double confidence = 0.95);
// exp(hodges_lehmann(log x, log y)): location ratio y / x; all values > 0.
ShiftEstimate ratio_estimate(std::span<const double> x, std::span<const double> y,
                             double confidence = 0.95);

// ---- verdicts --------------------------------------------------------------------

enum class Change { kNone, kIncrease, kDecrease };
const char* to_string(Change c);  // "none", "increase", "decrease"

// Positive measurements (times): is the contender's distribution shifted by
// more than `threshold` (a fraction, 0.05 = 5 %)?
//   increase  when p < alpha and median_ratio > 1 + threshold
//   decrease  when p < alpha and median_ratio < 1 / (1 + threshold)
// (symmetric on the log scale: swapping the samples swaps the verdicts).
struct RatioComparison {
  size_t n_baseline = 0, n_contender = 0;
  double baseline_median = 0, contender_median = 0;
  double median_ratio = 1;  // contender median / baseline median
  ShiftEstimate ratio;      // Hodges-Lehmann ratio with its 1 - alpha interval
  MannWhitneyResult test;
  bool has_power = false;   // mwu_has_power(n_baseline, n_contender, alpha)
  Change change = Change::kNone;
};
RatioComparison compare_ratio(std::span<const double> baseline, std::span<const double> contender,
                              double threshold, double alpha);

// Means over seeds (final accuracy, final loss).  paired: x[i] and y[i] share a
// seed; the interval is then the paired-t interval of the mean difference,
// else Welch's.  diff = mean(contender) - mean(baseline), interval at 1 - alpha.
//   increase  when ci_low > 0 and |relative_change| > threshold
//   decrease  when ci_high < 0 and |relative_change| > threshold
// (threshold may be 0: the interval alone decides).  has_power is false when
// either side (or the pairs) has fewer than 2 values; the change is then kNone.
struct MeanComparison {
  Summary baseline, contender;
  bool paired = false;
  double diff = 0, ci_low = 0, ci_high = 0, df = 0, p = 1;
  double relative_change = 0;  // diff / |mean(baseline)| (+-inf if that is 0)
  double cohens_d = 0;         // NaN when undefined
  bool has_power = false;
  Change change = Change::kNone;
};
MeanComparison compare_means(std::span<const double> baseline, std::span<const double> contender,
                             double threshold, double alpha, bool paired = false);

}  // namespace lrb::stats
