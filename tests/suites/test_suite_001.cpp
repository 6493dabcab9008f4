// Suite 001 (SGD vs RMSprop vs Adam on cnn001, Fashion-MNIST): the plan, a
// quick end-to-end run through run_all + evaluate_claims, determinism across
// --threads, the data error, and the claims checks on synthetic records.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <set>

#include "datasets/error.hpp"
#include "datasets/fashion_mnist.hpp"
#include "suites/common.hpp"
#include "suites/runner.hpp"
#include "tests/suites/suite_test_util.hpp"

namespace fs = std::filesystem;
using namespace lrb::suites;
using namespace lrb::suites::test_util;

namespace {

// Where the tests point the suite (LRBENCH_DATA_DIR, else Debian's path) holds the train images?
bool have_fashion_mnist() {
  for (const char* f : {"train-images-idx3-ubyte", "train-images-idx3-ubyte.gz"})
    if (fs::exists(data_dir() / f)) return true;
  return false;
}
#define REQUIRE_DATA()                                                                    \
  if (!have_fashion_mnist())                                                              \
  GTEST_SKIP() << "Fashion-MNIST not found (install dataset-fashion-mnist, or set "       \
                  "LRBENCH_DATA_DIR): suite 001 trains on it"

const ClaimResult& verdict_of(const std::vector<ClaimRow>& rows, const std::string& id) {
  for (const auto& r : rows)
    if (r.claim->id == id) {
      EXPECT_TRUE(r.error.empty()) << id << ": " << r.error;
      return r.result;
    }
  throw std::runtime_error("no claim " + id);
}

// A synthetic record: status ok, the given finals, grid of 5 ok trials.
json record(const json& final_fields, const json& timing = json::object()) {
  json grid = json::array();
  for (int i = 0; i < 5; ++i) grid.push_back({{"status", "ok"}});
  return {{"status", "ok"}, {"final", final_fields}, {"timing", timing},
          {"curves", {{"tuning", {{"grid", grid}}}}}};
}

}  // namespace

TEST(Suite001, PlanIsStaticAndComplete) {
  const auto full = find_suite("001").plan({}), quick = find_suite("001").plan({.quick = true});
  EXPECT_EQ(full.size(), 50u);   // 10 configs x 5 seeds
  EXPECT_EQ(quick.size(), 30u);  // 10 configs x 3 seeds
  std::set<std::string> configs, addresses;
  for (const auto& r : full) {
    configs.insert(r.config);
    EXPECT_TRUE(addresses.insert(run_address(r)).second);
    if (r.config.rfind("lr_find/", 0) == 0) {
      EXPECT_EQ(r.params.at("kind"), "lr_find001");
      EXPECT_EQ(r.params.at("/range/steps"_json_pointer), 400);
      EXPECT_EQ(r.params.at("/dataset/n_train"_json_pointer), 400 * 32);
      continue;
    }
    EXPECT_EQ(r.params.at("kind"), "cnn001");
    EXPECT_EQ(r.params.at("batch"), 32);
    EXPECT_EQ(r.params.at("epochs"), 10);
    EXPECT_EQ(r.params.at("/dataset/n_train"_json_pointer), 60000);
    EXPECT_EQ(r.params.at("/dataset/sha256"_json_pointer).size(), 4u);
    const bool tuned = r.config.rfind("tuned/", 0) == 0;
    EXPECT_EQ(r.params.at("tuning").is_null(), !tuned) << r.config;
    if (tuned) {
      EXPECT_EQ(r.params.at("/tuning/grid"_json_pointer).size(), 5u);
    }
  }
  EXPECT_EQ(configs, (std::set<std::string>{"tutorial/sgd", "tutorial/rmsprop", "tutorial/adam",
                                            "tutorial/rmsprop_as_written", "tuned/sgd",
                                            "tuned/rmsprop", "tuned/adam", "lr_find/sgd",
                                            "lr_find/rmsprop", "lr_find/adam"}));
  // Keras defaults, every hyperparameter explicit.
  for (const auto& r : full) {
    if (r.config == "tutorial/adam") {
      EXPECT_EQ(r.params.at("optimizer"),
                "adam:lr=0.001,betas=[0.9,0.999],eps=1e-07,amsgrad=false,weight_decay=0,convention=keras");
    }
  }
}

