// `lrbench run --until-conclusive` end to end on suite 002's quick plan (its
// three paired claims 002.6-002.8 compare LR schedules on noisy regression):
// the loop grows the plan, records the design and looks, `claims` judges over
// them; and the same procedure split into --plan-only looks and sharded
// --batch-of batches, merged, ends in the same seed plan and records.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "records/seed_plan.hpp"
#include "records/verdicts.hpp"
#include "suites/runner.hpp"
#include "tests/cli_spawn.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr auto& lrbench = lrb::tests::run_lrbench;
std::string slurp(const fs::path& p) {
  std::ifstream f(p);
  return std::string(std::istreambuf_iterator<char>(f), {});
}
size_t records_in(const fs::path& suite_dir) {
  size_t n = 0;
  for (const auto& e : fs::directory_iterator(suite_dir)) n += e.path().extension() == ".json";
  return n;
}

const std::string kPlan = " --suite 002 --quick --seeds 2";
const std::string kDesign = " --max-seeds 6 --batch 2";

}  // namespace

TEST(UntilConclusive, GrowsThePlanRecordsTheLooksAndShardsTheSame) {
  const fs::path d = fs::temp_directory_path() / ("lrbench-until-" + std::to_string(::getpid()));
  fs::remove_all(d);
  const std::string one = (d / "one").string(), split = (d / "split").string();

  // ---- the whole loop on one machine ----
  auto r = lrbench("run" + kPlan + " --until-conclusive" + kDesign + " --progress none --results " + one);
  ASSERT_EQ(r.rc, 0) << r.text;
  EXPECT_NE(r.text.find("look 1: suite 002: 3 paired tests"), std::string::npos) << r.text;
  const fs::path sp_path = fs::path(one) / "seeds" / "002.quick-seeds2.json";
  ASSERT_TRUE(fs::exists(sp_path)) << r.text;
  const auto sp = lrb::records::read_seed_plan(sp_path);
  EXPECT_EQ(sp.design.max_seeds, 6);
  EXPECT_EQ(sp.design.batch, 2);
  EXPECT_EQ(sp.design.family_size, 3);
  EXPECT_EQ(sp.design.spending, "obrien-fleming");
  ASSERT_EQ(sp.tests.size(), 3u);
  for (const auto& t : sp.tests) {
    EXPECT_NE(t.state, "continue") << t.claim;  // the loop ends only when no test continues
    ASSERT_FALSE(t.looks.empty()) << t.claim;
    EXPECT_EQ(t.looks.front(), 2) << t.claim;   // the first look: the suite's own seeds
    EXPECT_LE(t.looks.back(), 6) << t.claim;
    if (t.state == "stopped at cap") {
      EXPECT_EQ(t.looks.back(), 6) << t.claim;
    }
  }
  // The grown plan is complete: status and the manifest see the extra seeds.
  std::map<std::string, lrb::records::SeedPlan> plans{{"002", sp}};
  const auto plan = lrb::suites::plan_runs({"002"}, {.quick = true, .seeds = 2}, plans);
  EXPECT_GT(plan.size(), lrb::suites::plan_runs({"002"}, {.quick = true, .seeds = 2}).size());
  EXPECT_EQ(records_in(fs::path(one) / "002"), plan.size());
  r = lrbench("status " + one + kPlan);
  EXPECT_EQ(r.rc, 0) << r.text;
  // claims judges the paired tests sequentially and says so.
  r = lrbench("claims " + one + kPlan + " --format json");
  ASSERT_EQ(r.rc, 0) << r.text;
  const json rows = json::parse(r.text);
  int sequential = 0;
  for (const auto& row : rows)
    if (row["statistics"].is_object() && row["statistics"]["procedure"]["sequential"] == true) {
      ++sequential;
      const json& seq = row["statistics"]["tests"][0]["sequential"];
      EXPECT_EQ(seq["spending"], "obrien-fleming") << row["id"];
      EXPECT_NEAR(seq["alpha"].get<double>(), 0.05 / 3, 1e-15) << row["id"];
      EXPECT_EQ(seq["max_seeds"], 6) << row["id"];
      // Every recorded config the test read has the seeds of its last look.
      EXPECT_EQ(seq["n"], row["statistics"]["tests"][0]["n"]) << row["id"];
    }
  EXPECT_EQ(sequential, 3);
  // Rerunning the loop finds everything done.
  r = lrbench("run" + kPlan + " --until-conclusive" + kDesign + " --progress none --results " + one);
  ASSERT_EQ(r.rc, 0) << r.text;
  EXPECT_NE(r.text.find("runs computed 0"), std::string::npos) << r.text;
  // A different design for the same directory is refused: it would void the error control.
  r = lrbench("run" + kPlan + " --until-conclusive --max-seeds 8 --batch 2 --progress none --results " + one);
  EXPECT_EQ(r.rc, 2) << r.text;
  EXPECT_NE(r.text.find("fixed the design"), std::string::npos) << r.text;

  // ---- the same, a look at a time, each batch in two shards, merged ----
  r = lrbench("run" + kPlan + " --progress none --results " + split);
  ASSERT_EQ(r.rc, 0) << r.text;
  for (int look = 0;; ++look) {
    ASSERT_LT(look, 10) << "the looks never end";
    r = lrbench("run" + kPlan + " --until-conclusive --plan-only" + kDesign + " --progress none --results " + split);
    ASSERT_EQ(r.rc, 0) << r.text;
    if (r.text.find("nothing left") != std::string::npos) break;
    // Both shards of the batch run (as on two machines), then both are merged.
    std::string shards;
    for (int s = 0; s < 2; ++s) {
      const std::string shard = (d / ("shard" + std::to_string(s))).string();
      fs::remove_all(shard);
      r = lrbench("run" + kPlan + " --batch-of " + split + " --shard " + std::to_string(s) + "/2 --progress none --results " +
                  shard);
      ASSERT_EQ(r.rc, 0) << r.text;
      shards += " " + shard;
    }
    r = lrbench("merge" + shards + " --out " + split);
    ASSERT_EQ(r.rc, 0) << r.text;
  }
  EXPECT_EQ(slurp(fs::path(split) / "seeds" / "002.quick-seeds2.json"), slurp(sp_path));
  EXPECT_EQ(records_in(fs::path(split) / "002"), plan.size());
  fs::remove_all(d);
}

TEST(UntilConclusive, UsageErrors) {
  const fs::path d = fs::temp_directory_path() / ("lrbench-until-usage-" + std::to_string(::getpid()));
  fs::remove_all(d);
  const std::string x = " --results " + (d / "x").string();
  EXPECT_EQ(lrbench("run" + kPlan + " --until-conclusive --max-seeds 1" + x).rc, 2);
  EXPECT_EQ(lrbench("run" + kPlan + " --until-conclusive --spending linear" + x).rc, 2);
  EXPECT_EQ(lrbench("run" + kPlan + " --until-conclusive --shard 0/2" + x).rc, 2);
  EXPECT_EQ(lrbench("run" + kPlan + " --plan-only" + x).rc, 2);
  EXPECT_EQ(lrbench("claims " + (d / "x").string() + " --multiplicity sidak").rc, 2);
  EXPECT_EQ(lrbench("claims " + (d / "x").string() + " --table readme").rc, 2);  // needs --format markdown
  EXPECT_FALSE(fs::exists(d));  // nothing was written
}
