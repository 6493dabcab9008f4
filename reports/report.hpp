#pragma once
// The report's model: what `lrbench report` reads and the figures it derives
// from it.  A report is a pure function of results files (records/): nothing
// here trains, runs, plans or knows a suite.
//
//   RESULTS/manifests/<suite>.<budget>.json   what each suite is and its plan,
//                                             with every config's declared factors
//   RESULTS/<suite>/<address>.json            run records (lrbench.run/1)
//   RESULTS/verdicts/<suite>.<budget>.json    claim verdicts of `lrbench claims`
//   RESULTS/lr-find/*.json                    LR range tests (lrbench.lr_find/1)
//   BENCH/**/*.json                           Google Benchmark JSON (tools/bench.sh)
//
// Budget: per suite, the manifest whose plan the records match best (a tie
// goes to the smaller plan).  `quick` and `seeds` in ReportOptions restrict
// the choice to manifests of that budget.  Verdicts computed from other
// records than those present now, or for another plan, are shown as stale.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "records/manifest.hpp"
#include "records/results_dir.hpp"
#include "records/verdicts.hpp"
#include "reports/figures.hpp"

namespace lrb::reports {

using nlohmann::json;

struct RecordRef {
  const json* record = nullptr;
  std::string path;
};

struct SuiteReport {
  std::string id, title;
  records::Manifest manifest;  // texts, claims' statements, plan, factors
  std::string budget_note;     // which manifest and why, one sentence
  int expected = 0, ok = 0, diverged = 0, missing = 0, other = 0;
  std::map<std::string, std::vector<RecordRef>> by_config;  // planned records, seeds ascending
  std::vector<std::string> config_order;                    // configs in plan order
  std::map<std::string, records::Factors> factors;          // config -> its declared factors
  std::vector<records::ClaimVerdict> claims;                // from the verdicts file
  std::string claims_note;  // empty, or why the verdicts are missing or stale
};

struct JsonFile {
  std::string name;  // file stem (suite range tests: "<suite> <config> seed <k>")
  std::string path;
  json data;
};

struct Report {
  std::string results_dir, bench_dir;
  records::LoadedResults loaded;
  std::vector<SuiteReport> suites;
  std::vector<std::string> unplanned;  // gaps: suites with records but no usable manifest
  std::vector<JsonFile> lr_find;  // RESULTS/lr-find/*.json by name, then suite range-test runs
  std::vector<JsonFile> bench;    // BENCH/**/*.json with a "benchmarks" array
  json provenance;                // summary over every planned record (see summarize_provenance)
};

struct ReportOptions {
  std::string results_dir{};
  std::string bench_dir{};    // empty: no bench section data
  std::optional<bool> quick{};  // unset: any budget
  int seeds = 0;              // 0: any
};

// Reads everything.  Throws records::FormatError naming the file for a
// corrupt record, manifest, verdicts, lr-find or bench file, and for a
// results directory that does not exist.
Report load_report(const ReportOptions& options);

// {"commits": [...], "compilers": [...], "cxx_flags": [...], "cpus": [...],
//  "threads": [...], "libraries": {name: [versions]}, "date_first", "date_last",
//  "datasets": [{"what", "sha256"}], "records": n}
json summarize_provenance(const Report& r);

// Every figure the data allows, in page order: per suite, then lr-find, then bench.
std::vector<Figure> build_figures(const Report& r);
// The figures of one suite (exposed for tests).
std::vector<Figure> suite_figures(const SuiteReport& s);
// Dolan-More performance profiles of a suite's optimizers at their best LR,
// with the AlgoPerf score and bootstrap bands over seeds (profile_figures.cpp);
// none when the suite declares no optimizer x problem x lr sweep.
std::optional<Figure> performance_profile(const SuiteReport& s);
// Per-configuration figures (study_figures.cpp): the final test metrics of
// `configs` (a study's arms) with every seed, and each tuned arm's trials
// (score vs the tuned value, the choice marked).  A study's tuning trials
// (factor stage = "tuning") are drawn there only.
std::vector<Figure> final_metric_figures(const SuiteReport& s, const std::vector<std::string>& configs);
std::vector<Figure> tuning_figures(const SuiteReport& s);
bool is_tuning_trial(const SuiteReport& s, const std::string& config);
std::vector<Figure> lr_find_figures(const std::vector<JsonFile>& files);
std::vector<Figure> bench_figures(const std::vector<JsonFile>& files);

// "3 of 15 runs missing" style one-liners for the gaps of the report.
std::vector<std::string> gaps(const Report& r);
// Claims whose verdict is "error" (could not be evaluated), over all suites.
int claim_errors(const Report& r);

// SHA-256 (hex) over the bytes of `paths` in the given order; throws
// records::FormatError when one cannot be read.
std::string files_sha256(const std::vector<std::string>& paths);

}  // namespace lrb::reports
