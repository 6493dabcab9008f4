// index.html: overview, per-suite setup + claims + figures, lr-find, bench,
// provenance and citation.  Charts are drawn by uPlot from the same Figure
// data gnuplot draws the PNG/SVG/PDF from.
#include "reports/html.hpp"

#include <fmt/format.h>

#include <deque>
#include <filesystem>
#include <map>
#include <sstream>

#include "records/json_file.hpp"
#include "records/verdicts.hpp"

namespace lrb::reports {
namespace fs = std::filesystem;

WebAssets load_web_assets(const std::string& node_modules) {
  const fs::path dist = fs::path(node_modules) / "uplot" / "dist";
  WebAssets a;
  for (const auto& [file, out] : {std::pair{"uPlot.iife.min.js", &a.uplot_js}, std::pair{"uPlot.min.css", &a.uplot_css}}) {
    const fs::path p = dist / file;
    std::error_code ec;
    if (!fs::is_regular_file(p, ec))
      throw std::runtime_error("uPlot is not installed: " + p.string() +
                               " is missing; run tools/setup.sh (it runs `npm ci` in tools/web), or point "
                               "--web-dir / LRBENCH_WEB_DIR at a folder holding uplot/dist (an installed lrbench "
                               "keeps it in share/lrbench/web)");
    *out = records::read_text(p);
  }
  try {
    const auto pkg = records::read_json(fs::path(node_modules) / "uplot" / "package.json", "uPlot's package.json");
    a.uplot_version = pkg.is_object() && pkg.contains("version") && pkg["version"].is_string()
                          ? pkg["version"].get<std::string>()
                          : "unknown";
  } catch (const records::FormatError&) {
    a.uplot_version = "unknown";
  }
  return a;
}

std::string html_escape(const std::string& s) {
  std::string o;
  for (char c : s) switch (c) {
      case '&': o += "&amp;"; break;
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '"': o += "&quot;"; break;
      case '\'': o += "&#39;"; break;
      default: o += c;
    }
  return o;
}

std::string evidence_ci(const nlohmann::json& evidence) {
  // Breadth first; a pair under a key that says "diff" (the effect) wins.
  std::deque<std::pair<std::string, const nlohmann::json*>> q{{"", &evidence}};
  std::string first;
  while (!q.empty()) {
    auto [path, j] = q.front();
    q.pop_front();
    if (!j->is_object()) continue;
    for (auto it = j->begin(); it != j->end(); ++it) {
      const std::string k = it.key();
      const std::string where = path.empty() ? k : path + "." + k;
      if (k.rfind("ci", 0) == 0 && it->is_array() && it->size() == 2 && (*it)[0].is_number() && (*it)[1].is_number()) {
        const std::string text = fmt::format("[{:.4g}, {:.4g}] ({})", (*it)[0].get<double>(), (*it)[1].get<double>(),
                                             path.empty() ? k : path);
        if (path.find("diff") != std::string::npos) return text;
        if (first.empty()) first = text;
      } else if (it->is_object()) {
        q.push_back({where, &*it});
      }
    }
  }
  return first;
}

std::string bibtex(const PageInfo& info) {
  return fmt::format(
      "@software{{lrbench,\n"
      "  title   = {{lrbench: reproductions and benchmarks of five learning-rate tutorials}},\n"
      "  author  = {{{{The lrbench authors}}}},\n"
      "  version = {{{}}},\n"
      "  note    = {{commit {}}}\n"
      "}}\n",
      info.version, info.commit);
}

namespace {

const char* kStyle = R"CSS(
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1b1b1b;background:#fafafa}
main{max-width:1180px;margin:0 auto;padding:8px 24px 60px}
h1{font-size:1.7em;margin:.6em 0 .2em} h2{margin-top:2.2em;border-bottom:2px solid #ddd;padding-bottom:.2em}
h3{margin:1.4em 0 .3em} nav a{margin-right:1em}
table{border-collapse:collapse;margin:.6em 0;width:100%;background:#fff}
th,td{border:1px solid #ddd;padding:4px 8px;vertical-align:top;text-align:left;font-size:.92em}
th{background:#f0f0f0} code,pre{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.9em}
pre{background:#f3f3f3;padding:10px;overflow-x:auto;border-radius:4px}
.v-supported{background:#dff3e0;color:#185c1d;font-weight:600}
.v-refuted{background:#fbe0e0;color:#8a1c1c;font-weight:600}
.v-inconclusive{background:#eeeeee;color:#555;font-weight:600}
.gap{color:#8a5a00} .muted{color:#666;font-size:.9em}
figure.chart{background:#fff;border:1px solid #e2e2e2;border-radius:6px;margin:1.2em 0;padding:10px 14px}
figure.chart figcaption{font-size:.88em;color:#444;margin-top:.4em}
.plot{width:100%;min-height:300px} .cite{font-size:.82em;color:#666;word-break:break-all}
.files a{margin-right:.8em}
)CSS";

// The chart code: one uPlot per figure from the JSON in #lrb-figures.
const char* kScript = R"JS(
(function () {
  'use strict';
  var FIGS = JSON.parse(document.getElementById('lrb-figures').textContent);
  var PAL = ['#1f77b4','#ff7f0e','#2ca02c','#9467bd','#8c564b','#e377c2','#17becf','#bcbd22','#7f7f7f','#d62728','#393b79','#637939'];
  function fmt(v) {
    if (v === null || v === undefined || !isFinite(v)) return '-';
    var a = Math.abs(v);
    return (a !== 0 && (a < 1e-3 || a >= 1e5)) ? v.toExponential(3) : String(+v.toPrecision(5));
  }
  function ok(v, log) { return (v === null || v === undefined || !isFinite(v) || (log && v <= 0)) ? null : v; }
  function markers(list) {
    return { hooks: { draw: [function (u) {
      var ctx = u.ctx, r = window.devicePixelRatio || 1;
      ctx.save();
      list.forEach(function (m) {
        var x = u.valToPos(m.x, 'x', true);
        if (!isFinite(x)) return;
        ctx.strokeStyle = '#444'; ctx.lineWidth = 1.5 * r; ctx.setLineDash([6 * r, 4 * r]);
        ctx.beginPath(); ctx.moveTo(x, u.bbox.top); ctx.lineTo(x, u.bbox.top + u.bbox.height); ctx.stroke();
        ctx.setLineDash([]); ctx.fillStyle = '#333'; ctx.font = (11 * r) + 'px sans-serif';
        ctx.fillText(m.label, x + 4 * r, u.bbox.top + 14 * r);
      });
      ctx.restore();
    }] } };
  }
  // Decade ticks on log axes (uPlot's own log splits fail below ~1e-24).
  function logSplits(u, ai, min, max) {
    var a = Math.floor(Math.log10(min)), b = Math.ceil(Math.log10(max)), out = [];
    var step = Math.max(1, Math.ceil((b - a) / 8));
    for (var e = a; e <= b; e += step) { var v = Math.pow(10, e); if (v >= min * 0.999999 && v <= max * 1.000001) out.push(v); }
    return out;
  }
  function logVals(u, sp) { return sp.map(function (v) { return fmt(v); }); }
  function build(fig, el) {
    var cat = fig.categories.length > 0, nbars = 0, barK = 0;
    fig.series.forEach(function (s) { if (s.style === 'bars') nbars++; });
    // Bars of several series sit side by side: shift each series' x.
    var shifted = fig.series.map(function (s) {
      if (s.style !== 'bars' || nbars < 2) return s.x;
      var w = 0.8 / nbars, off = -0.4 + w * (barK++ + 0.5);
      return s.x.map(function (x) { return x === null ? null : x + off; });
    });
    var seen = {}, xs = [];
    shifted.forEach(function (x) { x.forEach(function (v) {
      if (ok(v, fig.logx) !== null && !seen[v]) { seen[v] = 1; xs.push(v); } }); });
    xs.sort(function (a, b) { return a - b; });
    var at = {}; xs.forEach(function (x, i) { at[x] = i; });
    function col(k, arr, log) {
      var out = new Array(xs.length).fill(null);
      shifted[k].forEach(function (x, i) { var j = at[x]; if (j !== undefined && arr[i] !== null) out[j] = ok(arr[i], log); });
      return out;
    }
    var data = [xs], hidden = [], bands = [];
    var series = [{ label: fig.xlabel, value: function (u, v) {
      return v === null ? '-' : (cat ? (fig.categories[Math.round(v)] || '') : fmt(v)); } }];
    fig.series.forEach(function (s, k) {
      var color = s.alert ? '#d62728' : PAL[k % PAL.length], scale = s.y2 ? 'y2' : 'y', log = !s.y2 && fig.logy;
      if (s.style === 'band' && s.lo) {
        data.push(col(k, s.hi, log)); series.push({ label: s.label + ' 95% CI high', scale: scale, stroke: color + '44', width: 0.5, spanGaps: true, points: { show: false } });
        data.push(col(k, s.lo, log)); series.push({ label: s.label + ' 95% CI low', scale: scale, stroke: color + '44', width: 0.5, spanGaps: true, points: { show: false } });
        hidden.push(series.length - 2, series.length - 1);
        bands.push({ series: [series.length - 2, series.length - 1], fill: color + '30' });
      }
      data.push(col(k, s.y, log));
      var ser = { label: s.label, scale: scale, stroke: color, width: 2, spanGaps: true, value: function (u, v) { return fmt(v); } };
      if (s.style === 'steps') ser.paths = uPlot.paths.stepped({ align: 1 });
      if (s.style === 'dashed') ser.dash = [8, 5];
      if (s.style === 'line') ser.points = { show: true, size: 5 };
      if (s.style === 'points') { ser.paths = function () { return null; }; ser.points = { show: true, size: s.alert ? 12 : 8, fill: color, stroke: color }; }
      if (s.style === 'bars') { ser.paths = uPlot.paths.bars({ size: [0.9, Infinity], align: 0 }); ser.fill = color + 'cc'; ser.points = { show: false }; }
      if (s.style !== 'line' && s.style !== 'points') ser.points = ser.points || { show: false };
      series.push(ser);
    });
    var usesY2 = fig.series.some(function (s) { return s.y2; });
    var scales = { x: { time: false, distr: fig.logx ? 3 : 1, log: 10 }, y: { distr: fig.logy ? 3 : 1, log: 10 } };
    if (cat) scales.x.range = [-0.6, fig.categories.length - 0.4];
    if (usesY2) scales.y2 = { distr: 1, range: function (u, lo, hi) { return [0, hi > 0 ? hi * 1.08 : 1]; } };
    if (cat && !fig.logy) scales.y.range = function (u, lo, hi) { return [0, hi > 0 ? hi * 1.08 : 1]; };
    var xaxis = { label: fig.xlabel, stroke: '#333', grid: { stroke: '#eee' } };
    if (cat) {
      xaxis.splits = function () { return fig.categories.map(function (c, i) { return i; }); };
      xaxis.values = function (u, sp) { return sp.map(function (v) { var c = fig.categories[Math.round(v)] || ''; return c.length > 34 ? c.slice(0, 33) + '\u2026' : c; }); };
      xaxis.rotate = -25; xaxis.size = 150; xaxis.gap = 4;
    }
    if (fig.logx && !cat) { xaxis.splits = logSplits; xaxis.values = logVals; }
    var yaxis = { label: fig.ylabel, scale: 'y', stroke: '#333', grid: { stroke: '#eee' }, size: 70 };
    if (fig.logy) { yaxis.splits = logSplits; yaxis.values = logVals; }
    var axes = [xaxis, yaxis];
    if (usesY2) axes.push({ label: fig.y2label, scale: 'y2', side: 1, stroke: '#333', grid: { show: false }, size: 70 });
    var opts = {
      width: Math.max(480, el.clientWidth || 900), height: 380,
      scales: scales, axes: axes, series: series, bands: bands,
      legend: { live: true }, cursor: { drag: { x: true, y: false } },
      plugins: fig.markers.length ? [markers(fig.markers)] : []
    };
    var u = new uPlot(opts, data, el);
    var rows = u.root.querySelectorAll('.u-legend .u-series');
    hidden.forEach(function (i) { if (rows[i]) rows[i].style.display = 'none'; });
    return u;
  }
  FIGS.forEach(function (fig) {
    var el = document.getElementById('plot-' + fig.id);
    if (!el) { console.error('lrbench report: no element for figure ' + fig.id); return; }
    try { build(fig, el); } catch (e) { console.error('lrbench report: figure ' + fig.id + ': ' + e); }
  });
})();
)JS";

std::string ul(const std::vector<std::string>& items) {
  if (items.empty()) return "<p class=\"muted\">(not stated)</p>\n";
  std::string o = "<ul>\n";
  for (const auto& i : items) o += "<li>" + html_escape(i) + "</li>\n";
  return o + "</ul>\n";
}

std::string join(const nlohmann::json& arr, const std::string& sep = ", ") {
  std::string o;
  for (const auto& v : arr) o += (o.empty() ? "" : sep) + (v.is_string() ? v.get<std::string>() : v.dump());
  return o.empty() ? "(not recorded)" : o;
}

}  // namespace

const char* page_style() { return kStyle; }
const char* chart_script() { return kScript; }

std::string figure_html(const Figure& f, const PageInfo& info) {
  std::ostringstream h;
  h << "<figure class=\"chart\" id=\"fig-" << f.id << "\" data-figure-id=\"" << f.id << "\">\n"
    << "<h3>" << html_escape(f.title) << " <span class=\"muted\">[" << f.id << "]</span></h3>\n"
    << "<div class=\"plot\" id=\"plot-" << f.id << "\"></div>\n"
    << "<figcaption>" << html_escape(f.note) << "<br><span class=\"files\">Static files: ";
  for (const char* ext : {"png", "svg", "pdf", "csv", "gp"})
    h << "<a href=\"figures/" << f.id << "." << ext << "\">" << ext << "</a>";
  h << "</span><br><span class=\"cite\">Cite this figure: lrbench " << html_escape(info.version) << " (commit "
    << html_escape(info.commit) << "), figure " << f.id << ", from " << f.sources.size() << " results file"
    << (f.sources.size() == 1 ? "" : "s") << " with SHA-256 " << f.sources_sha256 << ".</span></figcaption>\n"
    << "</figure>\n";
  return h.str();
}

namespace {

std::string figures_of(const std::vector<Figure>& figures, const std::string& section, const PageInfo& info) {
  std::string o;
  for (const auto& f : figures)
    if (f.section == section) o += figure_html(f, info);
  return o;
}

}  // namespace

std::string script_json(const std::string& dumped) {
  std::string o;
  for (char c : dumped) o += c == '<' ? std::string("\\u003c") : std::string(1, c);
  return o;
}

std::string render_page(const Report& r, const std::vector<Figure>& figures, const WebAssets& assets,
                        const PageInfo& info) {
  std::ostringstream h;
  h << "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
    << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    << "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src 'unsafe-inline'; "
       "style-src 'unsafe-inline'; img-src data:\">\n"
    << "<title>lrbench report</title>\n<style>\n" << assets.uplot_css << "\n" << kStyle << "</style>\n</head>\n<body>\n<main>\n";

  // ---- overview ----
  int n_sup = 0, n_ref = 0, n_inc = 0, n_err = 0;
  for (const auto& s : r.suites)
    for (const auto& c : s.claims) {
      if (c.verdict == "error") ++n_err;
      else if (c.verdict == "supported") ++n_sup;
      else if (c.verdict == "refuted") ++n_ref;
      else ++n_inc;
    }
  h << "<h1>lrbench report</h1>\n<p class=\"muted\">lrbench " << html_escape(info.version) << ", commit "
    << html_escape(info.commit) << "; results from <code>" << html_escape(r.results_dir) << "</code>";
  if (!r.provenance.value("date_last", "").empty())
    h << ", runs dated " << html_escape(r.provenance.value("date_first", "")) << " to "
      << html_escape(r.provenance.value("date_last", ""));
  h << ". Charts: uPlot " << html_escape(assets.uplot_version) << " (inlined; this page makes no network request).</p>\n";
  h << "<nav><a href=\"#overview\">Overview</a>";
  for (const auto& s : r.suites) h << "<a href=\"#suite-" << s.id << "\">" << s.id << "</a>";
  h << "<a href=\"#lr-find\">LR range tests</a><a href=\"#bench\">Throughput</a><a href=\"#provenance\">Provenance</a>"
    << "<a href=\"#cite\">Cite</a></nav>\n";
  h << "<h2 id=\"overview\">Overview</h2>\n<p>Each suite reproduces one tutorial's experiment and checks its claims "
       "against the measured numbers. Claims: <span class=\"v-supported\">&nbsp;"
    << n_sup << " supported&nbsp;</span> <span class=\"v-refuted\">&nbsp;" << n_ref
    << " refuted&nbsp;</span> <span class=\"v-inconclusive\">&nbsp;" << n_inc << " inconclusive&nbsp;</span>"
    << (n_err ? fmt::format(" ({} could not be evaluated)", n_err) : "") << ".</p>\n";
  h << "<table><tr><th>suite</th><th>title</th><th>budget</th><th>runs planned</th><th>ok</th><th>diverged</th>"
       "<th>missing</th><th>claims (S / R / I)</th></tr>\n";
  for (const auto& s : r.suites) {
    int a = 0, b = 0, c = 0;
    for (const auto& row : s.claims) (row.verdict == "supported" ? a : row.verdict == "refuted" ? b : c)++;
    h << "<tr><td><a href=\"#suite-" << s.id << "\">" << s.id << "</a></td><td>" << html_escape(s.title) << "</td><td>"
      << (s.manifest.budget.quick ? "quick" : "full") << "</td><td>" << s.expected << "</td><td>" << s.ok << "</td><td>"
      << s.diverged << "</td><td>" << s.missing << "</td><td>" << a << " / " << b << " / " << c << "</td></tr>\n";
  }
  h << "</table>\n";
  const auto gap_lines = gaps(r);
  if (!gap_lines.empty()) {
    h << "<p><b>Gaps in these results:</b></p>\n<ul>\n";
    for (const auto& g : gap_lines) h << "<li class=\"gap\">" << html_escape(g) << "</li>\n";
    h << "</ul>\n";
  }
  h << "<h3>How to reproduce</h3>\n<pre>make reproduce            # setup, build, every suite, the claims, this report\n"
       "make reproduce QUICK=1    # the quick configurations\n\n"
       "# or step by step:\n"
       "build/tools/lrbench/lrbench run --results results/suites [--quick]\n"
       "build/tools/lrbench/lrbench claims results/suites [--quick]\n"
       "make bench                # optional: throughput + roofline (results/bench)\n"
    << html_escape(info.command) << "</pre>\n"
    << "<p class=\"muted\">Records are content-addressed (DIR/&lt;suite&gt;/&lt;address&gt;.json): a run is never "
       "recomputed when its record exists, and this page is a pure function of the files it names. Every figure "
       "below also exists as PNG, SVG and PDF drawn by gnuplot, with its CSV and the gnuplot script, under "
       "<code>figures/</code>.</p>\n";

  // ---- suites ----
  for (const auto& s : r.suites) {
    h << "<h2 id=\"suite-" << s.id << "\">" << s.id << ": " << html_escape(s.title) << "</h2>\n";
    h << "<p class=\"muted\">" << html_escape(s.budget_note) << ". Runs: " << s.expected << " planned, " << s.ok
      << " ok, " << s.diverged << " diverged, " << s.missing << " missing.</p>\n";
    if (s.expected == 0) h << "<p class=\"gap\">" << s.id << ": no runs planned (the manifest lists none).</p>\n";
    else if (s.missing) h << "<p class=\"gap\">" << s.id << ": " << s.missing << " of " << s.expected << " runs missing.</p>\n";
    for (const auto& sec : s.manifest.sections)
      h << "<h3>" << html_escape(sec.title) << "</h3>\n" << ul(sec.items);
    if (!s.claims_note.empty()) h << "<p class=\"gap\"><b>Claims:</b> " << html_escape(s.claims_note) << "</p>\n";
    if (!s.claims.empty()) {
      // The procedure the verdicts count under (the same for every tested claim of the suite).
      std::string procedure;
      for (const auto& c : s.claims)
        if (procedure.empty()) procedure = records::procedure_text(c);
      h << "<h3>Claims</h3>\n<p class=\"muted\">"
        << (procedure.empty()
                ? std::string("No claim of this suite has a sampling test.")
                : "Each verdict counts with the suite's claims as one family (" + html_escape(procedure) +
                      "); <i>raw</i> is each test alone at 95 %. Under each claim: p-values raw and adjusted, the "
                      "family interval, the minimum detectable effect (MDE) at 80 % power and, for an inconclusive "
                      "test, which kind it is and what would decide it.")
        << "</p>\n<table><tr><th>id</th><th>claim</th><th>verdict</th><th>raw</th><th>evidence</th><th>95 % CI</th>"
           "<th>seeds</th><th>runs</th></tr>\n";
      for (const auto& c : s.claims) {
        const std::string& v = c.verdict;
        const std::string& raw = c.raw_verdict;
        std::string stats;
        for (const auto& line : records::statistics_lines(c))
          stats += (stats.empty() ? "" : "<br>") + html_escape(line);
        h << "<tr><td>" << html_escape(c.claim.id) << "</td><td>" << html_escape(c.claim.statement)
          << "<br><span class=\"muted\">" << html_escape(c.claim.source) << "; metric: " << html_escape(c.claim.metric)
          << "; test: " << html_escape(c.claim.test) << "</span></td><td class=\"v-"
          << (v == "error" ? "refuted" : v) << "\">" << html_escape(v) << "</td><td"
          << (raw.empty() || raw == "error" ? std::string(">n/a") : " class=\"v-" + raw + "\">" + html_escape(raw))
          << "</td><td>" << html_escape(c.error.empty() ? c.summary : c.error)
          << (stats.empty() ? "" : "<br><span class=\"muted\">" + stats + "</span>") << "</td><td>"
          << html_escape(evidence_ci(c.evidence)) << "</td><td>" << html_escape(records::seeds_text(c)) << "</td><td>"
          << c.expected - c.missing << " of " << c.expected
          << (c.diverged ? fmt::format(", {} diverged", c.diverged) : "") << "</td></tr>\n";
      }
      h << "</table>\n";
    }
    const std::string figs = figures_of(figures, s.id, info);
    h << (figs.empty() ? "<p class=\"muted\">No figure: no records with curves for this suite.</p>\n" : figs);
  }

  // ---- lr-find ----
  h << "<h2 id=\"lr-find\">LR range tests</h2>\n";
  const std::string lrf = figures_of(figures, "lr-find", info);
  h << (lrf.empty() ? "<p class=\"gap\">No LR range test in <code>" + html_escape(r.results_dir) +
                          "/lr-find/</code>: run <code>lrbench lr-find</code> to add one.</p>\n"
                    : lrf);

  // ---- bench ----
  h << "<h2 id=\"bench\">Throughput and roofline</h2>\n";
  const std::string bf = figures_of(figures, "bench", info);
  if (r.bench_dir.empty())
    h << "<p class=\"gap\">No bench data given: run <code>make bench</code> (Google Benchmark JSON in "
         "<code>results/bench</code>) and pass <code>--bench results/bench</code>.</p>\n";
  else if (bf.empty())
    h << "<p class=\"gap\">No usable Google Benchmark JSON in <code>" << html_escape(r.bench_dir) << "</code>.</p>\n";
  else {
    std::string files;
    for (const auto& b : r.bench) files += (files.empty() ? "" : ", ") + b.name;
    std::string ctx;
    if (!r.bench.empty() && r.bench[0].data.contains("context")) {
      const auto& c = r.bench[0].data["context"];
      ctx = fmt::format(" Context of {}: {} CPUs at {} MHz, host {}, date {}.", r.bench[0].name,
                        c.value("num_cpus", 0), c.value("mhz_per_cpu", 0), c.value("host_name", "?"), c.value("date", "?"));
    }
    h << "<p class=\"muted\">From <code>" << html_escape(r.bench_dir) << "</code>: " << html_escape(files) << "."
      << html_escape(ctx) << "</p>\n" << bf;
  }

  // ---- provenance ----
  const auto& p = r.provenance;
  h << "<h2 id=\"provenance\">Provenance</h2>\n<p class=\"muted\">Over the " << p.value("records", 0)
    << " planned records shown. More than one value in a row means the results were produced by different "
       "builds or machines.</p>\n<table>\n";
  auto row = [&](const char* k, const std::string& v) {
    h << "<tr><th>" << k << "</th><td>" << html_escape(v) << "</td></tr>\n";
  };
  row("commit", join(p["commits"]));
  row("lrbench version", join(p["lrbench_versions"]));
  row("compiler", join(p["compilers"]));
  row("compiler flags", join(p["cxx_flags"], " | "));
  row("CPU", join(p["cpus"]));
  row("threads per run", join(p["threads"]));
  row("hosts", join(p["hosts"]));
  std::string libs;
  for (auto it = p["libraries"].begin(); it != p["libraries"].end(); ++it)
    libs += (libs.empty() ? "" : "; ") + it.key() + " " + join(*it);
  row("libraries", libs.empty() ? "(not recorded)" : libs);
  row("dates (UTC)", p.value("date_first", "") + " .. " + p.value("date_last", ""));
  row("rendered by", "lrbench " + info.version + " (commit " + info.commit + "), uPlot " + assets.uplot_version);
  h << "</table>\n<h3>Dataset SHA-256</h3>\n";
  if (p["datasets"].empty()) h << "<p class=\"muted\">No dataset hash recorded (the suites shown use generated data; "
                                  "generator and sizes are in each record's dataset block).</p>\n";
  else {
    h << "<table><tr><th>where</th><th>SHA-256</th></tr>\n";
    for (const auto& d : p["datasets"])
      h << "<tr><td>" << html_escape(d.value("what", "")) << "</td><td><code>" << html_escape(d.value("sha256", ""))
        << "</code></td></tr>\n";
    h << "</table>\n";
  }

  // ---- citation ----
  h << "<h2 id=\"cite\">Cite</h2>\n<p>Software citation (also <code>CITATION.cff</code> at the top of the "
       "repository):</p>\n<pre>" << html_escape(bibtex(info)) << "</pre>\n"
    << "<p class=\"muted\">Each figure has its own line with the SHA-256 of the results files it was drawn "
       "from.</p>\n";

  nlohmann::json figs = nlohmann::json::array();
  for (const auto& f : figures) figs.push_back(figure_json(f));
  h << "</main>\n<script id=\"lrb-figures\" type=\"application/json\">" << script_json(figs.dump()) << "</script>\n"
    << "<script>\n" << assets.uplot_js << "\n</script>\n<script>" << kScript << "</script>\n</body>\n</html>\n";
  return h.str();
}

}  // namespace lrb::reports
