// Claims' tests -> raw, adjusted and sequential verdicts.  Rules in verdict_stats.hpp.
#include "suites/verdict_stats.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "core/stats/equivalence.hpp"
#include "core/stats/power.hpp"
#include "suites/common.hpp"

namespace lrb::suites {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

bool paired_kind(const ClaimTest& t) { return t.kind != ClaimTest::Kind::sign; }

// Power and MDE at extreme settings -- 2 or 3 pairs at the tiny nominal level
// of an early O'Brien-Fleming look -- need a noncentrality beyond what
// Boost.Math's noncentral t evaluates (it raises a rounding error past
// delta^2 / 2 ~ 2^32).  Such a number says nothing a reader can use, so it
// is reported as undefined (NaN, "n/a") instead of failing the whole check.
template <class F>
double or_nan(F&& f) {
  try {
    return f();
  } catch (const std::exception&) {
    return kNaN;
  }
}

// The interval estimate +- c se at two-sided confidence `confidence`
// (se = 0: the point).
stats::Interval t_interval(const stats::MeanDifference& d, double confidence) {
  if (d.se == 0) return {d.estimate, d.estimate};
  const double c = stats::student_t_quantile(0.5 + confidence / 2, d.df);
  return {d.estimate - c * d.se, d.estimate + c * d.se};
}

// p_gain and p_reverse of a directional test (see the header).
std::pair<double, double> directional_p(const ClaimTest& t, const stats::MeanDifference& d) {
  if (d.se == 0) return {d.estimate > t.threshold ? 0.0 : 1.0, d.estimate < 0 ? 0.0 : 1.0};
  return {std::min(1.0, 2 * stats::student_t_sf((d.estimate - t.threshold) / d.se, d.df)),
          std::min(1.0, 2 * stats::student_t_cdf(d.estimate / d.se, d.df))};
}

Verdict combine(Combine how, const std::vector<Verdict>& parts) {
  switch (how) {
    case Combine::all_agree: {
      if (parts.empty()) return Verdict::inconclusive;
      const bool all_sup = std::all_of(parts.begin(), parts.end(), [](Verdict v) { return v == Verdict::supported; });
      const bool all_ref = std::all_of(parts.begin(), parts.end(), [](Verdict v) { return v == Verdict::refuted; });
      return all_sup ? Verdict::supported : all_ref ? Verdict::refuted : Verdict::inconclusive;
    }
  }
  return Verdict::inconclusive;
}

// Reads a sign test's verdict at a level.
TestVerdict judge_sign(const ClaimTest& t, double p, double level) {
  if (p <= level && t.wins > t.losses) return {Verdict::supported, "more wins than losses"};
  if (p <= level && t.losses > t.wins) return {Verdict::refuted, "more losses than wins"};
  return {};
}

std::string seeds_text(const stats::SampleSize& s, std::size_t max_n) {
  return s.reached ? fmt::format("about {}", s.n) : fmt::format("more than {}", max_n);
}

// The sentence saying which kind an inconclusive test is and what would decide it.
std::string diagnosis_text(const stats::InconclusiveDiagnosis& d, const ClaimTest& t, double estimate,
                           double confidence, std::size_t max_n) {
  const std::string conf = fmt::format("{:.4g} %", 100 * confidence);
  std::string s;
  if (d.kind == stats::InconclusiveKind::kNoPracticalEffect) {
    s = fmt::format("no effect of practical size: the {} interval lies inside +-MDE {}", conf, fmt_num(d.mde));
    if (t.band > 0 && t.band < d.mde)
      s += fmt::format("; showing it lies within the band +-{} needs {} seeds", fmt_num(t.band),
                       seeds_text(d.seeds_for_equivalence, max_n));
  } else if (t.kind == ClaimTest::Kind::equivalence && d.seeds_beyond_band.n > 0) {
    // An equivalence claim is decided at the band's edge, not at zero.
    s = fmt::format("too few seeds: {} would show the difference lies outside the band +-{} with 80 % power "
                    "(observed beyond it by {})",
                    seeds_text(d.seeds_beyond_band, max_n), fmt_num(t.band),
                    fmt_num(std::fabs(estimate) - t.band));
  } else {
    s = fmt::format("too few seeds: {} would detect an effect of the observed size (Hedges g {}) with 80 % power",
                    seeds_text(d.seeds_for_observed, max_n), fmt_num(d.corrected_d));
    if (t.band > 0 && d.seeds_for_equivalence.reached &&
        (!d.seeds_for_observed.reached || d.seeds_for_equivalence.n < d.seeds_for_observed.n))
      s += fmt::format("; {} would show it lies within +-{} if the true difference is the observed one",
                       seeds_text(d.seeds_for_equivalence, max_n), fmt_num(t.band));
  }
  return s;
}

// Fills the parts of an outcome that depend only on the data and the levels.
void describe(TestOutcome& o, const ClaimTest& t, const VerdictOptions& opt) {
  o.n = paired_kind(t) ? t.diff.size() : static_cast<std::size_t>(t.wins + t.losses);
  o.p_raw = test_p_value(t);
  o.mde_raw = o.mde_family = o.power = o.estimate = o.se = o.sd = o.df = o.skewness = kNaN;
  if (!paired_kind(t)) {
    o.raw = judge_sign(t, o.p_raw, opt.alpha);
    return;
  }
  if (t.diff.size() < 2) return;
  const auto d = stats::paired_mean_difference(t.diff);
  o.estimate = d.estimate;
  o.se = d.se;
  o.df = d.df;
  o.sd = d.se * std::sqrt(static_cast<double>(o.n));
  if (o.n >= 3 && o.sd > 0) o.skewness = stats::skewness(t.diff);
  o.skew_warning = o.n >= 10 && std::fabs(o.skewness) > 1;
  o.ci_raw = t_interval(d, 1 - opt.alpha);
  o.raw = judge_interval(t, o.ci_raw);
  if (o.sd > 0)
    o.mde_raw = or_nan(
        [&] { return stats::paired_t_mde(o.sd, static_cast<double>(o.n), opt.alpha, stats::Sides::kTwoSided, opt.power); });
  else o.mde_raw = 0;
}

// The family-level (fixed-sample) parts: interval, MDE, power, adjusted verdict.
void adjust(TestOutcome& o, const ClaimTest& t, double p_adjusted, double confidence, const VerdictOptions& opt) {
  o.p_adjusted = p_adjusted;
  o.family_confidence = confidence;
  const double level = 1 - confidence;
  if (!paired_kind(t)) {
    o.adjusted = judge_sign(t, p_adjusted, opt.alpha);
    return;
  }
  if (t.diff.size() < 2) return;
  const auto d = stats::paired_mean_difference(t.diff);
  o.ci_family = t_interval(d, confidence);
  if (p_adjusted <= opt.alpha) {
    if (t.kind == ClaimTest::Kind::equivalence) {
      o.adjusted = {Verdict::supported, "within the band"};
    } else {
      const auto [gain, reverse] = directional_p(t, d);
      o.adjusted = gain <= reverse ? TestVerdict{Verdict::supported, "the gain"}
                                   : TestVerdict{Verdict::refuted, "the reverse"};
    }
  } else {
    const TestVerdict v = judge_interval(t, o.ci_family);
    // What the family interval alone may still decide: "no practical
    // difference" / "outside the band" (the p-value rows did not reject).
    if ((t.kind == ClaimTest::Kind::directional && v.why == "no practical difference") ||
        (t.kind == ClaimTest::Kind::equivalence && v.verdict == Verdict::refuted))
      o.adjusted = v;
  }
  const double n = static_cast<double>(o.n);
  if (o.sd > 0) {
    o.mde_family = or_nan([&] { return stats::paired_t_mde(o.sd, n, level, stats::Sides::kTwoSided, opt.power); });
    if (t.band > 0)
      o.power = or_nan([&] {
        return t.kind == ClaimTest::Kind::equivalence ? stats::paired_tost_power(0, -t.band, t.band, o.sd, n, level / 2)
                                                      : stats::paired_t_power(t.band, o.sd, n, level);
      });
  } else {
    o.mde_family = 0;
  }
}

void diagnose(TestOutcome& o, const ClaimTest& t, stats::Interval ci, double level, std::size_t n_used,
              const VerdictOptions& opt) {
  if (!paired_kind(t) || o.adjusted.verdict != Verdict::inconclusive || n_used < 3) return;
  const auto d = stats::paired_mean_difference(std::span<const double>(t.diff).first(n_used));
  try {
    o.diagnosis = stats::diagnose_inconclusive(d, ci, t.band, level, opt.power, opt.max_seeds_searched);
    o.diagnosis_text = diagnosis_text(*o.diagnosis, t, d.estimate, 1 - level, opt.max_seeds_searched);
  } catch (const std::exception&) {
    o.diagnosis.reset();  // see or_nan(): no usable power at this level and n
  }
}

// Sequential judging of one paired test over its recorded looks.
void judge_sequential(TestOutcome& o, const ClaimTest& t, const SequentialLooks& s, const VerdictOptions& opt) {
  o.design = s.design;
  o.p_adjusted = kNaN;
  std::vector<std::size_t> looks;
  for (std::size_t n : s.looks)
    if (n >= 2 && n <= t.diff.size() && n <= s.design.max_n && (looks.empty() || n > looks.back())) looks.push_back(n);
  o.looks = looks;
  if (looks.empty()) {
    o.sequential_state = "continue";
    return;
  }
  const auto plan = stats::plan_sequential(s.design, looks);
  double level = 1;
  stats::Interval last{-kInf, kInf};
  for (std::size_t k = 0; k < looks.size(); ++k) {
    const auto d = stats::paired_mean_difference(std::span<const double>(t.diff).first(looks[k]));
    const auto& b = plan.boundaries[k];
    double crit = plan.paired_t_critical[k];
    stats::Interval ci{-kInf, kInf};
    if (b.nominal_p > 0) {
      if (d.se == 0) crit = b.z;
      ci = {d.estimate - crit * d.se, d.estimate + crit * d.se};
      if (d.se == 0) ci = {d.estimate, d.estimate};
    }
    o.look_intervals.push_back(ci);
    o.look_t_critical.push_back(crit);
    level = 2 * b.nominal_p;
    last = ci;
    o.decided_at = looks[k];
    const TestVerdict v = judge_interval(t, ci);
    if (v.verdict != Verdict::inconclusive) {
      o.adjusted = v;
      o.sequential_state = "decided";
      o.ci_family = ci;
      o.family_confidence = 1 - level;
      return;
    }
  }
  o.ci_family = last;
  o.family_confidence = 1 - level;
  o.sequential_state = looks.back() >= s.design.max_n ? "stopped at cap" : "continue";
  if (level > 0) {
    const double n = static_cast<double>(looks.back());
    const auto d = stats::paired_mean_difference(std::span<const double>(t.diff).first(looks.back()));
    const double sd = d.se * std::sqrt(n);
    o.mde_family =
        sd > 0 ? or_nan([&] { return stats::paired_t_mde(sd, n, level, stats::Sides::kTwoSided, opt.power); }) : 0;
    if (t.band > 0 && sd > 0)
      o.power = or_nan([&] {
        return t.kind == ClaimTest::Kind::equivalence ? stats::paired_tost_power(0, -t.band, t.band, sd, n, level / 2)
                                                      : stats::paired_t_power(t.band, sd, n, level);
      });
    diagnose(o, t, last, level, looks.back(), opt);
  }
}

json interval_json(stats::Interval ci) { return json::array({num_or_null(ci.low), num_or_null(ci.high)}); }

}  // namespace

