// core/changepoint: the cost and the segmentation against brute force, the
// fact sheet's known-answer series, the newest-commit check, and the
// statistical validation (detection rate per step size, false-alarm rate on
// pure noise) over seeded synthetic histories (synthetic.hpp).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <numbers>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/changepoint/changepoint.hpp"
#include "datasets/rng.hpp"
#include "tests/changepoint/synthetic.hpp"

namespace cp = lrb::changepoint;
namespace data = lrb::data;
using cp::testing::HistorySpec;
using cp::testing::make_history;
using cp::testing::realistic_spec;
using History = std::vector<std::vector<double>>;

namespace {

// ---- independent references ----------------------------------------------------

// min_mu sum min((v - mu)^2, h^2) by brute force: the function is quadratic
// between consecutive breakpoints v_i +- h; on each piece its minimizer is the
// mean of the points within h, clamped to the piece.  Evaluate there and at
// every breakpoint.
double biweight_reference(const std::vector<double>& v, double h) {
  auto cost = [&](double mu) {
    double s = 0;
    for (double x : v) s += std::min((x - mu) * (x - mu), h * h);
    return s;
  };
  std::vector<double> bp;
  for (double x : v) {
    bp.push_back(x - h);
    bp.push_back(x + h);
  }
  std::sort(bp.begin(), bp.end());
  double best = cost(bp.front() - 1.0);
  for (double b : bp) best = std::min(best, cost(b));
  for (std::size_t i = 0; i + 1 < bp.size(); ++i) {
    const double lo = bp[i], hi = bp[i + 1], mid = (lo + hi) / 2;
    double s = 0;
    int k = 0;
    for (double x : v)
      if (std::fabs(x - mid) < h) {
        s += x;
        ++k;
      }
    if (k > 0) best = std::min(best, cost(std::clamp(s / k, lo, hi)));
  }
  return best;
}

// Every segmentation of z with segments >= l, by recursion: the best total
// cost (segment costs + penalty per change point), its starts, and how many
// segmentations reach it (ties: the biweight cost is flat for outliers).
struct Best {
  double cost = std::numeric_limits<double>::infinity();
  std::vector<std::size_t> starts;
  int ties = 0;
};
void enumerate(const std::vector<double>& z, std::size_t from, std::size_t l, double penalty,
               double cap, double so_far, std::vector<std::size_t>& starts, Best& best) {
  const std::size_t m = z.size();
  for (std::size_t end = from + l; end <= m; ++end) {
    if (end < m && m - end < l) continue;
    const std::vector<double> seg(z.begin() + static_cast<std::ptrdiff_t>(from),
                                  z.begin() + static_cast<std::ptrdiff_t>(end));
    const double c = so_far + cp::biweight_cost(seg, cap) + (end < m ? penalty : 0.0);
    if (end == m) {
      if (c < best.cost - 1e-9) {
        best = {c, starts, 1};
      } else if (c <= best.cost + 1e-9) {
        ++best.ties;
      }
    } else {
      starts.push_back(end);
      enumerate(z, end, l, penalty, cap, c, starts, best);
      starts.pop_back();
    }
  }
}

// ---- helpers ---------------------------------------------------------------------

// A history whose commits have `reps` identical values (no noise).
History exact(const std::vector<double>& levels, std::size_t reps = 5) {
  History h;
  for (double v : levels) h.push_back(std::vector<double>(reps, v));
  return h;
}

HistorySpec quiet(std::size_t commits, double cv) {
  HistorySpec s;
  s.commits = commits;
  s.repetitions = 9;
  s.cv = cv;
  return s;
}

// log-symmetric step: "+d slower" and its mirror "as much faster".
double signed_step(double d, bool slower) { return slower ? d : 1.0 / (1.0 + d) - 1.0; }

bool found_within(const cp::Analysis& a, std::size_t at, bool slower, std::size_t margin = 1) {
  for (const cp::ChangePoint& c : a.change_points) {
    const std::size_t dist = c.index > at ? c.index - at : at - c.index;
    if (dist <= margin &&
        (c.direction == cp::Direction::kRegression) == slower)
      return true;
  }
  return false;
}

}  // namespace

// ---- cost and segmentation ------------------------------------------------------------

TEST(Biweight, MatchesBruteForce) {
  data::Rng rng{7};
  for (int rep = 0; rep < 300; ++rep) {
    const std::size_t n = 1 + data::uniform_below(rng, 12);
    std::vector<double> v(n);
    for (double& x : v) x = data::normal(rng) * (rep % 3 == 0 ? 5.0 : 1.5);
    if (rep % 7 == 0 && n > 2) v[1] = v[0];  // ties
    for (double h : {0.5, 1.0, 3.0}) {
      SCOPED_TRACE("rep " + std::to_string(rep) + " h " + std::to_string(h));
      EXPECT_NEAR(cp::biweight_cost(v, h), biweight_reference(v, h), 1e-9);
    }
  }
}

