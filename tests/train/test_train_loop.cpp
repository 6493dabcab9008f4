// train::train, the mini-batch loop of `lrbench train` and the suites: the
// LR each update gets (lr_unit step vs epoch), what reduce-on-plateau
// watches, when the test set is evaluated (eval_every), what a diverged run
// keeps, and same seed -> same bits at any thread count.
#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "core/models/model.hpp"
#include "core/optim/optim.hpp"
#include "core/schedules/schedule.hpp"
#include "core/spec/spec.hpp"
#include "core/train/full_batch.hpp"
#include "core/train/train.hpp"
#include "datasets/rng.hpp"
#include "datasets/synthetic.hpp"

namespace {

using namespace lrb;

// y = 4 + 3x + N(0, 1) on a linear model: 100 training rows at batch 32 are
// 4 updates per epoch (the last one partial), 40 test rows.
struct Linear {
  models::Model<double> model;
  std::vector<double> x, y, xt, yt;
  train::Examples<double> train_set() const { return {x, {}, y, y.size()}; }
  train::Examples<double> test_set() const { return {xt, {}, yt, yt.size()}; }
};

Linear linear_problem(std::uint64_t seed) {
  Linear p{models::make_model<double>(models::model_from_spec(spec::parse("linear:in=1,bias=true")), 64),
           {}, {}, {}, {}};
  models::init_params<double>(p.model, models::init_from_spec(spec::parse("zeros")), seed);
  data::NoisyLinearSpec g;
  g.n = 140;
  const auto r = data::noisy_linear(g, data::derive_seed(seed, "data", 0));
  p.x.assign(r.x.begin(), r.x.begin() + 100);
  p.y.assign(r.y.begin(), r.y.begin() + 100);
  p.xt.assign(r.x.begin() + 100, r.x.end());
  p.yt.assign(r.y.begin() + 100, r.y.end());
  return p;
}

constexpr int kStepsPerEpoch = 4;

optim::Optimizer sgd(double lr) {
  return optim::optimizer_from_spec(spec::parse("sgd:lr=" + std::to_string(lr) + ",convention=keras"));
}

train::TrainResult run(Linear& p, const optim::Optimizer& o, const char* schedule, train::TrainConfig c) {
  const auto s = sched::schedule_from_spec(spec::parse(schedule), o.lr);
  return train::train<double>(p.model, o, s, p.train_set(), p.test_set(), c);
}

TEST(TrainLoop, LrUnitStepAdvancesTheScheduleEveryUpdate) {
  auto p = linear_problem(1);
  const auto o = sgd(0.05);
  const auto s = sched::schedule_from_spec(spec::parse("step_lr:step_size=1,gamma=0.5"), o.lr);
  const auto r = run(p, o, "step_lr:step_size=1,gamma=0.5", {.epochs = 3, .batch = 32});
  ASSERT_EQ(r.status, "ok");
  ASSERT_EQ(r.lr_per_step.size(), static_cast<size_t>(3 * kStepsPerEpoch));
  for (size_t k = 0; k < r.lr_per_step.size(); ++k)
    EXPECT_EQ(r.lr_per_step[k], static_cast<float>(sched::lr_at(s, static_cast<int64_t>(k)))) << k;
  for (const auto& e : r.epochs)
    EXPECT_EQ(e.lr_last, sched::lr_at(s, e.steps - 1)) << "epoch " << e.epoch;
}

TEST(TrainLoop, LrUnitEpochAdvancesTheScheduleOncePerEpoch) {
  auto p = linear_problem(1);
  const auto o = sgd(0.05);
  const auto s = sched::schedule_from_spec(spec::parse("step_lr:step_size=1,gamma=0.5"), o.lr);
  const auto r = run(p, o, "step_lr:step_size=1,gamma=0.5",
                     {.epochs = 3, .batch = 32, .lr_unit = train::LrUnit::epoch});
  ASSERT_EQ(r.lr_per_step.size(), static_cast<size_t>(3 * kStepsPerEpoch));
  for (size_t k = 0; k < r.lr_per_step.size(); ++k)
    EXPECT_EQ(r.lr_per_step[k], static_cast<float>(sched::lr_at(s, static_cast<int64_t>(k / kStepsPerEpoch))))
        << k;
  for (const auto& e : r.epochs) EXPECT_EQ(e.lr_last, sched::lr_at(s, e.epoch - 1));
}

// Reduce-on-plateau: every update of epoch e uses the LR after observing the
// metric of epochs 1 .. e-1, the train loss or the test loss as configured.
// threshold 0.5: only halving the metric counts as better, so the LR drops.
void expect_plateau_watches(train::PlateauMetric metric, int eval_every) {
  SCOPED_TRACE(metric == train::PlateauMetric::train_loss ? "train_loss" : "test_loss");
  auto p = linear_problem(2);
  const auto o = sgd(0.05);
  const char* text = "reduce_lr_on_plateau:factor=0.5,patience=0,threshold=0.5";
  const auto s = sched::schedule_from_spec(spec::parse(text), o.lr);
  const auto r = run(p, o, text,
                     {.epochs = 8, .batch = 32, .plateau_metric = metric, .eval_every = eval_every});
  ASSERT_EQ(r.status, "ok");
  std::vector<double> seen;
  int reductions = 0;
  for (const auto& e : r.epochs) {
    const double want = sched::plateau_lr(s, seen);
    for (int k = 0; k < kStepsPerEpoch; ++k)
      EXPECT_EQ(r.lr_per_step[static_cast<size_t>((e.epoch - 1) * kStepsPerEpoch + k)], static_cast<float>(want))
          << "epoch " << e.epoch;
    reductions += !seen.empty() && want < sched::plateau_lr(s, std::span(seen).first(seen.size() - 1));
    const double m = metric == train::PlateauMetric::train_loss ? e.train_loss : e.test_loss;
    EXPECT_TRUE(std::isfinite(m)) << "the watched metric was not measured in epoch " << e.epoch;
    seen.push_back(m);
  }
  EXPECT_GE(reductions, 2);
}

TEST(TrainLoop, PlateauWatchesTheTrainLoss) { expect_plateau_watches(train::PlateauMetric::train_loss, 1); }
TEST(TrainLoop, PlateauWatchesTheTestLoss) { expect_plateau_watches(train::PlateauMetric::test_loss, 1); }
TEST(TrainLoop, PlateauOnTheTestLossMeasuresItEveryEpochWhateverEvalEvery) {
  // A test loss that was not measured (NaN) would count as "not better".
  expect_plateau_watches(train::PlateauMetric::test_loss, 3);
}

TEST(TrainLoop, PlateauOnTheTestLossNeedsATestSet) {
  auto p = linear_problem(2);
  const auto o = sgd(0.05);
  const auto s = sched::schedule_from_spec(spec::parse("reduce_lr_on_plateau"), o.lr);
  EXPECT_THROW(train::train<double>(p.model, o, s, p.train_set(), {}, 
                                    {.epochs = 2, .batch = 32,
                                     .plateau_metric = train::PlateauMetric::test_loss}),
               std::invalid_argument);
}

TEST(TrainLoop, EvalEveryEvaluatesOnItsMultiplesAndTheLastEpoch) {
  auto p = linear_problem(3);
  const auto r = run(p, sgd(0.05), "constant", {.epochs = 7, .batch = 32, .eval_every = 3});
  ASSERT_EQ(r.epochs.size(), 7u);
  for (const auto& e : r.epochs) {
    const bool evaluated = e.epoch % 3 == 0 || e.epoch == 7;
    EXPECT_EQ(std::isfinite(e.test_loss), evaluated) << "epoch " << e.epoch;
    EXPECT_TRUE(std::isfinite(e.train_loss));
  }
}

TEST(TrainLoop, DivergenceStopsTheRunAndKeepsItsCurve) {
  auto p = linear_problem(4);
  int on_step = 0;
  const auto s = sched::Schedule{sched::Constant{3.0}};
  train::TrainConfig c{.epochs = 50, .batch = 32};
  const auto r = train::train<double>(p.model, sgd(3.0), s, p.train_set(), p.test_set(), c,
                                      {.on_step = [&](const train::StepInfo&) { ++on_step; }, .on_epoch = {}});
  ASSERT_EQ(r.status, "diverged");
  ASSERT_TRUE(r.diverged_at_step.has_value());
  EXPECT_EQ(*r.diverged_at_step, r.steps);
  EXPECT_GT(r.steps, 1);
  // Every update's LR and loss up to the broken one is kept; the broken loss
  // is the last entry and it broke the one rule (first loss: the first batch's).
  ASSERT_EQ(r.loss_per_step.size(), static_cast<size_t>(r.steps));
  EXPECT_EQ(r.lr_per_step.size(), static_cast<size_t>(r.steps));
  EXPECT_TRUE(train::is_diverged(r.loss_per_step.back(), r.loss_per_step.front(), c.explode_factor));
  for (size_t k = 0; k + 1 < r.loss_per_step.size(); ++k)
    EXPECT_FALSE(train::is_diverged(r.loss_per_step[k], r.loss_per_step.front(), c.explode_factor)) << k;
  EXPECT_EQ(on_step, r.steps - 1);  // the broken step is not reported as a step taken
  // The epoch it broke in is kept (partial), and nothing after it.
  ASSERT_FALSE(r.epochs.empty());
  EXPECT_EQ(r.epochs.back().steps, r.steps);
  EXPECT_EQ(r.epochs.back().epoch, static_cast<int>((r.steps - 1) / kStepsPerEpoch) + 1);
  EXPECT_LT(r.epochs.size(), 50u);
  for (const auto& v : p.model.params) EXPECT_TRUE(std::isfinite(v));  // the broken update was not applied
}

TEST(TrainLoop, ExplodeFactorIsTheOneRule) {
  // A finite loss above explode_factor x the first is divergence too.
  auto p = linear_problem(4);
  const auto s = sched::Schedule{sched::Constant{1.2}};
  train::TrainConfig c{.epochs = 50, .batch = 32, .explode_factor = 10};
  const auto r = train::train<double>(p.model, sgd(1.2), s, p.train_set(), p.test_set(), c);
  ASSERT_EQ(r.status, "diverged");
  EXPECT_TRUE(std::isfinite(r.loss_per_step.back()));
  EXPECT_GT(r.loss_per_step.back(), 10 * std::max(1.0f, std::fabs(r.loss_per_step.front())) * 0.999);
}

TEST(TrainLoop, SameSeedSameBitsAtAnyThreadCount) {
  // mlp004 in float32, forced onto the OpenMP team (min_parallel_macs 0).
  auto once = [](int threads, std::uint64_t seed = 7) {
    omp_set_num_threads(threads);
    auto m = models::make_model<float>(models::model_from_spec(spec::parse("mlp004")), 64);
    m.min_parallel_macs = 0;
    models::init_params<float>(m, models::init_from_spec(spec::parse("keras")), 7);
    data::TeacherMlpSpec g;
    g.n = 300;
    const auto d = data::teacher_mlp(g, data::derive_seed(7, "data", 0));
    const std::vector<float> x(d.x.begin(), d.x.end()), y(d.y.begin(), d.y.end());
    const train::Examples<float> tr{std::span(x).first(250 * 20), {}, std::span(y).first(250), 250};
    const train::Examples<float> te{std::span(x).subspan(250 * 20), {}, std::span(y).subspan(250), 50};
    const auto o = optim::optimizer_from_spec(spec::parse("adam:lr=0.01,convention=keras"));
    const auto s = sched::schedule_from_spec(spec::parse("cosine_decay:decay_steps=40"), o.lr);
    auto r = train::train<float>(m, o, s, tr, te, {.epochs = 4, .batch = 32, .seed = seed});
    return std::make_pair(std::vector<float>(m.params.begin(), m.params.end()), r);
  };
  const int saved = omp_get_max_threads();
  const auto [p1, r1] = once(1);
  const auto [p3, r3] = once(3);
  const auto [p1b, r1b] = once(1);
  auto same = [](const auto& a, const auto& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(a[0])) == 0;
  };
  EXPECT_TRUE(same(p1, p1b));
  EXPECT_TRUE(same(p1, p3));
  EXPECT_TRUE(same(r1.loss_per_step, r3.loss_per_step));
  EXPECT_TRUE(same(r1.lr_per_step, r3.lr_per_step));
  ASSERT_EQ(r1.epochs.size(), r3.epochs.size());
  for (size_t e = 0; e < r1.epochs.size(); ++e) {
    EXPECT_EQ(r1.epochs[e].train_loss, r3.epochs[e].train_loss);
    EXPECT_EQ(r1.epochs[e].test_loss, r3.epochs[e].test_loss);
  }
  omp_set_num_threads(saved);
  // Another shuffle seed gives other batches, so the checks above can fail.
  const auto [p8, r8] = once(1, 8);
  EXPECT_FALSE(same(r1.loss_per_step, r8.loss_per_step));
}

}  // namespace