const char* to_string(ClaimTest::Kind k) {
  switch (k) {
    case ClaimTest::Kind::directional: return "paired t";
    case ClaimTest::Kind::equivalence: return "equivalence (TOST)";
    case ClaimTest::Kind::sign: return "sign test";
  }
  return "?";
}

TestVerdict judge_interval(const ClaimTest& t, stats::Interval ci) {
  const bool inside = t.band > 0 && -t.band < ci.low && ci.high < t.band;
  if (t.kind == ClaimTest::Kind::equivalence) {
    if (inside) return {Verdict::supported, "within the band"};
    if (t.band > 0 && (ci.low > t.band || ci.high < -t.band)) return {Verdict::refuted, "outside the band"};
    return {};
  }
  if (ci.low > t.threshold) return {Verdict::supported, "the gain"};
  if (ci.high < 0) return {Verdict::refuted, "the reverse"};
  if (inside) return {Verdict::refuted, "no practical difference"};
  return {};
}

double sign_test_p(int wins, int losses) {
  const int n = wins + losses, k = std::min(wins, losses);
  if (n <= 0) return 1.0;
  double term = std::ldexp(1.0, -n), tail = 0;  // C(n, 0) / 2^n
  for (int i = 0; i <= k; ++i) {
    tail += term;
    term = term * (n - i) / (i + 1);
  }
  return std::min(1.0, 2 * tail);
}