TEST(Biweight, LimitsAndL2) {
  const std::vector<double> v{0.0, 1.0, 2.0, 100.0};
  // No cap: sum of squares about the mean 25.75.
  EXPECT_NEAR(cp::biweight_cost(v, cp::kNoCap),
              25.75 * 25.75 + 24.75 * 24.75 + 23.75 * 23.75 + 74.25 * 74.25, 1e-9);
  // Cap 3: the outlier costs 9, the rest their SS about 1 (= 2).
  EXPECT_NEAR(cp::biweight_cost(v, 3.0), 2.0 + 9.0, 1e-12);
  EXPECT_EQ(cp::biweight_cost(std::vector<double>{}, 3.0), 0.0);
  EXPECT_THROW(cp::biweight_cost(v, 0.0), std::invalid_argument);
}

TEST(Segment, FactSheetL2Reference) {
  // y = [0,0,0,10,10,10], sigma = 1, beta = 2 ln 6: one change at index 3
  // (0-based first index of the new segment), total cost beta vs 150 for none.
  const std::vector<double> z{0, 0, 0, 10, 10, 10};
  const double beta = 2 * std::log(6.0);
  const cp::Segmentation s = cp::segment(z, {.penalty = beta, .cap = cp::kNoCap, .min_segment = 1});
  ASSERT_EQ(s.starts, (std::vector<std::size_t>{3}));
  EXPECT_NEAR(s.cost, beta, 1e-12);
  EXPECT_NEAR(cp::biweight_cost(z, cp::kNoCap), 150.0, 1e-12);
}

TEST(Segment, ExactAgainstEnumeration) {
  data::Rng rng{11};
  int unique = 0;
  for (int rep = 0; rep < 120; ++rep) {
    const std::size_t m = 2 + data::uniform_below(rng, 11);
    std::vector<double> z(m);
    double level = 0;
    for (std::size_t i = 0; i < m; ++i) {
      if (data::uniform01(rng) < 0.25) level += data::normal(rng) * 4.0;
      z[i] = level + data::normal(rng);
    }
    for (std::size_t l : {1u, 2u, 3u})
      for (double cap : {3.0, 1.5, cp::kNoCap}) {
        if (m < 2 * l) continue;
        const double penalty = 1.0 + 2.0 * data::uniform01(rng) * std::log(static_cast<double>(m));
        Best best;
        std::vector<std::size_t> starts;
        enumerate(z, 0, l, penalty, cap, 0.0, starts, best);
        const cp::Segmentation s = cp::segment(z, {.penalty = penalty, .cap = cap, .min_segment = l});
        SCOPED_TRACE("rep " + std::to_string(rep) + " m " + std::to_string(m) + " l " +
                     std::to_string(l) + " cap " + std::to_string(cap));
        EXPECT_NEAR(s.cost, best.cost, 1e-9);
        // The returned segmentation really costs that (recomputed here) ...
        double own = penalty * static_cast<double>(s.starts.size());
        std::size_t from = 0;
        for (std::size_t k = 0; k <= s.starts.size(); ++k) {
          const std::size_t to = k < s.starts.size() ? s.starts[k] : m;
          EXPECT_GE(to - from, l);
          own += cp::biweight_cost(std::vector<double>(z.begin() + static_cast<std::ptrdiff_t>(from),
                                                       z.begin() + static_cast<std::ptrdiff_t>(to)),
                                   cap);
          from = to;
        }
        EXPECT_NEAR(own, best.cost, 1e-9);
        // ... and is the enumeration's when that one is unique.
        if (best.ties == 1) {
          EXPECT_EQ(s.starts, best.starts);
        }
        unique += best.ties == 1;
      }
  }
  EXPECT_GT(unique, 500);  // most cases are not ties, so the starts were compared
}

TEST(Segment, RejectsBadOptions) {
  const std::vector<double> z{1, 2, 3, 4};
  EXPECT_THROW(cp::segment(z, {.penalty = 0.0}), std::invalid_argument);
  EXPECT_THROW(cp::segment(z, {.penalty = 1.0, .cap = -1.0}), std::invalid_argument);
  EXPECT_THROW(cp::segment(z, {.penalty = 1.0, .min_segment = 0}), std::invalid_argument);
  const std::vector<double> bad{1, NAN, 3, 4};
  EXPECT_THROW(cp::segment(bad, {.penalty = 1.0}), std::invalid_argument);
}

