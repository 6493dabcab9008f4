#pragma once
// A figure is plain data: series of (x, y) points with an optional 95 % band,
// vertical markers and the rule that computed it.  The same struct feeds the
// HTML page (uPlot, from figure_json) and the files under figures/:
//
//   <id>.csv   wide CSV, one header row, columns "<series>:x", "<series>:y"
//              (+ ":lo", ":hi" for a band); empty cell = no value
//   <id>.gp    the gnuplot script that drew the three outputs below from the
//              CSV by relative path (run it in figures/ to restyle)
//   <id>.png   pngcairo 1100x620 (slides), <id>.svg, <id>.pdf (pdfcairo)
//
// Bar figures put categories at x = 0, 1, ...; their names are the CSV's
// first column "category" (and the x tick labels).
#include <nlohmann/json.hpp>
#include <cmath>
#include <string>
#include <vector>

namespace lrb::reports {

enum class Style {
  line,    // y vs x
  steps,   // y vs x, piecewise constant (an LR per step)
  points,  // markers only
  band,    // mean line y with a filled [lo, hi] band
  bars,    // bars at the categories (x = index)
  dashed,  // a reference line (a measured peak)
};
const char* to_string(Style s);

struct Series {
  std::string label{};
  Style style = Style::line;
  std::vector<double> x{}, y{};
  std::vector<double> lo{}, hi{};  // band only: same length as y; NaN = no band there
  bool y2 = false;             // drawn against the right axis
  bool alert = false;          // drawn as red crosses (diverged runs)
};

struct Marker {  // a vertical dashed line at x
  double x = 0;
  std::string label{};
};

struct Figure {
  std::string id;       // "<suite>-<kind>", stable: "002-loss-vs-epoch"
  std::string section;  // the suite id, "lr-find" or "bench"
  std::string title, xlabel, ylabel, y2label;
  bool logx = false, logy = false;
  double y_max = NAN;  // top of the y axis; NaN: fit the data (outliers included)
  std::vector<std::string> categories;  // bar figures
  std::vector<Series> series;
  std::vector<Marker> markers;
  std::string note;                  // how it was computed, in one or two sentences
  std::vector<std::string> sources;  // the results files it is a function of
  std::string sources_sha256;        // SHA-256 over those files' bytes, in path order
};

// A file-name-safe id fragment: lowercase [a-z0-9-], runs of others -> '-'.
std::string slug(const std::string& text);

std::string figure_csv(const Figure& f);
// The script: reads `<id>.csv` from the current directory, writes
// <id>.png, <id>.svg and <id>.pdf there.
std::string figure_gnuplot(const Figure& f);
// What the page's chart code reads (NaN -> null).
nlohmann::json figure_json(const Figure& f);

// Writes <id>.csv and <id>.gp into `dir` and runs `gnuplot <id>.gp` there.
// `dir` is the report's private staging folder (report_output.hpp), so a
// failure half way never shows in the published figures/.  Throws
// std::runtime_error with gnuplot's messages when it fails, and with the OS
// error (disk full, read-only) when an output is missing or empty.
void render_figure(const Figure& f, const std::string& dir, const std::string& gnuplot);

}  // namespace lrb::reports
