// core/stats against values computed independently (tests/stats/
// reference_values.py: brute-force enumeration of every split for the exact
// Mann-Whitney p, Gauss-Legendre integration of the t density for the t
// quantiles, closed forms where they exist) and against scipy's documented
// example.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <vector>

#include "core/stats/stats.hpp"

namespace st = lrb::stats;

namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();
// Relative tolerance for values from the numerical t integration in
// reference_values.py: checked against 30-digit mpmath, the integration is
// good to ~3.5e-13 (t_{0.9999, 3}), Boost.Math's quantile to ~4e-14.
constexpr double kRelNumeric = 1e-12;

void expect_rel(double got, double want, double rel) {
  EXPECT_NEAR(got, want, rel * std::fabs(want)) << "want " << want;
}
}  // namespace

// ---- descriptive ---------------------------------------------------------------

TEST(StatsDescriptive, QuantileIsType7LikeNumpy) {
  const std::vector<double> x = {3.0, 1.0, 4.0, 1.5, 9.0, 2.6};
  // numpy.quantile(x, p) (method 'linear')
  const double p[] = {0, 0.1, 0.25, 0.5, 0.9, 1};
  const double want[] = {1.0, 1.25, 1.775, 2.8, 6.5, 9.0};
  for (int i = 0; i < 6; ++i) EXPECT_NEAR(st::quantile(x, p[i]), want[i], 1e-15) << p[i];
  EXPECT_DOUBLE_EQ(st::median(x), 2.8);
  EXPECT_DOUBLE_EQ(st::median(std::vector<double>{5.0}), 5.0);
  EXPECT_THROW(st::quantile(x, 1.5), std::invalid_argument);
  EXPECT_THROW(st::median(std::vector<double>{}), std::invalid_argument);
  EXPECT_THROW(st::mean(std::vector<double>{1.0, NAN}), std::invalid_argument);
}

TEST(StatsDescriptive, AverageRanksSplitTies) {
  const std::vector<double> x = {10, 20, 20, 5, 20, 7};
  const std::vector<double> want = {3, 5, 5, 1, 5, 2};
  EXPECT_EQ(st::average_ranks(x), want);
}

TEST(StatsDescriptive, SummaryAndStudentTIntervalOfMean) {
  const std::vector<double> x = {9.8, 10.2, 10.4, 9.9, 10.0, 10.1, 9.7};
  const st::Summary s = st::summarize(x, 0.95);
  EXPECT_EQ(s.n, 7u);
  expect_rel(s.mean, 10.014285714285714, 1e-14);
  expect_rel(s.sd, 0.24102953780654787, 1e-13);
  EXPECT_DOUBLE_EQ(s.median, 10.0);
  expect_rel(s.ci_low, 9.791370571026267, 1e-12);
  expect_rel(s.ci_high, 10.237200857545162, 1e-12);
  const st::Summary one = st::summarize(std::vector<double>{3.0});
  EXPECT_TRUE(std::isnan(one.sd));
  EXPECT_EQ(one.ci_low, -kInf);
  EXPECT_EQ(one.ci_high, kInf);
  EXPECT_THROW(st::summarize(x, 1.0), std::invalid_argument);
}

TEST(StatsDescriptive, PairedDifferencesAndCohensD) {
  const std::vector<double> a = {1, 2, 3}, b = {1.5, 2.0, 4.0};
  EXPECT_EQ(st::paired_differences(a, b), (std::vector<double>{0.5, 0.0, 1.0}));
  EXPECT_THROW(st::paired_differences(a, std::vector<double>{1.0}), std::invalid_argument);
  const std::vector<double> wx = {0.91, 0.90, 0.92, 0.89, 0.905};
  const std::vector<double> wy = {0.88, 0.87, 0.895, 0.86, 0.875, 0.885};
  expect_rel(st::cohens_d(wx, wy), -2.3452078799117193, 1e-12);
  EXPECT_TRUE(std::isnan(st::cohens_d(std::vector<double>{1, 1}, std::vector<double>{1, 1})));
  EXPECT_EQ(st::cohens_d(std::vector<double>{1, 1}, std::vector<double>{2, 2}), kInf);
}

// ---- distributions ------------------------------------------------------------------