// ---- noise model and permutation test ------------------------------------------------

TEST(Noise, CommitLevelAndWithinRun) {
  // Independent lognormal repetitions with sd s and no machine-state term:
  // sigma_within ~ s, and both se_within and the commit-to-commit scale ~ the
  // sd of a Hodges-Lehmann estimate of 9 values, ~ sqrt(pi/3) s / 3.
  HistorySpec spec = quiet(400, 0.02);
  const History h = make_history(spec, 5);
  const cp::NoiseModel n = cp::estimate_noise(h);
  const double s = std::sqrt(std::log(1.0 + 0.02 * 0.02));
  const double se = std::sqrt(std::numbers::pi / 3) * s / 3;
  EXPECT_EQ(n.commits, 400u);
  EXPECT_EQ(n.repetitions, 9u);
  // Tolerances: 14400 pairwise differences pin sigma_within to ~1.5 %; 399
  // consecutive differences leave the MAD-based sigma_commit ~6 % (1 sd).
  EXPECT_NEAR(n.sigma_within, s, 0.05 * s);
  EXPECT_NEAR(n.se_within, std::sqrt(std::numbers::pi / 3) * n.sigma_within / 3, 1e-15);
  EXPECT_NEAR(n.sigma_commit, se, 0.2 * se);
  EXPECT_EQ(n.sigma, std::max(n.sigma_commit, n.se_within));
  // A machine-state term of 2 % shows up in sigma_commit only.
  spec.between = 0.02;
  const cp::NoiseModel nb = cp::estimate_noise(make_history(spec, 5));
  EXPECT_NEAR(nb.sigma_within, s, 0.05 * s);
  EXPECT_NEAR(nb.sigma_commit, std::sqrt(0.02 * 0.02 + se * se), 0.2 * 0.02);
  EXPECT_EQ(nb.sigma, nb.sigma_commit);
}

TEST(Noise, CommitLevelIsRobustToOneSlowRepetition) {
  const std::vector<double> u{0.0, 0.01, -0.01, 0.005, 0.7};  // one repetition 2x slower
  EXPECT_LT(std::fabs(cp::commit_level(u)), 0.01);
  EXPECT_EQ(cp::commit_level(std::vector<double>{1.0, 5.0, 2.0}), 2.0);  // median below 4
  EXPECT_EQ(cp::commit_level(std::vector<double>{1.0, 2.0, 3.0, 4.0}), 2.5);
}

TEST(Noise, ConstantSeriesUsesTheFloor) {
  const History h = exact(std::vector<double>(30, 2.5));
  const cp::NoiseModel n = cp::estimate_noise(h, 1e-3);
  EXPECT_EQ(n.sigma_commit, 0.0);
  EXPECT_EQ(n.sigma_within, 0.0);
  EXPECT_EQ(n.sigma, 1e-3);
}

TEST(Permutation, NullPValuesAreUniformEnough) {
  // Under exchangeability P(p <= x) <= x: over 2000 noise intervals the
  // fraction with p <= 0.05 stays near 5 % (binomial sd 0.5 %).
  data::Rng rng{3};
  int small = 0, tiny = 0;
  const int trials = 2000;
  for (int i = 0; i < trials; ++i) {
    std::vector<double> w(20 + data::uniform_below(rng, 30));
    for (double& x : w) x = data::normal(rng);
    const cp::PermutationTest t = cp::step_permutation_test(
        w, {.max_permutations = 999, .stop_exceedances = 10, .seed = static_cast<std::uint64_t>(i)});
    small += t.p_value <= 0.05;
    tiny += t.p_value <= 0.01;
  }
  EXPECT_LE(small, trials * 0.065);
  EXPECT_GE(small, trials * 0.035);
  EXPECT_LE(tiny, trials * 0.018);
}

TEST(Permutation, StepGetsTheSmallestPAndConstantGetsOne) {
  std::vector<double> w(30, 0.0);
  for (std::size_t i = 15; i < 30; ++i) w[i] = 10.0;
  const cp::PermutationTest t = cp::step_permutation_test(w, {.max_permutations = 1999});
  EXPECT_EQ(t.p_value, 1.0 / 2000.0);
  EXPECT_EQ(t.permutations, 1999u);
  const cp::PermutationTest c = cp::step_permutation_test(std::vector<double>(30, 1.0), {});
  EXPECT_EQ(c.p_value, 1.0);
  EXPECT_EQ(c.permutations, 10u);  // stopped at the 10th exceedance
  const cp::PermutationTest s = cp::step_permutation_test(std::vector<double>{1.0, 2.0, 3.0}, {});
  EXPECT_EQ(s.p_value, 1.0);  // too short for two segments of 2
  EXPECT_EQ(s.permutations, 0u);
}