double test_p_value(const ClaimTest& t) {
  if (t.kind == ClaimTest::Kind::sign) return sign_test_p(t.wins, t.losses);
  if (t.diff.size() < 2) return 1.0;
  const auto d = stats::paired_mean_difference(t.diff);
  if (t.kind == ClaimTest::Kind::directional) {
    const auto [gain, reverse] = directional_p(t, d);
    return std::min({1.0, gain, reverse});
  }
  if (!(t.band > 0)) return 1.0;
  const auto r = stats::tost(d, -t.band, t.band, 0.025);
  return std::min(1.0, 2 * std::max(r.p_lower, r.p_upper));
}

void judge_raw(ClaimResult& r) {
  if (r.tests.empty()) return;
  std::vector<Verdict> parts;
  for (const auto& t : r.tests) {
    if (t.kind == ClaimTest::Kind::sign) {
      parts.push_back(judge_sign(t, test_p_value(t), 0.05).verdict);
    } else if (t.diff.size() < 2) {
      parts.push_back(Verdict::inconclusive);
    } else {
      parts.push_back(judge_interval(t, t_interval(stats::paired_mean_difference(t.diff), 0.95)).verdict);
    }
  }
  r.verdict = r.missing > 0 ? Verdict::inconclusive : combine(r.combine, parts);
}

