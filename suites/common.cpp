#include "suites/common.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "suites/verdict_stats.hpp"

namespace lrb::suites {

json num_or_null(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

std::string fmt_num(double v) {
  if (std::isnan(v)) return "n/a";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return fmt::format("{:.4g}", v);
}

// ---- claims helpers -------------------------------------------------------------

Series series(const ResultSet& rs, const std::vector<RunSpec>& plan, const std::string& config,
              const std::string& pointer) {
  Series s;
  s.config = config;
  s.metric = pointer;
  const json::json_pointer ptr(pointer);
  for (const auto& run : plan) {
    if (run.config != config) continue;
    ++s.expected;
    const json* rec = rs.find(config, run.seed);
    if (!rec) {
      ++s.missing;
      continue;
    }
    if (rec->at("status") == "diverged") {
      ++s.diverged;
      continue;
    }
    if (!rec->contains(ptr) || !(*rec)[ptr].is_number()) continue;  // null: not finite
    s.seeds.push_back(run.seed);
    s.values.push_back((*rec)[ptr].get<double>());
  }
  return s;
}

json to_json(const Series& s) {
  json per_seed = json::object();
  for (size_t i = 0; i < s.seeds.size(); ++i) per_seed[std::to_string(s.seeds[i])] = s.values[i];
  json j = {{"config", s.config}, {"metric", s.metric}, {"per_seed", per_seed},
            {"expected", s.expected}, {"missing", s.missing}, {"diverged", s.diverged}};
  if (!s.values.empty()) {
    const auto m = stats::summarize(s.values);
    j["mean"] = num_or_null(m.mean);
    j["sd"] = num_or_null(m.sd);
    j["ci95"] = {num_or_null(m.ci_low), num_or_null(m.ci_high)};
  }
  return j;
}

void note_missing(ClaimResult& r) {
  if (r.missing > 0) {
    r.verdict = Verdict::inconclusive;
    r.summary = fmt::format("({} of {} runs missing) ", r.missing, r.expected) + r.summary;
  }
}

Pairs pair_by_seed(const Series& a, const Series& b) {
  Pairs p;
  for (size_t i = 0; i < a.seeds.size(); ++i) {
    const auto it = std::find(b.seeds.begin(), b.seeds.end(), a.seeds[i]);
    if (it == b.seeds.end()) continue;
    p.a.push_back(a.values[i]);
    p.b.push_back(b.values[static_cast<size_t>(it - b.seeds.begin())]);
  }
  return p;
}

namespace {

// The start every paired claim shares: the two series with their counts and
// evidence (under name_a, name_b), the pairs by seed, and the claim's test
// over them (diff = sign (b - a)).  Fewer than 2 pairs: the claim is decided
// (inconclusive) and `decided` is set.
struct PairedStart {
  ClaimResult r;
  Pairs p;
  bool decided = false;
};
PairedStart paired_start(const ResultSet& rs, const std::vector<RunSpec>& plan, const std::string& a,
                         const std::string& b, const std::string& pointer, const char* name_a,
                         const char* name_b, ClaimTest::Kind kind, double sign) {
  const Series sa = series(rs, plan, a, pointer), sb = series(rs, plan, b, pointer);
  PairedStart s;
  add_run_counts(s.r, sa);
  add_run_counts(s.r, sb);
  s.r.evidence = {{name_a, to_json(sa)}, {name_b, to_json(sb)}};
  s.p = pair_by_seed(sa, sb);
  ClaimTest t = paired_test(kind, sa, sb, sign);
  t.units = pointer;
  s.r.tests.push_back(std::move(t));
  s.r.evidence["pairs"] = s.p.a.size();
  if (s.p.a.size() < 2) {
    s.r.summary = fmt::format("{} paired seeds (need >= 2); {} diverged", s.p.a.size(), s.r.diverged);
    note_missing(s.r);
    s.decided = true;
  }
  return s;
}

}  // namespace

ClaimTest paired_test(ClaimTest::Kind kind, const Series& baseline, const Series& contender, double sign) {
  ClaimTest t;
  t.kind = kind;
  t.baseline = baseline.config;
  t.contender = contender.config;
  t.configs = {baseline.config, contender.config};
  for (size_t i = 0; i < baseline.seeds.size(); ++i) {
    const auto it = std::find(contender.seeds.begin(), contender.seeds.end(), baseline.seeds[i]);
    if (it == contender.seeds.end()) continue;
    t.seeds.push_back(baseline.seeds[i]);
    t.diff.push_back(sign * (contender.values[static_cast<size_t>(it - contender.seeds.begin())] - baseline.values[i]));
  }
  return t;
}

ClaimResult claim_better(const ResultSet& rs, const std::vector<RunSpec>& plan,
                         const std::string& baseline, const std::string& contender,
                         const std::string& pointer, bool lower_is_better, double equivalence) {
  const double sign = lower_is_better ? -1.0 : 1.0;  // good direction of y - x
  auto [r, pairs, decided] = paired_start(rs, plan, baseline, contender, pointer, "baseline", "contender",
                                          ClaimTest::Kind::directional, sign);
  if (decided) return r;
  const auto& x = pairs.a;
  const auto& y = pairs.b;
  const auto cmp = stats::compare_means(x, y, 0.0, 0.05, /*paired=*/true);
  r.evidence["paired_diff"] = {{"mean", num_or_null(cmp.diff)},
                               {"ci95", {num_or_null(cmp.ci_low), num_or_null(cmp.ci_high)}},
                               {"p", num_or_null(cmp.p)},
                               {"relative", num_or_null(cmp.relative_change)},
                               {"cohens_d", num_or_null(cmp.cohens_d)}};
  // Equivalent (the CI within +-band): the claimed gain is not there.
  r.tests.back().band = equivalence * std::fabs(cmp.baseline.mean);
  judge_raw(r);
  r.summary = fmt::format(
      "{} {}: {} vs {} {}, paired diff {} [95% CI {}, {}], rel {:+.2f}%, d={}, n={}{}",
      contender, pointer.substr(pointer.rfind('/') + 1), fmt_num(cmp.contender.mean), baseline,
      fmt_num(cmp.baseline.mean), fmt_num(cmp.diff), fmt_num(cmp.ci_low), fmt_num(cmp.ci_high),
      100 * cmp.relative_change, fmt_num(cmp.cohens_d), x.size(),
      r.diverged ? fmt::format(", {} diverged", r.diverged) : std::string());
  note_missing(r);
  return r;
}

ClaimResult claim_equivalent(const ResultSet& rs, const std::vector<RunSpec>& plan, const std::string& a,
                             const std::string& b, const std::string& pointer, double band) {
  auto [r, pairs, decided] = paired_start(rs, plan, a, b, pointer, "a", "b", ClaimTest::Kind::equivalence, 1.0);
  if (decided) return r;
  const auto& x = pairs.a;
  const auto& y = pairs.b;
  const auto cmp = stats::compare_means(x, y, 0.0, 0.05, /*paired=*/true);
  const double w = band * std::fabs(cmp.baseline.mean);
  r.evidence["paired_diff"] = {{"mean", num_or_null(cmp.diff)},
                               {"ci95", {num_or_null(cmp.ci_low), num_or_null(cmp.ci_high)}},
                               {"band", num_or_null(w)},
                               {"relative", num_or_null(cmp.relative_change)}};
  r.tests.back().band = w;
  judge_raw(r);
  r.summary = fmt::format("{} {} vs {} {}: paired diff ({} - {}) {} [95% CI {}, {}], band +-{} ({}%), n={}", b,
                          fmt_num(cmp.contender.mean), a, fmt_num(cmp.baseline.mean), b, a, fmt_num(cmp.diff),
                          fmt_num(cmp.ci_low), fmt_num(cmp.ci_high), fmt_num(w), 100 * band, x.size());
  note_missing(r);
  return r;
}

ClaimResult claim_threshold(const ResultSet& rs, const std::vector<RunSpec>& plan, const std::string& config,
                            const std::string& pointer, const std::string& op, double value) {
  if (op != "<" && op != "<=" && op != ">" && op != ">=")
    throw std::invalid_argument("claim_threshold: op must be <, <=, > or >=, got " + op);
  const Series s = series(rs, plan, config, pointer);
  ClaimResult r;
  add_run_counts(r, s);
  r.evidence = {{"series", to_json(s)}, {"op", op}, {"value", value}};
  // One sample against a number is the paired test of its distance from the
  // number: diff = how far each seed lies on the claimed side of `value`, so
  // the suite's family adjusts it like the paired claims.
  const bool above = op[0] == '>';
  ClaimTest t;
  t.kind = ClaimTest::Kind::directional;
  t.baseline = op + " " + fmt_num(value);
  t.contender = config;
  t.configs = {config};
  t.units = pointer;
  t.seeds = s.seeds;
  for (double v : s.values) t.diff.push_back(above ? v - value : value - v);
  r.tests.push_back(std::move(t));
  const std::string label = pointer.substr(pointer.rfind('/') + 1);
  if (s.values.size() < 2) {
    r.summary = fmt::format("{} {}: {} values (need >= 2); {} diverged", config, label, s.values.size(), r.diverged);
    note_missing(r);
    return r;
  }
  const auto m = stats::summarize(s.values);
  // The whole 95 % CI on the claimed side: supported; on the other side: refuted.
  judge_raw(r);
  r.evidence["mean"] = num_or_null(m.mean);
  r.evidence["ci95"] = {num_or_null(m.ci_low), num_or_null(m.ci_high)};
  r.summary = fmt::format("{} {}: mean {} [95% CI {}, {}] vs {} {}, n={}{}", config, label, fmt_num(m.mean),
                          fmt_num(m.ci_low), fmt_num(m.ci_high), op, fmt_num(value), s.values.size(),
                          r.diverged ? fmt::format(", {} diverged", r.diverged) : std::string());
  note_missing(r);
  return r;
}

ClaimResult claim_edge(const ResultSet& rs, const std::vector<RunSpec>& plan,
                       std::vector<std::pair<double, std::string>> points,
                       const std::function<bool(const json& record)>& fails,
                       std::optional<std::pair<double, double>> range, const std::string& name) {
  std::sort(points.begin(), points.end());
  struct Point {
    double lr;
    int runs = 0, failed = 0, diverged = 0;
    bool fails() const { return runs > 0 && 2 * failed > runs; }
  };
  ClaimResult r;
  r.basis = "count";
  std::vector<Point> pts;
  json per_lr = json::array();
  for (const auto& [lr, config] : points) {
    Point p{lr};
    for (const auto& run : plan) {
      if (run.config != config) continue;
      ++r.expected;
      const json* rec = rs.find(config, run.seed);
      if (!rec) {
        ++r.missing;
        continue;
      }
      ++p.runs;
      const bool div = rec->at("status") == "diverged";
      p.diverged += div;
      p.failed += div || (fails && fails(*rec));
    }
    r.diverged += p.diverged;
    per_lr.push_back({{"lr", lr}, {"config", config}, {"runs", p.runs}, {"failed", p.failed}, {"diverged", p.diverged}});
    if (p.runs) pts.push_back(p);
  }
  const Point* edge = nullptr;  // the smallest LR from which every larger LR fails
  for (auto it = pts.rbegin(); it != pts.rend() && it->fails(); ++it) edge = &*it;
  const Point* stable = nullptr;  // the largest LR below the edge
  for (const auto& p : pts)
    if (edge && p.lr < edge->lr) stable = &p;
  r.evidence = {{"points", per_lr}, {"edge_lr", edge ? json(edge->lr) : json()},
                {"largest_stable_lr", stable ? json(stable->lr) : json()}};
  const double largest = pts.empty() ? NAN : pts.back().lr;
  std::string where;
  if (edge && stable)
    where = fmt::format("{} fails from lr {} ({}/{} failed, {} diverged), stable up to {}", name, fmt_num(edge->lr),
                        edge->failed, edge->runs, edge->diverged, fmt_num(stable->lr));
  else if (edge)
    where = fmt::format("{} fails at every swept LR (from {})", name, fmt_num(edge->lr));
  else
    where = fmt::format("{}: no edge up to lr {}", name, fmt_num(largest));
  if (pts.empty()) {
    r.summary = name + ": no records";
  } else if (!range) {
    r.verdict = edge && stable ? Verdict::supported : !edge ? Verdict::refuted : Verdict::inconclusive;
    r.summary = where;
  } else {
    const auto [lo, hi] = *range;
    r.evidence["range"] = {lo, hi};
    if (edge && stable)
      r.verdict = stable->lr >= lo && edge->lr <= hi ? Verdict::supported
                  : edge->lr <= lo || stable->lr >= hi ? Verdict::refuted
                                                       : Verdict::inconclusive;
    else if (!edge && largest >= hi)
      r.verdict = Verdict::refuted;
    r.summary = fmt::format("{}; expected in [{}, {}]", where, fmt_num(lo), fmt_num(hi));
  }
  note_missing(r);
  return r;
}

ClaimResult claim_all(const std::vector<ClaimResult>& parts, const std::vector<std::string>& labels) {
  if (parts.size() != labels.size() || parts.empty())
    throw std::invalid_argument("claim_all: one label per part, at least one part");
  ClaimResult r;
  r.combine = Combine::all_agree;
  r.evidence = json::object();
  json verdicts = json::object();
  bool all_supported = true, all_refuted = true;
  std::string summary;
  for (size_t i = 0; i < parts.size(); ++i) {
    add_run_counts(r, parts[i]);
    for (auto t : parts[i].tests) {  // one family member per part's test, named by its part
      t.label = labels[i];
      r.tests.push_back(std::move(t));
    }
    r.evidence[labels[i]] = parts[i].evidence;
    verdicts[labels[i]] = to_string(parts[i].verdict);
    all_supported = all_supported && parts[i].verdict == Verdict::supported;
    all_refuted = all_refuted && parts[i].verdict == Verdict::refuted;
    summary += fmt::format("{}{}: {}", i ? "; " : "", labels[i], parts[i].summary);
  }
  r.evidence["verdicts"] = verdicts;
  r.verdict = all_supported ? Verdict::supported : all_refuted ? Verdict::refuted : Verdict::inconclusive;
  r.summary = summary;
  return r;
}

}  // namespace lrb::suites