// ---- known answers (the fact sheet's list) ------------------------------------------------

TEST(Detect, ConstantSeriesHasNoChange) {
  const cp::Analysis a = cp::detect(exact(std::vector<double>(40, 3.0)));
  EXPECT_TRUE(a.change_points.empty());
  EXPECT_EQ(a.noise.sigma, 1e-3);
}

TEST(Detect, NoiseFreeStepIsExact) {
  std::vector<double> levels(40, 1.0);
  for (std::size_t c = 20; c < 40; ++c) levels[c] = 1.10;
  const cp::Analysis a = cp::detect(exact(levels));
  ASSERT_EQ(a.change_points.size(), 1u);
  const cp::ChangePoint& c = a.change_points[0];
  EXPECT_EQ(c.index, 20u);
  EXPECT_EQ(c.last_before, 19u);
  EXPECT_EQ(c.direction, cp::Direction::kRegression);
  EXPECT_NEAR(c.relative_change, 0.10, 1e-12);
  EXPECT_NEAR(c.before, 1.0, 1e-12);
  EXPECT_NEAR(c.after, 1.1, 1e-12);
  EXPECT_EQ(c.p_value, 1.0 / 10000.0);
  EXPECT_EQ(c.commits_before, 20u);
  EXPECT_EQ(c.commits_after, 20u);
  EXPECT_EQ(c.segment_begin, 0u);
  EXPECT_EQ(c.segment_end, 40u);
  EXPECT_LE(c.ci_low, 0.10 + 1e-12);
  EXPECT_GE(c.ci_high, 0.10 - 1e-12);
  // Higher is better (a throughput): the same step is an improvement.
  const cp::Analysis b = cp::detect(exact(levels), {.polarity = cp::Polarity::kHigherIsBetter});
  ASSERT_EQ(b.change_points.size(), 1u);
  EXPECT_EQ(b.change_points[0].direction, cp::Direction::kImprovement);
}

TEST(Detect, FiftyPercentStepAtTheSmallestP) {
  HistorySpec s = quiet(60, 0.0);
  s.between = 0.01;
  s.step_at = 30;
  s.step = 0.5;
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    const cp::Analysis a = cp::detect(make_history(s, seed));
    ASSERT_EQ(a.change_points.size(), 1u) << "seed " << seed;
    EXPECT_EQ(a.change_points[0].index, 30u);
    EXPECT_EQ(a.change_points[0].p_value, 1.0 / 10000.0);
    EXPECT_NEAR(a.change_points[0].relative_change, 0.5, 0.02);
    EXPECT_LT(a.change_points[0].ci_low, a.change_points[0].relative_change);
    EXPECT_GT(a.change_points[0].ci_high, a.change_points[0].relative_change);
  }
}

TEST(Detect, ThreePercentStepWhenQuiet) {
  // 3 % at commit 31 of 60 with sigma_c = 0.5 %: within +-1 in >= 95 % of seeds.
  HistorySpec s = quiet(60, 0.0);
  s.between = 0.005;
  s.step_at = 30;
  s.step = 0.03;
  int hits = 0;
  for (std::uint64_t seed = 0; seed < 100; ++seed)
    hits += found_within(cp::detect(make_history(s, seed)), 30, true);
  EXPECT_GE(hits, 95);
}

TEST(Detect, OneOutlierCommitIsNotAChange) {
  // A +30 % commit at 50 of 100 (sigma 1 %): the biweight cost caps it at h^2,
  // less than the two penalties a blip would need, so it is not even a
  // candidate.  The L2 cost makes it one (the permutation test then rejects
  // it: an outlier near an end of a random order is not rare).
  HistorySpec s = quiet(100, 0.0);
  s.between = 0.01;
  int l2_candidates = 0;
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    History h = make_history(s, data::derive_seed(seed, "outlier", 0));
    for (double& v : h[50]) v *= 1.30;
    const cp::Analysis a = cp::detect(h);
    EXPECT_EQ(a.candidates, 0u) << "seed " << seed;
    EXPECT_TRUE(a.change_points.empty()) << "seed " << seed;
    l2_candidates += cp::detect(h, {.cap = cp::kNoCap}).candidates > 0;
  }
  EXPECT_EQ(l2_candidates, 20);
}

