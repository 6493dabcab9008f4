#pragma once
// A reproduction suite is plain data plus two small functions:
//
//   Suite { id, title, tutorial (what the text says), deviations (what we do
//           differently and why), plan(budget) -> the runs, execute(run) ->
//           the run's result fields, claims (each a check over results files) }
//
// A run is (suite, config, seed, params): `params` is the canonical JSON of
// every hyperparameter (optimizer and schedule as their to_spec_string forms,
// nothing left to a default), so two runs with equal params compute the same
// numbers.  Its content address is
//
//   address = sha256_hex( json{ "numerics": kNumericsVersion, "suite", "config",
//                               "seed", "params" }.dump() )
//
// (nlohmann::json with sorted keys, compact dump, shortest round-trip doubles).
// Bump kNumericsVersion when a change to core/ changes the numbers a run gives:
// every cached record then misses and is recomputed.
#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace lrb::suites {

using nlohmann::json;

inline constexpr const char* kNumericsVersion = "lrbench-numerics/1";
inline constexpr const char* kRecordSchema = "lrbench.run/1";

struct RunSpec {
  std::string suite;   // "002"
  std::string config;  // "tutorial/lr=0.01": groups the seeds of one setting
  int64_t seed = 0;
  json params;         // canonical, every hyperparameter explicit
};

// What the run leaves besides its identity: status "ok" | "diverged",
// diverged_at_step (null or int), "final" {metric: number|null}, "curves" {...},
// "dataset" {...} (generator, sizes, hashes).
using RunResult = json;

// Which budget: the full configuration, or the quick one (tests, smoke runs).
struct Budget {
  bool quick = false;
  int seeds = 0;  // 0: the suite's default for the budget
};

// Records of one suite, by (config, seed), read from a results directory.
struct ResultSet {
  std::map<std::string, std::map<int64_t, json>> by_config;  // config -> seed -> record
  const json* find(const std::string& config, int64_t seed) const;
};

enum class Verdict { supported, refuted, inconclusive };
const char* to_string(Verdict v);

struct ClaimResult {
  Verdict verdict = Verdict::inconclusive;
  std::string summary;  // one sentence with the deciding numbers
  json evidence;        // per-seed values, means, CIs, effect sizes, counts
  int missing = 0;      // expected runs without a record
  int expected = 0;
  int diverged = 0;     // expected runs with status diverged
};

struct Claim {
  std::string id;         // "002.1"
  std::string statement;  // what the tutorial claims, in our words
  std::string source;     // where: "tutorial 002 sec. 4.2" / "EXPERIMENTS.md"
  std::string metric;     // what is measured
  std::string test;       // how the verdict is decided
  // Evaluates from the records alone.  `plan` is the run list of the budget
  // the claims are checked for (to count missing runs).  Throws
  // std::runtime_error only for records that are malformed for this check.
  std::function<ClaimResult(const ResultSet& results, const std::vector<RunSpec>& plan)> check;
};

struct Suite {
  std::string id;                        // "002"
  std::string title;
  std::vector<std::string> tutorial;     // what the tutorial says and does
  std::vector<std::string> we_run;       // what we run
  std::vector<std::string> deviations;   // each deviation and why
  std::function<std::vector<RunSpec>(const Budget&)> plan;
  std::function<RunResult(const RunSpec&)> execute;
  std::vector<Claim> claims;
};

// Every implemented suite, in id order.
const std::vector<Suite>& registry();
const Suite& find_suite(const std::string& id);  // throws std::invalid_argument

// One declaration file per tutorial: suites/<id>_<name>.cpp.
Suite suite_000();
Suite suite_001();
Suite suite_002();
Suite suite_003();
Suite suite_004();

// Per-run progress.  The runner installs a sink on the worker thread that
// executes a run; execute() reports how far it is (fraction in [0, 1] and a
// short status such as "epoch 3/10 loss 0.41") through report_progress, which
// is a no-op outside the runner.  Thread-local, so runs in parallel never see
// each other's sinks; call it at most every few milliseconds of work.
using ProgressSink = std::function<void(double fraction, const std::string& status)>;
void set_progress_sink(ProgressSink sink);  // this thread's; {} removes it
void report_progress(double fraction, const std::string& status);

std::string run_address(const RunSpec& run);
json identity_json(const RunSpec& run);  // what the address hashes

}  // namespace lrb::suites
