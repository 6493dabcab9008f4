// The lrbench command as a user's script sees it: exit statuses, messages on
// stderr, CSV on stdout, atomic --out.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/spec/spec.hpp"

namespace {

struct Result {
  int status = -1;
  std::string out, err;
};

std::string slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Runs `lrbench ARGS`, capturing stdout and stderr separately.
Result run(const std::string& args) {
  static int counter = 0;
  const auto dir = std::filesystem::path(LRBENCH_BINARY_DIR) / "test_cli_tmp";
  std::filesystem::create_directories(dir);
  const std::string base = (dir / ("r" + std::to_string(getpid()) + "_" +
                                   std::to_string(counter++))).string();
  const std::string cmd = std::string(LRBENCH_EXE) + " " + args + " >" + base + ".out 2>" +
                          base + ".err";
  const int raw = std::system(cmd.c_str());
  Result r;
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  r.out = slurp(base + ".out");
  r.err = slurp(base + ".err");
  std::filesystem::remove(base + ".out");
  std::filesystem::remove(base + ".err");
  return r;
}

std::vector<std::vector<std::string>> csv_rows(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::stringstream ss(text);
  std::string line;
  while (std::getline(ss, line)) {
    std::vector<std::string> cells;
    std::stringstream ls(line);
    std::string cell;
    while (std::getline(ls, cell, ',')) cells.push_back(cell);
    if (!line.empty() && line.back() == ',') cells.emplace_back();
    rows.push_back(cells);
  }
  return rows;
}

double num(const std::string& s) { return *lrb::spec::to_double(s); }

}  // namespace

TEST(Cli, HelpEverywhereExitsZero) {
  for (const char* args : {"--help", "help", "list --help", "trace --help", "help trace"}) {
    Result r = run(args);
    EXPECT_EQ(r.status, 0) << args << ": " << r.err;
    EXPECT_NE(r.out.find("usage: lrbench"), std::string::npos) << args;
  }
}

TEST(Cli, UsageErrorsExitTwoWithOneLine) {
  struct Case {
    const char* args;
    const char* message;
  } cases[] = {
      {"", "usage: lrbench"},
      {"frobnicate", "unknown command 'frobnicate'"},
      {"trace --bogus", "unrecognised option '--bogus'"},
      {"trace --steps -3", "--steps must be in [1, 1e8], got -3"},
      {"trace --steps 1e3x", "steps"},
      {"trace --dtype half", "--dtype must be float32 or float64, got 'half'"},
      {"trace --optimizer adam:lr=-1", "lr"},
      {"trace --optimizer adam:lr=0.1,foo=1", "unknown parameter 'foo'"},
      {"trace --optimizer nosuch", "nosuch"},
      {"trace --schedule step_lr:step_size=0", "step_size"},
      {"trace --problem rosenbrock --x0 1,2,3", "--x0 needs 2 values"},
      {"trace --problem sphere", "unknown problem 'sphere'"},
      {"trace --optimizer 'chain:transforms=[scale_by_adam]'", "needs exactly one scale_by_lr"},
      {"trace --optimizer 'chain:transforms=[scale_by_lr,nosuch]'", "unknown transform 'nosuch'"},
  };
  for (const auto& c : cases) {
    Result r = run(c.args);
    EXPECT_EQ(r.status, 2) << c.args << ": " << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << c.args << ": " << r.err;
    EXPECT_TRUE(r.out.empty()) << c.args;
  }
}

TEST(Cli, TraceWritesTheDocumentedCsv) {
  Result r = run("trace --problem linreg002 --optimizer gd:lr=0.01 --steps 1000 --dtype float64");
  ASSERT_EQ(r.status, 0) << r.err;
  auto rows = csv_rows(r.out);
  ASSERT_EQ(rows.size(), 1002u);  // header + start + 1000 updates
  EXPECT_EQ(rows[0], (std::vector<std::string>{"step", "lr", "loss", "x0"}));
  EXPECT_EQ(rows[1][0], "0");
  EXPECT_EQ(rows[1][1], "");  // no update has run at the start
  EXPECT_EQ(num(rows[1][2]), 30.0);  // (1/4) * sum (2j)^2 = 30 at theta = 0
  EXPECT_EQ(num(rows[2][1]), 0.01);
  // Tutorial 002: |theta - 2| < 1e-6 first at iteration 187 in float64.
  int first = -1;
  for (size_t i = 2; i < rows.size() && first < 0; ++i)
    if (std::fabs(num(rows[i][3]) - 2.0) < 1e-6) first = std::stoi(rows[i][0]);
  EXPECT_EQ(first, 187);
}

