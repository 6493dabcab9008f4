// `lrbench study init / check` and `run / claims / status / report --study`
// as a user runs them: the starter study end to end, exit codes, reuse of
// unchanged runs after an edit, and the example studies.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "records/manifest.hpp"
#include "records/verdicts.hpp"
#include "tests/cli_spawn.hpp"

namespace fs = std::filesystem;

namespace {
constexpr auto& sh = lrb::tests::run_lrbench;
std::string read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
void write(const fs::path& p, const std::string& text) { std::ofstream(p) << text; }

struct Scratch {
  fs::path path;
  Scratch() {
    static int n = 0;
    path = fs::temp_directory_path() / ("lrbench-study-cli-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~Scratch() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};
const std::string kSource = LRBENCH_SOURCE_DIR;
}  // namespace

// The README's path: init -> check -> run --quick -> claims -> report, then
// an edit: unchanged runs are reused, the others are new.
TEST(StudyCli, TheStarterStudyRunsEndToEnd) {
  Scratch d;
  const std::string file = (d.path / "my.toml").string(), res = (d.path / "results").string();
  auto r = sh("study init " + file);
  ASSERT_EQ(r.rc, 0) << r.text;
  EXPECT_EQ(read(file), read(kSource + "/examples/studies/starter.toml"));
  EXPECT_EQ(sh("study init " + file).rc, 2);  // exists
  r = sh("study check " + file);
  ASSERT_EQ(r.rc, 0) << r.text;
  EXPECT_NE(r.text.find("4 claims: warmup-helps (better) adam-vs-sgd (equivalent) sgd-fits (threshold) sgd-edge (edge)"),
            std::string::npos)
      << r.text;
  r = sh("run --study " + file + " --quick --threads 2 --progress none --results " + res);
  ASSERT_EQ(r.rc, 0) << r.text;
  // 3 seeds x (sgd, sgd+warmup, adam, 5 sweep LRs) + 4 tuning trials, in two stages of one call.
  EXPECT_NE(r.text.find("runs 28: computed 28"), std::string::npos) << r.text;
  const auto m = lrb::records::read_manifest(fs::path(res) / "manifests" / "my-study.quick.json");
  EXPECT_EQ(m.run_count(), 28u);
  bool tuning = false;
  for (const auto& s : m.sections)
    if (s.title == "Tuning") {
      tuning = true;
      EXPECT_NE(s.items.at(0).find("adam: lr = "), std::string::npos) << s.items.at(0);
      EXPECT_NE(s.items.at(0).find("chosen from logspace(1e-4, 1e-1, 4) by the mean val_loss"), std::string::npos)
          << s.items.at(0);
    }
  EXPECT_TRUE(tuning);
  r = sh("claims " + res + " --study " + file + " --quick");
  ASSERT_EQ(r.rc, 0) << r.text;
  for (const char* id : {"warmup-helps", "adam-vs-sgd", "sgd-fits", "sgd-edge"})
    EXPECT_NE(r.text.find(id), std::string::npos) << r.text;
  EXPECT_EQ(r.text.find("could not be evaluated"), std::string::npos) << r.text;
  EXPECT_EQ(r.text.find("runs missing"), std::string::npos) << r.text;
  const auto v = lrb::records::read_verdicts(fs::path(res) / "verdicts" / "my-study.quick.json");
  EXPECT_EQ(v.claims.size(), 4u);
  r = sh("run --study " + file + " --quick --progress none --results " + res);
  ASSERT_EQ(r.rc, 0) << r.text;
  EXPECT_NE(r.text.find("computed 0, cached 28"), std::string::npos) << r.text;
  r = sh("report --results " + res + " --quick --out " + (d.path / "report").string());
  ASSERT_EQ(r.rc, 0) << r.text;
  EXPECT_NE(read(d.path / "report" / "index.html").find("Warmup and a tuned Adam"), std::string::npos);
  // An edit: the warmup is longer.  Only that arm's runs are new; the old
  // records stay, counted as outside the plan by status.
  write(file, std::regex_replace(read(file), std::regex("warmup:steps=100"), "warmup:steps=200"));
  r = sh("run --study " + file + " --quick --progress none --results " + res);
  ASSERT_EQ(r.rc, 0) << r.text;
  EXPECT_NE(r.text.find("computed 3, cached 25"), std::string::npos) << r.text;
  r = sh("status " + res + " --study " + file + " --quick");
  ASSERT_EQ(r.rc, 0) << r.text;
  EXPECT_TRUE(std::regex_search(r.text, std::regex("my-study +28 +\\d+ +\\d+ +0 +3"))) << r.text;
  r = sh("status " + res + " --study " + file + " --quick --list-other");
  ASSERT_EQ(r.rc, 0) << r.text;
  EXPECT_EQ(std::count(r.text.begin(), r.text.end(), '\n'), 5) << r.text;  // header, one suite, 3 others
  EXPECT_NE(r.text.find("other: my-study sgd+warmup seed 2 ("), std::string::npos) << r.text;
}

TEST(StudyCli, MistakesExitTwoAndNameTheirPlaceMissingDataExitsThree) {
  Scratch d;
  const std::string file = (d.path / "s.toml").string();
  write(file, "id = \"s\"\ntitle = \"t\"\n[train]\nepochz = 3\n[[arm]]\nname = \"a\"\n");
  auto r = sh("study check " + file);
  EXPECT_EQ(r.rc, 2) << r.text;
  EXPECT_NE(r.text.find(file + ":4:1: train.epochz: unknown key; valid keys here:"), std::string::npos) << r.text;
  r = sh("run --study " + file + " --progress none --results " + (d.path / "r").string());
  EXPECT_EQ(r.rc, 2) << r.text;
  EXPECT_FALSE(fs::exists(d.path / "r" / "s"));  // nothing ran
  write(file, "id = \"s\"\ntitle = \"t\"\n[data]\ndataset = \"csv:path=data/missing.csv\"\n[train]\n"
              "model = \"linear:in=3\"\noptimizer = \"sgd\"\n[[arm]]\nname = \"a\"\n");
  r = sh("study check " + file);
  EXPECT_EQ(r.rc, 3) << r.text;
  EXPECT_NE(r.text.find((d.path / "data" / "missing.csv").string()), std::string::npos) << r.text;
  EXPECT_EQ(sh("study check " + (d.path / "nope.toml").string()).rc, 2);
  EXPECT_EQ(sh("study frobnicate").rc, 2);
  EXPECT_EQ(sh("study check --help").rc, 0);
  EXPECT_EQ(sh("run --study " + file + " --suite 007").rc, 2);
}

// Every example study is valid and plans; the CSV one runs (quick) from its
// own folder's data file, whose SHA-256 is in the records.
TEST(StudyCli, TheExampleStudiesCheckAndTheCsvOneRuns) {
  int n = 0;
  for (const auto& e : fs::directory_iterator(kSource + "/examples/studies")) {
    if (e.path().extension() != ".toml") continue;
    const auto r = sh("study check " + e.path().string());
    EXPECT_EQ(r.rc, 0) << e.path() << "\n" << r.text;
    ++n;
  }
  EXPECT_GE(n, 3);
  Scratch d;
  const std::string res = (d.path / "r").string();
  auto r = sh("run --study " + kSource + "/examples/studies/sgd-vs-adam-csv.toml --quick --threads 2 --progress none "
              "--results " + res);
  ASSERT_EQ(r.rc, 0) << r.text;
  r = sh("claims " + res + " --study " + kSource + "/examples/studies/sgd-vs-adam-csv.toml --quick");
  EXPECT_EQ(r.rc, 0) << r.text;
  EXPECT_EQ(r.text.find("could not be evaluated"), std::string::npos) << r.text;
}

// Shards of a study with a tuned arm: each shard runs its share of the plan
// without the tuned arm's final runs; after the merge, `run` on the merged
// directory adds exactly those, and the verdicts equal the unsharded ones.
TEST(StudyCli, ShardsMergeAndASecondRunForTheTunedArms) {
  Scratch d;
  const std::string file = (d.path / "my.toml").string();
  ASSERT_EQ(sh("study init " + file).rc, 0);
  const std::string flags = " --study " + file + " --quick --progress none";
  auto r = sh("run" + flags + " --shard 0/2 --results " + (d.path / "s0").string());
  ASSERT_EQ(r.rc, 0) << r.text;
  EXPECT_NE(r.text.find("merge the shards, then run the chosen values' runs with --batch-of MERGED"),
            std::string::npos)
      << r.text;
  r = sh("run" + flags + " --shard 1/2 --results " + (d.path / "s1").string());
  ASSERT_EQ(r.rc, 0) << r.text;
  const std::string merged = (d.path / "m").string();
  r = sh("merge " + (d.path / "s0").string() + " " + (d.path / "s1").string() + " --out " + merged);
  ASSERT_EQ(r.rc, 0) << r.text;
  EXPECT_NE(r.text.find("merged 25 new records"), std::string::npos) << r.text;  // 28 - adam's 3 final runs
  // Stage 2 sharded too: each shard runs its share of what the merged trials
  // decide (--batch-of) into its stage-1 folder (whose manifest now holds the
  // whole plan); the shards merged into a fresh folder hold every run.
  const std::string merged2 = (d.path / "m2").string();
  int stage2 = 0;
  for (int i = 0; i < 2; ++i) {
    const std::string shard = (d.path / ("s" + std::to_string(i))).string();
    r = sh("run" + flags + " --batch-of " + merged + " --shard " + std::to_string(i) + "/2 --results " + shard);
    ASSERT_EQ(r.rc, 0) << r.text;
    std::smatch m;
    ASSERT_TRUE(std::regex_search(r.text, m, std::regex("runs (\\d+): computed (\\d+), cached 0"))) << r.text;
    stage2 += std::stoi(m[2]);
  }
  EXPECT_EQ(stage2, 3);  // adam's 3 final runs, split over the shards
  r = sh("merge " + (d.path / "s0").string() + " " + (d.path / "s1").string() + " --out " + merged2);
  ASSERT_EQ(r.rc, 0) << r.text;
  r = sh("status " + merged2 + " --study " + file + " --quick");
  EXPECT_TRUE(std::regex_search(r.text, std::regex("my-study +28 +\\d+ +\\d+ +0 +0"))) << r.text;
  r = sh("run" + flags + " --results " + merged);
  ASSERT_EQ(r.rc, 0) << r.text;
  EXPECT_NE(r.text.find("computed 3, cached 25"), std::string::npos) << r.text;
  const std::string whole = (d.path / "w").string();
  ASSERT_EQ(sh("run" + flags + " --threads 2 --results " + whole).rc, 0);
  const std::string plan = " --study " + file + " --quick";
  const auto a = sh("claims " + merged + plan + " --print-only --format json");
  const auto b = sh("claims " + whole + plan + " --print-only --format json");
  ASSERT_EQ(a.rc, 0) << a.text;
  EXPECT_EQ(a.text, b.text);
  // The Slurm scripts name the study by its absolute path.
  r = sh("slurm-script --shards 3" + std::string(" --study ") + file + " --quick --results " +
         (d.path / "slurm").string() + " --lrbench " + LRBENCH_EXE);
  ASSERT_EQ(r.rc, 0) << r.text;
  EXPECT_NE(r.text.find("planned runs 25 over 3 array tasks"), std::string::npos) << r.text;
  const std::string array = read(d.path / "slurm" / "slurm" / "lrbench-array.sh");
  EXPECT_NE(array.find("--study " + fs::absolute(file).string()), std::string::npos) << array;
  // The tuned arm's stage 2 is part of the same submission: a tuning merge,
  // then a second array planned from the merged trials, then the merge.
  EXPECT_NE(r.text.find("stage 2 runs the chosen values' 3 runs over 3 array tasks"), std::string::npos) << r.text;
  const std::string tuning = read(d.path / "slurm" / "slurm" / "lrbench-tuning-merge.sh");
  EXPECT_NE(tuning.find("merge \"${inputs[@]}\" --out \"$results/tuning.new\""), std::string::npos) << tuning;
  const std::string final_array = read(d.path / "slurm" / "slurm" / "lrbench-final-array.sh");
  EXPECT_NE(final_array.find("#SBATCH --array=0-2"), std::string::npos) << final_array;
  EXPECT_NE(final_array.find("--batch-of \"$results/tuning\" --shard \"$task/$shards\""), std::string::npos)
      << final_array;
  EXPECT_NE(r.text.find("job=$(sbatch --parsable --dependency=afterok:$job --kill-on-invalid-dep=yes"),
            std::string::npos)
      << r.text;
  // Without a tuned arm: the two scripts of before, and no stale stage-2 scripts.
  write(file, std::regex_replace(read(file), std::regex("tune = \\{[^}]*\\}"), ""));
  r = sh("slurm-script --shards 3 --study " + file + " --quick --results " + (d.path / "slurm").string() +
         " --lrbench " + LRBENCH_EXE);
  ASSERT_EQ(r.rc, 0) << r.text;
  EXPECT_FALSE(fs::exists(d.path / "slurm" / "slurm" / "lrbench-final-array.sh"));
  EXPECT_FALSE(fs::exists(d.path / "slurm" / "slurm" / "lrbench-tuning-merge.sh"));
}

// A tuned arm chosen by the LR range test: each trial seed's range test runs
// (stage 1), the median suggested LR (in log space) becomes the final runs'
// LR (stage 2), all in one `run`.
TEST(StudyCli, AnLrRangeTunedArmTakesTheMedianSuggestedLr) {
  Scratch d;
  const std::string file = (d.path / "lrr.toml").string(), res = (d.path / "r").string();
  write(file, "id = \"lrr\"\ntitle = \"LR range tuned\"\nseeds = 2\n[data]\n"
              "dataset = \"teacher20:n=200,sigma=0.1\"\n[train]\nmodel = \"linear:in=20\"\n"
              "optimizer = \"sgd:lr=0.01\"\nepochs = 2\nbatch = 32\n[[arm]]\nname = \"sgd\"\n"
              "tune = { by = \"lr_range\", lr_min = 1e-5, lr_max = 10, steps = 60, seeds = 3 }\n");
  auto r = sh("run --study " + file + " --progress none --results " + res);
  ASSERT_EQ(r.rc, 0) << r.text;
  EXPECT_NE(r.text.find("runs 5: computed 5"), std::string::npos) << r.text;  // 3 range tests + 2 final runs
  std::vector<double> logs;
  std::vector<std::string> final_optimizers;
  for (const auto& e : fs::directory_iterator(fs::path(res) / "lrr")) {
    const auto rec = nlohmann::json::parse(read(e.path()));
    if (rec["config"] == "sgd/tune/lr_range") {
      EXPECT_EQ(rec["params"]["kind"], "lr_find");
      logs.push_back(std::log10(rec["final"]["suggested_lr"].get<double>()));
    } else {
      EXPECT_EQ(rec["config"], "sgd");
      final_optimizers.push_back(rec["params"]["optimizer"].get<std::string>());
    }
  }
  ASSERT_EQ(logs.size(), 3u);
  ASSERT_EQ(final_optimizers.size(), 2u);
  std::sort(logs.begin(), logs.end());
  char chosen[64];
  std::snprintf(chosen, sizeof chosen, "%.12g", std::pow(10.0, logs[1]));
  for (const auto& o : final_optimizers) EXPECT_EQ(o.rfind("sgd:lr=" + std::string(chosen) + ",", 0), 0u) << o;
  const auto m = lrb::records::read_manifest(fs::path(res) / "manifests" / "lrr.full.json");
  std::string tuning;
  for (const auto& sec : m.sections)
    if (sec.title == "Tuning") tuning = sec.items.at(0);
  EXPECT_NE(tuning.find("(median over 3 LR range tests of 60 batches, LR 1e-05 -> 10)"), std::string::npos) << tuning;
}

// `slurm-script --study --submit` of a tuned study submits four jobs, each
// afterok the one before (a fake sbatch records its arguments); when a later
// submission fails, the ids already submitted are printed for scancel.
TEST(StudyCli, SlurmSubmitChainsTheTunedStudysFourJobs) {
  Scratch d;
  const std::string file = (d.path / "my.toml").string();
  ASSERT_EQ(sh("study init " + file).rc, 0);
  const fs::path fake = d.path / "sbatch";
  write(fake, "#!/bin/sh\n"
              "n=$(cat \"$0.n\" 2>/dev/null || echo 100)\n"
              "echo $((n + 1)) > \"$0.n\"\n"
              "echo \"$*\" >> \"$0.log\"\n"
              "[ \"$n\" = \"$(cat \"$0.fail\" 2>/dev/null)\" ] && exit 1\n"
              "echo \"$n\"\n");
  fs::permissions(fake, fs::perms::owner_all);
  const std::string cmd = "slurm-script --shards 2 --study " + file + " --quick --results " +
                          (d.path / "res").string() + " --lrbench " + LRBENCH_EXE + " --submit --sbatch " +
                          fake.string();
  auto r = sh(cmd);
  ASSERT_EQ(r.rc, 0) << r.text;
  EXPECT_NE(r.text.find("array_job=100 tuning_merge_job=101 final_array_job=102 merge_job=103"), std::string::npos)
      << r.text;
  const std::string scripts = (d.path / "res" / "slurm").string();
  EXPECT_EQ(read(d.path / "sbatch.log"),
            "--parsable " + scripts + "/lrbench-array.sh\n" +
            "--parsable --dependency=afterok:100 --kill-on-invalid-dep=yes " + scripts + "/lrbench-tuning-merge.sh\n" +
            "--parsable --dependency=afterok:101 --kill-on-invalid-dep=yes " + scripts + "/lrbench-final-array.sh\n" +
            "--parsable --dependency=afterok:102 --kill-on-invalid-dep=yes " + scripts + "/lrbench-merge.sh\n");
  write(d.path / "sbatch.fail", "106\n");  // the third submission of the next chain (104, 105, 106)
  r = sh(cmd);
  EXPECT_EQ(r.rc, 1) << r.text;
  EXPECT_NE(r.text.find("array_job=104 tuning_merge_job=105\n"), std::string::npos) << r.text;
  EXPECT_NE(r.text.find("scancel them"), std::string::npos) << r.text;
}
