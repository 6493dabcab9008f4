// records/benchmarks: the one Google Benchmark JSON reader.  What it takes
// from real files (1.7 and 1.8 layouts), and that every malformed input is a
// BenchmarkFileError naming the file and the field -- never a crash, an
// exception of another type, or a silently wrong number.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>

#include "records/benchmarks.hpp"

namespace {

using namespace lrb::records;
using nlohmann::json;

// A Google Benchmark 1.7 file as `--benchmark_out_format=json` writes it.
const char* kFile17 = R"({
  "context": {
    "date": "2024-05-01T10:00:00+00:00", "host_name": "box", "executable": "./bench_optim",
    "num_cpus": 2, "mhz_per_cpu": 2445, "cpu_scaling_enabled": false,
    "caches": [{"type": "Data", "level": 1, "size": 32768, "num_sharing": 1}],
    "load_avg": [0.5, 0.4, 0.3], "library_build_type": "release"
  },
  "benchmarks": [
    {"name": "BM_adam/1024/real_time", "family_index": 0, "per_family_instance_index": 0,
     "run_name": "BM_adam/1024/real_time", "run_type": "iteration", "repetitions": 2,
     "repetition_index": 0, "threads": 1, "iterations": 5000, "real_time": 1.5,
     "cpu_time": 1.4, "time_unit": "us", "bytes_per_second": 2.5e9, "omp_threads": 2},
    {"name": "BM_adam/1024/real_time", "run_name": "BM_adam/1024/real_time",
     "run_type": "iteration", "repetitions": 2, "repetition_index": 1, "threads": 1,
     "iterations": 5000, "real_time": 1.6, "cpu_time": 1.5, "time_unit": "us",
     "bytes_per_second": 2.4e9, "omp_threads": 2},
    {"name": "BM_adam/1024/real_time_median", "run_name": "BM_adam/1024/real_time",
     "run_type": "aggregate", "repetitions": 2, "threads": 1, "aggregate_name": "median",
     "aggregate_unit": "time", "iterations": 2, "real_time": 1.55, "cpu_time": 1.45,
     "time_unit": "us", "bytes_per_second": 2.45e9},
    {"name": "BM_adam/1024/real_time_cv", "run_name": "BM_adam/1024/real_time",
     "run_type": "aggregate", "aggregate_name": "cv", "aggregate_unit": "percentage",
     "iterations": 2, "real_time": 0.04, "cpu_time": 0.05, "time_unit": "us"},
    {"name": "BM_broken", "run_name": "BM_broken", "run_type": "iteration", "repetitions": 1,
     "repetition_index": 0, "threads": 1, "iterations": 0, "real_time": 0, "cpu_time": 0,
     "time_unit": "ns", "error_occurred": true, "error_message": "NaN in the update"}
  ]
})";

TEST(BenchmarkReader, ReadsARealFile) {
  const BenchmarkFile f = parse_benchmark_text(kFile17, "f.json");
  EXPECT_EQ(f.path, "f.json");
  EXPECT_EQ(f.context.host_name, "box");
  EXPECT_EQ(f.context.num_cpus, 2);
  EXPECT_EQ(f.context.mhz_per_cpu, 2445.0);
  EXPECT_EQ(f.context.cpu_scaling_enabled, false);
  ASSERT_EQ(f.context.caches.size(), 1u);
  EXPECT_EQ(f.context.caches[0].size, 32768);
  EXPECT_EQ(f.context.raw["load_avg"].size(), 3u);  // kept for what the reader does not model
  ASSERT_EQ(f.runs.size(), 5u);

  const BenchmarkRun& r = f.runs[1];
  EXPECT_EQ(r.index, 1u);
  EXPECT_EQ(r.type, RunType::iteration);
  EXPECT_EQ(r.run_name, "BM_adam/1024/real_time");
  EXPECT_EQ(r.repetition_index, 1);
  EXPECT_EQ(r.iterations, 5000);
  EXPECT_EQ(r.real_time, 1.6);
  EXPECT_EQ(r.real_ns, 1.6 * 1e3);
  EXPECT_EQ(r.cpu_ns, 1.5 * 1e3);
  // User counters only: Google Benchmark's own numeric fields are not counters.
  EXPECT_EQ(r.counters.size(), 2u);
  EXPECT_EQ(r.counters.at("bytes_per_second"), 2.4e9);
  EXPECT_EQ(r.counters.at("omp_threads"), 2.0);

  EXPECT_EQ(f.runs[2].type, RunType::aggregate);
  EXPECT_EQ(f.runs[2].aggregate_name, "median");
  EXPECT_EQ(f.runs[2].real_ns, 1550.0);
  EXPECT_TRUE(f.runs[3].percentage);  // cv: a ratio, not a time
  EXPECT_TRUE(std::isnan(f.runs[3].real_ns));
  EXPECT_EQ(f.runs[3].real_time, 0.04);

  EXPECT_TRUE(f.runs[4].errored);
  EXPECT_EQ(f.runs[4].error_message, "NaN in the update");
  EXPECT_TRUE(std::isnan(f.runs[4].real_ns));
}

