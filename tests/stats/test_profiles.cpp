// Performance profiles, AlgoPerf scores and the bootstrap against
// tests/stats/reference/verdict_statistics.json (numpy from the definitions,
// exhaustive enumeration of every resample, and a Python re-implementation
// of datasets/rng.hpp's streams).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <stdexcept>
#include <vector>

#include "core/stats/bootstrap.hpp"
#include "core/stats/profiles.hpp"
#include "tests/stats/reference.hpp"

namespace st = lrb::stats;
using lrb::test::nums;
using lrb::test::verdict_reference;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

st::CostMatrix matrix_of(const nlohmann::json& rows) {
  st::CostMatrix m;
  m.problems = rows.size();
  m.solvers = rows[0].size();
  for (const auto& row : rows)
    for (double v : nums(row)) m.cost.push_back(v);
  return m;
}

}  // namespace

TEST(StatsProfiles, RatiosProfilesAndScores) {
  for (const char* name : {"small", "big"}) {
    SCOPED_TRACE(name);
    const auto& c = verdict_reference()["profiles"][name];
    const st::CostMatrix m = matrix_of(c["cost"]);
    const std::vector<double> r = st::performance_ratios(m);
    const st::CostMatrix want = matrix_of(c["ratios"]);
    ASSERT_EQ(r.size(), want.cost.size());
    for (std::size_t i = 0; i < r.size(); ++i) {
      if (std::isinf(want.cost[i])) EXPECT_EQ(r[i], kInf) << i;
      else EXPECT_NEAR(r[i], want.cost[i], 1e-15 * want.cost[i]) << i;  // one division each
    }
    const auto taus = c["taus"].get<std::vector<double>>();
    const std::vector<double> rho = st::performance_profile(m, taus);
    for (std::size_t s = 0; s < m.solvers; ++s)
      for (std::size_t i = 0; i < taus.size(); ++i)
        EXPECT_EQ(rho[s * taus.size() + i], c["rho"][s][i].get<double>()) << s << " " << taus[i];
    // Closed form vs numpy's mean of the same terms: a few roundings.
    const std::vector<double> exact = st::algoperf_scores(m);
    const std::vector<double> trap = st::algoperf_scores_trapezoid(m);
    for (std::size_t s = 0; s < m.solvers; ++s) {
      EXPECT_NEAR(exact[s], c["algoperf"][s].get<double>(), 1e-15) << s;
      // 100 trapezoids summed in a different order from np.trapz.
      EXPECT_NEAR(trap[s], c["algoperf_trapezoid_100"][s].get<double>(), 1e-14) << s;
    }
  }
  // The fact sheet's example: B = (2/3, 43/48, 2/3); C's ratio of exactly 4
  // earns nothing.
  const st::CostMatrix m = matrix_of(verdict_reference()["profiles"]["small"]["cost"]);
  const std::vector<double> b = st::algoperf_scores(m);
  EXPECT_NEAR(b[0], 2.0 / 3.0, 1e-15);
  EXPECT_NEAR(b[1], 43.0 / 48.0, 1e-15);
  EXPECT_NEAR(b[2], 2.0 / 3.0, 1e-15);
}

TEST(StatsProfiles, BadInput) {
  st::CostMatrix m{2, 2, {1.0, 2.0, 0.0, 1.0}};
  EXPECT_THROW(st::performance_ratios(m), std::invalid_argument);
  m.cost = {1.0, 2.0, NAN, 1.0};
  EXPECT_THROW(st::performance_ratios(m), std::invalid_argument);
  m.cost = {1.0, 2.0, 3.0};
  EXPECT_THROW(st::performance_ratios(m), std::invalid_argument);
  m.cost = {1.0, 2.0, 3.0, 4.0};
  EXPECT_THROW(st::performance_profile(m, std::vector<double>{0.5}), std::invalid_argument);
  EXPECT_THROW(st::algoperf_scores(m, 1.0), std::invalid_argument);
}