TEST(StatsDistributions, NormalQuantile) {
  EXPECT_NEAR(st::normal_quantile(0.975), 1.959963984540054, 1e-15);
  EXPECT_NEAR(st::normal_quantile(0.5), 0.0, 1e-16);
  for (double p : {1e-300, 1e-12, 0.001, 0.02425, 0.2, 0.7, 0.99, 1 - 1e-12}) {
    const double z = st::normal_quantile(p);
    EXPECT_NEAR(st::normal_cdf(z), p, 1e-13 * std::max(p, 1e-3)) << p;
  }
  EXPECT_THROW(st::normal_quantile(0.0), std::invalid_argument);
  EXPECT_THROW(st::normal_quantile(1.0), std::invalid_argument);
}

TEST(StatsDistributions, StudentTQuantileClosedForms) {
  // df = 1: tan(pi (p - 1/2)); df = 2: (2p - 1) / sqrt(2 p (1 - p));
  // df = 4: 2 sqrt(q - 1), q = cos(acos(sqrt a) / 3) / sqrt a, a = 4 p (1 - p).
  expect_rel(st::student_t_quantile(0.975, 1), 12.706204736174696, 1e-14);
  expect_rel(st::student_t_quantile(0.975, 2), 4.302652729749464, 1e-14);
  expect_rel(st::student_t_quantile(0.975, 4), 2.7764451051977943, 1e-12);
  EXPECT_DOUBLE_EQ(st::student_t_quantile(0.025, 4), -st::student_t_quantile(0.975, 4));
}

TEST(StatsDistributions, StudentTQuantileAgainstIntegration) {
  struct Case {
    double p, df, want;
  };
  for (const Case& c : {Case{0.975, 3, 3.1824463052837}, Case{0.975, 5, 2.5705818356363332},
                        Case{0.975, 7.5, 2.3330396268649833},
                        Case{0.975, 10, 2.2281388519862615}, Case{0.975, 30, 2.042272456301288},
                        Case{0.975, 100, 1.983971518523771}, Case{0.995, 5, 4.032142983555312},
                        Case{0.9999, 3, 22.203742273196504}}) {
    expect_rel(st::student_t_quantile(c.p, c.df), c.want, kRelNumeric);
  }
  expect_rel(st::student_t_cdf(1.5, 7.5), 0.9127597147067678, kRelNumeric);
  // Large df tends to the normal; infinite df is the normal.
  EXPECT_NEAR(st::student_t_quantile(0.975, 1e7), 1.959963984540054, 1e-6);
  EXPECT_DOUBLE_EQ(st::student_t_quantile(0.975, kInf), st::normal_quantile(0.975));
  // Round trip, including far tails.
  for (double df : {1.5, 3.0, 12.0, 250.0})
    for (double p : {1e-9, 0.01, 0.3, 0.8, 0.999999}) {
      const double t = st::student_t_quantile(p, df);
      EXPECT_NEAR(st::student_t_cdf(t, df), p, 1e-12 * std::max(p, 1e-2)) << df << " " << p;
    }
  EXPECT_THROW(st::student_t_quantile(0.5, 0.0), std::invalid_argument);
}

TEST(StatsDistributions, IncompleteBetaSymmetry) {
  for (double x : {0.0, 0.1, 0.35, 0.9, 1.0})
    EXPECT_NEAR(st::regularized_incomplete_beta(2.5, 4.0, x),
                1.0 - st::regularized_incomplete_beta(4.0, 2.5, 1.0 - x), 1e-14);
  // I_x(1, 1) = x; I_x(a, 1) = x^a
  EXPECT_NEAR(st::regularized_incomplete_beta(1, 1, 0.3), 0.3, 1e-15);
  EXPECT_NEAR(st::regularized_incomplete_beta(3, 1, 0.5), 0.125, 1e-15);
}

// ---- Welch ------------------------------------------------------------------------------

