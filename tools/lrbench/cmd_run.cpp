// lrbench run / status / merge / claims: the tutorial suites over a
// content-addressed results directory (records/results_dir.hpp has the
// layout, records/run_record.hpp the record schema, records/address.hpp the
// address).
//
// Exit statuses:
//   run     0 every planned run has a final record (ok or diverged: a diverged
//             run is a result), 1 some run threw (it left no record), 2 usage,
//             3 the --data-dir does not exist
//   status  0, or 3 when a results file is corrupt (listed on stderr)
//   merge   0, or 3 when an input is corrupt or two records of one address differ
//   claims  0 every check could be evaluated (missing runs make a verdict
//             "inconclusive (k of n runs missing)", not an error); 1 when a
//             check threw; 3 when a results file is corrupt (the verdicts are
//             still printed, the corrupt file's runs counting as missing, and
//             no verdicts file is written)
#include <filesystem>
#include <memory>
#include <iostream>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "datasets/error.hpp"
#include "datasets/fashion_mnist.hpp"
#include "records/address.hpp"
#include "records/provenance.hpp"
#include "records/results_dir.hpp"
#include "suites/runner.hpp"
#include "tools/lrbench/cli.hpp"
#include "tools/lrbench/cmd_study_plan.hpp"
#include "tools/lrbench/environment.hpp"
#include "tools/lrbench/progress.hpp"
#include "tools/lrbench/sequential_flags.hpp"

