// Suite 003 (decay strategies, LR selection, initializations, warmup): the quick
// plan end to end, determinism of its own run kinds, and its claims checks on
// synthetic records (a claim that should be refuted is refuted).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <set>

#include "suites/common.hpp"
#include "suites/runner.hpp"
#include "tests/suites/suite_test_util.hpp"

namespace fs = std::filesystem;
using namespace lrb::suites;
using namespace lrb::suites::test_util;

namespace {

// The plan's runs (quick, 3 seeds) and a ResultSet filled by `make` per (config, seed).
struct Synthetic {
  std::vector<RunSpec> plan = find_suite("003").plan({.quick = true, .seeds = 3});
  ResultSet rs;
  template <class Make>
  void fill(const std::string& config, Make make) {
    for (const auto& r : plan)
      if (r.config == config) {
        json rec = make(r.seed);
        rec["params"] = r.params;
        rs.by_config[config][r.seed] = rec;
      }
  }
};

json record(const std::string& status, json fin, json lrs = json::array()) {
  return {{"status", status}, {"final", std::move(fin)}, {"curves", {{"lr_per_step", std::move(lrs)}}}};
}

}  // namespace

TEST(Suite003, QuickEndToEndAndClaims) {
  TempDir d;
  const auto plan = plan_runs({"003"}, {.quick = true, .seeds = 2});
  std::set<std::string> configs;
  for (const auto& r : plan) configs.insert(r.config);
  EXPECT_EQ(plan.size(), configs.size() * 2);
  const auto sum = run_all(plan, run_options(d.str()));
  ASSERT_EQ(sum.failed, 0) << (sum.errors.empty() ? "" : sum.errors.front());
  const auto loaded = records::load_results(d.path.string());
  EXPECT_TRUE(loaded.errors.empty());
  EXPECT_EQ(loaded.by_address.size(), plan.size());

  const auto sets = records::select(loaded, plan);
  const ResultSet& rs = sets.at("003");
  // Gradient ascent diverges and keeps its curve; the LR record shows the constant "decay".
  const json* asc = rs.find("gd/as_coded", 0);
  ASSERT_NE(asc, nullptr);
  EXPECT_EQ(asc->at("status"), "diverged");
  EXPECT_FALSE(asc->at("/curves/train_loss"_json_pointer).empty());
  const json* lin = rs.find("linear/as_coded", 1);
  ASSERT_NE(lin, nullptr);
  const auto& lrs = lin->at("/curves/lr_per_step"_json_pointer);
  ASSERT_EQ(lrs.size(), 200u);
  EXPECT_DOUBLE_EQ(lrs.front().get<double>(), 0.1 / (1 + 0.1 * 200));
  EXPECT_EQ(lrs.front(), lrs.back());
  EXPECT_TRUE(lin->at("timing").contains("epoch_wall_seconds"));
  // A selection record holds its candidates, the choice and the budget.
  const json* cv = rs.find("select/kfold_grid", 0);
  ASSERT_NE(cv, nullptr);
  EXPECT_EQ(cv->at("/final/trainings"_json_pointer), 20);
  EXPECT_EQ(cv->at("/curves/candidates"_json_pointer).size(), 4u);
  EXPECT_EQ(rs.find("select/random_search", 0)->at("/final/trainings"_json_pointer), 20);

  const auto rows = evaluate_claims(loaded, plan, {"003"});
  ASSERT_EQ(rows.size(), find_suite("003").claims.size());
  for (const auto& r : rows) {
    EXPECT_TRUE(r.error.empty()) << r.claim->id << ": " << r.error;
    EXPECT_EQ(r.result.missing, 0) << r.claim->id;
    EXPECT_FALSE(r.result.summary.empty()) << r.claim->id;
  }
  auto verdict = [&](const std::string& id) {
    for (const auto& r : rows)
      if (r.claim->id == id) return r.result.verdict;
    throw std::runtime_error(id);
  };
  EXPECT_EQ(verdict("003.1"), Verdict::supported);  // ascent diverges
  EXPECT_EQ(verdict("003.2"), Verdict::supported);
  EXPECT_EQ(verdict("003.3"), Verdict::supported);  // hoisted LR is constant
  EXPECT_EQ(verdict("003.4"), Verdict::supported);  // linear_decay is inverse time
  EXPECT_EQ(verdict("003.5"), Verdict::supported);
  EXPECT_EQ(verdict("003.13"), Verdict::refuted);   // warm start is an init
}

TEST(Suite003, OwnRunKindsAreDeterministic) {
  const auto& s = find_suite("003");
  for (const auto& r : s.plan({.quick = true, .seeds = 1})) {
    if (r.params.at("kind") == "train") continue;
    if (r.config != "exponential/coded_per_step" && r.config != "select/random_search" &&
        r.config != "init/tutorial_he" && r.config != "heatstart/as_coded")
      continue;
    json a = s.execute(r, context()), b = s.execute(r, context());
    a.erase("timing");
    b.erase("timing");
    EXPECT_EQ(a.dump(), b.dump()) << r.config;
  }
}

