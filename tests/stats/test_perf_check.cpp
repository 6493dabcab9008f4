// `lrbench perf-check` as a CI script sees it: exit statuses, the summary
// line, messages naming the file.  Inputs are small synthetic Google
// Benchmark JSON files (and run records) written by the test itself: this
// tests the comparator, not any real kernel.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct Result {
  int status = -1;
  std::string out, err;
};

std::string slurp(const fs::path& p) {
  std::ifstream f(p);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// A scratch directory per test.
fs::path scratch() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  const fs::path dir = fs::path(LRBENCH_BINARY_DIR) / "test_perf_check_tmp" /
                       (std::string(info->test_suite_name()) + "." + info->name() + "." +
                        std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

Result run(const std::string& args) {
  static int counter = 0;
  const fs::path base = fs::path(LRBENCH_BINARY_DIR) / "test_perf_check_tmp" /
                        ("r" + std::to_string(getpid()) + "_" + std::to_string(counter++));
  fs::create_directories(base.parent_path());
  const std::string cmd = std::string(LRBENCH_EXE) + " perf-check " + args + " >" +
                          base.string() + ".out 2>" + base.string() + ".err";
  const int raw = std::system(cmd.c_str());
  Result r;
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  r.out = slurp(base.string() + ".out");
  r.err = slurp(base.string() + ".err");
  fs::remove(base.string() + ".out");
  fs::remove(base.string() + ".err");
  return r;
}

std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }

// Repetition-to-repetition noise of +-0.8 %, two different orders so that
// "the same" baseline and contender are not bit-identical samples.
const std::vector<double> kNoiseA = {1.000, 1.004, 0.996, 1.008, 0.992, 1.002, 0.998, 1.006, 0.994};
const std::vector<double> kNoiseB = {0.997, 1.001, 1.007, 0.993, 1.003, 0.999, 1.005, 0.995, 1.000};

struct Bench {
  std::string name;
  double time;            // in `unit`
  std::string unit = "us";
  std::string counter;    // "", "bytes_per_second" or "flops"
};

// One Google Benchmark 1.7-style file: every repetition as run_type
// "iteration", followed by the mean/median/stddev aggregates.
json gb_file(const std::vector<Bench>& benches, const std::vector<double>& noise,
             double scale = 1.0, size_t reps = 9, bool iterations = true,
             const std::string& host = "ci-runner") {
  json list = json::array();
  for (const Bench& b : benches) {
    for (size_t i = 0; i < reps && iterations; ++i) {
      const double t = b.time * scale * noise[i % noise.size()];
      json e = {{"name", b.name},        {"family_index", 0},  {"per_family_instance_index", 0},
                {"run_name", b.name},    {"run_type", "iteration"}, {"repetitions", reps},
                {"repetition_index", i}, {"threads", 1},       {"iterations", 1000},
                {"real_time", t},        {"cpu_time", t * 0.98}, {"time_unit", b.unit}};
      if (!b.counter.empty()) e[b.counter] = 1e9 / t;
      list.push_back(e);
    }
    for (const char* agg : {"mean", "median", "stddev"}) {
      list.push_back({{"name", b.name + "_" + agg}, {"run_name", b.name},
                      {"run_type", "aggregate"}, {"repetitions", reps},
                      {"aggregate_name", agg}, {"aggregate_unit", "time"},
                      {"real_time", b.time * scale}, {"cpu_time", b.time * scale},
                      {"time_unit", b.unit}});
    }
  }
  return {{"context", {{"host_name", host}, {"cpu_scaling_enabled", false}}},
          {"benchmarks", list}};
}

std::string write(const fs::path& p, const json& j) {
  std::ofstream(p) << j.dump(1);
  return p.string();
}

std::vector<Bench> kernels(double adam_factor = 1.0) {
  return {{"BM_adam_update/1048576", 1200.0 * adam_factor, "us", "bytes_per_second"},
          {"BM_sgd_update/1048576", 400.0, "us", "bytes_per_second"},
          {"BM_matmul/256", 2.5, "ms", "flops"}};
}

std::vector<Bench> calibration() {
  return {{"lrb::bench::BM_calib_fma_peak/real_time", 10.0, "ms", "flops"},
          {"lrb::bench::BM_calib_stream_copy/real_time", 60.0, "ms", "bytes_per_second"},
          {"lrb::bench::BM_calib_stream_triad/real_time", 80.0, "ms", "bytes_per_second"}};
}

std::vector<Bench> with_calibration(std::vector<Bench> b) {
  for (const auto& c : calibration()) b.push_back(c);
  return b;
}

std::string pair_args(const std::string& a, const std::string& b) {
  return "--baseline " + a + " --contender " + b;
}

}  // namespace

