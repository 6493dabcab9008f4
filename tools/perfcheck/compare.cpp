// perf-check's decisions: which benchmarks and metrics are compared, with
// which test, and what counts as a regression.  No output here (render.cpp).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "tools/perfcheck/perfcheck.hpp"

namespace lrb::perfcheck {
namespace {

std::string join(const std::vector<std::string>& v, const std::string& sep) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) out += (i ? sep : "") + v[i];
  return out;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Which calibration normalizes `name`: the first --calibration-for rule that
// matches, else "flops" -> fma, "bytes_per_second" -> triad, else none; the
// two sides must agree.
Calib calibration_for(const std::string& name, const Side& base, const Side& cont, const Options& o) {
  for (const auto& r : o.calib_rules)
    if (r.pattern.search(name)) return r.calib;
  const std::set<std::string>& cb = base.keys.at(name).counters;
  const std::set<std::string>& cc = cont.keys.at(name).counters;
  const Calib a = calibration_for_counters(cb), b = calibration_for_counters(cc);
  if (a != b) {
    auto list = [](const std::set<std::string>& s) {
      return "{" + join(std::vector<std::string>(s.begin(), s.end()), ", ") + "}";
    };
    throw InputError(name + " reports counters " + list(cb) + " in " + base.paths() + " but " +
                     list(cc) + " in " + cont.paths() + ", so its calibration would be " +
                     calib_name(a) + " for one side and " + calib_name(b) +
                     " for the other; pick one with --calibration-for 'REGEX=KIND'");
  }
  return a;
}

}  // namespace

Calib calibration_for_counters(const std::set<std::string>& counters) {
  if (counters.count("flops")) return Calib::fma;
  if (counters.count("bytes_per_second")) return Calib::triad;
  return Calib::none;
}

const char* verdict_name(Verdict v) {
  switch (v) {
    case Verdict::slower: return "slower";
    case Verdict::faster: return "faster";
    case Verdict::unchanged: return "unchanged";
    case Verdict::untestable: return "untestable";
    case Verdict::error: return "error";
  }
  return "?";
}

