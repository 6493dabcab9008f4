#pragma once
// Ranking solvers (optimizers) across problems: Dolan-More performance
// profiles, the AlgoPerf benchmark score, and bootstrap bands over seeds.
//
// ---- performance profiles (Dolan & More 2002, Math. Programming 91(2)) --------
// Cost t_{p,s} > 0 of solver s on problem p (time or steps to a target; +inf
// = failed).  Ratio to the best solver on that problem and the profile:
//   r_{p,s} = t_{p,s} / min_s' t_{p,s'}            (+inf if s failed; every
//                                                    r is +inf if all failed)
//   rho_s(tau) = |{p : r_{p,s} <= tau}| / n_problems,   tau >= 1
// a right-continuous step function: rho_s(1) is the share of problems s wins
// (ties win for every tied solver, so the rho_s(1) can sum past 1), and
// lim rho_s(tau -> inf) the share it solves at all.  Profiles depend on the
// solver set: adding a solver can reorder the others.
//
// ---- AlgoPerf score (MLCommons AlgoPerf, docs/DOCUMENTATION.md "AlgoPerf
// Benchmark Score via Integrated Performance Profiles"; Dahl et al. 2023,
// arXiv:2306.07179) -----------------------------------------------------------------
//   B_s = 1 / (r_max - 1) * int_1^{r_max} rho_s(tau) dtau,   r_max = 4,
// so a ratio above r_max earns nothing on that problem and B_s in [0, 1] (1 =
// fastest everywhere).  For a step profile the integral is exact in closed
// form, which is what algoperf_scores() computes:
//   B_s = 1 / n_problems * sum_p max(0, r_max - r_{p,s}) / (r_max - 1).
// The reference scoring code (scoring/score_submissions.py,
// compute_leaderboard_score) instead evaluates rho on np.linspace(1, r_max,
// 100) and integrates with np.trapz divided by (r_max - 1): an O(1 / 100)
// quadrature error, different per solver (e.g. 0.896465 instead of 43/48 =
// 0.895833).  algoperf_scores_trapezoid() reproduces that rule for
// comparison with published leaderboards; the report should use the exact one.
// The problem costs themselves follow AlgoPerf's "median over studies" when
// summarized with Statistic::kMedian (bootstrap.hpp).
//
// ---- bootstrap bands over seeds --------------------------------------------------
// Problems and solvers are fixed; seeds are the sampling unit (Efron &
// Tibshirani 1993; the stratified bootstrap of Agarwal et al. 2021,
// NeurIPS 34, "Deep RL at the edge of the statistical precipice").  Replicate b:
//   1. per problem draw n_seeds seed indices with replacement -- the SAME
//      indices for every solver when seeds are paired (seed k of every
//      solver saw the same data order and initialization), or per (problem,
//      solver) cell when they are not;
//   2. summarize each cell over its drawn seeds (mean or median, +inf for
//      failures as bootstrap.hpp says), recompute the ratios against the
//      REPLICATE's best solver, rho*_s on the tau grid and B*_s;
//   3. bands: pointwise inverted-cdf percentiles of rho*_s(tau) per tau and
//      of B*_s; and P*(s ranks first) = share of replicates where B*_s is the
//      largest (ties count for every tied solver).
// Caveats the report should carry: rho moves in steps of 1 / n_problems;
// with 5 seeds the bootstrap distribution is discrete and slightly too
// narrow; resampling seeds ignores which problems were chosen.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/stats/bootstrap.hpp"

namespace lrb::stats {

// (problems, solvers) row-major: cost[p * solvers + s]; each > 0, +inf = failed.
struct CostMatrix {
  std::size_t problems = 0, solvers = 0;
  std::vector<double> cost;
  double at(std::size_t p, std::size_t s) const { return cost[p * solvers + s]; }
};

// Same layout as the costs.  Throws std::invalid_argument on a size
// mismatch, a cost <= 0, -inf or NaN.
std::vector<double> performance_ratios(const CostMatrix& c);

// rho_s(tau) for every solver and tau: (solvers, taus) row-major.  taus >= 1.
std::vector<double> performance_profile(const CostMatrix& c, std::span<const double> taus);
// The same from precomputed ratios.
std::vector<double> profile_from_ratios(std::span<const double> ratios, std::size_t problems,
                                        std::size_t solvers, std::span<const double> taus);

// AlgoPerf B_s per solver, exact integral (closed form above); r_max > 1.
std::vector<double> algoperf_scores(const CostMatrix& c, double r_max = 4.0);
std::vector<double> algoperf_scores_from_ratios(std::span<const double> ratios,
                                                std::size_t problems, std::size_t solvers,
                                                double r_max = 4.0);
// The reference code's rule: trapezoid over `points` equally spaced taus in
// [1, r_max], divided by r_max - 1.
std::vector<double> algoperf_scores_trapezoid(const CostMatrix& c, double r_max = 4.0,
                                              std::size_t points = 100);

// `points` equally spaced taus from 1 to r_max inclusive (points >= 2).
std::vector<double> linear_taus(double r_max, std::size_t points);

// Per-seed costs: (problems, solvers, seeds) row-major, cost[(p * solvers + s)
// * seeds + k]; same value rules as CostMatrix.
struct SeedCosts {
  std::size_t problems = 0, solvers = 0, seeds = 0;
  std::vector<double> cost;
  double at(std::size_t p, std::size_t s, std::size_t k) const {
    return cost[(p * solvers + s) * seeds + k];
  }
};

enum class Resampling { kPairedSeeds, kIndependentCells };

// The cell summaries over every seed: the observed cost matrix.
CostMatrix summarize_cells(const SeedCosts& c, Statistic s);
// The cell summaries over resampled seeds.  index holds seed indices in
// [0, seeds): (problems, seeds) row-major for kPairedSeeds -- shared by every
// solver of a problem -- or (problems, solvers, seeds) for kIndependentCells.
CostMatrix resample_cells(const SeedCosts& c, Statistic s, Resampling r,
                          std::span<const std::uint32_t> index);

struct ProfileBootstrapOptions {
  Statistic statistic = Statistic::kMedian;
  Resampling resampling = Resampling::kPairedSeeds;
  std::size_t replicates = 2000;  // >= 100
  std::uint64_t seed = 0;
  double confidence = 0.95;
  double r_max = 4.0;
  std::vector<double> taus;  // empty: linear_taus(r_max, 301)
};

struct ProfileBands {
  std::vector<double> taus;
  std::vector<double> profile, low, high;  // (solvers, taus) row-major
  std::vector<double> score, score_low, score_high, prob_best;  // per solver
  std::size_t replicates = 0;
  double confidence = 0.95;
};
ProfileBands bootstrap_profiles(const SeedCosts& c, const ProfileBootstrapOptions& o);

}  // namespace lrb::stats
