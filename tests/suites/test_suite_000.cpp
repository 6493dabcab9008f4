// Suite 000 (optimizer overview): a tiny plan end to end through the runner, the
// least-squares run's contracts, and each claim check on synthetic records.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <functional>

#include "suites/common.hpp"
#include "suites/runner.hpp"
#include "tests/suites/suite_test_util.hpp"

namespace fs = std::filesystem;
using namespace lrb::suites;
using namespace lrb::suites::test_util;

namespace {

const RunSpec& first_run(const std::vector<RunSpec>& plan, const std::string& config) {
  for (const auto& r : plan)
    if (r.config == config) return r;
  throw std::runtime_error("no run " + config);
}

// The LR of a sweep config ("sweep/<problem>/<opt>/lr=<lr>"); NaN for others.
double lr_of(const std::string& config) {
  const auto at = config.find("/lr=");
  return at == std::string::npos ? NAN : std::stod(config.substr(at + 4));
}
std::string problem_of(const std::string& config) {
  const auto a = config.find('/') + 1;
  return config.substr(a, config.find('/', a) - a);
}
std::string opt_of(const std::string& config) {
  const auto a = config.find('/', config.find('/') + 1) + 1;
  return config.substr(a, config.find('/', a) - a);
}

// A synthetic record: loss l0 before any update, l_final after `steps` updates;
// for lsq, `reach` = updates to 10% of the initial excess loss (null: never).
json record(const RunSpec& run, double l0, double l_final, bool diverged, json reach,
            double slow_ratio = 1.0) {
  const bool lsq = run.params.at("kind") == "lsq";
  json rec = {{"status", diverged ? "diverged" : "ok"}, {"params", run.params}};
  if (lsq) {
    rec["steps"] = run.params.at("steps");
    rec["final"] = {{"loss", diverged ? json() : json(l_final)}, {"initial_loss", l0},
                    {"loss_increases", 0},
                    {"excess_loss", diverged ? json() : json(l_final)},
                    {"steps_to_target", reach},
                    {"slow_error_ratio", diverged ? json() : json(slow_ratio)}};
  } else {
    const int T = run.params.at("epochs").get<int>();
    json ep = json::array();
    const int hit = reach.is_number() ? reach.get<int>() : T + 1;
    for (int e = 0; e < T; ++e)  // loss at x_e: l0 until `hit`, then the final value
      ep.push_back({{"epoch", e + 1}, {"train_loss", e == 0 ? l0 : e < hit ? l0 * 0.5 : l_final}});
    rec["curves"] = {{"epochs", ep}};
    rec["final"] = {{"train_loss", diverged ? json() : json(l_final)}};
  }
  return rec;
}

// Records for every run of `plan` from a function of the run.
using Maker = std::function<json(const RunSpec&)>;
ResultSet fill(const std::vector<RunSpec>& plan, const Maker& make) {
  ResultSet rs;
  for (const auto& r : plan) rs.by_config[r.config][r.seed] = make(r);
  return rs;
}

// A well-behaved world: on every problem and optimizer the loss falls further as
// the LR grows up to 0.1, then diverges above 1; at the tutorial's LR every
// optimizer reaches the target in 100 + 10 * (seed % 3) updates.
json textbook(const RunSpec& r) {
  const double lr = lr_of(r.config);
  if (std::isnan(lr)) return record(r, 1.0, 0.1, false, 100 + 10 * (r.seed % 3));
  if (lr > 1.5) return record(r, 1.0, NAN, true, json());
  const double fin = lr <= 0.1 ? 1.0 - 0.9 * std::pow(lr / 0.1, 0.25) * (1 - 1e-3 * r.seed) : 0.2;
  return record(r, 1.0, fin, false, json());
}

}  // namespace

