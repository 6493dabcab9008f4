// Noncentral t, power, MDE, seeds needed, TOST power and the inconclusive
// diagnosis against tests/stats/reference/verdict_statistics.json
// (statsmodels TTestPower / TTestIndPower and scipy, each cross-checked by a
// 40-digit mpmath quadrature in the generator; TOST power by the exact
// integral in mpmath, cross-checked by Monte Carlo).
#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <string>

#include "core/stats/power.hpp"
#include "core/stats/stats.hpp"
#include "core/stats/verdict.hpp"
#include "tests/stats/reference.hpp"

namespace st = lrb::stats;
using lrb::test::verdict_reference;

namespace {

st::Sides sides_of(const std::string& s) {
  if (s == "two-sided") return st::Sides::kTwoSided;
  if (s == "greater") return st::Sides::kGreater;
  if (s == "less") return st::Sides::kLess;
  throw std::runtime_error("unknown sides " + s);
}

// Probabilities: Boost evaluates the noncentral t by its Poisson-weighted
// incomplete-beta series in long double; against the 40-digit quadrature it
// is good to ~1e-14 absolute.  1e-12 leaves room for the t quantile feeding
// the power (itself ~1e-15 relative) and is still 1e6 times tighter than the
// 1e-6 that distinguishes statsmodels' answers from wrong ones.
constexpr double kProb = 1e-12;
// Roots (n, MDE): TOMS 748 stops at 45 bits (3e-14 relative); the reference
// roots are brentq to 1e-13.  The power's slope turns 1e-12 of probability
// noise into < 1e-10 relative in the root.
constexpr double kRoot = 1e-9;

}  // namespace

TEST(StatsNoncentralT, CdfAndSfAgainstQuadrature) {
  for (const auto& c : verdict_reference()["noncentral_t"]) {
    const double x = c["x"], df = c["df"], delta = c["delta"];
    EXPECT_NEAR(st::noncentral_t_cdf(x, df, delta), c["cdf"].get<double>(), kProb)
        << x << " " << df << " " << delta;
    EXPECT_NEAR(st::noncentral_t_sf(x, df, delta), c["sf"].get<double>(), kProb)
        << x << " " << df << " " << delta;
  }
  // delta = 0 is the central t; df = inf the shifted normal.
  EXPECT_NEAR(st::noncentral_t_cdf(1.3, 7, 0.0), st::student_t_cdf(1.3, 7), 1e-15);
  EXPECT_NEAR(st::noncentral_t_cdf(1.3, INFINITY, 0.5), st::normal_cdf(0.8), 1e-16);
  EXPECT_THROW(st::noncentral_t_cdf(1.0, 0.0, 1.0), std::invalid_argument);
  EXPECT_THROW(st::noncentral_t_cdf(NAN, 3.0, 1.0), std::invalid_argument);
  EXPECT_THROW(st::noncentral_t_sf(1.0, 3.0, INFINITY), std::invalid_argument);
}

TEST(StatsNoncentralT, Quantiles) {
  for (const auto& c : verdict_reference()["noncentral_t_quantile"]) {
    const double p = c["p"], df = c["df"], delta = c["delta"], want = c["x"];
    // Boost's quantile root-finds the cdf to ~1e-15 relative in x.
    EXPECT_NEAR(st::noncentral_t_quantile(p, df, delta), want, 1e-10 * std::max(1.0, std::fabs(want)))
        << p << " " << df << " " << delta;
  }
  EXPECT_THROW(st::noncentral_t_quantile(1.0, 3.0, 1.0), std::invalid_argument);
}

TEST(StatsDistributions, StudentTUpperQuantilesAgainstMpmath) {
  // Tiny upper levels are what sequential boundaries need (4e-8 at 5 of 30
  // seeds); isf must not lose them to 1 - q.
  for (const auto& c : verdict_reference()["student_t_isf"]) {
    const double q = c["q"], df = c["df"], want = c["t"];
    EXPECT_NEAR(st::student_t_isf(q, df), want, 1e-12 * want) << q << " " << df;
    EXPECT_NEAR(st::student_t_sf(want, df), q, 1e-12 * q) << q << " " << df;
  }
  EXPECT_NEAR(st::normal_isf(0.025), 1.959963984540054, 1e-15);
  EXPECT_NEAR(st::normal_isf(1e-300), -st::normal_quantile(1e-300), 1e-12);
}

TEST(StatsPower, PairedTMatchesStatsmodels) {
  for (const auto& c : verdict_reference()["paired_power"]) {
    const double got = st::paired_t_power(c["effect"], c["sd"], c["n"], c["alpha"],
                                          sides_of(c["sides"]));
    EXPECT_NEAR(got, c["power"].get<double>(), kProb) << c.dump();
  }
  // The fact sheet's headline: d = 0.5 with 10 pairs has 29 % power.
  EXPECT_NEAR(st::paired_t_power(0.5, 1.0, 10, 0.05), 0.293176, 5e-7);
}

