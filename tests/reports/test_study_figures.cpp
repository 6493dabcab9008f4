// The per-configuration figures (reports/study_figures.cpp) on a synthetic
// study: arms "a" (3 seeds, test_loss 1, 2, 3; one more seed diverged), "b"
// (test_loss 4, 6) and a tuned arm "t" whose two tuning trials (factor stage
// = "tuning", lr 0.001 and 0.1) scored val_loss 5 and 2 (mean of 1 and 3), so
// lr 0.1 was chosen.  Every value below is worked out by hand.
#include <gtest/gtest.h>

#include <deque>

#include "reports/report.hpp"

using namespace lrb::reports;
using lrb::records::Factor;

namespace {

struct Synthetic {
  std::deque<json> records;
  SuiteReport s;
  void config(const std::string& name, lrb::records::Factors factors) {
    s.config_order.push_back(name);
    s.factors[name] = std::move(factors);
  }
  void run(const std::string& config, int seed, json final_block, const std::string& status = "ok") {
    records.push_back({{"seed", seed}, {"status", status}, {"final", std::move(final_block)}});
    s.by_config[config].push_back({&records.back(), config + "/" + std::to_string(seed) + ".json"});
  }
};

Synthetic study() {
  Synthetic d;
  d.s.id = "my-study";
  // As a study's manifest declares them: the trials "<arm>/tune/<param>=<value>".
  d.config("t/tune/lr=0.001", {Factor{"optimizer", "adam"}, Factor{"lr", 0.001}, Factor{"stage", "tuning"}});
  d.config("t/tune/lr=0.1", {Factor{"optimizer", "adam"}, Factor{"lr", 0.1}, Factor{"stage", "tuning"}});
  d.config("t", {Factor{"optimizer", "adam"}, Factor{"lr", 0.1}, Factor{"tuned", "grid by val_loss"}});
  d.config("a", {Factor{"optimizer", "sgd"}});
  d.config("b", {Factor{"optimizer", "adam"}});
  d.run("t/tune/lr=0.001", 10000, {{"val_loss", 5.0}});
  d.run("t/tune/lr=0.001", 10001, {{"val_loss", 5.0}});
  d.run("t/tune/lr=0.1", 10000, {{"val_loss", 1.0}});
  d.run("t/tune/lr=0.1", 10001, {{"val_loss", 3.0}});
  d.run("t", 0, {{"test_loss", 7.0}});
  for (int k = 0; k < 3; ++k) d.run("a", k, {{"test_loss", 1.0 + k}});
  d.run("a", 3, json::object(), "diverged");
  d.run("b", 0, {{"test_loss", 4.0}});
  d.run("b", 1, {{"test_loss", 6.0}});
  return d;
}

}  // namespace

TEST(StudyFigures, FinalMetricPerConfigurationWithEverySeed) {
  const auto d = study();
  const auto figs = final_metric_figures(d.s, {"t", "a", "b"});
  ASSERT_EQ(figs.size(), 1u);  // test_loss only: no record has test_accuracy
  const Figure& f = figs[0];
  EXPECT_EQ(f.id, "my-study-final-test-loss-per-config");
  EXPECT_EQ(f.categories, (std::vector<std::string>{"t", "a (1 of 4 diverged)", "b"}));
  ASSERT_EQ(f.series.size(), 2u);
  EXPECT_EQ(f.series[0].style, Style::bars);
  EXPECT_EQ(f.series[0].x, (std::vector<double>{0, 1, 2}));
  EXPECT_EQ(f.series[0].y, (std::vector<double>{7, 2, 5}));  // means; the diverged run has no value
  // Every seed, spread across its bar in seed order.
  EXPECT_EQ(f.series[1].y, (std::vector<double>{7, 1, 2, 3, 4, 6}));
  ASSERT_EQ(f.series[1].x.size(), 6u);
  EXPECT_DOUBLE_EQ(f.series[1].x[0], 0);
  EXPECT_DOUBLE_EQ(f.series[1].x[1], 0.7);
  EXPECT_DOUBLE_EQ(f.series[1].x[2], 1.0);
  EXPECT_DOUBLE_EQ(f.series[1].x[3], 1.3);
  EXPECT_DOUBLE_EQ(f.series[1].x[4], 1.7);
  EXPECT_DOUBLE_EQ(f.series[1].x[5], 2.3);
  EXPECT_FALSE(f.logy);
  EXPECT_NE(f.note.find("1 diverged run(s)"), std::string::npos) << f.note;
  EXPECT_EQ(f.sources.size(), 7u);
  // One configuration: no figure (its learning curves say it all).
  EXPECT_TRUE(final_metric_figures(d.s, {"a"}).empty());
}

TEST(StudyFigures, TuningTrialsScoreVsValueWithTheChoiceMarked) {
  const auto d = study();
  EXPECT_TRUE(is_tuning_trial(d.s, "t/tune/lr=0.1"));
  EXPECT_FALSE(is_tuning_trial(d.s, "t"));
  const auto figs = tuning_figures(d.s);
  ASSERT_EQ(figs.size(), 1u);
  const Figure& f = figs[0];
  EXPECT_EQ(f.id, "my-study-tuning-t");
  EXPECT_EQ(f.xlabel, "lr");
  EXPECT_TRUE(f.logx);  // 0.001 .. 0.1
  ASSERT_GE(f.series.size(), 2u);
  EXPECT_EQ(f.series[0].x, (std::vector<double>{0.001, 0.1}));
  EXPECT_EQ(f.series[0].y, (std::vector<double>{5, 2}));  // the mean val_loss per value
  EXPECT_EQ(f.series[1].y, (std::vector<double>{5, 5, 1, 3}));
  ASSERT_EQ(f.markers.size(), 1u);
  EXPECT_DOUBLE_EQ(f.markers[0].x, 0.1);
  // The whole suite: the trials are drawn in the tuning figure, not as an LR sweep.
  bool tuning = false;
  for (const auto& g : suite_figures(d.s)) {
    EXPECT_EQ(g.id.find("lr-sweep"), std::string::npos) << g.id;
    tuning = tuning || g.id == "my-study-tuning-t";
  }
  EXPECT_TRUE(tuning);
}
