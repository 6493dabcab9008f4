// Group-sequential boundaries against independent computations and the
// published table, and the error rate of the whole procedure by simulation.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <vector>

#include "core/stats/power.hpp"
#include "core/stats/sequential.hpp"
#include "datasets/rng.hpp"
#include "tests/stats/reference.hpp"

namespace st = lrb::stats;
namespace data = lrb::data;
using lrb::test::verdict_reference;

namespace {
st::Spending spending_of(const std::string& s) {
  return s == "pocock" ? st::Spending::kPocock : st::Spending::kOBrienFleming;
}
}  // namespace

TEST(StatsSequential, BoundariesMatchIndependentQuadratureAndPublishedTable) {
  // tolerance (from the JSON): 1e-6 where the generator solved the exit
  // probabilities itself by nested adaptive quadrature (its brentq stops at
  // 1e-12, the quadrature at 1e-12); 1e-3 against the 3-decimal published
  // table (rounding 5e-4 plus the table's own numerical error).
  for (const auto& c : verdict_reference()["sequential_boundaries"]) {
    const auto t = c["information"].get<std::vector<double>>();
    const auto want = c["z"].get<std::vector<double>>();
    const std::vector<double> got = st::spending_boundaries(spending_of(c["spending"]), c["alpha"], t);
    ASSERT_EQ(got.size(), want.size());
    for (std::size_t k = 0; k < got.size(); ++k)
      EXPECT_NEAR(got[k], want[k], c["tolerance"].get<double>()) << c["source"] << " look " << k + 1;
  }
  // The same 5-look designs to 1e-5: the values converged to 1e-8 (801 vs
  // 1601 nodes) whose 3-decimal rounding is the published table above.
  const std::vector<double> t5 = {0.2, 0.4, 0.6, 0.8, 1.0};
  const std::vector<double> of = {4.87688, 3.35701, 2.68028, 2.28982, 2.03103};
  const std::vector<double> pk = {2.43798, 2.42681, 2.41019, 2.39665, 2.38598};
  const auto c_of = st::spending_boundaries(st::Spending::kOBrienFleming, 0.05, t5);
  const auto c_pk = st::spending_boundaries(st::Spending::kPocock, 0.05, t5);
  for (std::size_t k = 0; k < 5; ++k) {
    EXPECT_NEAR(c_of[k], of[k], 1e-5);
    EXPECT_NEAR(c_pk[k], pk[k], 1e-5);
  }
  // One look at t = 1 is the fixed-sample test.
  const std::vector<double> one = {1.0};
  EXPECT_NEAR(st::spending_boundaries(st::Spending::kOBrienFleming, 0.05, one)[0], 1.959963984540054, 1e-12);
}

TEST(StatsSequential, SpendingFunctions) {
  using st::Spending;
  EXPECT_NEAR(st::alpha_spent(Spending::kOBrienFleming, 0.05, 1.0), 0.05, 1e-16);
  EXPECT_NEAR(st::alpha_spent(Spending::kPocock, 0.05, 1.0), 0.05, 1e-16);
  EXPECT_EQ(st::alpha_spent(Spending::kOBrienFleming, 0.05, 0.0), 0.0);
  // Per side at t = 1/2: 0.0015253 (OBF), 0.0155029 (Pocock).
  EXPECT_NEAR(st::alpha_spent(Spending::kOBrienFleming, 0.05, 0.5) / 2, 0.0015253, 1e-7);
  EXPECT_NEAR(st::alpha_spent(Spending::kPocock, 0.05, 0.5) / 2, 0.0155029, 1e-7);
  EXPECT_THROW(st::alpha_spent(Spending::kPocock, 0.05, 1.5), std::invalid_argument);
  const std::vector<double> bad = {0.5, 0.5};
  EXPECT_THROW(st::spending_boundaries(Spending::kPocock, 0.05, bad), std::invalid_argument);
}

TEST(StatsSequential, TConvertedCriticalValues) {
  // Nominal one-sided level 1 - Phi(c_k), then the t quantile at df = n - 1.
  for (const auto& c : verdict_reference()["sequential_t_critical"]) {
    const auto looks = c["looks"].get<std::vector<std::size_t>>();
    const st::SequentialDesign design{c["alpha"], spending_of(c["spending"]), c["max_n"]};
    const std::vector<st::LookBoundary> b = st::sequential_boundaries(design, looks);
    const auto p = c["nominal_p"].get<std::vector<double>>();
    const auto t = c["t_critical"].get<std::vector<double>>();
    for (std::size_t k = 0; k < looks.size(); ++k) {
      // 1e-6 on c moves p by phi(c) 1e-6; relative 1e-4 covers p ~ 1e-4.
      EXPECT_NEAR(b[k].nominal_p, p[k], 1e-4 * p[k] + 1e-9) << c.dump();
      EXPECT_NEAR(st::student_t_isf(b[k].nominal_p, looks[k] - 1.0), t[k], 1e-4 * t[k]) << c.dump();
    }
  }
}