namespace {

st::SeedCosts exhaustive_example() {
  const auto& c = verdict_reference()["bootstrap_exhaustive"]["cells"];
  st::SeedCosts s{2, 2, 3, {}};
  for (std::size_t p = 0; p < 2; ++p)
    for (const char* solver : {"A", "B"})
      for (double v : c[solver][p].get<std::vector<double>>()) s.cost.push_back(v);
  return s;
}

}  // namespace

TEST(StatsProfiles, PairedBootstrapByExhaustiveEnumeration) {
  // Every ordered triple of seed indices per problem (shared by A and B):
  // 27 x 27 = 729 equally likely resamples, through the library's own
  // resample_cells / ratios / profile / score.
  const auto& e = verdict_reference()["bootstrap_exhaustive"];
  const st::SeedCosts c = exhaustive_example();
  std::map<double, int> rho_counts;
  std::vector<double> score_a;
  int a_first = 0;
  std::vector<std::uint32_t> idx(6);
  const std::vector<double> tau1 = {1.0};
  for (int i = 0; i < 729; ++i) {
    int v = i;
    for (int k = 5; k >= 0; --k) {  // base-3 digits: problem 0 seeds, problem 1 seeds
      idx[k] = static_cast<std::uint32_t>(v % 3);
      v /= 3;
    }
    const st::CostMatrix m = st::resample_cells(c, st::Statistic::kMean, st::Resampling::kPairedSeeds, idx);
    ++rho_counts[st::performance_profile(m, tau1)[0]];
    const std::vector<double> b = st::algoperf_scores(m);
    score_a.push_back(b[0]);
    a_first += b[0] >= b[1];
  }
  for (const auto& [k, want] : e["rho_a_at_1_counts"].items())
    EXPECT_EQ(rho_counts[std::stod(k)], want.get<int>()) << "rho_A(1) = " << k;
  EXPECT_EQ(a_first, e["a_ranks_first"].get<int>());
  std::sort(score_a.begin(), score_a.end());
  EXPECT_NEAR(score_a.front(), e["score_a_min"].get<double>(), 1e-15);
  EXPECT_NEAR(st::percentile_sorted(score_a, 0.025), e["score_a_quantiles"]["0.025"].get<double>(), 1e-15);
  EXPECT_NEAR(st::percentile_sorted(score_a, 0.975), e["score_a_quantiles"]["0.975"].get<double>(), 1e-15);
}

TEST(StatsProfiles, MonteCarloBootstrapAgreesWithEnumeration) {
  const auto& e = verdict_reference()["bootstrap_exhaustive"];
  const st::SeedCosts c = exhaustive_example();
  st::ProfileBootstrapOptions o;
  o.statistic = st::Statistic::kMean;
  o.replicates = 10000;
  o.seed = 5;
  o.taus = {1.0, 1.5};
  const st::ProfileBands b = st::bootstrap_profiles(c, o);
  // P*(A ranks first) within 4 Monte Carlo standard errors of the exact 729ths.
  const double p_first = e["a_ranks_first"].get<double>() / 729.0;
  EXPECT_NEAR(b.prob_best[0], p_first, 4.0 * std::sqrt(p_first * (1 - p_first) / 10000));
  // rho*_A(1) is 0, 1/2 or 1 with probabilities 70, 319, 340 / 729: its 2.5 %
  // and 97.5 % points are 0 and 1 with a wide margin.
  EXPECT_EQ(b.low[0], 0.0);
  EXPECT_EQ(b.high[0], 1.0);
  // Observed: A is fastest on both problems.
  EXPECT_EQ(b.profile[0], 1.0);
  EXPECT_EQ(b.score[0], 1.0);
  // The score band's lower end lands between the exact 1.5 % and 3.5 %
  // points (4 standard errors of a 2.5 % quantile with 10000 replicates is
  // 0.6 %; the distribution's atoms are wider than that).
  std::vector<double> all;
  {
    std::vector<std::uint32_t> idx(6);
    for (int i = 0; i < 729; ++i) {
      int v = i;
      for (int k = 5; k >= 0; --k) {
        idx[k] = static_cast<std::uint32_t>(v % 3);
        v /= 3;
      }
      all.push_back(st::algoperf_scores(st::resample_cells(c, st::Statistic::kMean,
                                                            st::Resampling::kPairedSeeds, idx))[0]);
    }
    std::sort(all.begin(), all.end());
  }
  EXPECT_GE(b.score_low[0], st::percentile_sorted(all, 0.015));
  EXPECT_LE(b.score_low[0], st::percentile_sorted(all, 0.035));
  EXPECT_EQ(b.score_high[0], 1.0);
  // Deterministic: same seed, same bands; another seed, other draws.
  const st::ProfileBands again = st::bootstrap_profiles(c, o);
  EXPECT_EQ(again.prob_best, b.prob_best);
  EXPECT_EQ(again.score_low, b.score_low);
  o.seed = 6;
  EXPECT_NE(st::bootstrap_profiles(c, o).prob_best, b.prob_best);
}

