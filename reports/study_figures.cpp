// Per-configuration figures: the final test metric of each configuration (a
// study's arms) with every seed, and each tuned arm's tuning trials.  Like
// the rest of reports/, nothing here knows a suite: it reads the manifest's
// factors (a study marks its trials with factor stage = "tuning", and the
// tuned arm with factor tuned = "grid by <metric>", its trials named
// "<arm>/tune/<param>=<value>") and the records.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "core/stats/stats.hpp"
#include "reports/report.hpp"

namespace lrb::reports {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

const json* factor_of(const SuiteReport& s, const std::string& config, const std::string& name) {
  const auto it = s.factors.find(config);
  if (it == s.factors.end()) return nullptr;
  for (const auto& f : it->second)
    if (f.name == name) return &f.value;
  return nullptr;
}
std::string text_of(const json* v) {
  if (!v) return "";
  return v->is_string() ? v->get<std::string>() : v->dump();
}

// A number a record holds: `metric` is a key of its final block or a JSON
// pointer ("/final/test_loss"); NaN when absent or not a finite number.
double record_number(const json& rec, const std::string& metric) {
  const json* v = nullptr;
  if (!metric.empty() && metric[0] == '/') {
    try {
      const json::json_pointer p(metric);
      if (rec.contains(p)) v = &rec.at(p);
    } catch (const std::exception&) {
      return kNaN;
    }
  } else if (const auto f = rec.find("final"); f != rec.end() && f->is_object()) {
    if (const auto it = f->find(metric); it != f->end()) v = &*it;
  }
  return v && v->is_number() && std::isfinite(v->get<double>()) ? v->get<double>() : kNaN;
}
bool diverged_run(const json& rec) { return rec.value("status", "") == "diverged"; }

// Log scale when every value is positive and they span more than 30x.
bool spans_decades(const std::vector<double>& ys) {
  double lo = INFINITY, hi = 0;
  for (double v : ys) {
    if (!std::isfinite(v)) continue;
    if (v <= 0) return false;
    lo = std::min(lo, v), hi = std::max(hi, v);
  }
  return hi > 0 && hi / lo > 30;
}

// The final-metric figure of `configs` for one metric; none when no record has it.
std::optional<Figure> final_metric_figure(const SuiteReport& s, const std::vector<std::string>& configs,
                                          const std::string& metric) {
  Figure f;
  f.id = s.id + "-final-" + slug(metric) + "-per-config";
  f.section = s.id;
  f.title = s.id + ": final " + metric + " per configuration";
  f.xlabel = "configuration";
  f.ylabel = metric;
  Series mean{.label = "mean over seeds", .style = Style::bars};
  Series seeds{.label = "each seed", .style = Style::points};
  std::vector<std::string> cis;
  int diverged_total = 0;
  for (const auto& config : configs) {
    const auto it = s.by_config.find(config);
    if (it == s.by_config.end()) continue;
    std::vector<double> ys;
    int diverged = 0;
    for (const auto& ref : it->second) {
      f.sources.push_back(ref.path);
      if (diverged_run(*ref.record)) {
        ++diverged;
        continue;
      }
      if (const double y = record_number(*ref.record, metric); std::isfinite(y)) ys.push_back(y);
    }
    if (ys.empty() && !diverged) continue;
    const double x = static_cast<double>(f.categories.size());
    f.categories.push_back(diverged ? fmt::format("{} ({} of {} diverged)", config, diverged, it->second.size())
                                    : config);
    diverged_total += diverged;
    mean.x.push_back(x);
    mean.y.push_back(ys.empty() ? kNaN : stats::mean(ys));
    // Side by side across the bar (a strip plot), seeds in order: each seed
    // keeps its own x, so none hides another (the page's charts join series by x).
    for (size_t k = 0; k < ys.size(); ++k) {
      seeds.x.push_back(ys.size() < 2 ? x : x - 0.3 + 0.6 * static_cast<double>(k) / static_cast<double>(ys.size() - 1));
      seeds.y.push_back(ys[k]);
    }
    if (ys.size() >= 2) {
      const auto ci = stats::mean_ci(ys, 0.95);
      cis.push_back(fmt::format("{} {:.4g} [{:.4g}, {:.4g}]", config, stats::mean(ys), ci.low, ci.high));
    }
  }
  if (seeds.y.empty()) return std::nullopt;
  f.logy = spans_decades(seeds.y);
  f.series = {mean, seeds};
  f.note = fmt::format(
      "Final {} of each run (the record's final block) per configuration: a bar at the mean over its seeds, a point "
      "per seed, side by side in seed order (the seed-to-seed spread).{}{}",
      metric,
      diverged_total ? fmt::format(" {} diverged run(s) have no final value; their configurations say how many.",
                                   diverged_total)
                     : "",
      !cis.empty() && cis.size() <= 12
          ? fmt::format(" Mean [Student-t 95 % CI]: {}.", fmt::join(cis, "; "))
          : "");
  return f;
}

// The metric a tuned arm was chosen by ("grid by val_loss" -> "val_loss").
std::string tuning_metric(const SuiteReport& s, const std::string& config) {
  const std::string t = text_of(factor_of(s, config, "tuned"));
  const std::string prefix = "grid by ";
  return t.rfind(prefix, 0) == 0 ? t.substr(prefix.size()) : "";
}

}  // namespace

