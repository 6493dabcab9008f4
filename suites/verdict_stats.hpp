#pragma once
// How a claim's tests become its verdict: alone (raw), inside its suite's
// family (adjusted), or over sequential looks (`lrbench run
// --until-conclusive`); with the power, the minimum detectable effect and,
// for an inconclusive test, which kind it is.  The statistics themselves are
// core/stats/; this file says how lrbench's claims use them.
//
// ---- one test (ClaimTest in suite.hpp) -------------------------------------------
// Paired kinds work on the per-seed differences d_i (n pairs): estimate
// mean(d), se = sd(d) / sqrt(n), df = n - 1, and an interval [L, U] for the
// mean at some confidence.
//   directional  d > 0 is the claim's direction (the contender is better);
//                threshold >= 0 is the gain it needs (0: any), band >= 0 the
//                differences that do not matter:
//                  L > threshold                      supported (the gain)
//                  U < 0                              refuted   (the reverse)
//                  band > 0, -band < L and U < band   refuted   (no practical difference)
//                  otherwise                          inconclusive
//   equivalence  d = contender - baseline, the claim "no difference beyond
//                +-band" (two one-sided tests, core/stats/equivalence.hpp):
//                  -band < L and U < band             supported
//                  L > band or U < -band              refuted
//                  otherwise                          inconclusive
//   sign         wins / losses over pairs (ties dropped), exact two-sided
//                p = min(1, 2 P(Bin(w + l, 1/2) <= min(w, l))): supported
//                (wins) or refuted (losses) when p <= the level; no interval,
//                no MDE, no sequential looks.
// Every row is a test at alpha / 2 per side (core/stats/verdict.hpp): a 95 %
// interval carries all of them at alpha = 0.05.
//
// ---- p-values (two-sided scale, so one alpha serves every kind) ----------------
//   directional  p = min(1, p_gain, p_reverse),
//                p_gain    = 2 P(T_df >= (estimate - threshold) / se),
//                p_reverse = 2 P(T_df <= estimate / se);
//                p <= a  iff  the (1 - a) interval has L > threshold or U < 0.
//                With threshold = 0 it is the paired t test's two-sided p.
//   equivalence  p = min(1, 2 max(p_lower, p_upper)) of TOST against
//                (-band, band): p <= a iff the (1 - a) interval lies inside.
//   sign         the exact sign test's p.
//   se = 0 (identical differences): 0 or 1 by where the estimate lies.
//
// ---- the family (multiplicity, core/stats/multiplicity.hpp) -----------------------
// Every test of every claim of one suite (a study is a suite) is one member of
// the suite's family; the m p-values are adjusted together (Holm by default:
// the family-wise error over the suite's statements, valid however the
// claims share runs; `--multiplicity bh|bonferroni|none`).  Tests, not
// claims, are the members: a composite claim ("on both problems") decides
// from its parts' verdicts, so bounding the error of every part's decision
// bounds the claim's.  The adjusted verdict of a test:
//   directional  adjusted p <= alpha: supported or refuted (the reverse) by
//                the smaller of p_gain, p_reverse; else refuted for no
//                practical difference when the family interval lies inside
//                +-band; else inconclusive.
//   equivalence  adjusted p <= alpha: supported; else refuted when the family
//                interval lies outside the band; else inconclusive.
//   sign         adjusted p <= alpha: by wins vs losses; else inconclusive.
// The family interval has confidence family_confidence() (Holm: 1 - alpha /
// m); "no practical difference" and "outside the band" are read from it, so
// they are Bonferroni-level tests (valid, conservative).  The claim's verdict
// is its tests' adjusted verdicts combined (Combine); the raw verdict is the
// same with each test alone at 95 %.  Missing runs make both inconclusive.
// Claims without tests (exact values, counts, descriptive rules) are not in
// the family: they make no statement with a sampling error to control.
//
// ---- power and the kind of an inconclusive test ------------------------------------
//   mde          smallest |mean difference| the test detects with 80 % power
//                (paired t, two-sided; core/stats/power.hpp) at alpha (raw) and
//                at the family level 1 - family_confidence (family)
//   power        at the family level, of detecting a difference of the
//                band's size (directional), or of establishing equivalence
//                when the true difference is 0 (equivalence); band > 0 only
//   diagnosis    an adjusted-inconclusive paired test with n >= 3:
//                core/stats/verdict.hpp's diagnose_inconclusive at the family
//                level: "no effect of practical size" (the family interval lies
//                inside +-MDE) or "too few seeds" with about how many would
//                detect the observed (Hedges-corrected) effect, or "more than
//                1000" when no count up to 1000 would; an equivalence test whose
//                |estimate| exceeds its band names instead how many would show
//                the difference lies outside the band (its decision is at the
//                band's edge, not at zero)
//   skewness     G1 of the differences; flagged when |G1| > 1 with n >= 10
//                (t-based verdicts assume roughly symmetric differences)
//
// ---- sequential looks (a suite with a seed plan, records/seed_plan.hpp) -----------
// Under `lrbench run --until-conclusive` every paired test of the suite is
// judged by its own group-sequential design (core/stats/sequential.hpp):
// alpha / m (Bonferroni across the family: valid under any dependence and
// with any looks), the spending function and the cap N fixed at the first
// look, and the looks recorded in the seed plan (pairs at each look, the
// first being the suite's own seeds).  The adjusted verdict is the first
// look whose repeated interval decides by the rules above; later seeds added
// for other claims never revise it.  A sign test is judged once, at alpha / m.
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "core/stats/multiplicity.hpp"
#include "core/stats/sequential.hpp"
#include "core/stats/verdict.hpp"
#include "suites/suite.hpp"

