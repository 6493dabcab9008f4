// `lrbench perf-history add|report|check`: the command line around
// tools/perfhistory (the store's rules: docs/perf-history.md).  Exit codes:
//   add     0 recorded, 2 usage error, 3 a file or the store breaks the rules
//   report  0 written, 1 gnuplot / uPlot / OUT failed, 2 usage, 3 corrupt store
//   check   0 no regression at the newest commit, 1 a regression (or a
//           benchmark that fails there), 2 usage, 3 corrupt store
// Data errors are records::FormatError (main.cpp answers 3, naming the file);
// nothing here deletes a file.
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "core/buildinfo/buildinfo.hpp"
#include "core/spec/spec.hpp"
#include "records/json_file.hpp"
#include "records/provenance.hpp"
#include "reports/output.hpp"
#include "tools/lrbench/cli.hpp"
#include "tools/lrbench/environment.hpp"
#include "tools/perfhistory/perfhistory.hpp"

namespace lrb::cli {
namespace {

namespace fs = std::filesystem;
namespace phl = lrb::perfhistory;

constexpr int kRegression = 1;  // as perf-check: "exit 1 on a slowdown"

const char* kOverview = R"(usage: lrbench perf-history <add|report|check> STORE [options]

The performance history: every commit's benchmarks on one machine, kept as
plain files in STORE (docs/perf-history.md), analysed for change points.

