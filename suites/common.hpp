#pragma once
// What the suites share: one regression training run from canonical params,
// and the small statistics the claims checks are made of.
#include <optional>
#include <string>
#include <vector>

#include "core/stats/stats.hpp"
#include "suites/suite.hpp"

namespace lrb::suites {

// ---- regression training runs (params.kind == "train") ----------------------
//
// params = {
//   "kind": "train",
//   "dataset": {"generator": "noisy_linear" | "teacher20", "n", "sigma",
//               "val_fraction", "test_fraction"},      (noisy_linear: y = 4 + 3x)
//   "model": "linear:in=1,bias=true" | "mlp004" | ...,  "init": "zeros" | "keras" | ...,
//   "optimizer": optim::to_spec_string(...), "schedule": sched::to_spec_string(...),
//   "lr_unit": "step" | "epoch", "plateau_metric": "train_loss" | "val_loss",
//   "epochs", "batch", "dtype": "float32" | "float64",
//   "keras_accuracy": bool   (also report Keras' metrics=['accuracy'] on an MSE model)
// }
// Streams: data = derive_seed(seed, "data", 0); split = derive_seed(seed, "split", 0);
// init and shuffle take `seed` (models::init_params, train::train derive their own).
// Splits: split_indices(n, {val, test}) -> train / val / test.  The training loop's
// "test set" is the validation split when val_fraction > 0 (reduce-on-plateau
// watches it), else the test split; the test split is always evaluated at the end.
struct TrainParams {
  std::string generator = "noisy_linear";
  int64_t n = 1000;
  double sigma = 1.0, val_fraction = 0.0, test_fraction = 0.2;
  std::string model, init = "keras", optimizer, schedule = "constant";
  std::string lr_unit = "step", plateau_metric = "train_loss";
  int epochs = 10, batch = 32;
  std::string dtype = "float32";
  bool keras_accuracy = false;
};
// Canonical params JSON: optimizer and schedule parsed and re-written with
// every parameter explicit (a bad spec throws spec::SpecError here, at plan time).
json train_params(const TrainParams& p);
RunResult execute_train(const RunSpec& run, const RunContext& context);

// Keras' metrics=['accuracy'] with an MSE loss and one output resolves to
// binary_accuracy: mean(y_true == (y_pred > 0.5)), in the model dtype.
double keras_binary_accuracy(std::span<const double> y_true, std::span<const double> y_pred);

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

// Paired (by seed) comparison of contender vs baseline on a metric where
// `lower_is_better`.  Verdict: supported when the claim "contender is better"
// holds (95 % CI of the mean paired difference excludes 0 on the good side),
// refuted when it is excluded on the bad side OR the CI lies within
// +-equivalence (relative to the baseline mean: no practical difference),
// else inconclusive.  Fewer than 2 pairs, or any missing run: inconclusive.
ClaimResult claim_better(const ResultSet& rs, const std::vector<RunSpec>& plan,
                         const std::string& baseline, const std::string& contender,
                         const std::string& pointer, bool lower_is_better, double equivalence);

// Equivalence of two configs on a metric, paired by seed: supported when the
// 95 % CI of the mean paired difference (b - a) lies within +-band * |mean of
// a|, refuted when it lies entirely outside that band, else inconclusive.
ClaimResult claim_equivalent(const ResultSet& rs, const std::vector<RunSpec>& plan, const std::string& a,
                             const std::string& b, const std::string& pointer, double band);

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