TEST(StatsPower, PairedNobsMdeAndSeeds) {
  for (const auto& c : verdict_reference()["paired_nobs"]) {
    const st::Sides s = sides_of(c["sides"]);
    const double want = c["nobs"];
    EXPECT_NEAR(st::paired_t_nobs(c["effect"], c["sd"], c["alpha"], s, c["power"]), want,
                kRoot * want)
        << c.dump();
    const st::SampleSize n =
        st::paired_t_seeds_needed(c["effect"], c["sd"], c["alpha"], s, c["power"]);
    EXPECT_TRUE(n.reached);
    EXPECT_EQ(n.n, c["seeds"].get<std::size_t>()) << c.dump();
    EXPECT_NEAR(n.power, c["power_at_seeds"].get<double>(), kProb);
    EXPECT_LT(c["power_below"].get<double>(), c["power"].get<double>());
  }
  for (const auto& c : verdict_reference()["paired_mde"]) {
    const double want = c["mde"];
    EXPECT_NEAR(st::paired_t_mde(c["sd"], c["n"], c["alpha"], sides_of(c["sides"]), c["power"]),
                want, kRoot * want)
        << c.dump();
  }
  // MDE scales with sd; a cap that is too small says so.
  EXPECT_NEAR(st::paired_t_mde(3.0, 10, 0.05), 3.0 * st::paired_t_mde(1.0, 10, 0.05), 1e-12);
  const st::SampleSize capped = st::paired_t_seeds_needed(0.5, 1.0, 0.05, st::Sides::kTwoSided, 0.8, 20);
  EXPECT_FALSE(capped.reached);
  EXPECT_EQ(capped.n, 20u);
  EXPECT_NEAR(capped.power, st::paired_t_power(0.5, 1.0, 20, 0.05), 1e-15);
  EXPECT_THROW(st::paired_t_power(0.5, 0.0, 10, 0.05), std::invalid_argument);
  EXPECT_THROW(st::paired_t_power(0.5, 1.0, 1.0, 0.05), std::invalid_argument);
  EXPECT_THROW(st::paired_t_mde(1.0, 10, 0.05, st::Sides::kTwoSided, 0.04), std::invalid_argument);
  EXPECT_THROW(st::paired_t_nobs(0.0, 1.0, 0.05), std::invalid_argument);
}

TEST(StatsPower, WelchMatchesStatsmodelsAndSimulation) {
  for (const auto& c : verdict_reference()["welch_power"]) {
    const double sx = c["sd_x"], sy = c["sd_y"], nx = c["n_x"], ny = c["n_y"];
    EXPECT_NEAR(st::welch_df(sx, sy, nx, ny), c["df"].get<double>(), 1e-12 * c["df"].get<double>());
    const double got = st::welch_t_power(c["effect"], sx, sy, nx, ny, c["alpha"], sides_of(c["sides"]));
    EXPECT_NEAR(got, c["power"].get<double>(), kProb) << c.dump();
    if (c.contains("monte_carlo")) {
      // Satterthwaite's chi^2 approximation against the real Welch test
      // (2e5 simulated pairs of samples): within 4 Monte Carlo standard
      // errors plus 0.01 for the approximation itself (measured: at most
      // 0.007, at 10 vs 6 seeds with a 2:1 sd ratio).
      EXPECT_NEAR(got, c["monte_carlo"].get<double>(), 4 * c["mc_se"].get<double>() + 0.01)
          << c.dump();
    }
  }
  for (const auto& c : verdict_reference()["welch_seeds"]) {
    const st::SampleSize n = st::welch_t_seeds_needed(c["effect"], c["sd_x"], c["sd_y"], c["alpha"],
                                                      st::Sides::kTwoSided, c["power"]);
    EXPECT_EQ(n.n, c["seeds"].get<std::size_t>()) << c.dump();
    EXPECT_NEAR(n.power, c["power_at_seeds"].get<double>(), kProb);
  }
  for (const auto& c : verdict_reference()["welch_mde"]) {
    const double want = c["mde"];
    EXPECT_NEAR(st::welch_t_mde(c["sd_x"], c["sd_y"], c["n_x"], c["n_y"], c["alpha"],
                                st::Sides::kTwoSided, c["power"]),
                want, kRoot * want);
  }
}

