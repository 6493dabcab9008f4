// `lrbench run / status / merge / claims` as a user runs them: exit codes and output.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "records/manifest.hpp"
#include "records/results_dir.hpp"
#include "records/verdicts.hpp"
#include "tests/cli_spawn.hpp"

namespace fs = std::filesystem;

namespace {
constexpr auto& sh = lrb::tests::run_lrbench;
}  // namespace

TEST(Cli, RunStatusClaimsMerge) {
  const fs::path d = fs::temp_directory_path() / ("lrbench-cli-suites-" + std::to_string(::getpid()));
  fs::remove_all(d);
  const std::string a = (d / "a").string(), b = (d / "b").string(), m = (d / "m").string();
  const std::string plan = " --suite 002 --quick --seeds 2";
  auto r = sh("run" + plan + " --shard 0/2 --progress none --results " + a);
  ASSERT_EQ(r.rc, 0) << r.text;
  r = sh("run" + plan + " --shard 1/2 --threads 2 --progress none --results " + b);
  ASSERT_EQ(r.rc, 0) << r.text;
  r = sh("claims " + a + plan);
  EXPECT_EQ(r.rc, 0) << r.text;  // missing runs: inconclusive, not an error
  EXPECT_NE(r.text.find("runs missing"), std::string::npos) << r.text;
  r = sh("merge " + a + " " + b + " --out " + m);
  ASSERT_EQ(r.rc, 0) << r.text;
  r = sh("status " + m + plan);
  EXPECT_EQ(r.rc, 0) << r.text;
  EXPECT_NE(r.text.find("002"), std::string::npos);
  r = sh("run" + plan + " --progress none --results " + m);
  EXPECT_EQ(r.rc, 0) << r.text;
  EXPECT_NE(r.text.find("computed 0"), std::string::npos) << r.text;
  // Every shard wrote the suite's whole plan, the same bytes; merge took it over.
  EXPECT_TRUE(fs::exists(fs::path(a) / "manifests" / "002.quick-seeds2.json"));
  EXPECT_EQ(lrb::records::load_manifests(m).size(), 1u);
  EXPECT_FALSE(fs::exists(fs::path(m) / "verdicts"));
  r = sh("claims " + m + plan + " --format markdown --print-only");
  EXPECT_EQ(r.rc, 0) << r.text;
  EXPECT_FALSE(fs::exists(fs::path(m) / "verdicts"));
  r = sh("claims " + m + plan + " --format markdown");
  EXPECT_EQ(r.rc, 0) << r.text;
  EXPECT_NE(r.text.find("| 002.2 | **refuted** |"), std::string::npos) << r.text;
  // The verdicts file holds what was printed, and the records it saw.
  const auto v = lrb::records::read_verdicts(fs::path(m) / "verdicts" / "002.quick-seeds2.json");
  EXPECT_EQ(lrb::records::format_claims(v.claims, lrb::records::ClaimsFormat::markdown), r.text);
  EXPECT_EQ(v.present, v.planned);
  // A corrupt file: claims still prints, exits 3 (a data error); status exits 3.
  for (const auto& e : fs::directory_iterator(fs::path(m) / "002")) {
    std::FILE* f = std::fopen(e.path().c_str(), "w");
    std::fputs("{not json", f);
    std::fclose(f);
    break;
  }
  EXPECT_EQ(sh("claims " + m + plan).rc, 3);
  EXPECT_EQ(sh("status " + m + plan).rc, 3);
  // Usage errors.
  EXPECT_EQ(sh("run --shard 2/2 --results " + a).rc, 2);
  EXPECT_EQ(sh("run --suite 999 --results " + a).rc, 2);
  EXPECT_EQ(sh("claims " + m + " --format html").rc, 2);
  fs::remove_all(d);
}