  add     record one commit's Google Benchmark JSON files
  report  one offline HTML page + PNG/SVG/PDF/CSV/gnuplot per benchmark
  check   does the newest commit start a regression?  exit 1 if so

'lrbench perf-history <subcommand> --help' describes each.
tools/ci/perf-history.sh builds and records a run of commits;
tools/ci/perf-bisect.sh names the first bad commit of a range.)";

// Shared by report and check: which machine, which benchmarks, which commits.
struct Selection {
  std::string machine, filter, commit_url;
  std::size_t last = 0;
  void add_to(po::options_description& o) {
    o.add_options()
        ("machine", po::value(&machine), "the machine id (a STORE subdirectory); needed when STORE holds several")
        ("filter", po::value(&filter), "only benchmarks whose name matches this RE2 regex, searched anywhere "
         "(the calibration benchmarks are always kept)")
        ("last", po::value(&last)->default_value(0), "only the newest N commits (0 = all)")
        ("commit-url", po::value(&commit_url), "link commits with this template, {sha} = the full commit id, "
         "e.g. https://github.com/ORG/REPO/commit/{sha}");
  }
  phl::LoadOptions load(const std::string& store) const {
    phl::LoadOptions o{.store = store, .machine = machine, .filter = std::nullopt, .last = last};
    if (!filter.empty()) {
      try {
        o.filter.emplace(filter);
      } catch (const perfcheck::PatternError& e) {
        throw UsageError("--filter '" + filter + "' is not a valid regex (" + e.what() + ")");
      }
    }
    return o;
  }
  phl::Links links() const {
    phl::Links l{commit_url};
    phl::validate(l);
    return l;
  }
};

// The library's usage errors are the CLI's.
template <typename F>
auto usage_errors(F&& f) {
  try {
    return f();
  } catch (const phl::UsageError& e) {
    throw UsageError(e.what());
  }
}

int history_add(const std::vector<std::string>& args) {
  phl::AddRequest r;
  std::string parent, tolerance, cpu_model;
  po::options_description opts("options");
  opts.add_options()
      ("commit", po::value(&r.commit)->required(), "the commit the runs measured (full id, `git rev-parse`)")
      ("parent", po::value(&parent), "its first parent (full id); omit for a root commit")
      ("time", po::value(&r.time), "its committer date, ISO 8601 (`git log -1 --format=%cI`; default: now)")
      ("subject", po::value(&r.subject), "its subject line, shown in the report (`git log -1 --format=%s`)")
      ("replace", po::bool_switch(&r.replace), "rewrite the record if this commit is recorded already")
      ("tolerance", po::value(&tolerance), "how far the FILEs' calibrations may lie from their median, and from "
       "the machine's reference, and still be one machine, a percentage (default 25%; kept in machine.json "
       "of a machine this add creates; raise it on a machine shared with other work)")
      ("cpu-model", po::value(&cpu_model), "the CPU model of FILEs whose context names none (benchmarks built "
       "before the calibration recorded it); `host`: this machine's.  Without it such files form an "
       "'unknown-cpu' machine of their own");
  opts.add_options()
      ("store", po::value(&r.store)->required(), "STORE: the history directory (created if absent)")
      ("files", po::value(&r.files)->multitoken()->required(), "FILE.json...: the commit's benchmark runs");
  po::positional_options_description pos;
  pos.add("store", 1).add("files", -1);
  po::variables_map vm;
  if (!parse_options("perf-history add", "STORE --commit SHA [--parent SHA] [--time ISO] [--cpu-model NAME|host] FILE.json...",
                     "Merges the FILEs (Google Benchmark JSON with repetitions, e.g. one per executable\n"
                     "and interleaved round) into the record of (machine, commit) in STORE and inserts\n"
                     "the commit into that machine's index.  The machine is identified from the files'\n"
                     "context (CPU model, core count, caches) and their calibration benchmarks\n"
                     "(BM_calib_fma_peak, BM_calib_stream_triad: both required), so histories of\n"
                     "different machines never mix.  Writes are atomic; nothing is deleted.\n\n"
                     "exit status: 0 recorded; 2 usage error (a malformed id or time, no FILE);\n"
                     "3 data error: a FILE unreadable, not Google Benchmark JSON, without repetitions\n"
                     "or calibration; FILEs from different machines; the commit recorded already\n"
                     "(use --replace); its parent already has another recorded child; STORE corrupt.\n"
                     "Nothing is written then.",
                     opts, pos, args, vm))
    return kOk;
  if (vm.count("parent")) r.parent = parent;
  if (vm.count("cpu-model")) {
    if (cpu_model.empty()) throw UsageError("--cpu-model must name a CPU model (or `host`), got ''");
    r.cpu_model = cpu_model == "host" ? records::cpu_model() : cpu_model;
  }
  if (vm.count("tolerance")) {
    std::string t = tolerance;
    if (!t.empty() && t.back() == '%') t.pop_back();
    const auto v = spec::to_double(t);
    if (!v || !(*v > 0.0 && *v < 1000.0))
      throw UsageError("--tolerance must be a percentage in (0, 1000), e.g. 25%, got '" + tolerance + "'");
    r.tolerance = *v / 100.0;
  }
  const phl::AddResult res = usage_errors([&] { return phl::add(r); });
  for (const auto& n : res.notes) std::cerr << "lrbench perf-history add: " << n << "\n";
  std::cout << (res.replaced ? "replaced " : "recorded ") << phl::short_sha(r.commit) << " for " << res.machine
            << (res.new_machine ? " (new machine)" : "") << ": " << res.benchmarks << " benchmarks, " << res.rows
            << " repetitions -> " << res.record << "\n";
  return kOk;
}

std::string describe(const std::vector<std::string>& args) {
  std::string out = "lrbench perf-history";
  for (const auto& a : args) {
    const bool plain = !a.empty() && a.find_first_of(" '\"$`\\*?[]{}()&;|<>") == std::string::npos;
    out += " " + (plain ? a : "'" + a + "'");
  }
  return out;
}

int history_report(const std::vector<std::string>& args) {
  std::string store, out, web, gnuplot = "gnuplot";
  Selection sel;
  po::options_description opts("options");
  opts.add_options()
      ("out", po::value(&out)->required(), "output directory (created; its index.html and figures/ are replaced "
       "as a whole, nothing else in it is touched; must not lie in STORE)")
      ("web-dir", po::value(&web), "folder holding uplot/dist (default: $LRBENCH_WEB_DIR, else the installed "
       "share/lrbench/web, else the source tree's tools/web/node_modules)")
      ("gnuplot", po::value(&gnuplot)->default_value(gnuplot), "the gnuplot executable");
  sel.add_to(opts);
  opts.add_options()("store", po::value(&store)->required(), "STORE: the history directory");
  po::positional_options_description pos;
  pos.add("store", 1);
  po::variables_map vm;
  if (!parse_options("perf-history report", "STORE --out DIR [--machine ID] [--commit-url URL]",
                     "Renders one machine's history: OUT/index.html (offline: uPlot inlined) with the\n"
                     "regressions on top, the newest commit's verdict, each benchmark's noise before and\n"
                     "after calibration normalization, one chart per benchmark with its change points\n"
                     "marked and their commit ranges linked, and the commits; every chart also as\n"
                     "OUT/figures/<id>.{png,svg,pdf,csv,gp}.  Staged next to OUT and moved into place\n"
                     "only when complete.\n\n"
                     "exit status: 0 written; 1 gnuplot or uPlot missing or failed, OUT cannot be\n"
                     "written; 2 usage error (no such STORE, several machines and no --machine, OUT\n"
                     "inside STORE); 3 STORE breaks its rules (the message names the file).",
                     opts, pos, args, vm))
    return kOk;
  if (out.empty()) throw UsageError("--out must not be empty");
  try {
    reports::check_out_path(out, store, "");
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string(e.what()) + " (STORE is --results here)");
  }
  const phl::Links links = usage_errors([&] { return sel.links(); });
  const auto assets = reports::load_web_assets(web_dir(web));
  phl::HistoryAnalysis a = phl::analyze(usage_errors([&] { return phl::load_history(sel.load(store)); }), {});
  const auto figures = phl::history_figures(a);
  reports::StagedReport staged(out);
  for (const auto& f : figures) reports::render_figure(f, staged.figures().string(), gnuplot);
  std::vector<std::string> all_args{"report"};
  all_args.insert(all_args.end(), args.begin(), args.end());
  const reports::PageInfo info{.version = buildinfo::version(), .commit = buildinfo::commit(), .command = describe(all_args)};
  records::write_atomic(staged.index(), phl::render_history_page(a, figures, assets, info, links));
  staged.publish();
  std::cout << "perf-history report: " << (fs::path(out) / "index.html").string() << " (" << a.history.commits.size()
            << " commits of " << a.history.machine.id << ", " << figures.size() << " figures; "
            << a.regressions << " regression" << (a.regressions == 1 ? "" : "s") << " at the newest commit)\n";
  for (const auto& w : a.history.warnings) std::cerr << "lrbench perf-history report: warning: " << w << "\n";
  return kOk;
}