TEST(StatsSequential, RepeatedIntervalsDecideAndStop) {
  // Fact sheet example: OBF, looks at 10 and 20 of N = 20, mean 0.006 and sd
  // 0.005 at both looks: continue at 10 ([-0.000345, 0.012345]), supported at
  // 20 ([0.003649, 0.008351]).
  const st::SequentialPlan plan = st::plan_sequential({0.05, st::Spending::kOBrienFleming, 20},
                                                      std::vector<std::size_t>{10, 20});
  auto look = [](std::size_t n, double mean, double sd) {
    st::MeanDifference d;
    d.estimate = mean;
    d.se = sd / std::sqrt(static_cast<double>(n));
    d.df = n - 1.0;
    d.n_baseline = d.n_contender = n;
    d.paired = true;
    return d;
  };
  const std::vector<st::MeanDifference> first = {look(10, 0.006, 0.005)};
  const st::SequentialResult r1 = st::sequential_decide(plan, first, 0.0);
  EXPECT_EQ(r1.verdict, st::SequentialVerdict::kContinue);
  EXPECT_NEAR(r1.looks[0].interval.low, -0.000345, 1e-6);
  EXPECT_NEAR(r1.looks[0].interval.high, 0.012345, 1e-6);
  const std::vector<st::MeanDifference> both = {look(10, 0.006, 0.005), look(20, 0.006, 0.005)};
  const st::SequentialResult r2 = st::sequential_decide(plan, both, 0.0);
  EXPECT_EQ(r2.verdict, st::SequentialVerdict::kSupported);
  EXPECT_EQ(r2.n, 20u);
  EXPECT_NEAR(r2.looks[1].interval.low, 0.003649, 1e-6);
  EXPECT_NEAR(r2.looks[1].interval.high, 0.008351, 1e-6);
  EXPECT_NEAR(r2.level, 2 * 0.0244998, 1e-6);

  // The runner's entry point: a decision at look 2 stays final even though
  // later seeds (added for other claims) would undo it.
  std::vector<double> d = {0.9, 1.1, 1.0, 0.95, 1.05, 1.0, 0.98, 1.02, 1.01, 0.99};
  for (int i = 0; i < 20; ++i) d.push_back(i % 2 ? -3.0 : 3.0);
  const st::SequentialDesign design{0.05, st::Spending::kOBrienFleming, 30};
  const std::vector<std::size_t> looks = {5, 10, 20, 30};
  const st::SequentialResult r = st::sequential_decide_paired(d, looks, design, 0.0);
  EXPECT_EQ(r.verdict, st::SequentialVerdict::kSupported);
  EXPECT_EQ(r.n, 10u);
  EXPECT_EQ(r.looks.size(), 2u);
  // Equivalence, and a claim that runs out of seeds.
  std::vector<double> tiny(30);
  for (std::size_t i = 0; i < tiny.size(); ++i) tiny[i] = (i % 2 ? 1.0 : -1.0) * 0.01 * (1 + i % 3);
  EXPECT_EQ(st::sequential_decide_paired(tiny, looks, design, 0.5).verdict,
            st::SequentialVerdict::kEquivalent);
  const st::SequentialResult cap = st::sequential_decide_paired(tiny, looks, design, 0.0);
  EXPECT_EQ(cap.verdict, st::SequentialVerdict::kStoppedAtCap);
  EXPECT_EQ(cap.n, 30u);
  EXPECT_EQ(st::sequential_decide_paired(tiny, std::vector<std::size_t>{5, 10}, design, 0.0).verdict,
            st::SequentialVerdict::kContinue);
  EXPECT_THROW(st::sequential_decide_paired(tiny, std::vector<std::size_t>{10, 5}, design, 0.0),
               std::invalid_argument);
  EXPECT_THROW(st::sequential_decide_paired(tiny, std::vector<std::size_t>{5, 31}, design, 0.0),
               std::invalid_argument);
  EXPECT_THROW(st::sequential_decide_paired(std::span<const double>(tiny).first(8),
                                            std::vector<std::size_t>{5, 10}, design, 0.0),
               std::invalid_argument);
}

// ---- the error rate, by simulation ------------------------------------------------