TEST(StatsPower, TostPowerExactIntegral) {
  // The quadrature is adaptive Gauss-Kronrod to 1e-13; the reference is the
  // same integral at 40 digits.
  for (const auto& c : verdict_reference()["tost_power"]) {
    const double got = st::paired_tost_power(c["true_diff"], c["lower"], c["upper"], c["sd"], c["n"],
                                             c["alpha"]);
    EXPECT_NEAR(got, c["power"].get<double>(), 1e-11) << c.dump();
    // ... and the integral is the power of the real test (vectorized TOST,
    // itself checked against statsmodels' ttost_paired): 4.5 standard errors.
    EXPECT_NEAR(got, c["monte_carlo"].get<double>(), 4.5 * c["mc_se"].get<double>() + 1e-4);
  }
  for (const auto& c : verdict_reference()["welch_tost_power"]) {
    const double got = st::welch_tost_power(c["true_diff"], c["lower"], c["upper"], c["sd_x"],
                                            c["sd_y"], c["n_x"], c["n_y"], c["alpha"]);
    EXPECT_NEAR(got, c["power"].get<double>(), 1e-11) << c.dump();
    // Satterthwaite again: Monte Carlo error plus 0.01 for the approximation.
    EXPECT_NEAR(got, c["monte_carlo"].get<double>(), 4 * c["mc_se"].get<double>() + 0.01);
  }
  for (const auto& c : verdict_reference()["tost_margin"]) {
    const double want = c["margin"];
    EXPECT_NEAR(st::paired_tost_margin(c["sd"], c["n"], c["alpha"], c["power"]), want, 1e-9 * want);
  }
  for (const auto& c : verdict_reference()["tost_seeds"]) {
    const st::SampleSize n = st::paired_tost_seeds_needed(c["true_diff"], c["lower"], c["upper"],
                                                          c["sd"], c["alpha"], c["power"]);
    EXPECT_TRUE(n.reached);
    EXPECT_EQ(n.n, c["seeds"].get<std::size_t>()) << c.dump();
    EXPECT_NEAR(n.power, c["power_at_seeds"].get<double>(), 1e-11);
  }
  // Outside the band TOST cannot succeed, whatever n.
  EXPECT_FALSE(st::paired_tost_seeds_needed(1.2, -1.0, 1.0, 1.0, 0.05).reached);
  EXPECT_LT(st::paired_tost_power(1.0, -1.0, 1.0, 1.0, 1000, 0.05), 0.05 + 1e-9);
  EXPECT_THROW(st::tost_power(0.0, 1.0, -1.0, 1.0, 9, 0.05), std::invalid_argument);
}

TEST(StatsPower, HedgesCorrection) {
  // exp(lgamma(df/2) - lgamma((df-1)/2)): two lgammas of up to ~150 lose
  // ~3e-14 to cancellation; the reference is 30-digit mpmath.
  for (const auto& c : verdict_reference()["hedges"])
    EXPECT_NEAR(st::hedges_correction(c["df"]), c["j"].get<double>(), 1e-13) << c.dump();
  EXPECT_THROW(st::hedges_correction(1.0), std::invalid_argument);
}

TEST(StatsVerdict, IntervalTable) {
  using V = st::Verdict;
  EXPECT_EQ(st::verdict_from_interval({0.1, 0.5}, 0.0).verdict, V::kSupported);
  EXPECT_FALSE(st::verdict_from_interval({0.1, 0.5}, 0.0).negligible);
  EXPECT_TRUE(st::verdict_from_interval({0.1, 0.5}, 1.0).negligible);
  EXPECT_EQ(st::verdict_from_interval({-0.5, -0.1}, 1.0).verdict, V::kRefuted);
  EXPECT_EQ(st::verdict_from_interval({-0.5, 0.1}, 1.0).verdict, V::kEquivalent);
  EXPECT_EQ(st::verdict_from_interval({-0.5, 0.1}, 0.0).verdict, V::kInconclusive);
  EXPECT_EQ(st::verdict_from_interval({-1.5, 0.1}, 1.0).verdict, V::kInconclusive);
  EXPECT_EQ(st::verdict_from_interval({-INFINITY, INFINITY}, 1.0).verdict, V::kInconclusive);
  EXPECT_STREQ(st::to_string(V::kEquivalent), "equivalent");
  EXPECT_THROW(st::verdict_from_interval({0.5, 0.1}, 0.0), std::invalid_argument);
  EXPECT_THROW(st::verdict_from_interval({0.1, 0.5}, -1.0), std::invalid_argument);
}