int history_check(const std::vector<std::string>& args) {
  std::string store, format = "text", threshold = "5%", alpha = "0.001";
  std::size_t min_history = 10;
  Selection sel;
  po::options_description opts("options");
  opts.add_options()
      ("format", po::value(&format)->default_value(format), "text | markdown (a pull-request comment) | json")
      ("threshold", po::value(&threshold)->default_value(threshold),
       "smallest slowdown that fails, a percentage in (0, 100)")
      ("alpha", po::value(&alpha)->default_value(alpha), "one-sided significance level in (0, 0.5]")
      ("min-history", po::value(&min_history)->default_value(min_history),
       "commits with data before the newest that a verdict needs (>= 2); fewer: insufficient-history, exit 0");
  sel.add_to(opts);
  opts.add_options()("store", po::value(&store)->required(), "STORE: the history directory");
  po::positional_options_description pos;
  pos.add("store", 1);
  po::variables_map vm;
  if (!parse_options("perf-history check", "STORE [--machine ID] [--format text|markdown|json]",
                     "Does the newest commit of the history start a regression?  Per benchmark, its\n"
                     "level (Hodges-Lehmann over its calibration-normalized repetitions) against the\n"
                     "level of the last segment of the history before it (change points: PELT with\n"
                     "permutation tests, core/changepoint), z = difference / noise: a regression is\n"
                     "one-sided p <= --alpha and at least --threshold slower.  Also lists the change\n"
                     "points of the whole history with their commit ranges (for perf-bisect.sh).\n"
                     "A single noisy run can fail the gate: confirm with tools/ci/perf-regression.sh\n"
                     "PARENT NEWEST before blocking a merge.\n\n"
                     "exit status: 0 no regression at the newest commit (also with too short a\n"
                     "history); 1 a regression, or a benchmark that reports an error at the newest\n"
                     "commit; 2 usage error (no such STORE, an empty one, several machines and no\n"
                     "--machine: the choices are listed); 3 STORE breaks its rules (a record missing or\n"
                     "corrupt, a record of another machine or commit; the message names the file).",
                     opts, pos, args, vm))
    return kOk;
  perfcheck::Format f;
  if (format == "text") f = perfcheck::Format::text;
  else if (format == "markdown") f = perfcheck::Format::markdown;
  else if (format == "json") f = perfcheck::Format::json;
  else throw UsageError("--format must be text, markdown or json, got '" + format + "'");
  phl::AnalysisOptions o;
  o.newest.min_relative_change = parse_percentage("--threshold", threshold);
  const auto al = spec::to_double(alpha);
  if (!al || !(*al > 0.0 && *al <= 0.5)) throw UsageError("--alpha must be in (0, 0.5], got '" + alpha + "'");
  o.newest.alpha = *al;
  if (min_history < 2) throw UsageError("--min-history must be >= 2, got " + std::to_string(min_history));
  o.newest.min_history = min_history;
  const phl::Links links = usage_errors([&] { return sel.links(); });
  const phl::HistoryAnalysis a = phl::analyze(usage_errors([&] { return phl::load_history(sel.load(store)); }), o);
  std::cout << phl::render_check(a, f, links) << std::flush;
  return a.regression() ? kRegression : kOk;
}

}  // namespace

int cmd_perf_history(const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    (args.empty() ? std::cerr : std::cout) << kOverview << "\n";
    return args.empty() ? kUsage : kOk;
  }
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (args[0] == "add") return history_add(rest);
  if (args[0] == "report") return history_report(rest);
  if (args[0] == "check") return history_check(rest);
  throw UsageError("unknown subcommand '" + args[0] + "' (add, report or check)");
}

}  // namespace lrb::cli