TEST(Cli, TraceLrColumnFollowsTheSchedule) {
  Result r = run("trace --problem quadratic --dim 3 --optimizer sgd:lr=1 "
                 "--schedule step_lr:step_size=2,gamma=0.5 --steps 5 --dtype float64");
  ASSERT_EQ(r.status, 0) << r.err;
  auto rows = csv_rows(r.out);
  ASSERT_EQ(rows.size(), 7u);
  EXPECT_EQ(rows[0].size(), 6u);  // step,lr,loss,x0,x1,x2
  const double expected[] = {1, 1, 0.5, 0.5, 0.25};
  for (int t = 1; t <= 5; ++t) EXPECT_EQ(num(rows[t + 1][1]), expected[t - 1]) << t;
}

TEST(Cli, DivergedRunKeepsRowsAndExitsFour) {
  Result r = run("trace --problem quadratic --optimizer sgd:lr=10 --steps 2000 --dtype float32");
  EXPECT_EQ(r.status, 4) << r.err;
  EXPECT_NE(r.err.find("diverged at step"), std::string::npos) << r.err;
  auto rows = csv_rows(r.out);
  ASSERT_GT(rows.size(), 3u);
  ASSERT_LT(rows.size(), 2002u);
  EXPECT_FALSE(std::isfinite(num(rows.back()[2])));
}

TEST(Cli, OutFileIsWrittenWhole) {
  const auto path = (std::filesystem::path(LRBENCH_BINARY_DIR) / "test_cli_tmp" / "t.csv").string();
  std::filesystem::remove(path);
  Result r = run("trace --problem rosenbrock --optimizer adam:lr=0.01 --steps 50 --out " + path);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(r.out.empty());
  auto rows = csv_rows(slurp(path));
  EXPECT_EQ(rows.size(), 52u);
  EXPECT_EQ(rows[1][3], "-1.5");
  EXPECT_EQ(rows[1][4], "2");
  for (const auto& e : std::filesystem::directory_iterator(std::filesystem::path(path).parent_path()))
    EXPECT_EQ(e.path().string().find(".tmp."), std::string::npos) << "leftover " << e.path();
}

TEST(Cli, ListNamesEveryOptimizerAndSchedule) {
  Result r = run("list");
  ASSERT_EQ(r.status, 0) << r.err;
  for (const char* name :
       {"gd", "sgd", "ema_momentum", "rmsprop", "adagrad", "adam", "adamw", "nadam", "adamax",
        "adadelta", "rmsprop_tutorial001", "step_lr", "multi_step_lr", "exponential_lr",
        "linear_lr", "polynomial_lr", "cosine_annealing_lr", "cosine_annealing_warm_restarts",
        "cyclic_lr", "one_cycle_lr", "reduce_lr_on_plateau", "sequential_lr",
        "chained_scheduler", "exponential_decay", "piecewise_constant_decay", "polynomial_decay",
        "inverse_time_decay", "cosine_decay", "cosine_decay_restarts", "quadratic", "rosenbrock",
        "linreg002"})
    EXPECT_NE(r.out.find(name), std::string::npos) << name;
  Result j = run("list --format json");
  ASSERT_EQ(j.status, 0) << j.err;
  EXPECT_EQ(j.out.front(), '{');
  // The chain's transforms, with their parameters, in both forms.
  for (const char* name : {"CHAIN", "scale_by_adam", "clip_by_global_norm", "eps_root", "scale_by_lr"})
    EXPECT_NE(r.out.find(name), std::string::npos) << name;
  EXPECT_NE(j.out.find("\"transforms\""), std::string::npos);
  EXPECT_NE(j.out.find("\"add_decayed_weights\""), std::string::npos);
}

// A chain is an optimizer spec like any other: its chain spelling of SGD with
// momentum gives SGD's rows (the same bits: chain.hpp).
TEST(Cli, TraceTakesAChain) {
  const std::string rest = " --problem quadratic --dim 3 --schedule step_lr:step_size=2,gamma=0.5 "
                           "--steps 20 --dtype float64";
  Result a = run("trace --optimizer sgd:lr=0.1,momentum=0.9" + rest);
  Result b = run("trace --optimizer 'chain:lr=0.1,transforms=[trace(decay=0.9),scale_by_lr]'" + rest);
  ASSERT_EQ(a.status, 0) << a.err;
  ASSERT_EQ(b.status, 0) << b.err;
  EXPECT_EQ(a.out, b.out);
}
