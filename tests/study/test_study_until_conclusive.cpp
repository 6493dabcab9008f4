// `lrbench run --until-conclusive --study FILE` end to end on a tiny
// synthetic study with a tuned arm: the tuning's two stages come first, then
// the sequential looks add seeds to the final arms the claims read (never to
// the tuning trials); `claims --study` judges over the recorded looks; and
// the same procedure split into --plan-only looks and sharded --batch-of
// batches, merged, ends in the same seed plan and records.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "records/seed_plan.hpp"
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

// Two SGD arms 1 % apart in LR (a small, real difference that two seeds
// cannot decide) and an Adam arm far below a threshold; "sgd" has its LR
// tuned (2 trials).  Plan: 2 trials + 3 arms x 2 seeds.
const char* kStudy = R"(format = 1
id = "tiny-seq"
title = "Sequential seeds on a study"
question = "Does SGD at LR 0.0101 beat SGD at its tuned LR?"
seeds = 2

[data]
dataset = "teacher20:n=200,sigma=0.1"
val_fraction = 0.2
test_fraction = 0.2

[train]
model = "linear:in=20"
optimizer = "sgd:lr=0.01"
epochs = 3
batch = 32

[[arm]]
name = "sgd"
tune = { param = "lr", values = [0.003, 0.01], metric = "val_loss", epochs = 1 }

[[arm]]
name = "sgd2"
lr = 0.0101

[[arm]]
name = "adam"
optimizer = "adam:lr=0.01"

[[claim]]
id = "close"
statement = "SGD at LR 0.0101 reaches a lower test loss than at the tuned LR"
kind = "better"
metric = "test_loss"
baseline = "sgd"
contender = "sgd2"

[[claim]]
id = "fits"
statement = "Adam fits: test loss below 100"
kind = "threshold"
metric = "test_loss"
arm = "adam"
op = "<"
value = 100
)";

const std::string kDesign = " --max-seeds 6 --batch 2";

}  // namespace

TEST(StudyUntilConclusive, TunesFirstThenGrowsTheFinalArmsAndShardsTheSame) {
  const fs::path d = fs::temp_directory_path() / ("lrbench-study-until-" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  const std::string file = (d / "tiny.toml").string(), one = (d / "one").string(), split = (d / "split").string();
  std::ofstream(file) << kStudy;
  const std::string plan = " --study " + file;

  // A look before the tuning has chosen is refused (nothing to judge yet).
  auto r = lrbench("run" + plan + " --until-conclusive --plan-only" + kDesign + " --progress none --results " + one);
  EXPECT_EQ(r.rc, 1) << r.text;
  EXPECT_NE(r.text.find("tuned arms have no choice yet"), std::string::npos) << r.text;

  // ---- the whole loop on one machine ----
  r = lrbench("run" + plan + " --until-conclusive" + kDesign + " --progress none --results " + one);
  ASSERT_EQ(r.rc, 0) << r.text;
  EXPECT_NE(r.text.find("runs 8: computed 8"), std::string::npos) << r.text;  // the two stages
  EXPECT_NE(r.text.find("look 1: suite tiny-seq: 2 paired tests: 0 decided, 2 continue"), std::string::npos)
      << r.text;
  const fs::path sp_path = fs::path(one) / "seeds" / "tiny-seq.full.json";
  ASSERT_TRUE(fs::exists(sp_path)) << r.text;
  const auto sp = lrb::records::read_seed_plan(sp_path);
  EXPECT_EQ(sp.design.max_seeds, 6);
  EXPECT_EQ(sp.design.family_size, 2);
  ASSERT_EQ(sp.tests.size(), 2u);
  int grown = 0;
  for (const auto& t : sp.tests) {
    EXPECT_NE(t.state, "continue") << t.claim;
    ASSERT_FALSE(t.looks.empty()) << t.claim;
    EXPECT_EQ(t.looks.front(), 2) << t.claim;  // the study's own seeds
    EXPECT_LE(t.looks.back(), 6) << t.claim;
    grown += t.looks.size() > 1;
  }
  EXPECT_GT(grown, 0) << "no test took a second look: the study does not exercise the loop";
  // Seeds go to the final arms the claims read, never to the tuning trials.
  ASSERT_FALSE(sp.configs.empty());
  for (const auto& [config, n] : sp.configs) {
    EXPECT_EQ(config.find("/tune/"), std::string::npos) << config;
    EXPECT_GT(n, 2) << config;
  }
  // status and the manifest plan the grown seeds; every planned run has its record.
  r = lrbench("status " + one + plan);
  ASSERT_EQ(r.rc, 0) << r.text;
  int64_t planned = 2;  // the tuning trials
  for (const auto& [config, n] : sp.configs) planned += n;
  EXPECT_NE(r.text.find("tiny-seq " + std::string(8 - std::to_string(planned).size(), ' ') + std::to_string(planned)),
            std::string::npos)
      << r.text;
  EXPECT_EQ(records_in(fs::path(one) / "tiny-seq"), static_cast<size_t>(planned));
  // claims judges both tests over the sequential looks.
  r = lrbench("claims " + one + plan + " --format json");
  ASSERT_EQ(r.rc, 0) << r.text;
  const json rows = json::parse(r.text);
  ASSERT_EQ(rows.size(), 2u);
  for (const auto& row : rows) {
    EXPECT_EQ(row["statistics"]["procedure"]["sequential"], true) << row["id"];
    EXPECT_EQ(row["statistics"]["tests"][0]["sequential"]["max_seeds"], 6) << row["id"];
  }
  // Rerunning the loop finds everything done.
  r = lrbench("run" + plan + " --until-conclusive" + kDesign + " --progress none --results " + one);
  ASSERT_EQ(r.rc, 0) << r.text;
  EXPECT_NE(r.text.find("runs computed 0"), std::string::npos) << r.text;

  // ---- a look at a time, each batch in two shards, merged ----
  r = lrbench("run" + plan + " --progress none --results " + split);
  ASSERT_EQ(r.rc, 0) << r.text;
  for (int look = 0;; ++look) {
    ASSERT_LT(look, 10) << "the looks never end";
    r = lrbench("run" + plan + " --until-conclusive --plan-only" + kDesign + " --progress none --results " + split);
    ASSERT_EQ(r.rc, 0) << r.text;
    if (r.text.find("nothing left") != std::string::npos) break;
    std::string shards;
    for (int s = 0; s < 2; ++s) {
      const std::string shard = (d / ("shard" + std::to_string(s))).string();
      fs::remove_all(shard);
      r = lrbench("run" + plan + " --batch-of " + split + " --shard " + std::to_string(s) +
                  "/2 --progress none --results " + shard);
      ASSERT_EQ(r.rc, 0) << r.text;
      shards += " " + shard;
    }
    r = lrbench("merge" + shards + " --out " + split);
    ASSERT_EQ(r.rc, 0) << r.text;
  }
  EXPECT_EQ(slurp(fs::path(split) / "seeds" / "tiny-seq.full.json"), slurp(sp_path));
  EXPECT_EQ(records_in(fs::path(split) / "tiny-seq"), static_cast<size_t>(planned));
  fs::remove_all(d);
}