TEST(StatsVerdict, InconclusiveDiagnosisOfAFiveSeedClaim) {
  const auto& e = verdict_reference()["observed_example"];
  const std::vector<double> d = e["differences"].get<std::vector<double>>();
  const st::MeanDifference md = st::paired_mean_difference(d);
  EXPECT_NEAR(md.estimate, e["mean"].get<double>(), 1e-15);
  EXPECT_NEAR(md.se, e["se"].get<double>(), 1e-15);
  const st::Summary s = st::summarize(d, 0.95);
  EXPECT_NEAR(s.ci_low, e["ci_low"].get<double>(), 1e-14);
  EXPECT_NEAR(s.ci_high, e["ci_high"].get<double>(), 1e-14);
  ASSERT_EQ(st::verdict_from_interval({s.ci_low, s.ci_high}, 0.0).verdict, st::Verdict::kInconclusive);

  // No band: the interval [-0.0004, 0.0140] reaches past the MDE 0.0098, so
  // detectable effects are still possible -- too few seeds; about
  // seeds_for_observed would detect the (Hedges-corrected) observed effect.
  const st::InconclusiveDiagnosis a = st::diagnose_inconclusive(md, {s.ci_low, s.ci_high}, 0.0, 0.05);
  EXPECT_EQ(a.kind, st::InconclusiveKind::kTooFewSeeds);
  EXPECT_NEAR(a.mde, e["mde"].get<double>(), 1e-9 * e["mde"].get<double>());
  EXPECT_NEAR(a.observed_d, e["observed_d"].get<double>(), 1e-13);
  EXPECT_NEAR(a.corrected_d, e["corrected_d"].get<double>(), 1e-13);
  EXPECT_EQ(a.seeds_for_observed.n, e["seeds_for_observed"].get<std::size_t>());
  EXPECT_NEAR(a.seeds_for_observed.power, e["power_at_seeds"].get<double>(), kProb);
  // The uncorrected plug-in would promise fewer seeds than the corrected one.
  EXPECT_LT(e["seeds_plug_in_uncorrected"].get<std::size_t>(), a.seeds_for_observed.n);
  EXPECT_FALSE(a.seeds_for_equivalence.reached);
  EXPECT_EQ(a.seeds_for_equivalence.n, 0u);

  const st::InconclusiveDiagnosis b =
      st::diagnose_inconclusive(md, {s.ci_low, s.ci_high}, e["band"].get<double>(), 0.05);
  EXPECT_TRUE(b.seeds_for_equivalence.reached);
  EXPECT_EQ(b.seeds_for_equivalence.n, e["seeds_for_equivalence"].get<std::size_t>());
  // |mean| 0.0068 is inside this band: nothing to clear.
  EXPECT_FALSE(b.seeds_beyond_band.reached);
  EXPECT_EQ(b.seeds_beyond_band.n, 0u);

  // A band the observed difference exceeds: an equivalence claim is decided at
  // the band's edge, which takes more seeds than telling the effect from 0.
  const st::InconclusiveDiagnosis nb =
      st::diagnose_inconclusive(md, {s.ci_low, s.ci_high}, e["narrow_band"].get<double>(), 0.05);
  EXPECT_TRUE(nb.seeds_beyond_band.reached);
  EXPECT_EQ(nb.seeds_beyond_band.n, e["seeds_beyond_band"].get<std::size_t>());
  EXPECT_GT(nb.seeds_beyond_band.n, nb.seeds_for_observed.n);

  // A tight interval around zero: every detectable effect is excluded.
  const std::vector<double> flat = {0.001, -0.002, 0.0015, -0.001, 0.0005, -0.0003, 0.0008, -0.0012};
  const st::MeanDifference mf = st::paired_mean_difference(flat);
  const st::Summary sf = st::summarize(flat, 0.95);
  const st::InconclusiveDiagnosis c = st::diagnose_inconclusive(mf, {sf.ci_low, sf.ci_high}, 0.0, 0.05);
  EXPECT_EQ(c.kind, st::InconclusiveKind::kNoPracticalEffect);
  EXPECT_GT(c.mde, sf.ci_high);
  EXPECT_STREQ(st::to_string(c.kind), "no effect of practical size");

  EXPECT_THROW(st::diagnose_inconclusive(st::welch_mean_difference(flat, d), {-1, 1}, 0.0, 0.05),
               std::invalid_argument);
}

TEST(StatsDescriptive, SkewnessMatchesScipy) {
  // scipy.stats.skew(x, bias=False); the same sums in a different order.
  for (const auto& c : verdict_reference()["skewness"]) {
    const auto x = c["x"].get<std::vector<double>>();
    EXPECT_NEAR(st::skewness(x), c["skewness"].get<double>(), 1e-12) << c.dump();
  }
  EXPECT_TRUE(std::isnan(st::skewness(std::vector<double>{2, 2, 2})));
  EXPECT_THROW(st::skewness(std::vector<double>{1, 2}), std::invalid_argument);
}
