#pragma once
// The report page: one self-contained index.html (uPlot's script and style
// inlined, figure data as JSON in the page, no request to anything but the
// figure files beside it, which are only linked).  A Content-Security-Policy
// of default-src 'none' makes any accidental network fetch fail loudly.
#include <string>
#include <vector>

#include "reports/figures.hpp"
#include "reports/report.hpp"

namespace lrb::reports {

struct WebAssets {
  std::string uplot_js;   // node_modules/uplot/dist/uPlot.iife.min.js
  std::string uplot_css;  // node_modules/uplot/dist/uPlot.min.css
  std::string uplot_version;
};
// Reads the assets from `node_modules`: a folder holding uplot/dist/ (the
// source tree's tools/web/node_modules, or an installed share/lrbench/web).
// The caller (the CLI) decides which folder; nothing here reads the
// environment.  Throws std::runtime_error naming the missing file and "run
// tools/setup.sh".
WebAssets load_web_assets(const std::string& node_modules);

struct PageInfo {
  std::string version, commit;  // of the lrbench that renders the page
  std::string command;          // how this report was made
};

std::string html_escape(const std::string& s);
// A "[lo, hi]" text of the confidence interval found in claim evidence
// (a "ci95"/"ci" pair, the paired difference first); empty when none.
std::string evidence_ci(const nlohmann::json& evidence);
std::string bibtex(const PageInfo& info);
// The page's building blocks, shared with the performance-history page
// (tools/perfhistory): its CSS (after uPlot's), the script that draws every
// figure of the JSON in <script id="lrb-figures"> with uPlot, one figure's
// <figure> (chart, caption, static-file links, citation line), and JSON made
// safe inside <script> ("<" escaped, so no string can close the element).
const char* page_style();
const char* chart_script();
std::string figure_html(const Figure& f, const PageInfo& info);
std::string script_json(const std::string& dumped);

std::string render_page(const Report& r, const std::vector<Figure>& figures, const WebAssets& assets,
                        const PageInfo& info);

}  // namespace lrb::reports
