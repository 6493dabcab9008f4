// TOST equivalence tests (statsmodels ttost_paired / ttost_ind) and the
// family adjustments (statsmodels multipletests) against
// tests/stats/reference/verdict_statistics.json.
#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <vector>

#include "core/stats/equivalence.hpp"
#include "core/stats/multiplicity.hpp"
#include "tests/stats/reference.hpp"

namespace st = lrb::stats;
using lrb::test::verdict_reference;

namespace {
// t statistics and p-values: the same closed forms as statsmodels; the only
// difference is the t distribution (Boost vs SciPy's own), ~1e-15 relative.
constexpr double kRel = 1e-11;

void expect_rel(double got, double want, double rel, const std::string& what) {
  EXPECT_NEAR(got, want, rel * std::max(std::fabs(want), 1e-300)) << what;
}
}  // namespace

TEST(StatsTost, PairedMatchesStatsmodels) {
  for (const auto& c : verdict_reference()["ttost_paired"]) {
    const auto x = c["baseline"].get<std::vector<double>>();
    const auto y = c["contender"].get<std::vector<double>>();
    const st::TostResult r = st::tost_paired(x, y, c["lower"], c["upper"], c["alpha"]);
    const std::string what = c.dump();
    expect_rel(r.t_lower, c["t_lower"], kRel, what);
    expect_rel(r.p_lower, c["p_lower"], kRel, what);
    expect_rel(r.t_upper, c["t_upper"], kRel, what);
    expect_rel(r.p_upper, c["p_upper"], kRel, what);
    EXPECT_EQ(r.df, c["df"].get<double>());
    expect_rel(r.p, c["p"], kRel, what);
    EXPECT_EQ(r.equivalent, c["equivalent"].get<bool>()) << what;
    EXPECT_NEAR(r.interval.low, c["ci_low"].get<double>(), 1e-14);
    EXPECT_NEAR(r.interval.high, c["ci_high"].get<double>(), 1e-14);
    // The decision is the (1 - 2 alpha) interval inside the band.
    EXPECT_EQ(r.equivalent, r.interval.low >= r.lower && r.interval.high <= r.upper) << what;
  }
}

TEST(StatsTost, WelchMatchesStatsmodels) {
  for (const auto& c : verdict_reference()["ttost_ind"]) {
    const auto x = c["baseline"].get<std::vector<double>>();
    const auto y = c["contender"].get<std::vector<double>>();
    const st::TostResult r = st::tost_welch(x, y, c["lower"], c["upper"], c["alpha"]);
    const std::string what = c.dump();
    expect_rel(r.t_lower, c["t_lower"], kRel, what);
    expect_rel(r.p_lower, c["p_lower"], kRel, what);
    expect_rel(r.t_upper, c["t_upper"], kRel, what);
    expect_rel(r.p_upper, c["p_upper"], kRel, what);
    expect_rel(r.df, c["df"], 1e-13, what);
    expect_rel(r.p, c["p"], kRel, what);
    EXPECT_EQ(r.equivalent, c["equivalent"].get<bool>()) << what;
  }
}

TEST(StatsTost, IdenticalRunsAndBadInput) {
  const std::vector<double> x = {1.0, 2.0, 3.0}, y = {1.5, 2.5, 3.5};  // differences all 0.5
  const st::TostResult in = st::tost_paired(x, y, -1.0, 1.0);
  EXPECT_TRUE(in.equivalent);
  EXPECT_EQ(in.p, 0.0);
  const st::TostResult out = st::tost_paired(x, y, -0.2, 0.2);
  EXPECT_FALSE(out.equivalent);
  EXPECT_EQ(out.p, 1.0);
  EXPECT_THROW(st::tost_paired(x, y, 1.0, -1.0), std::invalid_argument);
  EXPECT_THROW(st::tost_paired(x, y, -1.0, 1.0, 0.5), std::invalid_argument);
  EXPECT_THROW(st::tost_paired(x, std::vector<double>{1.0}, -1.0, 1.0), std::invalid_argument);
}

TEST(StatsMultiplicity, MatchesMultipletests) {
  for (const auto& c : verdict_reference()["multipletests"]) {
    const auto p = c["p"].get<std::vector<double>>();
    const st::Multiplicity m = st::parse_multiplicity(c["method"].get<std::string>());
    const st::FamilyDecision d = st::decide_family(p, c["alpha"], m);
    const auto want = c["adjusted"].get<std::vector<double>>();
    const auto reject = c["reject"].get<std::vector<bool>>();
    ASSERT_EQ(d.adjusted.size(), want.size());
    for (std::size_t i = 0; i < want.size(); ++i) {
      // Same products and running max/min as statsmodels; BH divides by
      // i / m where we multiply by m / i: one rounding apart.
      EXPECT_NEAR(d.adjusted[i], want[i], 4e-16 * std::max(1.0, want[i])) << c.dump() << " " << i;
      EXPECT_EQ(d.reject[i], reject[i]) << c.dump() << " " << i;
    }
  }
}

TEST(StatsMultiplicity, TiesOrderAndConfidence) {
  // Tied p-values get equal adjusted values whatever their order.
  const std::vector<double> a = {0.01, 0.03, 0.01, 0.2}, b = {0.01, 0.01, 0.03, 0.2};
  for (auto m : {st::Multiplicity::kHolm, st::Multiplicity::kBenjaminiHochberg}) {
    const auto ra = st::adjust_p_values(a, m), rb = st::adjust_p_values(b, m);
    EXPECT_EQ(ra[0], ra[2]);
    EXPECT_EQ(ra[0], rb[0]);
    EXPECT_EQ(ra[1], rb[2]);
  }
  // Holm never rejects less than Bonferroni, BH never less than Holm.
  const std::vector<double> p = {0.001, 0.012, 0.013, 0.02, 0.04, 0.3};
  const auto bonf = st::decide_family(p, 0.05, st::Multiplicity::kBonferroni);
  const auto holm = st::decide_family(p, 0.05, st::Multiplicity::kHolm);
  const auto bh = st::decide_family(p, 0.05, st::Multiplicity::kBenjaminiHochberg);
  EXPECT_LE(bonf.rejected, holm.rejected);
  EXPECT_LE(holm.rejected, bh.rejected);
  EXPECT_EQ(bonf.rejected, 1u);
  EXPECT_EQ(holm.rejected, 1u);
  EXPECT_EQ(bh.rejected, 5u);
  EXPECT_NEAR(holm.confidence, 1 - 0.05 / 6, 1e-16);
  EXPECT_NEAR(bh.confidence, 1 - 5 * 0.05 / 6, 1e-16);
  EXPECT_NEAR(st::family_confidence(st::Multiplicity::kNone, 6, 0, 0.05), 0.95, 1e-16);
  EXPECT_NEAR(st::family_confidence(st::Multiplicity::kBenjaminiHochberg, 4, 0, 0.05), 1 - 0.05 / 4, 1e-16);
  EXPECT_EQ(st::kDefaultMultiplicity, st::Multiplicity::kHolm);
  EXPECT_EQ(st::parse_multiplicity("fdr_bh"), st::Multiplicity::kBenjaminiHochberg);
  EXPECT_STREQ(st::to_string(st::Multiplicity::kHolm), "holm");
  EXPECT_THROW(st::parse_multiplicity("hs"), std::invalid_argument);
  EXPECT_THROW(st::adjust_p_values(std::vector<double>{0.1, 1.5}, st::Multiplicity::kHolm),
               std::invalid_argument);
  EXPECT_THROW(st::decide_family(std::vector<double>{}, 0.05), std::invalid_argument);
}