TEST(StatsWelch, DifferenceOfMeansInterval) {
  const std::vector<double> wx = {0.91, 0.90, 0.92, 0.89, 0.905};
  const std::vector<double> wy = {0.88, 0.87, 0.895, 0.86, 0.875, 0.885};
  const st::WelchResult w = st::welch_t_test(wx, wy, 0.95);
  expect_rel(w.diff, -0.02750000000000008, 1e-12);
  expect_rel(w.df, 8.871695276281168, 1e-12);
  expect_rel(w.ci_low, -0.04346426370725441, kRelNumeric);
  expect_rel(w.ci_high, -0.011535736292745749, kRelNumeric);
  EXPECT_LT(w.p, 0.05);
  const st::WelchResult same = st::welch_t_test(std::vector<double>{1, 1}, std::vector<double>{1, 1});
  EXPECT_EQ(same.p, 1.0);
  EXPECT_EQ(same.ci_low, 0.0);
  EXPECT_THROW(st::welch_t_test(std::vector<double>{1}, wy), std::invalid_argument);
}

// ---- Mann-Whitney --------------------------------------------------------------------

TEST(StatsMannWhitney, ScipyDocumentationExample) {
  // scipy.stats.mannwhitneyu docs: males vs females, U1 = 17.
  const std::vector<double> males = {19, 22, 16, 29, 24}, females = {20, 11, 17, 12};
  const st::MannWhitneyResult e = st::mann_whitney_u(males, females);
  EXPECT_EQ(e.method, st::MwuMethod::kExact);
  EXPECT_DOUBLE_EQ(e.u1, 17.0);
  EXPECT_NEAR(e.p, 0.1111111111111111, 1e-15);
  const st::MannWhitneyResult a = st::mann_whitney_u(males, females, st::MwuMethod::kAsymptotic);
  EXPECT_NEAR(a.p, 0.11134688653314041, 1e-14);
  const auto nc = st::mann_whitney_u(males, females, st::MwuMethod::kAsymptotic, false);
  EXPECT_NEAR(nc.p, 0.0864107329737, 1e-12);
  // Swapping the samples keeps p and mirrors U.
  const st::MannWhitneyResult s = st::mann_whitney_u(females, males);
  EXPECT_DOUBLE_EQ(s.u1, 3.0);
  EXPECT_DOUBLE_EQ(s.p, e.p);
}

TEST(StatsMannWhitney, ExactAgainstEnumeration) {
  const std::vector<double> a = {1.83, 0.50, 1.62, 2.48, 1.68};
  const std::vector<double> b = {0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06001};
  const st::MannWhitneyResult r = st::mann_whitney_u(a, b);
  EXPECT_EQ(r.method, st::MwuMethod::kExact);
  EXPECT_FALSE(r.ties);
  EXPECT_DOUBLE_EQ(r.u1, 25.0);
  EXPECT_NEAR(r.p, 0.2676767676767677, 1e-15);
  // Complete separation 3 vs 4: p = 2 / C(7, 3).
  const auto sep = st::mann_whitney_u(std::vector<double>{1.1, 2.3, 3.7},
                                      std::vector<double>{4.2, 5.0, 6.1, 7.3});
  EXPECT_DOUBLE_EQ(sep.u1, 0.0);
  EXPECT_NEAR(sep.p, 2.0 / 35.0, 1e-16);
}

TEST(StatsMannWhitney, NullCountsAreTheSplits) {
  const std::vector<double> c = st::mwu_null_counts(3, 4);
  ASSERT_EQ(c.size(), 13u);
  // Partitions of u into at most 3 parts, each <= 4 (Gaussian binomial [7 3]).
  const std::vector<double> want = {1, 1, 2, 3, 4, 4, 5, 4, 4, 3, 2, 1, 1};
  EXPECT_EQ(c, want);
  const std::vector<double> big = st::mwu_null_counts(8, 12);
  EXPECT_DOUBLE_EQ(std::accumulate(big.begin(), big.end(), 0.0), 125970.0);  // C(20, 8)
  EXPECT_EQ(st::mwu_null_counts(12, 8), big);
  EXPECT_THROW(st::mwu_null_counts(200, 200), std::invalid_argument);
  // Balanced 60 vs 60: C(120, 60) ~ 9.7e34 orderings, still exact (128-bit).
  const std::vector<double> c60 = st::mwu_null_counts(60, 60);
  double total = 0.0, tail = 0.0;
  for (size_t u = c60.size(); u-- > 0;) {
    total += c60[u];
    if (u >= 2400) tail += c60[u];
  }
  EXPECT_NEAR(total / 9.6614908840363322603893139521372656e34, 1.0, 1e-14);
  EXPECT_NEAR(2 * tail / total, 0.001497622773794635, 1e-14);
}

