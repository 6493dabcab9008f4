#pragma once
// The report's model: what `lrbench report` reads (results records, lr-find
// files, Google Benchmark JSON) and the figures it derives from them.  A
// report is a pure function of those files: nothing here trains or runs.
//
//   RESULTS/<suite>/<address>.json   records (suites/runner.hpp, lrbench.run/1)
//   RESULTS/lr-find/*.json           LR range tests: {"lr":[...], "loss":[...],
//                                    "smoothed":[...], "suggested_lr": x, "rule": "..."}
//   BENCH/**/*.json                  Google Benchmark JSON (tools/bench.sh)
//
// Budget: per suite, the plan (suites::plan_runs) the records match best:
// quick or full, whichever plan holds more of the suite's records (a tie goes
// to the smaller plan), with seeds = 1 + the largest seed found.  `quick` and
// `seeds` in ReportOptions force them.
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "reports/figures.hpp"
#include "suites/runner.hpp"

namespace lrb::reports {

using nlohmann::json;

// An input file that cannot be used: the message names the path, what was
// expected and what was found.  `lrbench report` exits 3 (data error).
struct ReportDataError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct RecordRef {
  const json* record = nullptr;
  std::string path;
};

struct SuiteReport {
  std::string id, title;
  const suites::Suite* suite = nullptr;
  suites::Budget budget;
  std::string budget_note;  // how the budget was chosen, one sentence
  std::vector<suites::RunSpec> plan;
  int expected = 0, ok = 0, diverged = 0, missing = 0, other = 0;
  std::map<std::string, std::vector<RecordRef>> by_config;  // planned records, seeds ascending
  std::vector<std::string> config_order;                    // configs in plan order
  std::vector<suites::ClaimRow> claims;
};

struct JsonFile {
  std::string name;  // file stem (suite range tests: "<suite> <config> seed <k>")
  std::string path;
  json data;
};

struct Report {
  std::string results_dir, bench_dir;
  suites::LoadedResults loaded;
  std::vector<SuiteReport> suites;
  std::vector<JsonFile> lr_find;  // RESULTS/lr-find/*.json by name, then suite range-test runs
  std::vector<JsonFile> bench;    // BENCH/**/*.json with a "benchmarks" array
  json provenance;                // summary over every planned record (see summarize_provenance)
};

struct ReportOptions {
  std::string results_dir{};
  std::string bench_dir{};    // empty: no bench section data
  std::optional<bool> quick;  // unset: inferred per suite
  int seeds = 0;              // 0: inferred per suite
};

// Reads everything.  Throws ReportDataError naming the file for a corrupt
// record, lr-find or bench file, and for a results directory that does not exist.
Report load_report(const ReportOptions& options);

// {"commits": [...], "compilers": [...], "cxx_flags": [...], "cpus": [...],
//  "threads": [...], "libraries": {name: [versions]}, "date_first", "date_last",
//  "datasets": [{"what", "sha256"}], "records": n}
json summarize_provenance(const Report& r);

// Every figure the data allows, in page order: per suite, then lr-find, then bench.
std::vector<Figure> build_figures(const Report& r);
// The figures of one suite (exposed for tests).
std::vector<Figure> suite_figures(const SuiteReport& s);
std::vector<Figure> lr_find_figures(const std::vector<JsonFile>& files);
std::vector<Figure> bench_figures(const std::vector<JsonFile>& files);

// "3 of 15 runs missing" style one-liners for the gaps of the report.
std::vector<std::string> gaps(const Report& r);

// SHA-256 (hex) over the bytes of `paths` in the given order; throws
// ReportDataError when one cannot be read.
std::string files_sha256(const std::vector<std::string>& paths);
std::string read_file(const std::string& path);  // throws ReportDataError

}  // namespace lrb::reports
