#pragma once
// From an interval to a verdict, and what an inconclusive one is missing.
//
// A claim "A beats B" is checked on D = metric(A) - metric(B) per seed, signed
// so that positive means the claim's direction (flip losses and times).  With
// an interval [L, U] for the mean of D at confidence 1 - alpha (two-sided;
// per-claim level after multiplicity.hpp's family_confidence, or a
// sequential repeated interval from sequential.hpp) and the claim's band
// (band > 0: the smallest difference that matters; 0: none stated):
//
//   order  condition                         verdict
//   1      L > 0                             supported   (negligible if also U < band)
//   2      U < 0                             refuted     (the reverse holds)
//   3      band > 0 and -band < L, U < band  equivalent  (no difference that matters)
//   4      otherwise                         inconclusive
//
// Each row is a test at alpha / 2 per side: rows 1 and 2 are the two tails
// of the t test; row 3 is TOST (equivalence.hpp) at alpha / 2 per side, i.e.
// a 95 % interval makes a 2.5 % equivalence test, stricter than the
// textbook 5 % TOST with a 90 % interval -- chosen so that one interval and
// one coverage statement carry every verdict: if the interval covers the
// true mean, no row can be wrong, so P(any wrong verdict) <= alpha.
//
// ---- inconclusive: which kind ------------------------------------------------
// For a paired design with n seeds, s = se sqrt(n) and the MDE at this n
// (power.hpp, two-sided at the interval's alpha, default 80 % power):
//   kNoPracticalEffect  the interval lies inside (-MDE, MDE): every effect the
//                       experiment could detect is ruled out; whatever
//                       difference there is, it is smaller than the MDE.
//                       With a band narrower than the MDE, proving
//                       equivalence needs seeds_for_equivalence.
//   kTooFewSeeds        the interval reaches past +-MDE: effects the
//                       experiment is built to detect are still compatible
//                       with the data.  About seeds_for_observed seeds would
//                       detect an effect of the observed size with 80 %
//                       power (and, with a band, seeds_for_equivalence would
//                       establish equivalence if the true difference were the
//                       observed one) -- whichever is smaller decides it.
// An equivalence claim ("A and B are interchangeable") is decided by the band,
// not by zero: when the observed |difference| exceeds the band, what would
// decide it is showing the mean lies beyond the band edge, a test of
// |D| - band > 0 at alpha / 2 per side (the interval rule "outside the band").
// seeds_beyond_band is that count, at the Hedges-corrected excess
// J(n - 1)(|d_hat| - band); seeds_for_observed (tested against 0) would
// promise far too few seeds for such a claim.
// seeds_for_observed plugs in Hedges' corrected g = J(n - 1) d_hat, not d_hat
// itself: d_hat is biased upward at small n (J(4) = 0.80), and observed power
// is a monotone function of the p-value (Hoenig & Heisey 2001, The American
// Statistician 55(1)), so the uncorrected number is systematically
// optimistic.  It is a planning estimate, not a promise; topping up seeds and
// re-testing is a sequential design and needs sequential.hpp's boundaries.
#include <cstddef>

#include "core/stats/power.hpp"
#include "core/stats/stats.hpp"

namespace lrb::stats {

enum class Verdict { kSupported, kRefuted, kEquivalent, kInconclusive };
// "supported", "refuted", "equivalent", "inconclusive"
const char* to_string(Verdict v);

struct IntervalVerdict {
  Verdict verdict = Verdict::kInconclusive;
  bool negligible = false;  // supported, but the whole interval is below the band
};
// band >= 0 (finite); the interval must not be NaN (infinite ends are fine).
IntervalVerdict verdict_from_interval(Interval ci, double band);

enum class InconclusiveKind { kNoPracticalEffect, kTooFewSeeds };
// "no effect of practical size", "too few seeds"
const char* to_string(InconclusiveKind k);

struct InconclusiveDiagnosis {
  InconclusiveKind kind = InconclusiveKind::kTooFewSeeds;
  double mde = 0;                   // metric units, at the current n
  double observed_d = 0;            // estimate / s
  double corrected_d = 0;           // hedges_correction(n - 1) * observed_d
  SampleSize seeds_for_observed;    // detect |corrected_d| two-sided at alpha with `power`
  SampleSize seeds_for_equivalence; // band > 0: TOST (alpha/2 per side) at the observed
                                    // estimate reaching `power`; band = 0: n = 0, not reached
  SampleSize seeds_beyond_band;     // band > 0 and |estimate| > band: the interval clears the
                                    // band edge with `power`; otherwise n = 0, not reached
};
// d: a paired MeanDifference (n >= 3 pairs, so Hedges' J is defined); ci: its
// interval at confidence 1 - alpha; band >= 0.  se = 0 is a degenerate
// experiment (identical runs): kind kNoPracticalEffect, mde 0, seeds 2.
InconclusiveDiagnosis diagnose_inconclusive(const MeanDifference& d, Interval ci, double band,
                                            double alpha, double power = 0.8,
                                            std::size_t max_n = 1000);

}  // namespace lrb::stats