FamilyOutcome judge_family(
    const std::vector<const ClaimResult*>& results, const VerdictOptions& opt,
    const std::function<std::optional<SequentialLooks>(std::size_t, std::size_t)>& looks) {
  FamilyOutcome f;
  f.method = opt.multiplicity;
  f.alpha = opt.alpha;
  f.claims.resize(results.size());
  std::vector<double> p;
  std::vector<std::pair<std::size_t, std::size_t>> where;
  for (std::size_t i = 0; i < results.size(); ++i) {
    if (!results[i]) continue;
    for (std::size_t j = 0; j < results[i]->tests.size(); ++j) {
      TestOutcome o;
      describe(o, results[i]->tests[j], opt);
      p.push_back(o.p_raw);
      where.emplace_back(i, j);
      f.claims[i].tests.push_back(std::move(o));
    }
  }
  f.size = p.size();
  // Sequential judging splits alpha evenly (Bonferroni): a test judged once
  // inside such a family gets alpha / m too.
  f.sequential = static_cast<bool>(looks);
  if (f.sequential) f.method = stats::Multiplicity::kBonferroni;
  if (p.empty()) f.family_confidence = 1 - opt.alpha;
  else {
    const auto fam = stats::decide_family(p, opt.alpha, f.method);
    f.family_confidence = fam.confidence;
    for (std::size_t k = 0; k < where.size(); ++k) {
      const auto [i, j] = where[k];
      const ClaimTest& t = results[i]->tests[j];
      TestOutcome& o = f.claims[i].tests[j];
      const auto seq = f.sequential && paired_kind(t) ? looks(i, j) : std::nullopt;
      if (seq) {
        judge_sequential(o, t, *seq, opt);
      } else {
        adjust(o, t, fam.adjusted[k], fam.confidence, opt);
        diagnose(o, t, o.ci_family, 1 - o.family_confidence, o.n, opt);
      }
    }
  }
  for (std::size_t i = 0; i < results.size(); ++i) {
    if (!results[i] || results[i]->tests.empty()) continue;
    std::vector<Verdict> raw, adj;
    for (const auto& o : f.claims[i].tests) {
      raw.push_back(o.raw.verdict);
      adj.push_back(o.adjusted.verdict);
    }
    const bool missing = results[i]->missing > 0;
    f.claims[i].raw = missing ? Verdict::inconclusive : combine(results[i]->combine, raw);
    f.claims[i].adjusted = missing ? Verdict::inconclusive : combine(results[i]->combine, adj);
  }
  return f;
}