TEST(Detect, AnOutlierNextToAStepDoesNotMoveIt) {
  // This repository's own history had it: a -72 % step at commit 20 whose
  // predecessor ran +25 % slow.  That commit lies beyond the cap from both
  // levels, so the biweight cost is the same with the boundary on either side
  // of it; the boundary goes to the side whose level is nearer (before), and
  // commit 20 is named first bad -- not commit 19.
  HistorySpec s = quiet(40, 0.0);
  s.between = 0.01;
  s.step_at = 20;
  s.step = -0.72;
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    History h = make_history(s, data::derive_seed(seed, "outlier-at-step", 0));
    for (double& v : h[19]) v *= 1.25;
    const cp::Analysis a = cp::detect(h);
    ASSERT_EQ(a.change_points.size(), 1u) << "seed " << seed;
    EXPECT_EQ(a.change_points[0].index, 20u) << "seed " << seed;
  }
}

TEST(Detect, TransientGivesTwoOppositeChanges) {
  HistorySpec s = quiet(100, 0.0);
  s.between = 0.01;
  for (std::uint64_t seed = 0; seed < 10; ++seed) {
    History h = make_history(s, seed);
    for (std::size_t c = 40; c <= 45; ++c)
      for (double& v : h[c]) v *= 1.10;
    const cp::Analysis a = cp::detect(h);
    ASSERT_EQ(a.change_points.size(), 2u) << "seed " << seed;
    EXPECT_EQ(a.change_points[0].index, 40u);
    EXPECT_EQ(a.change_points[0].direction, cp::Direction::kRegression);
    EXPECT_EQ(a.change_points[1].index, 46u);
    EXPECT_EQ(a.change_points[1].direction, cp::Direction::kImprovement);
    // The same blip lasting two commits is absorbed (2 h^2 = 18 < 2 beta).
    History g = make_history(s, seed);
    for (std::size_t c = 40; c <= 41; ++c)
      for (double& v : g[c]) v *= 1.10;
    EXPECT_TRUE(cp::detect(g).change_points.empty()) << "seed " << seed;
  }
}

TEST(Detect, TwoNearbySteps) {
  HistorySpec s = quiet(60, 0.0);
  s.between = 0.01;
  for (std::uint64_t seed = 0; seed < 10; ++seed) {
    History h = make_history(s, seed);
    for (std::size_t c = 30; c < 60; ++c)
      for (double& v : h[c]) v *= c >= 36 ? 1.21 : 1.10;
    const cp::Analysis a = cp::detect(h);
    ASSERT_EQ(a.change_points.size(), 2u) << "seed " << seed;
    EXPECT_EQ(a.change_points[0].index, 30u);
    EXPECT_EQ(a.change_points[1].index, 36u);
  }
}

TEST(Detect, RegressionThenFix) {
  std::vector<double> levels(60, 2.0);
  for (std::size_t c = 20; c < 40; ++c) levels[c] = 2.2;
  const cp::Analysis a = cp::detect(exact(levels));
  ASSERT_EQ(a.change_points.size(), 2u);
  EXPECT_EQ(a.change_points[0].index, 20u);
  EXPECT_NEAR(a.change_points[0].relative_change, 0.10, 1e-12);
  EXPECT_EQ(a.change_points[0].direction, cp::Direction::kRegression);
  EXPECT_EQ(a.change_points[1].index, 40u);
  EXPECT_NEAR(a.change_points[1].relative_change, 1.0 / 1.1 - 1.0, 1e-12);  // -9.09 %
  EXPECT_EQ(a.change_points[1].direction, cp::Direction::kImprovement);
  EXPECT_EQ(a.change_points[1].segment_begin, 20u);
}

TEST(Detect, GapsWidenTheRange) {
  HistorySpec s = quiet(50, 0.0);
  s.between = 0.005;
  s.step_at = 28;
  s.step = 0.10;
  History h = make_history(s, 1);
  for (std::size_t c = 25; c <= 27; ++c) h[c].clear();
  const cp::Analysis a = cp::detect(h);
  ASSERT_EQ(a.change_points.size(), 1u);
  EXPECT_EQ(a.change_points[0].last_before, 24u);
  EXPECT_EQ(a.change_points[0].index, 28u);
  EXPECT_EQ(a.noise.commits, 47u);
}

