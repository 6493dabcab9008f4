#pragma once
// What `run`, `status`, `claims` and `slurm-script` plan: built-in suites by
// id (--suite) and study files (--study), for one budget.  A study's tuned
// arms take their chosen values from the tuning records in a results
// directory (suites/study/study.hpp: two stages).
#include <deque>
#include <string>
#include <vector>

#include "records/results_dir.hpp"
#include "suites/runner.hpp"
#include "suites/study/study.hpp"
#include "tools/lrbench/cli.hpp"

namespace lrb::cli {

struct PlanOptions {
  std::vector<std::string> suites;   // built-in suite ids
  std::vector<std::string> studies;  // study files
  bool quick = false;
  int seeds = 0;
  bool allow_large = false;
};
void add_plan_options(po::options_description& opts, PlanOptions& p);
records::Budget budget_of(const PlanOptions& p);

struct Plan {
  std::deque<suites::study::Prepared> studies;  // stable addresses: `suites` points into it
  std::vector<const suites::Suite*> suites;     // --suite ids (every built-in one when neither
                                                // --suite nor --study is given), then the studies
  std::vector<suites::RunSpec> runs;            // sorted by address (the order shards split)
  bool undecided = false;                       // a study's tuned arm waits for its trials
  suites::SeedPlans seed_plans;                 // the seeds `run --until-conclusive` added
};
// `loaded`: the records that decide the studies' tuning choices (null: none
// yet); `seeds_dir`: the results directory whose seed plans (DIR/seeds/,
// records/seed_plan.hpp) extend the plan (none when empty).  UsageError for a bad flag or an unknown suite; a bad study file
// throws study::StudyError (exit 2), missing data data::DataError (exit 3).
Plan make_plan(const PlanOptions& p, const records::LoadedResults* loaded, const std::string& seeds_dir = "");

// The records of DIR when it exists (for the choices), else nothing.
records::LoadedResults load_if_present(const std::string& dir);

}  // namespace lrb::cli