namespace lrb::cli {
namespace {

void print_load_errors(const char* cmd, const records::LoadedResults& l) {
  for (const auto& e : l.errors) std::cerr << "lrbench " << cmd << ": data error: " << e.what() << "\n";
}

}  // namespace

int cmd_run(const std::vector<std::string>& args) {
  PlanOptions p;
  std::string results = "results", shard_text = "0/1", progress = "auto", data_dir;
  int threads = 1;
  bool force = false;
  SequentialFlags seq;
  po::options_description opts("options");
  add_plan_options(opts, p);
  add_sequential_options(opts, seq);
  opts.add_options()
      ("results", po::value(&results)->default_value(results), "results directory (created if absent)")
      ("threads", po::value(&threads)->default_value(threads),
       "runs computed in parallel, in [1, 256] (each run single-threaded; results do not depend on it)")
      ("shard", po::value(&shard_text)->default_value(shard_text),
       "I/N: run only runs k with k mod N == I of the plan sorted by address, 0 <= I < N")
      ("force", po::bool_switch(&force), "recompute runs that already have a final record")
      ("data-dir", po::value(&data_dir),
       "directory with the Fashion-MNIST IDX files (default: $LRBENCH_DATA_DIR, else Debian's "
       "/usr/share/datasets/fashion-mnist); records are addressed by the files' SHA-256, not the path")
      ("progress", po::value(&progress)->default_value(progress), "auto | lines | none");
  po::variables_map vm;
  if (!parse_options("run", "[--suite ID ...] [--study FILE ...] [--quick] [--seeds K] [--threads T] "
                     "[--shard I/N] [--results DIR] [--force] [--until-conclusive [--max-seeds N] [--plan-only]] "
                     "[--batch-of DIR]",
                     "Runs the tutorial suites and study files.  Each run (suite, configuration,\n"
                     "seed) is stored as\n"
                     "DIR/<suite>/<address>.json, address = SHA-256 of its canonical configuration\n"
                     "and the numerics version.  A run with a record (status ok or diverged) is\n"
                     "never recomputed (--force does); records are written atomically, so an\n"
                     "interrupted run resumes where it stopped.  Each suite's plan is written\n"
                     "first as DIR/manifests/<suite>.<budget>.json (what `lrbench report` reads).\n"
                     "A study's tuned arms run their tuning trials first; once every trial has a\n"
                     "record the chosen value's runs follow in the same call (a shard runs its\n"
                     "share of the trials only: merge the shards, then run the chosen values' runs\n"
                     "with --batch-of MERGED --shard I/N; `lrbench slurm-script` chains both).\n"
                     "--until-conclusive then adds seeds in batches to the configurations that\n"
                     "undecided claims read (group-sequential, error rate kept at --alpha) until\n"
                     "each claim is decided or --max-seeds is reached; the seeds added and the\n"
                     "looks are recorded in DIR/seeds/<suite>.<budget>.json, which every command\n"
                     "reading DIR then plans with.  Exit 1 if any run failed, 2 for a bad study\n"
                     "file, 3 for missing data.",
                     opts, {}, args, vm))
    return kOk;
  if (threads < 1 || threads > 256)
    throw UsageError("--threads must be in [1, 256], got " + std::to_string(threads));
  int si = 0, sn = 1;
  {
    const auto slash = shard_text.find('/');
    size_t a = 0, b = 0;
    bool ok = slash != std::string::npos;
    try {
      if (ok) {
        si = std::stoi(shard_text.substr(0, slash), &a);
        sn = std::stoi(shard_text.substr(slash + 1), &b);
        ok = a == slash && b == shard_text.size() - slash - 1;
      }
    } catch (const std::exception&) {
      ok = false;
    }
    if (!ok || sn < 1 || si < 0 || si >= sn)
      throw UsageError("--shard must be I/N with 0 <= I < N, got '" + shard_text + "'");
  }
  if (progress != "auto" && progress != "lines" && progress != "none")
    throw UsageError("--progress must be auto, lines or none, got '" + progress + "'");
  if (seq.until_conclusive && sn != 1)
    throw UsageError("--until-conclusive runs the whole loop here; to shard it, take a look with "
                     "--until-conclusive --plan-only and run each batch with --batch-of DIR --shard I/N");
  if (seq.until_conclusive && !seq.batch_of.empty())
    throw UsageError("--batch-of runs one batch planned elsewhere; it does not combine with --until-conclusive");
  if (seq.plan_only && !seq.until_conclusive) throw UsageError("--plan-only needs --until-conclusive");
  if (seq.until_conclusive) (void)sequential_options(seq);  // bad flags: exit 2 before anything is written
  const auto mode = progress == "none"    ? Progress::Mode::quiet
                    : progress == "lines" ? Progress::Mode::lines
                                          : Progress::Mode::bar;
  // --batch-of DIR: DIR's plan (with its seed plans), less what DIR holds.
  const std::string plan_dir = seq.batch_of.empty() ? results : seq.batch_of;
  // Studies with tuned arms: the choices already decided by records in the plan's directory.
  const auto prior = p.studies.empty() ? records::LoadedResults{} : load_if_present(plan_dir);
  Plan plan = make_plan(p, &prior, plan_dir);
  if (!data_dir.empty()) {
    std::error_code ec;
    if (!std::filesystem::is_directory(data_dir, ec))
      throw data::DataError(data_dir, "a directory holding the Fashion-MNIST IDX files (--data-dir)",
                            "no such directory", data::kIdxHint);
  }
  const auto dir = data::resolve_data_dir(data_dir.empty() ? std::nullopt : std::optional<std::string>(data_dir),
                                          data_dir_from_environment());
  suites::DatasetCache datasets;  // one decoded Fashion-MNIST for every run of this process
  suites::RunOptions o;
  o.results_dir = results;
  o.threads = threads;
  o.force = force;
  o.data_dir = dir.dir;
  o.data_dir_source = dir.source;
  o.datasets = &datasets;
  o.provenance = records::provenance(1);
  o.provenance["runs_in_parallel"] = threads;
  auto run_name = [](const suites::RunSpec& r) {
    return r.suite + " " + r.config + " seed " + std::to_string(r.seed);
  };
  // Runs the plan in stages: stage 1 the plan; while a study's tuning is
  // decided by what stage 1 recorded, its final runs join the plan and run too
  // (whole plans only).  Leaves `plan` the plan of the last stage.
  auto run_stages = [&] {
    suites::RunSummary total;
    std::set<std::string> done;  // addresses run (or found) by an earlier stage of this call
    for (int stage = 0;; ++stage) {
      // The whole plan of each suite, whichever shard this is: every shard writes
      // the same bytes, and merge checks that they agree.
      suites::write_manifests(results, plan.suites, budget_of(p), plan.seed_plans);
      std::vector<suites::RunSpec> runs;
      for (auto& r : suites::shard(seq.batch_of.empty() ? plan.runs : batch_of(seq.batch_of, plan.runs), si, sn))
        if (!done.count(records::run_address(r))) runs.push_back(std::move(r));
      for (const auto& r : runs) done.insert(records::run_address(r));
      o.suites = plan.suites;
      RunsProgress bar(static_cast<int64_t>(runs.size()), threads, mode);
      o.on_progress = [&](int64_t d, int64_t, const suites::RunSpec& r, const std::string& what) {
        bar.run_done(-1, d, run_name(r), what);
      };
      o.on_run_progress = [&](int worker, const suites::RunSpec& r, double f, const std::string& st) {
        bar.run_progress(worker, run_name(r), f, st);
      };
      const auto sum = suites::run_all(runs, o);
      bar.finish(std::to_string(sum.computed) + " computed, " + std::to_string(sum.cached) + " cached, " +
                 std::to_string(sum.diverged) + " diverged, " + std::to_string(sum.failed) + " failed");
      total.total += sum.total;
      total.computed += sum.computed;
      total.cached += sum.cached;
      total.diverged += sum.diverged;
      total.failed += sum.failed;
      total.errors.insert(total.errors.end(), sum.errors.begin(), sum.errors.end());
      if (!plan.undecided || sum.failed || stage > 0) break;
      if (sn > 1 || !seq.batch_of.empty()) {
        std::cout << "tuning trials of this shard done: merge the shards, then run the chosen values' runs "
                     "with --batch-of MERGED --shard I/N (or run again on the merged directory)\n";
        break;
      }
      const auto loaded = records::load_results(results);
      plan = make_plan(p, &loaded, plan_dir);
    }
    return total;
  };
  auto print_total = [&](const suites::RunSummary& total) {
    for (const auto& e : total.errors) std::cerr << "lrbench run: failed: " << e << "\n";
    std::cout << "runs " << total.total << ": computed " << total.computed << ", cached " << total.cached
              << ", diverged " << total.diverged << ", failed " << total.failed << " (shard " << si << "/" << sn
              << ", results " << results << ")\n";
  };
  constexpr const char* kNoChoice = "lrbench run: a study's tuning chose no value (see the manifest's Tuning section)\n";
  if (seq.until_conclusive) {
    if (plan.undecided) {
      // A study's tuned arms: the sequential looks judge their final runs,
      // whose params the tuning fixes, so the two stages come first.
      if (seq.plan_only)
        throw std::runtime_error("--plan-only: a study's tuned arms have no choice yet in " + results +
                                 ": run `lrbench run --study FILE --results " + results +
                                 "` (or its shards, merged) first, then take the look");
      const auto total = run_stages();
      print_total(total);
      if (total.failed) return kRunFailure;
      if (plan.undecided) {
        std::cerr << kNoChoice;
        return kRunFailure;
      }
    }
    // The whole plan of each suite, then one bar per batch (each batch is the
    // whole grown plan, mostly cached).
    suites::write_manifests(results, plan.suites, budget_of(p), plan.seed_plans);
    auto bar = std::make_unique<RunsProgress>(0, threads, Progress::Mode::quiet);
    o.on_progress = [&](int64_t d, int64_t, const suites::RunSpec& r, const std::string& what) {
      bar->run_done(-1, d, run_name(r), what);
    };
    o.on_run_progress = [&](int worker, const suites::RunSpec& r, double f, const std::string& st) {
      bar->run_progress(worker, run_name(r), f, st);
    };
    suites::UntilConclusiveHooks hooks;
    hooks.before_batch = [&](int64_t n) { bar = std::make_unique<RunsProgress>(n, threads, mode); };
    hooks.after_batch = [&](const suites::RunSummary& s) {
      bar->finish(std::to_string(s.computed) + " computed, " + std::to_string(s.cached) + " cached, " +
                  std::to_string(s.diverged) + " diverged, " + std::to_string(s.failed) + " failed");
    };
    return run_until_conclusive_command(plan.suites, budget_of(p), seq, o, hooks);
  }
  const auto total = run_stages();
  if (plan.undecided && sn == 1 && seq.batch_of.empty() && !total.failed) std::cerr << kNoChoice;
  print_total(total);
  return total.failed ? kRunFailure : kOk;
}

int cmd_status(const std::vector<std::string>& args) {
  PlanOptions p;
  std::string dir;
  po::options_description opts("options");
  add_plan_options(opts, p);
  bool list_other = false;
  opts.add_options()("results", po::value(&dir)->required(), "results directory")
      ("list-other", po::bool_switch(&list_other),
       "also list each record outside the plan (suite, config, seed, file): e.g. the runs an edited study "
       "no longer plans (they are kept, never deleted)");
  po::positional_options_description pos;
  pos.add("results", 1);
  po::variables_map vm;
  if (!parse_options("status", "DIR [--suite ID ...] [--study FILE ...] [--quick] [--seeds K] [--list-other]",
                     "Per suite: planned runs done (ok), diverged, missing, and records outside\n"
                     "the plan (another budget or numerics version, or runs an edited study no\n"
                     "longer plans).  Exit 3 on a corrupt file.",
                     opts, pos, args, vm))
    return kOk;
  const auto loaded = records::load_results(dir);
  print_load_errors("status", loaded);
  const auto plan = make_plan(p, &loaded, dir);
  std::printf("%-6s %8s %8s %8s %8s %8s\n", "suite", "planned", "ok", "diverged", "missing", "other");
  for (const auto& s : records::status(loaded, plan.runs))
    std::printf("%-6s %8d %8d %8d %8d %8d\n", s.suite.c_str(), s.expected, s.ok, s.diverged,
                s.missing, s.other);
  if (plan.undecided) std::printf("(a study's tuned arms wait for their tuning runs: their final runs are not planned yet)\n");
  if (list_other) {
    std::set<std::string> planned, suite_ids;
    for (const auto& r : plan.runs) planned.insert(records::run_address(r));
    for (const auto* s : plan.suites) suite_ids.insert(s->id);
    for (const auto& [address, rec] : loaded.by_address)
      if (!planned.count(address) && suite_ids.count(rec.value("suite", "")))
        std::printf("other: %s %s seed %lld (%s)\n", rec.value("suite", "").c_str(), rec.value("config", "").c_str(),
                    static_cast<long long>(rec.value("seed", int64_t{0})), loaded.path_of.at(address).c_str());
  }
  return loaded.errors.empty() ? kOk : kDataError;
}

int cmd_merge(const std::vector<std::string>& args) {
  std::vector<std::string> inputs;
  std::string out;
  po::options_description opts("options");
  opts.add_options()
      ("inputs", po::value(&inputs)->multitoken()->required(), "results directories to combine")
      ("out", po::value(&out)->required(), "output results directory (may already hold records)");
  po::positional_options_description pos;
  pos.add("inputs", -1);
  po::variables_map vm;
  if (!parse_options("merge", "DIR... --out DIR",
                     "Copies every record and manifest of the input directories into --out.\n"
                     "One address in two places must hold the same record apart from provenance\n"
                     "and timing, one manifest the same bytes; otherwise nothing is written and\n"
                     "the exit status is 3.  Verdicts are not copied: run `lrbench claims` on\n"
                     "the merged directory.",
                     opts, pos, args, vm))
    return kOk;
  const auto n = records::merge(inputs, out);  // FormatError: exit 3 (main.cpp)
  std::cout << "merged " << n << " new records into " << out << "\n";
  return kOk;
}

int cmd_claims(const std::vector<std::string>& args) {
  PlanOptions p;
  std::string dir, format = "text", table = "full", multiplicity = "holm";
  double alpha = 0.05;
  bool print_only = false;
  po::options_description opts("options");
  add_plan_options(opts, p);
  opts.add_options()
      ("results", po::value(&dir)->required(), "results directory")
      ("format", po::value(&format)->default_value(format), "text | markdown | json")
      ("table", po::value(&table)->default_value(table),
       "markdown only: full (claims.md: statistics per claim) | readme (one short line per claim: verdict, "
       "raw verdict, seeds, abridged evidence; what README.md's verdict table is made of)")
      ("multiplicity", po::value(&multiplicity)->default_value(multiplicity),
       "how each suite's tests are adjusted as a family: holm (family-wise error) | bh (false discovery "
       "rate) | bonferroni | none")
      ("alpha", po::value(&alpha)->default_value(alpha), "the family's two-sided error rate, in (0, 0.5]")
      ("print-only", po::bool_switch(&print_only),
       "only print: do not write DIR/verdicts/<suite>.<budget>.json and the suites' manifests");
  po::positional_options_description pos;
  pos.add("results", 1);
  po::variables_map vm;
  if (!parse_options("claims",
                     "DIR [--format text|markdown|json] [--table full|readme] [--multiplicity holm|bh|bonferroni|none] "
                     "[--suite ID ...] [--study FILE ...] [--quick] [--seeds K]",
                     "Checks every claim of the suites against the records in DIR (never trains):\n"
                     "verdict supported / refuted / inconclusive with its evidence.  Each suite's\n"
                     "tests are one family: the verdict is the adjusted one (Holm by default), the\n"
                     "raw one (each test alone at 95 %) is shown beside it, with p-values, the\n"
                     "family interval, the minimum detectable effect at 80 % power and, for an\n"
                     "inconclusive test, whether it is 'no effect of practical size' or 'too few\n"
                     "seeds' (and about how many would decide it).  A suite with a seed plan\n"
                     "(DIR/seeds/, from `run --until-conclusive`) is judged over its sequential\n"
                     "looks.  Pass the same --quick/--seeds as `lrbench run` so the expected runs\n"
                     "match.  Also writes the verdicts as DIR/verdicts/<suite>.<budget>.json (and\n"
                     "the suites' manifests) for `lrbench report`.  Exit 0 when every check could\n"
                     "be evaluated (missing runs give 'inconclusive'), 1 when a check failed,\n"
                     "3 when a results file is corrupt (nothing is written then).",
                     opts, pos, args, vm))
    return kOk;
  if (table != "full" && table != "readme") throw UsageError("--table must be full or readme, got '" + table + "'");
  if (table == "readme" && format != "markdown") throw UsageError("--table readme needs --format markdown");
  const auto fmt = format == "text"       ? records::ClaimsFormat::text
                   : format == "markdown" ? (table == "readme" ? records::ClaimsFormat::readme
                                                               : records::ClaimsFormat::markdown)
                   : format == "json"     ? records::ClaimsFormat::json
                                          : throw UsageError("--format must be text, markdown or json, got '" + format + "'");
  if (!(alpha > 0 && alpha <= 0.5)) throw UsageError("--alpha must be in (0, 0.5], got " + std::to_string(alpha));
  suites::ClaimsOptions co;
  co.verdicts.alpha = alpha;
  try {
    co.verdicts.multiplicity = stats::parse_multiplicity(multiplicity);
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--multiplicity: ") + e.what());
  }
  const auto loaded = records::load_results(dir);
  print_load_errors("claims", loaded);
  const auto plan = make_plan(p, &loaded, dir);
  co.seed_plans = &plan.seed_plans;
  const auto rows = suites::evaluate_claims(loaded, plan.runs, plan.suites, co);
  std::cout << suites::format_claims(rows, fmt) << std::flush;
  bool errored = false;
  for (const auto& r : rows)
    if (!r.error.empty()) {
      errored = true;
      std::cerr << "lrbench claims: " << r.claim->id << " could not be evaluated: " << r.error << "\n";
    }
  if (!loaded.errors.empty()) return kDataError;  // verdicts of incomplete data are not recorded
  if (!print_only) suites::record_claims(dir, loaded, rows, budget_of(p), plan.seed_plans);
  return errored ? kRunFailure : kOk;
}

}  // namespace lrb::cli
