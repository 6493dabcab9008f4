// lrbench: reproduce learning-rate tutorials, check their claims, measure
// convergence and throughput.  `lrbench <command> --help` documents each
// command; exit codes are listed in cli.hpp and README.md.
#include <algorithm>
#include <csignal>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "core/buildinfo/buildinfo.hpp"
#include "core/spec/spec.hpp"
#include "datasets/error.hpp"
#include "records/error.hpp"
#include "suites/study/study.hpp"
#include "tools/lrbench/cli.hpp"

namespace {

using lrb::cli::Command;

const std::vector<Command>& commands() {
  static const std::vector<Command> table = {
      {"list", "every optimizer, schedule and problem with its parameters and defaults",
       lrb::cli::cmd_list},
      {"trace", "run an optimizer + schedule on a built-in problem, trajectory as CSV",
       lrb::cli::cmd_trace},
      {"train", "train a model on a dataset; JSON record with curves, LR per step, provenance",
       lrb::cli::cmd_train},
      {"run", "run tutorial suites into a results dir (resumes, caches, shards)", lrb::cli::cmd_run},
      {"status", "what a results dir holds: done, failed, missing runs per suite",
       lrb::cli::cmd_status},
      {"merge", "combine shard results dirs into one", lrb::cli::cmd_merge},
      {"claims", "verdict table of every tutorial claim, from results files",
       lrb::cli::cmd_claims},
      {"lr-find", "LR range test: loss vs exponentially growing LR, suggested LR", lrb::cli::cmd_lr_find},
      {"report", "offline HTML report + PNG/SVG/PDF figures from results files", lrb::cli::cmd_report},
      {"profile", "performance profiles + AlgoPerf score of each suite's optimizers, with bootstrap bands",
       lrb::cli::cmd_profile},
      {"study", "check a study file (TOML) or write a starter one; run it with run --study",
       lrb::cli::cmd_study},
      {"slurm-script", "Slurm job array (one shard per task) + dependent merge and report",
       lrb::cli::cmd_slurm_script},
      {"perf-check", "compare two benchmark JSONs (or two results dirs); exit 1 on a slowdown",
       lrb::cli::cmd_perf_check},
      {"perf-history", "every commit's benchmarks: add to a store, report change points, check the newest",
       lrb::cli::cmd_perf_history},
  };
  return table;
}

void print_usage(std::ostream& os) {
  os << "usage: lrbench <command> [options]\n\n"
        "Reproducible learning-rate and optimizer experiments.\n\ncommands:\n";
  for (const auto& c : commands()) {
    std::string name = c.name;
    name.resize(std::max<size_t>(name.size() + 2, 14), ' ');
    os << "  " << name << c.summary << "\n";
  }
  os << "\n'lrbench <command> --help' describes a command's options.\n"
        "exit status: 0 ok, 1 run failure, 2 usage error, 3 data error, 4 diverged\n";
}

}  // namespace

int main(int argc, char** argv) {
  // A file-size limit (ulimit -f) makes writes fail with EFBIG, named like any
  // other write error, instead of killing the process mid-file.
  std::signal(SIGXFSZ, SIG_IGN);
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    print_usage(std::cerr);
    return lrb::cli::kUsage;
  }
  const std::string name = args.front();
  if (name == "--help" || name == "-h" || name == "help") {
    if (name == "help" && args.size() > 1) {
      args = {args[1], "--help"};
    } else {
      print_usage(std::cout);
      return lrb::cli::kOk;
    }
  } else if (name == "--version") {
    std::cout << "lrbench " << lrb::buildinfo::version() << " (" << lrb::buildinfo::commit()
              << ", " << lrb::buildinfo::compiler() << ", " << lrb::buildinfo::build_type()
              << ")\n";
    return lrb::cli::kOk;
  }
  const std::string cmd_name = args.front();
  for (const auto& c : commands()) {
    if (cmd_name != c.name) continue;
    const std::vector<std::string> rest(args.begin() + 1, args.end());
    try {
      return c.run(rest);
    } catch (const lrb::cli::UsageError& e) {
      std::cerr << "lrbench " << c.name << ": " << e.what() << " (see 'lrbench " << c.name
                << " --help')\n";
      return lrb::cli::kUsage;
    } catch (const lrb::spec::SpecError& e) {
      std::cerr << "lrbench " << c.name << ": " << e.what() << "\n";
      return lrb::cli::kUsage;
    } catch (const lrb::suites::study::StudyError& e) {
      std::cerr << "lrbench " << c.name << ": " << e.what() << "\n";
      return lrb::cli::kUsage;
    } catch (const lrb::data::DataError& e) {
      std::cerr << "lrbench " << c.name << ": data error: " << e.what() << "\n";
      return lrb::cli::kDataError;
    } catch (const lrb::records::FormatError& e) {
      std::cerr << "lrbench " << c.name << ": data error: " << e.what() << "\n";
      return lrb::cli::kDataError;
    } catch (const std::exception& e) {
      std::cerr << "lrbench " << c.name << ": error: " << e.what() << "\n";
      return lrb::cli::kRunFailure;
    }
  }
  std::cerr << "lrbench: unknown command '" << cmd_name << "' (see 'lrbench --help')\n";
  return lrb::cli::kUsage;
}