TEST(BenchmarkReader, Reads18SkippedRunsAndOldAggregates) {
  const BenchmarkFile f = parse_benchmark_text(R"({"benchmarks": [
    {"name": "BM_a", "run_type": "iteration", "skipped": "error_occurred", "skip_message": "no GPU"},
    {"name": "BM_b", "run_type": "iteration", "skipped": "not_skipped", "real_time": 2,
     "cpu_time": 2, "time_unit": "s"},
    {"name": "BM_b_mean", "aggregate_name": "mean", "real_time": 2, "cpu_time": 2, "time_unit": "ms"}
  ]})", "g.json");
  ASSERT_EQ(f.runs.size(), 3u);
  EXPECT_TRUE(f.runs[0].errored);
  EXPECT_EQ(f.runs[0].error_message, "no GPU");
  EXPECT_FALSE(f.runs[1].errored);
  EXPECT_EQ(f.runs[1].real_ns, 2e9);
  EXPECT_EQ(f.runs[1].run_name, "BM_b");  // no run_name: the name
  EXPECT_EQ(f.runs[2].type, RunType::aggregate);  // no run_type but an aggregate_name (< 1.5)
  EXPECT_EQ(f.runs[2].threads, 1);
}

// The error for `text`: its file, field and message.
BenchmarkFileError error_of(const std::string& text) {
  try {
    parse_benchmark_text(text, "bad.json");
  } catch (const BenchmarkFileError& e) {
    return e;
  }
  ADD_FAILURE() << "no error for " << text.substr(0, 200);
  return BenchmarkFileError("", "", "");
}

std::string one_run(const std::string& fields) {
  return R"({"benchmarks": [{"name": "BM_x", "run_type": "iteration", )" + fields + "}]}";
}
const std::string kTimes = R"("real_time": 1, "cpu_time": 1, "time_unit": "ns")";

