#include "core/train/train.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <stdexcept>

#include "core/train/batch.hpp"
#include "core/train/full_batch.hpp"
#include "datasets/sampling.hpp"

namespace lrb::train {
namespace {

template <class T>
void check_examples(const models::Model<T>& model, const Examples<T>& d, const char* what) {
  const bool classify = model.config.head == models::Head::softmax_ce;
  if (d.x.size() != d.n * model.input_size())
    throw std::invalid_argument(std::string(what) + ": x has " + std::to_string(d.x.size()) +
                                " values, expected n * " + std::to_string(model.input_size()));
  if (classify ? d.labels.size() != d.n : d.targets.size() != d.n * model.output_size())
    throw std::invalid_argument(std::string(what) + ": labels/targets do not match n = " +
                                std::to_string(d.n));
}

}  // namespace

template <class T>
models::EvalSums evaluate_all(models::Model<T>& model, const Examples<T>& data) {
  models::EvalSums total;
  const std::size_t features = model.input_size(), outputs = model.output_size();
  const std::size_t b = static_cast<std::size_t>(model.max_batch);
  for (std::size_t begin = 0; begin < data.n; begin += b) {
    const std::size_t count = std::min(b, data.n - begin);
    const auto x = data.x.subspan(begin * features, count * features);
    const auto labels = data.labels.empty() ? data.labels : data.labels.subspan(begin, count);
    const auto targets =
        data.targets.empty() ? data.targets : data.targets.subspan(begin * outputs, count * outputs);
    const auto s = models::evaluate<T>(model, x, labels, targets, static_cast<int>(count));
    total.loss_sum += s.loss_sum;
    total.correct += s.correct;
    total.count += s.count;
  }
  return total;
}

template <class T>
TrainResult train(models::Model<T>& model, const optim::Optimizer& opt,
                  const sched::Schedule& schedule, const Examples<T>& train_set,
                  const Examples<T>& test_set, const TrainConfig& config,
                  const Callbacks& callbacks) {
  if (config.batch < 1 || config.batch > model.max_batch)
    throw std::invalid_argument("batch must be in [1, model max_batch]");
  if (config.epochs < 1) throw std::invalid_argument("epochs must be >= 1");
  if (config.max_steps < 0) throw std::invalid_argument("max_steps must be >= 0");
  if (train_set.n == 0) throw std::invalid_argument("the training set is empty");
  check_examples(model, train_set, "training set");
  if (test_set.n) check_examples(model, test_set, "test set");
  sched::check_momentum_support(schedule, optim::has_momentum(opt), optim::has_beta1(opt));
  const bool metric_driven = sched::needs_metric(schedule);
  // Reduce-on-plateau on the test loss needs it measured every epoch (an
  // unmeasured one, NaN, would count as "not better").
  const bool plateau_on_test = metric_driven && config.plateau_metric == PlateauMetric::test_loss;
  if (plateau_on_test && test_set.n == 0)
    throw std::invalid_argument("reduce-on-plateau watches the test loss, but the test set is empty");

  const bool classify = model.config.head == models::Head::softmax_ce;
  const std::size_t features = model.input_size(), outputs = model.output_size();
  const std::size_t B = static_cast<std::size_t>(config.batch);
  std::vector<T> bx(B * features), by_t(classify ? 0 : B * outputs);
  std::vector<std::int32_t> by_l(classify ? B : 0);
  auto state = optim::make_state<T>(opt, model.params.size(), model.tensor_offsets,
                                    model.factor_dims);
  auto plateau = sched::plateau_init(schedule);
  // Schedule-free: the parameters hold y while training; between epochs (test
  // evaluation, the plateau's metric, on_epoch) and at the end they hold the
  // evaluation point x, y waiting here bit for bit.
  const bool eval_point = optim::has_eval_point(opt);
  Buffer<T> y_saved(eval_point ? model.params.size() : 0);
  const auto ranges = data::batch_ranges(train_set.n, B, data::LastBatch::keep);
  const std::int64_t steps_per_epoch = static_cast<std::int64_t>(ranges.size());

  TrainResult out;
  if (config.record_lr_per_step) {
    out.lr_per_step.reserve(static_cast<std::size_t>(steps_per_epoch * config.epochs));
    out.loss_per_step.reserve(out.lr_per_step.capacity());
  }
  const auto t_start = std::chrono::steady_clock::now();
  double train_seconds = 0, first_loss = kNaN;
  std::int64_t samples = 0;

  const auto budget_spent = [&] { return config.max_steps > 0 && out.steps >= config.max_steps; };
  for (int e = 0; e < config.epochs && out.status == "ok"; ++e) {
    if (eval_point && e > 0) std::copy(y_saved.begin(), y_saved.end(), model.params.begin());
    const auto order = data::epoch_order(train_set.n, config.seed, static_cast<std::uint64_t>(e));
    double loss_sum = 0;
    std::int64_t seen = 0;
    EpochRecord rec;
    rec.epoch = e + 1;
    for (std::int64_t s = 0; s < steps_per_epoch && !budget_spent(); ++s) {
      const auto r = ranges[static_cast<std::size_t>(s)];
      const std::size_t count = r.end - r.begin;
      gather(bx, by_l, by_t, train_set,
             std::span<const std::size_t>(order).subspan(r.begin, count), features, outputs);
      const std::int64_t k = out.steps;  // completed updates
      const std::int64_t t_sched = config.lr_unit == LrUnit::step ? k : e;
      const double lr = metric_driven ? sched::plateau_lr(plateau) : sched::lr_at(schedule, t_sched);
      const auto momentum = sched::momentum_at(schedule, t_sched);

      const auto t0 = std::chrono::steady_clock::now();
      const double loss = models::forward_backward<T>(
          model, std::span<const T>(bx.data(), count * features),
          std::span<const std::int32_t>(by_l.data(), classify ? count : 0),
          std::span<const T>(by_t.data(), classify ? 0 : count * outputs),
          static_cast<int>(count));
      if (std::isnan(first_loss)) first_loss = loss;
      const bool broke = is_diverged(loss, first_loss, config.explode_factor);
      if (!broke)
        optim::update<T>(model.params, model.grads, state, opt, lr, momentum,
                         model.tensor_offsets, model.factor_dims);
      train_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

      out.steps = k + 1;
      samples += static_cast<std::int64_t>(count);
      if (config.record_lr_per_step) {
        out.lr_per_step.push_back(static_cast<float>(lr));
        out.loss_per_step.push_back(static_cast<float>(loss));
      }
      rec.lr_last = lr;
      if (broke) {
        out.status = "diverged";
        out.diverged_at_step = out.steps;
        break;
      }
      loss_sum += loss * static_cast<double>(count);
      seen += static_cast<std::int64_t>(count);
      if (callbacks.on_step)
        callbacks.on_step({e + 1, s + 1, steps_per_epoch, out.steps, loss, lr});
    }
    rec.steps = out.steps;
    rec.train_loss = seen ? loss_sum / static_cast<double>(seen) : kNaN;
    if (eval_point) {
      std::copy(model.params.begin(), model.params.end(), y_saved.begin());
      optim::eval_point<T>(y_saved, state, opt, model.params);
    }
    const bool last = e + 1 == config.epochs || out.status != "ok" || budget_spent();
    if (test_set.n && out.status == "ok" &&
        ((e + 1) % config.eval_every == 0 || last || plateau_on_test)) {
      const auto s = evaluate_all(model, test_set);
      rec.test_loss = s.loss_sum / static_cast<double>(s.count);
      if (classify) rec.test_accuracy = static_cast<double>(s.correct) / static_cast<double>(s.count);
    }
    if (metric_driven && out.status == "ok") {
      const double metric =
          config.plateau_metric == PlateauMetric::test_loss ? rec.test_loss : rec.train_loss;
      sched::plateau_observe(plateau, schedule, metric);
    }
    rec.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
    out.epochs.push_back(rec);
    if (callbacks.on_epoch) callbacks.on_epoch(rec);
    if (last) break;
  }
  out.train_seconds = train_seconds;
  out.samples_per_second = train_seconds > 0 ? static_cast<double>(samples) / train_seconds : 0;
  return out;
}

template models::EvalSums evaluate_all<float>(models::Model<float>&, const Examples<float>&);
template models::EvalSums evaluate_all<double>(models::Model<double>&, const Examples<double>&);
template TrainResult train<float>(models::Model<float>&, const optim::Optimizer&,
                                  const sched::Schedule&, const Examples<float>&,
                                  const Examples<float>&, const TrainConfig&, const Callbacks&);
template TrainResult train<double>(models::Model<double>&, const optim::Optimizer&,
                                   const sched::Schedule&, const Examples<double>&,
                                   const Examples<double>&, const TrainConfig&, const Callbacks&);

}  // namespace lrb::train