TEST(PerfCheck, HelpExitsZeroAndDocumentsBothModes) {
  const Result r = run("--help");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("usage: lrbench perf-check"), std::string::npos);
  EXPECT_NE(r.out.find("--convergence"), std::string::npos);
  EXPECT_NE(r.out.find("exit status"), std::string::npos);
}

TEST(PerfCheck, SameDistributionExitsZero) {
  const fs::path d = scratch();
  const auto a = write(d / "a.json", gb_file(kernels(), kNoiseA));
  const auto b = write(d / "b.json", gb_file(kernels(), kNoiseB));
  const Result r = run(pair_args(a, b));
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_EQ(first_line(r.out).rfind("perf-check: 0 slower, 0 faster, 3 unchanged", 0), 0u)
      << r.out;
  // Identical files too (every value tied across the samples: p = 1).
  EXPECT_EQ(run(pair_args(a, a)).status, 0);
}

TEST(PerfCheck, TwentyPercentSlowerExitsOneAndSaysWhich) {
  const fs::path d = scratch();
  const auto a = write(d / "a.json", gb_file(kernels(), kNoiseA));
  const auto b = write(d / "b.json", gb_file(kernels(1.2), kNoiseB));
  const Result r = run(pair_args(a, b) + " --format markdown");
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  EXPECT_EQ(first_line(r.out).rfind("**perf-check: 1 slower, 0 faster, 2 unchanged**", 0), 0u)
      << r.out;
  EXPECT_NE(r.out.find("| `BM_adam_update/1048576` |"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("**slower**"), std::string::npos);
  // Below the threshold it is not a regression.
  EXPECT_EQ(run(pair_args(a, b) + " --threshold 25%").status, 0);
  // Faster is never a failure.
  const Result f = run(pair_args(b, a));
  EXPECT_EQ(f.status, 0) << f.out;
  EXPECT_EQ(first_line(f.out).rfind("perf-check: 0 slower, 1 faster, 2 unchanged", 0), 0u);
  // --filter leaves the slow benchmark out.
  EXPECT_EQ(run(pair_args(a, b) + " --filter sgd").status, 0);
}

TEST(PerfCheck, JsonReportIsMachineReadable) {
  const fs::path d = scratch();
  const auto a = write(d / "a.json", gb_file(kernels(), kNoiseA));
  const auto b = write(d / "b.json", gb_file(kernels(1.2), kNoiseB));
  const Result r = run(pair_args(a, b) + " --format json");
  ASSERT_EQ(r.status, 1) << r.err;
  const json j = json::parse(r.out);
  EXPECT_EQ(j["summary"]["slower"], 1);
  EXPECT_EQ(j["summary"]["regression"], true);
  EXPECT_EQ(j["benchmarks"][0]["verdict"], "slower");
  EXPECT_NEAR(j["benchmarks"][0]["ratio"].get<double>(), 1.2, 0.02);
  EXPECT_LT(j["benchmarks"][0]["p_value"].get<double>(), 0.05);
}

TEST(PerfCheck, TimeUnitsAreConverted) {
  const fs::path d = scratch();
  std::vector<Bench> ns = kernels();
  for (auto& b : ns) {
    b.time *= b.unit == "ms" ? 1e6 : 1e3;
    b.unit = "ns";
  }
  const auto a = write(d / "a.json", gb_file(kernels(), kNoiseA));
  const auto b = write(d / "b.json", gb_file(ns, kNoiseB));
  const Result r = run(pair_args(a, b));
  EXPECT_EQ(r.status, 0) << r.out << r.err;
}

TEST(PerfCheck, BadInputIsADataError) {
  const fs::path d = scratch();
  const auto a = write(d / "a.json", gb_file(kernels(), kNoiseA));
  const std::string bad = (d / "bad.json").string();
  std::ofstream(bad) << "{\"benchmarks\": [ {\"name\": ";
  Result r = run(pair_args(a, bad));
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find(bad + ": not valid JSON"), std::string::npos) << r.err;

  r = run(pair_args(a, (d / "missing.json").string()));
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("missing.json: cannot open"), std::string::npos) << r.err;

  const auto not_gb = write(d / "not_gb.json", json{{"results", json::array()}});
  r = run(pair_args(a, not_gb));
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("not a Google Benchmark JSON file"), std::string::npos) << r.err;

  json no_unit = gb_file(kernels(), kNoiseB);
  no_unit["benchmarks"][0].erase("time_unit");
  r = run(pair_args(a, write(d / "no_unit.json", no_unit)));
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("missing the string \"time_unit\""), std::string::npos) << r.err;
}

