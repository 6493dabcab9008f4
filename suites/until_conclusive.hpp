#pragma once
// `lrbench run --until-conclusive`: add seeds in batches to the configurations
// that undecided claims read, look again, stop when every claim is decided or
// has reached the cap -- with the group-sequential error control of
// suites/verdict_stats.hpp (each paired test its own Lan-DeMets design at
// alpha / m, the cap and the spending function fixed at the first look).
//
// A look:
//   1. every run of the suite's plan (with the seeds added so far) must have
//      a record;
//   2. each paired test not yet decided gets a look at its current number of
//      pairs (the first look is the suite's own seeds: it is judged by the
//      design too, so a verdict the fixed-sample test gave at those seeds can
//      turn into "continue");
//   3. tests whose look decides are final; the others ("continue") raise the
//      seeds of every configuration they read to min(cap, seeds + batch); a
//      test whose configurations are all at the cap, or cannot take seeds
//      (runs with different params), is "stopped at cap".
// Everything is recorded in DIR/seeds/<suite>.<budget>.json
// (records/seed_plan.hpp): the design, the seeds per configuration and the
// looks per test, so `run`, `status`, `claims` and the report see the same
// plan, and the procedure can resume after a kill or continue on other
// machines (each batch is just more runs with new addresses: shard it with
// `lrbench run --batch-of DIR --shard I/N`).
#include <functional>
#include <string>
#include <vector>

#include "core/stats/sequential.hpp"
#include "suites/runner.hpp"

namespace lrb::suites {

struct SequentialOptions {
  double alpha = 0.05;  // the family's; each test gets alpha / m
  stats::Spending spending = stats::Spending::kOBrienFleming;
  int max_seeds = 30;   // the cap per configuration (a test's cap: max(this, its first look))
  int batch = 5;        // seeds added per look
};

// What one look did to a suite.
struct LookSummary {
  std::string suite;
  int tests = 0;       // paired tests under the design
  int decided = 0, continuing = 0, capped = 0;
  int configs_grown = 0;  // configurations that get more seeds
  int64_t new_runs = 0;   // runs the next batch adds
};

// One look over `suites` (built-in ones or studies, suites/study/study.hpp:
// a study's tuned arms must be decided): updates `plans` (a suite gets its
// seed plan at its first look).  Throws std::invalid_argument when the
// options change a design fixed at an earlier look, std::runtime_error when
// runs of the current plan have no record.
std::vector<LookSummary> take_look(const records::LoadedResults& loaded, const std::vector<const Suite*>& suites,
                                   const Budget& budget, const SequentialOptions& options, SeedPlans& plans);
// The same for built-in suites by id (all when empty).
std::vector<LookSummary> take_look(const records::LoadedResults& loaded, const std::vector<std::string>& suite_ids,
                                   const Budget& budget, const SequentialOptions& options, SeedPlans& plans);

// The runs of the current plan (with `plans`' seeds) that `loaded` has no record of.
std::vector<RunSpec> missing_runs(const records::LoadedResults& loaded, const std::vector<std::string>& suite_ids,
                                  const Budget& budget, const SeedPlans& plans);

struct UntilConclusiveResult {
  int looks = 0;
  int64_t runs_added = 0;       // runs beyond the suites' own plans, computed here
  RunSummary runs;              // every run_all call together
  std::vector<LookSummary> last;  // the last look
};

struct UntilConclusiveHooks {
  std::function<void(int64_t runs)> before_batch;  // before each run_all: the runs of the whole plan
  std::function<void(const RunSummary&)> after_batch;
  std::function<void(int look, const std::vector<LookSummary>&)> on_look;
};

// The whole loop in run.results_dir: run what the plan lacks, look, write the
// seed plans and manifests, repeat until no test continues.  Stops early when
// a run fails (runs.failed > 0).  `suites` compute their own runs (a study's
// execute), whatever run.suites says.
UntilConclusiveResult run_until_conclusive(const std::vector<const Suite*>& suites, const Budget& budget,
                                           const SequentialOptions& options, const RunOptions& run,
                                           const UntilConclusiveHooks& hooks = {});
// The same for built-in suites by id (all when empty).
UntilConclusiveResult run_until_conclusive(const std::vector<std::string>& suite_ids, const Budget& budget,
                                           const SequentialOptions& options, const RunOptions& run,
                                           const UntilConclusiveHooks& hooks = {});

}  // namespace lrb::suites
