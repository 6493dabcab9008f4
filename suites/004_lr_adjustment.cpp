// Suite 004: LR adjustment and scheduling on the tutorial's MLP (tutorial 004).
//
// The suite is the study file suites/004_lr_adjustment.toml.  What stays here
// needs code: four checks of the LR curves and of Keras' accuracy whose
// verdict rules and words are the tutorial's (what "step decay" means: an LR
// constant inside each epoch).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "suites/common.hpp"
#include "suites/study/builtins.hpp"

namespace lrb::suites {
namespace {

// LR statistics of one config's records: max over seeds of lr_last / lr_0, and
// the fraction of updates whose LR differs from the previous update's while
// staying inside an epoch (step decay: 0; per-batch decay: ~1).
struct LrShape {
  double last_over_first = NAN, min_over_max = NAN, within_epoch_change = NAN;
  int records = 0;
};
LrShape lr_shape(const ResultSet& rs, const std::vector<RunSpec>& plan, const std::string& config,
                 ClaimResult& r) {
  LrShape s;
  double worst_ratio = -1, worst_minmax = -1, change = 0;
  for (const auto& run : plan) {
    if (run.config != config) continue;
    ++r.expected;
    const json* rec = rs.find(config, run.seed);
    if (!rec) {
      ++r.missing;
      continue;
    }
    if (rec->at("status") == "diverged") ++r.diverged;
    const auto& lrs = rec->at("/curves/lr_per_step"_json_pointer);
    const auto& ep = rec->at("/curves/epochs"_json_pointer);
    if (lrs.size() < 2 || ep.empty()) continue;
    const int64_t spe = ep[0].at("steps").get<int64_t>();
    double lo = INFINITY, hi = -INFINITY;
    int64_t changes = 0, within = 0;
    for (size_t i = 0; i < lrs.size(); ++i) {
      const double v = lrs[i].is_number() ? lrs[i].get<double>() : NAN;
      lo = std::min(lo, v);
      hi = std::max(hi, v);
      if (i > 0 && static_cast<int64_t>(i) % spe != 0) {
        ++within;
        changes += lrs[i] != lrs[i - 1];
      }
    }
    worst_ratio = std::max(worst_ratio, lrs.back().get<double>() / lrs.front().get<double>());
    worst_minmax = std::max(worst_minmax, lo / hi);
    change = std::max(change, within ? static_cast<double>(changes) / within : 0.0);
    ++s.records;
  }
  if (s.records) {
    s.last_over_first = worst_ratio;
    s.min_over_max = worst_minmax;
    s.within_epoch_change = change;
  }
  return s;
}

std::string arm_arg(const json& args) { return args.at("arm").get<std::string>(); }

// "lr_decays" (claim 004.1): the LR of the last update over the first, worst seed.
ClaimResult check_lr_decays(const ResultSet& rs, const std::vector<RunSpec>& plan, const json& args) {
  ClaimResult r;
  r.basis = "exact";
  const auto s = lr_shape(rs, plan, arm_arg(args), r);
  r.verdict = s.last_over_first > 0.99  ? Verdict::refuted
              : s.last_over_first < 0.5 ? Verdict::supported
                                        : Verdict::inconclusive;
  r.summary = fmt::format("lr_last/lr_0 = {:.6f}: the LR drops by {:.3g}% over the run", s.last_over_first,
                          100 * (1 - s.last_over_first));
  r.evidence = {{"lr_last_over_first", num_or_null(s.last_over_first)}};
  note_missing(r);
  return r;
}

// "lr_piecewise_constant" (claim 004.2): how often the LR changes inside an epoch.
ClaimResult check_lr_piecewise_constant(const ResultSet& rs, const std::vector<RunSpec>& plan, const json& args) {
  ClaimResult r;
  r.basis = "exact";
  const auto s = lr_shape(rs, plan, arm_arg(args), r);
  r.verdict = s.within_epoch_change > 0.5  ? Verdict::refuted
              : s.within_epoch_change == 0 ? Verdict::supported
                                           : Verdict::inconclusive;
  r.summary = fmt::format(
      "LR changes at {:.1f}% of within-epoch updates; lr_last/lr_0 = {:.4g} "
      "(1/(1 + 0.01 k), inverse time per batch)",
      100 * s.within_epoch_change, s.last_over_first);
  r.evidence = {{"within_epoch_change", num_or_null(s.within_epoch_change)},
                {"lr_last_over_first", num_or_null(s.last_over_first)}};
  note_missing(r);
  return r;
}

// "lr_formula_decays" (claim 004.3): min LR / max LR of the tutorial's
// lr0/sqrt(1+delta) (args.delta, 1e-6), a constant.
ClaimResult check_lr_formula_decays(const ResultSet& rs, const std::vector<RunSpec>& plan, const json& args) {
  ClaimResult r;
  r.basis = "exact";
  const auto s = lr_shape(rs, plan, arm_arg(args), r);
  const double delta = args.value("delta", 1e-6);
  r.verdict = s.min_over_max == 1.0   ? Verdict::refuted
              : s.min_over_max < 0.99 ? Verdict::supported
                                      : Verdict::inconclusive;
  r.summary = fmt::format("min/max LR = {}: a constant {} * lr0", fmt_num(s.min_over_max), fmt_num(1 / std::sqrt(1 + delta)));
  r.evidence = {{"min_over_max", num_or_null(s.min_over_max)}};
  note_missing(r);
  return r;
}

// "keras_accuracy_meaningful" (claim 004.10): Keras' binary accuracy of an MSE
// model over every run of the plan, against the spread of the test MSE.
ClaimResult check_keras_accuracy(const ResultSet& rs, const std::vector<RunSpec>& plan, const json&) {
  ClaimResult r;
  r.basis = "count";
  double acc_max = -1, loss_lo = INFINITY, loss_hi = -INFINITY;
  int n = 0;
  for (const auto& run : plan) {
    ++r.expected;
    const json* rec = rs.find(run.config, run.seed);
    if (!rec) { ++r.missing; continue; }
    if (rec->at("status") == "diverged") { ++r.diverged; continue; }
    const auto& a = rec->at("/final"_json_pointer);
    if (!a.contains("keras_accuracy") || !a["keras_accuracy"].is_number()) continue;
    acc_max = std::max(acc_max, a["keras_accuracy"].get<double>());
    // Every 004 record has it (null when not finite): one without it is not a
    // record this suite wrote, and the check cannot be evaluated.
    const auto loss = a.find("test_loss");
    if (loss == a.end())
      throw std::runtime_error(fmt::format("the record of {} seed {} has no \"test_loss\" in \"final\"",
                                           run.config, run.seed));
    if (loss->is_number()) {
      loss_lo = std::min(loss_lo, loss->get<double>());
      loss_hi = std::max(loss_hi, loss->get<double>());
    }
    ++n;
  }
  r.verdict = n == 0 ? Verdict::inconclusive
              : acc_max < 0.01 && loss_hi > loss_lo ? Verdict::refuted
                                                    : Verdict::inconclusive;
  r.summary = fmt::format("max 'accuracy' over {} runs = {}; test MSE ranges {} .. {}",
                          n, fmt_num(acc_max), fmt_num(loss_lo), fmt_num(loss_hi));
  r.evidence = {{"runs", n}, {"accuracy_max", num_or_null(acc_max)},
                {"test_loss_min", num_or_null(loss_lo)}, {"test_loss_max", num_or_null(loss_hi)}};
  note_missing(r);
  return r;
}

}  // namespace

namespace study {

std::vector<Check> checks_004() {
  return {{"lr_decays",
           "LR of the last update / LR of the first (max over seeds): refuted when the LR falls by less than 1 %, "
           "supported when by more than 50 %",
           {"arm"}, {"arm"}, check_lr_decays},
          {"lr_piecewise_constant",
           "share of within-epoch updates whose LR differs from the previous one: refuted above 0.5 (the LR changes "
           "every batch), supported at 0 (step decay)",
           {"arm"}, {"arm"}, check_lr_piecewise_constant},
          {"lr_formula_decays",
           "min LR / max LR over all updates: refuted when 1 (a constant), supported below 0.99; args.delta names "
           "the formula's delta in the summary",
           {"arm", "delta"}, {"arm"}, check_lr_formula_decays},
          {"keras_accuracy_meaningful",
           "Keras' binary_accuracy of an MSE model on every run: refuted when below 1 % everywhere while the test MSE "
           "varies",
           {}, {}, check_keras_accuracy}};
}

}  // namespace study
}  // namespace lrb::suites
