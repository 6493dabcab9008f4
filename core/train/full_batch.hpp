#pragma once
// The full-batch runner: one optimizer and one LR schedule over an objective
// that gives the loss and the gradient of the whole problem at once (a
// built-in function of `lrbench trace`, suite 000's least squares, suite
// 002's and 003's linear regressions).  Pure computation: no files, no
// clock, progress through the point callback.
//
//   x_0 = x0
//   for t = 0, 1, ..., steps:
//     loss_t = f(x_t), g_t = grad f(x_t)
//     diverged = is_diverged(loss_t, loss_0, explode_factor)
//                (at t == steps only if judge_last_loss)
//     on_point({t, loss_t, x_t, lr of update t (t >= 1), diverged})
//     stop if diverged                                       (the run's last point)
//     stop if t == steps
//     lr    = schedule at t          (reduce-on-plateau: the LR after the
//                                     losses of points < t)
//     x_{t+1} = update(x_t, g_t, lr, momentum_at(schedule, t))
//     plateau observes loss_t        (PyTorch's scheduler.step(loss) after
//                                     optimizer.step(), with the loss the
//                                     gradient came from)
//
// Schedule-free optimizers (optim::has_eval_point) take the gradient at y_t,
// the point update() works on, but their iterate is the average x_t: every
// point reports x_t = optim::eval_point(y_t) and f(x_t) (one more objective
// call per point, its gradient unused), the divergence rule judges f(x_t),
// and the result's x is the last x; reduce-on-plateau still observes f(y_t),
// the loss the gradient came from.  So `lrbench trace` rows, its loss
// column and suites 000, 002 and 003 see what the method returns, as the
// authors' optimizer.eval() gives it; the training trajectory (y, z) is the
// same whether or not x is evaluated.
//
// Update t+1 uses the schedule after t completed steps: PyTorch's convention
// when scheduler.step() follows every optimizer.step(), and Keras'
// `iterations`.  Every evaluated loss goes through the one divergence rule
// below (the one after the last update unless judge_last_loss is false).
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <span>
#include <vector>

#include "core/optim/optim.hpp"
#include "core/schedules/schedule.hpp"

namespace lrb::train {

// The divergence rule of every training loop in lrbench (this runner and
// train::train): a loss has diverged when it is not finite or exceeds
// explode_factor * max(1, |first_loss|).  first_loss is the run's first loss
// (full batch: f(x_0); mini-batch: the first batch's).  explode_factor =
// kNoExplodeLimit keeps only "not finite" (`lrbench trace`, which shows a
// trajectory to the overflow).
constexpr double kExplodeFactor = 1e8;
constexpr double kNoExplodeLimit = std::numeric_limits<double>::infinity();
bool is_diverged(double loss, double first_loss, double explode_factor);

// Writes grad f(x) into grad (same size as x) and returns f(x).
template <class T>
using Objective = std::function<T(std::span<const T> x, std::span<T> grad)>;

template <class T>
struct FullBatchPoint {
  std::int64_t t = 0;          // 0 = the start; t = after update t
  T loss = 0;                  // f(x_t)
  std::span<const T> x;        // x_t (valid during the callback only); schedule-free: the
                               // evaluation point, not the gradient point y_t
  std::optional<double> lr;    // the LR update t used (none at t = 0)
  bool diverged = false;       // this loss broke the rule: the run's last point
};

struct FullBatchConfig {
  std::int64_t steps = 100;                  // updates, >= 0
  double explode_factor = kExplodeFactor;    // see is_diverged
  // false: the loss after the last update (point `steps`) is computed and
  // reported but not judged -- the loops of tutorials 002 and 003 compute a
  // loss before each update only, and suites 002 and 003 keep that rule so
  // their records stay as they are (e.g. 003's k-fold candidate lr = 1 ends
  // its 50 iterations above 1e8 x its first loss and is scored, not diverged).
  bool judge_last_loss = true;
};

template <class T>
struct FullBatchResult {
  std::vector<T> x;                          // the last point's parameters (schedule-free: x)
  T loss = 0;                                // f there
  std::int64_t steps = 0;                    // updates done
  std::optional<std::int64_t> diverged_at;   // t of the point whose loss broke (0 = x0)
  bool ok() const { return !diverged_at; }
};

template <class T>
using PointCallback = std::function<void(const FullBatchPoint<T>&)>;

// Throws std::invalid_argument for steps < 0, and what
// sched::check_momentum_support throws for a schedule that cycles a momentum
// the optimizer does not have.
template <class T>
FullBatchResult<T> run_full_batch(const Objective<T>& f, std::vector<T> x0,
                                  const optim::Optimizer& opt, const sched::Schedule& schedule,
                                  const FullBatchConfig& config,
                                  const PointCallback<T>& on_point = {});

}  // namespace lrb::train