TEST(Suite000, TinyPlanEndToEndEveryClaimHasAVerdict) {
  TempDir d;
  const auto plan = plan_runs({"000"}, {.quick = true, .seeds = 2});
  const auto sum = run_all(plan, run_options(d.str()));
  ASSERT_EQ(sum.failed, 0) << (sum.errors.empty() ? "" : sum.errors.front());
  EXPECT_GT(sum.diverged, 0);  // the sweep reaches past the edge

  const auto loaded = records::load_results(d.path.string());
  EXPECT_TRUE(loaded.errors.empty());
  ASSERT_EQ(loaded.by_address.size(), plan.size());
  for (const auto& [addr, path] : loaded.path_of) EXPECT_LT(fs::file_size(path), 200'000u) << path;

  const auto sets = records::select(loaded, plan);
  const json* lsq = sets.at("000").find("tutorial/lsq_rotated/gd", 0);
  ASSERT_NE(lsq, nullptr);
  EXPECT_EQ(lsq->at("status"), "ok");
  const auto& steps = lsq->at("/curves/step"_json_pointer);
  EXPECT_EQ(steps.size(), lsq->at("/timing/epoch_wall_seconds"_json_pointer).size());
  EXPECT_EQ(steps.size(), lsq->at("/curves/loss"_json_pointer).size());
  EXPECT_NEAR(lsq->at("/dataset/hessian_condition_number"_json_pointer).get<double>(), 1e4, 1e-6 * 1e4);
  const json* mlp = sets.at("000").find("tutorial/mlp/adam", 1);
  ASSERT_NE(mlp, nullptr);
  EXPECT_EQ(mlp->at("steps"), mlp->at("/params/epochs"_json_pointer));  // one update per epoch

  const auto rows = evaluate_claims(loaded, plan, {"000"});
  ASSERT_EQ(rows.size(), find_suite("000").claims.size());
  for (const auto& r : rows) {
    EXPECT_TRUE(r.error.empty()) << r.claim->id << ": " << r.error;
    EXPECT_EQ(r.result.missing, 0) << r.claim->id;
    EXPECT_FALSE(r.result.summary.empty()) << r.claim->id;
  }
}

TEST(Suite000, LeastSquaresRunIsDeterministicAndDivergesAboveTheEdge) {
  const auto& s = find_suite("000");
  const auto plan = s.plan({.quick = true, .seeds = 1});
  const RunSpec& run = first_run(plan, "tutorial/lsq_axis/rmsprop");
  json a = s.execute(run, context()), b = s.execute(run, context());
  a.erase("timing");
  b.erase("timing");
  EXPECT_EQ(a.dump(), b.dump());
  // The axis-aligned copy has (numerically) the rotated one's spectrum.
  const json rot = s.execute(first_run(plan, "tutorial/lsq_rotated/rmsprop"), context());
  EXPECT_NEAR(a.at("/dataset/hessian_eigenvalues/0"_json_pointer).get<double>(),
              rot.at("/dataset/hessian_eigenvalues/0"_json_pointer).get<double>(), 1e-12);
  // GD on a Hessian with top eigenvalue 1 is stable below lr 2 and diverges above.
  const json ok = s.execute(first_run(plan, "sweep/lsq_rotated/gd/lr=1"), context());
  const json div = s.execute(first_run(plan, "sweep/lsq_rotated/gd/lr=2.15"), context());
  EXPECT_EQ(ok.at("status"), "ok");
  EXPECT_EQ(div.at("status"), "diverged");
  EXPECT_TRUE(div.at("diverged_at_step").is_number_integer());
  EXPECT_FALSE(div.at("/curves/loss"_json_pointer).empty());
}

TEST(Suite000, EdgeAndSlowEndAreSupportedInATextbookWorld) {
  const auto plan = find_suite("000").plan({.quick = true, .seeds = 2});
  const ResultSet rs = fill(plan, textbook);
  const auto edge = claim("000.1").check(rs, plan);
  EXPECT_EQ(edge.verdict, Verdict::supported) << edge.summary;
  EXPECT_EQ(edge.evidence.at("/lsq_rotated~1adam/largest_stable_lr"_json_pointer).get<double>(),
            1.0);
  const auto slow = claim("000.2").check(rs, plan);
  EXPECT_EQ(slow.verdict, Verdict::supported) << slow.summary;
}

TEST(Suite000, EdgeIsRefutedWhenTheLargestLrIsBest) {
  const auto plan = find_suite("000").plan({.quick = true, .seeds = 2});
  // Adagrad never fails: its loss keeps falling up to lr 10.
  const ResultSet rs = fill(plan, [](const RunSpec& r) {
    if (opt_of(r.config) == "adagrad" && !std::isnan(lr_of(r.config)))
      return record(r, 1.0, 1.0 / (1 + lr_of(r.config)), false, json());
    return textbook(r);
  });
  const auto res = claim("000.1").check(rs, plan);
  EXPECT_EQ(res.verdict, Verdict::refuted) << res.summary;
  EXPECT_NE(res.summary.find("adagrad"), std::string::npos);
}

TEST(Suite000, SlowEndIsRefutedWhenTheSmallestLrIsAsGood) {
  const auto plan = find_suite("000").plan({.quick = true, .seeds = 2});
  const ResultSet rs = fill(plan, [](const RunSpec& r) {
    const double lr = lr_of(r.config);
    if (problem_of(r.config) == "mlp" && opt_of(r.config) == "adam" && !std::isnan(lr))
      return record(r, 1.0, lr > 1.5 ? NAN : 0.1, lr > 1.5, json());
    return textbook(r);
  });
  EXPECT_EQ(claim("000.2").check(rs, plan).verdict, Verdict::refuted);
}

TEST(Suite000, MomentumClaimsFollowTheStepsToTarget) {
  const auto plan = find_suite("000").plan({.quick = true, .seeds = 3});
  // Equal steps everywhere: no acceleration (equivalent, so refuted).
  EXPECT_EQ(claim("000.3").check(fill(plan, textbook), plan).verdict, Verdict::refuted);
  // keras_momentum reaches the target in half the updates on both problems.
  const ResultSet faster = fill(plan, [](const RunSpec& r) {
    if (r.config.rfind("tutorial/", 0) == 0 && opt_of(r.config) == "keras_momentum")
      return record(r, 1.0, 0.1, false, 50 + 3 * r.seed);
    return textbook(r);
  });
  const auto fast = claim("000.4").check(faster, plan);
  EXPECT_EQ(fast.verdict, Verdict::supported) << fast.summary;
  EXPECT_EQ(fast.evidence.at("/mlp/pairs"_json_pointer), 3);
  // ema_momentum never reaches it on lsq (censored at steps + 1): slower, refuted there;
  // mlp unchanged (equal): the claim is refuted on both.
  const ResultSet never = fill(plan, [](const RunSpec& r) {
    if (r.config == "tutorial/lsq_rotated/ema_momentum") return record(r, 1.0, 0.5, false, json());
    return textbook(r);
  });
  const auto slow = claim("000.3").check(never, plan);
  EXPECT_EQ(slow.verdict, Verdict::refuted) << slow.summary;
  EXPECT_EQ(slow.evidence.at("/lsq_rotated/censored_contender"_json_pointer), 3);
  // A missing run makes it inconclusive.
  ResultSet missing = fill(plan, textbook);
  missing.by_config.at("tutorial/mlp/gd").erase(0);
  EXPECT_EQ(claim("000.3").check(missing, plan).verdict, Verdict::inconclusive);
}

TEST(Suite000, TunedMomentumAndPerParameterClaims) {
  const auto plan = find_suite("000").plan({.quick = true, .seeds = 3});
  // ema_momentum's best sweep loss is 10x lower than gd's on both problems.
  const ResultSet better = fill(plan, [](const RunSpec& r) {
    json rec = textbook(r);
    if (opt_of(r.config) == "ema_momentum" && rec.at("status") == "ok") {
      const char* k = r.params.at("kind") == "lsq" ? "excess_loss" : "train_loss";
      rec["final"][k] = rec["final"][k].get<double>() * 0.1;
    }
    return rec;
  });
  const auto tuned = claim("000.5").check(better, plan);
  EXPECT_EQ(tuned.verdict, Verdict::supported) << tuned.summary;
  EXPECT_EQ(claim("000.5").check(fill(plan, textbook), plan).verdict, Verdict::refuted);

  // RMSprop leaves 10% of the slow-direction error where GD leaves 100%.
  const ResultSet adapt = fill(plan, [](const RunSpec& r) {
    if (r.config == "tutorial/lsq_axis/rmsprop") return record(r, 1.0, 0.1, false, 10, 0.1 + 0.01 * r.seed);
    if (r.config == "tutorial/lsq_axis/gd") return record(r, 1.0, 0.1, false, 10, 1.0 - 0.001 * r.seed);
    return textbook(r);
  });
  EXPECT_EQ(claim("000.6").check(adapt, plan).verdict, Verdict::supported);
  EXPECT_EQ(claim("000.7").check(adapt, plan).verdict, Verdict::refuted);  // equal: no gain
}
