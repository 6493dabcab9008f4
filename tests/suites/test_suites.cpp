// Suites end to end (quick configurations), the runner's cache / resume /
// shard / merge contracts, and claims checks on synthetic records.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <algorithm>
#include <fstream>
#include <map>
#include <set>

#include "suites/common.hpp"
#include "suites/runner.hpp"
#include "tests/suites/suite_test_util.hpp"

namespace fs = std::filesystem;
using namespace lrb::suites;
using namespace lrb::suites::test_util;

namespace {

const ClaimRow& row(const std::vector<ClaimRow>& rows, const std::string& id) {
  for (const auto& r : rows)
    if (r.claim->id == id) return r;
  throw std::runtime_error("no claim " + id);
}

std::string slurp(const fs::path& p) {
  std::ifstream f(p);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

}  // namespace

TEST(Suites, RegistryDeclaresEverySuiteCompletely) {
  for (const auto& s : registry()) {
    if (s.sections) {  // a study file (001, 004, 005): its [[section]]s say the same
      std::set<std::string> titles;
      for (const auto& sec : s.sections({}))
        if (!sec.items.empty()) titles.insert(sec.title);
      for (const char* t : {"What we run", "Deviations"}) EXPECT_TRUE(titles.count(t)) << s.id << ": " << t;
      // What its source says: a tutorial (001, 004) or, for 005, the papers.
      EXPECT_TRUE(titles.count("What the tutorial says and does") || titles.count("What the papers claim")) << s.id;
    } else {
      EXPECT_FALSE(s.tutorial.empty()) << s.id;
      EXPECT_FALSE(s.we_run.empty()) << s.id;
      EXPECT_FALSE(s.deviations.empty()) << s.id;
    }
    EXPECT_FALSE(s.claims.empty()) << s.id;
    std::set<std::string> addresses;
    const auto full = s.plan({}), quick = s.plan({.quick = true});
    for (const auto& r : full) EXPECT_TRUE(addresses.insert(run_address(r)).second) << r.config;
    for (const auto& r : quick) addresses.insert(run_address(r));
    EXPECT_GT(addresses.size(), full.size());  // quick budgets are other runs
  }
  EXPECT_THROW(find_suite("999"), std::invalid_argument);
}

TEST(Suites, AddressIsTheHashOfTheCanonicalIdentity) {
  const auto plan = plan_runs({"004"}, {.quick = true, .seeds = 1});
  ASSERT_FALSE(plan.empty());
  RunSpec r = plan.front();
  const auto a = run_address(r);
  EXPECT_EQ(a.size(), 64u);
  r.seed += 1;
  EXPECT_NE(run_address(r), a);
  // Every hyperparameter is explicit: the optimizer spec names its defaults.
  EXPECT_NE(plan.front().params.at("optimizer").get<std::string>().find("momentum"), std::string::npos);
}

TEST(Suite002, QuickEndToEndAndClaims) {
  TempDir d;
  const auto plan = plan_runs({"002"}, {.quick = true});
  const auto sum = run_all(plan, run_options(d.str()));
  EXPECT_EQ(sum.failed, 0) << (sum.errors.empty() ? "" : sum.errors.front());
  EXPECT_EQ(sum.computed, static_cast<int64_t>(plan.size()));
  EXPECT_EQ(sum.diverged, 1);  // lr = 0.3 > 2/7.5

  const auto loaded = records::load_results(d.str());
  EXPECT_TRUE(loaded.errors.empty());
  EXPECT_EQ(loaded.by_address.size(), plan.size());
  // Record layout: provenance first; perf-check's keys at top level.
  const auto& any = loaded.path_of.begin()->second;
  EXPECT_EQ(slurp(any).rfind("{\n \"provenance\"", 0), 0u);
  for (const auto& [a, rec] : loaded.by_address)
    for (const char* k : {"suite", "config", "seed", "status", "final", "params", "address"})
      EXPECT_TRUE(rec.contains(k)) << k;

  // The aliasing bug: every as-coded entry is the final theta.
  const auto sets = records::select(loaded, plan);
  const json* tut = sets.at("002").find("tutorial", 0);
  ASSERT_NE(tut, nullptr);
  const auto& coded = tut->at("/curves/theta_history_as_coded"_json_pointer);
  const auto& real = tut->at("/curves/theta_history"_json_pointer);
  ASSERT_EQ(coded.size(), 1000u);
  EXPECT_EQ(coded.front(), tut->at("/final/theta"_json_pointer));
  EXPECT_NEAR(real.front().get<double>(), 0.15, 1e-15);  // 0 - 0.01 * (1/4)(-60)

  // A diverged run is a result: status, step, the curve so far.
  const json* div = sets.at("002").find("lr_sweep/lr=0.3", 0);
  ASSERT_NE(div, nullptr);
  EXPECT_EQ(div->at("status"), "diverged");
  EXPECT_TRUE(div->at("diverged_at_step").is_number_integer());
  EXPECT_FALSE(div->at("/curves/theta_history"_json_pointer).empty());

  const auto rows = evaluate_claims(loaded, plan, {"002"});
  for (const auto& r : rows) EXPECT_TRUE(r.error.empty()) << r.claim->id << ": " << r.error;
  EXPECT_EQ(row(rows, "002.1").result.verdict, Verdict::supported);
  EXPECT_EQ(row(rows, "002.2").result.verdict, Verdict::refuted);
  EXPECT_EQ(row(rows, "002.3").result.verdict, Verdict::refuted);  // lr 1e-4 is too slow
  EXPECT_EQ(row(rows, "002.5").result.verdict, Verdict::supported);

  const auto st = records::status(loaded, plan);
  ASSERT_EQ(st.size(), 1u);
  EXPECT_EQ(st[0].missing, 0);
  EXPECT_EQ(st[0].diverged, 1);
}

TEST(Suite004, QuickEndToEndAndClaims) {
  TempDir d;
  const auto plan = plan_runs({"004"}, {.quick = true, .seeds = 2});
  const auto sum = run_all(plan, run_options(d.str()));
  ASSERT_EQ(sum.failed, 0) << (sum.errors.empty() ? "" : sum.errors.front());
  const auto loaded = records::load_results(d.str());
  const auto rows = evaluate_claims(loaded, plan, {"004"});
  for (const auto& r : rows) EXPECT_TRUE(r.error.empty()) << r.claim->id << ": " << r.error;
  EXPECT_EQ(row(rows, "004.1").result.verdict, Verdict::refuted);   // decay=1e-6 ~ constant
  EXPECT_EQ(row(rows, "004.2").result.verdict, Verdict::refuted);   // not piecewise constant
  EXPECT_EQ(row(rows, "004.3").result.verdict, Verdict::refuted);   // lr0/sqrt(1+d) constant
  EXPECT_EQ(row(rows, "004.10").result.verdict, Verdict::refuted);  // 'accuracy' is 0

  // A record whose "final" lacks test_loss still passes validation ("final"
  // is not in the content address): 004.10 cannot be evaluated and says
  // why, instead of reading the missing key (a fuzzing find).
  auto damaged = loaded;
  for (auto& [address, rec] : damaged.by_address)
    if (rec.at("status") == "ok" && rec.at("final").contains("keras_accuracy")) {
      rec["final"].erase("test_loss");
      break;
    }
  const auto bad = evaluate_claims(damaged, plan, {"004"});
  EXPECT_NE(row(bad, "004.10").error.find("no \"test_loss\""), std::string::npos)
      << row(bad, "004.10").error;
}

TEST(Runner, RerunIsACacheHitAndResumesAfterACrash) {
  TempDir d;
  const auto plan = plan_runs({"002"}, {.quick = true, .seeds = 2});
  ASSERT_EQ(run_all(plan, run_options(d.str())).failed, 0);
  std::map<std::string, fs::file_time_type> mtimes;
  for (const auto& r : plan) mtimes[records::record_path(d.str(), r)] = fs::last_write_time(records::record_path(d.str(), r));

  const auto again = run_all(plan, run_options(d.str()));
  EXPECT_EQ(again.computed, 0);
  EXPECT_EQ(again.cached, static_cast<int64_t>(plan.size()));
  for (const auto& [p, t] : mtimes) EXPECT_EQ(fs::last_write_time(p), t) << p;

  // A crash: one record never written, a temp file left behind, one record truncated.
  fs::remove(records::record_path(d.str(), plan[0]));
  const fs::path dir = fs::path(records::record_path(d.str(), plan[1])).parent_path();
  // pid 99999999 exceeds any pid_max (2^22): its writer is surely dead.
  const fs::path dead_tmp = dir / ".deadbeef.json.tmp.99999999.0";
  const fs::path live_tmp = dir / (".cafe.json.tmp." + std::to_string(::getpid()) + ".0");
  std::ofstream(dead_tmp) << "{\"half\":";
  std::ofstream(live_tmp) << "{\"being written\":";
  const std::string truncated = records::record_path(d.str(), plan[1]);
  const std::string text = slurp(truncated);
  std::ofstream(truncated, std::ios::trunc) << text.substr(0, text.size() / 2);
  EXPECT_FALSE(records::load_results(d.str()).errors.empty());  // the truncated record is reported

  const auto resumed = run_all(plan, run_options(d.str()));
  EXPECT_EQ(resumed.computed, 2);
  EXPECT_EQ(resumed.cached, static_cast<int64_t>(plan.size()) - 2);
  const auto loaded = records::load_results(d.str());
  EXPECT_TRUE(loaded.errors.empty());  // temp files are ignored
  EXPECT_EQ(loaded.by_address.size(), plan.size());
  EXPECT_FALSE(fs::exists(dead_tmp)) << "a dead writer's temp file is cleaned up";
  EXPECT_TRUE(fs::exists(live_tmp)) << "a live writer's temp file is left alone";
}

TEST(Runner, ForceRecomputes) {
  TempDir d;
  auto plan = plan_runs({"002"}, {.quick = true, .seeds = 1});
  plan.resize(3);
  ASSERT_EQ(run_all(plan, run_options(d.str())).computed, 3);
  auto o = run_options(d.str());
  o.force = true;
  EXPECT_EQ(run_all(plan, o).computed, 3);
}

TEST(Runner, ShardsMergeToTheUnshardedResults) {
  TempDir whole, a, b, merged;
  const auto plan = plan_runs({"002"}, {.quick = true, .seeds = 2});
  const auto s0 = shard(plan, 0, 2), s1 = shard(plan, 1, 2);
  EXPECT_EQ(s0.size() + s1.size(), plan.size());
  ASSERT_EQ(run_all(plan, run_options(whole.str(), 1)).failed, 0);
  ASSERT_EQ(run_all(s0, run_options(a.str())).failed, 0);
  ASSERT_EQ(run_all(s1, run_options(b.str(), 1)).failed, 0);
  EXPECT_EQ(records::merge({a.str(), b.str()}, merged.str()), static_cast<int64_t>(plan.size()));
  const auto w = records::load_results(whole.str()), m = records::load_results(merged.str());
  ASSERT_EQ(w.by_address.size(), m.by_address.size());
  for (const auto& [addr, rec] : w.by_address) {
    ASSERT_TRUE(m.by_address.count(addr)) << addr;
    EXPECT_EQ(records::strip_volatile(rec), records::strip_volatile(m.by_address.at(addr))) << addr;
  }
  // Merging again writes nothing new; a conflicting record is an error.
  EXPECT_EQ(records::merge({a.str()}, merged.str()), 0);
  const std::string victim = a.path.string() + "/002/" + m.by_address.begin()->first + ".json";
  if (fs::exists(victim)) {
    json j = json::parse(slurp(victim));
    j["final"]["extra"] = 1;
    std::ofstream(victim, std::ios::trunc) << j.dump();
    EXPECT_THROW(records::merge({a.str()}, merged.str()), records::FormatError);
  }
}

TEST(Runner, TamperedAddressIsReported) {
  TempDir d;
  auto plan = plan_runs({"002"}, {.quick = true, .seeds = 1});
  plan.resize(1);
  ASSERT_EQ(run_all(plan, run_options(d.str())).failed, 0);
  const auto p = records::record_path(d.str(), plan[0]);
  json j = json::parse(slurp(p));
  j["params"]["lr"] = 0.5;  // the identity no longer hashes to the file name
  std::ofstream(p, std::ios::trunc) << j.dump();
  const auto l = records::load_results(d.str());
  ASSERT_EQ(l.errors.size(), 1u);
  EXPECT_NE(std::string(l.errors[0].what()).find("not the SHA-256"), std::string::npos) << l.errors[0].what();
}

// ---- claims on synthetic records -------------------------------------------------

namespace {
// Records of two configs, 6 seeds: baseline values b + noise, contender c + noise.
std::pair<ResultSet, std::vector<RunSpec>> synthetic(double b, double c, int missing = 0) {
  ResultSet rs;
  std::vector<RunSpec> plan;
  const double noise[] = {0.01, -0.02, 0.015, 0.0, -0.01, 0.005};
  for (int s = 0; s < 6; ++s) {
    for (const auto& [cfg, v] : {std::pair<std::string, double>{"base", b}, {"cont", c}}) {
      plan.push_back({"x", cfg, s, json::object()});
      if (cfg == "cont" && s < missing) continue;
      rs.by_config[cfg][s] = {{"status", "ok"}, {"final", {{"test_loss", v + noise[s] + (cfg == "cont" ? 0.003 * s : 0)}}}};
    }
  }
  return {rs, plan};
}
}  // namespace

TEST(Claims, BetterIsSupportedWorseIsRefutedEqualIsRefuted) {
  {
    auto [rs, plan] = synthetic(1.0, 0.8);
    EXPECT_EQ(claim_better(rs, plan, "base", "cont", "/final/test_loss", true, 0.01).verdict, Verdict::supported);
  }
  {
    auto [rs, plan] = synthetic(1.0, 1.2);
    const auto r = claim_better(rs, plan, "base", "cont", "/final/test_loss", true, 0.01);
    EXPECT_EQ(r.verdict, Verdict::refuted);
    EXPECT_EQ(r.evidence.at("pairs"), 6);
    EXPECT_TRUE(r.evidence.at("/paired_diff/ci95"_json_pointer).is_array());
  }
  {
    auto [rs, plan] = synthetic(1.0, 1.0 - 0.0075);  // CI inside +-1 %: no practical gain
    EXPECT_EQ(claim_better(rs, plan, "base", "cont", "/final/test_loss", true, 0.01).verdict, Verdict::refuted);
  }
  {
    auto [rs, plan] = synthetic(1.0, 0.8, 2);
    const auto r = claim_better(rs, plan, "base", "cont", "/final/test_loss", true, 0.01);
    EXPECT_EQ(r.verdict, Verdict::inconclusive);
    EXPECT_EQ(r.missing, 2);
    EXPECT_NE(r.summary.find("(2 of 12 runs missing)"), std::string::npos) << r.summary;
  }
}

TEST(Claims, DivergedSeedsAreCountedNotAveraged) {
  auto [rs, plan] = synthetic(1.0, 0.8);
  rs.by_config["cont"][0]["status"] = "diverged";
  const auto r = claim_better(rs, plan, "base", "cont", "/final/test_loss", true, 0.01);
  EXPECT_EQ(r.diverged, 1);
  EXPECT_EQ(r.evidence.at("pairs"), 5);
}

TEST(Claims, EmptyResultsAreInconclusiveNotErrors) {
  TempDir d;
  const auto plan = plan_runs(std::vector<std::string>{}, {.quick = true});
  const auto rows = evaluate_claims(records::load_results(d.str()), plan, std::vector<std::string>{});
  ASSERT_FALSE(rows.empty());
  for (const auto& r : rows) {
    EXPECT_TRUE(r.error.empty()) << r.claim->id << ": " << r.error;
    EXPECT_EQ(r.result.verdict, Verdict::inconclusive) << r.claim->id;
  }
  EXPECT_NE(format_claims(rows, records::ClaimsFormat::markdown).find("| 002.1 |"), std::string::npos);
  EXPECT_NO_THROW(json::parse(format_claims(rows, records::ClaimsFormat::json)));
}

// ---- factors and manifests ------------------------------------------------------

TEST(Suites, EveryConfigDeclaresItsFactorsOncePerConfig) {
  for (const auto& s : registry())
    for (const bool quick : {false, true}) {
      std::map<std::string, Factors> seen;
      for (const auto& r : s.plan({.quick = quick})) {
        EXPECT_FALSE(r.factors.empty()) << s.id << " " << r.config;
        for (const auto& f : r.factors) {
          EXPECT_TRUE(f.value.is_string() || f.value.is_number() || f.value.is_boolean()) << s.id << " " << r.config;
          if (f.name == "code") {
            const std::string v = f.value.is_string() ? f.value.get<std::string>() : "";
            EXPECT_TRUE(v == "as_written" || v == "corrected") << r.config;
          }
        }
        const auto [it, fresh] = seen.emplace(r.config, r.factors);
        if (!fresh) {
          EXPECT_EQ(it->second, r.factors) << s.id << " " << r.config << ": factors differ between seeds";
        }
      }
      // Factors tell configs apart: no two configs declare the same ones.
      std::set<std::string> distinct;
      for (const auto& [config, factors] : seen) {
        std::string key;
        for (const auto& f : factors) key += f.name + "=" + f.value.dump() + ";";
        EXPECT_TRUE(distinct.insert(key).second) << s.id << " " << config << " declares the factors of another config";
      }
    }
}

TEST(Suites, ManifestRoundTripsAndMatchesThePlan) {
  TempDir d;
  write_manifests(d.str(), std::vector<std::string>{"002", "004"}, {.quick = true, .seeds = 2});
  const auto ms = records::load_manifests(d.str());
  ASSERT_EQ(ms.size(), 2u);
  for (const auto& m : ms) {
    const auto& suite = find_suite(m.suite);
    EXPECT_EQ(m.title, suite.title);
    EXPECT_EQ(m.claims.size(), suite.claims.size());
    const auto plan = suite.plan({.quick = true, .seeds = 2});
    const auto back = m.plan();
    ASSERT_EQ(back.size(), plan.size());
    for (size_t i = 0; i < plan.size(); ++i) {
      EXPECT_EQ(records::run_address(back[i]), records::run_address(plan[i]));
      EXPECT_EQ(back[i].config, plan[i].config);
    }
  }
}

// The report fixture's manifests still describe the suites' plans (texts may
// differ; the runs, configs and factors may not): else run
// tests/fixtures/results/regenerate.sh.
TEST(Suites, TheReportFixturesManifestsMatchTheSuites) {
  const std::string fixture = std::string(LRBENCH_SOURCE_DIR) + "/tests/fixtures/results";
  const auto ms = records::load_manifests(fixture);
  ASSERT_EQ(ms.size(), registry().size());
  for (const auto& m : ms) {
    const auto now = manifest(find_suite(m.suite), m.budget);
    ASSERT_EQ(m.configs.size(), now.configs.size()) << m.path << ": run tests/fixtures/results/regenerate.sh";
    for (size_t i = 0; i < m.configs.size(); ++i) {
      EXPECT_EQ(m.configs[i].config, now.configs[i].config) << m.path;
      EXPECT_EQ(m.configs[i].factors, now.configs[i].factors) << m.path << " " << m.configs[i].config;
      ASSERT_EQ(m.configs[i].runs.size(), now.configs[i].runs.size()) << m.path;
      for (size_t k = 0; k < m.configs[i].runs.size(); ++k)
        EXPECT_EQ(m.configs[i].runs[k].address, now.configs[i].runs[k].address)
            << m.path << " " << m.configs[i].config << ": run tests/fixtures/results/regenerate.sh";
    }
  }
}

TEST(Suites, ExecuteReportsProgressThroughItsContext) {
  auto plan = find_suite("004").plan({.quick = true, .seeds = 1});
  std::vector<double> fractions;
  RunContext ctx = context();
  ctx.progress = [&](double f, const std::string& status) {
    fractions.push_back(f);
    EXPECT_NE(status.find("epoch"), std::string::npos) << status;
  };
  const json r = find_suite("004").execute(plan.front(), ctx);
  EXPECT_EQ(r.at("status"), "ok");
  ASSERT_FALSE(fractions.empty());
  EXPECT_DOUBLE_EQ(fractions.back(), 1.0);
  EXPECT_TRUE(std::is_sorted(fractions.begin(), fractions.end()));
  // No listener: the same numbers.
  const json quiet = find_suite("004").execute(plan.front(), context());
  EXPECT_EQ(records::strip_volatile(quiet), records::strip_volatile(r));
}
