#include "core/train/full_batch.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace lrb::train {

bool is_diverged(double loss, double first_loss, double explode_factor) {
  return !std::isfinite(loss) || loss > explode_factor * std::max(1.0, std::fabs(first_loss));
}

template <class T>
FullBatchResult<T> run_full_batch(const Objective<T>& f, std::vector<T> x0,
                                  const optim::Optimizer& opt, const sched::Schedule& schedule,
                                  const FullBatchConfig& config, const PointCallback<T>& on_point) {
  if (config.steps < 0)
    throw std::invalid_argument("run_full_batch: steps must be >= 0, got " +
                                std::to_string(config.steps));
  // As PyTorch 1.13 raises: e.g. cyclic_lr's default cycle_momentum with Adam.
  sched::check_momentum_support(schedule, optim::has_momentum(opt), optim::has_beta1(opt));
  const bool metric_driven = sched::needs_metric(schedule);
  auto plateau = sched::plateau_init(schedule);
  auto state = optim::make_state<T>(opt, x0.size());

  FullBatchResult<T> out;
  std::vector<T> y = std::move(x0);  // where the gradient is taken (= x_t unless schedule-free)
  std::vector<T> grad(y.size());
  const bool eval_point = optim::has_eval_point(opt);
  std::vector<T> xe(eval_point ? y.size() : 0), grad_e(xe.size());  // x_t, unused gradient
  std::optional<double> lr_used;  // the LR of the update that led to x_t
  double first_loss = 0;
  for (std::int64_t t = 0;; ++t) {
    const T grad_loss = f(y, grad);  // the loss the gradient comes from
    T loss = grad_loss;
    std::span<const T> x = y;
    if (eval_point) {
      optim::eval_point<T>(y, state, opt, xe);
      loss = f(xe, grad_e);
      x = xe;
    }
    if (t == 0) first_loss = static_cast<double>(loss);
    const bool judged = t < config.steps || config.judge_last_loss;
    const bool broke =
        judged && is_diverged(static_cast<double>(loss), first_loss, config.explode_factor);
    out.loss = loss;
    if (on_point) on_point({t, loss, x, lr_used, broke});
    if (broke) {
      out.diverged_at = t;
      break;
    }
    if (t == config.steps) break;
    const double lr = metric_driven ? sched::plateau_lr(plateau) : sched::lr_at(schedule, t);
    optim::update<T>(y, grad, state, opt, lr, sched::momentum_at(schedule, t));
    if (metric_driven) sched::plateau_observe(plateau, schedule, static_cast<double>(grad_loss));
    lr_used = lr;
    out.steps = t + 1;
  }
  out.x = eval_point ? std::move(xe) : std::move(y);
  return out;
}

template FullBatchResult<float> run_full_batch<float>(const Objective<float>&, std::vector<float>,
                                                      const optim::Optimizer&,
                                                      const sched::Schedule&,
                                                      const FullBatchConfig&,
                                                      const PointCallback<float>&);
template FullBatchResult<double> run_full_batch<double>(const Objective<double>&,
                                                        std::vector<double>,
                                                        const optim::Optimizer&,
                                                        const sched::Schedule&,
                                                        const FullBatchConfig&,
                                                        const PointCallback<double>&);

}  // namespace lrb::train
