#pragma once
// Change points in one benchmark's history: at which commit did its level
// move, by how much, and how sure are we?  Pure numerics: no I/O, no globals.
// Bad input (a value <= 0 or not finite, an option out of range) throws
// std::invalid_argument naming the commit, the repetition or the option.
//
// Input: per commit, in parent order (oldest first), the calibration-
// normalized values of its repetitions (times: larger = slower unless
// Polarity says otherwise).  A commit with no values is a gap: it is skipped
// by the analysis but keeps its index, so commit ranges can span it.  The
// history store these series come from, and the scripts that fill it and
// bisect what this finds, are described in docs/perf-history.md.
//
// ---- Why penalized segmentation (PELT) and not E-divisive -----------------
// MongoDB (Daly et al., ICPE 2020) and Hunter (Fleming et al., ICPE 2023) use
// E-divisive means (Matteson & James, JASA 2014): bisect the series where the
// energy divergence Q = nm/(n+m) (2 E|X-Y| - E|X-X'| - E|Y-Y'|) is largest
// and accept the split by a permutation test.  We use optimal partitioning
// with PELT pruning (Killick, Fearnhead & Eckley, JASA 2012) instead, because
//   * what the repetitions give us is a noise model.  The r repetitions of a
//     commit share one machine state, so they are not r independent draws of
//     its level, but they give a per-commit level that one slow repetition
//     cannot move, and a within-run noise scale that bounds the commit-level
//     noise from below.  A penalized cost uses that scale directly; the
//     energy statistic throws it away.
//   * E-divisive reacts to any change of distribution (spread, shape); on a
//     shared machine those are mostly noise.  A level shift is what a
//     regression is, and what the cost below measures.
//   * cost: E-divisive needs O(R k n^2) for R permutations and k change
//     points; here the segmentation is deterministic and the permutations are
//     spent only on the few candidate steps, over their own segments, and stop
//     early for the ones that are clearly noise.
//   * false alarms are controlled twice: the penalty keeps noise from
//     becoming candidates, and each candidate must pass a selection-adjusted
//     permutation test, which holds its level whatever the noise scale
//     estimate was (it only needs the commits of a segment to be
//     exchangeable).  Hunter replaced the permutation test with a t-test
//     because with a practical R its results were not reproducible; ours are,
//     being seeded from a fixed engine (datasets/rng.hpp).
//
// ---- The method (every step is a function below) --------------------------
// 1. Levels and noise (commit_levels, estimate_noise).  u = ln x, so a +3 %
//    step is ln 1.03 at any level.  A commit's level y_c is the
//    Hodges-Lehmann estimate of its u_cj (the median of the Walsh averages
//    (u_i + u_j) / 2, i <= j) when it has >= 4 values, else their median.
//    HL is 95 % as efficient as the mean under Gaussian noise (the median
//    64 %), which with 5 repetitions shrinks the commit-level noise by ~15 %,
//    and one slow repetition moves fewer than half of the Walsh averages
//    (4 of 10 with 4 values), so it cannot move y_c far.
//      sigma_within = 1.4826 median_{c, j<k} |u_cj - u_ck| / sqrt 2
//                     (one run's spread, pooled over commits; pairwise
//                     differences do not depend on the commit's level)
//      se_within    = f sigma_within / sqrt(r),  r = median repetitions,
//                     f = sqrt(pi/3) for HL, sqrt(pi/2) for the median
//      sigma_commit = 1.4826 median_c |y_{c+1} - y_c| / sqrt 2
//                     (commit-to-commit noise, robust to steps and outliers:
//                     R package breakfast's mad(diff(x))/sqrt(2), centred at 0)
//      sigma        = max(sigma_commit, se_within, noise_floor)
//    sigma_commit is the one that matters on a shared machine: each commit's
//    run sees a different machine state, so se_within alone would make every
//    wobble a change point.
// 2. Segmentation (segment).  z_c = (y_c - median y) / sigma over the m
//    commits with data.  Minimize over change points 0 < t_1 < ... < t_k < m
//      sum_{i=0..k} C(z[t_i, t_{i+1})) + beta k,   t_0 = 0, t_{k+1} = m,
//    every segment at least min_segment commits long, with the biweight cost
//      C(W) = min_mu sum_{c in W} min((z_c - mu)^2, h^2)
//    (Fearnhead & Rigaill, JASA 2019): a commit further than h sigma from
//    its segment's level costs h^2 whatever its distance, so one noisy-
//    neighbour commit (+30 %) cannot buy two change points (2 beta > h^2).
//    C(W) is computed exactly: the points within h of mu form a window of
//    consecutive sorted values, so C(W) = min over the <= 2|W|+1 windows that
//    occur as mu slides of SS(window) + h^2 (|W| - |window|).  With h = inf
//    it is the L2 cost sum (z - mean)^2.  Optimal partitioning:
//      F(0) = -beta,  F(t) = min_s F(s) + C(z[s, t)) + beta,
//    with PELT's pruning (K = 0, valid for any cost that is a minimum over
//    mu of a sum of per-point losses): s is dropped once F(s) + C(s, t) >
//    F(t), from t + min_segment on (a minimum segment length forbids the
//    segments shorter than that which the pruning argument would use).
//    beta = penalty_factor ln m; penalty_factor = 3 is the MBIC level of
//    R's changepoint package (Zhang & Siegmund 2007).  Ties: a commit
//    further than h from both neighbouring levels (a noisy run beside a real
//    step) costs h^2 on either side, so each boundary then moves, between its
//    neighbours, to the position of least L2 cost among those of equal
//    biweight cost: the nearer level takes it, and the total is unchanged.
// 3. Significance (step_permutation_test).  For a candidate t between its
//    neighbouring change points a < t < b (or the ends), on
//    w = clamp(z[a, b) - median z[a, b), -h, h) with N = b - a:
//      T = max_{a+l <= s <= b-l} |S_s - S (s-a)/N| sqrt(N / ((s-a)(b-s)))
//    (S_s = sum w[a, s), S = sum w[a, b), l = min_segment): the two-sample
//    mean difference of the split scaled by sqrt(n1 n2 / N), maximized over
//    the split, so the p-value pays for the split having been chosen.
//    Winsorizing at h (as the cost does) keeps an outlier commit from
//    dominating T; it depends on the values, not their order, so shuffling w
//    is a valid null.  The permutation distribution (shuffles of w within
//    [a, b), seeded by the interval) gives
//      p = (1 + #{T_perm >= T}) / (1 + R)     (Smyth & Phipson 2010: never 0)
//    with Besag & Clifford's (Biometrika 1991) sequential stop: after
//    stop_exceedances draws with T_perm >= T the test stops at p = that
//    count / draws, so a noise candidate costs ~10 / p draws, not R.
//    The test is exact whatever sigma was: it only needs the commits of
//    [a, b) to be exchangeable when there is no step.  (A rank statistic,
//    the maximally selected Mann-Whitney, was tried and dropped: its
//    standardization cannot reach large values for short segments, so a
//    +50 % step with 5 commits after it was found in 24 % of series against
//    98 % here.)  Its floor: k commits after a step form a run of k extreme
//    values, which a shuffle reproduces with probability ~ 2 / C(N, k), so
//    with alpha = 0.001 a change needs about 4 commits after it (below).
// 4. Size: before/after = medians of the levels y_c of [a, t) and [t, b);
//    relative_change = exp(after - before) - 1, with the distribution-free
//    (Moses) interval of the Hodges-Lehmann shift of the two segments' y_c
//    (core/stats), exponentiated.  The interval ignores that t was chosen
//    where the difference is largest, so it is a little optimistic.
// 5. Pruning the candidates (Hunter's merge step): while some candidate has
//    p > alpha or |relative_change| < min_relative_change, drop the one with
//    the largest p (ties: the smaller |change|, then the earlier) and retest
//    its two neighbours over their merged segments.  What is left is
//    reported.
//
// ---- How many commits a change needs -------------------------------------
// Two things must hold.  The segmentation needs min_segment (2) commits
// with data on each side, and for a small step more: a step delta is proposed
// with probability about Phi(sqrt(n_eff) |ln(1+delta)| / sigma - sqrt(beta)),
// n_eff = n1 n2 / (n1 + n2), so with sigma = 1 % a 3 % step needs 2-3
// commits after it and with sigma = 2 % about 10.  The permutation test
// needs the run of k shifted commits to be rare among shuffles (~2 / C(N, k)
// and more with outliers about), which at alpha = 0.001 takes k >= 4: in the
// validation mix a +50 % step with 3 / 4 / 5 commits after it is reported in
// 42 / 90 / 98 % of series.  The newest commit alone is never reported;
// check_newest() below answers for it.
//
// ---- Complexity ---------------------------------------------------------------
// m commits with data.  One biweight cost is O(|W|) given the sorted values
// (kept sorted incrementally), so the segmentation is O(m^3) in the worst case
// (a flat series, where PELT prunes nothing) and about O(sum of segment
// lengths^3) otherwise; O(m) memory.  Each permutation test is O(R N) for
// the candidates that are real and ~O(10 N / p) for the others.  Measured
// on a loaded 2-core VM (Release): a flat series of 60 commits ~1 ms, 500
// ~0.2 s, 1000 ~1-2 s, 2000 ~5-18 s; for longer histories analyse a window
// of the latest commits.
//
// ---- Determinism ----------------------------------------------------------------
// Same input and options -> same bits: the permutations of the interval
// [a, b) come from Rng{derive_seed(seed, "changepoint/permutation",
// a * (m + 1) + b)} with our own integer draws (datasets/rng.hpp), so a
// retest of the same interval gives the same p, in any order.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

