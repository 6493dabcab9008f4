#pragma once
// perf-check as a library: read -> compare -> render, each a plain function
// over plain data, so every decision is testable without the binary
// (tools/lrbench/cmd_perf_check.cpp is the thin CLI around it).
//
// Benchmark mode compares Google Benchmark JSON files repetition by
// repetition with a Mann-Whitney U test (core/stats), optionally normalizing
// every time by the machine's own calibration benchmark measured in the same
// file.  Convergence mode compares final metrics of run records over seeds
// with Welch's (or, when the seeds match, the paired) t interval.
//
//   Side base = read_side("baseline", paths);               read
//   BenchComparison c = compare_benchmarks(base, cont, o);  compare
//   std::cout << render(c, Format::text);                   render
//   return c.regression() ? 1 : 0;
//
// Errors: InputError (a file that cannot be compared: exit 2 in the CLI,
// which CI scripts read as "cannot compare") and FilterMatchesNothing (a
// usage mistake).  Names are matched with RE2 (linear time, no recursion:
// a 30,000-character benchmark name is harmless).
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/stats/stats.hpp"
#include "records/benchmarks.hpp"

namespace re2 {
class RE2;
}

namespace lrb::perfcheck {

// An input that cannot be compared (unreadable, invalid, inconsistent).
struct InputError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// A --filter that selects nothing: the flag, not the files, is wrong.
struct FilterMatchesNothing : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// A pattern RE2 cannot compile; what() is RE2's reason.
struct PatternError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// An RE2 pattern searched anywhere in a name (as std::regex_search would).
class NamePattern {
 public:
  explicit NamePattern(const std::string& pattern);  // throws PatternError
  bool search(std::string_view text) const;
  const std::string& text() const { return text_; }