TEST(BenchmarkReader, MalformedInputNamesTheFileAndTheField) {
  struct Case {
    std::string text, field, message;
  };
  const std::vector<Case> cases = {
      {"{\"benchmarks\": [", "", "bad.json: not valid JSON"},
      {one_run(R"("real_time": 1e999, "cpu_time": 1, "time_unit": "ns")"), "",
       "bad.json: holds a number a double cannot"},
      {std::string(40, '[') + std::string(40, ']'), "", "nests deeper than 32 levels"},
      {R"({"benchmarks": 3})", "benchmarks", "not a Google Benchmark JSON file"},
      {R"([1, 2])", "benchmarks", "not a Google Benchmark JSON file"},
      {R"({"benchmarks": [7]})", "benchmarks[0]", "bad.json: benchmarks[0] is not an object"},
      {R"({"benchmarks": [{"run_type": "iteration"}]})", "benchmarks[0].name",
       "benchmarks[0] has no string \"name\""},
      {one_run(R"("run_name": 5, )" + kTimes), "benchmarks[0].run_name", "\"run_name\" is not a string"},
      {R"({"benchmarks": [{"name": "BM_x", "run_type": "weird"}]})", "benchmarks[0].run_type",
       "benchmarks[0] (BM_x): unknown run_type \"weird\""},
      {R"({"benchmarks": [{"name": "BM_x", "run_type": 1}]})", "benchmarks[0].run_type",
       "\"run_type\" is not a string"},
      {one_run(R"("cpu_time": 1, "time_unit": "ns")"), "benchmarks[0].real_time",
       "benchmarks[0] (BM_x): missing the number \"real_time\""},
      {one_run(R"("real_time": "1", "cpu_time": 1, "time_unit": "ns")"), "benchmarks[0].real_time",
       "missing the number \"real_time\""},
      {one_run(R"("real_time": 1, "cpu_time": 1)"), "benchmarks[0].time_unit",
       "missing the string \"time_unit\""},
      {one_run(R"("real_time": 1, "cpu_time": 1, "time_unit": "min")"), "benchmarks[0].time_unit",
       "unknown time_unit \"min\" (expected ns, us, ms or s)"},
      {one_run(R"("threads": 0, )" + kTimes), "benchmarks[0].threads", "\"threads\" must be >= 1"},
      {one_run(R"("iterations": 2.5, )" + kTimes), "benchmarks[0].iterations", "is not a whole number"},
      {one_run(R"("iterations": 18446744073709551615, )" + kTimes), "benchmarks[0].iterations",
       "is not a whole number"},
      {one_run(R"("error_occurred": "yes", )" + kTimes), "benchmarks[0].error_occurred",
       "is not true or false"},
      {R"({"benchmarks": [{"name": "BM_x", "run_type": "aggregate", "real_time": 1,
          "cpu_time": 1, "time_unit": "ns"}]})",
       "benchmarks[0].aggregate_name", "an aggregate without the string \"aggregate_name\""},
      {R"({"context": {"host_name": 5}, "benchmarks": []})", "context.host_name",
       "bad.json: context: \"host_name\" is not a string"},
      {R"({"context": [], "benchmarks": []})", "context", "\"context\" is not an object"},
      {R"({"context": {"caches": [3]}, "benchmarks": []})", "context.caches[0]",
       "context.caches[0] is not an object"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text.substr(0, 120));
    const BenchmarkFileError e = error_of(c.text);
    EXPECT_EQ(e.file, "bad.json");
    EXPECT_EQ(e.field, c.field);
    EXPECT_NE(std::string(e.what()).find(c.message), std::string::npos) << e.what();
  }
}

TEST(BenchmarkReader, FilesThatCannotBeRead) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(LRBENCH_BINARY_DIR) / "test_benchmarks_tmp";
  fs::create_directories(dir);
  try {
    read_benchmark_file((dir / "missing.json").string());
    ADD_FAILURE();
  } catch (const BenchmarkFileError& e) {
    EXPECT_NE(std::string(e.what()).find("missing.json: cannot open"), std::string::npos) << e.what();
  }
  EXPECT_THROW(read_benchmark_file(dir.string()), BenchmarkFileError);
  std::ofstream(dir / "ok.json") << kFile17;
  EXPECT_EQ(read_benchmark_file((dir / "ok.json").string()).runs.size(), 5u);
}

TEST(BenchmarkReader, UserCounterNamedThreadsShadowsTheField) {
  // Google Benchmark writes user counters after its own fields; lrbench's
  // calibrations once had a counter "threads", so the row holds the key twice
  // and the parser keeps the counter's floating-point value (real files of
  // this repository's history).
  const BenchmarkFile f = parse_benchmark_text(
      one_run(R"("threads": 1, "iterations": 10, "real_time": 41.4, "cpu_time": 3.4, "time_unit": "ms", )"
              R"("flops": 6.5e9, "threads": 2.0000000000000000e+00)"),
      "old.json");
  ASSERT_EQ(f.runs.size(), 1u);
  EXPECT_EQ(f.runs[0].threads, 1);
  EXPECT_EQ(f.runs[0].counters.at("threads"), 2.0);
  EXPECT_EQ(f.runs[0].counters.at("flops"), 6.5e9);
  // A whole number is still the field, checked as before.
  EXPECT_EQ(parse_benchmark_text(one_run(R"("threads": 4, )" + kTimes), "new.json").runs[0].threads, 4);
}

TEST(BenchmarkReader, EmptyListIsValidFormat) {
  // Whether an empty list is enough is the caller's rule (perf-check refuses it).
  EXPECT_TRUE(parse_benchmark_text(R"({"benchmarks": []})", "e.json").runs.empty());
  EXPECT_TRUE(is_standard_field("real_time"));
  EXPECT_FALSE(is_standard_field("flops"));
  EXPECT_EQ(ns_per_unit("ms"), 1e6);
  EXPECT_FALSE(ns_per_unit("min").has_value());
}

}  // namespace
