#pragma once
// The content-addressed runner, the results-directory reader, merge, status
// and the claims evaluation.  No argv and no terminal here: tools/lrbench
// parses flags and draws progress; tests call these directly.
//
// Layout: DIR/<suite>/<address>.json, one record per run (suite.hpp defines
// the address).  A record is written once, atomically (temp file ".<address>
// .json.tmp.<pid>.<n>" in the same folder, fsync, rename), so a killed run
// leaves either nothing or a complete record; leftover temp files are ignored
// (they start with '.').  A record with status ok or diverged is final and is
// never recomputed unless `force`; a run that threw leaves no record.
//
// Record (schema lrbench.run/1), keys in this order:
//   provenance {schema, commit, compiler, ..., threads, seed, dataset}
//   schema, address, numerics, suite, config, seed, params,
//   status ("ok" | "diverged"), diverged_at_step (null | int), steps,
//   final {metric: number | null, ...}, timing {wall_seconds, + what the run
//   returned under "timing", e.g. epoch_wall_seconds}, dataset {...},
//   curves {...}
// `provenance` and `timing` are the volatile part: merge ignores them when
// it compares two records of one address.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "suites/suite.hpp"

namespace lrb::suites {

// A results file that cannot be trusted: path, what was expected, what was found.
struct ResultsError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The runs of `suite_ids` (all when empty) for the budget, sorted by address:
// the stable order shards split.  Throws std::invalid_argument for an unknown suite.
std::vector<RunSpec> plan_runs(const std::vector<std::string>& suite_ids, const Budget& budget);
// Run k of the sorted plan goes to shard k mod count.
std::vector<RunSpec> shard(const std::vector<RunSpec>& plan, int index, int count);

std::string record_path(const std::string& dir, const RunSpec& run);

struct RunOptions {
  std::string results_dir;
  int threads = 1;            // runs in parallel (each run single-threaded)
  bool force = false;         // recompute even when a final record exists
  json provenance;            // the context block; seed and dataset are added per run
  // Called after every run (cached or computed), serialized: done of total.
  std::function<void(int64_t done, int64_t total, const RunSpec& run, const std::string& what)>
      on_progress;
  // Called from the worker computing `run` (not serialized) with what its
  // execute() reports through report_progress; worker in [0, threads).
  std::function<void(int worker, const RunSpec& run, double fraction, const std::string& status)>
      on_run_progress;
};
struct RunSummary {
  int64_t total = 0, cached = 0, computed = 0, diverged = 0, failed = 0;
  std::vector<std::string> errors;  // one line per failed run
};
RunSummary run_all(const std::vector<RunSpec>& runs, const RunOptions& options);

// The full record of one run (what run_all writes), without running anything
// else; exposed for tests.
json make_record(const RunSpec& run, const RunResult& result, double wall_seconds,
                 const json& provenance);

// Every record under DIR/<suite>/*.json, checked: valid JSON, schema, the
// identity fields, status, and that the address recomputed from the record
// equals its file name.  Bad files are listed in `errors` (never thrown).
struct LoadedResults {
  std::map<std::string, json> by_address;        // address -> record
  std::map<std::string, std::string> path_of;    // address -> file
  std::vector<std::string> errors;
};
LoadedResults load_results(const std::string& dir);

// The records of `plan` (matched by address) as one ResultSet per suite.
std::map<std::string, ResultSet> select(const LoadedResults& loaded, const std::vector<RunSpec>& plan);

struct SuiteStatus {
  std::string suite;
  int expected = 0, ok = 0, diverged = 0, missing = 0;
  int other = 0;  // records of this suite outside the plan (other budget or numerics)
};
std::vector<SuiteStatus> status(const LoadedResults& loaded, const std::vector<RunSpec>& plan);

// Combines shard directories into `out`.  The same address in two inputs (or
// already in `out`) must hold the same record once `provenance` and `timing`
// are removed, else ResultsError.  Returns the number of records written.
int64_t merge(const std::vector<std::string>& inputs, const std::string& out);
json strip_volatile(const json& record);

// ---- claims -----------------------------------------------------------------
struct ClaimRow {
  std::string suite;
  const Claim* claim = nullptr;
  ClaimResult result;
  std::string error;  // non-empty: the check could not be evaluated
};
std::vector<ClaimRow> evaluate_claims(const LoadedResults& loaded, const std::vector<RunSpec>& plan,
                                      const std::vector<std::string>& suite_ids);
enum class ClaimsFormat { text, markdown, json };
std::string format_claims(const std::vector<ClaimRow>& rows, ClaimsFormat format);

// Writes `content` to a temp file in path's folder (created), fsyncs it and
// renames it over `path`: readers see the old file or the new one, never a
// torn one, even when the process is killed.  Throws std::runtime_error.
void write_atomic(const std::filesystem::path& path, const std::string& content);

}  // namespace lrb::suites
