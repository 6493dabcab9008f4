// `lrbench perf-check`: is the contender slower than the baseline?
//
// Benchmark mode compares Google Benchmark JSON files repetition by
// repetition with a Mann-Whitney U test (core/stats), optionally normalizing
// every time by the machine's own calibration benchmarks measured in the same
// file.  Convergence mode compares final metrics of training runs over seeds
// with Welch's (or, when the seeds match, the paired) t interval.  The --help
// text below is the user documentation; exit codes:
//   0 no regression, 1 a regression (or a benchmark that errors only in the
//   contender), 2 usage error or bad input (unreadable or inconsistent files).
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "core/spec/spec.hpp"
#include "core/stats/stats.hpp"
#include "tools/lrbench/cli.hpp"

namespace lrb::cli {
namespace {

// Ordered: reports keep their keys in the order written (mode and summary first).
using json = nlohmann::ordered_json;
namespace fs = std::filesystem;

// A problem with an input file: "lrbench perf-check: MESSAGE", exit 2.  CI
// scripts read perf-check's statuses as 0 pass / 1 regression / 2 cannot
// compare (bad flag *or* bad input), as Google Benchmark's users expect;
// the other commands keep 3 for data errors.
struct DataError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// "A regression was found" shares its number with kRunFailure: main.cpp's
// summary promises "exit 1 on a slowdown".
constexpr int kRegression = 1;

enum class Format { kText, kMarkdown, kJson };
enum class Calib { kNone, kFma, kTriad, kCopy };

const char* calib_name(Calib c) {
  switch (c) {
    case Calib::kFma: return "fma";
    case Calib::kTriad: return "triad";
    case Calib::kCopy: return "copy";
    case Calib::kNone: break;
  }
  return "none";
}

// The calibration benchmark behind each kind (bench/calibration).
const char* calib_benchmark(Calib c) {
  switch (c) {
    case Calib::kFma: return "BM_calib_fma_peak";
    case Calib::kTriad: return "BM_calib_stream_triad";
    case Calib::kCopy: return "BM_calib_stream_copy";
    case Calib::kNone: break;
  }
  return "";
}

struct CalibRule {
  std::string text;
  std::regex re;
  Calib calib = Calib::kNone;
};

struct PerfOptions {
  std::vector<std::string> baseline, contender;
  bool convergence = false;
  double threshold = 0.05;  // a fraction
  double alpha = 0.05;
  bool cpu_time = false;
  bool normalize = false;
  std::vector<CalibRule> calib_rules;
  Format format = Format::kText;
  std::optional<std::regex> filter;
};

// ---- small helpers ------------------------------------------------------------------

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string join(const std::vector<std::string>& v, const std::string& sep) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) out += (i ? sep : "") + v[i];
  return out;
}

json read_json(const std::string& path) {
  if (fs::is_directory(path))
    throw DataError(path + ": is a directory, expected a Google Benchmark JSON file "
                           "(directories of run records need --convergence)");
  std::ifstream f(path, std::ios::binary);
  if (!f) throw DataError(path + ": cannot open (" + std::strerror(errno) + ")");
  std::stringstream ss;
  ss << f.rdbuf();
  try {
    return json::parse(ss.str());
  } catch (const json::parse_error& e) {
    throw DataError(path + ": not valid JSON (" + e.what() + ")");
  }
}

// "%.4g" with a unit picked by magnitude; times are in ns.
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