TEST(Detect, AChangeNeedsCommitsAfterIt) {
  // +50 % at sigma 1 %: with 5 commits after it the step is reported; as the
  // newest commit it is not (one point), and check_newest() flags it.
  HistorySpec s = quiet(40, 0.0);
  s.between = 0.01;
  s.step = 0.5;
  for (std::uint64_t seed = 0; seed < 10; ++seed) {
    s.step_at = 35;
    const History five_after = make_history(s, data::derive_seed(seed, "tail", 0));
    EXPECT_TRUE(found_within(cp::detect(five_after), 35, true, 0)) << "seed " << seed;
    s.step_at = 39;
    const History newest = make_history(s, data::derive_seed(seed, "tail", 1));
    EXPECT_TRUE(cp::detect(newest).change_points.empty()) << "seed " << seed;
    EXPECT_EQ(cp::check_newest(newest).verdict, cp::NewestVerdict::kRegression) << "seed " << seed;
  }
}

TEST(Detect, NoiseOnlyChangeIsRarelyReported) {
  // Sigma 1 % -> 2 % at commit 50 of 100, level unchanged: a level-shift
  // detector should stay quiet (E-divisive would not).
  int reported = 0;
  for (std::uint64_t seed = 0; seed < 200; ++seed) {
    HistorySpec s = quiet(100, 0.0);
    s.between = 0.01;
    History h = make_history(s, seed);
    data::Rng rng = data::make_rng(seed, "noise-change", 0);
    for (std::size_t c = 50; c < 100; ++c) {
      const double extra = data::normal(rng, 0.0, std::sqrt(0.02 * 0.02 - 0.01 * 0.01));
      for (double& v : h[c]) v *= std::exp(extra);
    }
    reported += !cp::detect(h).change_points.empty();
  }
  EXPECT_LE(reported, 4);  // <= 2 %
}

TEST(Detect, LinearDriftDoesNotCrash) {
  // 0.1 % per commit over 60 commits at sigma 1 %: documented behaviour is
  // "steps or nothing"; whatever is reported lies inside the series and
  // points the way of the drift.
  HistorySpec s = quiet(60, 0.0);
  s.between = 0.01;
  s.drift = 0.06;
  for (std::uint64_t seed = 0; seed < 20; ++seed)
    for (const cp::ChangePoint& c : cp::detect(make_history(s, seed)).change_points) {
      EXPECT_LT(c.index, 60u);
      EXPECT_EQ(c.direction, cp::Direction::kRegression);
    }
}

TEST(Detect, IsDeterministic) {
  const History h = make_history(realistic_spec(42, 0.1), 42);
  const cp::Analysis a = cp::detect(h), b = cp::detect(h);
  ASSERT_EQ(a.change_points.size(), b.change_points.size());
  for (std::size_t i = 0; i < a.change_points.size(); ++i) {
    EXPECT_EQ(a.change_points[i].index, b.change_points[i].index);
    EXPECT_EQ(a.change_points[i].p_value, b.change_points[i].p_value);  // bitwise
    EXPECT_EQ(a.change_points[i].relative_change, b.change_points[i].relative_change);
  }
  // The seed moves p-values of weak candidates only, never a clear step.
  const cp::Analysis c = cp::detect(h, {.seed = 12345});
  EXPECT_TRUE(found_within(a, realistic_spec(42, 0.1).step_at, true));
  EXPECT_TRUE(found_within(c, realistic_spec(42, 0.1).step_at, true));
}

TEST(Detect, BadInputNamesTheCommit) {
  History h = exact(std::vector<double>(10, 1.0));
  h[4][2] = -1.0;
  try {
    cp::detect(h);
    FAIL() << "no throw";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("commit 4 repetition 2"), std::string::npos) << e.what();
  }
  h[4][2] = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THROW(cp::detect(h), std::invalid_argument);
  const History ok = exact(std::vector<double>(10, 1.0));
  EXPECT_THROW(cp::detect(ok, {.alpha = 0.0}), std::invalid_argument);
  EXPECT_THROW(cp::detect(ok, {.penalty_factor = -1}), std::invalid_argument);
  EXPECT_THROW(cp::detect(ok, {.min_segment = 0}), std::invalid_argument);
  EXPECT_THROW(cp::detect(ok, {.confidence = 1.0}), std::invalid_argument);
  EXPECT_TRUE(cp::detect(History{}).change_points.empty());
  EXPECT_TRUE(cp::detect(exact({1.0, 2.0, 3.0})).change_points.empty());
}

// ---- the newest commit ------------------------------------------------------------------

TEST(Newest, NeedsHistory) {
  HistorySpec s = quiet(9, 0.0);
  s.between = 0.01;
  const cp::NewestCheck r = cp::check_newest(make_history(s, 1));
  EXPECT_EQ(r.verdict, cp::NewestVerdict::kInsufficientHistory);
  EXPECT_EQ(r.history_commits, 8u);
  EXPECT_THROW(cp::check_newest(History{}), std::invalid_argument);
  History h = make_history(quiet(20, 0.01), 1);
  h.back().clear();
  EXPECT_THROW(cp::check_newest(h), std::invalid_argument);
  cp::NewestOptions bad;
  bad.min_history = 1;
  EXPECT_THROW(cp::check_newest(make_history(quiet(20, 0.01), 1), bad), std::invalid_argument);
}

