#pragma once
// Adding seeds in batches: a group-sequential design whose error rate stays
// at alpha however many times the claim is looked at.
//
// Why anything is needed: re-testing at the fixed 1.96 after every batch is a
// different, larger test -- with K equally spaced looks the real two-sided
// level is 0.083 (K = 2), 0.107 (K = 3), 0.142 (K = 5) (Armitage, McPherson
// & Rowe 1969, JRSS A 132(2)).
//
// ---- the procedure -----------------------------------------------------------
// Lan & DeMets (1983, Biometrika 70(3)) alpha spending with the O'Brien-
// Fleming-type function, converted to t, read as repeated confidence
// intervals (Jennison & Turnbull 1989, JRSS B 51(3)):
//   * The cap N (--max-seeds) is fixed before the first look.  A look at n
//     seeds has information fraction t = n / N (the per-seed variance cancels).
//   * Cumulative two-sided alpha spent by t (convention: alpha / 2 per side,
//     each side spent by the OBF-type function at alpha / 2):
//       O'Brien-Fleming  alpha(t) = 2 * 2 (1 - Phi(z_{1 - alpha/4} / sqrt t))
//       Pocock           alpha(t) = alpha ln(1 + (e - 1) t)
//     This is ld98 / R ldbounds' default (Reboussin, DeMets, Kim & Lan 2000,
//     Controlled Clinical Trials 21) and gsDesign's sfLDOF at one-sided
//     alpha / 2; for K = 5 equal looks at alpha = 0.05 it gives the
//     classical boundaries 4.877, 3.357, 2.680, 2.290, 2.031.  (Spending the
//     two-sided alpha through one OBF function instead gives 4.383, ... --
//     also valid, a different design.)
//   * Boundaries c_k on the Z scale solve P_0(first crossing of |Z| >= c at
//     look k) = alpha(t_k) - alpha(t_{k-1}), where under H0 the look
//     statistics are Brownian motion at the information times: S_k = Z_k
//     sqrt(t_k) has independent N(0, t_k - t_{k-1}) increments.  Recursive
//     numerical integration (Armitage-McPherson-Rowe):
//       f_1(s) = phi(s / sqrt t_1) / sqrt t_1
//       P_k(c) = int f_{k-1}(u) [Phi((-c sqrt t_k - u) / sqrt D) + 1 - Phi((c sqrt t_k - u) / sqrt D)] du
//       f_k(s) = int f_{k-1}(u) phi((s - u) / sqrt D) / sqrt D du,  |s| < c_k sqrt t_k
//     (D = t_k - t_{k-1}; the integrals over the previous continuation
//     region), composite Simpson on 801 nodes per look, truncated at 12
//     standard deviations, and c_k by bisection on the decreasing P_k to
//     1e-12.  The published tables are reproduced to their 3-4 decimals;
//     801 vs 1601 nodes agree to 1e-9.
//   * Unknown variance, tiny n: each c_k becomes its nominal one-sided level
//     p_k = 1 - Phi(c_k) and the t critical value t_{1 - p_k, df} with the
//     look's own df (Jennison & Turnbull 2000, ch. 3.3; Pocock 1977).  The
//     repeated confidence interval at look k is
//       estimate_k +- t_{1 - p_k, df_k} se_k
//     and these intervals cover the true mean simultaneously over all looks
//     with probability ~ 1 - alpha.
//   * Decision at each look: verdict.hpp's table applied to that look's
//     repeated interval.  The first look with a verdict other than
//     inconclusive stops the claim and its verdict is final (later seeds
//     added for other claims never revise it); no verdict at n = N: stopped
//     at the cap (inconclusive).  Because every verdict is wrong only if the
//     interval misses the true mean, P(any wrong verdict) <= P(some interval
//     misses) ~ alpha -- for supported, refuted and equivalent alike.
//   * The function is stateless: it re-derives every boundary from the look
//     sizes, so a runner only needs to record the sizes at which the claim
//     was looked at (in order) and the per-seed differences in seed order.
//
// ---- why this and not an anytime-valid confidence sequence -------------------
// Lan-DeMets assumes: N fixed in advance; look times chosen without seeing
// the data (batches of seeds are); approximately normal increments.  The
// number of looks and their spacing need NOT be fixed in advance -- unplanned
// looks only change which increments of alpha(t) are spent.  Its cost: almost
// none at the end.  The last critical value at N is 2.03 (K = 5) or 1.99
// (K = 3) instead of 1.96, because OBF spends almost nothing early (|T| >= 6
// at 10 of 30 seeds); power is within a point or two of the fixed design.
// A confidence sequence (normal mixture, Howard, Ramdas, McAuliffe & Sekhon
// 2021, Annals of Statistics 49(2)) needs no N and allows a look after every
// seed, forever; but it needs a KNOWN variance bound (sub-Gaussian sigma) --
// an unknown-variance version at n <= 30 is much wider still (Wang & Ramdas
// 2023) -- and is ~55 % wider at every n (half-width ~3.05 sigma / sqrt n vs
// 1.96 for n in 5..30), i.e. needs ~2.4x the seeds for the same effect.  Our
// seeds are capped and looked at in a few batches: the situation group-
// sequential designs are built for.  If the cap is changed after a look, the
// earlier boundaries change: record N with the verdict and never raise it.
//
// Multiplicity with sequential looks: give each claim of a family of m its
// own design at alpha / m (Bonferroni across claims): valid under any
// dependence, no interaction with the looks.
//
// ---- what it looks like at lrbench's sizes (alpha 0.05, N = 30) --------------
//   looks           5      10     15     20     25     30
//   OBF  t crit     92.97  5.98   3.59   2.81   2.40   2.14
//   Pocock t crit   4.31   3.08   2.80   2.68   2.61   2.56
// OBF decides nothing at 5 of 30 seeds (a first look at t = 1/6 spends 8e-8)
// and keeps the end almost at the fixed test; Pocock decides glaring claims
// at 5 seeds but pays at 30 (2.56 vs 2.05).  Simulated (tests/stats, looks
// every 5 seeds): wrong verdicts under a true mean of 0 are 0.050 (normal
// differences; 0.155 when a fixed 95 % interval is checked at each look);
// power at d = 0.5 / 0.8 is 0.736 / 0.987 with OBF vs 0.754 / 0.989 for
// the fixed 30-seed test, using 25 / 20 seeds on average.
//
// ---- the assumption: roughly symmetric differences -----------------------------
// The t conversion is exact for normal differences and the simulation holds
// alpha for symmetric heavy tails too (Laplace: 0.045).  Skewed differences
// are the t test's weakness, and the interim looks, testing at small nominal
// levels where the t approximation's tail error is largest, amplify it:
// rate of wrong verdicts under a true mean of 0 (10 000 / 20 000 studies),
//   skewness 1 (centred gamma(4))       fixed 30-seed t 0.056, OBF 0.061
//   skewness 2 (centred exponential)    fixed 30-seed t 0.073, OBF 0.097
// (the errors pile up on one side: the heavy left tail of T for right-skewed
// data).  Claims should report skewness() of their differences and say when
// it is large (|G1| > 1 with n >= 10), or analyse a scale on which the
// differences are symmetric (log ratios of times and losses).  Robust
// alternatives that stay valid under any shape (betting confidence sequences
// for bounded data, Waudby-Smith & Ramdas 2024) are too wide to decide
// anything at <= 30 seeds.
#include <cstddef>
#include <span>
#include <vector>

