#pragma once
// The training loop every suite runs on: mini-batch epochs over one model,
// one optimizer, one LR schedule.  Pure computation: no files, no clock
// reads besides the wall time it reports, progress through callbacks.
//
//   for epoch e = 0 .. epochs-1:
//     order = epoch_order(n_train, seed, e)            (datasets/sampling.hpp)
//     for each batch b of `batch` consecutive positions (last partial kept):
//       k   = completed updates so far
//       lr  = schedule at k            (lr_unit = step: Keras' iterations,
//             schedule at e            lr_unit = epoch: PyTorch's per-epoch
//                                      scheduler.step())
//             plateau: the LR after the metrics of epochs < e
//       loss = forward_backward(model, batch)        (grads zeroed inside)
//       update(params, grads, state, optimizer, lr, momentum_at(...))
//       stop with status "diverged" if loss is not finite or exceeds
//       explode_factor * max(1, first loss)
//     evaluate the test set every eval_every epochs and after the last
//       (max_steps > 0: training ends after that many updates, mid-epoch too)
//       (every epoch when the plateau below watches the test loss)
//     plateau observes the epoch's metric (train loss or test loss)
//
// Schedule-free optimizers (optim::has_eval_point) take gradients at y but
// return the average x: after each epoch's updates the model's parameters
// are set to x (optim::eval_point) for the test evaluation, the plateau's
// metric and the on_epoch callback (whatever it evaluates sees x), and y is
// put back, bit for bit, before the next epoch; train() returns with x in the
// parameters -- the authors' optimizer.eval() / .train() around evaluation.
// The training loss (each batch's and the epoch mean) is the loss the
// gradient came from, at y; the trajectory does not depend on eval_every.
//
// Bit-reproducible: the only randomness is the derived shuffle seed, and the
// kernels give the same bits at any thread count.
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/models/model.hpp"
#include "core/optim/optim.hpp"
#include "core/schedules/schedule.hpp"

namespace lrb::train {

template <class T>
struct Examples {
  std::span<const T> x;                 // (n, features) row-major
  std::span<const std::int32_t> labels; // (n) for classification, else empty
  std::span<const T> targets;           // (n, outputs) for regression, else empty
  std::size_t n = 0;
};

enum class LrUnit { step, epoch };
enum class PlateauMetric { train_loss, test_loss };

struct TrainConfig {
  int epochs = 10;
  int batch = 32;
  std::uint64_t seed = 0;            // shuffle stream: derive_seed(seed, "shuffle", epoch)
  LrUnit lr_unit = LrUnit::step;
  PlateauMetric plateau_metric = PlateauMetric::train_loss;
  int eval_every = 1;                // epochs between test evaluations (last always; every
                                     // epoch when reduce-on-plateau watches the test loss)
  std::int64_t max_steps = 0;        // > 0: stop after this many updates (a budget in steps: the
                                     // last epoch is partial, and is evaluated as the last)
  double explode_factor = 1e8;       // loss > factor * max(1, |first loss|) = diverged
                                     // (train::is_diverged, core/train/full_batch.hpp)
  bool record_lr_per_step = true;
};

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

struct EpochRecord {
  int epoch = 0;                     // 1-based
  std::int64_t steps = 0;            // updates completed after this epoch
  double train_loss = kNaN;          // mean of the epoch's batch losses, sample-weighted
  double train_accuracy = kNaN;      // classification only (on the training batches)
  double test_loss = kNaN;           // NaN when not evaluated this epoch
  double test_accuracy = kNaN;
  double lr_last = kNaN;             // LR of the epoch's last update
  double wall_s = 0;                 // since training started
};

struct TrainResult {
  std::string status = "ok";         // "ok" | "diverged"
  std::optional<std::int64_t> diverged_at_step;  // 1-based update whose loss broke
  std::vector<EpochRecord> epochs;   // includes a partial epoch of a diverged run
  std::vector<float> lr_per_step;    // the LR each update used (float: 4 B/step)
  std::vector<float> loss_per_step;  // each update's batch loss
  std::int64_t steps = 0;
  double train_seconds = 0;          // forward/backward/update only, no evaluation
  double samples_per_second = 0;
};

struct StepInfo {
  int epoch;                         // 1-based
  std::int64_t step_in_epoch, steps_per_epoch, step;
  double loss, lr;
};

struct Callbacks {
  std::function<void(const StepInfo&)> on_step;
  std::function<void(const EpochRecord&)> on_epoch;
};

// Loss and accuracy of `model` over `data`, in batches of the model's max batch.
template <class T>
models::EvalSums evaluate_all(models::Model<T>& model, const Examples<T>& data);

template <class T>
TrainResult train(models::Model<T>& model, const optim::Optimizer& opt,
                  const sched::Schedule& schedule, const Examples<T>& train_set,
                  const Examples<T>& test_set, const TrainConfig& config,
                  const Callbacks& callbacks = {});

}  // namespace lrb::train