// JSON has no inf or NaN: write null for them.
json num_or_null(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

std::string percent(double fraction) { return fmt::format("{:g}%", fraction * 100.0); }

// ---- report: one table, rendered as text or markdown -----------------------------------

struct Table {
  std::vector<std::string> header;
  std::string align;  // 'l' or 'r' per column
  std::vector<std::vector<std::string>> rows;
};

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

std::string md_cell(const std::string& s) {
  std::string out;
  for (char ch : s) {
    if (ch == '|') out += "\\|";
    else out += ch;
  }
  return out;
}

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

struct Report {
  std::string title;    // "1 slower, 0 faster, 3 unchanged"
  std::string details;  // "real_time; threshold 5%, ..."
  Table table;
  std::vector<std::string> warnings;
  json as_json;
};

void print_report(const Report& r, Format format) {
  if (format == Format::kJson) {
    std::cout << r.as_json.dump(2) << "\n";
    return;
  }
  if (format == Format::kMarkdown) {
    std::cout << "**perf-check: " << r.title << "** (" << r.details << ")\n\n"
              << render_markdown(r.table);
    if (!r.warnings.empty()) {
      std::cout << "\n";
      for (const auto& w : r.warnings) std::cout << "- warning: " << w << "\n";
    }
    return;
  }
  std::cout << "perf-check: " << r.title << " (" << r.details << ")\n\n" << render_text(r.table);
  if (!r.warnings.empty()) {
    std::cout << "\n";
    for (const auto& w : r.warnings) std::cout << "warning: " << w << "\n";
  }
}

// ---- Google Benchmark JSON ---------------------------------------------------------------

// Fields Google Benchmark (1.5 - 1.8) writes that are not user counters.
const std::set<std::string>& standard_keys() {
  static const std::set<std::string> keys = {
      "name", "family_index", "per_family_instance_index", "run_name", "run_type",
      "repetitions", "repetition_index", "threads", "iterations", "real_time", "cpu_time",
      "time_unit", "aggregate_name", "aggregate_unit", "error_occurred", "error_message",
      "skipped", "skip_message", "label", "big_o", "rms", "cpu_coefficient",
      "real_coefficient"};
  return keys;
}

struct Entry {
  std::string key;  // run_name, else name
  bool aggregate = false;
  bool error = false;
  std::string error_message;
  double real_ns = 0, cpu_ns = 0;
  std::set<std::string> counters;
};

struct BenchFile {
  std::string path;
  std::string host;
  bool cpu_scaling = false;
  std::vector<Entry> entries;
};

// The calibration kind of a benchmark name ("lrb::bench::BM_calib_fma_peak/real_time").
Calib calibration_kind(const std::string& key) {
  std::string base = key.substr(0, key.find('/'));
  const size_t ns = base.rfind("::");
  if (ns != std::string::npos) base = base.substr(ns + 2);
  for (Calib c : {Calib::kFma, Calib::kTriad, Calib::kCopy})
    if (base == calib_benchmark(c)) return c;
  return Calib::kNone;
}

BenchFile load_bench_file(const std::string& path) {
  const json j = read_json(path);
  if (!j.is_object() || !j.contains("benchmarks") || !j["benchmarks"].is_array())
    throw DataError(path + ": not a Google Benchmark JSON file: expected an object with a "
                           "\"benchmarks\" array (write it with --benchmark_out=FILE "
                           "--benchmark_out_format=json)");
  BenchFile f;
  f.path = path;
  if (j.contains("context") && j["context"].is_object()) {
    const json& c = j["context"];
    if (c.contains("host_name") && c["host_name"].is_string()) f.host = c["host_name"];
    if (c.contains("cpu_scaling_enabled") && c["cpu_scaling_enabled"].is_boolean())
      f.cpu_scaling = c["cpu_scaling_enabled"];
  }
  size_t index = 0;
  for (const json& e : j["benchmarks"]) {
    std::string where = path + ": benchmarks[" + std::to_string(index++) + "]";
    if (!e.is_object()) throw DataError(where + " is not an object");
    if (!e.contains("name") || !e["name"].is_string())
      throw DataError(where + " has no string \"name\"");
    Entry en;
    en.key = (e.contains("run_name") && e["run_name"].is_string()) ? e["run_name"] : e["name"];
    where += " (" + en.key + ")";
    std::string run_type = e.contains("aggregate_name") ? "aggregate" : "iteration";
    if (e.contains("run_type")) {
      if (!e["run_type"].is_string()) throw DataError(where + ": \"run_type\" is not a string");
      run_type = e["run_type"];
    }
    if (run_type == "aggregate") {
      en.aggregate = true;
      f.entries.push_back(std::move(en));
      continue;
    }
    if (run_type != "iteration")
      throw DataError(where + ": unknown run_type \"" + run_type +
                      "\" (expected \"iteration\" or \"aggregate\")");
    auto text = [&](const char* k) {
      return e.contains(k) && e[k].is_string() ? e[k].get<std::string>() : std::string();
    };
    // error_occurred: Google Benchmark <= 1.7; skipped: >= 1.8.
    const bool errored =
        (e.contains("error_occurred") && e["error_occurred"].is_boolean() &&
         e["error_occurred"].get<bool>()) ||
        (e.contains("skipped") && e["skipped"].is_string() && e["skipped"] != "not_skipped");
    if (errored) {
      en.error = true;
      en.error_message = !text("error_message").empty() ? text("error_message") : text("skip_message");
      f.entries.push_back(std::move(en));
      continue;
    }
    for (const char* k : {"real_time", "cpu_time"})
      if (!e.contains(k) || !e[k].is_number())
        throw DataError(where + ": missing the number \"" + std::string(k) + "\"");
    if (!e.contains("time_unit") || !e["time_unit"].is_string())
      throw DataError(where + ": missing the string \"time_unit\"");
    const std::string unit = e["time_unit"];
    double scale = 0;
    if (unit == "ns") scale = 1;
    else if (unit == "us") scale = 1e3;
    else if (unit == "ms") scale = 1e6;
    else if (unit == "s") scale = 1e9;
    else throw DataError(where + ": unknown time_unit \"" + unit + "\" (expected ns, us, ms or s)");
    en.real_ns = e["real_time"].get<double>() * scale;
    en.cpu_ns = e["cpu_time"].get<double>() * scale;
    for (const auto& [k, v] : e.items())
      if (v.is_number() && !standard_keys().count(k)) en.counters.insert(k);
    f.entries.push_back(std::move(en));
  }
  if (f.entries.empty()) throw DataError(path + ": \"benchmarks\" is empty");
  const bool any_repetition = std::any_of(f.entries.begin(), f.entries.end(),
                                          [](const Entry& e) { return !e.aggregate; });
  if (!any_repetition)
    throw DataError(path + ": holds only aggregates (mean/median/stddev), no repetitions: the "
                           "rank test needs every repetition.  Rerun the benchmark with "
                           "--benchmark_repetitions=N (N >= 5) and without "
                           "--benchmark_report_aggregates_only");
  return f;
}

// Everything one side (baseline or contender) knows about one benchmark.
struct KeyInfo {
  size_t repetitions = 0, aggregates = 0, errors = 0;
  std::string error_message;
  std::set<std::string> counters;
};

struct Side {
  std::string label;  // "baseline" / "contender"
  std::vector<BenchFile> files;
  std::vector<std::string> order;  // keys in first-seen order
  std::map<std::string, KeyInfo> keys;
};

Side load_side(const std::string& label, const std::vector<std::string>& paths) {
  Side s;
  s.label = label;
  for (const auto& p : paths) s.files.push_back(load_bench_file(p));
  for (const auto& f : s.files) {
    for (const auto& e : f.entries) {
      auto [it, fresh] = s.keys.try_emplace(e.key);
      if (fresh) s.order.push_back(e.key);
      KeyInfo& k = it->second;
      if (e.aggregate) {
        ++k.aggregates;
      } else if (e.error) {
        ++k.errors;
        if (k.error_message.empty()) k.error_message = e.error_message;
      } else {
        ++k.repetitions;
        k.counters.insert(e.counters.begin(), e.counters.end());
      }
    }
  }
  return s;
}

std::string side_paths(const Side& s) {
  std::vector<std::string> p;
  for (const auto& f : s.files) p.push_back(f.path);
  return join(p, ", ");
}

// The median real_time of a calibration benchmark's repetitions in one file.
std::optional<double> calibration_median(const BenchFile& f, Calib c) {
  std::vector<double> t;
  for (const auto& e : f.entries)
    if (!e.aggregate && !e.error && calibration_kind(e.key) == c) t.push_back(e.real_ns);
  if (t.empty()) return std::nullopt;
  const double m = stats::median(t);
  if (!(m > 0.0) || !std::isfinite(m))
    throw DataError(f.path + ": " + calib_benchmark(c) + " has a non-positive median time");
  return m;
}

// Per-repetition values of one benchmark on one side: the metric in ns, or
// divided by the median of its calibration benchmark in the same file.
std::vector<double> side_samples(const Side& s, const std::string& key, bool cpu_time, Calib norm) {
  std::vector<double> out;
  for (const auto& f : s.files) {
    std::optional<double> scale;
    for (const auto& e : f.entries) {
      if (e.key != key || e.aggregate || e.error) continue;
      const double v = cpu_time ? e.cpu_ns : e.real_ns;
      if (!(v > 0.0) || !std::isfinite(v))
        throw DataError(f.path + ": " + key + " has a repetition with " +
                        (cpu_time ? "cpu_time " : "real_time ") + format_num(v) +
                        " (times must be positive and finite)");
      if (norm != Calib::kNone) {
        if (!scale) {
          scale = calibration_median(f, norm);
          if (!scale)
            throw DataError(f.path + ": has no " + calib_benchmark(norm) + " repetitions to "
                            "normalize " + key + " by (" + calib_name(norm) + " calibration); "
                            "run the executable without filtering the calibration benchmarks "
                            "out, map the benchmark to another kind with --calibration-for, or "
                            "use --normalize none");
        }
        out.push_back(v / *scale);
      } else {
        out.push_back(v);
      }
    }
  }
  return out;
}

Calib calibration_for(const std::string& key, const Side& base, const Side& cont,
                      const PerfOptions& o) {
  for (const auto& r : o.calib_rules)
    if (std::regex_search(key, r.re)) return r.calib;
  auto guess = [](const std::set<std::string>& c) {
    if (c.count("flops")) return Calib::kFma;
    if (c.count("bytes_per_second")) return Calib::kTriad;
    return Calib::kNone;
  };
  const std::set<std::string>& cb = base.keys.at(key).counters;
  const std::set<std::string>& cc = cont.keys.at(key).counters;
  const Calib a = guess(cb), b = guess(cc);
  if (a != b) {
    auto list = [](const std::set<std::string>& s) {
      return "{" + join(std::vector<std::string>(s.begin(), s.end()), ", ") + "}";
    };
    throw DataError(key + " reports counters " + list(cb) + " in " + side_paths(base) + " but " +
                    list(cc) + " in " + side_paths(cont) + ", so its calibration would be " +
                    calib_name(a) + " for one side and " + calib_name(b) +
                    " for the other; pick one with --calibration-for 'REGEX=KIND'");
  }
  return a;
}

bool keep(const PerfOptions& o, const std::string& key) {
  return !o.filter || std::regex_search(key, *o.filter);
}

int run_benchmarks(const PerfOptions& o) {
  const Side base = load_side("baseline", o.baseline);
  const Side cont = load_side("contender", o.contender);

  std::vector<std::string> common, only_base, only_cont, filtered_out;
  for (const auto& k : base.order) {
    if (!keep(o, k)) continue;
    (cont.keys.count(k) ? common : only_base).push_back(k);
  }
  for (const auto& k : cont.order)
    if (keep(o, k) && !base.keys.count(k)) only_cont.push_back(k);
  if (common.empty()) {
    if (o.filter && only_base.empty() && only_cont.empty())
      throw UsageError("--filter matches no benchmark in " + side_paths(base) + " or " +
                       side_paths(cont));
    throw DataError("no benchmark is in both " + side_paths(base) + " and " + side_paths(cont) +
                    (o.filter ? " (after --filter)" : "") + ": nothing to compare");
  }

  // A benchmark both sides ran must have repetitions on both sides.
  std::vector<std::string> aggregates_only;
  for (const auto& k : common) {
    for (const Side* s : {&base, &cont}) {
      const KeyInfo& ki = s->keys.at(k);
      if (ki.repetitions == 0 && ki.errors == 0)
        aggregates_only.push_back(k + " in " + side_paths(*s));
    }
  }
  if (!aggregates_only.empty())
    throw DataError("only aggregates, no repetitions, for " + join(aggregates_only, "; ") +
                    ": rerun with --benchmark_repetitions=N and without "
                    "--benchmark_report_aggregates_only");

  Report rep;
  std::vector<std::string>& warn = rep.warnings;
  rep.table.header = {"benchmark", "baseline", "contender", "ratio",
                      fmt::format("{:g}% CI", (1.0 - o.alpha) * 100.0), "p", "reps", "verdict"};
  rep.table.align = "lrrrlrrl";
  if (o.normalize) {
    rep.table.header.insert(rep.table.header.begin() + 3, "calib");
    rep.table.align.insert(rep.table.align.begin() + 3, 'l');
  }
  json rows = json::array();
  size_t n_slower = 0, n_faster = 0, n_same = 0, n_untestable = 0, n_errored = 0, n_calib = 0;
  std::vector<std::string> no_power, raw_unnormalized;

  for (const auto& k : common) {
    const KeyInfo& kb = base.keys.at(k);
    const KeyInfo& kc = cont.keys.at(k);
    const Calib own = calibration_kind(k);
    const bool is_calib = own != Calib::kNone;
    json row = {{"name", k}, {"calibration", is_calib}};
    std::vector<std::string> cells = {o.format == Format::kMarkdown ? "`" + k + "`" : k};
    if (kc.repetitions == 0 || kb.repetitions == 0) {
      // Errored on at least one side (aggregates-only was rejected above).
      if (kc.repetitions == 0 && kb.repetitions > 0 && !is_calib) {
        ++n_errored;
        row["verdict"] = "error";
        row["error_message"] = kc.error_message;
        cells.insert(cells.end(), {"", "", "", "", "", "", "error: " + kc.error_message});
        if (o.normalize) cells.insert(cells.begin() + 3, "");
        rep.table.rows.push_back(cells);
        rows.push_back(row);
      } else {
        warn.push_back(k + " reported an error in the " +
                       (kb.repetitions == 0 ? std::string("baseline") : std::string("contender")) +
                       " (" + (kb.repetitions == 0 ? kb.error_message : kc.error_message) +
                       "); not compared");
      }
      continue;
    }
    // Calibration rows compare raw real_time: they measure the machine.
    Calib norm = Calib::kNone;
    if (o.normalize && !is_calib) {
      norm = calibration_for(k, base, cont, o);
      if (norm == Calib::kNone) raw_unnormalized.push_back(k);
    }
    const bool cpu = o.cpu_time && !is_calib;
    const std::vector<double> xb = side_samples(base, k, cpu, norm);
    const std::vector<double> xc = side_samples(cont, k, cpu, norm);
    const std::vector<double> rb = side_samples(base, k, cpu, Calib::kNone);
    const std::vector<double> rc = side_samples(cont, k, cpu, Calib::kNone);
    const stats::RatioComparison c = stats::compare_ratio(xb, xc, o.threshold, o.alpha);

    std::string verdict;
    if (!c.has_power) {
      verdict = "untestable";
      if (!is_calib) no_power.push_back(k);
    } else if (c.change == stats::Change::kIncrease) {
      verdict = "slower";
    } else if (c.change == stats::Change::kDecrease) {
      verdict = "faster";
    } else {
      verdict = "unchanged";
    }
    if (is_calib) {
      ++n_calib;
    } else if (verdict == "slower") {
      ++n_slower;
    } else if (verdict == "faster") {
      ++n_faster;
    } else if (verdict == "untestable") {
      ++n_untestable;
    } else {
      ++n_same;
    }
    const std::string shown = is_calib ? "machine " + verdict + " (calibration)"
                              : verdict == "slower" ? "**slower**" : verdict;
    const bool bounded = std::isfinite(c.ratio.ci_high) && c.ratio.ci_low > 0.0;
    cells.push_back(format_time(stats::median(rb)));
    cells.push_back(format_time(stats::median(rc)));
    if (o.normalize) cells.push_back(is_calib ? "(itself)" : calib_name(norm));
    cells.push_back(fmt::format("{:.3f}", c.median_ratio));
    cells.push_back(bounded ? fmt::format("{:.3f} - {:.3f}", c.ratio.ci_low, c.ratio.ci_high)
                            : "unbounded");
    cells.push_back(format_p(c.test.p));
    cells.push_back(fmt::format("{}/{}", c.n_baseline, c.n_contender));
    cells.push_back(o.format == Format::kText && verdict == "slower" && !is_calib ? "SLOWER" : shown);
    rep.table.rows.push_back(cells);

    row["verdict"] = verdict;
    row["normalized_by"] = (o.normalize && !is_calib) ? json(calib_name(norm)) : json(nullptr);
    row["metric"] = cpu ? "cpu_time" : "real_time";
    row["n_baseline"] = c.n_baseline;
    row["n_contender"] = c.n_contender;
    row["baseline_median_ns"] = stats::median(rb);
    row["contender_median_ns"] = stats::median(rc);
    row["ratio"] = c.median_ratio;
    row["ratio_hodges_lehmann"] = c.ratio.estimate;
    row["ratio_ci"] = {num_or_null(bounded ? c.ratio.ci_low : NAN),
                       num_or_null(bounded ? c.ratio.ci_high : NAN)};
    row["ratio_ci_coverage"] = c.ratio.confidence;
    row["p_value"] = c.test.p;
    row["test"] = c.test.method == stats::MwuMethod::kExact ? "mann-whitney exact"
                                                            : "mann-whitney normal approximation";
    row["has_power"] = c.has_power;
    rows.push_back(row);
  }

  // Warnings: power, machines, leftovers.
  if (!no_power.empty()) {
    warn.push_back(fmt::format(
        "{} benchmark(s) have too few repetitions for the rank test to ever reach p < {:g} "
        "(with n repetitions per side the smallest two-sided p is 2 / C(2n, n): 0.1 for n = 3, "
        "0.029 for n = 4); run with --benchmark_repetitions >= 5: {}",
        no_power.size(), o.alpha, join(no_power, ", ")));
  }
  if (!raw_unnormalized.empty())
    warn.push_back("no calibration rule for " + join(raw_unnormalized, ", ") +
                   " (neither a \"flops\" nor a \"bytes_per_second\" counter, and no "
                   "--calibration-for match): compared without normalization");
  std::set<std::string> hb, hc;
  bool scaling = false;
  for (const auto& f : base.files) {
    if (!f.host.empty()) hb.insert(f.host);
    scaling |= f.cpu_scaling;
  }
  for (const auto& f : cont.files) {
    if (!f.host.empty()) hc.insert(f.host);
    scaling |= f.cpu_scaling;
  }
  if (!o.normalize && !hb.empty() && !hc.empty() && hb != hc)
    warn.push_back("baseline and contender ran on different hosts (" +
                   join(std::vector<std::string>(hb.begin(), hb.end()), ", ") + " vs " +
                   join(std::vector<std::string>(hc.begin(), hc.end()), ", ") +
                   ") and --normalize is none: the ratios include the machine difference");
  if (scaling)
    warn.push_back("CPU frequency scaling was enabled during at least one run: expect noisier "
                   "timings");
  if (!only_base.empty())
    warn.push_back("only in the baseline (removed or renamed?): " + join(only_base, ", "));
  if (!only_cont.empty()) warn.push_back("only in the contender (new): " + join(only_cont, ", "));

  rep.title = fmt::format("{} slower, {} faster, {} unchanged", n_slower, n_faster, n_same);
  if (n_untestable) rep.title += fmt::format(", {} untestable", n_untestable);
  if (n_errored) rep.title += fmt::format(", {} errored", n_errored);
  rep.details = fmt::format("{}, threshold {}, alpha {:g}, normalize {}",
                            o.cpu_time ? "cpu_time" : "real_time", percent(o.threshold), o.alpha,
                            o.normalize ? "calibration" : "none");
  const bool failed = n_slower > 0 || n_errored > 0;
  std::vector<std::string> bp, cp;
  for (const auto& f : base.files) bp.push_back(f.path);
  for (const auto& f : cont.files) cp.push_back(f.path);
  rep.as_json = {
      {"mode", "benchmarks"},
      {"metric", o.cpu_time ? "cpu_time" : "real_time"},
      {"normalize", o.normalize ? "calibration" : "none"},
      {"threshold", o.threshold},
      {"alpha", o.alpha},
      {"baseline", bp},
      {"contender", cp},
      {"summary",
       {{"slower", n_slower}, {"faster", n_faster}, {"unchanged", n_same},
        {"untestable", n_untestable}, {"errored", n_errored}, {"calibration", n_calib},
        {"only_in_baseline", only_base.size()}, {"only_in_contender", only_cont.size()},
        {"regression", failed}}},
      {"benchmarks", rows},
      {"warnings", warn}};
  print_report(rep, o.format);
  return failed ? kRegression : kOk;
}

// ---- convergence mode: run records over seeds ----------------------------------------------

struct RunRecord {
  std::string file;
  std::string suite, config;
  int64_t seed = 0;
  std::string status;
  std::map<std::string, double> final_metrics;
};

std::vector<std::string> record_files(const std::string& path) {
  std::vector<std::string> files;
  if (fs::is_directory(path)) {
    for (const auto& e : fs::directory_iterator(path))
      if (e.is_regular_file() && e.path().extension() == ".json") files.push_back(e.path().string());
    std::sort(files.begin(), files.end());
    if (files.empty()) throw DataError(path + ": holds no *.json run records");
  } else if (fs::exists(path)) {
    files.push_back(path);
  } else {
    throw DataError(path + ": no such file or directory");
  }
  return files;
}

RunRecord load_record(const std::string& path) {
  const json j = read_json(path);
  if (!j.is_object()) throw DataError(path + ": expected a JSON object (one run record)");
  RunRecord r;
  r.file = path;
  auto need = [&](const char* key) -> const json& {
    if (!j.contains(key))
      throw DataError(path + ": run record has no \"" + key +
                      "\" (needs suite, config, seed, status, final)");
    return j[key];
  };
  const json& suite = need("suite");
  if (!suite.is_string() || suite.get<std::string>().empty())
    throw DataError(path + ": \"suite\" must be a non-empty string");
  r.suite = suite;
  const json& config = need("config");
  r.config = config.is_string() ? config.get<std::string>() : config.dump();
  const json& seed = need("seed");
  if (!seed.is_number_integer()) throw DataError(path + ": \"seed\" must be an integer");
  r.seed = seed.get<int64_t>();
  const json& status = need("status");
  if (!status.is_string()) throw DataError(path + ": \"status\" must be a string");
  r.status = status;
  if (j.contains("final") && !j["final"].is_null()) {
    if (!j["final"].is_object()) throw DataError(path + ": \"final\" must be an object");
    for (const auto& [k, v] : j["final"].items()) {
      if (v.is_null()) continue;
      if (!v.is_number())
        throw DataError(path + ": final." + k + " must be a number or null, got " + v.dump());
      const double x = v.get<double>();
      if (!std::isfinite(x)) throw DataError(path + ": final." + k + " is not finite");
      r.final_metrics[k] = x;
    }
  } else if (r.status == "ok") {
    throw DataError(path + ": a run with status \"ok\" needs a \"final\" object");
  }
  return r;
}

struct Group {
  std::string suite, config;
  std::map<int64_t, RunRecord> by_seed;
};
using GroupKey = std::pair<std::string, std::string>;

struct RecordSide {
  std::vector<GroupKey> order;
  std::map<GroupKey, Group> groups;
  size_t records = 0;
};

RecordSide load_records(const std::vector<std::string>& paths, const PerfOptions& o) {
  RecordSide s;
  for (const auto& p : paths) {
    for (const auto& f : record_files(p)) {
      RunRecord r = load_record(f);
      if (o.filter && !std::regex_search(r.suite + "/" + r.config, *o.filter)) continue;
      const GroupKey key{r.suite, r.config};
      auto [it, fresh] = s.groups.try_emplace(key);
      if (fresh) {
        s.order.push_back(key);
        it->second.suite = r.suite;
        it->second.config = r.config;
      }
      const auto dup = it->second.by_seed.find(r.seed);
      if (dup != it->second.by_seed.end())
        throw DataError(f + ": seed " + std::to_string(r.seed) + " of " + r.suite + " / " +
                        r.config + " is already in " + dup->second.file +
                        " (one record per seed)");
      it->second.by_seed.emplace(r.seed, std::move(r));
      ++s.records;
    }
  }
  return s;
}

// +1: higher is better (accuracy), -1: lower is better (loss, error), 0: report only.
int direction(const std::string& metric) {
  if (ends_with(metric, "accuracy") || ends_with(metric, "acc")) return +1;
  if (ends_with(metric, "loss") || ends_with(metric, "error") || ends_with(metric, "perplexity"))
    return -1;
  return 0;
}

std::string mean_cell(const stats::Summary& s) {
  if (s.n < 2) return format_num(s.mean) + " (n=1)";
  return fmt::format("{} [{}, {}] (n={})", format_num(s.mean), format_num(s.ci_low),
                     format_num(s.ci_high), s.n);
}

int run_convergence(const PerfOptions& o) {
  const RecordSide base = load_records(o.baseline, o);
  const RecordSide cont = load_records(o.contender, o);
  std::vector<GroupKey> common;
  std::vector<std::string> only_base, only_cont;
  for (const auto& k : base.order)
    (cont.groups.count(k) ? common.push_back(k) : only_base.push_back(k.first + "/" + k.second));
  for (const auto& k : cont.order)
    if (!base.groups.count(k)) only_cont.push_back(k.first + "/" + k.second);
  if (common.empty())
    throw DataError("no (suite, config) is in both " + join(o.baseline, ", ") + " and " +
                    join(o.contender, ", ") + (o.filter ? " (after --filter)" : "") +
                    ": nothing to compare");

  Report rep;
  const std::string conf = fmt::format("{:g}%", (1.0 - o.alpha) * 100.0);
  rep.table.header = {"suite", "config", "metric", "baseline mean [" + conf + " CI]",
                      "contender mean [" + conf + " CI]", "diff [" + conf + " CI]", "test",
                      "verdict"};
  rep.table.align = "llllllll";
  json rows = json::array();
  size_t n_worse = 0, n_better = 0, n_same = 0, n_untestable = 0;

  for (const auto& key : common) {
    const Group& gb = base.groups.at(key);
    const Group& gc = cont.groups.at(key);
    // Failed runs (any status other than "ok"): worse when the contender's
    // failure rate is higher.
    auto ok_count = [](const Group& g) {
      size_t n = 0;
      for (const auto& [seed, r] : g.by_seed) n += r.status == "ok";
      return n;
    };
    const size_t okb = ok_count(gb), okc = ok_count(gc);
    const double fail_b = 1.0 - double(okb) / double(gb.by_seed.size());
    const double fail_c = 1.0 - double(okc) / double(gc.by_seed.size());
    if (fail_b > 0 || fail_c > 0) {
      const bool worse = fail_c > fail_b;
      worse ? ++n_worse : ++n_same;
      rep.table.rows.push_back({gb.suite, gb.config, "runs with status ok",
                                fmt::format("{}/{}", okb, gb.by_seed.size()),
                                fmt::format("{}/{}", okc, gc.by_seed.size()), "", "",
                                worse ? "**worse**" : "unchanged"});
      rows.push_back({{"suite", gb.suite}, {"config", gb.config}, {"metric", "status"},
                      {"baseline_ok", okb}, {"baseline_runs", gb.by_seed.size()},
                      {"contender_ok", okc}, {"contender_runs", gc.by_seed.size()},
                      {"verdict", worse ? "worse" : "unchanged"}});
    }
    std::set<std::string> metrics;
    for (const Group* g : {&gb, &gc})
      for (const auto& [seed, r] : g->by_seed)
        if (r.status == "ok")
          for (const auto& [m, v] : r.final_metrics) metrics.insert(m);
    for (const auto& m : metrics) {
      std::map<int64_t, double> vb, vc;
      for (const auto& [seed, r] : gb.by_seed)
        if (r.status == "ok" && r.final_metrics.count(m)) vb[seed] = r.final_metrics.at(m);
      for (const auto& [seed, r] : gc.by_seed)
        if (r.status == "ok" && r.final_metrics.count(m)) vc[seed] = r.final_metrics.at(m);
      if (vb.empty() || vc.empty()) {
        rep.warnings.push_back(gb.suite + "/" + gb.config + ": final." + m + " is only in the " +
                               (vb.empty() ? "contender" : "baseline") + "'s records");
        continue;
      }
      std::vector<double> xb, xc;
      for (const auto& [seed, v] : vb) xb.push_back(v);
      for (const auto& [seed, v] : vc) xc.push_back(v);
      bool paired = vb.size() == vc.size() && vb.size() >= 2;
      if (paired)
        for (auto ib = vb.begin(), ic = vc.begin(); ib != vb.end(); ++ib, ++ic)
          paired &= ib->first == ic->first;
      const double thr = o.threshold;
      const stats::MeanComparison c = stats::compare_means(xb, xc, thr, o.alpha, paired);
      const int dir = direction(m);
      std::string verdict = "unchanged";
      if (!c.has_power) {
        verdict = "untestable";
        ++n_untestable;
        rep.warnings.push_back(gb.suite + "/" + gb.config + ": final." + m +
                               " needs at least 2 seeds per side for an interval");
      } else if (c.change != stats::Change::kNone && dir != 0) {
        const bool up = c.change == stats::Change::kIncrease;
        verdict = (up == (dir > 0)) ? "better" : "worse";
        verdict == "worse" ? ++n_worse : ++n_better;
      } else {
        if (dir == 0 && c.change != stats::Change::kNone)
          verdict = std::string(stats::to_string(c.change)) + " (no direction)";
        ++n_same;
      }
      const std::string test = !c.has_power ? "" : paired ? "paired t" : "welch t";
      rep.table.rows.push_back(
          {gb.suite, gb.config, m, mean_cell(c.baseline), mean_cell(c.contender),
           c.has_power ? fmt::format("{} [{}, {}]", format_num(c.diff), format_num(c.ci_low),
                                     format_num(c.ci_high))
                       : format_num(c.diff),
           test, verdict == "worse" ? "**worse**" : verdict});
      rows.push_back({{"suite", gb.suite},
                      {"config", gb.config},
                      {"metric", m},
                      {"direction", dir > 0 ? "higher_is_better"
                                    : dir < 0 ? "lower_is_better"
                                              : "none"},
                      {"baseline", {{"n", c.baseline.n}, {"mean", c.baseline.mean},
                                    {"sd", num_or_null(c.baseline.sd)},
                                    {"ci", {num_or_null(c.baseline.ci_low), num_or_null(c.baseline.ci_high)}}}},
                      {"contender", {{"n", c.contender.n}, {"mean", c.contender.mean},
                                     {"sd", num_or_null(c.contender.sd)},
                                     {"ci", {num_or_null(c.contender.ci_low), num_or_null(c.contender.ci_high)}}}},
                      {"diff", c.diff},
                      {"diff_ci", {num_or_null(c.ci_low), num_or_null(c.ci_high)}},
                      {"relative_change", num_or_null(c.relative_change)},
                      {"cohens_d", num_or_null(c.cohens_d)},
                      {"p_value", c.p},
                      {"test", test},
                      {"verdict", verdict}});
    }
  }
  if (!only_base.empty()) rep.warnings.push_back("only in the baseline: " + join(only_base, ", "));
  if (!only_cont.empty()) rep.warnings.push_back("only in the contender: " + join(only_cont, ", "));

  rep.title = fmt::format("{} worse, {} better, {} unchanged", n_worse, n_better, n_same);
  if (n_untestable) rep.title += fmt::format(", {} untestable", n_untestable);
  rep.details = fmt::format("final metrics over seeds; worse = the {} CI of the difference "
                            "excludes 0{}",
                            conf,
                            o.threshold > 0 ? " and the change exceeds " + percent(o.threshold)
                                            : std::string());
  rep.as_json = {{"mode", "convergence"},
                 {"threshold", o.threshold},
                 {"alpha", o.alpha},
                 {"baseline", o.baseline},
                 {"contender", o.contender},
                 {"summary",
                  {{"worse", n_worse}, {"better", n_better}, {"unchanged", n_same},
                   {"untestable", n_untestable}, {"regression", n_worse > 0}}},
                 {"results", rows},
                 {"warnings", rep.warnings}};
  print_report(rep, o.format);
  return n_worse > 0 ? kRegression : kOk;
}

// ---- options -----------------------------------------------------------------------------

const char* kDescription = R"(Compares a contender against a baseline and exits 1 on a regression.

BENCHMARK MODE (default): A.json and B.json are Google Benchmark JSON files
(--benchmark_out=FILE --benchmark_out_format=json) run with
--benchmark_repetitions=N, N >= 5, and WITHOUT --benchmark_report_aggregates_only:
the test uses every repetition ("run_type": "iteration"); aggregates are
ignored.  Several files per side are pooled (e.g. interleaved rounds).
Benchmarks are matched by run_name (else name).  For each one:
  ratio    median(contender) / median(baseline) of --metric
  CI       Hodges-Lehmann ratio interval at 1 - alpha (distribution-free)
  p        two-sided Mann-Whitney U (exact without ties when one side has
           <= 8 repetitions, else normal approximation with tie and
           continuity corrections; as scipy.stats.mannwhitneyu)
  verdict  slower     p < alpha and ratio > 1 + threshold
           faster     p < alpha and ratio < 1 / (1 + threshold)
           untestable too few repetitions: the smallest reachable p,
                      2 / C(n1 + n2, n1), is >= alpha (n = 3 per side: 0.1)
           unchanged  otherwise
With many benchmarks about alpha x their number reach p < alpha by chance;
the threshold is what keeps such noise from failing the check.
--normalize calibration divides every repetition by the median real_time of
a calibration benchmark in the same file, so files from different machines
compare: BM_calib_fma_peak ("fma") for benchmarks with a "flops" counter,
else BM_calib_stream_triad ("triad") for those reporting bytes_per_second,
else none (reported raw, with a warning); --calibration-for 'REGEX=KIND'
(KIND fma|triad|copy|none, first match wins) overrides the rule.  The
calibration benchmarks themselves are compared raw and never fail the check.

CONVERGENCE MODE (--convergence): each --baseline/--contender is a directory
of *.json run records (or a single record file), one run per file:
  {"suite": "s", "config": "c" or {...}, "seed": 3, "status": "ok",
   "final": {"test_accuracy": 0.91, "train_loss": 0.25}}
Runs are grouped by (suite, config).  Each final metric is compared over
seeds: the paired-t interval when both sides have the same seeds, else
Welch's interval of mean(contender) - mean(baseline) at 1 - alpha.  Metrics
ending in "accuracy"/"acc" must not drop, those ending in "loss"/"error"/
"perplexity" must not rise: worse = the interval excludes 0 on the bad side
(and, if --threshold is given, the relative change exceeds it).  Any status
other than "ok" is a failed run; a higher failure rate in the contender is
worse.  Other metrics are reported, never fail.

exit status: 0 no regression, 1 regression (or a benchmark that errors only
in the contender), 2 usage error or bad input (unreadable or invalid JSON,
only aggregates, no common benchmarks, missing fields or calibration).

examples:
  lrbench perf-check --baseline main.json --contender pr.json --format markdown
  lrbench perf-check --baseline nightly/*.json --contender run/*.json \
      --normalize calibration --threshold 10%
  lrbench perf-check --convergence --baseline results/main --contender results/pr)";

double parse_threshold(const std::string& text) {
  std::string t = text;
  if (!t.empty() && t.back() == '%') t.pop_back();
  const auto v = spec::to_double(t);
  if (!v || !(*v > 0.0 && *v < 100.0))
    throw UsageError("--threshold must be a percentage in (0, 100), e.g. 5%, got '" + text + "'");
  return *v / 100.0;
}

PerfOptions parse_perf_options(const std::vector<std::string>& args, bool& help) {
  PerfOptions o;
  std::string threshold, alpha = "0.05", metric = "real_time", normalize = "none",
                         format = "text", filter;
  std::vector<std::string> calib;
  po::options_description opts("options");
  opts.add_options()
      ("baseline", po::value(&o.baseline)->multitoken()->required(),
       "baseline file(s): Google Benchmark JSON (--convergence: directories of run records)")
      ("contender", po::value(&o.contender)->multitoken()->required(),
       "contender file(s), same kind as --baseline")
      ("threshold", po::value(&threshold),
       "smallest change that counts, a percentage in (0, 100) (default 5%; with "
       "--convergence default none: the interval alone decides)")
      ("alpha", po::value(&alpha)->default_value(alpha),
       "significance level in (0, 0.5]; intervals are at 1 - alpha")
      ("metric", po::value(&metric)->default_value(metric), "real_time | cpu_time")
      ("normalize", po::value(&normalize)->default_value(normalize),
       "none | calibration (divide by this machine's calibration benchmark)")
      ("calibration-for", po::value(&calib)->composing(),
       "REGEX=fma|triad|copy|none: calibration of the benchmarks whose name matches "
       "(repeatable, first match wins; needs --normalize calibration)")
      ("format", po::value(&format)->default_value(format),
       "text | markdown (a pull-request comment) | json")
      ("filter", po::value(&filter),
       "compare only names matching this ECMAScript regex (--convergence: 'suite/config')")
      ("convergence", po::bool_switch(&o.convergence),
       "compare final metrics of run records over seeds instead of benchmarks");
  po::variables_map vm;
  help = !parse_options("perf-check", "--baseline A.json... --contender B.json... [options]",
                        kDescription, opts, {}, args, vm);
  if (help) return o;

  if (vm.count("threshold")) {
    o.threshold = parse_threshold(threshold);
  } else if (o.convergence) {
    o.threshold = 0.0;
  }
  const auto a = spec::to_double(alpha);
  if (!a || !(*a > 0.0 && *a <= 0.5))
    throw UsageError("--alpha must be in (0, 0.5], got '" + alpha + "'");
  o.alpha = *a;
  if (metric != "real_time" && metric != "cpu_time")
    throw UsageError("--metric must be real_time or cpu_time, got '" + metric + "'");
  o.cpu_time = metric == "cpu_time";
  if (normalize != "none" && normalize != "calibration")
    throw UsageError("--normalize must be none or calibration, got '" + normalize + "'");
  o.normalize = normalize == "calibration";
  if (format == "text") o.format = Format::kText;
  else if (format == "markdown") o.format = Format::kMarkdown;
  else if (format == "json") o.format = Format::kJson;
  else throw UsageError("--format must be text, markdown or json, got '" + format + "'");
  if (vm.count("filter")) {
    try {
      o.filter = std::regex(filter, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      throw UsageError("--filter '" + filter + "' is not a valid regex (" + e.what() + ")");
    }
  }
  for (const auto& rule : calib) {
    const size_t eq = rule.rfind('=');
    if (eq == std::string::npos || eq == 0)
      throw UsageError("--calibration-for must be REGEX=KIND, got '" + rule + "'");
    const std::string kind = rule.substr(eq + 1);
    CalibRule r;
    r.text = rule;
    if (kind == "fma") r.calib = Calib::kFma;
    else if (kind == "triad") r.calib = Calib::kTriad;
    else if (kind == "copy") r.calib = Calib::kCopy;
    else if (kind == "none") r.calib = Calib::kNone;
    else
      throw UsageError("--calibration-for '" + rule + "': KIND must be fma, triad, copy or none, got '" +
                       kind + "'");
    try {
      r.re = std::regex(rule.substr(0, eq), std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      throw UsageError("--calibration-for '" + rule + "': invalid regex (" + e.what() + ")");
    }
    o.calib_rules.push_back(std::move(r));
  }
  if (!o.calib_rules.empty() && !o.normalize)
    throw UsageError("--calibration-for needs --normalize calibration");
  if (o.convergence) {
    for (const char* flag : {"metric", "normalize"})
      if (!vm[flag].defaulted())
        throw UsageError(std::string("--") + flag + " applies to benchmarks, not --convergence");
    if (!o.calib_rules.empty())
      throw UsageError("--calibration-for applies to benchmarks, not --convergence");
  }
  return o;
}

}  // namespace

int cmd_perf_check(const std::vector<std::string>& args) {
  bool help = false;
  const PerfOptions o = parse_perf_options(args, help);
  if (help) return kOk;
  try {
    return o.convergence ? run_convergence(o) : run_benchmarks(o);
  } catch (const DataError& e) {
    std::cerr << "lrbench perf-check: " << e.what() << "\n";
    return kUsage;
  } catch (const fs::filesystem_error& e) {
    std::cerr << "lrbench perf-check: " << e.what() << "\n";
    return kUsage;
  }
}

}  // namespace lrb::cli
