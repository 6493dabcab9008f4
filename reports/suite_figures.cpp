// Figures derived from records, generically: nothing here knows a suite's
// configs.  What a figure needs is looked up in each record (curves.epochs,
// curves.lr_per_step, curves.loss, timing.epoch_wall_seconds, final.*) and the
// figure is left out when no record has it.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <set>

#include "core/stats/stats.hpp"
#include "reports/report.hpp"

namespace lrb::reports {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double num(const json& j, const std::string& key) {
  if (!j.is_object()) return kNaN;
  const auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<double>() : kNaN;
}
const json* array_at(const json& rec, const char* a, const char* b) {
  if (!rec.is_object() || !rec.contains(a) || !rec[a].is_object() || !rec[a].contains(b)) return nullptr;
  const json& v = rec[a][b];
  return v.is_array() ? &v : nullptr;
}
const json* epochs_of(const json& rec) { return array_at(rec, "curves", "epochs"); }
bool diverged(const json& rec) { return rec.value("status", "") == "diverged"; }
std::vector<double> numbers(const json& arr) {
  std::vector<double> v;
  for (const auto& x : arr) v.push_back(x.is_number() ? x.get<double>() : kNaN);
  return v;
}

// ---- declared factors ----------------------------------------------------------
// A factor value as text: strings as they are, numbers in %g, booleans.
std::string factor_text(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number()) return fmt::format("{:g}", v.get<double>());
  return v.dump();
}
const records::Factors& factors_of(const SuiteReport& s, const std::string& config) {
  static const records::Factors none;
  const auto it = s.factors.find(config);
  return it == s.factors.end() ? none : it->second;
}
const json* factor(const SuiteReport& s, const std::string& config, const std::string& name) {
  for (const auto& f : factors_of(s, config))
    if (f.name == name) return &f.value;
  return nullptr;
}
// The config's factors other than `name`, as "a/b/c" (declaration order), and
// the names they belong to: two configs are comparable along `name` when both agree.
std::string other_factors(const SuiteReport& s, const std::string& config, const std::string& name) {
  std::string key, names;
  for (const auto& f : factors_of(s, config))
    if (f.name != name) {
      key += (key.empty() ? "" : "/") + factor_text(f.value);
      names += "\x1f" + f.name;
    }
  return key + names;  // the names make configs with other factor sets differ
}
std::string visible(const std::string& key) { return key.substr(0, key.find('\x1f')); }

// ---- LR sweeps: configs that differ only in their numeric factor "lr" ----------
// Groups of at least two configs, keyed by their other factors, members by LR.
std::map<std::string, std::vector<std::pair<double, std::string>>> sweeps(const SuiteReport& s) {
  std::map<std::string, std::vector<std::pair<double, std::string>>> by_key, out;
  for (const auto& c : s.config_order) {
    if (is_tuning_trial(s, c)) continue;  // drawn by tuning_figures
    const json* lr = factor(s, c, "lr");
    if (lr && lr->is_number() && std::isfinite(lr->get<double>()) && lr->get<double>() > 0)
      by_key[other_factors(s, c, "lr")].push_back({lr->get<double>(), c});
  }
  for (auto& [key, members] : by_key) {
    if (members.size() < 2) continue;
    std::sort(members.begin(), members.end());
    std::string label = visible(key).empty() ? "(all)" : visible(key);
    while (out.count(label)) label += "'";  // equal values under other factor names
    out[label] = std::move(members);
  }
  return out;
}
std::set<std::string> sweep_configs(const SuiteReport& s) {
  std::set<std::string> out;
  for (const auto& [g, v] : sweeps(s))
    for (const auto& [lr, c] : v) out.insert(c);
  return out;
}

// ---- mean and 95 % CI over seeds, point by point ----------------------------
struct Curve {
  std::vector<double> x, y;
};
struct Agg {
  std::vector<double> x, mean, lo, hi;
  size_t seeds = 0;
};
Agg aggregate(const std::vector<Curve>& per_seed) {
  Agg a;
  a.seeds = per_seed.size();
  size_t n = 0;
  for (const auto& c : per_seed) n = std::max(n, c.y.size());
  for (size_t k = 0; k < n; ++k) {
    std::vector<double> xs, ys;
    for (const auto& c : per_seed)
      if (k < c.y.size() && std::isfinite(c.y[k]) && std::isfinite(c.x[k])) {
        xs.push_back(c.x[k]);
        ys.push_back(c.y[k]);
      }
    if (ys.empty()) continue;
    a.x.push_back(stats::mean(xs));
    a.mean.push_back(stats::mean(ys));
    if (ys.size() >= 2) {
      const auto ci = stats::mean_ci(ys, 0.95);
      a.lo.push_back(ci.low);
      a.hi.push_back(ci.high);
    } else {
      a.lo.push_back(kNaN);
      a.hi.push_back(kNaN);
    }
  }
  return a;
}

