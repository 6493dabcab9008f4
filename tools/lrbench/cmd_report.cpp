// lrbench report: the HTML report and figures from results files (never trains).
//
// Writes OUT/index.html (self-contained: uPlot inlined, no network) and, per
// figure, OUT/figures/<id>.{png,svg,pdf,csv,gp}, staged in a private folder
// next to OUT and moved into place only when complete (reports/output.hpp).
// Exit statuses:
//   0  written (missing runs are stated in the page, not an error)
//   1  written, but a claim could not be evaluated (its verdict is "error");
//      or not written: gnuplot or uPlot missing / failed, OUT cannot be written
//   2  usage error, or an --out that would write into / or into the inputs
//   3  a results, manifest, verdicts, lr-find or bench file is corrupt (named
//      on stderr); nothing written
#include <iostream>
#include <string>
#include <vector>

#include "core/buildinfo/buildinfo.hpp"
#include "records/json_file.hpp"
#include "reports/html.hpp"
#include "reports/output.hpp"
#include "reports/report.hpp"
#include "tools/lrbench/cli.hpp"
#include "tools/lrbench/environment.hpp"

namespace lrb::cli {

int cmd_report(const std::vector<std::string>& args) {
  std::string results, out, bench, web, gnuplot = "gnuplot", budget = "auto";
  int seeds = 0;
  bool quick = false;
  po::options_description opts("options");
  opts.add_options()
      ("results", po::value(&results)->required(), "results directory of `lrbench run` and `lrbench claims` "
       "(DIR/manifests/, DIR/<suite>/<address>.json, DIR/verdicts/; LR range tests in DIR/lr-find/*.json)")
      ("out", po::value(&out)->required(), "output directory (created; its index.html and figures/ are replaced "
       "as a whole, nothing else in it is touched; must not be / or inside --results)")
      ("bench", po::value(&bench), "optional: Google Benchmark JSON folder of `make bench` (results/bench), "
       "read recursively, for the throughput and roofline figures")
      ("quick", po::bool_switch(&quick), "show each suite's quick-budget manifest (default: the manifest the "
       "records match best)")
      ("full", po::value(&budget)->implicit_value("full")->default_value("auto"),
       "show each suite's full-budget manifest (the opposite of --quick)")
      ("seeds", po::value(&seeds)->default_value(0),
       "show the manifests planned with this many seeds, in [1, 1000]; 0 = any")
      ("web-dir", po::value(&web), "folder holding uplot/dist (default: $LRBENCH_WEB_DIR, else the installed "
       "share/lrbench/web next to this executable, else the source tree's tools/web/node_modules)")
      ("gnuplot", po::value(&gnuplot)->default_value(gnuplot), "the gnuplot executable");
  po::variables_map vm;
  if (!parse_options("report", "--results DIR --out DIR [--bench DIR] [--quick|--full] [--seeds K]",
                     "Renders the report of a results directory without running anything: one offline\n"
                     "page (OUT/index.html: the tutorials' setups, claim verdicts, interactive charts,\n"
                     "provenance, citation) and every figure as PNG, SVG and PDF drawn by gnuplot with\n"
                     "its CSV and script (OUT/figures/<id>.*).  It reads the suites' manifests and\n"
                     "the verdicts of `lrbench claims`; missing runs and missing or stale verdicts\n"
                     "are stated in the page.  The old report stays as it was until the new one is\n"
                     "complete.  Exit 3 when an input file is corrupt, 1 when gnuplot/uPlot fail or\n"
                     "are missing or a claim could not be evaluated.",
                     opts, {}, args, vm))
    return kOk;
  if (budget != "auto" && budget != "full") throw UsageError("--full takes no value, got '" + budget + "'");
  if (quick && budget == "full") throw UsageError("--quick and --full exclude each other");
  if (seeds < 0 || seeds > 1000) throw UsageError("--seeds must be in [0, 1000], got " + std::to_string(seeds));
  if (out.empty()) throw UsageError("--out must not be empty");
  try {
    reports::check_out_path(out, results, bench);
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }

  reports::ReportOptions ro{.results_dir = results, .bench_dir = bench, .quick = std::nullopt, .seeds = seeds};
  if (quick) ro.quick = true;
  if (budget == "full") ro.quick = false;

  const auto assets = reports::load_web_assets(web_dir(web));  // before any work: a setup problem is cheap to see
  const reports::Report report = reports::load_report(ro);     // records::FormatError: exit 3 (main.cpp)
  const std::vector<reports::Figure> figures = reports::build_figures(report);

  reports::StagedReport staged(out);
  for (const auto& f : figures) reports::render_figure(f, staged.figures().string(), gnuplot);
  std::string command = "build/tools/lrbench/lrbench report --results " + results + " --out " + out;
  if (!bench.empty()) command += " --bench " + bench;
  if (quick) command += " --quick";
  if (budget == "full") command += " --full";
  if (seeds) command += " --seeds " + std::to_string(seeds);
  const reports::PageInfo info{.version = buildinfo::version(), .commit = buildinfo::commit(), .command = command};
  records::write_atomic(staged.index(), reports::render_page(report, figures, assets, info));
  staged.publish();

  const std::string index = (std::filesystem::path(out) / "index.html").string();
  std::cout << "report: " << index << " (" << figures.size() << " figures in "
            << (std::filesystem::path(out) / "figures").string() << ")\n";
  for (const auto& g : reports::gaps(report)) std::cout << "  gap: " << g << "\n";
  if (const int n = reports::claim_errors(report); n > 0) {
    std::cerr << "lrbench report: " << n << " claim" << (n > 1 ? "s" : "")
              << " could not be evaluated (verdict \"error\" in the page; see `lrbench claims`)\n";
    return kRunFailure;
  }
  return kOk;
}

int cmd_profile(const std::vector<std::string>& args) {
  std::vector<std::string> dirs;
  std::string out, gnuplot = "gnuplot";
  int seeds = 0;
  bool quick = false;
  po::options_description opts("options");
  opts.add_options()
      ("results", po::value(&dirs)->multitoken()->required(), "results directories (as for `lrbench report`)")
      ("quick", po::bool_switch(&quick), "profile each suite's quick-budget manifest")
      ("seeds", po::value(&seeds)->default_value(0), "the manifests planned with this many seeds; 0 = any")
      ("out", po::value(&out), "also write each profile as <suite>-performance-profile.{csv,gp,png,svg,pdf} "
       "here (with several DIRs: OUT/<n>/ for the n-th)")
      ("gnuplot", po::value(&gnuplot)->default_value(gnuplot), "the gnuplot executable");
  po::positional_options_description pos;
  pos.add("results", -1);
  po::variables_map vm;
  if (!parse_options("profile", "DIR... [--quick] [--seeds K] [--out DIR]",
                     "Ranks each suite's optimizers across its problems from the records alone (never\n"
                     "runs): Dolan-More performance profiles, each optimizer at the LR of its sweep with\n"
                     "the smallest median cost (updates to 10 % of the initial loss), the AlgoPerf score\n"
                     "(the profile's integral up to tau = 4) with a 95 % bootstrap band over seeds and\n"
                     "the share of replicates where each ranks first -- the figure `lrbench report`\n"
                     "draws.  Suites that declare no optimizer x problem x lr sweep have none.  Exit 3\n"
                     "on a corrupt results file.",
                     opts, pos, args, vm))
    return kOk;
  if (seeds < 0 || seeds > 1000) throw UsageError("--seeds must be in [0, 1000], got " + std::to_string(seeds));
  int shown = 0;
  for (size_t i = 0; i < dirs.size(); ++i) {
    reports::ReportOptions ro{.results_dir = dirs[i], .bench_dir = "", .quick = std::nullopt, .seeds = seeds};
    if (quick) ro.quick = true;
    const reports::Report report = reports::load_report(ro);  // records::FormatError: exit 3 (main.cpp)
    for (const auto& s : report.suites) {
      const auto f = reports::performance_profile(s);
      if (!f) continue;
      ++shown;
      std::cout << dirs[i] << ": " << f->title << "\n  " << f->note << "\n";
      if (!out.empty()) {
        const auto dir = dirs.size() == 1 ? std::filesystem::path(out) : std::filesystem::path(out) / std::to_string(i);
        std::filesystem::create_directories(dir);
        reports::render_figure(*f, dir.string(), gnuplot);
        std::cout << "  wrote " << (dir / (f->id + ".png")).string() << " (+ .svg .pdf .csv .gp)\n";
      }
    }
  }
  if (shown == 0) std::cout << "no suite in these results declares an optimizer x problem x lr sweep to profile\n";
  return kOk;
}

}  // namespace lrb::cli
