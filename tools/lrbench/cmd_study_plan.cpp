#include "tools/lrbench/cmd_study_plan.hpp"

#include <algorithm>
#include <filesystem>
#include <memory>

namespace lrb::cli {

void add_plan_options(po::options_description& opts, PlanOptions& p) {
  opts.add_options()
      ("suite", po::value(&p.suites)->multitoken(),
       "suite ids to include (repeatable: --suite 002 --suite 004); default: every implemented one "
       "(none when --study is given)")
      ("study", po::value(&p.studies)->multitoken(),
       "a study file (TOML, docs/study-files.md) to include (repeatable)")
      ("quick", po::bool_switch(&p.quick), "the quick configuration (smaller budgets, 3 seeds)")
      ("seeds", po::value(&p.seeds)->default_value(0),
       "seeds per seeded configuration, in [1, 1000]; 0 = the suite's default (10, quick 3)")
      ("allow-large", po::bool_switch(&p.allow_large),
       "plan a study of more runs than the limit (10,000) anyway");
}

records::Budget budget_of(const PlanOptions& p) { return {.quick = p.quick, .seeds = p.seeds}; }

Plan make_plan(const PlanOptions& p, const records::LoadedResults* loaded, const std::string& seeds_dir) {
  if (p.seeds < 0 || p.seeds > 1000)
    throw UsageError("--seeds must be in [0, 1000], got " + std::to_string(p.seeds));
  Plan plan;
  try {
    if (!p.suites.empty() || p.studies.empty()) plan.suites = suites::select_suites(p.suites);
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--suite: ") + e.what());
  }
  for (const auto& file : p.studies) {
    auto study = std::make_shared<const suites::study::Study>(suites::study::load_study(file));
    plan.studies.push_back(suites::study::prepare(study, budget_of(p), loaded, p.allow_large));
    const suites::Suite& s = plan.studies.back().suite;
    for (const suites::Suite* other : plan.suites)
      if (other->id == s.id)
        throw UsageError("--study " + file + ": id '" + s.id + "' is already planned (by --suite " + s.id +
                         " or another study file): one results folder per id");
    plan.suites.push_back(&s);
    plan.undecided = plan.undecided || plan.studies.back().undecided;
  }
  if (!seeds_dir.empty()) plan.seed_plans = records::load_seed_plans(seeds_dir, budget_of(p));
  plan.runs = suites::plan_runs(plan.suites, budget_of(p), plan.seed_plans);
  return plan;
}

records::LoadedResults load_if_present(const std::string& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) return {};
  return records::load_results(dir);
}

}  // namespace lrb::cli