// Log scale when every value is positive and they span more than `ratio`.
bool wants_log(const std::vector<Series>& series, double ratio) {
  double lo = INFINITY, hi = 0;
  for (const auto& s : series)
    for (double v : s.y) {
      if (!std::isfinite(v)) continue;
      if (v <= 0) return false;
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
  return hi > 0 && hi / lo > ratio;
}
// On a log axis a band's lower edge must stay positive: clip it to the mean.
void clip_bands_for_log(Figure& f) {
  if (!f.logy) return;
  for (auto& s : f.series)
    for (size_t i = 0; i < s.lo.size(); ++i)
      if (!(s.lo[i] > 0)) s.lo[i] = s.y[i];
}

Series band_series(const std::string& label, const Agg& a) {
  Series s{.label = label, .style = Style::band, .x = a.x, .y = a.mean, .lo = a.lo, .hi = a.hi};
  bool any = false;
  for (double v : s.lo) any |= std::isfinite(v);
  if (!any) s.lo.clear(), s.hi.clear();
  return s;
}

std::string seeds_label(const std::string& config, size_t n) {
  return n > 1 ? fmt::format("{} ({} seeds)", config, n) : config;
}

void add_sources(Figure& f, const std::vector<RecordRef>& refs) {
  for (const auto& r : refs) f.sources.push_back(r.path);
}

// Per-epoch values of `key` (x = epoch, or another epoch field / timing array).
enum class XAxis { epoch, wall_seconds };
std::optional<Curve> epoch_curve(const json& rec, const std::string& key, XAxis xa) {
  const json* ep = epochs_of(rec);
  if (!ep || ep->empty()) return std::nullopt;
  Curve c;
  const json* wall = array_at(rec, "timing", "epoch_wall_seconds");
  if (xa == XAxis::wall_seconds && (!wall || wall->size() < ep->size())) return std::nullopt;
  bool any = false;
  for (size_t k = 0; k < ep->size(); ++k) {
    const json& e = (*ep)[k];
    const double y = num(e, key);
    any |= std::isfinite(y);
    c.y.push_back(y);
    if (xa == XAxis::epoch) {
      const double x = num(e, "epoch");
      c.x.push_back(std::isfinite(x) ? x : double(k + 1));
    } else {
      const json& w = (*wall)[k];
      c.x.push_back(w.is_number() ? w.get<double>() : kNaN);
    }
  }
  if (!any) return std::nullopt;
  return c;
}

std::vector<std::string> plotted_configs(const SuiteReport& s) {
  const auto sw = sweep_configs(s);
  std::vector<std::string> out;
  for (const auto& c : s.config_order)
    if (!sw.count(c) && s.by_config.count(c) && !is_tuning_trial(s, c)) out.push_back(c);
  return out;
}

// A figure of suite s: id "<suite>-<kind>", title "<suite>: <title>".
Figure suite_figure(const SuiteReport& s, const std::string& kind, const std::string& title,
                    const std::string& xlabel, const std::string& ylabel) {
  Figure f;
  f.id = s.id + "-" + kind;
  f.section = s.id;
  f.title = s.id + ": " + title;
  f.xlabel = xlabel;
  f.ylabel = ylabel;
  return f;
}

// A per-epoch metric of every (non-sweep) config: mean and CI band.
std::optional<Figure> epoch_figure(const SuiteReport& s, const std::string& kind, const std::string& key,
                                   XAxis xa, const std::string& title, const std::string& xlabel,
                                   const std::string& ylabel, bool allow_log) {
  Figure f = suite_figure(s, kind, title, xlabel, ylabel);
  size_t seeds_max = 0;
  int diverged_runs = 0;
  for (const auto& config : plotted_configs(s)) {
    std::vector<Curve> curves;
    std::vector<RecordRef> used;
    for (const auto& ref : s.by_config.at(config))
      if (auto c = epoch_curve(*ref.record, key, xa)) {
        curves.push_back(*c);
        used.push_back(ref);
        diverged_runs += diverged(*ref.record);
      }
    if (curves.empty()) continue;
    const Agg a = aggregate(curves);
    seeds_max = std::max(seeds_max, a.seeds);
    f.series.push_back(band_series(seeds_label(config, a.seeds), a));
    add_sources(f, used);
  }
  if (f.series.empty()) return std::nullopt;
  f.logy = allow_log && wants_log(f.series, 30);
  clip_bands_for_log(f);
  f.note = fmt::format("Mean over seeds at each epoch{}; the band is the Student-t 95 % confidence interval of the "
                       "mean (2 or more seeds).{}",
                       xa == XAxis::wall_seconds ? " against the mean wall time since training started" : "",
                       diverged_runs ? fmt::format(" {} diverged run(s) count only up to their last finite epoch.",
                                                   diverged_runs)
                                     : "");
  if (seeds_max <= 1) f.note += " One seed per config: no band.";
  return f;
}

// The per-epoch accuracy key present in the records ("test_accuracy" first).
std::string accuracy_key(const SuiteReport& s) {
  std::set<std::string> keys;
  for (const auto& [c, refs] : s.by_config)
    for (const auto& r : refs)
      if (const json* ep = epochs_of(*r.record); ep && !ep->empty() && (*ep)[0].is_object())
        for (auto it = (*ep)[0].begin(); it != (*ep)[0].end(); ++it)
          if (it.key().find("accuracy") != std::string::npos && it->is_number()) keys.insert(it.key());
  if (keys.count("test_accuracy")) return "test_accuracy";
  if (keys.count("val_accuracy")) return "val_accuracy";
  return keys.empty() ? "" : *keys.begin();
}
std::string heldout_key(const SuiteReport& s) {
  bool test = false, val = false;
  for (const auto& [c, refs] : s.by_config)
    for (const auto& r : refs)
      if (const json* ep = epochs_of(*r.record))
        for (const auto& e : *ep) {
          test |= std::isfinite(num(e, "test_loss"));
          val |= std::isfinite(num(e, "val_loss"));
        }
  return test ? "test_loss" : val ? "val_loss" : "";
}

// ---- time to target (AlgoPerf style) ----------------------------------------
std::optional<Figure> time_to_target(const SuiteReport& s) {
  struct Row {
    std::string config;
    std::vector<std::vector<std::tuple<double, double, double>>> seeds;  // (loss, steps, seconds) per epoch
    double final_mean = kNaN;
  };
  std::vector<Row> rows;
  std::vector<RecordRef> used;
  for (const auto& config : plotted_configs(s)) {
    Row row{config, {}, kNaN};
    std::vector<double> finals;
    for (const auto& ref : s.by_config.at(config)) {
      const json* ep = epochs_of(*ref.record);
      const json* wall = array_at(*ref.record, "timing", "epoch_wall_seconds");
      if (!ep || ep->empty()) continue;
      std::vector<std::tuple<double, double, double>> pts;
      for (size_t k = 0; k < ep->size(); ++k)
        pts.emplace_back(num((*ep)[k], "train_loss"), num((*ep)[k], "steps"),
                         wall && k < wall->size() && (*wall)[k].is_number() ? (*wall)[k].get<double>() : kNaN);
      if (!diverged(*ref.record) && std::isfinite(std::get<0>(pts.back()))) finals.push_back(std::get<0>(pts.back()));
      row.seeds.push_back(std::move(pts));
      used.push_back(ref);
    }
    if (row.seeds.empty()) continue;
    if (!finals.empty()) row.final_mean = stats::mean(finals);
    rows.push_back(std::move(row));
  }
  std::vector<double> finals;
  for (const auto& r : rows)
    if (std::isfinite(r.final_mean)) finals.push_back(r.final_mean);
  if (finals.size() < 2) return std::nullopt;
  const double target = stats::median(finals);
  Figure f = suite_figure(s, "time-to-target", fmt::format("time to reach training loss <= {:.4g}", target),
                          "config (seeds that reached the target / seeds)", "updates (steps) to target");
  f.y2label = "wall time to target (s)";
  Series steps{.label = "steps", .style = Style::bars}, secs{.label = "seconds", .style = Style::bars, .y2 = true};
  for (size_t i = 0; i < rows.size(); ++i) {
    std::vector<double> st, se;
    for (const auto& pts : rows[i].seeds)
      for (const auto& [loss, step, sec] : pts)
        if (loss <= target) {
          st.push_back(step);
          if (std::isfinite(sec)) se.push_back(sec);
          break;
        }
    f.categories.push_back(fmt::format("{} ({}/{})", rows[i].config, st.size(), rows[i].seeds.size()));
    steps.x.push_back(double(i));
    secs.x.push_back(double(i));
    steps.y.push_back(st.empty() ? kNaN : stats::mean(st));
    secs.y.push_back(se.empty() ? kNaN : stats::mean(se));
  }
  f.series = {steps, secs};
  add_sources(f, used);
  f.note = fmt::format(
      "Rule: target = {:.6g}, the median over configs of the mean final training loss (diverged runs "
      "excluded). A run's time to target is the first epoch end at which its training loss is <= the target: "
      "updates done so far (left axis) and wall seconds since training started (right axis). Bars are means "
      "over the seeds that reached it; a config with 0 seeds reaching it has no bar.",
      target);
  return f;
}

// ---- the LR actually applied at each update ----------------------------------
std::optional<Figure> lr_per_step(const SuiteReport& s) {
  Figure f = suite_figure(s, "lr-per-step", "learning rate applied at each update", "update (step)", "learning rate");
  size_t longest = 0;
  for (const auto& config : plotted_configs(s)) {
    const auto& refs = s.by_config.at(config);
    const json* lrs = nullptr;
    const RecordRef* used = nullptr;
    for (const auto& ref : refs)
      if ((lrs = array_at(*ref.record, "curves", "lr_per_step")) && !lrs->empty()) {
        used = &ref;
        break;
      }
    if (!used) continue;
    const auto v = numbers(*lrs);
    longest = std::max(longest, v.size());
    // At most ~4000 points per schedule: every k-th update plus every change.
    const size_t stride = std::max<size_t>(1, v.size() / 4000);
    Series ser{.label = fmt::format("{} (seed {})", config, used->record->value("seed", int64_t{0})),
               .style = Style::steps};
    for (size_t t = 0; t < v.size(); ++t)
      if (t % stride == 0 || t + 1 == v.size() || (t > 0 && v[t] != v[t - 1])) {
        ser.x.push_back(double(t + 1));
        ser.y.push_back(v[t]);
      }
    f.series.push_back(std::move(ser));
    f.sources.push_back(used->path);
  }
  if (f.series.empty()) return std::nullopt;
  f.logy = wants_log(f.series, 50);
  f.note = "curves.lr_per_step of the lowest seed of each config: update t used the value at x = t (the "
           "schedule after t-1 completed updates). Schedules that react to the loss (reduce on plateau) can "
           "differ between seeds.";
  if (longest > 4000) f.note += " Long runs are thinned to every k-th update plus every update where the LR changes.";
  return f;
}

// ---- a per-step loss array (curves.loss, else curves.train_loss, else another *loss*) ----
const json* step_loss(const json& rec, std::string* key = nullptr) {
  if (!rec.is_object() || !rec.contains("curves") || !rec["curves"].is_object()) return nullptr;
  const json& c = rec["curves"];
  auto numeric = [](const json& a) { return a.is_array() && !a.empty() && (a[0].is_number() || a[0].is_null()); };
  for (const char* k : {"loss", "train_loss"})
    if (c.contains(k) && numeric(c[k])) {
      if (key) *key = k;
      return &c[k];
    }
  for (auto it = c.begin(); it != c.end(); ++it)
    if (it.key().find("loss") != std::string::npos && numeric(*it)) {
      if (key) *key = it.key();
      return &*it;
    }
  return nullptr;
}
std::optional<Figure> loss_vs_step(const SuiteReport& s) {
  Figure f = suite_figure(s, "loss-vs-step", "loss at each iteration", "iteration", "loss");
  std::string key;
  for (const auto& config : plotted_configs(s)) {
    std::vector<Curve> curves;
    std::vector<RecordRef> used;
    for (const auto& ref : s.by_config.at(config))
      if (const json* l = step_loss(*ref.record, &key)) {
        Curve c;
        c.y = numbers(*l);
        for (size_t i = 0; i < c.y.size(); ++i) c.x.push_back(double(i + 1));
        curves.push_back(std::move(c));
        used.push_back(ref);
      }
    if (curves.empty()) continue;
    const Agg a = aggregate(curves);
    f.series.push_back(band_series(seeds_label(config, a.seeds), a));
    add_sources(f, used);
  }
  if (f.series.empty()) return std::nullopt;
  f.logy = wants_log(f.series, 30);
  clip_bands_for_log(f);
  f.ylabel = key == "loss" ? "loss" : key;
  f.note = "curves." + key + ": the loss the run recorded along its iterations (one value per recorded "
           "iteration); mean over seeds with a 95 % band when there are several.";
  return f;
}

// ---- LR sweeps -----------------------------------------------------------------
double final_loss(const json& rec) {
  const json fin = rec.contains("final") ? rec["final"] : json::object();
  for (const char* k : {"train_loss", "loss"})
    if (double v = num(fin, k); std::isfinite(v)) return v;
  if (const json* l = step_loss(rec))
    for (auto it = l->rbegin(); it != l->rend(); ++it)
      if (it->is_number()) return it->get<double>();
  if (const json* ep = epochs_of(rec))
    for (auto it = ep->rbegin(); it != ep->rend(); ++it)
      if (double v = num(*it, "train_loss"); std::isfinite(v)) return v;
  return kNaN;
}

std::vector<Figure> lr_sweep_figures(const SuiteReport& s) {
  std::vector<Figure> out;
  const auto groups = sweeps(s);
  for (const auto& [group, members] : groups) {
    Figure f = suite_figure(s, "lr-sweep" + (groups.size() > 1 ? "-" + slug(group) : ""),
                            fmt::format("LR sweep {} - final training loss vs learning rate", group),
                            "learning rate (log scale)", "final training loss");
    f.logx = true;
    Series mean{.label = "mean over seeds", .style = Style::line};
    Series seeds{.label = "each run", .style = Style::points};
    std::vector<double> div_lr;
    double last_ok = kNaN, first_div = kNaN;
    for (const auto& [lr, config] : members) {
      const auto it = s.by_config.find(config);
      if (it == s.by_config.end()) continue;
      std::vector<double> ys;
      bool any_div = false;
      for (const auto& ref : it->second) {
        f.sources.push_back(ref.path);
        if (diverged(*ref.record)) {
          any_div = true;
          div_lr.push_back(lr);
          continue;
        }
        const double y = final_loss(*ref.record);
        if (!std::isfinite(y)) continue;
        ys.push_back(y);
        seeds.x.push_back(lr);
        seeds.y.push_back(y);
      }
      if (!ys.empty()) {
        mean.x.push_back(lr);
        mean.y.push_back(stats::mean(ys));
      }
      if (any_div && !std::isfinite(first_div)) first_div = lr;
      if (!any_div && !std::isfinite(first_div)) last_ok = lr;
    }
    if (mean.x.empty() && div_lr.empty()) continue;
    // Losses span decades across a sweep; exact zeros (converged to the last
    // bit) cannot sit on a log axis: they are drawn at a floor a decade below
    // the smallest positive loss, and the note says so.
    double pos_lo = INFINITY, pos_hi = 0;
    for (double v : seeds.y)
      if (v > 0) pos_lo = std::min(pos_lo, v), pos_hi = std::max(pos_hi, v);
    std::string floor_note;
    if (pos_hi > 0 && pos_hi / pos_lo > 100) {
      f.logy = true;
      const double floor = pos_lo / 10;
      int zeros = 0;
      for (auto* v : {&mean.y, &seeds.y})
        for (double& y : *v)
          if (y <= 0) y = floor, ++zeros;
      if (zeros)
        floor_note = fmt::format(" Final losses <= 0 (exact fits) are drawn at {:.3g}, a decade below the smallest "
                                 "positive one, so the log axis can show them.",
                                 floor);
    }
    f.series = {mean, seeds};
    if (!div_lr.empty()) {
      double top = 0;
      for (double v : seeds.y) top = std::max(top, v);
      top = top > 0 ? (f.logy ? top * 3 : top * 1.15) : 1;
      Series d{.label = "diverged (drawn at the top)", .style = Style::points, .alert = true};
      for (double lr : div_lr) {
        d.x.push_back(lr);
        d.y.push_back(top);
      }
      f.series.push_back(d);
    }
    if (std::isfinite(last_ok) && std::isfinite(first_div))
      f.markers.push_back({std::sqrt(last_ok * first_div),
                           fmt::format("divergence edge: {:g} ok, {:g} diverged", last_ok, first_div)});
    f.note = fmt::format(
        "Configs that differ only in their declared factor lr, grouped by the other factors ('{}'). Final training loss "
        "of each run (final.train_loss, else the last value of its loss curve); diverged runs are marked at the "
        "top; the dashed line sits between the largest LR where no run diverged and the smallest where one did.{}",
        group, floor_note);
    out.push_back(std::move(f));
  }
  return out;
}

// ---- LR sensitivity (DeepOBS-style) ---------------------------------------------
// Configs that declare a numeric factor "lr" and a factor "optimizer", grouped
// by their other factors (suite 005: the problem): one line per optimizer, the
// mean over seeds of the final held-out metric at each LR (test accuracy when
// every run of the group records one, else the test loss, else the training loss).  Drawn for a group
// with at least two optimizers swept over at least three LRs each.
double final_of(const json& rec, const char* key) {
  return rec.contains("final") ? num(rec["final"], key) : kNaN;
}

std::vector<Figure> lr_sensitivity_figures(const SuiteReport& s) {
  struct Line {
    std::map<double, std::vector<const RecordRef*>> by_lr;
  };
  std::map<std::string, std::map<std::string, Line>> groups;  // other factors -> optimizer -> line
  for (const auto& [config, refs] : s.by_config) {
    const json* lr = factor(s, config, "lr");
    const json* opt = factor(s, config, "optimizer");
    if (!lr || !lr->is_number() || !opt) continue;
    std::string key;
    for (const auto& f : factors_of(s, config))
      if (f.name != "lr" && f.name != "optimizer") key += (key.empty() ? "" : "/") + factor_text(f.value);
    auto& line = groups[key][factor_text(*opt)];
    for (const auto& ref : refs) line.by_lr[lr->get<double>()].push_back(&ref);
  }
  std::vector<Figure> out;
  for (const auto& [group, lines] : groups) {
    size_t swept = 0;
    for (const auto& [opt, line] : lines) swept += line.by_lr.size() >= 3;
    if (swept < 2) continue;
    // The first metric every run that did not diverge records; groups with
    // none (e.g. suite 000's least-squares sweeps hold only loss curves) have
    // their own LR-sweep figure and get no sensitivity figure.
    const char* key = nullptr;
    for (const char* candidate : {"test_accuracy", "test_loss", "train_loss"}) {
      bool all = true, any = false;
      for (const auto& [opt, line] : lines)
        for (const auto& [lr, refs] : line.by_lr)
          for (const RecordRef* r : refs) {
            if (diverged(*r->record)) continue;
            const bool has = std::isfinite(final_of(*r->record, candidate));
            all = all && has;
            any = any || has;
          }
      if (all && any) {
        key = candidate;
        break;
      }
    }
    if (!key) continue;
    const bool accuracy = std::string_view(key) == "test_accuracy";
    Figure f = suite_figure(s, "lr-sensitivity" + (group.empty() ? "" : "-" + slug(group)),
                            fmt::format("LR sensitivity{} - final {} vs learning rate, one line per optimizer",
                                        group.empty() ? "" : " (" + group + ")", key),
                            "learning rate (log scale; the lr multiplier for LR-free methods)",
                            fmt::format("final {} (mean over seeds)", key));
    f.logx = true;
    int diverged_runs = 0;
    for (const auto& [opt, line] : lines) {
      Series sr{.label = opt, .style = Style::line};
      for (const auto& [lr, refs] : line.by_lr) {
        std::vector<double> ys;
        for (const RecordRef* r : refs) {
          f.sources.push_back(r->path);
          if (diverged(*r->record)) {
            ++diverged_runs;
            continue;
          }
          if (const double y = final_of(*r->record, key); std::isfinite(y)) ys.push_back(y);
        }
        sr.x.push_back(lr);
        sr.y.push_back(ys.empty() ? kNaN : stats::mean(ys));
      }
      f.series.push_back(std::move(sr));
    }
    if (!accuracy) f.logy = wants_log(f.series, 30);
    std::sort(f.sources.begin(), f.sources.end());
    f.note = fmt::format(
        "DeepOBS-style LR sensitivity: configs with the declared factors lr and optimizer{}, one line per optimizer; "
        "each point is the mean over seeds of the final {} at that LR. Diverged runs are left out of the mean ({} "
        "here); an LR where every seed diverged is a gap. The flatter and wider a line's top, the less its LR needs "
        "tuning.",
        group.empty() ? "" : ", grouped by the other factors ('" + group + "')", key, diverged_runs);
    out.push_back(std::move(f));
  }
  return out;
}

// ---- as written vs corrected -------------------------------------------------
// Configs that declare the factor "code" ("as_written": the tutorial's code as
// printed; "corrected": the same thing done right) and agree on every other
// factor are drawn together.
std::vector<Figure> written_vs_corrected(const SuiteReport& s) {
  std::vector<Figure> out;
  // (a) configs that pair up by their factors.
  std::map<std::string, std::pair<std::vector<std::string>, std::vector<std::string>>> pairs;
  for (const auto& c : s.config_order) {
    const json* code = factor(s, c, "code");
    if (!code || !code->is_string()) continue;
    auto& p = pairs[other_factors(s, c, "code")];
    if (*code == "as_written") p.first.push_back(c);
    else if (*code == "corrected") p.second.push_back(c);
  }
  std::vector<std::string> keys;
  for (const auto& [k, v] : pairs)
    if (!v.first.empty() && !v.second.empty()) keys.push_back(k);
  for (const auto& k : keys) {
    const std::string label = visible(k);
    Figure f = suite_figure(s, "as-written-vs-corrected" + (keys.size() > 1 ? "-" + slug(label) : ""),
                            fmt::format("the tutorial's code as written vs corrected{}",
                                        label.empty() ? "" : " (" + label + ")"),
                            "epoch", "training loss");
    std::vector<std::string> configs = pairs[k].first;
    configs.insert(configs.end(), pairs[k].second.begin(), pairs[k].second.end());
    bool per_step = false, per_epoch = false;
    for (const auto& config : configs) {
      const auto it = s.by_config.find(config);
      if (it == s.by_config.end()) continue;
      std::vector<Curve> curves;
      for (const auto& ref : it->second) {
        if (auto c = epoch_curve(*ref.record, "train_loss", XAxis::epoch)) {
          curves.push_back(*c);
          per_epoch = true;
        } else if (const json* l = step_loss(*ref.record)) {
          Curve c;
          c.y = numbers(*l);
          for (size_t i = 0; i < c.y.size(); ++i) c.x.push_back(double(i + 1));
          curves.push_back(c);
          per_step = true;
        } else {
          continue;
        }
        f.sources.push_back(ref.path);
      }
      if (!curves.empty()) f.series.push_back(band_series(seeds_label(config, curves.size()), aggregate(curves)));
    }
    if (f.series.size() < 2) continue;
    if (per_step) f.xlabel = per_epoch ? "epoch (per-epoch curves) or iteration (per-iteration curves)" : "iteration";
    f.logy = wants_log(f.series, 30);
    clip_bands_for_log(f);
    f.note = "Configs that differ only in their declared factor code (as_written: the tutorial's code as printed; "
             "corrected: done right): mean training loss over seeds with a 95 % band; per-epoch curves when the "
             "records have them, else the per-iteration loss.";
    out.push_back(std::move(f));
  }
  // (b) one record holding a curve twice: X and X_as_coded / X_as_written.
  std::set<std::string> done;
  std::vector<std::string> order = plotted_configs(s);  // sweep members last
  for (const auto& c : s.config_order)
    if (std::find(order.begin(), order.end(), c) == order.end()) order.push_back(c);
  for (const auto& config : order) {
    const auto it = s.by_config.find(config);
    if (it == s.by_config.end() || it->second.empty()) continue;
    const RecordRef& ref = it->second.front();
    const json& rec = *ref.record;
    if (!rec.contains("curves") || !rec["curves"].is_object()) continue;
    for (auto c = rec["curves"].begin(); c != rec["curves"].end(); ++c)
      for (const char* suffix : {"_as_coded", "_as_written", "_tutorial"}) {
        const std::string key = c.key(), sfx = suffix;
        if (key.size() <= sfx.size() || key.compare(key.size() - sfx.size(), sfx.size(), sfx) != 0) continue;
        const std::string base = key.substr(0, key.size() - sfx.size());
        if (done.count(base) || !rec["curves"].contains(base) || !rec["curves"][base].is_array() ||
            !c->is_array())
          continue;
        done.insert(base);
        Figure f = suite_figure(s, "as-written-vs-corrected-" + slug(base),
                                fmt::format("{} as the tutorial's code records it vs the real values", base),
                                "iteration (log scale)", base);
        f.logx = true;  // such histories settle early: a log axis shows the start and the end
        for (const auto& [k, label] : {std::pair{key, key + " (code as written)"}, std::pair{base, base + " (corrected)"}}) {
          Series ser{.label = label, .style = Style::line};
          ser.y = numbers(rec["curves"][k]);
          for (size_t i = 0; i < ser.y.size(); ++i) ser.x.push_back(double(i + 1));
          f.series.push_back(std::move(ser));
        }
        f.sources.push_back(ref.path);
        f.note = fmt::format("Config {} seed {}: curves.{} (what the tutorial's code stores) against curves.{} (a "
                             "copy of the value at each iteration).",
                             config, rec.value("seed", int64_t{0}), key, base);
        out.push_back(std::move(f));
      }
  }
  return out;
}

}  // namespace