BenchComparison compare_benchmarks(const Side& base, const Side& cont, const Options& o) {
  auto keep = [&](const std::string& k) { return !o.filter || o.filter->search(k); };
  std::vector<std::string> common, only_base, only_cont;
  for (const auto& k : base.order) {
    if (!keep(k)) continue;
    (cont.keys.count(k) ? common : only_base).push_back(k);
  }
  for (const auto& k : cont.order)
    if (keep(k) && !base.keys.count(k)) only_cont.push_back(k);
  if (common.empty()) {
    if (o.filter && only_base.empty() && only_cont.empty())
      throw FilterMatchesNothing("--filter matches no benchmark in " + base.paths() + " or " +
                                 cont.paths());
    throw InputError("no benchmark is in both " + base.paths() + " and " + cont.paths() +
                     (o.filter ? " (after --filter)" : "") + ": nothing to compare");
  }

  // A benchmark both sides ran must have repetitions on both sides.
  std::vector<std::string> aggregates_only;
  for (const auto& k : common)
    for (const Side* s : {&base, &cont}) {
      const KeyInfo& ki = s->keys.at(k);
      if (ki.repetitions == 0 && ki.errors == 0) aggregates_only.push_back(k + " in " + s->paths());
    }
  if (!aggregates_only.empty())
    throw InputError("only aggregates, no repetitions, for " + join(aggregates_only, "; ") +
                     ": rerun with --benchmark_repetitions=N and without "
                     "--benchmark_report_aggregates_only");

  BenchComparison c;
  for (const auto& f : base.files) c.baseline.push_back(f.path);
  for (const auto& f : cont.files) c.contender.push_back(f.path);
  c.threshold = o.threshold;
  c.alpha = o.alpha;
  c.cpu_time = o.cpu_time;
  c.normalize = o.normalize;
  std::vector<std::string>& warn = c.warnings;
  std::vector<std::string> no_power, raw_unnormalized;

  for (const auto& k : common) {
    const KeyInfo& kb = base.keys.at(k);
    const KeyInfo& kc = cont.keys.at(k);
    BenchRow row;
    row.name = k;
    row.calibration = calibration_kind(k) != Calib::none;
    if (kc.repetitions == 0 || kb.repetitions == 0) {
      // Errored on at least one side (aggregates-only was rejected above).
      if (kc.repetitions == 0 && kb.repetitions > 0 && !row.calibration) {
        ++c.errored;
        row.verdict = Verdict::error;
        row.error_message = kc.error_message;
        c.rows.push_back(std::move(row));
      } else {
        warn.push_back(k + " reported an error in the " +
                       (kb.repetitions == 0 ? std::string("baseline") : std::string("contender")) +
                       " (" + (kb.repetitions == 0 ? kb.error_message : kc.error_message) +
                       "); not compared");
      }
      continue;
    }
    // Calibration rows compare raw real_time: they measure the machine.
    if (o.normalize && !row.calibration) {
      row.normalized_by = calibration_for(k, base, cont, o);
      if (row.normalized_by == Calib::none) raw_unnormalized.push_back(k);
    }
    row.cpu_time = o.cpu_time && !row.calibration;
    const std::vector<double> xb = side_samples(base, k, row.cpu_time, row.normalized_by);
    const std::vector<double> xc = side_samples(cont, k, row.cpu_time, row.normalized_by);
    const std::vector<double> rb = side_samples(base, k, row.cpu_time, Calib::none);
    const std::vector<double> rc = side_samples(cont, k, row.cpu_time, Calib::none);
    row.comparison = stats::compare_ratio(xb, xc, o.threshold, o.alpha);
    row.n_baseline = row.comparison.n_baseline;
    row.n_contender = row.comparison.n_contender;
    row.baseline_median_ns = stats::median(rb);
    row.contender_median_ns = stats::median(rc);
    const auto& r = row.comparison;
    row.verdict = !r.has_power                             ? Verdict::untestable
                  : r.change == stats::Change::kIncrease ? Verdict::slower
                  : r.change == stats::Change::kDecrease ? Verdict::faster
                                                         : Verdict::unchanged;
    if (row.calibration) ++c.calibration;
    else if (row.verdict == Verdict::slower) ++c.slower;
    else if (row.verdict == Verdict::faster) ++c.faster;
    else if (row.verdict == Verdict::untestable) ++c.untestable, no_power.push_back(k);
    else ++c.unchanged;
    c.rows.push_back(std::move(row));
  }

  // Warnings: power, machines, leftovers.
  if (!no_power.empty())
    warn.push_back(fmt::format(
        "{} benchmark(s) have too few repetitions for the rank test to ever reach p < {:g} "
        "(with n repetitions per side the smallest two-sided p is 2 / C(2n, n): 0.1 for n = 3, "
        "0.029 for n = 4); run with --benchmark_repetitions >= 5: {}",
        no_power.size(), o.alpha, join(no_power, ", ")));
  if (!raw_unnormalized.empty())
    warn.push_back("no calibration rule for " + join(raw_unnormalized, ", ") +
                   " (neither a \"flops\" nor a \"bytes_per_second\" counter, and no "
                   "--calibration-for match): compared without normalization");
  std::set<std::string> hb, hc;
  bool scaling = false;
  for (const auto& f : base.files) {
    if (!f.context.host_name.empty()) hb.insert(f.context.host_name);
    scaling |= f.context.cpu_scaling_enabled.value_or(false);
  }
  for (const auto& f : cont.files) {
    if (!f.context.host_name.empty()) hc.insert(f.context.host_name);
    scaling |= f.context.cpu_scaling_enabled.value_or(false);
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
  c.only_in_baseline = std::move(only_base);
  c.only_in_contender = std::move(only_cont);
  return c;
}

// ---- convergence ------------------------------------------------------------------------

int metric_direction(std::string_view metric) {
  if (ends_with(metric, "accuracy") || ends_with(metric, "acc")) return +1;
  if (ends_with(metric, "loss") || ends_with(metric, "error") || ends_with(metric, "perplexity"))
    return -1;
  return 0;
}

stats::MeanComparison compare_metric(const std::vector<double>& baseline,
                                     const std::vector<double>& contender, double threshold,
                                     double alpha, bool paired) {
  double big = 0;
  for (const auto* side : {&baseline, &contender})
    for (double v : *side) big = std::max(big, std::fabs(v));
  // Below 2^400 no sum of squares of up to 2^100 values can overflow.
  if (!(big > 0x1p400)) return stats::compare_means(baseline, contender, threshold, alpha, paired);
  // Power-of-two scaling is exact: the test statistic, p, relative change and
  // Cohen's d are scale-free, so the verdict is the unscaled data's.
  const int e = std::ilogb(big);
  auto scaled = [&](const std::vector<double>& v) {
    std::vector<double> out(v.size());
    for (size_t i = 0; i < v.size(); ++i) out[i] = std::ldexp(v[i], -e);
    return out;
  };
  stats::MeanComparison r =
      stats::compare_means(scaled(baseline), scaled(contender), threshold, alpha, paired);
  auto back = [&](double& v) { v = std::ldexp(v, e); };
  for (stats::Summary* s : {&r.baseline, &r.contender}) {
    back(s->mean);
    back(s->sd);
    back(s->median);
    back(s->ci_low);
    back(s->ci_high);
  }
  back(r.diff);
  back(r.ci_low);
  back(r.ci_high);
  return r;
}

ConvComparison compare_convergence(const RecordSide& base, const RecordSide& cont, const Options& o) {
  std::vector<GroupKey> common;
  std::vector<std::string> only_base, only_cont;
  for (const auto& k : base.order)
    (cont.groups.count(k) ? common.push_back(k) : only_base.push_back(k.first + "/" + k.second));
  for (const auto& k : cont.order)
    if (!base.groups.count(k)) only_cont.push_back(k.first + "/" + k.second);
  if (common.empty())
    throw InputError("no (suite, config) is in both " + join(o.baseline, ", ") + " and " +
                     join(o.contender, ", ") + (o.filter ? " (after --filter)" : "") +
                     ": nothing to compare");

  ConvComparison c;
  c.baseline = o.baseline;
  c.contender = o.contender;
  c.threshold = o.threshold;
  c.alpha = o.alpha;
  for (const auto& key : common) {
    const RecordGroup& gb = base.groups.at(key);
    const RecordGroup& gc = cont.groups.at(key);
    // Failed runs (any status other than "ok"): worse when the contender's
    // failure rate is higher.
    auto ok_count = [](const RecordGroup& g) {
      size_t n = 0;
      for (const auto& [seed, r] : g.by_seed) n += r.status == "ok";
      return n;
    };
    const size_t okb = ok_count(gb), okc = ok_count(gc);
    const double fail_b = 1.0 - double(okb) / double(gb.by_seed.size());
    const double fail_c = 1.0 - double(okc) / double(gc.by_seed.size());
    if (fail_b > 0 || fail_c > 0) {
      ConvRow row;
      row.suite = gb.suite;
      row.config = gb.config;
      row.status_row = true;
      row.metric = "status";
      row.verdict = fail_c > fail_b ? ConvVerdict::worse : ConvVerdict::unchanged;
      row.baseline_ok = okb;
      row.baseline_runs = gb.by_seed.size();
      row.contender_ok = okc;
      row.contender_runs = gc.by_seed.size();
      row.verdict == ConvVerdict::worse ? ++c.worse : ++c.unchanged;
      c.rows.push_back(std::move(row));
    }
    std::set<std::string> metrics;
    for (const RecordGroup* g : {&gb, &gc})
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
        c.warnings.push_back(gb.suite + "/" + gb.config + ": final." + m + " is only in the " +
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
      ConvRow row;
      row.suite = gb.suite;
      row.config = gb.config;
      row.metric = m;
      row.paired = paired;
      row.direction = metric_direction(m);
      row.comparison = compare_metric(xb, xc, o.threshold, o.alpha, paired);
      const stats::MeanComparison& r = row.comparison;
      if (!r.has_power) {
        row.verdict = ConvVerdict::untestable;
        ++c.untestable;
        c.warnings.push_back(gb.suite + "/" + gb.config + ": final." + m +
                             " needs at least 2 seeds per side for an interval");
      } else if (std::isnan(r.ci_low) || std::isnan(r.ci_high)) {
        // Not a verdict of "no change": the interval could not be computed.
        row.verdict = ConvVerdict::untestable;
        ++c.untestable;
        c.warnings.push_back(gb.suite + "/" + gb.config + ": final." + m +
                             ": the interval of the difference is undefined (n/a)");
      } else if (r.change != stats::Change::kNone && row.direction != 0) {
        const bool up = r.change == stats::Change::kIncrease;
        row.verdict = up == (row.direction > 0) ? ConvVerdict::better : ConvVerdict::worse;
        row.verdict == ConvVerdict::worse ? ++c.worse : ++c.better;
      } else {
        if (row.direction == 0 && r.change != stats::Change::kNone) {
          row.verdict = ConvVerdict::no_direction;
          row.no_direction_change = stats::to_string(r.change);
        }
        ++c.unchanged;
      }
      c.rows.push_back(std::move(row));
    }
  }
  if (!only_base.empty()) c.warnings.push_back("only in the baseline: " + join(only_base, ", "));
  if (!only_cont.empty()) c.warnings.push_back("only in the contender: " + join(only_cont, ", "));
  return c;
}

}  // namespace lrb::perfcheck
