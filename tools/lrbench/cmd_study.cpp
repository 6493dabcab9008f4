// lrbench study check / init: a study file validated and planned without
// running anything, and a commented starter file.  Running a study is
// `lrbench run --study FILE` (cmd_run.cpp, cmd_study_plan.cpp).
//
// Exit statuses:
//   check  0 the study is valid and plans (runs per budget printed), 2 a
//          mistake in the file (FILE:LINE:COLUMN: KEY: what is wrong), 3 its
//          data cannot be read
//   init   0 written, 2 the file exists (without --force) or cannot be written
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include "records/address.hpp"
#include "records/json_file.hpp"
#include "suites/runner.hpp"
#include "suites/study/study.hpp"
#include "tools/lrbench/cli.hpp"

namespace lrb::cli {
namespace {

namespace study = suites::study;

int study_check(const std::vector<std::string>& args) {
  std::string file;
  bool allow_large = false;
  po::options_description opts("options");
  opts.add_options()("file", po::value(&file)->required(), "the study file")
      ("allow-large", po::bool_switch(&allow_large), "accept a plan of more than 10,000 runs");
  po::positional_options_description pos;
  pos.add("file", 1);
  po::variables_map vm;
  if (!parse_options("study check", "FILE [--allow-large]",
                     "Reads a study file, checks every key, spec, data file and claim, and plans\n"
                     "both budgets (the quick one when the file has [quick]) without running\n"
                     "anything.  Prints what would run.  Exit 2 for a mistake in the file (the\n"
                     "message names FILE:LINE:COLUMN and the key), 3 when its data cannot be read.",
                     opts, pos, args, vm))
    return kOk;
  const auto s = std::make_shared<const study::Study>(study::load_study(file));
  const auto& spec = s->spec();
  std::cout << fmt::format("{}: study {} \"{}\"\n", file, spec.id, spec.title);
  std::vector<records::Budget> budgets = {{.quick = false, .seeds = 0}};
  if (spec.has_quick) budgets.push_back({.quick = true, .seeds = 0});
  for (const auto& b : budgets) {
    const auto suite = study::to_suite(s, {}, allow_large);
    const auto runs = suite.plan(b);
    int64_t trials = 0;
    for (const auto& r : runs)
      if (r.config.find("/tune/") != std::string::npos) ++trials;
    int tuned = 0;
    for (const auto& a : spec.arms) tuned += a.tune ? 1 : 0;
    std::cout << fmt::format("  {} budget: {} arms, {} runs now{}\n", b.quick ? "quick" : "full", spec.arms.size(),
                             runs.size(),
                             tuned ? fmt::format(" ({} tuning trials of {} tuned arm{}; their final runs follow "
                                                 "the choice)",
                                                 trials, tuned, tuned == 1 ? "" : "s")
                                   : "");
    for (const auto& sec : study::sections(*s, b, {}))
      if (sec.title == "What we run" && !b.quick)
        for (const auto& item : sec.items) std::cout << "    " << item << "\n";
  }
  std::cout << fmt::format("  {} claims:", spec.claims.size());
  for (const auto& c : spec.claims) std::cout << " " << c.id << " (" << c.kind << ")";
  std::cout << "\nok\n";
  return kOk;
}

int study_init(const std::vector<std::string>& args) {
  std::string file;
  bool force = false;
  po::options_description opts("options");
  opts.add_options()("file", po::value(&file), "where to write it (default: print it)")
      ("force", po::bool_switch(&force), "overwrite an existing file");
  po::positional_options_description pos;
  pos.add("file", 1);
  po::variables_map vm;
  if (!parse_options("study init", "[FILE] [--force]",
                     "Writes a commented starter study (every section, each claim kind) to FILE,\n"
                     "or prints it.  Edit it, check it with `lrbench study check FILE`, run it\n"
                     "with `lrbench run --study FILE`.",
                     opts, pos, args, vm))
    return kOk;
  if (file.empty()) {
    std::cout << study::starter_text();
    return kOk;
  }
  std::error_code ec;
  if (std::filesystem::exists(file, ec) && !force)
    throw UsageError(file + " exists (--force overwrites it)");
  try {
    records::write_atomic(file, study::starter_text());
  } catch (const std::exception& e) {
    throw UsageError(e.what());
  }
  std::cout << "wrote " << file << "\n";
  return kOk;
}

}  // namespace

int cmd_study(const std::vector<std::string>& args) {
  const std::string usage =
      "usage: lrbench study check FILE    validate and plan a study file (runs nothing)\n"
      "       lrbench study init [FILE]   write a commented starter study\n"
      "Run a study with `lrbench run --study FILE`; `claims`, `status` and\n"
      "`slurm-script` take --study FILE too.  The format: docs/study-files.md.\n";
  if (args.empty()) throw UsageError("expected check or init");
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (args[0] == "--help" || args[0] == "-h") {
    std::cout << usage;
    return kOk;
  }
  if (args[0] == "check") return study_check(rest);
  if (args[0] == "init") return study_init(rest);
  throw UsageError("unknown study command '" + args[0] + "'; expected check or init");
}

}  // namespace lrb::cli
