// The report's performance-profile figure (reports/profile_figures.cpp) on a
// synthetic suite: 2 problems x 2 optimizers x 2 LRs x 3 seeds whose costs
// (updates to target) are known, so the best LRs, the profile and the
// AlgoPerf score can be worked out by hand:
//   p1: a 10, b 20 -> ratios a 1, b 2;   p2: a 30, b 10 -> ratios a 3, b 1
//   score = mean over problems of max(0, 4 - r) / 3: a (1 + 1/3) / 2 = 2/3,
//   b (2/3 + 1) / 2 = 5/6; rho_a(tau) = 1/2 on [1, 3), 1 from 3; rho_b = 1/2 on [1, 2), 1 from 2.
#include <gtest/gtest.h>

#include <cmath>
#include <deque>

#include "reports/report.hpp"

using namespace lrb::reports;
using lrb::records::Factor;

namespace {

struct Synthetic {
  std::deque<json> records;  // stable addresses for RecordRef
  SuiteReport s;
  void add(const std::string& problem, const std::string& opt, double lr, double cost_at_best, bool best) {
    const std::string config = "sweep/" + problem + "/" + opt + "/lr=" + std::to_string(lr);
    s.config_order.push_back(config);
    s.factors[config] = {Factor{"problem", problem}, Factor{"optimizer", opt}, Factor{"lr", lr}};
    for (int seed = 0; seed < 3; ++seed) {
      // The worse LR costs twice as much; one seed of it never reaches the target.
      json steps = best ? json(cost_at_best) : seed == 2 ? json() : json(2 * cost_at_best);
      records.push_back({{"seed", seed}, {"status", "ok"}, {"final", {{"steps_to_target", steps}}}});
      s.by_config[config].push_back({&records.back(), config + "/" + std::to_string(seed) + ".json"});
    }
  }
};

}  // namespace

TEST(ProfileFigure, BestLrProfileAndScoreByHand) {
  Synthetic d;
  d.s.id = "042";
  for (const auto& [p, a, b] : {std::tuple{"p1", 10.0, 20.0}, std::tuple{"p2", 30.0, 10.0}}) {
    d.add(p, "a", 0.1, a, false);
    d.add(p, "a", 1.0, a, true);
    d.add(p, "b", 0.1, b, false);
    d.add(p, "b", 1.0, b, true);
  }
  const auto f = performance_profile(d.s);
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->id, "042-performance-profile");
  ASSERT_EQ(f->series.size(), 2u);
  EXPECT_EQ(f->series[0].label, "a (score 0.667)");
  EXPECT_EQ(f->series[1].label, "b (score 0.833)");
  auto rho = [&](size_t s, double tau) {
    const auto& x = f->series[s].x;
    size_t i = 0;
    while (i + 1 < x.size() && x[i + 1] <= tau + 1e-12) ++i;
    return f->series[s].y[i];
  };
  EXPECT_EQ(rho(0, 1.0), 0.5);
  EXPECT_EQ(rho(0, 2.99), 0.5);
  EXPECT_EQ(rho(0, 3.0), 1.0);
  EXPECT_EQ(rho(1, 1.5), 0.5);
  EXPECT_EQ(rho(1, 2.0), 1.0);
  // Identical seeds: the bootstrap band is the profile itself.
  for (size_t i = 0; i < f->series[0].y.size(); ++i) {
    EXPECT_EQ(f->series[0].lo[i], f->series[0].y[i]);
    EXPECT_EQ(f->series[0].hi[i], f->series[0].y[i]);
  }
  EXPECT_NE(f->note.find("p1: a 1 b 1"), std::string::npos) << f->note;  // the best LRs
  EXPECT_NE(f->note.find("a 0.667 [0.667, 0.667], P(first) 0.00; b 0.833 [0.833, 0.833], P(first) 1.00"),
            std::string::npos) << f->note;
  EXPECT_EQ(f->sources.size(), 12u);  // the best-LR runs it read... and only those
}

TEST(ProfileFigure, NoneWithoutAnOptimizerSweep) {
  Synthetic d;
  d.s.id = "042";
  d.add("p1", "a", 0.1, 10, true);
  d.add("p1", "a", 1.0, 10, true);
  EXPECT_FALSE(performance_profile(d.s).has_value());  // one optimizer: nothing to rank
}