// Piped into a log (--progress lines): the overall line with the run count
// and ETA, per-worker lines while runs are going, and a final summary.  A
// diverged run (002's lr=0.3 sweep point) is counted, not printed as a line
// of its own; a missing --data-dir is a data error before any run starts.
TEST(Cli, RunProgressLinesAndDataDir) {
  const fs::path d = fs::temp_directory_path() / ("lrbench-cli-progress-" + std::to_string(::getpid()));
  fs::remove_all(d);
  auto r = sh("run --suite 002 --quick --seeds 1 --threads 2 --progress lines --results " + d.string());
  ASSERT_EQ(r.rc, 0) << r.text;
  EXPECT_NE(r.text.find("runs ["), std::string::npos) << r.text;     // the first, overall line
  EXPECT_NE(r.text.find(" ETA "), std::string::npos) << r.text;
  EXPECT_NE(r.text.find("1 diverged"), std::string::npos) << r.text;  // in the summary
  EXPECT_EQ(r.text.find(": diverged\n"), std::string::npos) << r.text;
  r = sh("run --suite 002 --quick --progress none --data-dir " + (d / "absent").string() +
         " --results " + d.string());
  EXPECT_EQ(r.rc, 3) << r.text;
  EXPECT_NE(r.text.find("--data-dir"), std::string::npos) << r.text;
  fs::remove_all(d);
}

// Hostile results files through status, claims and merge: exit 3 naming the
// file (never a crash, never exit 1 with a library's message).
TEST(Cli, DeepForeignAndLoopingRecordsAreDataErrors) {
  const fs::path d = fs::temp_directory_path() / ("lrbench-cli-hostile-" + std::to_string(::getpid()));
  fs::remove_all(d);
  const std::string good = (d / "good").string(), plan = " --suite 002 --quick --seeds 1";
  ASSERT_EQ(sh("run" + plan + " --progress none --results " + good).rc, 0);
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(fs::path(good) / "002")) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  auto slurp = [](const fs::path& p) {
    std::ifstream in(p);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  struct Case {
    const char* name;
    std::function<void(const fs::path& dir, const fs::path& victim)> spoil;
    std::string want;  // in the message, after the file's path
  };
  const std::vector<Case> cases = {
      {"deep",
       [&](const fs::path&, const fs::path& v) {
         std::string t = slurp(v);
         const auto at = t.find("\"final\": ") + 9;
         int depth = 0;
         size_t end = at;
         do depth += t[end] == '{' ? 1 : t[end] == '}' ? -1 : 0; while (++end, depth > 0);
         std::ofstream(v, std::ios::trunc)
             << t.substr(0, at) + std::string(1'000'000, '[') + std::string(1'000'000, ']') + t.substr(end);
       },
       ": nested deeper than 64 levels"},
      {"schema5",
       [&](const fs::path&, const fs::path& v) {
         std::string t = slurp(v);
         const std::string field = "\"schema\": \"lrbench.run/1\"";
         const auto at = t.find(field);
         std::ofstream(v, std::ios::trunc) << t.substr(0, at) + "\"schema\": 5" + t.substr(at + field.size());
       },
       ": schema: expected \"lrbench.run/1\" (a run record of `lrbench run`), found 5"},
      {"loop",
       [&](const fs::path& dir, const fs::path&) {
         fs::create_symlink(dir / "002" / "y.json", dir / "002" / "x.json");
         fs::create_symlink(dir / "002" / "x.json", dir / "002" / "y.json");
       },
       ": cannot be read (Too many levels of symbolic links)"},
  };
  for (const auto& c : cases) {
    const fs::path dir = d / c.name;
    fs::copy(good, dir, fs::copy_options::recursive);
    const fs::path victim = dir / "002" / files.front().filename();
    c.spoil(dir, victim);
    const std::string named = c.name == std::string("loop") ? (dir / "002" / "x.json").string() : victim.string();
    for (const std::string& cmd : {"status " + dir.string() + plan, "claims " + dir.string() + plan,
                                   "merge " + dir.string() + " --out " + (d / (std::string(c.name) + "-m")).string()}) {
      const auto r = sh(cmd);
      EXPECT_EQ(r.rc, 3) << c.name << ": " << cmd << "\n" << r.text.substr(0, 2000);
      EXPECT_NE(r.text.find(named + c.want), std::string::npos) << c.name << ": " << cmd << "\n"
                                                                 << r.text.substr(0, 2000);
    }
    EXPECT_FALSE(fs::exists(dir / "verdicts")) << "claims recorded verdicts of incomplete data";
  }
  fs::remove_all(d);
}
