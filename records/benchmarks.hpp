#pragma once
// Google Benchmark JSON (--benchmark_out=FILE --benchmark_out_format=json,
// library versions 1.5 - 1.8): the one reader of benchmark results in
// lrbench.  `perf-check`, the report's bench figures and the performance
// history all read through it.
//
//   {"context": {"date", "host_name", "executable", "num_cpus", "mhz_per_cpu",
//                "cpu_scaling_enabled", "caches": [{"type", "level", "size",
//                "num_sharing"}], "library_build_type", ...},
//    "benchmarks": [
//      {"name", "run_name", "run_type": "iteration" | "aggregate",
//       "repetitions", "repetition_index", "threads", "iterations",
//       "real_time", "cpu_time", "time_unit": "ns" | "us" | "ms" | "s",
//       "aggregate_name": "mean" | "median" | "stddev" | "cv" | ...,
//       "aggregate_unit": "time" | "percentage",
//       "error_occurred": bool, "error_message"      (<= 1.7)
//       "skipped": "not_skipped" | ..., "skip_message" (>= 1.8)
//       USER_COUNTER: number, ...}, ...]}
//
// Strict: a file that is not valid JSON, holds a number a double cannot
// (1e999), nests deeper than kMaxBenchmarkJsonDepth, or has a field of the wrong type
// or an unknown run_type / time_unit throws BenchmarkFileError naming the
// file and the field.  What is valid Google Benchmark output but not enough
// for a particular use (no repetitions, an empty list) is the caller's to
// judge.  Times are converted to nanoseconds; user counters are every
// numeric field that is not one of Google Benchmark's own.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "records/error.hpp"

namespace lrb::records {

// what(): "FILE: MESSAGE" (MESSAGE names the field, e.g. "benchmarks[3]
// (BM_x): missing the number \"real_time\"").  A FormatError like every
// results file's (exit 3 in the report); perf-check catches it first and
// answers 2, its contract for input that cannot be compared.
struct BenchmarkFileError : FormatError {
  BenchmarkFileError(std::string file, std::string field, const std::string& message);
  std::string file;   // the path as given
  std::string field;  // JSON path of the bad field ("benchmarks[3].real_time"); "" = the file
};

// Google Benchmark's files nest 4 levels (root, context, caches, one cache).
constexpr int kMaxBenchmarkJsonDepth = 32;

enum class RunType { iteration, aggregate };

struct CacheInfo {
  std::string type;  // "Data", "Instruction", "Unified"
  int64_t level = 0, size = 0, num_sharing = 0;
};

// The machine and library a file was measured with; unset fields were not
// in the file.  `raw` keeps the whole object (identity of the machine for a
// performance history, fields a later library version adds).
struct BenchmarkContext {
  std::string date, host_name, executable, library_build_type, library_version;
  std::optional<int64_t> num_cpus;
  std::optional<double> mhz_per_cpu;
  std::optional<bool> cpu_scaling_enabled;
  std::vector<CacheInfo> caches;
  nlohmann::json raw = nlohmann::json::object();
};

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

struct BenchmarkRun {
  std::size_t index = 0;       // position in "benchmarks"
  std::string name;            // "name" (aggregates: "BM_x_mean")
  std::string run_name;        // "run_name", else name: one benchmark across repetitions
  RunType type = RunType::iteration;
  std::string aggregate_name;  // aggregates only
  bool percentage = false;     // aggregate_unit "percentage" (cv): times are ratios
  std::optional<int64_t> repetitions, repetition_index, iterations;
  int64_t threads = 1;         // Google Benchmark's threads (not OpenMP's)
  bool errored = false;        // error_occurred, or skipped != "not_skipped"
  std::string error_message;   // error_message, else skip_message
  std::string label;
  std::string time_unit;       // as written; "" for errored runs without one
  double real_time = kNaN, cpu_time = kNaN;  // as written, in time_unit
  double real_ns = kNaN, cpu_ns = kNaN;      // in ns (NaN: errored or percentage)
  std::map<std::string, double> counters;    // user counters ("flops", "items_per_second", ...)
};

struct BenchmarkFile {
  std::string path;
  BenchmarkContext context;
  std::vector<BenchmarkRun> runs;  // in file order
};

// Reads and validates one file.
BenchmarkFile read_benchmark_file(const std::string& path);
// The same for text already in memory / JSON already parsed (`path` names it
// in errors; JSON parsed elsewhere should have been depth-limited).
BenchmarkFile parse_benchmark_text(std::string_view text, const std::string& path);
BenchmarkFile parse_benchmark_json(const nlohmann::json& j, const std::string& path);

// Google Benchmark's own fields (not user counters).
bool is_standard_field(std::string_view key);

// Nanoseconds per time_unit ("ns" 1, "us" 1e3, "ms" 1e6, "s" 1e9); nullopt
// for anything else.
std::optional<double> ns_per_unit(std::string_view unit);

}  // namespace lrb::records
