#pragma once
// The performance history as a library: add -> load -> analyze -> render,
// each a plain function over plain data (tools/lrbench/cmd_perf_history.cpp
// is the thin CLI around it).  The store's files are records/perf_history's;
// the change points are core/changepoint's; calibration normalization is
// perf-check's rule (tools/perfcheck).  docs/perf-history.md is the design.
//
//   add(request);                                     STORE += one commit's runs
//   History h = load_history({.store = "perf"});      the series, in parent order
//   HistoryAnalysis a = analyze(std::move(h), {});    change points, the newest commit
//   std::cout << render_check(a, Format::markdown);   the CI gate's comment
//   history_figures(a) + render_history_page(...)     the report
//
// Errors: UsageError (exit 2: a malformed flag value, a store that does not
// exist or holds nothing, several machines and no --machine) and
// records::FormatError (exit 3: a file that breaks the store's rules; the
// message names it).  Nothing here deletes a file.
#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/changepoint/changepoint.hpp"
#include "records/perf_history.hpp"
#include "reports/figures.hpp"
#include "reports/html.hpp"
#include "tools/perfcheck/perfcheck.hpp"

namespace lrb::perfhistory {

namespace ph = records::perf_history;

struct UsageError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

// ---- add -----------------------------------------------------------------------------

struct AddRequest {
  std::string store;
  std::string commit;                 // 40 or 64 hex digits (upper case is folded)
  std::optional<std::string> parent;  // the first parent; none for a root commit
  std::string time;                   // ISO 8601; "" = now (UTC)
  std::string subject;                // the commit's first line, for the report ("" unknown)
  bool replace = false;               // rewrite the record if the commit is recorded
  // How far (as a fraction, |ln(x / ref)| <= ln(1 + t)) the files' calibrations
  // may lie from their median, and a machine's reference from the record's, and
  // still be one machine.  Stored in machine.json when this add creates the
  // machine, which then uses it for every later record; none = that machine's
  // own, or ph::kDefaultTolerance.  An oversubscribed machine needs more: its
  // calibration swings with the load, which the normalization divides out.
  std::optional<double> tolerance;
  // The CPU model of files whose context names none (benchmark executables
  // built before the calibration added "cpu_model" to the context): without
  // it a history across that commit splits into an "unknown-cpu" machine and
  // the real one.  Filled into such files' context, so their record names it;
  // a file that names a model keeps its own.  perf-history.sh passes this
  // host's (records::cpu_model()), as every commit it records ran here.
  std::optional<std::string> cpu_model;
  std::vector<std::string> files;     // Google Benchmark JSON, >= 1
};
struct AddResult {
  std::string machine;                // the machine id the record went to
  std::string record;                 // its path
  bool new_machine = false, replaced = false;
  std::size_t benchmarks = 0, rows = 0;
  ph::MachineCalibration calibration;  // the record's
  std::vector<std::string> notes;      // e.g. "opened generation 2: calibration ..."
};
// Merges the files' iteration rows into the record of (machine, commit) and
// inserts the commit into that machine's index (docs/perf-history.md §1-2).
// The machine is the identity of the files' context plus the generation whose
// calibration reference the record's calibration matches.  Writes are
// atomic and in the order machine.json, record, index.json, under an
// exclusive lock of the store directory.  Throws UsageError (a malformed
// commit, parent or time; no files) or records::FormatError (a file that is
// not Google Benchmark JSON or lacks iteration rows or the FMA-peak / triad
// calibrations; files from different machines; the commit recorded already
// without `replace`; its parent has another recorded child; a corrupt store)
// -- nothing is written then.
AddResult add(const AddRequest& request);

// ---- load ------------------------------------------------------------------------------

struct CommitInfo {
  std::string commit;
  std::optional<std::string> parent;
  std::string time, subject;
  std::string record;      // its file
  bool after_gap = false;  // commits between it and the one before are not recorded
};

struct BenchmarkSeries {
  std::string name;                  // run_name
  bool calibration = false;          // a calibration benchmark: raw, it measures the machine
  perfcheck::Calib normalized_by = perfcheck::Calib::none;
  // Per commit (CommitInfo order), real_time in ns of every repetition:
  std::vector<std::vector<double>> raw;
  // ... and normalized: raw x (typical / this run's calibration time), where
  // "this run's" is the median of the calibration benchmark in the row's own
  // input file (the record's median if that file has none) and "typical" the
  // median of the records' calibration medians: ns as if every run had seen
  // the history's typical machine.  Calibration rows and Calib::none: raw.
  std::vector<std::vector<double>> values;
  std::vector<std::size_t> errored;  // per commit: repetitions that reported an error
};

struct History {
  std::string store;
  ph::MachineFile machine;
  std::vector<std::string> machines;  // every machine id in the store
  std::vector<CommitInfo> commits;    // parent order, oldest first
  std::vector<BenchmarkSeries> benchmarks;  // first seen first (oldest commit first)
  std::vector<std::string> records;   // the record files read, in commit order
  std::vector<std::string> warnings;  // unlisted record files, benchmarks that changed calibration
};

struct LoadOptions {
  std::string store;
  std::string machine;                    // "" = the store's only machine
  std::optional<perfcheck::NamePattern> filter;  // benchmarks (calibrations are always kept)
  std::size_t last = 0;                   // only the newest N commits (0 = all)
};
History load_history(const LoadOptions& options);

// ---- analyze ------------------------------------------------------------------------------

struct AnalysisOptions {
  changepoint::DetectOptions detect;  // the history's change points
  changepoint::NewestOptions newest;  // the gate (alpha, min_relative_change, min_history)
};

// What the newest commit did to one benchmark.
enum class NewestState { unchanged, regression, improvement, insufficient_history, absent, error };
const char* to_string(NewestState s);  // "unchanged", ..., "insufficient-history", "absent", "error"

struct BenchmarkAnalysis {
  std::size_t series = 0;              // index into History::benchmarks
  changepoint::Analysis analysis;      // of the normalized values (calibrations: raw)
  changepoint::NoiseModel raw_noise;   // of the raw times: what normalization removed
  NewestState newest_state = NewestState::absent;
  changepoint::NewestCheck newest;     // valid unless absent / error
  std::vector<double> level;           // per commit: exp(commit level), NaN without data
  std::vector<double> segment_level;   // per commit: its segment's level (median of levels)
};

struct HistoryAnalysis {
  History history;
  AnalysisOptions options;
  std::vector<BenchmarkAnalysis> benchmarks;  // History::benchmarks order
  std::size_t regressions = 0, improvements = 0, errors = 0, unchanged = 0, insufficient = 0, absent = 0;
  // The gate: the newest commit starts a significant regression in some
  // non-calibration benchmark, or one of them reported an error there.
  bool regression() const { return regressions > 0 || errors > 0; }
};
HistoryAnalysis analyze(History history, const AnalysisOptions& options);

// ---- render ------------------------------------------------------------------------------

// Commit links: "{sha}" in the template is replaced by the full commit id
// ("" = no links).  Throws UsageError for a template without "{sha}".
struct Links {
  std::string commit_url;
  std::string url(const std::string& sha) const;
};
void validate(const Links& links);

// `lrbench perf-history check`: the newest commit's verdict per benchmark,
// then the change points of the history (text, a markdown pull-request
// comment, or JSON for tools).
std::string render_check(const HistoryAnalysis& a, perfcheck::Format format, const Links& links);

// One figure per benchmark: every repetition, the commit levels, the segment
// levels, a marker at each change point; x = the commit's position.
std::vector<reports::Figure> history_figures(const HistoryAnalysis& a);
// The page: regressions table, the newest commit, noise, one chart per
// benchmark with its change points and commit ranges linked, the commits.
std::string render_history_page(const HistoryAnalysis& a, const std::vector<reports::Figure>& figures,
                                 const reports::WebAssets& assets, const reports::PageInfo& info,
                                 const Links& links);

// ---- pieces, for tests ----------------------------------------------------------------------
std::string short_sha(const std::string& sha);    // first 12 characters
std::string format_change(double relative);       // "+12.3 %"

}  // namespace lrb::perfhistory