TEST(PerfCheck, NoCommonBenchmarksIsADataError) {
  const fs::path d = scratch();
  const auto a = write(d / "a.json", gb_file(kernels(), kNoiseA));
  const auto b = write(d / "b.json", gb_file({{"BM_other", 5.0, "us", ""}}, kNoiseB));
  const Result r = run(pair_args(a, b));
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("no benchmark is in both"), std::string::npos) << r.err;
}

TEST(PerfCheck, OnlyAggregatesIsADataError) {
  const fs::path d = scratch();
  const auto a = write(d / "a.json", gb_file(kernels(), kNoiseA));
  const auto b = write(d / "b.json", gb_file(kernels(), kNoiseB, 1.0, 9, /*iterations=*/false));
  const Result r = run(pair_args(a, b));
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find(b + ": holds only aggregates"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--benchmark_repetitions"), std::string::npos);
}

TEST(PerfCheck, CalibrationCancelsAMachineTwiceAsSlow) {
  const fs::path d = scratch();
  const auto a = write(d / "a.json", gb_file(with_calibration(kernels()), kNoiseA, 1.0, 9,
                                             true, "fast-box"));
  const auto b = write(d / "b.json", gb_file(with_calibration(kernels()), kNoiseB, 2.0, 9,
                                             true, "slow-box"));
  const Result raw = run(pair_args(a, b));
  EXPECT_EQ(raw.status, 1) << raw.out;
  EXPECT_EQ(first_line(raw.out).rfind("perf-check: 3 slower", 0), 0u) << raw.out;
  EXPECT_NE(raw.out.find("different hosts"), std::string::npos);

  const Result norm = run(pair_args(a, b) + " --normalize calibration");
  EXPECT_EQ(norm.status, 0) << norm.out << norm.err;
  EXPECT_EQ(first_line(norm.out).rfind("perf-check: 0 slower, 0 faster, 3 unchanged", 0), 0u)
      << norm.out;
  // The calibration rows show the machine difference but never fail.
  EXPECT_NE(norm.out.find("machine slower (calibration)"), std::string::npos) << norm.out;

  // A real 20 % slowdown still shows through the normalization.
  const auto c = write(d / "c.json", gb_file(with_calibration(kernels(1.2)), kNoiseB, 2.0));
  EXPECT_EQ(run(pair_args(a, c) + " --normalize calibration").status, 1);
}

TEST(PerfCheck, CalibrationProblemsAreDataErrors) {
  const fs::path d = scratch();
  const auto a = write(d / "a.json", gb_file(with_calibration(kernels()), kNoiseA));
  // No calibration benchmarks in the contender's file.
  const auto b = write(d / "b.json", gb_file(kernels(), kNoiseB));
  Result r = run(pair_args(a, b) + " --normalize calibration");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find(b + ": has no BM_calib_stream_triad"), std::string::npos) << r.err;
  // Counters that would pick different calibrations on the two sides.
  std::vector<Bench> changed = with_calibration(kernels());
  changed[0].counter = "flops";
  const auto c = write(d / "c.json", gb_file(changed, kNoiseB));
  r = run(pair_args(a, c) + " --normalize calibration");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("BM_adam_update/1048576 reports counters"), std::string::npos) << r.err;
  // ... which an explicit rule resolves.
  r = run(pair_args(a, c) + " --normalize calibration --calibration-for 'adam=triad'");
  EXPECT_EQ(r.status, 0) << r.err;
}

TEST(PerfCheck, TooFewRepetitionsAreUntestableNotPassing) {
  const fs::path d = scratch();
  const auto a = write(d / "a.json", gb_file(kernels(), kNoiseA, 1.0, 3));
  const auto b = write(d / "b.json", gb_file(kernels(1.5), kNoiseB, 1.0, 3));
  const Result r = run(pair_args(a, b));
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(first_line(r.out).rfind("perf-check: 0 slower, 0 faster, 0 unchanged, 3 untestable", 0),
            0u)
      << r.out;
  EXPECT_NE(r.out.find("too few repetitions"), std::string::npos);
  // Two rounds of 3 repetitions per side pool to 6 vs 6: now it is detected.
  const auto a2 = write(d / "a2.json", gb_file(kernels(), kNoiseB, 1.0, 3));
  const auto b2 = write(d / "b2.json", gb_file(kernels(1.5), kNoiseA, 1.0, 3));
  EXPECT_EQ(run("--baseline " + a + " " + a2 + " --contender " + b + " " + b2).status, 1);
}

