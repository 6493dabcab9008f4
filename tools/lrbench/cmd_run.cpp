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
#include <iostream>
#include <string>
#include <vector>

#include "datasets/error.hpp"
#include "datasets/fashion_mnist.hpp"
#include "records/provenance.hpp"
#include "records/results_dir.hpp"
#include "suites/runner.hpp"
#include "tools/lrbench/cli.hpp"
#include "tools/lrbench/environment.hpp"
#include "tools/lrbench/progress.hpp"

namespace lrb::cli {
namespace {

struct PlanOptions {
  std::vector<std::string> suites;
  bool quick = false;
  int seeds = 0;
};

void add_plan_options(po::options_description& opts, PlanOptions& p) {
  opts.add_options()
      ("suite", po::value(&p.suites)->multitoken(),
       "suite ids to include (repeatable: --suite 002 --suite 004); default: every implemented one")
      ("quick", po::bool_switch(&p.quick), "the quick configuration (smaller budgets, 3 seeds)")
      ("seeds", po::value(&p.seeds)->default_value(0),
       "seeds per seeded configuration, in [1, 1000]; 0 = the suite's default (10, quick 3)");
}

records::Budget budget_of(const PlanOptions& p) { return {.quick = p.quick, .seeds = p.seeds}; }

std::vector<suites::RunSpec> make_plan(const PlanOptions& p) {
  if (p.seeds < 0 || p.seeds > 1000)
    throw UsageError("--seeds must be in [0, 1000], got " + std::to_string(p.seeds));
  try {
    return suites::plan_runs(p.suites, budget_of(p));
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--suite: ") + e.what());
  }
}

void print_load_errors(const char* cmd, const records::LoadedResults& l) {
  for (const auto& e : l.errors) std::cerr << "lrbench " << cmd << ": data error: " << e.what() << "\n";
}

}  // namespace

int cmd_run(const std::vector<std::string>& args) {
  PlanOptions p;
  std::string results = "results", shard_text = "0/1", progress = "auto", data_dir;
  int threads = 1;
  bool force = false;
  po::options_description opts("options");
  add_plan_options(opts, p);
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
  if (!parse_options("run", "[--suite ID ...] [--quick] [--seeds K] [--threads T] [--shard I/N] "
                     "[--results DIR] [--force]",
                     "Runs the tutorial suites.  Each run (suite, configuration, seed) is stored as\n"
                     "DIR/<suite>/<address>.json, address = SHA-256 of its canonical configuration\n"
                     "and the numerics version.  A run with a record (status ok or diverged) is\n"
                     "never recomputed (--force does); records are written atomically, so an\n"
                     "interrupted run resumes where it stopped.  Each suite's plan is written\n"
                     "first as DIR/manifests/<suite>.<budget>.json (what `lrbench report` reads).\n"
                     "Exit 1 if any run failed.",
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
  const auto runs = suites::shard(make_plan(p), si, sn);
  if (!data_dir.empty()) {
    std::error_code ec;
    if (!std::filesystem::is_directory(data_dir, ec))
      throw data::DataError(data_dir, "a directory holding the Fashion-MNIST IDX files (--data-dir)",
                            "no such directory", data::kIdxHint);
  }
  const auto dir = data::resolve_data_dir(data_dir.empty() ? std::nullopt : std::optional<std::string>(data_dir),
                                          data_dir_from_environment());
  // The whole plan of each suite, whichever shard this is: every shard writes
  // the same bytes, and merge checks that they agree.
  suites::write_manifests(results, p.suites, budget_of(p));

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
  RunsProgress bar(static_cast<int64_t>(runs.size()), threads,
                   progress == "none"    ? Progress::Mode::quiet
                   : progress == "lines" ? Progress::Mode::lines
                                         : Progress::Mode::bar);
  auto run_name = [](const suites::RunSpec& r) {
    return r.suite + " " + r.config + " seed " + std::to_string(r.seed);
  };
  o.on_progress = [&](int64_t done, int64_t, const suites::RunSpec& r, const std::string& what) {
    bar.run_done(-1, done, run_name(r), what);
  };
  o.on_run_progress = [&](int worker, const suites::RunSpec& r, double f, const std::string& st) {
    bar.run_progress(worker, run_name(r), f, st);
  };
  const auto sum = suites::run_all(runs, o);
  bar.finish(std::to_string(sum.computed) + " computed, " + std::to_string(sum.cached) + " cached, " +
             std::to_string(sum.diverged) + " diverged, " + std::to_string(sum.failed) + " failed");
  for (const auto& e : sum.errors) std::cerr << "lrbench run: failed: " << e << "\n";
  std::cout << "runs " << sum.total << ": computed " << sum.computed << ", cached " << sum.cached
            << ", diverged " << sum.diverged << ", failed " << sum.failed << " (shard " << si << "/"
            << sn << ", results " << results << ")\n";
  return sum.failed ? kRunFailure : kOk;
}

int cmd_status(const std::vector<std::string>& args) {
  PlanOptions p;
  std::string dir;
  po::options_description opts("options");
  add_plan_options(opts, p);
  opts.add_options()("results", po::value(&dir)->required(), "results directory");
  po::positional_options_description pos;
  pos.add("results", 1);
  po::variables_map vm;
  if (!parse_options("status", "DIR [--suite ID ...] [--quick] [--seeds K]",
                     "Per suite: planned runs done (ok), diverged, missing, and records outside\n"
                     "the plan (another budget or numerics version).  Exit 3 on a corrupt file.",
                     opts, pos, args, vm))
    return kOk;
  const auto plan = make_plan(p);
  const auto loaded = records::load_results(dir);
  print_load_errors("status", loaded);
  std::printf("%-6s %8s %8s %8s %8s %8s\n", "suite", "planned", "ok", "diverged", "missing", "other");
  for (const auto& s : records::status(loaded, plan))
    std::printf("%-6s %8d %8d %8d %8d %8d\n", s.suite.c_str(), s.expected, s.ok, s.diverged,
                s.missing, s.other);
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
  std::string dir, format = "text";
  bool print_only = false;
  po::options_description opts("options");
  add_plan_options(opts, p);
  opts.add_options()
      ("results", po::value(&dir)->required(), "results directory")
      ("format", po::value(&format)->default_value(format), "text | markdown | json")
      ("print-only", po::bool_switch(&print_only),
       "only print: do not write DIR/verdicts/<suite>.<budget>.json and the suites' manifests");
  po::positional_options_description pos;
  pos.add("results", 1);
  po::variables_map vm;
  if (!parse_options("claims", "DIR [--format text|markdown|json] [--suite ID ...] [--quick] [--seeds K]",
                     "Checks every claim of the suites against the records in DIR (never trains):\n"
                     "verdict supported / refuted / inconclusive with its evidence.  Pass the\n"
                     "same --quick/--seeds as `lrbench run` so the expected runs match.  Also\n"
                     "writes the verdicts as DIR/verdicts/<suite>.<budget>.json (and the suites'\n"
                     "manifests) for `lrbench report`.  Exit 0 when every check could be\n"
                     "evaluated (missing runs give 'inconclusive'), 1 when a check failed,\n"
                     "3 when a results file is corrupt (nothing is written then).",
                     opts, pos, args, vm))
    return kOk;
  const auto fmt = format == "text"       ? records::ClaimsFormat::text
                   : format == "markdown" ? records::ClaimsFormat::markdown
                   : format == "json"     ? records::ClaimsFormat::json
                                          : throw UsageError("--format must be text, markdown or json, got '" + format + "'");
  const auto plan = make_plan(p);
  const auto loaded = records::load_results(dir);
  print_load_errors("claims", loaded);
  const auto rows = suites::evaluate_claims(loaded, plan, p.suites);
  std::cout << suites::format_claims(rows, fmt) << std::flush;
  bool errored = false;
  for (const auto& r : rows)
    if (!r.error.empty()) {
      errored = true;
      std::cerr << "lrbench claims: " << r.claim->id << " could not be evaluated: " << r.error << "\n";
    }
  if (!loaded.errors.empty()) return kDataError;  // verdicts of incomplete data are not recorded
  if (!print_only) suites::record_claims(dir, loaded, rows, budget_of(p));
  return errored ? kRunFailure : kOk;
}

}  // namespace lrb::cli
