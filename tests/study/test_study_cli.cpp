// `lrbench study init / check` and `run / claims / status / report --study`
// as a user runs them: the starter study end to end, exit codes, reuse of
// unchanged runs after an edit, and the example studies.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

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
  EXPECT_NE(r.text.find("merge the shards, then run again"), std::string::npos) << r.text;
  r = sh("run" + flags + " --shard 1/2 --results " + (d.path / "s1").string());
  ASSERT_EQ(r.rc, 0) << r.text;
  const std::string merged = (d.path / "m").string();
  r = sh("merge " + (d.path / "s0").string() + " " + (d.path / "s1").string() + " --out " + merged);
  ASSERT_EQ(r.rc, 0) << r.text;
  EXPECT_NE(r.text.find("merged 25 new records"), std::string::npos) << r.text;  // 28 - adam's 3 final runs
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
}