TEST(Suite003Claims, AscentThatConvergesRefutes003_1) {
  Synthetic x;
  x.fill("gd/as_coded", [](int64_t) { return record("ok", {{"train_loss", 1.0}, {"initial_train_loss", 50.0}}); });
  x.fill("gd/corrected", [](int64_t) { return record("ok", {{"train_loss", 1.0}, {"initial_train_loss", 50.0}}); });
  EXPECT_EQ(claim("003.1").check(x.rs, x.plan).verdict, Verdict::refuted);
  x.fill("gd/as_coded", [](int64_t) {
    auto r = record("diverged", {{"train_loss", nullptr}, {"initial_train_loss", 50.0}});
    r["diverged_at_step"] = 47;
    return r;
  });
  EXPECT_EQ(claim("003.1").check(x.rs, x.plan).verdict, Verdict::supported);
}

TEST(Suite003Claims, ChangingLrRefutes003_3AndMissingIsInconclusive) {
  Synthetic x;
  for (const char* st : {"linear", "exponential", "custom"})
    x.fill(std::string(st) + "/as_coded", [](int64_t) { return record("ok", json::object(), {0.1, 0.05, 0.01}); });
  EXPECT_EQ(claim("003.3").check(x.rs, x.plan).verdict, Verdict::refuted);
  x.rs.by_config["custom/as_coded"].erase(0);
  const auto r = claim("003.3").check(x.rs, x.plan);
  EXPECT_EQ(r.verdict, Verdict::inconclusive);
  EXPECT_EQ(r.missing, 1);
}

TEST(Suite003Claims, TrulyLinearDecayRefutes003_4) {
  Synthetic x;
  x.fill("linear/coded_per_step", [](int64_t) {
    json lr = json::array();
    for (int t = 0; t < 200; ++t) lr.push_back(0.1 * (1 - t / 200.0));
    return record("ok", json::object(), lr);
  });
  x.fill("linear/as_coded", [](int64_t) { return record("ok", json::object(), {0.0}); });
  EXPECT_EQ(claim("003.4").check(x.rs, x.plan).verdict, Verdict::refuted);
}

TEST(Suite003Claims, DecayWorseThanConstantRefutes003_6) {
  Synthetic x;
  x.fill("gd/corrected", [](int64_t s) { return record("ok", {{"test_loss", 1.0 + 0.01 * s}}); });
  x.fill("linear/formula", [](int64_t s) { return record("ok", {{"test_loss", 1.5 + 0.02 * s}}); });
  EXPECT_EQ(claim("003.6").check(x.rs, x.plan).verdict, Verdict::refuted);
  x.fill("linear/formula", [](int64_t s) { return record("ok", {{"test_loss", 0.5 + 0.02 * s}}); });
  EXPECT_EQ(claim("003.6").check(x.rs, x.plan).verdict, Verdict::supported);
}

TEST(Suite003Claims, SelectionEquivalence003_9) {
  Synthetic x;
  auto sel = [](double loss, double lr) { return record("ok", {{"test_loss", loss}, {"chosen_lr", lr}}); };
  x.fill("select/kfold_grid", [&](int64_t s) { return sel(1.0 + 0.1 * s, 0.1); });
  x.fill("select/random_search", [&](int64_t s) { return sel(1.0 + 0.1 * s + 0.001 * (s % 2), 0.5); });
  EXPECT_EQ(claim("003.9").check(x.rs, x.plan).verdict, Verdict::supported);
  x.fill("select/random_search", [&](int64_t s) { return sel(0.8 + 0.1 * s + 0.01 * (s % 2), 0.5); });
  EXPECT_EQ(claim("003.9").check(x.rs, x.plan).verdict, Verdict::refuted);
}

TEST(Suite003Claims, WarmupSignTest003_14) {
  Synthetic x;  // 3 seeds x 2 LRs = 6 pairs: 6 of 6 gives p = 2/64
  for (const char* lr : {"0.5", "0.8"}) {
    const std::string none = std::string("warmup/none/lr=") + lr, warm = std::string("warmup/linear/lr=") + lr;
    x.fill(none, [](int64_t) { return record("diverged", {{"test_loss", nullptr}}); });
    x.fill(warm, [](int64_t s) { return record("ok", {{"test_loss", 0.1 + 0.01 * s}}); });
  }
  EXPECT_EQ(claim("003.14").check(x.rs, x.plan).verdict, Verdict::supported);
  for (const char* lr : {"0.5", "0.8"}) {
    const std::string none = std::string("warmup/none/lr=") + lr, warm = std::string("warmup/linear/lr=") + lr;
    x.fill(none, [](int64_t s) { return record("ok", {{"test_loss", 0.1 + 0.01 * s}}); });
    x.fill(warm, [](int64_t s) { return record("ok", {{"test_loss", 0.2 + 0.01 * s}}); });
  }
  EXPECT_EQ(claim("003.14").check(x.rs, x.plan).verdict, Verdict::refuted);
  x.rs.by_config.erase("warmup/linear/lr=0.8");
  EXPECT_EQ(claim("003.14").check(x.rs, x.plan).verdict, Verdict::inconclusive);  // 3 pairs, missing
}