TEST(StatsProfiles, IndependentCellsAndFailures) {
  // A solver that fails on one seed of a problem: the median tolerates it,
  // the mean does not.
  st::SeedCosts c{2, 2, 4, {10, 11, 12, kInf, 20, 21, 22, 23,
                            30, 31, 29, 30, 15, 16, 14, 15}};
  const st::CostMatrix med = st::summarize_cells(c, st::Statistic::kMedian);
  EXPECT_NEAR(med.at(0, 0), 11.5, 1e-15);
  EXPECT_EQ(st::summarize_cells(c, st::Statistic::kMean).at(0, 0), kInf);
  st::ProfileBootstrapOptions o;
  o.resampling = st::Resampling::kIndependentCells;
  o.replicates = 500;
  const st::ProfileBands b = st::bootstrap_profiles(c, o);
  ASSERT_EQ(b.taus.size(), 301u);
  EXPECT_EQ(b.taus.front(), 1.0);
  EXPECT_EQ(b.taus.back(), 4.0);
  for (std::size_t i = 0; i < b.low.size(); ++i) {
    EXPECT_LE(b.low[i], b.profile[i] + 1e-15);
    EXPECT_GE(b.high[i], b.profile[i] - 1e-15);
  }
  EXPECT_NEAR(b.prob_best[0] + b.prob_best[1], 1.0, 0.05);  // ties are rare
  std::vector<std::uint32_t> wrong(2 * 4);
  EXPECT_THROW(st::resample_cells(c, st::Statistic::kMedian, st::Resampling::kIndependentCells, wrong),
               std::invalid_argument);
}

TEST(StatsBootstrap, ReproducesThePythonStreamsAndPercentiles) {
  // The generator re-implements SplitMix64 / derive_seed / Lemire's
  // uniform_below in Python integers: the same indices, so the same
  // intervals (up to the last bit of numpy's pairwise mean).
  for (const auto& c : verdict_reference()["bootstrap_ci"]) {
    const auto x = c["x"].get<std::vector<double>>();
    const st::Statistic s = c["statistic"] == "median" ? st::Statistic::kMedian : st::Statistic::kMean;
    const st::Interval ci = st::bootstrap_ci(x, s, c["confidence"], c["replicates"], c["seed"]);
    EXPECT_NEAR(ci.low, c["low"].get<double>(), 1e-15) << c.dump();
    EXPECT_NEAR(ci.high, c["high"].get<double>(), 1e-15) << c.dump();
  }
  const std::vector<double> sorted = {1, 2, 3, 4};
  EXPECT_EQ(st::percentile_sorted(sorted, 0.0), 1.0);
  EXPECT_EQ(st::percentile_sorted(sorted, 0.25), 1.0);
  EXPECT_EQ(st::percentile_sorted(sorted, 0.26), 2.0);
  EXPECT_EQ(st::percentile_sorted(sorted, 1.0), 4.0);
  EXPECT_THROW(st::bootstrap_ci(sorted, st::Statistic::kMean, 0.95, 10, 1), std::invalid_argument);
  EXPECT_EQ(st::statistic_of(std::vector<double>{1, kInf, kInf}, st::Statistic::kMedian), kInf);
  EXPECT_EQ(st::statistic_of(std::vector<double>{1, 2, kInf}, st::Statistic::kMedian), 2.0);
  EXPECT_EQ(st::statistic_of(std::vector<double>{1, 2, 3, kInf}, st::Statistic::kMedian), 2.5);
}