namespace lrb::changepoint {

// Which way is slower.  Times and time-like normalized values: kLowerIsBetter.
enum class Polarity { kLowerIsBetter, kHigherIsBetter };
enum class Direction { kRegression, kImprovement };
const char* to_string(Direction d);  // "regression", "improvement"

// Per commit (parent order, oldest first) the values of its repetitions.
using Series = std::span<const std::vector<double>>;

// ---- 1. noise model ------------------------------------------------------------

struct NoiseModel {
  double sigma = 0;           // the scale used: max(sigma_commit, se_within, floor), log units
  double sigma_commit = 0;    // commit-to-commit, from consecutive levels (0 if < 2 commits)
  double sigma_within = 0;    // one run's spread of repetitions (0 if no commit has 2)
  double se_within = 0;       // standard error of a commit's level from sigma_within
  std::size_t commits = 0;    // commits with data
  std::size_t repetitions = 0;  // median repetitions per commit with data
};

// The level of one commit from the logs of its values (non-empty): the
// Hodges-Lehmann estimate with >= 4 values, else the median.
double commit_level(std::span<const double> log_values);

// The levels y_c of the commits with data and their input indices (same
// length, increasing).
struct CommitLevels {
  std::vector<double> y;
  std::vector<std::size_t> commit;
};
CommitLevels commit_levels(Series series);

NoiseModel estimate_noise(Series series, double noise_floor = 1e-3);

// ---- 2. segmentation -----------------------------------------------------------

inline constexpr double kNoCap = std::numeric_limits<double>::infinity();

// min_mu sum min((z - mu)^2, cap^2); cap = kNoCap gives sum (z - mean)^2.
// Empty z costs 0.  cap > 0.
double biweight_cost(std::span<const double> z, double cap);

struct SegmentOptions {
  double penalty = 0;           // beta > 0, per change point
  double cap = 3.0;             // h > 0 (kNoCap: L2 cost)
  std::size_t min_segment = 2;  // >= 1
};
struct Segmentation {
  std::vector<std::size_t> starts;  // first index of each new segment (not 0), increasing
  double cost = 0;                  // sum of segment costs + penalty * starts.size()
};
// The exact minimizer (optimal partitioning with PELT pruning) over z.
// Fewer than 2 min_segment values: no change point.
Segmentation segment(std::span<const double> z, const SegmentOptions& options);

// ---- 3. significance of a step ---------------------------------------------------

struct PermutationOptions {
  std::size_t max_permutations = 9999;  // R >= 1
  std::size_t stop_exceedances = 10;    // Besag-Clifford h >= 1
  std::size_t min_segment = 2;          // splits leave >= this many on each side
  double cap = 3.0;                     // winsorize at +-cap about the median (kNoCap: none)
  std::uint64_t seed = 0;               // the engine's state for this test
};
struct PermutationTest {
  double statistic = 0;          // T observed
  double p_value = 1;
  std::size_t permutations = 0;  // draws made
};
// Is there a step anywhere in z (the standardized levels of one interval, in
// order)?  Fewer than 2 min_segment values: p = 1, no draws.
PermutationTest step_permutation_test(std::span<const double> w,
                                      const PermutationOptions& options);

// ---- 4./5. the whole analysis ------------------------------------------------------

struct DetectOptions {
  double alpha = 0.001;               // keep a change point only if p <= alpha
  double min_relative_change = 0.02;  // ... and |relative change| >= this (2 %)
  double penalty_factor = 3.0;        // beta = penalty_factor ln m
  double cap = 3.0;                   // h, in units of sigma
  std::size_t min_segment = 2;        // commits with data on each side, >= 1
  std::size_t max_permutations = 9999;  // p resolution 1e-4
  std::size_t stop_exceedances = 10;
  double noise_floor = 1e-3;          // 0.1 %: quantized timers, identical values
  double confidence = 0.95;           // of the size interval
  Polarity polarity = Polarity::kLowerIsBetter;
  std::uint64_t seed = 0x6368616e6765ULL;
};
void validate(const DetectOptions& options);  // throws std::invalid_argument

struct ChangePoint {
  std::size_t index = 0;        // first commit at the new level ("first bad" if a regression)
  std::size_t last_before = 0;  // last commit with data before it ("last good"); the
                                // culprit is in (last_before, index]
  Direction direction = Direction::kRegression;
  double before = 0, after = 0;   // medians of the commits' levels, input units
  double relative_change = 0;     // after / before - 1
  double ci_low = 0, ci_high = 0;  // interval of relative_change (may be -1 / +inf)
  double ci_coverage = 0;          // its actual coverage (>= confidence, or 1)
  double p_value = 1;
  std::size_t permutations = 0;
  std::size_t segment_begin = 0, segment_end = 0;  // the commits [begin, end) tested
  std::size_t commits_before = 0, commits_after = 0;  // commits with data on each side
};

struct Analysis {
  NoiseModel noise;
  double penalty = 0;                 // beta used
  std::size_t candidates = 0;         // change points the segmentation proposed
  std::vector<ChangePoint> change_points;  // increasing index
};
Analysis detect(Series series, const DetectOptions& options = {});

// ---- the newest commit (`lrbench perf-history check`) --------------------------
// Does the newest commit N (the last element of the series; it must have
// values) start a regression?  A change at the very last commit has one
// point after it, which detect() never reports (min_segment), and one point
// cannot tell a new level from an outlier commit.  So this is a prediction
// test against the level the history ends on:
//   1. history = commits before N; it needs min_history commits with data
//      (else kInsufficientHistory: the noise model would be a guess).
//   2. detect(history) with `detect`; the reference is its last segment, at
//      most max_reference commits with data (the latest ones).
//   3. d = y_N - median(y_ref), z = d / (sigma sqrt(1 + (pi/2) / n_ref))
//      (y: commit levels; the median of n_ref levels has variance
//      ~ (pi/2) sigma^2 / n_ref),
//      signed so that z > 0 is slower; p = 1 - Phi(|z|), one-sided in the
//      observed direction; relative_change = exp(d) - 1.
//   4. kRegression if slower, p <= alpha and |relative_change| >=
//      min_relative_change; kImprovement likewise the other way (reported,
//      never a failure); else kUnchanged.
// Under Gaussian noise a stable benchmark fails with probability alpha per
// commit; an outlier commit (a noisy neighbour during that one run) fails it
// too, and only a rerun can tell, so a CI gate should confirm a kRegression
// by rerunning parent and newest interleaved in one job
// (tools/ci/perf-regression.sh) before failing.  A small step that this test
// misses is found by detect() once min_segment commits have followed it, and
// is then reported against its own commit range rather than failing a later,
// innocent commit.
enum class NewestVerdict { kUnchanged, kRegression, kImprovement, kInsufficientHistory };
const char* to_string(NewestVerdict v);  // "unchanged", "regression", "improvement",
                                         // "insufficient-history"

struct NewestOptions {
  double alpha = 0.001;               // one-sided; z = 3.09
  double min_relative_change = 0.05;  // 5 %
  std::size_t min_history = 10;       // commits with data before the newest, >= 2
  std::size_t max_reference = 30;     // >= 1
  DetectOptions detect;
};
void validate(const NewestOptions& options);

struct NewestCheck {
  NewestVerdict verdict = NewestVerdict::kInsufficientHistory;
  std::size_t newest = 0;                          // its index (series.size() - 1)
  std::size_t history_commits = 0;                 // commits with data before it
  std::size_t reference_begin = 0, reference_end = 0;  // commits [begin, end) of the reference
  std::size_t reference_commits = 0;               // commits with data in it
  double reference = 0, value = 0;                 // median of the reference's levels; newest level
  double relative_change = 0, z = 0, p_value = 1;
  double sigma = 0;                                // noise model of the history
};
NewestCheck check_newest(Series series, const NewestOptions& options = {});

}  // namespace lrb::changepoint