TEST(PerfCheck, BenchmarkErroringOnlyInContenderFails) {
  const fs::path d = scratch();
  const auto a = write(d / "a.json", gb_file(kernels(), kNoiseA));
  json broken = gb_file(kernels(), kNoiseB);
  for (auto& e : broken["benchmarks"]) {
    if (e["name"] == "BM_sgd_update/1048576") {
      e["error_occurred"] = true;
      e["error_message"] = "NaN in the update";
    }
  }
  const Result r = run(pair_args(a, write(d / "b.json", broken)));
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_NE(first_line(r.out).find("1 errored"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("NaN in the update"), std::string::npos);
}

TEST(PerfCheck, UsageErrorsExitTwo) {
  const fs::path d = scratch();
  const auto a = write(d / "a.json", gb_file(kernels(), kNoiseA));
  const std::string ab = pair_args(a, a);
  struct Case {
    std::string args, message;
  };
  for (const Case& c : std::vector<Case>{
           {ab + " --threshold 0", "--threshold must be a percentage in (0, 100)"},
           {ab + " --threshold 150%", "--threshold must be a percentage in (0, 100)"},
           {ab + " --threshold 5x", "--threshold must be a percentage"},
           {ab + " --alpha 2", "--alpha must be in (0, 0.5]"},
           {ab + " --format xml", "--format must be text, markdown or json"},
           {ab + " --metric wall", "--metric must be real_time or cpu_time"},
           {ab + " --normalize cpu", "--normalize must be none or calibration"},
           {ab + " --calibration-for x=triad", "--calibration-for needs --normalize calibration"},
           {ab + " --normalize calibration --calibration-for x=gpu", "KIND must be fma"},
           {ab + " --filter '('", "--filter '(' is not a valid regex"},
           {ab + " --filter nomatch", "--filter matches no benchmark"},
           {"--baseline " + a, "contender"},
           {ab + " --bogus", "unrecognised option"},
       }) {
    const Result r = run(c.args);
    EXPECT_EQ(r.status, 2) << c.args << "\n" << r.out << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << c.args << ": " << r.err;
  }
}

// ---- convergence mode ----------------------------------------------------------------------

namespace {

void write_record(const fs::path& dir, const std::string& suite, const json& config, int seed,
                  const std::string& status, const json& final_metrics) {
  fs::create_directories(dir);
  json r = {{"suite", suite}, {"config", config}, {"seed", seed}, {"status", status},
            {"final", final_metrics}};
  std::ofstream(dir / (suite + "_" + std::to_string(seed) + ".json")) << r.dump();
}

const double kAcc[] = {0.91, 0.90, 0.92, 0.89, 0.905};

}  // namespace

TEST(PerfCheckConvergence, AccuracyDropOverSeedsIsWorse) {
  const fs::path d = scratch();
  for (int s = 0; s < 5; ++s) {
    write_record(d / "base", "lr_range", "adam", s, "ok",
                 {{"test_accuracy", kAcc[s]}, {"train_loss", 0.3 - 0.01 * s}});
    write_record(d / "same", "lr_range", "adam", s, "ok",
                 {{"test_accuracy", kAcc[s] + 0.004 * (s % 2 ? 1 : -1)},
                  {"train_loss", 0.3 - 0.01 * s}});
    write_record(d / "drop", "lr_range", "adam", s, "ok",
                 {{"test_accuracy", kAcc[s] - 0.03 + 0.002 * s}, {"train_loss", 0.3 - 0.01 * s}});
  }
  const std::string base = (d / "base").string();
  Result r = run("--convergence --baseline " + base + " --contender " + (d / "same").string());
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_EQ(first_line(r.out).rfind("perf-check: 0 worse, 0 better, 2 unchanged", 0), 0u) << r.out;

  r = run("--convergence --format markdown --baseline " + base + " --contender " +
          (d / "drop").string());
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  EXPECT_EQ(first_line(r.out).rfind("**perf-check: 1 worse, 0 better, 1 unchanged**", 0), 0u)
      << r.out;
  EXPECT_NE(r.out.find("paired t"), std::string::npos) << r.out;
  // A 3 % drop is under a 5 % threshold.
  EXPECT_EQ(run("--convergence --threshold 5% --baseline " + base + " --contender " +
                (d / "drop").string())
                .status,
            0);
}

TEST(PerfCheckConvergence, MoreDivergedRunsIsWorse) {
  const fs::path d = scratch();
  for (int s = 0; s < 5; ++s) {
    write_record(d / "base", "warmup", json{{"warmup", 5}}, s, "ok", {{"test_accuracy", kAcc[s]}});
    write_record(d / "cont", "warmup", json{{"warmup", 5}}, s, s == 2 ? "diverged" : "ok",
                 {{"test_accuracy", kAcc[s]}});
  }
  const Result r = run("--convergence --baseline " + (d / "base").string() + " --contender " +
                       (d / "cont").string());
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("runs with status ok"), std::string::npos);
  EXPECT_NE(r.out.find("4/5"), std::string::npos);
}

