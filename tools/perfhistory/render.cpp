// What the history says, for people: the check (text, a markdown pull-request
// comment, JSON) and the report page with one figure per benchmark.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "reports/report.hpp"
#include "tools/perfhistory/perfhistory.hpp"

namespace lrb::perfhistory {

namespace cp = changepoint;
using perfcheck::Format;
using reports::html_escape;
// Ordered: the JSON keeps the keys in the order written (verdict first).
using ojson = nlohmann::ordered_json;

std::string short_sha(const std::string& sha) { return sha.substr(0, 12); }

std::string format_change(double relative) {
  if (!std::isfinite(relative)) return relative > 0 ? "+inf" : "n/a";
  return fmt::format("{:+.1f} %", relative * 100.0);
}

std::string Links::url(const std::string& sha) const {
  std::string out = commit_url;
  for (size_t at = out.find("{sha}"); at != std::string::npos; at = out.find("{sha}", at + sha.size()))
    out.replace(at, 5, sha);
  return out;
}

void validate(const Links& links) {
  if (!links.commit_url.empty() && links.commit_url.find("{sha}") == std::string::npos)
    throw UsageError("--commit-url must contain {sha} (it is replaced by the commit id), e.g. "
                     "https://github.com/ORG/REPO/commit/{sha}; got '" + links.commit_url + "'");
}

namespace {

ojson num(double v) { return std::isfinite(v) ? ojson(v) : ojson(nullptr); }

const BenchmarkSeries& series_of(const HistoryAnalysis& a, const BenchmarkAnalysis& b) {
  return a.history.benchmarks[b.series];
}

// A change point's commits: first bad, last good, and what lies between.
struct Range {
  const CommitInfo* first_bad;
  const CommitInfo* last_good;
  size_t commits_between;  // recorded commits strictly between them (without data)
  bool gap;                // unrecorded commits lie between them
};
Range range_of(const History& h, const cp::ChangePoint& p) {
  Range r{&h.commits[p.index], &h.commits[p.last_before], p.index - p.last_before - 1, false};
  for (size_t c = p.last_before + 1; c <= p.index; ++c) r.gap |= h.commits[c].after_gap;
  return r;
}

std::string summary_title(const HistoryAnalysis& a) {
  const CommitInfo& newest = a.history.commits.back();
  std::string t;
  if (a.regressions || a.errors) {
    t = fmt::format("{} regression{}", a.regressions, a.regressions == 1 ? "" : "s");
    if (a.errors) t += fmt::format(", {} benchmark{} failing", a.errors, a.errors == 1 ? "" : "s");
    t += " at the newest commit " + short_sha(newest.commit);
    // The range to bisect: from the commit recorded before it (its parent,
    // unless commits between them were not recorded).
    const auto& cs = a.history.commits;
    if (cs.size() >= 2)
      t += " (range " + short_sha(cs[cs.size() - 2].commit) + ".." + short_sha(newest.commit) +
           (newest.after_gap ? ", unrecorded commits between" : "") + ")";
  } else {
    t = "no regression at the newest commit " + short_sha(newest.commit);
  }
  return t;
}

std::string summary_details(const HistoryAnalysis& a) {
  const auto& h = a.history;
  std::string counts = fmt::format("{} unchanged", a.unchanged);
  if (a.improvements) counts += fmt::format(", {} faster", a.improvements);
  if (a.insufficient) counts += fmt::format(", {} with too short a history", a.insufficient);
  if (a.absent) counts += fmt::format(", {} not run", a.absent);
  return fmt::format("machine {}, {} commits {}..{}; {}; one-sided p <= {:g} and >= {:g} % slower fails", h.machine.id,
                     h.commits.size(), short_sha(h.commits.front().commit), short_sha(h.commits.back().commit), counts,
                     a.options.newest.alpha, a.options.newest.min_relative_change * 100);
}

// The rows of the gate's table: every non-calibration benchmark.
perfcheck::Table newest_table(const HistoryAnalysis& a, bool only_notable, bool markdown) {
  perfcheck::Table t{{"benchmark", "newest", "reference", "change", "z", "p", "verdict"}, "lrrrrrl", {}};
  for (const auto& b : a.benchmarks) {
    const BenchmarkSeries& s = series_of(a, b);
    if (s.calibration) continue;
    const bool notable = b.newest_state != NewestState::unchanged;
    if (only_notable != notable) continue;
    const std::string name = markdown ? "`" + s.name + "`" : s.name;
    std::string verdict = to_string(b.newest_state);
    if (b.newest_state == NewestState::regression || b.newest_state == NewestState::error)
      verdict = markdown ? "**" + verdict + "**" : "REGRESSION";
    if (b.newest_state == NewestState::error) verdict = markdown ? "**error**" : "ERROR";
    if (b.newest_state == NewestState::absent || b.newest_state == NewestState::error) {
      t.rows.push_back({name, "-", "-", "-", "-", "-", verdict});
      continue;
    }
    const auto& n = b.newest;
    const bool has_ref = n.verdict != cp::NewestVerdict::kInsufficientHistory;
    t.rows.push_back({name, perfcheck::format_time(n.value),
                      has_ref ? fmt::format("{} ({} commits)", perfcheck::format_time(n.reference), n.reference_commits)
                              : "-",
                      has_ref ? format_change(n.relative_change) : "-", has_ref ? fmt::format("{:.2f}", n.z) : "-",
                      has_ref ? perfcheck::format_p(n.p_value) : "-", verdict});
  }
  return t;
}

// Every change point of the history's non-calibration benchmarks, newest first.
struct Found {
  const BenchmarkAnalysis* b;
  const cp::ChangePoint* p;
};
std::vector<Found> change_points(const HistoryAnalysis& a, bool regressions_only) {
  std::vector<Found> out;
  for (const auto& b : a.benchmarks) {
    if (series_of(a, b).calibration) continue;
    for (const auto& p : b.analysis.change_points)
      if (!regressions_only || p.direction == cp::Direction::kRegression) out.push_back({&b, &p});
  }
  std::stable_sort(out.begin(), out.end(), [](const Found& x, const Found& y) { return x.p->index > y.p->index; });
  return out;
}

std::string interval(const cp::ChangePoint& p) {
  return "[" + format_change(p.ci_low) + ", " + format_change(p.ci_high) + "]";
}

perfcheck::Table history_table(const HistoryAnalysis& a, const Links& links, bool markdown) {
  perfcheck::Table t{{"benchmark", "first bad", "last good", "change", "95% CI", "p", "commits before/after"}, "lllrlrr", {}};
  auto commit = [&](const CommitInfo& c) {
    const std::string s = short_sha(c.commit);
    if (markdown && !links.commit_url.empty()) return "[`" + s + "`](" + links.url(c.commit) + ")";
    return markdown ? "`" + s + "`" : s;
  };
  for (const auto& f : change_points(a, false)) {
    const Range r = range_of(a.history, *f.p);
    const std::string name = series_of(a, *f.b).name;
    std::string good = commit(*r.last_good);
    if (r.commits_between || r.gap)
      good += r.gap ? " (unrecorded commits between)" : fmt::format(" ({} between)", r.commits_between);
    t.rows.push_back({markdown ? "`" + name + "`" : name, commit(*r.first_bad), good,
                      format_change(f.p->relative_change) + (f.p->direction == cp::Direction::kImprovement ? " (faster)" : ""),
                      interval(*f.p), perfcheck::format_p(f.p->p_value),
                      fmt::format("{}/{}", f.p->commits_before, f.p->commits_after)});
  }
  return t;
}

ojson check_json(const HistoryAnalysis& a, const Links& links) {
  const auto& h = a.history;
  const CommitInfo& newest = h.commits.back();
  ojson j;
  j["verdict"] = a.regression() ? "regression" : "ok";
  j["store"] = h.store;
  j["machine"] = h.machine.id;
  j["newest"] = {{"commit", newest.commit}, {"time", newest.time}, {"subject", newest.subject}};
  if (h.commits.size() >= 2) {
    j["newest"]["previous_recorded"] = h.commits[h.commits.size() - 2].commit;
    j["newest"]["unrecorded_commits_between"] = newest.after_gap;
  }
  if (!links.commit_url.empty()) j["newest"]["url"] = links.url(newest.commit);
  j["commits"] = h.commits.size();
  j["alpha"] = a.options.newest.alpha;
  j["threshold"] = a.options.newest.min_relative_change;
  j["counts"] = {{"regression", a.regressions}, {"error", a.errors},       {"improvement", a.improvements},
                 {"unchanged", a.unchanged},    {"insufficient-history", a.insufficient}, {"absent", a.absent}};
  ojson list = ojson::array();
  for (const auto& b : a.benchmarks) {
    const BenchmarkSeries& s = series_of(a, b);
    ojson x;
    x["name"] = s.name;
    x["calibration"] = s.calibration;
    x["normalized_by"] = perfcheck::calib_name(s.normalized_by);
    x["newest"] = to_string(b.newest_state);
    if (b.newest_state != NewestState::absent && b.newest_state != NewestState::error) {
      const auto& n = b.newest;
      x["value_ns"] = num(n.value);
      x["reference_ns"] = n.verdict == cp::NewestVerdict::kInsufficientHistory ? ojson(nullptr) : num(n.reference);
      x["reference_commits"] = {h.commits[n.reference_begin].commit,
                                h.commits[n.reference_end > 0 ? n.reference_end - 1 : 0].commit};
      x["relative_change"] = num(n.relative_change);
      x["z"] = num(n.z);
      x["p_value"] = num(n.p_value);
      x["sigma"] = num(n.sigma);
    }
    x["noise"] = {{"normalized", num(b.analysis.noise.sigma_commit)}, {"raw", num(b.raw_noise.sigma_commit)},
                  {"within_run", num(b.analysis.noise.sigma_within)}};
    ojson cps = ojson::array();
    for (const auto& p : b.analysis.change_points) {
      const Range r = range_of(h, p);
      cps.push_back({{"first_bad", r.first_bad->commit}, {"last_good", r.last_good->commit},
                     {"direction", cp::to_string(p.direction)}, {"relative_change", num(p.relative_change)},
                     {"ci", {num(p.ci_low), num(p.ci_high)}}, {"p_value", p.p_value},
                     {"commits_before", p.commits_before}, {"commits_after", p.commits_after},
                     {"unrecorded_commits_between", r.gap}});
    }
    x["change_points"] = cps;
    list.push_back(x);
  }
  j["benchmarks"] = list;
  j["warnings"] = h.warnings;
  return j;
}

}  // namespace

std::string render_check(const HistoryAnalysis& a, Format format, const Links& links) {
  if (format == Format::json) return check_json(a, links).dump(2) + "\n";
  const bool md = format == Format::markdown;
  const CommitInfo& newest = a.history.commits.back();
  std::string out;
  if (md) {
    out = "**perf-history: " + summary_title(a) + "**";
    if (!links.commit_url.empty()) out += " ([`" + short_sha(newest.commit) + "`](" + links.url(newest.commit) + "))";
    out += "\n\n" + summary_details(a) + "\n\n";
  } else {
    out = "perf-history check: " + summary_title(a) + (newest.subject.empty() ? "" : " (" + newest.subject + ")") +
          "\n" + summary_details(a) + "\n\n";
  }
  const perfcheck::Table notable = newest_table(a, true, md);
  const perfcheck::Table quiet = newest_table(a, false, md);
  if (md) {
    if (!notable.rows.empty()) out += perfcheck::render_markdown(notable) + "\n";
    if (!quiet.rows.empty())
      out += fmt::format("<details><summary>{} unchanged</summary>\n\n", quiet.rows.size()) +
             perfcheck::render_markdown(quiet) + "\n</details>\n\n";
  } else {
    perfcheck::Table all = notable;
    all.rows.insert(all.rows.end(), quiet.rows.begin(), quiet.rows.end());
    out += perfcheck::render_text(all) + "\n";
  }
  const perfcheck::Table cps = history_table(a, links, md);
  if (cps.rows.empty()) {
    out += md ? "_No change point in this history._\n" : "change points in the history: none\n";
  } else {
    out += md ? "**Change points in the history** (newest first; bisect a range with "
                "`tools/ci/perf-bisect.sh LAST_GOOD FIRST_BAD --benchmark NAME`)\n\n" + perfcheck::render_markdown(cps)
              : "change points in the history (newest first; bisect with tools/ci/perf-bisect.sh LAST_GOOD FIRST_BAD "
                "--benchmark NAME):\n" + perfcheck::render_text(cps);
  }
  if (!a.history.warnings.empty()) {
    out += "\n";
    for (const auto& w : a.history.warnings) out += (md ? "- warning: " : "warning: ") + w + "\n";
  }
  return out;
}

// ---- figures -------------------------------------------------------------------------

namespace {

struct Unit {
  double ns;
  const char* name;
};
Unit unit_for(const BenchmarkSeries& s) {
  std::vector<double> all;
  for (const auto& v : s.values) all.insert(all.end(), v.begin(), v.end());
  std::sort(all.begin(), all.end());
  const double m = all.empty() ? 1 : all[all.size() / 2];
  if (m < 1e3) return {1, "ns"};
  if (m < 1e6) return {1e3, "us"};
  if (m < 1e9) return {1e6, "ms"};
  return {1e9, "s"};
}

std::string figure_id(const std::string& name, std::map<std::string, int>& used) {
  std::string id = "history-" + reports::slug(name);
  if (const int n = used[id]++; n > 0) id += "-" + std::to_string(n + 1);
  return id;
}

}  // namespace

std::vector<reports::Figure> history_figures(const HistoryAnalysis& a) {
  const auto& h = a.history;
  std::vector<reports::Figure> out;
  std::map<std::string, int> used;
  const std::string sha = reports::files_sha256(h.records);
  for (const auto& b : a.benchmarks) {
    const BenchmarkSeries& s = series_of(a, b);
    const Unit u = unit_for(s);
    reports::Figure f;
    f.id = figure_id(s.name, used);
    f.section = s.calibration ? "machine" : "benchmarks";
    f.title = s.name;
    f.xlabel = "commit (0 = oldest recorded; the Commits table names each)";
    f.ylabel = fmt::format("real time ({}), {}", u.name,
                           s.calibration ? "raw"
                           : s.normalized_by == perfcheck::Calib::none
                               ? "raw (no calibration applies)"
                               : std::string("normalized by ") + perfcheck::calib_name(s.normalized_by));
    reports::Series reps{.label = "repetitions", .style = reports::Style::points};
    reports::Series level{.label = "commit level (Hodges-Lehmann)", .style = reports::Style::line};
    reports::Series segment{.label = "segment level", .style = reports::Style::steps};
    for (size_t c = 0; c < s.values.size(); ++c) {
      for (const double v : s.values[c]) {
        reps.x.push_back(static_cast<double>(c));
        reps.y.push_back(v / u.ns);
      }
      level.x.push_back(static_cast<double>(c));
      level.y.push_back(b.level[c] / u.ns);
      segment.x.push_back(static_cast<double>(c));
      segment.y.push_back(b.segment_level[c] / u.ns);
    }
    f.series = {reps, level, segment};
    for (const auto& p : b.analysis.change_points)
      f.markers.push_back({static_cast<double>(p.index),
                           short_sha(h.commits[p.index].commit).substr(0, 7) + " " + format_change(p.relative_change)});
    const auto& noise = b.analysis.noise;
    f.note = fmt::format(
        "{} commits with data, {} repetitions per commit (median). Dots: every repetition{}; line: each "
        "commit's Hodges-Lehmann level; steps: the level of each segment between change points (PELT, "
        "permutation p <= {:g}, >= {:g} %). Commit-to-commit noise {:.2f} %{}.",
        noise.commits, noise.repetitions,
        s.calibration || s.normalized_by == perfcheck::Calib::none
            ? ""
            : fmt::format(", divided by the {} calibration of its own run and scaled to the history's typical one",
                          perfcheck::calib_name(s.normalized_by)),
        a.options.detect.alpha, a.options.detect.min_relative_change * 100, noise.sigma_commit * 100,
        s.calibration || s.normalized_by == perfcheck::Calib::none
            ? ""
            : fmt::format(" ({:.2f} % raw)", b.raw_noise.sigma_commit * 100));
    f.sources = h.records;
    f.sources_sha256 = sha;
    out.push_back(std::move(f));
  }
  return out;
}

// ---- the page ---------------------------------------------------------------------------

namespace {

std::string commit_link(const CommitInfo& c, const Links& links, bool with_subject = false) {
  std::string s = "<code>" + short_sha(c.commit) + "</code>";
  if (!links.commit_url.empty()) s = "<a href=\"" + html_escape(links.url(c.commit)) + "\">" + s + "</a>";
  if (with_subject && !c.subject.empty()) s += " " + html_escape(c.subject);
  return s;
}

std::string median_percent(std::vector<double> v) {
  if (v.empty()) return "n/a";
  std::sort(v.begin(), v.end());
  return fmt::format("{:.2f} %", v[v.size() / 2] * 100);
}

const char* kPageStyle = R"CSS(
.reg{background:#fbe0e0;color:#8a1c1c;font-weight:600} .imp{background:#dff3e0;color:#185c1d;font-weight:600}
td.num{text-align:right;font-variant-numeric:tabular-nums} .cps{font-size:.9em;margin:.2em 0 0 0}
)CSS";

}  // namespace

std::string render_history_page(const HistoryAnalysis& a, const std::vector<reports::Figure>& figures,
                                const reports::WebAssets& assets, const reports::PageInfo& info, const Links& links) {
  const auto& h = a.history;
  std::map<size_t, const reports::Figure*> figure_of;  // benchmark -> its figure
  for (size_t i = 0; i < a.benchmarks.size() && i < figures.size(); ++i) figure_of[i] = &figures[i];
  auto bench_link = [&](size_t b) {
    const std::string& name = h.benchmarks[a.benchmarks[b].series].name;
    const auto it = figure_of.find(b);
    return it == figure_of.end() ? "<code>" + html_escape(name) + "</code>"
                                 : "<a href=\"#fig-" + it->second->id + "\"><code>" + html_escape(name) + "</code></a>";
  };
  auto index_of = [&](const BenchmarkAnalysis* b) { return static_cast<size_t>(b - a.benchmarks.data()); };

  std::ostringstream o;
  o << "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
    << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    << "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src 'unsafe-inline'; "
       "style-src 'unsafe-inline'; img-src data:\">\n"
    << "<title>lrbench performance history: " << html_escape(h.machine.id) << "</title>\n<style>\n"
    << assets.uplot_css << "\n" << reports::page_style() << kPageStyle << "</style>\n</head>\n<body>\n<main>\n";

  const CommitInfo& first = h.commits.front();
  const CommitInfo& newest = h.commits.back();
  o << "<h1>Performance history</h1>\n<p class=\"muted\">Machine <code>" << html_escape(h.machine.id) << "</code> ("
    << html_escape(h.machine.identity.cpu_model) << ", " << h.machine.identity.num_cpus << " CPUs), store <code>"
    << html_escape(h.store) << "</code>: " << h.commits.size() << " commits from " << commit_link(first, links)
    << " (" << html_escape(first.time) << ") to " << commit_link(newest, links) << " (" << html_escape(newest.time)
    << "). Rendered by lrbench " << html_escape(info.version) << " (commit " << html_escape(info.commit)
    << "); charts: uPlot " << html_escape(assets.uplot_version)
    << " (inlined; this page makes no network request).</p>\n";
  o << "<nav><a href=\"#regressions\">Regressions</a><a href=\"#newest\">Newest commit</a><a href=\"#noise\">Noise</a>"
       "<a href=\"#benchmarks\">Benchmarks</a><a href=\"#machine\">Machine</a><a href=\"#commits\">Commits</a>"
       "<a href=\"#reproduce\">Reproduce</a></nav>\n";
  if (!h.warnings.empty()) {
    o << "<ul>\n";
    for (const auto& w : h.warnings) o << "<li class=\"gap\">" << html_escape(w) << "</li>\n";
    o << "</ul>\n";
  }

  // ---- regressions ----
  o << "<h2 id=\"regressions\">Regressions</h2>\n";
  const auto regs = change_points(a, true);
  if (regs.empty()) {
    o << "<p>No benchmark got significantly slower anywhere in this history (change points: PELT segmentation "
         "of each benchmark's calibration-normalized per-commit levels, permutation p &le; "
      << fmt::format("{:g}", a.options.detect.alpha) << ", size &ge; "
      << fmt::format("{:g}", a.options.detect.min_relative_change * 100) << " %).</p>\n";
  } else {
    o << "<p>Each row is a change point where a benchmark got slower: the culprit is in (last good, first bad]. "
         "Newest first. <code>tools/ci/perf-bisect.sh LAST_GOOD FIRST_BAD --benchmark 'NAME$'</code> names it "
         "when the range holds several commits.</p>\n"
         "<table><tr><th>benchmark</th><th>first bad</th><th>last good</th><th>slower by</th><th>95 % CI</th>"
         "<th>p</th><th>commits before / after</th></tr>\n";
    for (const auto& f : regs) {
      const Range r = range_of(h, *f.p);
      o << "<tr><td>" << bench_link(index_of(f.b)) << "</td><td>" << commit_link(*r.first_bad, links, true)
        << "</td><td>" << commit_link(*r.last_good, links)
        << (r.gap ? " <span class=\"gap\">(unrecorded commits between)</span>"
                  : r.commits_between ? fmt::format(" <span class=\"gap\">({} commits between)</span>", r.commits_between)
                                      : "")
        << "</td><td class=\"num reg\">" << format_change(f.p->relative_change) << "</td><td class=\"num\">"
        << html_escape(interval(*f.p)) << "</td><td class=\"num\">" << perfcheck::format_p(f.p->p_value)
        << "</td><td class=\"num\">" << f.p->commits_before << " / " << f.p->commits_after << "</td></tr>\n";
    }
    o << "</table>\n";
  }

  // ---- the newest commit ----
  o << "<h2 id=\"newest\">Newest commit</h2>\n<p>" << commit_link(newest, links, true) << ": "
    << html_escape(summary_title(a)) << ". " << html_escape(summary_details(a))
    << ". This is what <code>lrbench perf-history check</code> answers (exit " << (a.regression() ? 1 : 0)
    << "): the newest commit's level against the last segment of the history before it.</p>\n";
  const perfcheck::Table notable = newest_table(a, true, false);
  if (!notable.rows.empty()) {
    o << "<table><tr>";
    for (const auto& c : notable.header) o << "<th>" << c << "</th>";
    o << "</tr>\n";
    for (const auto& r : notable.rows) {
      o << "<tr>";
      for (size_t c = 0; c < r.size(); ++c)
        o << "<td" << (c == 6 && (r[c] == "REGRESSION" || r[c] == "ERROR") ? " class=\"reg\"" : c == 6 && r[c] == "improvement" ? " class=\"imp\"" : "")
          << ">" << html_escape(r[c]) << "</td>";
      o << "</tr>\n";
    }
    o << "</table>\n";
  }

  // ---- noise ----
  std::vector<double> raw_noise, norm_noise;
  o << "<h2 id=\"noise\">Noise, and what calibration removed</h2>\n"
       "<table><tr><th>benchmark</th><th>normalized by</th><th>commits</th><th>repetitions / commit</th>"
       "<th>commit-to-commit noise, raw</th><th>normalized</th><th>within one run</th><th>change points</th></tr>\n";
  for (size_t i = 0; i < a.benchmarks.size(); ++i) {
    const auto& b = a.benchmarks[i];
    const BenchmarkSeries& s = series_of(a, b);
    if (s.calibration) continue;
    const bool normalized = s.normalized_by != perfcheck::Calib::none;
    if (normalized && b.analysis.noise.commits >= 2) {
      raw_noise.push_back(b.raw_noise.sigma_commit);
      norm_noise.push_back(b.analysis.noise.sigma_commit);
    }
    o << "<tr><td>" << bench_link(i) << "</td><td>" << perfcheck::calib_name(s.normalized_by) << "</td><td class=\"num\">"
      << b.analysis.noise.commits << "</td><td class=\"num\">" << b.analysis.noise.repetitions
      << "</td><td class=\"num\">" << fmt::format("{:.2f} %", b.raw_noise.sigma_commit * 100) << "</td><td class=\"num\">"
      << (normalized ? fmt::format("{:.2f} %", b.analysis.noise.sigma_commit * 100) : "-") << "</td><td class=\"num\">"
      << fmt::format("{:.2f} %", b.analysis.noise.sigma_within * 100) << "</td><td class=\"num\">"
      << b.analysis.change_points.size() << "</td></tr>\n";
  }
  o << "</table>\n<p class=\"muted\">Noise: the robust scale of the differences between consecutive commits' levels "
       "(1.4826 MAD / &radic;2 of the log levels, so 1 % is a relative spread of about 1 %), the scale the change-point "
       "test uses; within one run: the spread of one commit's repetitions. Median over the normalized benchmarks: "
    << median_percent(raw_noise) << " raw, " << median_percent(norm_noise)
    << " after dividing each repetition by the calibration benchmark of its own run.</p>\n";

  // ---- charts ----
  o << "<h2 id=\"benchmarks\">Benchmarks</h2>\n";
  for (size_t i = 0; i < a.benchmarks.size(); ++i) {
    const auto& b = a.benchmarks[i];
    if (series_of(a, b).calibration || !figure_of.count(i)) continue;
    o << reports::figure_html(*figure_of[i], info);
    if (!b.analysis.change_points.empty()) {
      o << "<ul class=\"cps\">\n";
      for (const auto& p : b.analysis.change_points) {
        const Range r = range_of(h, p);
        o << "<li><span class=\"" << (p.direction == cp::Direction::kRegression ? "reg" : "imp") << "\">"
          << format_change(p.relative_change) << "</span> " << html_escape(interval(p)) << " at "
          << commit_link(*r.first_bad, links, true) << " (last good " << commit_link(*r.last_good, links)
          << "), p = " << perfcheck::format_p(p.p_value) << "</li>\n";
      }
      o << "</ul>\n";
    }
  }

  // ---- the machine ----
  const auto& m = h.machine;
  o << "<h2 id=\"machine\">Machine</h2>\n<p class=\"muted\">Histories of different machines never mix: the id is "
       "the CPU model, core count and caches of the benchmark context (hashed), plus a generation that opens when "
       "the calibration leaves &plusmn;"
    << fmt::format("{:g}", m.tolerance * 100) << " % of the generation's first record. The calibration benchmarks "
    << "below are drawn raw: they show what the machine did, which the normalization divides out.</p>\n<table>\n"
    << "<tr><th>id</th><td><code>" << html_escape(m.id) << "</code></td></tr>\n"
    << "<tr><th>identity</th><td><code>" << html_escape(ph::canonical_identity(m.identity)) << "</code></td></tr>\n"
    << "<tr><th>reference calibration</th><td>"
    << fmt::format("FMA peak {:.4g} GFLOP/s, STREAM triad {:.4g} GB/s", m.calibration.fma_peak_flops / 1e9,
                   m.calibration.stream_triad_bytes_per_second / 1e9)
    << " (created " << html_escape(m.created) << ")</td></tr>\n";
  if (h.machines.size() > 1) {
    std::string others;
    for (const auto& id : h.machines)
      if (id != m.id) others += (others.empty() ? "" : ", ") + id;
    o << "<tr><th>other machines in the store</th><td>" << html_escape(others) << "</td></tr>\n";
  }
  o << "</table>\n";
  for (size_t i = 0; i < a.benchmarks.size(); ++i)
    if (series_of(a, a.benchmarks[i]).calibration && figure_of.count(i)) o << reports::figure_html(*figure_of[i], info);

  // ---- commits ----
  o << "<h2 id=\"commits\">Commits</h2>\n<table><tr><th>#</th><th>commit</th><th>committed</th><th>subject</th>"
       "<th>benchmarks</th></tr>\n";
  for (size_t c = 0; c < h.commits.size(); ++c) {
    const CommitInfo& ci = h.commits[c];
    size_t with_data = 0;
    for (const auto& s : h.benchmarks) with_data += !s.raw[c].empty();
    if (ci.after_gap)
      o << "<tr><td colspan=\"5\" class=\"gap\">&hellip; commits not recorded (did not build, or not run) "
           "&hellip;</td></tr>\n";
    o << "<tr><td class=\"num\">" << c << "</td><td>" << commit_link(ci, links) << "</td><td>" << html_escape(ci.time)
      << "</td><td>" << html_escape(ci.subject) << "</td><td class=\"num\">" << with_data << "</td></tr>\n";
  }
  o << "</table>\n";

  o << "<h2 id=\"reproduce\">Reproduce</h2>\n<pre>" << html_escape(info.command) << "</pre>\n"
    << "<p class=\"muted\">The store is plain files (docs/perf-history.md): one Google Benchmark JSON per commit "
       "under <code>" << html_escape(m.id) << "/commits/</code>, readable by <code>lrbench perf-check</code> as is. "
       "Every figure also exists as PNG, SVG and PDF drawn by gnuplot, with its CSV and script, under "
       "<code>figures/</code>.</p>\n";

  nlohmann::json figs = nlohmann::json::array();
  for (const auto& f : figures) figs.push_back(reports::figure_json(f));
  o << "</main>\n<script id=\"lrb-figures\" type=\"application/json\">" << reports::script_json(figs.dump())
    << "</script>\n<script>\n" << assets.uplot_js << "\n</script>\n<script>" << reports::chart_script()
    << "</script>\n</body>\n</html>\n";
  return o.str();
}

}  // namespace lrb::perfhistory
