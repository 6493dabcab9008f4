#pragma once
// The LR range test (Smith 2017, "Cyclical Learning Rates", sec. 3.3; the
// fastai lr_find): one short run whose LR grows exponentially from lr_min to
// lr_max, one mini-batch per step, recording each step's loss.
//
//   lr_k       = lr_min * (lr_max / lr_min)^(k / (steps - 1)),  k = 0 .. steps-1
//   smoothed_k = EMA of the batch losses with factor beta, bias-corrected:
//                avg_k = beta*avg_{k-1} + (1-beta)*loss_k,  smoothed_k = avg_k / (1 - beta^(k+1))
//   stop early when a loss is not finite or smoothed_k > stop_factor * min_{j<=k} smoothed_j
//
// Suggested LR (the rule, stated in every result): the LR where the smoothed
// loss falls fastest per decade of LR (most negative difference of smoothed vs
// log10 lr over +-2 % of the points), searched from where the loss has come
// 10 % of the way down from its start level to the smoothed minimum (batch
// noise on the flat start must not win), up to that minimum; also reported:
// min_loss_lr / 10, the other common rule.
//
// Each loss is the training batch's, where the gradient is taken -- for a
// schedule-free optimizer that is y, not the average x it returns: the test
// asks which LR the steps tolerate, and evaluating x would cost a second
// forward pass per step.
//
// The test trains, so it changes what it touches; it leaves the model's
// parameters and gradients and the optimizer state exactly (bit for bit) as it
// found them, also when it throws: a suite or a user can probe the LR and then
// train from the same starting point.
#include <cstdint>
#include <string>
#include <vector>

#include "core/models/model.hpp"
#include "core/optim/optim.hpp"
#include "core/train/train.hpp"

namespace lrb::train {

struct LrRangeConfig {
  double lr_min = 1e-7;
  double lr_max = 10.0;
  int steps = 100;              // >= 3
  int batch = 32;
  std::uint64_t seed = 0;       // batch order: epoch_order(n, derive_seed(seed, "lr-range", 0), epoch)
  double smoothing = 0.98;      // beta of the loss EMA, in [0, 1)
  double stop_factor = 4.0;     // stop once smoothed > stop_factor * best smoothed (> 1)
};

struct LrRangeResult {
  std::vector<double> lr, loss, smoothed;  // per step actually taken
  bool stopped_early = false;
  std::string stop_reason;                 // "" | "loss not finite" | "smoothed loss > 4 x minimum"
  double min_loss_lr = 0;                  // LR at the smoothed minimum
  double suggested_lr = 0;                 // steepest-descent rule
  double min_over_ten_lr = 0;              // min_loss_lr / 10
  std::string rule;                        // the rule in words
};

// Throws std::invalid_argument for a bad config (message names the field).
void check(const LrRangeConfig& config);

// The suggestion rule alone, over a recorded curve (exposed for tests).
void suggest(LrRangeResult& result);

template <class T>
LrRangeResult lr_range_test(models::Model<T>& model, optim::OptimizerState<T>& state,
                            const optim::Optimizer& opt, const Examples<T>& data,
                            const LrRangeConfig& config,
                            const std::function<void(int step, double lr, double loss)>& on_step = {});

}  // namespace lrb::train