namespace {

// Per-seed differences with unit variance and the given mean:
//   kNormal   N(0, 1)
//   kLaplace  symmetric, heavy tails (kurtosis 6): a few wild seeds either way
//   kSkewed   centred gamma(4): skewness 1, the shape of gaps driven by the
//             occasional bad seed of one arm
enum class Law { kNormal, kLaplace, kSkewed };

const char* name(Law l) {
  return l == Law::kNormal ? "normal" : l == Law::kLaplace ? "laplace" : "gamma(4), skewness 1";
}

double draw(data::Rng& r, Law law, double mean) {
  switch (law) {
    case Law::kNormal: return mean + data::normal(r);
    case Law::kLaplace: {
      const double u = data::uniform01(r) - 0.5;  // inverse cdf, scale 1/sqrt(2)
      const double mag = -data::det_log(1.0 - 2.0 * std::fabs(u)) / std::sqrt(2.0);
      return mean + (u < 0 ? -mag : mag);
    }
    case Law::kSkewed: {
      double g = 0.0;  // gamma(4, 1) as a sum of 4 exponentials
      for (int j = 0; j < 4; ++j) g += -data::det_log(1.0 - data::uniform01(r));
      return mean + (g - 4.0) / 2.0;
    }
  }
  return mean;
}

struct Rates {
  double supported = 0, refuted = 0, equivalent = 0, mean_seeds = 0;
  double naive_wrong = 0;  // fixed 95 % interval at every look
  double fixed_wrong = 0;  // one fixed 95 % interval at 30 seeds
};

// `studies` simulated claims with looks at 5, 10, ..., 30 of N = 30 (alpha
// 0.05, OBF), band 0.5 sd.  A verdict is wrong when it says something false
// about `mean`: supported needs mean > 0, refuted mean < 0, equivalent
// |mean| < band.
Rates simulate(Law law, double mean, int studies, std::uint64_t seed) {
  const std::vector<std::size_t> looks = {5, 10, 15, 20, 25, 30};
  const st::SequentialPlan plan = st::plan_sequential({0.05, st::Spending::kOBrienFleming, 30}, looks);
  const double band = 0.5;
  auto wrong = [&](st::Verdict v) {
    switch (v) {
      case st::Verdict::kSupported: return !(mean > 0.0);
      case st::Verdict::kRefuted: return !(mean < 0.0);
      case st::Verdict::kEquivalent: return !(std::fabs(mean) < band);
      case st::Verdict::kInconclusive: break;
    }
    return false;
  };
  std::vector<double> t95(looks.size());
  for (std::size_t k = 0; k < looks.size(); ++k) t95[k] = st::student_t_isf(0.025, looks[k] - 1.0);
  Rates r;
  std::vector<double> d(30);
  std::vector<st::MeanDifference> est(looks.size());
  for (int i = 0; i < studies; ++i) {
    data::Rng rng = data::make_rng(seed, "sequential-study", static_cast<std::uint64_t>(i));
    for (double& v : d) v = draw(rng, law, mean);
    for (std::size_t k = 0; k < looks.size(); ++k)
      est[k] = st::paired_mean_difference(std::span<const double>(d).first(looks[k]));
    const st::SequentialResult res = st::sequential_decide(plan, est, band);
    r.supported += res.verdict == st::SequentialVerdict::kSupported;
    r.refuted += res.verdict == st::SequentialVerdict::kRefuted;
    r.equivalent += res.verdict == st::SequentialVerdict::kEquivalent;
    r.mean_seeds += static_cast<double>(res.n);
    auto fixed_verdict = [&](std::size_t k) {
      const double h = t95[k] * est[k].se;
      return st::verdict_from_interval({est[k].estimate - h, est[k].estimate + h}, band).verdict;
    };
    r.fixed_wrong += wrong(fixed_verdict(looks.size() - 1));
    for (std::size_t k = 0; k < looks.size(); ++k) {
      const st::Verdict v = fixed_verdict(k);
      if (v == st::Verdict::kInconclusive) continue;
      r.naive_wrong += wrong(v);
      break;
    }
  }
  for (double* v : {&r.supported, &r.refuted, &r.equivalent, &r.mean_seeds, &r.naive_wrong, &r.fixed_wrong})
    *v /= studies;
  return r;
}

// 3 binomial standard errors above p over n studies.  The simulation is
// deterministic (seeded), but the bound must hold for the procedure, not for
// one stream: a procedure at exactly p exceeds it by chance 0.13 % of the time.
double upper_bound(double p, int n) { return p + 3.0 * std::sqrt(p * (1.0 - p) / n); }

constexpr int kStudies = 10000;

}  // namespace