TEST(StatsMannWhitney, ExactForUnbalancedSamples) {
  // 5 vs 2000 values: the null distribution is far from normal in the tails
  // (the normal approximation gives 0.0027 here), so 'auto' stays exact.
  std::vector<double> y(2000);
  for (size_t i = 0; i < y.size(); ++i) y[i] = double(i);
  const std::vector<double> x = {1772.5, 1773.5, 1774.5, 1776.5, 1778.5};  // U1 = 8878
  const st::MannWhitneyResult r = st::mann_whitney_u(x, y);
  EXPECT_EQ(r.method, st::MwuMethod::kExact);
  EXPECT_DOUBLE_EQ(r.u1, 8878.0);
  EXPECT_NEAR(r.p, 0.0009524032956648248, 1e-17);
  const std::vector<double> c = st::mwu_null_counts(5, 2000);
  double total = 0.0, tail = 0.0;
  for (size_t u = c.size(); u-- > 0;) {
    total += c[u];
    if (u >= 9525) tail += c[u];
  }
  EXPECT_NEAR(2 * tail / total, 1.3586053363797078e-05, 1e-19);
}

TEST(StatsMannWhitney, TiesUseTieCorrectedNormalApproximation) {
  const std::vector<double> x = {1, 2, 2, 3, 3, 3, 4}, y = {2, 3, 4, 4, 5, 5, 6};
  const st::MannWhitneyResult r = st::mann_whitney_u(x, y);
  EXPECT_TRUE(r.ties);
  EXPECT_EQ(r.method, st::MwuMethod::kAsymptotic);
  EXPECT_DOUBLE_EQ(r.u1, 8.5);
  EXPECT_NEAR(r.p, 0.04305143272894518, 1e-14);
  // All values tied: no evidence at all.
  EXPECT_EQ(st::mann_whitney_u(std::vector<double>{2, 2}, std::vector<double>{2, 2, 2}).p, 1.0);
}

TEST(StatsMannWhitney, LargeSamplesUseNormalApproximation) {
  const std::vector<double> x = {10.001, 10.299, 9.726, 9.109, 9.545, 9.008,
                                 10.06,  11.34,  9.508, 9.38,  10.49, 10.357};
  const std::vector<double> y = {11.105, 10.07, 10.971, 11.695, 9.656, 10.542,
                                 9.099,  9.71,  9.158,  10.765, 9.733, 11.271};
  const st::MannWhitneyResult r = st::mann_whitney_u(x, y);
  EXPECT_EQ(r.method, st::MwuMethod::kAsymptotic);
  EXPECT_DOUBLE_EQ(r.u1, 50.0);
  EXPECT_NEAR(r.p, 0.21449380778351754, 1e-14);
}

TEST(StatsMannWhitney, PowerNote) {
  EXPECT_DOUBLE_EQ(st::mwu_min_p_value(3, 3), 0.1);  // 2 / C(6, 3)
  EXPECT_FALSE(st::mwu_has_power(3, 3, 0.05));
  EXPECT_NEAR(st::mwu_min_p_value(4, 4), 2.0 / 70.0, 1e-15);
  EXPECT_TRUE(st::mwu_has_power(4, 4, 0.05));
  EXPECT_FALSE(st::mwu_has_power(4, 4, 0.01));
  EXPECT_NEAR(st::mwu_min_p_value(5, 5), 2.0 / 252.0, 1e-15);
  EXPECT_EQ(st::mwu_min_p_value(1, 1), 1.0);
}

// ---- Hodges-Lehmann ---------------------------------------------------------------------

