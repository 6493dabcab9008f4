// `lrbench run / status / merge / claims` as a user runs them: exit codes and output.
#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <string>

namespace fs = std::filesystem;

namespace {
struct Out {
  int rc;
  std::string text;
};
Out sh(const std::string& args) {
  const std::string cmd = std::string(LRBENCH_EXE) + " " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  std::string text;
  std::array<char, 4096> buf{};
  while (size_t n = fread(buf.data(), 1, buf.size(), p)) text.append(buf.data(), n);
  const int st = pclose(p);
  return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, text};
}
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
  r = sh("claims " + m + plan + " --format markdown");
  EXPECT_EQ(r.rc, 0) << r.text;
  EXPECT_NE(r.text.find("| 002.2 | **refuted** |"), std::string::npos) << r.text;
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