#include "core/stats/stats.hpp"
#include "core/stats/verdict.hpp"

namespace lrb::stats {

enum class Spending { kOBrienFleming, kPocock };
const char* to_string(Spending s);  // "obrien-fleming", "pocock"

// Cumulative two-sided alpha spent by information fraction t in [0, 1].
double alpha_spent(Spending spending, double alpha, double t);

// Z-scale two-sided boundaries c_k for information fractions
// 0 < t_1 < ... < t_K <= 1 (see above).  c_k = +inf where the increment
// of alpha is below 1e-300 (nothing to spend).
std::vector<double> spending_boundaries(Spending spending, double alpha,
                                        std::span<const double> information);

struct SequentialDesign {
  double alpha = 0.05;  // two-sided, total over every look
  Spending spending = Spending::kOBrienFleming;
  std::size_t max_n = 30;  // the cap N, fixed before the first look
};

struct LookBoundary {
  std::size_t n = 0;        // seeds (pairs) at this look
  double information = 0;   // n / N
  double alpha_spent = 0;   // cumulative two-sided alpha(n / N)
  double z = 0;             // two-sided Z boundary c_k
  double nominal_p = 0;     // one-sided nominal level 1 - Phi(c_k)
};

// Boundaries for looks at the given seed counts (strictly increasing, each in
// [2, N]).
std::vector<LookBoundary> sequential_boundaries(const SequentialDesign& design,
                                                std::span<const std::size_t> look_sizes);

enum class SequentialVerdict { kSupported, kRefuted, kEquivalent, kContinue, kStoppedAtCap };
// "supported", "refuted", "equivalent", "continue", "stopped at cap"
const char* to_string(SequentialVerdict v);

struct SequentialLook {
  LookBoundary boundary;
  MeanDifference estimate;
  double t_critical = 0;  // t_{1 - nominal_p, df} (the Z boundary if se = 0)
  Interval interval;      // repeated confidence interval
  IntervalVerdict verdict;
};

struct SequentialResult {
  SequentialVerdict verdict = SequentialVerdict::kContinue;
  bool negligible = false;  // supported, but the deciding interval is below the band
  std::size_t n = 0;        // seeds of the deciding (or last) look
  std::vector<SequentialLook> looks;  // evaluated looks, up to the deciding one
  // The deciding (or last) look's interval is a 1 - level interval: pass
  // level to diagnose_inconclusive for a claim stopped at the cap.
  double level = 0;  // 2 * nominal_p of that look
};

// Precomputed boundaries for a fixed list of looks (the simulation reuses
// them; a runner can simply call the paired overload below).
struct SequentialPlan {
  SequentialDesign design;
  std::vector<LookBoundary> boundaries;
  // t_{1 - nominal_p, n - 1} per look: the paired critical values, so
  // deciding a paired look costs no quantile evaluation (+inf: no spend).
  std::vector<double> paired_t_critical;
};
SequentialPlan plan_sequential(const SequentialDesign& design,
                               std::span<const std::size_t> look_sizes);

// looks[k] is the estimate after the plan's k-th look (its n must match the
// plan's; fewer looks than planned is fine: the claim is still running).
// Welch estimates are allowed with equal seeds per arm.  band >= 0.
SequentialResult sequential_decide(const SequentialPlan& plan,
                                   std::span<const MeanDifference> looks, double band);

// The runner's entry point: per-seed differences (contender - baseline,
// signed so positive is the claim's direction) in seed order, and the seed
// counts at which the claim was looked at, in order (the last one may be
// differences.size() or less).
SequentialResult sequential_decide_paired(std::span<const double> differences,
                                          std::span<const std::size_t> look_sizes,
                                          const SequentialDesign& design, double band);

}  // namespace lrb::stats
