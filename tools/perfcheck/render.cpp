// perf-check's reports: one table (text or markdown) or one JSON object per
// comparison.  CI scripts and pull-request bots parse these: keep the bytes.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "tools/perfcheck/perfcheck.hpp"

namespace lrb::perfcheck {
namespace {

// Ordered: reports keep their keys in the order written (mode and summary first).
using json = nlohmann::ordered_json;

// JSON has no inf or NaN: write null for them.
json num_or_null(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

std::string percent(double fraction) { return fmt::format("{:g}%", fraction * 100.0); }

}  // namespace

std::string render_text(const Table& t) {
  std::vector<size_t> w(t.header.size());
  for (size_t c = 0; c < w.size(); ++c) w[c] = t.header[c].size();
  for (const auto& r : t.rows)
    for (size_t c = 0; c < w.size(); ++c) w[c] = std::max(w[c], r[c].size());
  auto line = [&](const std::vector<std::string>& cells) {
    std::string s;
    for (size_t c = 0; c < w.size(); ++c) {
      const std::string pad(w[c] - cells[c].size(), ' ');
      if (c) s += "  ";
      s += t.align[c] == 'r' ? pad + cells[c] : cells[c] + (c + 1 < w.size() ? pad : "");
    }
    return s + "\n";
  };
  std::string out = line(t.header);
  for (const auto& r : t.rows) out += line(r);
  return out;
}

namespace {

std::string md_cell(const std::string& s) {
  std::string out;
  for (char ch : s) {
    if (ch == '|') out += "\\|";
    else out += ch;
  }
  return out;
}

}  // namespace

std::string render_markdown(const Table& t) {
  std::string out = "|";
  for (const auto& h : t.header) out += " " + md_cell(h) + " |";
  out += "\n|";
  for (char a : t.align) out += a == 'r' ? "---:|" : ":---|";
  out += "\n";
  for (const auto& r : t.rows) {
    out += "|";
    for (const auto& c : r) out += " " + md_cell(c) + " |";
    out += "\n";
  }
  return out;
}

namespace {

// title "1 slower, 0 faster, 3 unchanged"; details "real_time; threshold 5%, ...".
std::string report(const std::string& title, const std::string& details, const Table& table,
                   const std::vector<std::string>& warnings, const json& as_json, Format format) {
  if (format == Format::json) return as_json.dump(2) + "\n";
  std::string out;
  if (format == Format::markdown) {
    out = "**perf-check: " + title + "** (" + details + ")\n\n" + render_markdown(table);
    if (!warnings.empty()) {
      out += "\n";
      for (const auto& w : warnings) out += "- warning: " + w + "\n";
    }
    return out;
  }
  out = "perf-check: " + title + " (" + details + ")\n\n" + render_text(table);
  if (!warnings.empty()) {
    out += "\n";
    for (const auto& w : warnings) out += "warning: " + w + "\n";
  }
  return out;
}

std::string mean_cell(const stats::Summary& s) {
  if (s.n < 2) return format_num(s.mean) + " (n=1)";
  return fmt::format("{} [{}, {}] (n={})", format_num(s.mean), format_num(s.ci_low),
                     format_num(s.ci_high), s.n);
}

const char* conv_verdict_name(ConvVerdict v) {
  switch (v) {
    case ConvVerdict::worse: return "worse";
    case ConvVerdict::better: return "better";
    case ConvVerdict::unchanged: return "unchanged";
    case ConvVerdict::untestable: return "untestable";
    case ConvVerdict::no_direction: break;
  }
  return "";
}

}  // namespace

std::string format_time(double ns) {
  if (!std::isfinite(ns)) return "n/a";
  const double a = std::fabs(ns);
  if (a < 1e3) return fmt::format("{:#.4g} ns", ns);
  if (a < 1e6) return fmt::format("{:#.4g} us", ns / 1e3);
  if (a < 1e9) return fmt::format("{:#.4g} ms", ns / 1e6);
  return fmt::format("{:#.4g} s", ns / 1e9);
}

std::string format_p(double p) {
  if (p >= 0.001) return fmt::format("{:.3f}", p);
  return fmt::format("{:.1e}", p);
}

std::string format_num(double v) {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  if (std::isnan(v)) return "n/a";
  return fmt::format("{:.4g}", v);
}

std::string render(const BenchComparison& c, Format format) {
  Table t;
  t.header = {"benchmark", "baseline", "contender", "ratio",
              fmt::format("{:g}% CI", (1.0 - c.alpha) * 100.0), "p", "reps", "verdict"};
  t.align = "lrrrlrrl";
  if (c.normalize) {
    t.header.insert(t.header.begin() + 3, "calib");
    t.align.insert(t.align.begin() + 3, 'l');
  }
  json rows = json::array();
  for (const BenchRow& r : c.rows) {
    json row = {{"name", r.name}, {"calibration", r.calibration}};
    std::vector<std::string> cells = {format == Format::markdown ? "`" + r.name + "`" : r.name};
    if (r.verdict == Verdict::error) {
      row["verdict"] = "error";
      row["error_message"] = r.error_message;
      cells.insert(cells.end(), {"", "", "", "", "", "", "error: " + r.error_message});
      if (c.normalize) cells.insert(cells.begin() + 3, "");
      t.rows.push_back(cells);
      rows.push_back(row);
      continue;
    }
    const stats::RatioComparison& s = r.comparison;
    const std::string verdict = verdict_name(r.verdict);
    const std::string shown = r.calibration ? "machine " + verdict + " (calibration)"
                              : r.verdict == Verdict::slower ? "**slower**"
                                                             : verdict;
    const bool bounded = std::isfinite(s.ratio.ci_high) && s.ratio.ci_low > 0.0;
    cells.push_back(format_time(r.baseline_median_ns));
    cells.push_back(format_time(r.contender_median_ns));
    if (c.normalize) cells.push_back(r.calibration ? "(itself)" : calib_name(r.normalized_by));
    cells.push_back(fmt::format("{:.3f}", s.median_ratio));
    cells.push_back(bounded ? fmt::format("{:.3f} - {:.3f}", s.ratio.ci_low, s.ratio.ci_high)
                            : "unbounded");
    cells.push_back(format_p(s.test.p));
    cells.push_back(fmt::format("{}/{}", r.n_baseline, r.n_contender));
    cells.push_back(format == Format::text && r.verdict == Verdict::slower && !r.calibration
                        ? "SLOWER"
                        : shown);
    t.rows.push_back(cells);

    row["verdict"] = verdict;
    row["normalized_by"] =
        (c.normalize && !r.calibration) ? json(calib_name(r.normalized_by)) : json(nullptr);
    row["metric"] = r.cpu_time ? "cpu_time" : "real_time";
    row["n_baseline"] = r.n_baseline;
    row["n_contender"] = r.n_contender;
    row["baseline_median_ns"] = r.baseline_median_ns;
    row["contender_median_ns"] = r.contender_median_ns;
    row["ratio"] = s.median_ratio;
    row["ratio_hodges_lehmann"] = s.ratio.estimate;
    row["ratio_ci"] = {num_or_null(bounded ? s.ratio.ci_low : NAN),
                       num_or_null(bounded ? s.ratio.ci_high : NAN)};
    row["ratio_ci_coverage"] = s.ratio.confidence;
    row["p_value"] = s.test.p;
    row["test"] = s.test.method == stats::MwuMethod::kExact ? "mann-whitney exact"
                                                            : "mann-whitney normal approximation";
    row["has_power"] = s.has_power;
    rows.push_back(row);
  }

  std::string title = fmt::format("{} slower, {} faster, {} unchanged", c.slower, c.faster, c.unchanged);
  if (c.untestable) title += fmt::format(", {} untestable", c.untestable);
  if (c.errored) title += fmt::format(", {} errored", c.errored);
  const std::string details = fmt::format("{}, threshold {}, alpha {:g}, normalize {}",
                                          c.cpu_time ? "cpu_time" : "real_time", percent(c.threshold),
                                          c.alpha, c.normalize ? "calibration" : "none");
  const json as_json = {
      {"mode", "benchmarks"},
      {"metric", c.cpu_time ? "cpu_time" : "real_time"},
      {"normalize", c.normalize ? "calibration" : "none"},
      {"threshold", c.threshold},
      {"alpha", c.alpha},
      {"baseline", c.baseline},
      {"contender", c.contender},
      {"summary",
       {{"slower", c.slower}, {"faster", c.faster}, {"unchanged", c.unchanged},
        {"untestable", c.untestable}, {"errored", c.errored}, {"calibration", c.calibration},
        {"only_in_baseline", c.only_in_baseline.size()},
        {"only_in_contender", c.only_in_contender.size()}, {"regression", c.regression()}}},
      {"benchmarks", rows},
      {"warnings", c.warnings}};
  return report(title, details, t, c.warnings, as_json, format);
}

std::string render(const ConvComparison& c, Format format) {
  Table t;
  const std::string conf = fmt::format("{:g}%", (1.0 - c.alpha) * 100.0);
  t.header = {"suite", "config", "metric", "baseline mean [" + conf + " CI]",
              "contender mean [" + conf + " CI]", "diff [" + conf + " CI]", "test", "verdict"};
  t.align = "llllllll";
  json rows = json::array();
  for (const ConvRow& r : c.rows) {
    if (r.status_row) {
      const bool worse = r.verdict == ConvVerdict::worse;
      t.rows.push_back({r.suite, r.config, "runs with status ok",
                        fmt::format("{}/{}", r.baseline_ok, r.baseline_runs),
                        fmt::format("{}/{}", r.contender_ok, r.contender_runs), "", "",
                        worse ? "**worse**" : "unchanged"});
      rows.push_back({{"suite", r.suite}, {"config", r.config}, {"metric", "status"},
                      {"baseline_ok", r.baseline_ok}, {"baseline_runs", r.baseline_runs},
                      {"contender_ok", r.contender_ok}, {"contender_runs", r.contender_runs},
                      {"verdict", worse ? "worse" : "unchanged"}});
      continue;
    }
    const stats::MeanComparison& m = r.comparison;
    const std::string verdict = r.verdict == ConvVerdict::no_direction
                                    ? r.no_direction_change + " (no direction)"
                                    : conv_verdict_name(r.verdict);
    const std::string test = !m.has_power ? "" : r.paired ? "paired t" : "welch t";
    t.rows.push_back({r.suite, r.config, r.metric, mean_cell(m.baseline), mean_cell(m.contender),
                      m.has_power ? fmt::format("{} [{}, {}]", format_num(m.diff),
                                                format_num(m.ci_low), format_num(m.ci_high))
                                  : format_num(m.diff),
                      test, verdict == "worse" ? "**worse**" : verdict});
    rows.push_back({{"suite", r.suite},
                    {"config", r.config},
                    {"metric", r.metric},
                    {"direction", r.direction > 0   ? "higher_is_better"
                                  : r.direction < 0 ? "lower_is_better"
                                                    : "none"},
                    {"baseline", {{"n", m.baseline.n}, {"mean", m.baseline.mean},
                                  {"sd", num_or_null(m.baseline.sd)},
                                  {"ci", {num_or_null(m.baseline.ci_low), num_or_null(m.baseline.ci_high)}}}},
                    {"contender", {{"n", m.contender.n}, {"mean", m.contender.mean},
                                   {"sd", num_or_null(m.contender.sd)},
                                   {"ci", {num_or_null(m.contender.ci_low), num_or_null(m.contender.ci_high)}}}},
                    {"diff", m.diff},
                    {"diff_ci", {num_or_null(m.ci_low), num_or_null(m.ci_high)}},
                    {"relative_change", num_or_null(m.relative_change)},
                    {"cohens_d", num_or_null(m.cohens_d)},
                    {"p_value", m.p},
                    {"test", test},
                    {"verdict", verdict}});
  }
  std::string title = fmt::format("{} worse, {} better, {} unchanged", c.worse, c.better, c.unchanged);
  if (c.untestable) title += fmt::format(", {} untestable", c.untestable);
  const std::string details = fmt::format(
      "final metrics over seeds; worse = the {} CI of the difference excludes 0{}", conf,
      c.threshold > 0 ? " and the change exceeds " + percent(c.threshold) : std::string());
  const json as_json = {{"mode", "convergence"},
                        {"threshold", c.threshold},
                        {"alpha", c.alpha},
                        {"baseline", c.baseline},
                        {"contender", c.contender},
                        {"summary",
                         {{"worse", c.worse}, {"better", c.better}, {"unchanged", c.unchanged},
                          {"untestable", c.untestable}, {"regression", c.regression()}}},
                        {"results", rows},
                        {"warnings", c.warnings}};
  return report(title, details, t, c.warnings, as_json, format);
}

}  // namespace lrb::perfcheck