TEST(StatsHodgesLehmann, ShiftAndDistributionFreeInterval) {
  const std::vector<double> a = {1.83, 0.50, 1.62, 2.48, 1.68};
  const std::vector<double> b = {0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06001};
  const st::ShiftEstimate h = st::hodges_lehmann(a, b, 0.95);
  EXPECT_NEAR(h.estimate, -0.62, 1e-14);
  EXPECT_NEAR(h.ci_low, -1.232, 1e-14);
  EXPECT_NEAR(h.ci_high, 0.378, 1e-14);
  EXPECT_NEAR(h.confidence, 0.952020202020202, 1e-14);
  const st::ShiftEstimate h90 = st::hodges_lehmann(
      std::vector<double>{1, 2, 3, 4, 5, 6}, std::vector<double>{3.5, 4.5, 6.5, 7.5, 8.5, 9.5}, 0.9);
  EXPECT_DOUBLE_EQ(h90.estimate, 3.5);
  EXPECT_DOUBLE_EQ(h90.ci_low, 0.5);
  EXPECT_DOUBLE_EQ(h90.ci_high, 5.5);
  EXPECT_NEAR(h90.confidence, 0.9069264069264069, 1e-14);
  // 3 vs 4 values cannot reach 95 %: unbounded, says so.
  const st::ShiftEstimate tiny = st::hodges_lehmann(std::vector<double>{1.1, 2.3, 3.7},
                                                    std::vector<double>{4.2, 5.0, 6.1, 7.3});
  EXPECT_NEAR(tiny.estimate, 3.35, 1e-14);
  EXPECT_EQ(tiny.ci_low, -kInf);
  EXPECT_EQ(tiny.ci_high, kInf);
  EXPECT_EQ(tiny.confidence, 1.0);
}

TEST(StatsHodgesLehmann, RatioOfScaledSamples) {
  const std::vector<double> x = {1.00, 1.02, 0.98, 1.01, 0.99, 1.03, 0.97, 1.00, 1.01};
  std::vector<double> y(x);
  for (double& v : y) v *= 1.5;
  const st::ShiftEstimate r = st::ratio_estimate(x, y, 0.95);
  EXPECT_NEAR(r.estimate, 1.5, 1e-12);
  EXPECT_LT(r.ci_low, 1.5);
  EXPECT_GT(r.ci_high, 1.5);
  EXPECT_GT(r.ci_low, 1.4);
  EXPECT_THROW(st::ratio_estimate(std::vector<double>{0.0}, y), std::invalid_argument);
}

// The order statistics are selected without storing the n1 n2 differences:
// the same values, bit for bit, as sorting every difference (ties, negative
// and mixed-sign values, odd and even n1 n2, exact and approximate k).
TEST(StatsHodgesLehmann, SelectionEqualsSortingEveryDifference) {
  uint64_t state = 12345;
  auto uniform = [&state] {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<double>(state >> 11) / 9007199254740992.0;
  };
  for (const auto& [n1, n2] : std::vector<std::pair<size_t, size_t>>{{1, 1}, {5, 7}, {9, 9}, {37, 53}, {120, 81}}) {
    std::vector<double> x(n1), y(n2);
    for (double& v : x) v = std::round(uniform() * 40.0) / 8.0 - 2.0;  // many ties
    for (double& v : y) v = uniform() * 5.0 - 1.9;
    std::vector<double> d;
    for (const double yj : y)
      for (const double xi : x) d.push_back(yj - xi);
    std::sort(d.begin(), d.end());
    const size_t mn = d.size();
    const double median = mn % 2 == 1 ? d[mn / 2] : 0.5 * (d[mn / 2 - 1] + d[mn / 2]);
    const st::ShiftEstimate h = st::hodges_lehmann(x, y, 0.9);
    EXPECT_EQ(h.estimate, median) << n1 << " x " << n2;
    if (std::isfinite(h.ci_low)) {
      // [D_(k), D_(mn+1-k)] for one k.
      bool symmetric = false;
      for (size_t k = 1; k <= mn / 2 + 1 && !symmetric; ++k) symmetric = d[k - 1] == h.ci_low && d[mn - k] == h.ci_high;
      EXPECT_TRUE(symmetric) << n1 << " x " << n2;
      EXPECT_LE(h.ci_low, h.estimate);
      EXPECT_GE(h.ci_high, h.estimate);
    }
  }
  // 20,000 repetitions per side (perf-check's samples can be that large): 4e8
  // differences, which sorting would hold as 3.2 GB.  A shift of exactly 0.5.
  std::vector<double> x(20000), y(20000);
  for (size_t i = 0; i < x.size(); ++i) {
    x[i] = static_cast<double>((i * 7919) % 20000) / 1024.0;
    y[i] = x[i] + 0.5;
  }
  const st::ShiftEstimate big = st::hodges_lehmann(x, y, 0.95);
  EXPECT_EQ(big.estimate, 0.5);
  EXPECT_LT(big.ci_low, 0.5);
  EXPECT_GT(big.ci_high, 0.5);
  // Both samples holding +inf: inf - inf has no order.
  EXPECT_THROW(st::hodges_lehmann(std::vector<double>{1.0, kInf}, std::vector<double>{kInf}), std::invalid_argument);
}

