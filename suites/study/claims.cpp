// A study's claims, evaluated by the same helpers the built-in suites use
// (claim_better, claim_equivalent, claim_threshold, claim_edge, claim_all in
// suites/common.hpp), over the records of its arms.
//
// A metric that is not a JSON pointer into the record, or an operand that is
// a group of arms, is first turned into a view: a ResultSet whose config is
// the operand and whose record per seed is {"status", "metrics": {metric: value}}
// (a group's value: the mean of its arms', or the group metric lr_window).
// The helpers then read "/metrics/<metric>" exactly as they read "/final/...".
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "core/stats/stats.hpp"
#include "suites/common.hpp"
#include "suites/verdict_stats.hpp"
#include "suites/study/builtins.hpp"
#include "suites/study/internal.hpp"

namespace lrb::suites::study {

namespace {

struct Operand {
  std::string text;
  std::vector<const Arm*> arms;
};

Operand operand(const StudySpec& spec, const std::string& text) { return {text, select_arms(spec, text)}; }

// The seeds the plan has final runs of `arm` for, ascending.
std::vector<int64_t> planned_seeds(const std::vector<RunSpec>& plan, const std::string& config) {
  std::set<int64_t> s;
  for (const auto& r : plan)
    if (r.config == config) s.insert(r.seed);
  return {s.begin(), s.end()};
}

std::optional<double> factor_number(const Arm& a, const std::string& name) {
  for (const auto& f : a.factors)
    if (f.name == name && f.value.is_number()) return f.value.get<double>();
  return std::nullopt;
}

// lr_window of one seed: decades of LR around the best arm whose metric is
// within `tol` of the best (diverged or valueless arms end the window).
std::optional<double> lr_window(const std::vector<std::pair<double, std::optional<double>>>& pts_in, double tol,
                                bool lower) {
  auto pts = pts_in;
  std::sort(pts.begin(), pts.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  size_t best = pts.size();
  for (size_t i = 0; i < pts.size(); ++i)
    if (pts[i].second && (best == pts.size() || (lower ? *pts[i].second < *pts[best].second
                                                       : *pts[i].second > *pts[best].second)))
      best = i;
  if (best == pts.size()) return std::nullopt;
  const double b = *pts[best].second;
  auto within = [&](size_t i) { return pts[i].second && std::fabs(*pts[i].second - b) <= tol; };
  size_t lo = best, hi = best;
  while (lo > 0 && within(lo - 1)) --lo;
  while (hi + 1 < pts.size() && within(hi + 1)) ++hi;
  return std::log10(pts[hi].first / pts[lo].first);
}

// best_of / best_lr of one seed: the best arm's value or LR (diverged or
// valueless arms never win).
std::optional<double> best_arm(const std::vector<std::pair<double, std::optional<double>>>& pts, bool lower,
                               bool want_lr) {
  const std::pair<double, std::optional<double>>* best = nullptr;
  for (const auto& p : pts)
    if (p.second && (!best || (lower ? *p.second < *best->second : *p.second > *best->second))) best = &p;
  if (!best) return std::nullopt;
  return want_lr ? best->first : *best->second;
}

struct View {
  ResultSet rs;
  std::vector<RunSpec> plan;
  std::string pointer;
};

std::string escape_pointer_token(const std::string& s) {
  std::string out;
  for (char c : s) out += c == '~' ? std::string("~0") : c == '/' ? std::string("~1") : std::string(1, c);
  return out;
}

View make_view(const ResultSet& rs, const std::vector<RunSpec>& plan, const Metric& m, const std::vector<Operand>& ops) {
  View v;
  const std::string key = metric_key(m);
  v.pointer = "/metrics/" + escape_pointer_token(key);
  const Metric inner = m.group() ? parse_metric(m.key) : m;
  for (const auto& op : ops) {
    std::set<int64_t> seeds;
    for (const Arm* a : op.arms)
      for (int64_t s : planned_seeds(plan, a->name)) seeds.insert(s);
    for (int64_t seed : seeds) {
      v.plan.push_back({"", op.text, seed, nullptr, {}});
      std::vector<const json*> recs;
      bool missing = false;
      for (const Arm* a : op.arms) {
        const json* r = rs.find(a->name, seed);
        missing = missing || !r;
        recs.push_back(r);
      }
      if (missing) continue;
      json value = nullptr;
      std::string status = "ok";
      if (m.group()) {
        std::vector<std::pair<double, std::optional<double>>> pts;
        for (size_t i = 0; i < recs.size(); ++i) {
          const auto lr = factor_number(*op.arms[i], "lr");
          if (!lr && m.type != Metric::Type::best_of)
            throw std::invalid_argument(m.text + ": arm '" + op.arms[i]->name + "' has no numeric factor lr");
          pts.emplace_back(lr.value_or(0.0),
                           recs[i]->value("status", "") == "diverged" ? std::nullopt : metric_value(inner, *recs[i]));
        }
        const auto w = m.type == Metric::Type::window ? lr_window(pts, m.target, inner.lower)
                                                      : best_arm(pts, inner.lower, m.type == Metric::Type::best_lr);
        if (w) value = *w;
      } else if (m.type == Metric::Type::diverged) {
        double s = 0;
        for (const json* r : recs) s += *metric_value(m, *r);
        value = s / static_cast<double>(recs.size());
      } else {
        double s = 0;
        bool all = true;
        for (const json* r : recs) {
          if (r->value("status", "") == "diverged") status = "diverged";
          const auto x = metric_value(m, *r);
          all = all && x.has_value();
          if (x) s += *x;
        }
        if (all && status == "ok") value = s / static_cast<double>(recs.size());
      }
      v.rs.by_config[op.text][seed] = json{{"status", status}, {"metrics", {{key, value}}}};
    }
  }
  return v;
}

// Direct: a JSON pointer on single arms reads the records themselves.
bool direct(const Metric& m, const std::vector<Operand>& ops) {
  if (m.type != Metric::Type::pointer) return false;
  for (const auto& o : ops)
    if (o.arms.size() != 1 || o.arms[0]->name != o.text) return false;
  return true;
}

// not_worse (non-inferiority): diff = how much better the contender is, plus
// the margin, so the directional test's "gain" is "not worse by more than
// the margin" (L > 0) and its "reverse" is "worse by more than it" (U < 0).
// The margin: `margin` (absolute) or `band` x |the baseline's mean|.
ClaimResult claim_not_worse(const ResultSet& rs, const std::vector<RunSpec>& plan, const std::string& baseline,
                            const std::string& contender, const std::string& pointer, bool lower_is_better,
                            double abs_margin, double band) {
  const Series sb = series(rs, plan, baseline, pointer), sc = series(rs, plan, contender, pointer);
  double margin = abs_margin;
  if (band > 0 && !sb.values.empty()) margin = band * std::fabs(stats::summarize(sb.values).mean);
  ClaimResult r;
  add_run_counts(r, sb);
  add_run_counts(r, sc);
  r.evidence = {{"baseline", to_json(sb)}, {"contender", to_json(sc)}, {"margin", margin}};
  ClaimTest t = paired_test(ClaimTest::Kind::directional, sb, sc, lower_is_better ? -1.0 : 1.0);
  std::vector<double> gain = t.diff;  // the contender's advantage, per seed
  for (double& d : t.diff) d += margin;
  t.units = pointer + " (advantage + margin " + fmt_num(margin) + ")";
  r.tests.push_back(std::move(t));
  const std::string label = pointer.substr(pointer.rfind('/') + 1);
  if (gain.size() < 2) {
    r.summary = fmt::format("{} paired seeds (need >= 2); {} diverged", gain.size(), r.diverged);
    note_missing(r);
    return r;
  }
  const stats::Summary ci = stats::summarize(gain);
  const stats::Summary ms = stats::summarize(sb.values), cs = stats::summarize(sc.values);
  r.evidence["advantage"] = {{"mean", num_or_null(ci.mean)}, {"ci95", {num_or_null(ci.ci_low), num_or_null(ci.ci_high)}}};
  judge_raw(r);
  r.summary = fmt::format("{} {} {} vs {} {}: advantage {} [95% CI {}, {}] against margin -{}, n={}{}", contender, label,
                          fmt_num(cs.mean), baseline, fmt_num(ms.mean), fmt_num(ci.mean), fmt_num(ci.ci_low),
                          fmt_num(ci.ci_high), fmt_num(margin), gain.size(),
                          r.diverged ? fmt::format(", {} diverged", r.diverged) : std::string());
  note_missing(r);
  return r;
}

// ratio: per seed log10(numerator / denominator); the claim "the ratio lies
// in [lo, hi]" is the equivalence (TOST) of the log ratio to the middle of
// [log10 lo, log10 hi] within half its width.
ClaimResult claim_ratio(const ResultSet& rs, const std::vector<RunSpec>& plan, const std::string& numerator,
                        const std::string& denominator, const std::string& pointer, std::pair<double, double> range) {
  const Series sn = series(rs, plan, numerator, pointer), sd = series(rs, plan, denominator, pointer);
  ClaimResult r;
  add_run_counts(r, sn);
  add_run_counts(r, sd);
  r.evidence = {{"numerator", to_json(sn)}, {"denominator", to_json(sd)}, {"range", {range.first, range.second}}};
  const double lo = std::log10(range.first), hi = std::log10(range.second);
  const double mid = (lo + hi) / 2, half = (hi - lo) / 2;
  ClaimTest t;
  t.kind = ClaimTest::Kind::equivalence;
  t.baseline = denominator;
  t.contender = numerator;
  t.configs = {denominator, numerator};
  t.units = "log10(" + numerator + " / " + denominator + ") - " + fmt_num(mid);
  t.band = half;
  std::vector<double> logs;
  bool nonpositive = false;
  for (size_t i = 0; i < sn.seeds.size(); ++i) {
    const auto it = std::find(sd.seeds.begin(), sd.seeds.end(), sn.seeds[i]);
    if (it == sd.seeds.end()) continue;
    const double den = sd.values[static_cast<size_t>(it - sd.seeds.begin())];
    if (!(sn.values[i] > 0) || !(den > 0)) {
      nonpositive = true;
      continue;
    }
    logs.push_back(std::log10(sn.values[i] / den));
    t.seeds.push_back(sn.seeds[i]);
    t.diff.push_back(logs.back() - mid);
  }
  r.tests.push_back(std::move(t));
  r.evidence["log10_ratio"] = logs;
  if (logs.size() < 2) {
    r.summary = fmt::format("{} paired seeds with positive values (need >= 2); {} diverged{}", logs.size(), r.diverged,
                            nonpositive ? "; a value <= 0 has no ratio" : "");
    note_missing(r);
    return r;
  }
  const stats::Summary ci = stats::summarize(logs);
  auto x = [](double l) { return fmt_num(std::pow(10.0, l)); };
  r.evidence["geometric_mean_ratio"] = {{"estimate", num_or_null(std::pow(10.0, ci.mean))},
                                        {"ci95", {num_or_null(std::pow(10.0, ci.ci_low)), num_or_null(std::pow(10.0, ci.ci_high))}}};
  judge_raw(r);
  r.summary = fmt::format("{} / {} ({}): geometric mean ratio {} [95% CI {}, {}] vs claimed [{}, {}], n={}{}", numerator,
                          denominator, pointer.substr(pointer.rfind('/') + 1), x(ci.mean), x(ci.ci_low), x(ci.ci_high),
                          fmt_num(range.first), fmt_num(range.second), logs.size(),
                          r.diverged ? fmt::format(", {} diverged", r.diverged) : std::string());
  note_missing(r);
  return r;
}

}  // namespace

ClaimResult evaluate_claim(const StudySpec& spec, const ClaimSpec& c, const Choices& choices, const ResultSet& rs,
                           const std::vector<RunSpec>& plan) {
  std::vector<std::string> texts = c.baseline;
  for (const auto* s : {&c.contender, &c.a, &c.b, &c.arm, &c.sweep})
    if (!s->empty()) texts.push_back(*s);
  std::vector<Operand> ops;
  for (const auto& t : texts) ops.push_back(operand(spec, t));
  // Tuned arms without a choice yet: nothing to compare.
  ClaimResult waiting;
  std::vector<std::string> pending;
  for (const auto& o : ops)
    for (const Arm* a : o.arms) {
      if (!a->tune) continue;
      const auto it = choices.find(a->name);
      if (it != choices.end() && it->second.decided) continue;
      if (std::find(pending.begin(), pending.end(), a->name) != pending.end()) continue;
      pending.push_back(a->name);
      if (it != choices.end()) {
        waiting.expected += it->second.trials;
        waiting.missing += it->second.missing;
      }
    }
  if (!pending.empty()) {
    waiting.summary = fmt::format("waiting for the tuning of {} ({} of {} tuning runs missing)", fmt::join(pending, ", "),
                                  waiting.missing, waiting.expected);
    return waiting;
  }
  if (c.kind == "check") return find_check(c.check)->check(rs, plan, c.args);
  if (c.kind == "edge") {
    const Operand& sw = ops.back();
    std::vector<std::pair<double, std::string>> points;
    for (const Arm* a : sw.arms) {
      const auto v = factor_number(*a, c.param);
      if (!v) throw std::invalid_argument("edge: arm '" + a->name + "' has no numeric factor " + c.param);
      points.emplace_back(*v, a->name);
    }
    std::function<bool(const json&)> fails;
    if (!c.fail_if.empty()) {
      const Condition cond = parse_condition(c.fail_if);
      fails = [cond](const json& rec) { return holds(cond, rec); };
    }
    return claim_edge(rs, plan, points, fails, c.range, c.sweep);
  }
  const Metric m = parse_metric(c.metric);
  const bool dir = direct(m, ops);
  const View view = dir ? View{} : make_view(rs, plan, m, ops);
  const ResultSet& vrs = dir ? rs : view.rs;
  const std::vector<RunSpec>& vplan = dir ? plan : view.plan;
  const std::string pointer = dir ? m.key : view.pointer;
  ClaimResult r;
  if (c.kind == "better") {
    std::vector<ClaimResult> parts;
    for (const auto& b : c.baseline)
      parts.push_back(claim_better(vrs, vplan, b, c.contender, pointer, c.lower_is_better, c.band));
    if (parts.size() == 1) {
      r = parts[0];
    } else {
      r = claim_all(parts, c.labels.empty() ? c.baseline : c.labels);
      note_missing(r);
    }
  } else if (c.kind == "equivalent") {
    r = claim_equivalent(vrs, vplan, c.a, c.b, pointer, c.band);
  } else if (c.kind == "not_worse") {
    r = claim_not_worse(vrs, vplan, c.baseline.front(), c.contender, pointer, c.lower_is_better, c.value, c.band);
  } else if (c.kind == "ratio") {
    r = claim_ratio(vrs, vplan, c.a, c.b, pointer, *c.range);
  } else {
    r = claim_threshold(vrs, vplan, c.arm, pointer, c.op, c.value);
  }
  for (const auto& extra : c.also) {
    const Metric em = parse_metric(extra);
    std::vector<Operand> eops;
    for (const auto& o : ops) eops.push_back(o);
    const bool edir = direct(em, eops);
    const View ev = edir ? View{} : make_view(rs, plan, em, eops);
    json per = json::object();
    for (const auto& o : eops)
      per[o.text] = to_json(series(edir ? rs : ev.rs, edir ? plan : ev.plan, o.text, edir ? em.key : ev.pointer));
    if (!r.evidence.is_object()) r.evidence = json::object();
    r.evidence["also"][metric_key(em)] = per;
  }
  return r;
}

std::string default_metric_text(const ClaimSpec& c) {
  if (c.kind == "better")
    return fmt::format("{} of {} vs {}, paired by seed", c.metric, c.contender, fmt::join(c.baseline, " and "));
  if (c.kind == "equivalent") return fmt::format("{} of {} vs {}, paired by seed", c.metric, c.b, c.a);
  if (c.kind == "threshold") return fmt::format("{} of {}, over seeds", c.metric, c.arm);
  if (c.kind == "not_worse")
    return fmt::format("{} of {} vs {}, paired by seed", c.metric, c.contender, c.baseline.front());
  if (c.kind == "ratio") return fmt::format("{} of {} / {} of {}, paired by seed", c.metric, c.a, c.metric, c.b);
  if (c.kind == "edge")
    return fmt::format("the smallest {} of {} from which every larger one fails (a run fails when it diverges{}; "
                       "a value fails when more than half its seeds do)",
                       c.param, c.sweep, c.fail_if.empty() ? "" : " or " + c.fail_if);
  const Check* k = find_check(c.check);
  return k ? k->help : c.check;
}

std::string default_test_text(const ClaimSpec& c) {
  const std::string dir = c.lower_is_better ? "lower" : "higher";
  if (c.kind == "better")
    return fmt::format("paired 95% CI of ({} - baseline) on the {} side of 0 supported; on the other side{} "
                       "refuted; else inconclusive{}",
                       c.contender, dir,
                       c.band > 0 ? fmt::format(", or within +-{}% of the baseline's mean,", 100 * c.band) : "",
                       c.baseline.size() > 1 ? " (against every baseline: all supported / all refuted)" : "");
  if (c.kind == "equivalent")
    return fmt::format("paired 95% CI of ({} - {}) within +-{}% of {}'s mean supported; entirely outside refuted; "
                       "else inconclusive", c.b, c.a, 100 * c.band, c.a);
  if (c.kind == "threshold")
    return fmt::format("95% CI of the mean entirely {} {} supported; entirely on the other side refuted; else "
                       "inconclusive", c.op, c.value);
  if (c.kind == "not_worse") {
    const std::string margin =
        c.band > 0 ? fmt::format("{}% of the baseline's mean", 100 * c.band) : fmt_num(c.value);
    return fmt::format("paired 95% CI of the advantage of {} over {} ({} is better) entirely above -({}) supported "
                       "(not worse by more than that); entirely below it refuted; else inconclusive",
                       c.contender, c.baseline.front(), dir, margin);
  }
  if (c.kind == "ratio")
    return fmt::format("95% CI of the geometric mean of {} / {} (per seed) inside ({}, {}) supported; entirely outside "
                       "refuted; else inconclusive (TOST on log10 of the ratio)",
                       c.a, c.b, c.range->first, c.range->second);
  if (c.kind == "edge")
    return c.range ? fmt::format("supported when the edge lies in [{}, {}] (stable LR >= {}, edge <= {}); refuted "
                                 "when it lies outside or no value fails up to >= {}; else inconclusive",
                                 c.range->first, c.range->second, c.range->first, c.range->second, c.range->second)
                   : std::string("supported when an edge exists with a stable value below it; refuted when no value "
                                 "fails; else inconclusive");
  return "as the check " + c.check + " defines it";
}

}  // namespace lrb::suites::study