bool is_tuning_trial(const SuiteReport& s, const std::string& config) {
  return text_of(factor_of(s, config, "stage")).rfind("tuning", 0) == 0;
}

std::vector<Figure> final_metric_figures(const SuiteReport& s, const std::vector<std::string>& configs) {
  std::vector<Figure> out;
  if (configs.size() < 2) return out;  // one config: its learning curves say it all
  // The test metrics when the records have them, else the validation or training loss.
  std::set<std::string> keys;
  for (const auto& c : configs)
    if (const auto it = s.by_config.find(c); it != s.by_config.end())
      for (const auto& ref : it->second)
        if (const auto fin = ref.record->find("final"); fin != ref.record->end() && fin->is_object())
          for (auto k = fin->begin(); k != fin->end(); ++k)
            if (k->is_number()) keys.insert(k.key());
  std::vector<std::string> metrics;
  for (const char* k : {"test_loss", "test_accuracy"})
    if (keys.count(k)) metrics.push_back(k);
  if (metrics.empty())
    for (const char* k : {"val_loss", "train_loss"})
      if (keys.count(k)) {
        metrics.push_back(k);
        break;
      }
  for (const auto& m : metrics)
    if (auto f = final_metric_figure(s, configs, m)) out.push_back(std::move(*f));
  return out;
}

std::vector<Figure> tuning_figures(const SuiteReport& s) {
  std::vector<Figure> out;
  for (const auto& arm_config : s.config_order) {
    const std::string metric = tuning_metric(s, arm_config);
    if (metric.empty() || is_tuning_trial(s, arm_config)) continue;
    // The arm's trials are named "<arm>/tune/<param>=<value>" (the manifest's configs).
    const std::string& arm = arm_config;
    const std::string prefix = arm + "/tune/";
    std::vector<std::string> trials;
    std::string param;
    for (const auto& c : s.config_order) {
      if (!is_tuning_trial(s, c) || c.rfind(prefix, 0) != 0) continue;
      const size_t eq = c.find('=', prefix.size());
      if (eq == std::string::npos) continue;  // an LR range test: drawn with the lr-find figures
      trials.push_back(c);
      param = c.substr(prefix.size(), eq - prefix.size());
    }
    if (trials.empty() || param.empty()) continue;
    Figure f;
    f.id = s.id + "-tuning-" + slug(arm);
    f.section = s.id;
    f.title = fmt::format("{}: tuning of {}: {} vs {}", s.id, arm, metric, param);
    f.xlabel = param;
    f.ylabel = metric + " (tuning budget)";
    Series mean{.label = "mean over trial seeds", .style = Style::line};
    Series each{.label = "each trial", .style = Style::points};
    Series diverged{.label = "diverged (drawn at the top)", .style = Style::points, .alert = true};
    std::vector<std::pair<double, std::string>> by_value;
    for (const auto& c : trials)
      if (const json* v = factor_of(s, c, param); v && v->is_number()) by_value.push_back({v->get<double>(), c});
    std::sort(by_value.begin(), by_value.end());
    bool positive = true;
    for (const auto& [x, c] : by_value) {
      positive = positive && x > 0;
      const auto it = s.by_config.find(c);
      if (it == s.by_config.end()) continue;
      std::vector<double> ys;
      for (const auto& ref : it->second) {
        f.sources.push_back(ref.path);
        if (diverged_run(*ref.record)) {
          diverged.x.push_back(x);
          continue;
        }
        if (const double y = record_number(*ref.record, metric); std::isfinite(y)) {
          ys.push_back(y);
          each.x.push_back(x), each.y.push_back(y);
        }
      }
      if (!ys.empty()) mean.x.push_back(x), mean.y.push_back(stats::mean(ys));
    }
    if (each.y.empty() && diverged.x.empty()) continue;
    f.logx = positive && by_value.size() >= 2 && by_value.back().first / by_value.front().first > 30;
    f.logy = spans_decades(each.y);
    f.series = {mean, each};
    if (!diverged.x.empty()) {
      double top = 0;
      for (double v : each.y) top = std::max(top, v);
      top = top > 0 ? (f.logy ? top * 3 : top * 1.15) : 1;
      diverged.y.assign(diverged.x.size(), top);
      f.series.push_back(diverged);
    }
    if (const json* chosen = factor_of(s, arm_config, param); chosen && chosen->is_number())
      f.markers.push_back({chosen->get<double>(), fmt::format("chosen {} = {:.4g}", param, chosen->get<double>())});
    f.note = fmt::format(
        "The tuning trials of arm {} (the manifest's Tuning section has the rule and the budget): each value of {} "
        "trained with the tuning budget and scored by its final {} on the validation split; the dashed line is the "
        "value chosen, which the arm's final runs use.  A value with a diverged trial never wins.",
        arm, param, metric);
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace lrb::reports
