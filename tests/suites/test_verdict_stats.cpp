// How claims' tests become verdicts (suites/verdict_stats.hpp): raw p-values,
// the suite family's adjustment, the family interval and MDE, the diagnosis
// of an inconclusive test, and sequential looks.  Reference values were
// computed independently with SciPy 1.10 / statsmodels 0.13 (Debian 12):
//   A, B, C = the difference vectors below
//   scipy.stats.ttest_1samp(x, 0).pvalue                       raw p
//   statsmodels multipletests(p, 0.05, 'holm' | 'fdr_bh')[1]   adjusted p
//   statsmodels ttost_paired(C, zeros, -0.3, 0.3)[0]           TOST p (one side)
//   scipy.stats.binomtest(26, 32).pvalue                       sign test
//   scipy.stats.t.ppf(0.5 + conf / 2, 9)                       interval ends
//   statsmodels TTestPower().solve_power(...)                  MDE, seeds
#include <gtest/gtest.h>

#include <cmath>

#include <fmt/format.h>

#include "suites/verdict_stats.hpp"

using namespace lrb::suites;
namespace stats = lrb::stats;

namespace {

const std::vector<double> kA = {0.8, 1.1, 0.3, 1.5, 0.9, 0.2, 1.2, 0.7, 1.0, 0.6};     // strong
const std::vector<double> kB = {0.3, -0.2, 0.5, 0.1, 0.6, -0.1, 0.4, 0.2, 0.0, 0.35};  // marginal
const std::vector<double> kC = {0.1, -0.3, 0.2, -0.1, 0.05, 0.0, -0.2, 0.15, 0.1, -0.05};  // none

ClaimResult one_test(const std::vector<double>& diff, ClaimTest::Kind kind = ClaimTest::Kind::directional,
                     double band = 0) {
  ClaimResult r;
  ClaimTest t;
  t.kind = kind;
  t.diff = diff;
  for (size_t i = 0; i < diff.size(); ++i) t.seeds.push_back(static_cast<int64_t>(i));
  t.band = band;
  t.configs = {"base", "contender"};
  r.tests.push_back(t);
  judge_raw(r);
  return r;
}

void expect_rel(double got, double want, double tol = 1e-10) {
  EXPECT_NEAR(got, want, tol * std::max(1.0, std::fabs(want))) << "want " << want;
}

}  // namespace

TEST(VerdictStats, RawPValuesAreTheTTestsAndTheSignTest) {
  expect_rel(test_p_value(one_test(kA).tests[0]), 0.00010402828777659376);
  expect_rel(test_p_value(one_test(kB).tests[0]), 0.029220171312898457);
  expect_rel(test_p_value(one_test(kC).tests[0]), 0.9229194745758593);
  // TOST on the two-sided scale: 2 x the larger one-sided p (each side at alpha / 2).
  expect_rel(test_p_value(one_test(kC, ClaimTest::Kind::equivalence, 0.3).tests[0]), 2 * 0.00011877598972091468);
  expect_rel(sign_test_p(26, 6), 0.0005350527353584766, 1e-12);
  expect_rel(sign_test_p(3, 7), 0.34375, 1e-12);
  EXPECT_EQ(sign_test_p(0, 0), 1.0);
}

