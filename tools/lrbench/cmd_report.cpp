// lrbench report: the HTML report and figures from results files (never trains).
//
// Writes OUT/index.html (self-contained: uPlot inlined, no network) and, per
// figure, OUT/figures/<id>.{png,svg,pdf,csv,gp}.  Exit statuses:
//   0  written (missing runs are stated in the page, not an error)
//   1  gnuplot or uPlot missing / failed, or OUT cannot be written
//   2  usage error
//   3  a results, lr-find or bench file is corrupt (named on stderr); nothing written
#include <filesystem>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "core/buildinfo/buildinfo.hpp"
#include "reports/html.hpp"
#include "reports/report.hpp"
#include "suites/runner.hpp"
#include "tools/lrbench/cli.hpp"

namespace lrb::cli {

int cmd_report(const std::vector<std::string>& args) {
  std::string results, out, bench, web_dir, gnuplot = "gnuplot", budget = "auto";
  int seeds = 0;
  bool quick = false;
  po::options_description opts("options");
  opts.add_options()
      ("results", po::value(&results)->required(), "results directory of `lrbench run` (DIR/<suite>/<address>.json; "
       "LR range tests in DIR/lr-find/*.json)")
      ("out", po::value(&out)->required(), "output directory (created; index.html and figures/ are replaced)")
      ("bench", po::value(&bench), "optional: Google Benchmark JSON folder of `make bench` (results/bench), "
       "read recursively, for the throughput and roofline figures")
      ("quick", po::bool_switch(&quick), "check claims and count missing runs against the quick plan "
       "(default: inferred per suite from the records)")
      ("full", po::value(&budget)->implicit_value("full")->default_value("auto"),
       "force the full plan (the opposite of --quick)")
      ("seeds", po::value(&seeds)->default_value(0),
       "seeds per seeded configuration in [1, 1000]; 0 = 1 + the largest seed found per suite")
      ("web-dir", po::value(&web_dir), "node_modules folder holding uplot (default: $LRBENCH_WEB_DIR, else the "
       "source tree's reports/web/node_modules installed by tools/setup.sh)")
      ("gnuplot", po::value(&gnuplot)->default_value(gnuplot), "the gnuplot executable");
  po::variables_map vm;
  if (!parse_options("report", "--results DIR --out DIR [--bench DIR] [--quick|--full] [--seeds K]",
                     "Renders the report of a results directory without running anything: one offline\n"
                     "page (OUT/index.html: the tutorials' setups, claim verdicts, interactive charts,\n"
                     "provenance, citation) and every figure as PNG, SVG and PDF drawn by gnuplot with\n"
                     "its CSV and script (OUT/figures/<id>.*).  Missing runs are stated in the page.\n"
                     "Exit 3 when an input file is corrupt, 1 when gnuplot/uPlot fail or are missing.",
                     opts, {}, args, vm))
    return kOk;
  if (budget != "auto" && budget != "full") throw UsageError("--full takes no value, got '" + budget + "'");
  if (quick && budget == "full") throw UsageError("--quick and --full exclude each other");
  if (seeds < 0 || seeds > 1000) throw UsageError("--seeds must be in [0, 1000], got " + std::to_string(seeds));
  if (out.empty()) throw UsageError("--out must not be empty");
  if (web_dir.empty()) web_dir = reports::default_node_modules();

  reports::ReportOptions ro{.results_dir = results, .bench_dir = bench, .quick = std::nullopt, .seeds = seeds};
  if (quick) ro.quick = true;
  if (budget == "full") ro.quick = false;

  const auto assets = reports::load_web_assets(web_dir);  // before any work: a setup problem is cheap to see
  reports::Report report;
  std::vector<reports::Figure> figures;
  try {
    report = reports::load_report(ro);
    figures = reports::build_figures(report);
  } catch (const reports::ReportDataError& e) {
    std::cerr << "lrbench report: data error: " << e.what() << "\n";
    return kDataError;
  }

  namespace fs = std::filesystem;
  const fs::path fig_dir = fs::path(out) / "figures";
  fs::create_directories(fig_dir);
  for (const auto& f : figures) reports::render_figure(f, fig_dir.string(), gnuplot);

  std::string command = "build/tools/lrbench/lrbench report --results " + results + " --out " + out;
  if (!bench.empty()) command += " --bench " + bench;
  if (quick) command += " --quick";
  if (budget == "full") command += " --full";
  if (seeds) command += " --seeds " + std::to_string(seeds);
  const reports::PageInfo info{.version = buildinfo::version(), .commit = buildinfo::commit(), .command = command};
  const fs::path index = fs::path(out) / "index.html";
  suites::write_atomic(index.string(), reports::render_page(report, figures, assets, info));

  std::cout << "report: " << index.string() << " (" << figures.size() << " figures in " << fig_dir.string() << ")\n";
  for (const auto& g : reports::gaps(report)) std::cout << "  gap: " << g << "\n";
  return kOk;
}

}  // namespace lrb::cli