TEST(Newest, FactSheetGateCases) {
  // 40 flat commits at sigma 1 %, then the newest at +15 %, +1 %, -15 %.
  HistorySpec s = quiet(41, 0.0);
  s.between = 0.01;
  for (std::uint64_t seed = 0; seed < 10; ++seed) {
    auto with_newest = [&](double factor) {
      History h = make_history(s, data::derive_seed(seed, "gate", 0));
      for (double& v : h.back()) v *= factor;
      return cp::check_newest(h);
    };
    const cp::NewestCheck up = with_newest(1.15);
    EXPECT_EQ(up.verdict, cp::NewestVerdict::kRegression) << "seed " << seed;
    EXPECT_EQ(up.newest, 40u);
    EXPECT_EQ(up.reference_commits, 30u);  // capped at max_reference
    EXPECT_EQ(up.reference_begin, 10u);
    EXPECT_EQ(up.reference_end, 40u);
    EXPECT_NEAR(up.relative_change, 0.15, 0.05);  // 4 sd of the newest commit's noise
    EXPECT_GT(up.z, 3.09);
    EXPECT_EQ(with_newest(1.01).verdict, cp::NewestVerdict::kUnchanged);
    const cp::NewestCheck down = with_newest(1.0 / 1.15);
    EXPECT_EQ(down.verdict, cp::NewestVerdict::kImprovement);
    EXPECT_LT(down.z, 0.0);
  }
}

TEST(Newest, ReferenceIsTheLastSegment) {
  // A +20 % step at commit 25 of 40: the newest at the new level is unchanged
  // (the reference starts at 25), at the old level it is an improvement.
  HistorySpec s = quiet(41, 0.0);
  s.between = 0.005;
  s.step_at = 25;
  s.step = 0.20;
  History h = make_history(s, 3);
  const cp::NewestCheck same = cp::check_newest(h);
  EXPECT_EQ(same.verdict, cp::NewestVerdict::kUnchanged);
  EXPECT_EQ(same.reference_begin, 25u);
  EXPECT_EQ(same.reference_commits, 15u);
  for (double& v : h.back()) v /= 1.2;
  EXPECT_EQ(cp::check_newest(h).verdict, cp::NewestVerdict::kImprovement);
}

// ---- the statistical validation ----------------------------------------------------------

namespace {

// Detection counts of one step size: found = a change point within +-1
// commit pointing the right way; near = within +-3; by_cv = found per band
// of the repetitions' CV ([2, 3), [3, 4), [4, 5] %).
struct Rates {
  int series = 0, found = 0, near = 0;
  int band_series[3] = {0, 0, 0}, band_found[3] = {0, 0, 0};
};

Rates step_study(double size, int count) {
  Rates r;
  for (int i = 0; i < count; ++i) {
    const std::uint64_t seed = data::derive_seed(2024, "step-study", static_cast<std::uint64_t>(i));
    const bool slower = i % 2 == 0;
    const HistorySpec spec = realistic_spec(seed, signed_step(size, slower));
    const cp::Analysis a = cp::detect(make_history(spec, seed));
    const bool hit = found_within(a, spec.step_at, slower);
    const int band = std::min(2, static_cast<int>((spec.cv - 0.02) / 0.01));
    ++r.series;
    r.found += hit;
    r.near += found_within(a, spec.step_at, slower, 3);
    ++r.band_series[band];
    r.band_found[band] += hit;
  }
  return r;
}

double share(int k, int n) { return n == 0 ? 0.0 : static_cast<double>(k) / n; }

}  // namespace

