// train::run_full_batch, the loop of `lrbench trace` and suites 000, 002, 003:
// its points against a loop written out by hand (bit for bit), the LR each
// update uses, reduce-on-plateau and momentum cycling, and the one
// divergence rule (which losses it judges, where the run stops).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <optional>
#include <stdexcept>
#include <vector>

#include "core/optim/optim.hpp"
#include "core/problems/problems.hpp"
#include "core/schedules/schedule.hpp"
#include "core/spec/spec.hpp"
#include "core/train/full_batch.hpp"

namespace {

using namespace lrb;

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

optim::Optimizer opt_of(const char* text) { return optim::optimizer_from_spec(spec::parse(text)); }
sched::Schedule sched_of(const char* text, const optim::Optimizer& o) {
  return sched::schedule_from_spec(spec::parse(text), o.lr);
}

template <class T>
train::Objective<T> objective(const problems::Problem& p) {
  return [p](std::span<const T> x, std::span<T> g) { return problems::loss_and_grad<T>(p, x, g); };
}

template <class T>
bool same_bits(std::span<const T> a, std::span<const T> b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0;
}

struct Recorded {
  std::vector<std::vector<double>> x;  // per point (as double: exact for float)
  std::vector<double> loss;
  std::vector<std::optional<double>> lr;
  std::vector<bool> diverged;
};

template <class T>
Recorded record(const train::Objective<T>& f, std::vector<T> x0, const optim::Optimizer& o,
                const sched::Schedule& s, const train::FullBatchConfig& c,
                train::FullBatchResult<T>* result = nullptr) {
  Recorded r;
  const auto res = train::run_full_batch<T>(f, std::move(x0), o, s, c,
                                            [&](const train::FullBatchPoint<T>& p) {
                                              EXPECT_EQ(p.t, static_cast<int64_t>(r.x.size()));
                                              r.x.emplace_back(p.x.begin(), p.x.end());
                                              r.loss.push_back(static_cast<double>(p.loss));
                                              r.lr.push_back(p.lr);
                                              r.diverged.push_back(p.diverged);
                                            });
  if (result) *result = res;
  return r;
}

// The loop every caller used to write: update t uses lr_at(s, t - 1) and
// momentum_at(s, t - 1); the loss is taken before each update.
template <class T>
void expect_matches_hand_loop(const char* opt_text, const char* sched_text) {
  SCOPED_TRACE(std::string(opt_text) + " / " + sched_text);
  const problems::Problem prob{.kind = problems::Kind::rosenbrock, .dim = 2};
  const auto o = opt_of(opt_text);
  const auto s = sched_of(sched_text, o);
  const int steps = 60;
  train::FullBatchResult<T> res;
  const Recorded got = record<T>(objective<T>(prob), {T(-1.5), T(2)}, o, s, {.steps = steps}, &res);

  std::vector<T> x = {T(-1.5), T(2)}, g(2);
  auto state = optim::make_state<T>(o, 2);
  ASSERT_EQ(got.x.size(), static_cast<size_t>(steps + 1));
  for (int t = 0; t <= steps; ++t) {
    const T loss = problems::loss_and_grad<T>(prob, x, g);
    EXPECT_EQ(got.loss[t], static_cast<double>(loss)) << "t = " << t;
    EXPECT_EQ(got.x[t], std::vector<double>(x.begin(), x.end())) << "t = " << t;
    if (t == 0) EXPECT_FALSE(got.lr[t].has_value());
    else EXPECT_EQ(got.lr[t], sched::lr_at(s, t - 1)) << "t = " << t;
    if (t < steps) optim::update<T>(x, g, state, o, sched::lr_at(s, t), sched::momentum_at(s, t));
  }
  EXPECT_TRUE(same_bits<T>(res.x, x));
  EXPECT_EQ(res.steps, steps);
  EXPECT_TRUE(res.ok());
}

TEST(FullBatch, PointsMatchAHandWrittenLoopBitForBit) {
  expect_matches_hand_loop<float>("adam:lr=0.01,convention=keras", "cosine_annealing_lr:T_max=40");
  expect_matches_hand_loop<double>("adam:lr=0.01", "step_lr:step_size=7,gamma=0.5");
  expect_matches_hand_loop<float>("sgd:lr=0.0005,momentum=0.9", "warmup:steps=5,then=constant");
  // Momentum cycling: one_cycle_lr drives SGD's momentum through momentum_at.
  expect_matches_hand_loop<double>("sgd:lr=0.0001,momentum=0.9",
                                   "one_cycle_lr:max_lr=0.0005,total_steps=60");
}

TEST(FullBatch, MomentumCyclingChangesTheTrajectory) {
  // The same run with the schedule's momentum ignored ends elsewhere: the
  // runner must pass momentum_at on (the hand-loop test above then matters).
  const problems::Problem prob{.kind = problems::Kind::rosenbrock, .dim = 2};
  const auto o = opt_of("sgd:lr=0.0001,momentum=0.9");
  const auto s = sched_of("one_cycle_lr:max_lr=0.0005,total_steps=60", o);
  const auto res = train::run_full_batch<double>(objective<double>(prob), {-1.5, 2}, o, s, {.steps = 60});
  std::vector<double> x = {-1.5, 2}, g(2);
  auto state = optim::make_state<double>(o, 2);
  for (int t = 0; t < 60; ++t) {
    problems::loss_and_grad<double>(prob, x, g);
    optim::update<double>(x, g, state, o, sched::lr_at(s, t));  // momentum stays 0.9
  }
  EXPECT_NE(res.x, x);
}

TEST(FullBatch, PlateauObservesEachLossBeforeTheNextUpdate) {
  // Update t + 1 uses the LR after observing the losses of points 0 .. t - 1
  // (scheduler.step(loss) after optimizer.step(), the loss the gradient came
  // from).  threshold 0.5: only a halving counts as better, so the LR drops.
  const problems::Problem prob{.kind = problems::Kind::quadratic, .dim = 3, .cond = 10};
  const auto o = opt_of("sgd:lr=0.05");
  const auto s = sched_of("reduce_lr_on_plateau:factor=0.5,patience=1,threshold=0.5", o);
  const Recorded r = record<double>(objective<double>(prob), {0, 0, 0}, o, s, {.steps = 80});
  std::vector<double> seen;
  int reductions = 0;
  for (size_t t = 1; t < r.lr.size(); ++t) {
    const double want = sched::plateau_lr(s, seen);
    ASSERT_TRUE(r.lr[t].has_value());
    EXPECT_EQ(*r.lr[t], want) << "t = " << t;
    reductions += t > 1 && *r.lr[t] < *r.lr[t - 1];
    seen.push_back(r.loss[t - 1]);
  }
  EXPECT_GE(reductions, 2);  // the rule above was exercised, not just the constant LR
}

TEST(FullBatch, DivergenceRule) {
  EXPECT_FALSE(train::is_diverged(1e8, 0.5, 1e8));   // max(1, |first|) = 1: equal is not above
  EXPECT_TRUE(train::is_diverged(1.0000001e8, 0.5, 1e8));
  EXPECT_FALSE(train::is_diverged(2e8, -2, 1e8));    // |first| counts
  EXPECT_TRUE(train::is_diverged(kInf, 1, 1e8));
  EXPECT_TRUE(train::is_diverged(-kInf, 1, 1e8));
  EXPECT_TRUE(train::is_diverged(kNaN, 1, 1e8));
  EXPECT_FALSE(train::is_diverged(1e300, 1, train::kNoExplodeLimit));  // only non-finite
  EXPECT_TRUE(train::is_diverged(kInf, 1, train::kNoExplodeLimit));
}

// f(x) = x^2 walked uphill: x grows 3x per update (gd lr 1 on gradient -2x),
// so loss_t = 9^t; 9^8 = 4.3e7 < 1e8 < 9^9 = 3.9e8.
const train::Objective<double> kUphill = [](std::span<const double> x, std::span<double> g) {
  g[0] = -2 * x[0];
  return x[0] * x[0];
};

TEST(FullBatch, StopsAtTheFirstExplodingLossAndKeepsThePointsSoFar) {
  const auto o = opt_of("gd:lr=1");
  const auto s = sched::Schedule{sched::Constant{1.0}};
  train::FullBatchResult<double> res;
  const Recorded r = record<double>(kUphill, {1.0}, o, s, {.steps = 100}, &res);
  ASSERT_EQ(r.x.size(), 10u);  // points 0 .. 9
  EXPECT_EQ(res.diverged_at, 9);
  EXPECT_EQ(res.steps, 9);
  EXPECT_TRUE(r.diverged.back());
  for (size_t t = 0; t + 1 < r.diverged.size(); ++t) EXPECT_FALSE(r.diverged[t]);
  EXPECT_EQ(res.x[0], std::pow(3.0, 9));  // the broken point's parameters, not updated
  EXPECT_EQ(res.loss, std::pow(9.0, 9));

  // Only non-finite counts: the run goes on until x^2 overflows.
  const auto all = train::run_full_batch<double>(kUphill, {1.0}, o, s,
                                                 {.steps = 1000, .explode_factor = train::kNoExplodeLimit});
  ASSERT_TRUE(all.diverged_at.has_value());
  EXPECT_GT(*all.diverged_at, 300);  // 9^t overflows near t = 323
  EXPECT_TRUE(std::isinf(all.loss));
}

TEST(FullBatch, NonFiniteStartStopsAtPointZero) {
  const auto o = opt_of("gd:lr=1");
  const auto res = train::run_full_batch<double>(kUphill, {kNaN}, o, sched::Schedule{sched::Constant{1.0}},
                                                 {.steps = 5});
  EXPECT_EQ(res.diverged_at, 0);
  EXPECT_EQ(res.steps, 0);
}

TEST(FullBatch, JudgeLastLossFalseLeavesTheFinalLossUnjudged) {
  const auto o = opt_of("gd:lr=1");
  const auto s = sched::Schedule{sched::Constant{1.0}};
  // 9 updates: the loss after the last one, 9^9, is above the limit.
  const auto judged = train::run_full_batch<double>(kUphill, {1.0}, o, s, {.steps = 9});
  EXPECT_EQ(judged.diverged_at, 9);
  train::FullBatchResult<double> res;
  const Recorded r = record<double>(kUphill, {1.0}, o, s, {.steps = 9, .judge_last_loss = false}, &res);
  EXPECT_TRUE(res.ok());
  EXPECT_EQ(res.steps, 9);
  EXPECT_EQ(res.loss, std::pow(9.0, 9));  // computed and reported
  EXPECT_FALSE(r.diverged.back());
  // Losses before the last update are still judged.
  const auto early = train::run_full_batch<double>(kUphill, {1.0}, o, s, {.steps = 12, .judge_last_loss = false});
  EXPECT_EQ(early.diverged_at, 9);
}

TEST(FullBatch, ZeroStepsEvaluatesTheStartOnly) {
  const auto o = opt_of("sgd:lr=0.1");
  const problems::Problem prob{.kind = problems::Kind::quadratic, .dim = 2};
  const Recorded r = record<double>(objective<double>(prob), {0, 0}, o, sched::Schedule{sched::Constant{0.1}},
                                    {.steps = 0});
  ASSERT_EQ(r.x.size(), 1u);
  EXPECT_FALSE(r.lr[0].has_value());
}

TEST(FullBatch, RejectsBadArguments) {
  const auto adam = opt_of("adam:lr=0.1");
  const problems::Problem prob{.kind = problems::Kind::quadratic, .dim = 2};
  EXPECT_THROW(train::run_full_batch<double>(objective<double>(prob), {0, 0}, adam,
                                             sched::Schedule{sched::Constant{0.1}}, {.steps = -1}),
               std::invalid_argument);
  // cyclic_lr cycles momentum by default; Adam has none (PyTorch 1.13 raises too).
  EXPECT_THROW(train::run_full_batch<double>(
                   objective<double>(prob), {0, 0}, adam,
                   sched_of("cyclic_lr:base_lr=0.01,max_lr=0.1,step_size_up=5", adam), {.steps = 3}),
               spec::SpecError);
}

}  // namespace