json statistics_json(const ClaimResult& r, const ClaimOutcome& c, const FamilyOutcome& f) {
  json procedure = {{"multiplicity", stats::to_string(f.method)},
                    {"alpha", f.alpha},
                    {"family_size", f.size},
                    {"family_confidence", num_or_null(f.family_confidence)}};
  json tests = json::array();
  bool any_sequential = false;
  for (std::size_t j = 0; j < r.tests.size(); ++j) {
    const ClaimTest& t = r.tests[j];
    const TestOutcome& o = c.tests[j];
    json seeds = json::array();
    for (auto s : t.seeds) seeds.push_back(s);
    json j_test = {{"label", t.label},
                   {"kind", to_string(t.kind)},
                   {"baseline", t.baseline},
                   {"contender", t.contender},
                   {"configs", t.configs},
                   {"units", t.units},
                   {"n", o.n},
                   {"seeds", seeds},
                   {"threshold", t.threshold},
                   {"band", t.band},
                   {"p", {{"raw", num_or_null(o.p_raw)}, {"adjusted", num_or_null(o.p_adjusted)}}},
                   {"verdict", {{"raw", to_string(o.raw.verdict)}, {"adjusted", to_string(o.adjusted.verdict)},
                                {"raw_why", o.raw.why}, {"adjusted_why", o.adjusted.why}}}};
    if (t.kind == ClaimTest::Kind::sign) {
      j_test["wins"] = t.wins;
      j_test["losses"] = t.losses;
      j_test["ties"] = t.ties;
    } else {
      j_test["estimate"] = num_or_null(o.estimate);
      j_test["se"] = num_or_null(o.se);
      j_test["sd"] = num_or_null(o.sd);
      j_test["ci"] = {{"raw", interval_json(o.ci_raw)},
                      {"raw_confidence", 1 - f.alpha},
                      {"family", interval_json(o.ci_family)},
                      {"family_confidence", num_or_null(o.family_confidence)}};
      j_test["mde"] = {{"raw", num_or_null(o.mde_raw)}, {"family", num_or_null(o.mde_family)}, {"power", 0.8}};
      j_test["power_at_band"] = num_or_null(o.power);
      j_test["skewness"] = num_or_null(o.skewness);
      j_test["skew_warning"] = o.skew_warning;
    }
    j_test["diagnosis"] = o.diagnosis ? json{{"kind", stats::to_string(o.diagnosis->kind)},
                                             {"text", o.diagnosis_text},
                                             {"mde", num_or_null(o.diagnosis->mde)},
                                             {"corrected_d", num_or_null(o.diagnosis->corrected_d)},
                                             {"seeds_for_observed", o.diagnosis->seeds_for_observed.n},
                                             {"seeds_for_observed_reached", o.diagnosis->seeds_for_observed.reached},
                                             {"seeds_for_equivalence", o.diagnosis->seeds_for_equivalence.n},
                                             {"seeds_for_equivalence_reached",
                                              o.diagnosis->seeds_for_equivalence.reached},
                                             {"seeds_beyond_band", o.diagnosis->seeds_beyond_band.n},
                                             {"seeds_beyond_band_reached", o.diagnosis->seeds_beyond_band.reached}}
                                      : json();
    if (o.design) {
      any_sequential = true;
      json lk = json::array();
      for (std::size_t k = 0; k < o.look_intervals.size(); ++k)
        lk.push_back({{"n", o.looks[k]},
                      {"t_critical", num_or_null(o.look_t_critical[k])},
                      {"interval", interval_json(o.look_intervals[k])}});
      j_test["sequential"] = {{"alpha", o.design->alpha},
                              {"spending", stats::to_string(o.design->spending)},
                              {"max_seeds", o.design->max_n},
                              {"looks", lk},
                              {"state", o.sequential_state},
                              {"n", o.decided_at}};
    } else {
      j_test["sequential"] = nullptr;
    }
    tests.push_back(std::move(j_test));
  }
  procedure["sequential"] = any_sequential;
  return json{{"raw_verdict", to_string(r.tests.empty() ? r.verdict : c.raw)},
              {"basis", r.tests.empty() ? (r.basis.empty() ? "rule" : r.basis) : std::string()},
              {"procedure", procedure},
              {"tests", tests}};
}

}  // namespace lrb::suites