TEST(PerfCheckConvergence, BadRecordsAreDataErrors) {
  const fs::path d = scratch();
  for (int s = 0; s < 3; ++s) write_record(d / "base", "a", "c", s, "ok", {{"test_accuracy", 0.9}});
  const std::string base = (d / "base").string();
  // Duplicate seed (two files, same suite/config/seed).
  write_record(d / "dup", "a", "c", 1, "ok", {{"test_accuracy", 0.9}});
  std::ofstream(d / "dup" / "again.json")
      << json{{"suite", "a"}, {"config", "c"}, {"seed", 1}, {"status", "ok"},
              {"final", {{"test_accuracy", 0.8}}}}
             .dump();
  Result r = run("--convergence --baseline " + base + " --contender " + (d / "dup").string());
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("seed 1 of a / c is already in"), std::string::npos) << r.err;
  // Missing field.
  fs::create_directories(d / "noseed");
  std::ofstream(d / "noseed" / "r.json") << R"({"suite": "a", "config": "c", "status": "ok"})";
  r = run("--convergence --baseline " + base + " --contender " + (d / "noseed").string());
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("r.json: run record has no \"seed\""), std::string::npos) << r.err;
  // Empty directory.
  fs::create_directories(d / "empty");
  r = run("--convergence --baseline " + base + " --contender " + (d / "empty").string());
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("holds no *.json run records"), std::string::npos) << r.err;
  // Benchmark-only flags.
  r = run("--convergence --metric cpu_time --baseline " + base + " --contender " + base);
  EXPECT_EQ(r.status, 2);
}

// ---- hostile input (issue: no input crashes perf-check or makes it lie) ------------------

TEST(PerfCheckHostile, LongNamesWithACatchAllFilter) {
  // libstdc++'s recursive std::regex overflowed its stack on a 30,000-character name.
  const fs::path d = scratch();
  const std::string name = "BM_" + std::string(30000, 'x');
  const auto a = write(d / "a.json", gb_file({{name, 100.0, "us", ""}}, kNoiseA));
  const auto b = write(d / "b.json", gb_file({{name, 100.0, "us", ""}}, kNoiseB));
  const Result r = run(pair_args(a, b) + " --filter '.*'");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(first_line(r.out).rfind("perf-check: 0 slower, 0 faster, 1 unchanged", 0), 0u);
  // RE2 syntax: a backreference is a usage error, not a crash.
  EXPECT_EQ(run(pair_args(a, b) + " --filter '(x)\\1'").status, 2);
}

TEST(PerfCheckHostile, NumbersADoubleCannotHoldAreBadInput) {
  const fs::path d = scratch();
  const auto a = write(d / "a.json", gb_file(kernels(), kNoiseA));
  const std::string big = (d / "big.json").string();
  std::ofstream(big) << R"({"benchmarks": [{"name": "BM_sgd_update/1048576", "run_type": "iteration",
                           "real_time": 1e999, "cpu_time": 1, "time_unit": "us"}]})";
  const Result r = run(pair_args(a, big));
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_NE(r.err.find(big + ": holds a number a double cannot"), std::string::npos) << r.err;
  // Nesting a Google Benchmark file never has.
  const std::string deep = (d / "deep.json").string();
  std::ofstream(deep) << std::string(100000, '[') << std::string(100000, ']');
  const Result n = run(pair_args(a, deep));
  EXPECT_EQ(n.status, 2) << n.err;
  EXPECT_NE(n.err.find("nests deeper than"), std::string::npos) << n.err;
}

TEST(PerfCheckHostile, HugeAccuraciesAreNotUnchanged) {
  const fs::path d = scratch();
  for (int s = 0; s < 5; ++s) {
    write_record(d / "base", "s", "c", s, "ok", {{"test_accuracy", 1e308 * (1 - 0.01 * s)}});
    write_record(d / "cont", "s", "c", s, "ok", {{"test_accuracy", -1e308 * (1 - 0.01 * s)}});
  }
  const Result r = run("--convergence --baseline " + (d / "base").string() + " --contender " +
                       (d / "cont").string());
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  EXPECT_EQ(first_line(r.out).rfind("perf-check: 1 worse, 0 better, 0 unchanged", 0), 0u) << r.out;
}