TEST(Suite001, QuickEndToEndAndClaims) {
  REQUIRE_DATA();
  TempDir d("s001-e2e");
  const auto plan = plan_runs({"001"}, {.quick = true, .seeds = 2});
  const auto sum = run_all(plan, run_options(d.str(), 2));
  ASSERT_EQ(sum.failed, 0) << (sum.errors.empty() ? "" : sum.errors.front());
  const auto loaded = records::load_results(d.str());
  EXPECT_TRUE(loaded.errors.empty());
  ASSERT_EQ(loaded.by_address.size(), plan.size());
  for (const auto& [a, rec] : loaded.by_address) {
    EXPECT_EQ(rec.at("/dataset/name"_json_pointer), "fashion-mnist");
    EXPECT_EQ(rec.at("/dataset/files"_json_pointer).size(), 4u);
    if (rec.at("config").get<std::string>().rfind("lr_find/", 0) == 0) {
      // A range test: the curve and a suggestion inside the range it swept.
      const auto& lr = rec.at("/curves/lr_range/lr"_json_pointer);
      ASSERT_GT(lr.size(), 10u);
      const double s = rec.at("/final/suggested_lr"_json_pointer).get<double>();
      EXPECT_GT(s, lr.front().get<double>());
      EXPECT_LT(s, lr.back().get<double>());
      continue;
    }
    EXPECT_EQ(rec.at("/curves/epochs"_json_pointer).size(), 2u);
    for (const char* k : {"/final/test_accuracy", "/final/test_loss_epoch1",
                          "/timing/update_seconds_per_step", "/timing/epoch_wall_seconds"})
      EXPECT_TRUE(rec.contains(json::json_pointer(k))) << k;
    const bool tuned = rec.at("config").get<std::string>().rfind("tuned/", 0) == 0;
    EXPECT_EQ(rec.at("/curves/tuning"_json_pointer).is_null(), !tuned);
  }
  const auto sets = records::select(loaded, plan);
  const json* w = sets.at("001").find("tutorial/rmsprop_as_written", 0);
  ASSERT_NE(w, nullptr);
  // The printed update ignores the gradient: every parameter only moves down.
  if (w->at("status") == "ok") {
    EXPECT_LT(w->at("/final/test_accuracy"_json_pointer).get<double>(), 0.2);
    EXPECT_EQ(w->at("/final/frac_params_decreased"_json_pointer).get<double>(), 1.0);
  }
  const json* adam = sets.at("001").find("tutorial/adam", 0);
  ASSERT_NE(adam, nullptr);
  EXPECT_GT(adam->at("/final/test_accuracy"_json_pointer).get<double>(), 0.7);

  const auto rows = evaluate_claims(loaded, plan, {"001"});
  EXPECT_EQ(rows.size(), find_suite("001").claims.size());
  for (const auto& r : rows) EXPECT_TRUE(r.error.empty()) << r.claim->id << ": " << r.error;
  EXPECT_EQ(verdict_of(rows, "001.8").verdict, Verdict::refuted);
  for (const auto& r : rows) EXPECT_EQ(r.result.missing, 0) << r.claim->id;
}

TEST(Suite001, SameBitsAtAnyThreadCount) {
  REQUIRE_DATA();
  TempDir a("s001-t1"), b("s001-t2");
  std::vector<RunSpec> plan;
  for (const auto& r : plan_runs({"001"}, {.quick = true, .seeds = 1}))
    if (r.config == "tutorial/adam" || r.config == "tuned/rmsprop") plan.push_back(r);
  ASSERT_EQ(plan.size(), 2u);
  ASSERT_EQ(run_all(plan, run_options(a.str(), 1)).failed, 0);
  ASSERT_EQ(run_all(plan, run_options(b.str(), 2)).failed, 0);
  const auto la = records::load_results(a.str()), lb = records::load_results(b.str());
  ASSERT_EQ(la.by_address.size(), 2u);
  for (const auto& [addr, rec] : la.by_address)
    EXPECT_EQ(records::strip_volatile(rec), records::strip_volatile(lb.by_address.at(addr))) << rec.at("config");
}

TEST(Suite001, MissingDataIsADataErrorNotACrash) {
  TempDir empty("s001-nodata");
  const auto plan = plan_runs({"001"}, {.quick = true, .seeds = 1});
  RunContext ctx = context();
  ctx.data_dir = empty.path;
  try {
    find_suite("001").execute(plan.front(), ctx);
    ADD_FAILURE() << "expected a DataError";
  } catch (const lrb::data::DataError& e) {
    EXPECT_NE(std::string(e.what()).find(empty.str()), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("LRBENCH_DATA_DIR"), std::string::npos) << e.what();
  }
  TempDir out("s001-nodata-out");
  auto o = run_options(out.str(), 1);
  o.data_dir = empty.path;
  const auto sum = run_all({plan.front()}, o);  // failed, no record
  EXPECT_EQ(sum.failed, 1);
  EXPECT_TRUE(records::load_results(out.str()).by_address.empty());
}