// Planted steps of 3 %, 10 % and 50 % (half slower, half faster) in the
// realistic mix of synthetic.hpp (30-60 commits, 5 repetitions, CV 2-5 %,
// machine state 0-1 %, outlier commits and repetitions, drift): 200 series
// each.  Measured with these seeds: 50 %: 200/200, 10 %: 198/200, 3 %: 82/200
// (41 %; 70 % at CV 2-3 %, 19 % at CV 4-5 %: 3 % is about one commit-level
// sd here, sigma ~ 1.2-3 %).
TEST(Validation, DetectionRatePerStepSize) {
  const int count = 200;
  const double sizes[] = {0.50, 0.10, 0.03};
  const double required[] = {0.99, 0.97, 0.35};
  for (int k = 0; k < 3; ++k) {
    const Rates r = step_study(sizes[k], count);
    const double rate = share(r.found, r.series);
    std::printf("[ rates    ] step %2.0f %%: within +-1 commit %d/%d (%.1f %%), within +-3 %d; "
                "+-1 by CV 2-3 / 3-4 / 4-5 %%: %.0f / %.0f / %.0f %%\n",
                sizes[k] * 100, r.found, r.series, rate * 100, r.near,
                100 * share(r.band_found[0], r.band_series[0]),
                100 * share(r.band_found[1], r.band_series[1]),
                100 * share(r.band_found[2], r.band_series[2]));
    RecordProperty("detection_rate_" + std::to_string(static_cast<int>(sizes[k] * 100)) + "pct",
                   std::to_string(rate));
    EXPECT_GE(rate, required[k]) << "step " << sizes[k];
  }
}

// Pure noise in the same mix (outlier commits and repetitions, drift
// included): the fraction of series with any change point.  Stated rate:
// <= 1 % (measured 0.10 %: 2 of 2000).
TEST(Validation, FalseAlarmRateOnPureNoise) {
  const int count = 2000;
  int alarms = 0, points = 0, commits = 0;
  for (int i = 0; i < count; ++i) {
    const std::uint64_t seed = data::derive_seed(2024, "null-study", static_cast<std::uint64_t>(i));
    const HistorySpec spec = realistic_spec(seed, 0.0);
    const cp::Analysis a = cp::detect(make_history(spec, seed));
    alarms += !a.change_points.empty();
    points += static_cast<int>(a.change_points.size());
    commits += static_cast<int>(spec.commits);
  }
  const double rate = share(alarms, count);
  std::printf("[ rates    ] pure noise: %d/%d series with a change point (%.2f %%), "
              "%.2f false change points per 1000 commits\n",
              alarms, count, rate * 100, 1000.0 * points / commits);
  RecordProperty("false_alarm_rate", std::to_string(rate));
  EXPECT_LE(rate, 0.01);
}

// The newest-commit gate.  Per stable commit it fails with probability
// ~alpha (0.1 %) under Gaussian noise, stated <= 0.5 %; a noisy-neighbour
// commit (3 % of commits in the mix, +5-30 %) is indistinguishable from a
// step of one commit, so on the full mix the false failures are about that
// rate, stated <= 4 %: the reason a gate confirms by a rerun.
TEST(Validation, NewestCommitGate) {
  const int count = 1000;
  int gauss_fail = 0, mix_fail = 0, caught10 = 0, caught50 = 0;
  for (int i = 0; i < count; ++i) {
    const std::uint64_t seed = data::derive_seed(2024, "gate-study", static_cast<std::uint64_t>(i));
    HistorySpec spec = realistic_spec(seed, 0.0);
    History h = make_history(spec, seed);
    mix_fail += cp::check_newest(h).verdict == cp::NewestVerdict::kRegression;
    const std::vector<double> newest = h.back();
    for (double& v : h.back()) v *= 1.10;
    caught10 += cp::check_newest(h).verdict == cp::NewestVerdict::kRegression;
    h.back() = newest;
    for (double& v : h.back()) v *= 1.50;
    caught50 += cp::check_newest(h).verdict == cp::NewestVerdict::kRegression;
    spec.outlier_commit = spec.outlier_rep = 0.0;
    gauss_fail += cp::check_newest(make_history(spec, seed)).verdict == cp::NewestVerdict::kRegression;
  }
  std::printf("[ rates    ] newest-commit gate: false failures %d/%d Gaussian, %d/%d with outlier "
              "commits; newest +10 %% caught %d/%d, +50 %% %d/%d\n",
              gauss_fail, count, mix_fail, count, caught10, count, caught50, count);
  EXPECT_LE(gauss_fail, count * 0.005);
  EXPECT_LE(mix_fail, count * 0.04);
  EXPECT_GE(caught50, count * 0.97);
}
// Not a speed assertion (STYLE.md: never assert wall-clock times): prints the
// cost of a flat series so the complexity note in changepoint.hpp stays true.
TEST(Validation, PrintsTheCostOfLongFlatSeries) {
  for (std::size_t n : {60u, 250u, 500u}) {
    HistorySpec s = quiet(n, 0.02);
    const History h = make_history(s, 9);
    const auto t0 = std::chrono::steady_clock::now();
    const cp::Analysis a = cp::detect(h);
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    std::printf("[ timing   ] flat series of %zu commits: %.2f ms, %zu change points\n", n, ms,
                a.change_points.size());
    EXPECT_TRUE(a.change_points.empty());
  }
}