TEST(VerdictStats, HolmFamilyAdjustsAndDecidesOnTheAdjustedP) {
  const ClaimResult a = one_test(kA), b = one_test(kB), c = one_test(kC);
  EXPECT_EQ(a.verdict, Verdict::supported);
  EXPECT_EQ(b.verdict, Verdict::supported);  // alone at 95 %
  EXPECT_EQ(c.verdict, Verdict::inconclusive);
  const FamilyOutcome f = judge_family({&a, &b, &c, nullptr}, VerdictOptions{});
  EXPECT_EQ(f.size, 3u);
  EXPECT_EQ(f.method, stats::Multiplicity::kHolm);
  expect_rel(f.claims[0].tests[0].p_adjusted, 0.00031208486332978127);
  expect_rel(f.claims[1].tests[0].p_adjusted, 0.058440342625796914);
  expect_rel(f.claims[2].tests[0].p_adjusted, 0.9229194745758593);
  EXPECT_EQ(f.claims[0].adjusted, Verdict::supported);
  EXPECT_EQ(f.claims[1].raw, Verdict::supported);
  EXPECT_EQ(f.claims[1].adjusted, Verdict::inconclusive);  // the adjustment changed it
  EXPECT_EQ(f.claims[2].adjusted, Verdict::inconclusive);
  EXPECT_TRUE(f.claims[3].tests.empty());  // a claim that could not be evaluated is not in the family

  // The family interval at 1 - alpha / m (Holm's simultaneous level), the raw one at 95 %.
  const TestOutcome& ob = f.claims[1].tests[0];
  expect_rel(ob.family_confidence, 1 - 0.05 / 3);
  // (Boost's and SciPy's t quantiles agree to ~1e-9 at 1 - 0.05 / 6.)
  expect_rel(ob.ci_family.low, -0.028513016191228674, 1e-8);
  expect_rel(ob.ci_family.high, 0.45851301619122864, 1e-8);
  expect_rel(ob.ci_raw.low, 0.027204619134422237, 1e-8);
  expect_rel(ob.ci_raw.high, 0.40279538086557776, 1e-8);
  // MDE at 80 % power, at the family level and at 95 % (statsmodels'
  // solve_power stops its root search at ~1e-6 relative).
  expect_rel(ob.mde_family, 0.3211851809781252, 1e-6);
  expect_rel(ob.mde_raw, 0.2614702627659607, 1e-6);
  // Inconclusive because the interval reaches past the MDE: too few seeds;
  // Hedges' g 0.74845 needs 21.6 -> 22 seeds at alpha 0.05 / 3.
  ASSERT_TRUE(ob.diagnosis.has_value());
  EXPECT_EQ(ob.diagnosis->kind, stats::InconclusiveKind::kTooFewSeeds);
  expect_rel(ob.diagnosis->corrected_d, 0.7484504841469326, 1e-9);
  EXPECT_EQ(ob.diagnosis->seeds_for_observed.n, 22u);
  EXPECT_NE(ob.diagnosis_text.find("too few seeds: about 22 would detect"), std::string::npos) << ob.diagnosis_text;
  // A decided test has no diagnosis.
  EXPECT_FALSE(f.claims[0].tests[0].diagnosis.has_value());

  // The statistics block carries both p-values, both verdicts and the procedure.
  const json s = statistics_json(b, f.claims[1], f);
  EXPECT_EQ(s["raw_verdict"], "supported");
  EXPECT_EQ(s["procedure"]["multiplicity"], "holm");
  EXPECT_EQ(s["procedure"]["family_size"], 3);
  EXPECT_EQ(s["tests"][0]["verdict"]["adjusted"], "inconclusive");
  EXPECT_EQ(s["tests"][0]["diagnosis"]["kind"], "too few seeds");
  EXPECT_EQ(s["tests"][0]["sequential"], nullptr);
}

TEST(VerdictStats, BenjaminiHochbergAndNoneAreSelectable) {
  const ClaimResult a = one_test(kA), b = one_test(kB), c = one_test(kC);
  const FamilyOutcome bh = judge_family({&a, &b, &c}, {.multiplicity = stats::Multiplicity::kBenjaminiHochberg});
  expect_rel(bh.claims[1].tests[0].p_adjusted, 0.04383025696934769);
  EXPECT_EQ(bh.claims[1].adjusted, Verdict::supported);  // FDR control keeps it
  const FamilyOutcome none = judge_family({&a, &b, &c}, {.multiplicity = stats::Multiplicity::kNone});
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(none.claims[i].adjusted, none.claims[i].raw) << i;
}

TEST(VerdictStats, NoPracticalDifferenceAndEquivalenceUseTheBand) {
  // Directional claim, band 0.3: C's family interval lies inside +-0.3 -> refuted
  // (no practical difference), read from the family interval.
  const ClaimResult c = one_test(kC, ClaimTest::Kind::directional, 0.3);
  EXPECT_EQ(c.verdict, Verdict::refuted);
  const FamilyOutcome f = judge_family({&c}, {});
  EXPECT_EQ(f.claims[0].adjusted, Verdict::refuted);
  EXPECT_EQ(f.claims[0].tests[0].adjusted.why, "no practical difference");
  // Equivalence claim: supported by TOST.
  const ClaimResult e = one_test(kC, ClaimTest::Kind::equivalence, 0.3);
  EXPECT_EQ(e.verdict, Verdict::supported);
  const FamilyOutcome g = judge_family({&e}, {});
  EXPECT_EQ(g.claims[0].adjusted, Verdict::supported);
  expect_rel(g.claims[0].tests[0].p_adjusted, 2 * 0.00011877598972091468);
  // A band narrower than the noise: inconclusive, "no effect of practical size"
  // (the interval lies within +-MDE), with the seeds equivalence would need.
  const ClaimResult n = one_test(kC, ClaimTest::Kind::equivalence, 0.05);
  const FamilyOutcome h = judge_family({&n}, {});
  EXPECT_EQ(h.claims[0].adjusted, Verdict::inconclusive);
  ASSERT_TRUE(h.claims[0].tests[0].diagnosis.has_value());
  EXPECT_EQ(h.claims[0].tests[0].diagnosis->kind, stats::InconclusiveKind::kNoPracticalEffect);
  EXPECT_TRUE(h.claims[0].tests[0].diagnosis->seeds_for_equivalence.reached);
  EXPECT_GT(h.claims[0].tests[0].diagnosis->seeds_for_equivalence.n, 10u);
  // An equivalence claim whose difference (B: mean 0.205) exceeds its band
  // (0.1) but whose interval still reaches into it: what decides it is
  // clearing the band's edge, which takes more seeds than telling 0.205 from 0.
  const ClaimResult o = one_test(kB, ClaimTest::Kind::equivalence, 0.1);
  const FamilyOutcome k = judge_family({&o}, {});
  ASSERT_EQ(k.claims[0].adjusted, Verdict::inconclusive);
  const auto& dk = *k.claims[0].tests[0].diagnosis;
  EXPECT_TRUE(dk.seeds_beyond_band.reached);
  EXPECT_GT(dk.seeds_beyond_band.n, dk.seeds_for_observed.n);
  EXPECT_NE(k.claims[0].tests[0].diagnosis_text.find("outside the band +-0.1"), std::string::npos)
      << k.claims[0].tests[0].diagnosis_text;
  EXPECT_NE(k.claims[0].tests[0].diagnosis_text.find(fmt::format("about {}", dk.seeds_beyond_band.n)),
            std::string::npos)
      << k.claims[0].tests[0].diagnosis_text;
}