// ---- verdicts ----------------------------------------------------------------------------

TEST(StatsCompare, RatioVerdicts) {
  const std::vector<double> base = {100, 101, 99, 102, 98, 100.5, 99.5, 101.5, 98.5};
  std::vector<double> slow(base), fast(base), noise(base);
  for (double& v : slow) v *= 1.2;
  for (double& v : fast) v /= 1.2;
  for (size_t i = 0; i < noise.size(); ++i) noise[i] = base[(i + 3) % base.size()] * 1.001;
  EXPECT_EQ(st::compare_ratio(base, slow, 0.05, 0.05).change, st::Change::kIncrease);
  EXPECT_EQ(st::compare_ratio(base, fast, 0.05, 0.05).change, st::Change::kDecrease);
  EXPECT_EQ(st::compare_ratio(base, noise, 0.05, 0.05).change, st::Change::kNone);
  // Significant but within the threshold: no change.
  std::vector<double> slight(base);
  for (double& v : slight) v *= 1.03;
  const st::RatioComparison c = st::compare_ratio(base, slight, 0.05, 0.05);
  EXPECT_LT(c.test.p, 0.05);
  EXPECT_EQ(c.change, st::Change::kNone);
  // Too few repetitions: no power, never a verdict.
  const std::vector<double> b3 = {1, 1.01, 0.99}, s3 = {2, 2.01, 1.99};
  const st::RatioComparison p3 = st::compare_ratio(b3, s3, 0.05, 0.05);
  EXPECT_FALSE(p3.has_power);
  EXPECT_EQ(p3.change, st::Change::kNone);
  EXPECT_NEAR(p3.median_ratio, 2.0, 1e-15);
  EXPECT_THROW(st::compare_ratio(base, slow, 0.0, 0.05), std::invalid_argument);
  EXPECT_THROW(st::compare_ratio(base, slow, 0.05, 1.0), std::invalid_argument);
}

TEST(StatsCompare, MeanVerdictsWelchAndPaired) {
  const std::vector<double> base = {0.91, 0.90, 0.92, 0.89, 0.905};
  const std::vector<double> drop = {0.88, 0.87, 0.895, 0.86, 0.875, 0.885};
  const st::MeanComparison w = st::compare_means(base, drop, 0.0, 0.05);
  EXPECT_EQ(w.change, st::Change::kDecrease);
  EXPECT_FALSE(w.paired);
  expect_rel(w.ci_high, -0.011535736292745749, kRelNumeric);
  // A 3 % relative drop is below a 5 % threshold.
  EXPECT_EQ(st::compare_means(base, drop, 0.05, 0.05).change, st::Change::kNone);
  // Paired by seed: a consistent +0.01 shift is detected although the seeds
  // spread more than the shift.
  const std::vector<double> pb = {0.80, 0.90, 0.85, 0.95, 0.70};
  const std::vector<double> pc = {0.811, 0.909, 0.861, 0.958, 0.712};
  EXPECT_EQ(st::compare_means(pb, pc, 0.0, 0.05, false).change, st::Change::kNone);
  const st::MeanComparison p = st::compare_means(pb, pc, 0.0, 0.05, true);
  EXPECT_TRUE(p.paired);
  EXPECT_EQ(p.df, 4.0);
  EXPECT_EQ(p.change, st::Change::kIncrease);
  // One seed per side: nothing can be said.
  const st::MeanComparison one =
      st::compare_means(std::vector<double>{0.9}, std::vector<double>{0.5}, 0.0, 0.05);
  EXPECT_FALSE(one.has_power);
  EXPECT_EQ(one.change, st::Change::kNone);
}