 private:
  std::string text_;
  std::shared_ptr<const re2::RE2> re_;
};

enum class Format { text, markdown, json };

// Calibration benchmarks (bench/calibration) and the kinds they normalize.
enum class Calib { none, fma, triad, copy };
const char* calib_name(Calib c);       // "fma", "triad", "copy", "none"
const char* calib_benchmark(Calib c);  // "BM_calib_fma_peak", ... ("" for none)
// The counter that holds a calibration's measured rate: "flops" (fma),
// "bytes_per_second" (triad, copy).
const char* calib_rate_counter(Calib c);
// The calibration a benchmark name is ("lrb::bench::BM_calib_fma_peak/real_time" -> fma).
Calib calibration_kind(std::string_view name);
// r is a repetition of calibration c (an iteration row that did not error).
bool is_calib_repetition(const records::BenchmarkRun& r, Calib c);
// That repetition's measured rate (its calib_rate_counter), when positive and finite.
std::optional<double> calib_rate(const records::BenchmarkRun& r, Calib c);
// The rates of calibration c's repetitions among rows [begin, end) of f
// (every row by default), in row order.
std::vector<double> calib_rates(const records::BenchmarkFile& f, Calib c, size_t begin = 0,
                                size_t end = SIZE_MAX);

// The calibration a benchmark's user counters call for: "flops" -> fma (a
// compute-bound kernel), "bytes_per_second" -> triad (memory-bound), else none.
Calib calibration_for_counters(const std::set<std::string>& counters);

struct CalibRule {
  NamePattern pattern;  // first rule whose pattern matches the name wins
  Calib calib = Calib::none;
};

struct Options {
  std::vector<std::string> baseline, contender;  // files (convergence: dirs or files)
  double threshold = 0.05;  // smallest change that counts, a fraction (convergence: 0 = none)
  double alpha = 0.05;      // intervals at 1 - alpha
  bool cpu_time = false;    // benchmarks: cpu_time instead of real_time
  bool normalize = false;   // benchmarks: divide by the file's calibration median
  std::vector<CalibRule> calib_rules;
  std::optional<NamePattern> filter;  // benchmarks: names; convergence: "suite/config"
};

// ---- read: benchmark mode ---------------------------------------------------

// Everything one side knows about one benchmark (by run_name).
struct KeyInfo {
  size_t repetitions = 0, aggregates = 0, errors = 0;
  std::string error_message;        // the first error's
  std::set<std::string> counters;   // of its repetitions
};

struct Side {
  std::string label;                        // "baseline" / "contender"
  std::vector<records::BenchmarkFile> files;
  std::vector<std::string> order;           // benchmark names, first seen first
  std::map<std::string, KeyInfo> keys;
  std::string paths() const;                // "a.json, b.json"
};

// Reads the files of one side: each must be Google Benchmark JSON with at
// least one repetition (run_type "iteration").  Throws InputError.
Side read_side(const std::string& label, const std::vector<std::string>& paths);
Side side_from_files(const std::string& label, std::vector<records::BenchmarkFile> files);

// The machine's slowness as calibration `c` measured it in one file
// (nullopt: no repetitions): 1 / the median of its rate counter (fma:
// "flops", triad and copy: "bytes_per_second"), or the median real_time of
// files whose calibration reports no rate.  Rates, where there are, because
// the work of one calibration iteration is the calibration's definition, which
// the contender's commit may change; its time ratio would then move every
// normalized benchmark.
std::optional<double> calibration_scale(const records::BenchmarkFile& f, Calib c);

// Per-repetition values of benchmark `name` on one side, pooled over its
// files: cpu_time or real_time in ns, or divided by calibration_scale(norm)
// of the same file.  Throws InputError for a time that is not positive, or a
// file without that calibration.
std::vector<double> side_samples(const Side& s, const std::string& name, bool cpu_time, Calib norm);

// ---- compare: benchmark mode ---------------------------------------------------

enum class Verdict { slower, faster, unchanged, untestable, error };
const char* verdict_name(Verdict v);  // "slower", ..., "error"

struct BenchRow {
  std::string name;
  bool calibration = false;    // a calibration benchmark: compared raw, never fails
  Verdict verdict = Verdict::unchanged;
  std::string error_message;   // verdict error: the contender's message
  Calib normalized_by = Calib::none;  // with --normalize (calibration rows: none)
  bool cpu_time = false;       // the metric compared
  size_t n_baseline = 0, n_contender = 0;
  double baseline_median_ns = 0, contender_median_ns = 0;  // raw, not normalized
  stats::RatioComparison comparison;  // of the (normalized) samples
};

struct BenchComparison {
  // What was compared, as given.
  std::vector<std::string> baseline, contender;
  double threshold = 0, alpha = 0;
  bool cpu_time = false, normalize = false;
  std::vector<BenchRow> rows;  // benchmarks in both, baseline order
  size_t slower = 0, faster = 0, unchanged = 0, untestable = 0, errored = 0, calibration = 0;
  std::vector<std::string> only_in_baseline, only_in_contender;
  std::vector<std::string> warnings;
  bool regression() const { return slower > 0 || errored > 0; }
};

// Throws InputError (aggregates only, no common benchmark, inconsistent
// calibration counters) and FilterMatchesNothing.
BenchComparison compare_benchmarks(const Side& baseline, const Side& contender, const Options& o);

// ---- read: convergence mode ---------------------------------------------------------

struct RunRecord {
  std::string file;
  std::string suite, config;  // config: the string, or the JSON text of an object
  int64_t seed = 0;
  std::string status;
  std::map<std::string, double> final_metrics;  // finite numbers of "final"
};

// One run record (a JSON object with suite, config, seed, status, final).
RunRecord read_run_record(const std::string& path);  // throws InputError

struct RecordGroup {
  std::string suite, config;
  std::map<int64_t, RunRecord> by_seed;
};
using GroupKey = std::pair<std::string, std::string>;  // (suite, config)

struct RecordSide {
  std::vector<GroupKey> order;
  std::map<GroupKey, RecordGroup> groups;
  size_t records = 0;
};

// Every *.json of each directory (or each file), grouped by (suite, config);
// `filter` (if any) selects "suite/config".  Throws InputError.
RecordSide read_records(const std::vector<std::string>& paths, const NamePattern* filter);

// ---- compare: convergence mode -------------------------------------------------------

// +1: higher is better (accuracy), -1: lower is better (loss, error), 0: report only.
int metric_direction(std::string_view metric);

enum class ConvVerdict { worse, better, unchanged, untestable, no_direction };

struct ConvRow {
  bool status_row = false;            // the failure-rate row (runs with status ok)
  std::string suite, config, metric;
  ConvVerdict verdict = ConvVerdict::unchanged;
  std::string no_direction_change;    // no_direction: "increase" / "decrease"
  // status rows
  size_t baseline_ok = 0, baseline_runs = 0, contender_ok = 0, contender_runs = 0;
  // metric rows
  int direction = 0;
  bool paired = false;
  stats::MeanComparison comparison;
};

struct ConvComparison {
  std::vector<std::string> baseline, contender;
  double threshold = 0, alpha = 0;
  std::vector<ConvRow> rows;
  size_t worse = 0, better = 0, unchanged = 0, untestable = 0;
  std::vector<std::string> warnings;
  bool regression() const { return worse > 0; }
};

// Throws InputError when no (suite, config) is on both sides.
ConvComparison compare_convergence(const RecordSide& baseline, const RecordSide& contender,
                                   const Options& o);

// Welch / paired comparison of one metric that stays finite for any finite
// values: samples whose magnitude could overflow the sums (|x| > 2^400) are
// compared scaled by a power of two, which changes no verdict, p or relative
// change, and the reported means and intervals are scaled back (+-inf where
// they do not fit a double).
stats::MeanComparison compare_metric(const std::vector<double>& baseline,
                                     const std::vector<double>& contender, double threshold,
                                     double alpha, bool paired);

// ---- render ----------------------------------------------------------------------------

std::string render(const BenchComparison& c, Format f);
std::string render(const ConvComparison& c, Format f);

// A table as aligned text columns or a GitHub markdown table ('|' escaped in
// cells); the performance history's reports share it.
struct Table {
  std::vector<std::string> header;
  std::string align;  // 'l' or 'r' per column
  std::vector<std::vector<std::string>> rows;
};
std::string render_text(const Table& t);
std::string render_markdown(const Table& t);

// The pieces, for tests: a value with a unit picked by magnitude ("1.200 ms"),
// a p-value ("0.012", "3.0e-05"), a number ("%.4g", inf, n/a).
std::string format_time(double ns);
std::string format_p(double p);
std::string format_num(double v);

}  // namespace lrb::perfcheck