namespace lrb::suites {

struct VerdictOptions {
  double alpha = 0.05;
  stats::Multiplicity multiplicity = stats::kDefaultMultiplicity;
  double power = 0.8;         // for the MDE and the diagnosis
  std::size_t max_seeds_searched = 1000;  // "more than N seeds" beyond this
};

// A test's verdict at one level and why ("the gain", "the reverse", ...).
struct TestVerdict {
  Verdict verdict = Verdict::inconclusive;
  std::string why;  // empty when inconclusive
};

// The rules above applied to an interval (paired kinds).
TestVerdict judge_interval(const ClaimTest& t, stats::Interval ci);
// The two-sided-scale p of the test (1 with fewer than 2 pairs).
double test_p_value(const ClaimTest& t);
// Exact two-sided sign test.
double sign_test_p(int wins, int losses);

// Sets r.verdict to the raw verdict of its tests (each alone at 95 %,
// combined; inconclusive with missing runs).  What the claim helpers call,
// so a check is meaningful on its own; no-op without tests.
void judge_raw(ClaimResult& r);

// The sequential design and looks of one test, from its suite's seed plan.
struct SequentialLooks {
  stats::SequentialDesign design;    // alpha already divided by the family size
  std::vector<std::size_t> looks;    // pairs at each look, increasing
};

// Everything the family step computed for one test.
struct TestOutcome {
  std::size_t n = 0;
  double estimate = 0, se = 0, sd = 0, df = 0, skewness = 0;
  bool skew_warning = false;
  double p_raw = 1, p_adjusted = 1;
  stats::Interval ci_raw{}, ci_family{};
  double family_confidence = 0.95;
  TestVerdict raw, adjusted;
  double mde_raw = 0, mde_family = 0, power = 0;  // NaN where undefined
  std::optional<stats::InconclusiveDiagnosis> diagnosis;
  std::string diagnosis_text;
  std::optional<stats::SequentialDesign> design;   // judged sequentially
  std::vector<std::size_t> looks;
  std::vector<stats::Interval> look_intervals;     // one per evaluated look
  std::vector<double> look_t_critical;
  std::string sequential_state;  // "decided", "continue", "stopped at cap"; empty: not sequential
  std::size_t decided_at = 0;    // pairs of the deciding (or last) look
};

struct ClaimOutcome {
  Verdict raw = Verdict::inconclusive, adjusted = Verdict::inconclusive;
  std::vector<TestOutcome> tests;  // parallel to ClaimResult::tests
};

struct FamilyOutcome {
  stats::Multiplicity method = stats::kDefaultMultiplicity;
  double alpha = 0.05;
  std::size_t size = 0;           // tests in the family
  double family_confidence = 0.95;
  bool sequential = false;
  std::vector<ClaimOutcome> claims;  // parallel to the input
};

// Judges one suite's claims as a family.  results[i] == nullptr is a claim
// that could not be evaluated (it has no tests).  looks(claim index, test
// index) returns the test's sequential looks, or nullopt to judge it with the
// fixed-sample family adjustment; pass {} for no sequential judging.
FamilyOutcome judge_family(
    const std::vector<const ClaimResult*>& results, const VerdictOptions& options,
    const std::function<std::optional<SequentialLooks>(std::size_t, std::size_t)>& looks = {});

// The outcome as the verdicts file's "statistics" block (records/verdicts.hpp).
json statistics_json(const ClaimResult& r, const ClaimOutcome& c, const FamilyOutcome& f);

const char* to_string(ClaimTest::Kind k);  // "paired t", "equivalence (TOST)", "sign test"

}  // namespace lrb::suites