// One decoded copy per cache: runs that share a cache share the dataset.
TEST(Suite001, TheCallersCacheHoldsOneDecodedCopy) {
  REQUIRE_DATA();
  DatasetCache cache;
  int loads = 0;
  auto load = [&](const fs::path& dir) {
    ++loads;
    return lrb::data::load_fashion_mnist(dir);
  };
  const auto a = cache.images(data_dir(), load), b = cache.images(data_dir(), load);
  EXPECT_EQ(loads, 1);
  EXPECT_EQ(a.get(), b.get());
  TempDir empty("s001-cache-miss");
  EXPECT_THROW(cache.images(empty.path, load), lrb::data::DataError);
  EXPECT_THROW(cache.images(empty.path, load), lrb::data::DataError);  // a failed load is not cached
  EXPECT_EQ(loads, 3);
}

// ---- claims on synthetic records --------------------------------------------------------

TEST(Suite001, AccuracyClaimFollowsThePairedDifference) {
  const auto plan = find_suite("001").plan({.quick = true});  // 3 seeds
  auto make = [&](double sgd, double adam) {
    ResultSet rs;
    for (int s = 0; s < 3; ++s) {
      rs.by_config["tutorial/sgd"][s] = record({{"test_accuracy", sgd + 0.001 * s}});
      rs.by_config["tutorial/adam"][s] = record({{"test_accuracy", adam + 0.002 * s}});
    }
    return rs;
  };
  EXPECT_EQ(claim("001.2").check(make(0.85, 0.89), plan).verdict, Verdict::supported);
  EXPECT_EQ(claim("001.2").check(make(0.89, 0.85), plan).verdict, Verdict::refuted);
  // Equal within +-0.5%: the claimed gain is not there.
  EXPECT_EQ(claim("001.2").check(make(0.89, 0.889), plan).verdict, Verdict::refuted);
  // A missing run makes it inconclusive whatever the numbers.
  auto rs = make(0.85, 0.89);
  rs.by_config["tutorial/adam"].erase(2);
  const auto r = claim("001.2").check(rs, plan);
  EXPECT_EQ(r.verdict, Verdict::inconclusive);
  EXPECT_EQ(r.missing, 1);
}

TEST(Suite001, ConvergenceAndCostClaims) {
  const auto plan = find_suite("001").plan({.quick = true});
  ResultSet fast, slow;
  for (int s = 0; s < 3; ++s) {
    fast.by_config["tuned/sgd"][s] = record({{"test_loss_epoch1", 0.60 + 0.01 * s}});
    fast.by_config["tuned/adam"][s] = record({{"test_loss_epoch1", 0.45 + 0.02 * s}});
    slow.by_config["tuned/sgd"][s] = record({{"test_loss_epoch1", 0.45 + 0.01 * s}});
    slow.by_config["tuned/adam"][s] = record({{"test_loss_epoch1", 0.60 + 0.02 * s}});
  }
  EXPECT_EQ(claim("001.3").check(fast, plan).verdict, Verdict::supported);
  EXPECT_EQ(claim("001.3").check(slow, plan).verdict, Verdict::refuted);

  ResultSet cost;
  for (int s = 0; s < 3; ++s) {
    cost.by_config["tutorial/sgd"][s] = record({{"optimizer_state_slots", 0}},
                                               {{"update_seconds_per_step", 25e-6 + 1e-7 * s},
                                                {"step_seconds", 6e-4}});
    cost.by_config["tutorial/adam"][s] = record({{"optimizer_state_slots", 2}},
                                                {{"update_seconds_per_step", 5e-6 + 2e-7 * s},
                                                 {"step_seconds", 6e-4}});
  }
  const auto r = claim("001.5").check(cost, plan);  // Adam cheaper here: refuted
  EXPECT_EQ(r.verdict, Verdict::refuted);
  EXPECT_NE(r.summary.find("timing"), std::string::npos);
}