std::vector<Figure> suite_figures(const SuiteReport& s) {
  std::vector<Figure> out;
  auto put = [&](std::optional<Figure> f) {
    if (f) out.push_back(std::move(*f));
  };
  for (auto& f : final_metric_figures(s, plotted_configs(s))) out.push_back(std::move(f));
  for (auto& f : tuning_figures(s)) out.push_back(std::move(f));
  put(epoch_figure(s, "loss-vs-epoch", "train_loss", XAxis::epoch, "training loss per epoch", "epoch",
                   "training loss", true));
  if (const auto k = heldout_key(s); !k.empty())
    put(epoch_figure(s, "heldout-loss-vs-epoch", k, XAxis::epoch,
                     k == "test_loss" ? "held-out loss per epoch" : "validation loss per epoch", "epoch",
                     k == "test_loss" ? "held-out loss (test_loss)" : "validation loss (val_loss)", true));
  if (const auto k = accuracy_key(s); !k.empty())
    put(epoch_figure(s, "accuracy-vs-epoch", k, XAxis::epoch, k + " per epoch", "epoch", k + " (fraction)",
                     false));
  put(epoch_figure(s, "loss-vs-time", "train_loss", XAxis::wall_seconds, "training loss vs wall time",
                   "wall time since training started (s)", "training loss", true));
  put(time_to_target(s));
  put(lr_per_step(s));
  put(loss_vs_step(s));
  for (auto& f : lr_sensitivity_figures(s)) out.push_back(std::move(f));
  for (auto& f : lr_sweep_figures(s)) out.push_back(std::move(f));
  for (auto& f : written_vs_corrected(s)) out.push_back(std::move(f));
  put(performance_profile(s));
  return out;
}