TEST(VerdictStats, CompositeClaimsNeedEveryPart) {
  ClaimResult r = one_test(kA);
  r.tests.push_back(one_test(kB).tests[0]);
  r.tests[0].label = "part a";
  r.tests[1].label = "part b";
  judge_raw(r);
  EXPECT_EQ(r.verdict, Verdict::supported);
  const ClaimResult c = one_test(kC);
  const FamilyOutcome f = judge_family({&r, &c}, {});
  EXPECT_EQ(f.size, 3u);  // tests, not claims, are the family's members
  EXPECT_EQ(f.claims[0].raw, Verdict::supported);
  EXPECT_EQ(f.claims[0].adjusted, Verdict::inconclusive);  // part b no longer decides
  // Missing runs make a claim inconclusive whatever its tests say.
  r.missing = 1;
  judge_raw(r);
  EXPECT_EQ(r.verdict, Verdict::inconclusive);
}

TEST(VerdictStats, SequentialLooksDecideAtTheFirstBoundaryCrossed) {
  // A strong effect crosses the O'Brien-Fleming boundary at the first look
  // (10 of a cap of 30); no effect continues; at the cap it stops.
  // (t = 6.6 for A itself stays inside the first boundary, ~8.5 at 10 of 30;
  // A + 1 has t ~ 14.)
  std::vector<double> big = kA, none = kC;
  for (double& x : big) x += 1.0;
  const ClaimResult a = one_test(big), c = one_test(none);
  auto looks = [](std::vector<size_t> at, size_t cap) {
    return [at, cap](size_t, size_t) -> std::optional<SequentialLooks> {
      SequentialLooks l;
      l.design.alpha = 0.05 / 2;
      l.design.max_n = cap;
      l.design.spending = stats::Spending::kOBrienFleming;
      l.looks = at;
      return l;
    };
  };
  const FamilyOutcome f = judge_family({&a, &c}, {}, looks({10}, 30));
  EXPECT_TRUE(f.sequential);
  EXPECT_EQ(f.claims[0].tests[0].sequential_state, "decided");
  EXPECT_EQ(f.claims[0].adjusted, Verdict::supported);
  EXPECT_EQ(f.claims[0].tests[0].decided_at, 10u);
  EXPECT_EQ(f.claims[1].tests[0].sequential_state, "continue");
  EXPECT_EQ(f.claims[1].adjusted, Verdict::inconclusive);
  // The first look's interval is wider than the fixed-sample 97.5 % one: the
  // boundary spends little alpha early.
  EXPECT_GT(f.claims[1].tests[0].look_t_critical[0], stats::student_t_quantile(1 - 0.025 / 2, 9));
  // The last look at the cap: stopped, with a diagnosis.
  std::vector<double> long_none;
  for (int k = 0; k < 3; ++k) long_none.insert(long_none.end(), kC.begin(), kC.end());
  const ClaimResult l = one_test(long_none);
  const FamilyOutcome g = judge_family({&l}, {}, looks({10, 20, 30}, 30));
  EXPECT_EQ(g.claims[0].tests[0].sequential_state, "stopped at cap");
  EXPECT_EQ(g.claims[0].tests[0].look_intervals.size(), 3u);
  EXPECT_TRUE(g.claims[0].tests[0].diagnosis.has_value());
}