TEST(Suite001, StabilityAndSensitivityClaims) {
  const auto plan = find_suite("001").plan({.quick = true});
  auto drops = [&](double sgd, double rms) {
    ResultSet rs;
    for (int s = 0; s < 3; ++s) {
      rs.by_config["tutorial/sgd"][s] = record({{"test_accuracy_drop_sum", sgd + 0.001 * s},
                                                {"test_accuracy", 0.8}});
      rs.by_config["tutorial/rmsprop"][s] = record({{"test_accuracy_drop_sum", rms + 0.002 * s},
                                                    {"test_accuracy", 0.8}});
    }
    return rs;
  };
  EXPECT_EQ(claim("001.6").check(drops(0.02, 0.0), plan).verdict, Verdict::supported);
  EXPECT_EQ(claim("001.6").check(drops(0.0, 0.03), plan).verdict, Verdict::refuted);
  ResultSet flat;
  for (int s = 0; s < 3; ++s)
    for (const char* c : {"tutorial/sgd", "tutorial/rmsprop"})
      flat.by_config[c][s] = record({{"test_accuracy_drop_sum", 0.0}, {"test_accuracy", 0.8}});
  EXPECT_EQ(claim("001.6").check(flat, plan).verdict, Verdict::inconclusive);  // no difference to see

  auto spread = [&](double sgd, double rms, double adam) {
    ResultSet rs;
    for (int s = 0; s < 3; ++s) {
      rs.by_config["tuned/sgd"][s] = record({{"grid_val_accuracy_spread", sgd + 0.003 * s}});
      rs.by_config["tuned/rmsprop"][s] = record({{"grid_val_accuracy_spread", rms + 0.001 * s}});
      rs.by_config["tuned/adam"][s] = record({{"grid_val_accuracy_spread", adam + 0.002 * s}});
    }
    return rs;
  };
  EXPECT_EQ(claim("001.7").check(spread(0.1, 0.5, 0.1), plan).verdict, Verdict::supported);
  EXPECT_EQ(claim("001.7").check(spread(0.5, 0.1, 0.4), plan).verdict, Verdict::refuted);
  EXPECT_EQ(claim("001.7").check(spread(0.5, 0.3, 0.1), plan).verdict, Verdict::inconclusive);  // mixed
}

TEST(Suite001, AsWrittenRmspropClaim) {
  const auto plan = find_suite("001").plan({.quick = true});
  auto make = [&](double as_written) {
    ResultSet rs;
    for (int s = 0; s < 3; ++s) {
      rs.by_config["tutorial/rmsprop"][s] = record({{"test_accuracy", 0.88}, {"frac_params_decreased", 0.5}});
      rs.by_config["tutorial/rmsprop_as_written"][s] =
          record({{"test_accuracy", as_written}, {"frac_params_decreased", 1.0}});
    }
    return rs;
  };
  EXPECT_EQ(claim("001.8").check(make(0.1), plan).verdict, Verdict::refuted);
  EXPECT_EQ(claim("001.8").check(make(0.88), plan).verdict, Verdict::supported);
  EXPECT_EQ(claim("001.8").check(make(0.6), plan).verdict, Verdict::inconclusive);
  // Diverged as-written runs count as failures to learn.
  auto rs = make(0.1);
  for (auto& [seed, rec] : rs.by_config["tutorial/rmsprop_as_written"]) rec["status"] = "diverged";
  const auto r = claim("001.8").check(rs, plan);
  EXPECT_EQ(r.verdict, Verdict::refuted);
  EXPECT_EQ(r.diverged, 3);
}

TEST(Suite001, LrRangeTestClaimComparesDecades) {
  const auto plan = find_suite("001").plan({.quick = true});
  // tuned LRs 0.1 (sgd), 0.003 (rmsprop, adam); suggestions `factor` x those.
  auto make = [&](double sgd_factor, double adaptive_factor) {
    ResultSet rs;
    for (int s = 0; s < 3; ++s) {
      rs.by_config["tuned/sgd"][s] = record({{"lr", 0.1}});
      rs.by_config["lr_find/sgd"][s] = record({{"suggested_lr", 0.1 * sgd_factor}});
      for (const char* o : {"rmsprop", "adam"}) {
        rs.by_config[std::string("tuned/") + o][s] = record({{"lr", 0.003}});
        rs.by_config[std::string("lr_find/") + o][s] = record({{"suggested_lr", 0.003 * adaptive_factor}});
      }
    }
    return rs;
  };
  EXPECT_EQ(claim("001.9").check(make(0.5, 0.4), plan).verdict, Verdict::supported);   // <= 0.4 decade
  EXPECT_EQ(claim("001.9").check(make(0.5, 0.05), plan).verdict, Verdict::refuted);    // 1.3 decades
  EXPECT_EQ(claim("001.9").check(make(0.5, 0.2), plan).verdict, Verdict::inconclusive);  // 0.7 decade
  auto missing = make(1, 1);
  missing.by_config["lr_find/adam"].erase(2);
  EXPECT_EQ(claim("001.9").check(missing, plan).verdict, Verdict::inconclusive);
}