TEST(StatsSequential, ErrorRateUnderTheNullStaysAtAlpha) {
  // True mean 0: "supported" and "refuted" are both wrong; the simultaneous
  // coverage of the repeated intervals bounds them together by alpha = 0.05.
  for (Law law : {Law::kNormal, Law::kLaplace}) {
    SCOPED_TRACE(name(law));
    const Rates r = simulate(law, 0.0, kStudies, 20240611);
    const double wrong = r.supported + r.refuted;
    std::printf("  %s null: wrong %.4f (supported %.4f, refuted %.4f), naive %.4f, fixed-30 %.4f\n",
                name(law), wrong, r.supported, r.refuted, r.naive_wrong, r.fixed_wrong);
    EXPECT_LE(wrong, upper_bound(0.05, kStudies)) << "supported " << r.supported << " refuted " << r.refuted;
    // Looking 6 times at a fixed 95 % without a design is a much larger test
    // (about 0.15 here): the simulation can tell the two apart.
    EXPECT_GT(r.naive_wrong, 0.09) << "naive " << r.naive_wrong;
    // Not vacuous: the design does spend its alpha (a procedure that never
    // decides would pass the upper bound).  Normal theory puts it at 0.050.
    if (law == Law::kNormal) {
      EXPECT_GE(wrong, 0.05 - 4.0 * std::sqrt(0.05 * 0.95 / kStudies));
    }
  }
}

TEST(StatsSequential, ErrorRateUnderSkewIsTheTTestsWeakness) {
  // A documented limitation, not the alpha bound: t-based inference assumes
  // roughly symmetric differences.  With skewness 1 even the fixed 30-seed t
  // test errs 5.6 % of the time (one tail heavy, the other light), and the
  // sequential design, testing at the smaller nominal levels of its interim
  // looks where the t approximation's tail error is larger, errs 6.1 % here
  // (6.4 % over another 20 000 studies; 9.7 % vs 7.3 % fixed at skewness 2).
  // The ceilings guard against regressions; claims should report the
  // skewness of their differences (sequential.hpp).
  const Rates r = simulate(Law::kSkewed, 0.0, kStudies, 20240611);
  const double wrong = r.supported + r.refuted;
  std::printf("  %s null: wrong %.4f (supported %.4f, refuted %.4f), naive %.4f, fixed-30 %.4f\n",
              name(Law::kSkewed), wrong, r.supported, r.refuted, r.naive_wrong, r.fixed_wrong);
  EXPECT_LE(r.fixed_wrong, upper_bound(0.055, kStudies)) << "fixed " << r.fixed_wrong;
  EXPECT_LE(wrong, upper_bound(0.064, kStudies)) << "supported " << r.supported << " refuted " << r.refuted;
  EXPECT_GT(r.refuted, r.supported);  // the heavy tail is the left one
}

TEST(StatsSequential, ErrorRateAtTheEdgeOfTheBand) {
  // True mean = band: "equivalent" is wrong (and "refuted" too); only the
  // upper end of an interval can produce it, so the bound is alpha / 2.
  for (Law law : {Law::kNormal, Law::kLaplace}) {
    SCOPED_TRACE(name(law));
    const Rates r = simulate(law, 0.5, kStudies, 7);
    std::printf("  %s at the band edge: equivalent %.4f, refuted %.4f, naive %.4f\n", name(law),
                r.equivalent, r.refuted, r.naive_wrong);
    EXPECT_LE(r.equivalent + r.refuted, upper_bound(0.025, kStudies))
        << "equivalent " << r.equivalent << " refuted " << r.refuted;
  }
}

TEST(StatsSequential, PowerAndSeedsUnderAnEffect) {
  // d = 0.5 and 0.8: the sequential design keeps the fixed 30-seed test's
  // power within two points (its final critical value is 2.14 instead of
  // 2.05) and stops early on average.
  for (double d : {0.5, 0.8}) {
    const Rates r = simulate(Law::kNormal, d, 4000, 99);
    const double fixed = st::paired_t_power(d, 1.0, 30, 0.05);
    const double se = std::sqrt(fixed * (1 - fixed) / 4000);
    std::printf("  d = %.1f: supported %.4f (fixed 30 seeds %.4f), mean seeds %.2f\n", d, r.supported,
                fixed, r.mean_seeds);
    EXPECT_GE(r.supported, fixed - 0.02 - 3 * se) << d;
    EXPECT_LT(r.mean_seeds, d == 0.5 ? 27.0 : 22.0) << d;
  }
}
