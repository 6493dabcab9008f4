#include "core/train/lr_range.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

#include "core/train/batch.hpp"
#include "datasets/rng.hpp"
#include "datasets/sampling.hpp"

namespace lrb::train {
namespace {

// Everything the test may change, copied on entry and put back on every exit.
template <class T>
struct Snapshot {
  models::Model<T>& model;
  optim::OptimizerState<T>& state;
  Buffer<T> params, grads;
  optim::OptimizerState<T> saved_state;
  Snapshot(models::Model<T>& m, optim::OptimizerState<T>& s)
      : model(m), state(s), params(m.params), grads(m.grads), saved_state(s) {}
  ~Snapshot() {
    std::copy(params.begin(), params.end(), model.params.begin());
    std::copy(grads.begin(), grads.end(), model.grads.begin());
    state.step = saved_state.step;
    state.n = saved_state.n;
    std::copy(saved_state.arena.begin(), saved_state.arena.end(), state.arena.begin());
    state.mu_product = saved_state.mu_product;
    state.momentum_started = saved_state.momentum_started;
    state.lr_free = saved_state.lr_free;
  }
  Snapshot(const Snapshot&) = delete;
  Snapshot& operator=(const Snapshot&) = delete;
};

}  // namespace

void check(const LrRangeConfig& c) {
  if (!(c.lr_min > 0) || !std::isfinite(c.lr_min))
    throw std::invalid_argument("lr range test: lr_min must be > 0, got " + std::to_string(c.lr_min));
  if (!(c.lr_max > c.lr_min) || !std::isfinite(c.lr_max))
    throw std::invalid_argument("lr range test: lr_max must be > lr_min and finite");
  if (c.steps < 3 || c.steps > 1000000)
    throw std::invalid_argument("lr range test: steps must be in [3, 1000000], got " +
                                std::to_string(c.steps));
  if (c.batch < 1) throw std::invalid_argument("lr range test: batch must be >= 1");
  if (!(c.smoothing >= 0 && c.smoothing < 1))
    throw std::invalid_argument("lr range test: smoothing must be in [0, 1)");
  if (!(c.stop_factor > 1))
    throw std::invalid_argument("lr range test: stop_factor must be > 1");
}

void suggest(LrRangeResult& r) {
  r.rule =
      "suggested = LR of the steepest fall of the smoothed loss per decade of LR (differences "
      "over +-2% of the points), searched from where the loss stays 10% of the way down from "
      "its start level (median of the points after the first 10%, the average's warm-up) to "
      "the smoothed minimum, up to that minimum; also min_loss_lr / 10";
  const size_t n = r.smoothed.size();
  if (n == 0) return;
  size_t best = 0;
  for (size_t i = 1; i < n; ++i)
    if (std::isfinite(r.smoothed[i]) && !(r.smoothed[i] >= r.smoothed[best])) best = i;
  r.min_loss_lr = r.lr[best];
  r.min_over_ten_lr = r.min_loss_lr / 10;
  // Steepest descent before the minimum.  The first points average few
  // batches, so their noise would masquerade as steep falls at tiny LRs: skip
  // them, and difference over a window instead of neighbours.  Where the curve
  // before the minimum is too short for that, min_loss_lr / 10 is all it supports.
  // Batch-to-batch noise on the flat start can still beat a gentle real
  // descent, so the search begins after the last point (before the minimum)
  // that is not yet 10 % of the way down from the start level (the median of
  // the 10 % of points after the warm-up) to the minimum.
  const size_t half = std::max<size_t>(1, n / 50), warm = std::max(half, n / 10);
  size_t first = warm;
  if (warm < best) {
    std::vector<double> head(r.smoothed.begin() + static_cast<std::ptrdiff_t>(warm),
                             r.smoothed.begin() + static_cast<std::ptrdiff_t>(std::min(best, warm + std::max<size_t>(1, n / 10))));
    std::nth_element(head.begin(), head.begin() + static_cast<std::ptrdiff_t>(head.size() / 2), head.end());
    const double level = head[head.size() / 2];
    const double threshold = level - 0.1 * (level - r.smoothed[best]);
    for (size_t j = warm; j < best; ++j)
      if (!(r.smoothed[j] < threshold)) first = j + 1;
  }
  double steepest = 0;
  r.suggested_lr = r.min_over_ten_lr;
  for (size_t i = first; i + half <= best && i + half < n; ++i) {
    const double slope = (r.smoothed[i + half] - r.smoothed[i - half]) /
                         (std::log10(r.lr[i + half]) - std::log10(r.lr[i - half]));
    if (std::isfinite(slope) && slope < steepest) {
      steepest = slope;
      r.suggested_lr = r.lr[i];
    }
  }
}

template <class T>
LrRangeResult lr_range_test(models::Model<T>& model, optim::OptimizerState<T>& state,
                            const optim::Optimizer& opt, const Examples<T>& data,
                            const LrRangeConfig& c,
                            const std::function<void(int, double, double)>& on_step) {
  check(c);
  if (c.batch > model.max_batch)
    throw std::invalid_argument("lr range test: batch exceeds the model's max batch");
  if (data.n == 0) throw std::invalid_argument("lr range test: the training set is empty");
  if (state.n != model.params.size())
    throw std::invalid_argument("lr range test: optimizer state is for another model");
  const Snapshot<T> restore_on_exit(model, state);

  const bool classify = model.config.head == models::Head::softmax_ce;
  const std::size_t features = model.input_size(), outputs = model.output_size();
  const std::size_t B = static_cast<std::size_t>(c.batch);
  std::vector<T> bx(B * features), by_t(classify ? 0 : B * outputs);
  std::vector<std::int32_t> by_l(classify ? B : 0);
  const auto ranges = data::batch_ranges(data.n, B, data::LastBatch::keep);
  const std::uint64_t order_seed = data::derive_seed(c.seed, "lr-range", 0);

  LrRangeResult r;
  const double log_ratio = std::log(c.lr_max / c.lr_min);
  double avg = 0, best = INFINITY, beta_pow = 1;
  std::vector<std::size_t> order;
  for (int k = 0; k < c.steps; ++k) {
    const std::size_t in_epoch = static_cast<std::size_t>(k) % ranges.size();
    if (in_epoch == 0)
      order = data::epoch_order(data.n, order_seed, static_cast<std::uint64_t>(k) / ranges.size());
    const auto rg = ranges[in_epoch];
    const std::size_t count = rg.end - rg.begin;
    gather(bx, by_l, by_t, data, std::span<const std::size_t>(order).subspan(rg.begin, count),
           features, outputs);
    const double lr = c.lr_min * std::exp(log_ratio * k / (c.steps - 1));
    const double loss = models::forward_backward<T>(
        model, std::span<const T>(bx.data(), count * features),
        std::span<const std::int32_t>(by_l.data(), classify ? count : 0),
        std::span<const T>(by_t.data(), classify ? 0 : count * outputs), static_cast<int>(count));
    if (!std::isfinite(loss)) {
      r.stopped_early = true;
      r.stop_reason = "loss not finite";
      break;
    }
    avg = c.smoothing * avg + (1 - c.smoothing) * loss;
    beta_pow *= c.smoothing;
    const double smoothed = avg / (1 - beta_pow);
    r.lr.push_back(lr);
    r.loss.push_back(loss);
    r.smoothed.push_back(smoothed);
    if (on_step) on_step(k, lr, loss);
    best = std::min(best, smoothed);
    if (smoothed > c.stop_factor * best) {
      r.stopped_early = true;
      r.stop_reason = "smoothed loss > " + std::to_string(c.stop_factor).substr(0, 4) +
                      " x its minimum";
      break;
    }
    optim::update<T>(model.params, model.grads, state, opt, lr, std::nullopt,
                     model.tensor_offsets, model.factor_dims);
  }
  suggest(r);
  return r;
}

template LrRangeResult lr_range_test<float>(models::Model<float>&, optim::OptimizerState<float>&,
                                            const optim::Optimizer&, const Examples<float>&,
                                            const LrRangeConfig&,
                                            const std::function<void(int, double, double)>&);
template LrRangeResult lr_range_test<double>(models::Model<double>&,
                                             optim::OptimizerState<double>&,
                                             const optim::Optimizer&, const Examples<double>&,
                                             const LrRangeConfig&,
                                             const std::function<void(int, double, double)>&);

}  // namespace lrb::train