std::vector<Figure> lr_find_figures(const std::vector<JsonFile>& files) {
  std::vector<Figure> out;
  for (const auto& file : files) {
    const json& j = file.data;
    Figure f;
    f.id = "lr-find-" + slug(file.name);
    f.section = "lr-find";
    f.title = "LR range test: " + file.name;
    f.xlabel = "learning rate (log scale)";
    f.ylabel = "training loss";
    f.logx = true;
    Series raw{.label = "loss", .style = Style::points}, smooth{.label = "smoothed", .style = Style::line};
    raw.x = numbers(j["lr"]);
    raw.y = numbers(j["loss"]);
    f.series.push_back(raw);
    if (j.contains("smoothed")) {
      smooth.x = raw.x;
      smooth.y = numbers(j["smoothed"]);
      f.series.push_back(smooth);
    }
    const double sug = num(j, "suggested_lr");
    if (std::isfinite(sug)) f.markers.push_back({sug, fmt::format("suggested lr = {:.3g}", sug)});
    // Other LRs the file names (min_loss_lr, min_over_ten_lr, ...): marked too.
    for (auto it = j.begin(); it != j.end(); ++it)
      if (it.key() != "suggested_lr" && it.key().size() > 3 &&
          it.key().compare(it.key().size() - 3, 3, "_lr") == 0 && it->is_number() && it->get<double>() > 0)
        f.markers.push_back({it->get<double>(), fmt::format("{} = {:.3g}", it.key(), it->get<double>())});
    f.logy = wants_log(f.series, 100);
    // The smoothed curve is what the rule reads; single blown-up batches
    // would squash it to the bottom of the plot.
    double top = 0;
    for (double v : smooth.y)
      if (std::isfinite(v)) top = std::max(top, v);
    if (!f.logy && top > 0) f.y_max = 1.3 * top;
    f.note = "LR range test (`lrbench lr-find`): the LR grows every step while the loss is recorded. Rule for the "
             "suggestion: " + (j.contains("rule") && j["rule"].is_string() ? j["rule"].get<std::string>()
                                                                              : std::string("(not stated in the file)"));
    f.sources.push_back(file.path);
    out.push_back(std::move(f));
  }
  return out;
}

std::vector<Figure> build_figures(const Report& r) {
  std::vector<Figure> out;
  for (const auto& s : r.suites)
    for (auto& f : suite_figures(s)) out.push_back(std::move(f));
  for (auto& f : lr_find_figures(r.lr_find)) out.push_back(std::move(f));
  for (auto& f : bench_figures(r.bench)) out.push_back(std::move(f));
  for (auto& f : out) {
    std::sort(f.sources.begin(), f.sources.end());
    f.sources.erase(std::unique(f.sources.begin(), f.sources.end()), f.sources.end());
    f.sources_sha256 = files_sha256(f.sources);
  }
  return out;
}

}  // namespace lrb::reports
