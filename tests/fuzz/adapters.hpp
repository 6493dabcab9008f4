#pragma once
// The readers of lrbench's own output files, called the way the commands call
// them.  They live in other modules today (suites/runner.cpp load_results,
// reports/, tools/lrbench/cmd_perf_check.cpp); when a reader moves, only
// adapters.cpp changes and the harnesses stay as they are.
//
// Each throws only the exceptions its commands turn into an exit status for
// bad input; the harness treats anything else as a bug.
#include <filesystem>
#include <string>

namespace lrb::fuzz {

// A results folder (DIR/<suite>/<address>.json) through what `status`,
// `claims`, `merge` and `perf-check --convergence` do with it, each suite
// against its quick plan.  Throws suites::ResultsError (merge: exit 3).
void read_results_folder(const std::filesystem::path& dir);

// One Google Benchmark JSON file through `perf-check` (the file against
// itself, plain and normalized by calibration).  perf-check answers bad
// input with exit 2 by itself: nothing may escape.
void read_benchmark_json(const std::filesystem::path& file);

// What `lrbench report` derives from a results folder (records and
// DIR/lr-find/*.json) and a benchmark folder, short of running gnuplot and
// writing HTML: the report model, its figures, gaps and claims.  Slow (every
// suite's plans are addressed on each call).  Throws reports::ReportDataError
// (report: exit 3).
void build_report(const std::filesystem::path& results_dir, const std::filesystem::path& bench_dir);

}  // namespace lrb::fuzz
