#pragma once
// The flags of `lrbench run --until-conclusive` / `--batch-of` (cmd_sequential.cpp).
#include <functional>
#include <string>
#include <vector>

#include "suites/until_conclusive.hpp"
#include "tools/lrbench/cli.hpp"

namespace lrb::cli {

struct SequentialFlags {
  bool until_conclusive = false;
  int max_seeds = 30;
  int batch = 5;
  std::string spending = "obrien-fleming";
  double alpha = 0.05;
  bool plan_only = false;
  std::string batch_of;  // DIR: run the runs of DIR's extended plan that DIR lacks
};

void add_sequential_options(po::options_description& opts, SequentialFlags& f);
// Checked options (UsageError naming the flag).
suites::SequentialOptions sequential_options(const SequentialFlags& f);

// Runs --until-conclusive (or one --plan-only look) over `chosen` (built-in
// suites and studies whose tuning is decided) in run.results_dir with the
// given progress hooks; returns the exit status.
int run_until_conclusive_command(const std::vector<const suites::Suite*>& chosen, const records::Budget& budget,
                                 const SequentialFlags& f, const suites::RunOptions& run,
                                 suites::UntilConclusiveHooks hooks);

// The runs of `plan` that DIR has no record of (records::FormatError for a corrupt DIR).
std::vector<suites::RunSpec> batch_of(const std::string& dir, const std::vector<suites::RunSpec>& plan);

}  // namespace lrb::cli
