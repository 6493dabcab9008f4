// `lrbench run --until-conclusive` and `--batch-of`, and the statistics
// options of `lrbench claims`: the flags and what they run.  The procedure is
// suites/until_conclusive.hpp; the statistics suites/verdict_stats.hpp.
#include <fmt/format.h>

#include <algorithm>
#include <iostream>

#include "suites/until_conclusive.hpp"
#include "tools/lrbench/cli.hpp"
#include "tools/lrbench/sequential_flags.hpp"

namespace lrb::cli {

void add_sequential_options(po::options_description& opts, SequentialFlags& f) {
  opts.add_options()
      ("until-conclusive", po::bool_switch(&f.until_conclusive),
       "after the plan's runs, add seeds in batches to the configurations that undecided claims read, "
       "look again, and stop when every claim is decided or at the cap (group-sequential: each paired "
       "test its own Lan-DeMets design at alpha / m; recorded in DIR/seeds/)")
      ("max-seeds", po::value(&f.max_seeds)->default_value(f.max_seeds),
       "--until-conclusive: the cap on seeds per configuration, in [2, 1000]; fixed at the first look")
      ("batch", po::value(&f.batch)->default_value(f.batch),
       "--until-conclusive: seeds added per look, in [1, 1000]; fixed at the first look")
      ("spending", po::value(&f.spending)->default_value(f.spending),
       "--until-conclusive: alpha-spending function, obrien-fleming | pocock; fixed at the first look")
      ("alpha", po::value(&f.alpha)->default_value(f.alpha),
       "--until-conclusive: the family's two-sided error rate, in (0, 0.5]; fixed at the first look")
      ("plan-only", po::bool_switch(&f.plan_only),
       "--until-conclusive: take one look and write the next batch into DIR/seeds/ and the manifests, "
       "run nothing (then run the batch anywhere with --batch-of DIR, merge, and look again)")
      ("batch-of", po::value(&f.batch_of),
       "run only the runs of DIR's plan (with DIR's seed plans) that DIR has no record of: the next "
       "--until-conclusive batch, sharded with --shard like any plan");
}

suites::SequentialOptions sequential_options(const SequentialFlags& f) {
  if (!(f.alpha > 0 && f.alpha <= 0.5)) throw UsageError(fmt::format("--alpha must be in (0, 0.5], got {}", f.alpha));
  if (f.max_seeds < 2 || f.max_seeds > 1000)
    throw UsageError(fmt::format("--max-seeds must be in [2, 1000], got {}", f.max_seeds));
  if (f.batch < 1 || f.batch > 1000) throw UsageError(fmt::format("--batch must be in [1, 1000], got {}", f.batch));
  suites::SequentialOptions o{.alpha = f.alpha, .max_seeds = f.max_seeds, .batch = f.batch};
  if (f.spending == "obrien-fleming" || f.spending == "obf") o.spending = stats::Spending::kOBrienFleming;
  else if (f.spending == "pocock") o.spending = stats::Spending::kPocock;
  else throw UsageError("--spending must be obrien-fleming or pocock, got '" + f.spending + "'");
  return o;
}

void print_look(int k, const std::vector<suites::LookSummary>& looks) {
  for (const auto& l : looks)
    std::cout << fmt::format("look {}: suite {}: {} paired tests: {} decided, {} continue, {} at the cap; "
                             "{} configurations get seeds, {} new runs\n",
                             k, l.suite, l.tests, l.decided, l.continuing, l.capped, l.configs_grown, l.new_runs)
              << std::flush;
}

int run_until_conclusive_command(const std::vector<const suites::Suite*>& chosen, const records::Budget& budget,
                                 const SequentialFlags& f, const suites::RunOptions& run,
                                 suites::UntilConclusiveHooks hooks) {
  const auto o = sequential_options(f);
  try {
    if (f.plan_only) {
      const auto loaded = records::load_results(run.results_dir);
      for (const auto& e : loaded.errors) std::cerr << "lrbench run: data error: " << e.what() << "\n";
      if (!loaded.errors.empty()) return kDataError;
      auto all = records::load_seed_plans(run.results_dir, budget);
      suites::SeedPlans plans;
      for (const suites::Suite* s : chosen)
        if (all.count(s->id)) plans.insert(*all.find(s->id));
      const auto looks = suites::take_look(loaded, chosen, budget, o, plans);
      for (const auto& [id, sp] : plans) records::write_seed_plan(run.results_dir, sp);
      suites::write_manifests(run.results_dir, chosen, budget, plans);
      print_look(1, looks);
      int64_t more = 0;
      for (const auto& l : looks) more += l.new_runs;
      std::cout << "next batch: " << more << " runs (lrbench run --batch-of " << run.results_dir
                << (more ? " --shard I/N ...)\n" : "; nothing left: every claim is decided or at the cap)\n");
      return kOk;
    }
    hooks.on_look = print_look;
    const auto res = suites::run_until_conclusive(chosen, budget, o, run, hooks);
    for (const auto& e : res.runs.errors) std::cerr << "lrbench run: failed: " << e << "\n";
    std::cout << fmt::format("until-conclusive: {} looks, {} runs beyond the suites' own plans; runs computed {}, "
                             "cached {}, diverged {}, failed {}\n",
                             res.looks, res.runs_added, res.runs.computed, res.runs.cached, res.runs.diverged,
                             res.runs.failed);
    return res.runs.failed ? kRunFailure : kOk;
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
}

std::vector<suites::RunSpec> batch_of(const std::string& dir, const std::vector<suites::RunSpec>& plan) {
  const auto loaded = records::load_results(dir);
  if (!loaded.errors.empty()) throw loaded.errors.front();
  std::vector<suites::RunSpec> out;
  for (const auto& r : plan)
    if (!loaded.by_address.count(records::run_address(r))) out.push_back(r);
  return out;
}

}  // namespace lrb::cli
