#pragma once
// What the suites share: one training run from canonical params
// (suites/train_run.hpp), and the small statistics the claims checks are made of.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/stats/stats.hpp"
#include "suites/suite.hpp"
#include "suites/train_run.hpp"

namespace lrb::suites {

// JSON cannot hold NaN/inf: they become null.
json num_or_null(double v);

// ---- claims helpers -----------------------------------------------------------
// Values of one metric (a JSON pointer into the record, e.g. "/final/test_loss")
// over the seeds the plan expects for `config`.
struct Series {
  std::string config, metric;
  std::vector<int64_t> seeds;   // seeds with a finite value, ascending
  std::vector<double> values;
  int expected = 0, missing = 0, diverged = 0;
};
Series series(const ResultSet& rs, const std::vector<RunSpec>& plan, const std::string& config,
              const std::string& pointer);
json to_json(const Series& s);  // per-seed values + summary

// The values of a and b at the seeds both have a finite value for, in a's order.
struct Pairs {
  std::vector<double> a, b;
};
Pairs pair_by_seed(const Series& a, const Series& b);

// The paired test of two series (pairs by seed, ascending): diff = sign *
// (contender - baseline), configs {baseline, contender}; threshold, band and
// units are left for the caller (suites/verdict_stats.hpp judges it).
ClaimTest paired_test(ClaimTest::Kind kind, const Series& baseline, const Series& contender, double sign);

// Paired (by seed) comparison of contender vs baseline on a metric where
// `lower_is_better`.  Verdict: supported when the claim "contender is better"
// holds (95 % CI of the mean paired difference excludes 0 on the good side),
// refuted when it is excluded on the bad side OR the CI lies within
// +-equivalence (relative to the baseline mean: no practical difference),
// else inconclusive.  Fewer than 2 pairs, or any missing run: inconclusive.
// The result carries the test (directional, band = equivalence x |baseline
// mean|), so the suite's family adjusts it (suites/verdict_stats.hpp).
ClaimResult claim_better(const ResultSet& rs, const std::vector<RunSpec>& plan,
                         const std::string& baseline, const std::string& contender,
                         const std::string& pointer, bool lower_is_better, double equivalence);

// Equivalence of two configs on a metric, paired by seed: supported when the
// 95 % CI of the mean paired difference (b - a) lies within +-band * |mean of
// a|, refuted when it lies entirely outside that band, else inconclusive.
// Carries its test (equivalence, TOST) for the family.
ClaimResult claim_equivalent(const ResultSet& rs, const std::vector<RunSpec>& plan, const std::string& a,
                             const std::string& b, const std::string& pointer, double band);

// An arm's metric against a number: supported when the 95 % CI of the mean
// over the expected seeds lies entirely on the claimed side of `value` (op is
// one of <, <=, >, >=), refuted when it lies entirely on the other side, else
// inconclusive.  Fewer than 2 values, or any missing run: inconclusive.
// Carries its test (directional, diff = each seed's distance from `value` on
// the claimed side; a CI touching `value` is not on either side) for the family.
ClaimResult claim_threshold(const ResultSet& rs, const std::vector<RunSpec>& plan, const std::string& config,
                            const std::string& pointer, const std::string& op, double value);

// The divergence edge of an LR sweep: `points` are (LR, config) pairs, one per
// swept LR.  A run fails when it diverged or `fails(record)` holds; an LR fails
// when more than half of its recorded runs fail.  The edge is the smallest LR
// from which every larger LR fails (a failing LR below a stable one is not an
// edge), "stable up to" the largest LR below it.
//   range empty:  supported when an edge exists with a stable LR below it;
//                 refuted when no LR fails; else (every LR fails) inconclusive.
//   range [lo, hi]: supported when the edge lies in it (stable LR >= lo and edge
//                 LR <= hi); refuted when it exists and lies outside it, or no LR
//                 fails up to a swept LR >= hi; else inconclusive.
// A rule over counts of failed runs: basis "count", no sampling test.
ClaimResult claim_edge(const ResultSet& rs, const std::vector<RunSpec>& plan,
                       std::vector<std::pair<double, std::string>> points,
                       const std::function<bool(const json& record)>& fails,
                       std::optional<std::pair<double, double>> range, const std::string& name);

// Several claims that must all hold (a contender better than each of several
// baselines): supported when every part is supported, refuted when every part
// is refuted, else inconclusive; the summary joins "label: summary" parts.
// Carries every part's tests, each labelled with its part, combined
// all_agree, so the suite's family adjusts them (suites/verdict_stats.hpp).
ClaimResult claim_all(const std::vector<ClaimResult>& parts, const std::vector<std::string>& labels);

// Adds a group's run counts (a Series, a sweep, ...: anything with expected,
// missing and diverged) to the claim's.
template <class Runs>
void add_run_counts(ClaimResult& r, const Runs& runs) {
  r.expected += runs.expected;
  r.missing += runs.missing;
  r.diverged += runs.diverged;
}

// Adds "(k of n runs missing)" and forces inconclusive when runs are missing.
void note_missing(ClaimResult& r);

std::string fmt_num(double v);  // "%.4g", "n/a" for NaN

}  // namespace lrb::suites
