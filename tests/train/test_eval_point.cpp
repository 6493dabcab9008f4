// Schedule-free optimizers train at y and are evaluated at x (the average,
// optim::eval_point).  The loops must evaluate, report and return x, and the
// training trajectory must not depend on how often they evaluate: both loops
// against a loop written out by hand that never evaluates, bit for bit.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "core/models/model.hpp"
#include "core/optim/optim.hpp"
#include "core/problems/problems.hpp"
#include "core/schedules/schedule.hpp"
#include "core/spec/spec.hpp"
#include "core/train/batch.hpp"
#include "core/train/full_batch.hpp"
#include "core/train/train.hpp"
#include "datasets/rng.hpp"
#include "datasets/sampling.hpp"
#include "datasets/synthetic.hpp"

namespace {

using namespace lrb;

template <class T>
bool same_bits(std::span<const T> a, std::span<const T> b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0;
}

optim::Optimizer opt_of(const char* text) { return optim::optimizer_from_spec(spec::parse(text)); }

// ---------------------------------------------------------------------------
// train::train on an MLP regression: 120 training rows at batch 32 (4
// updates per epoch, the last partial), 40 test rows.

struct Data {
  std::vector<float> x, y;
  train::Examples<float> train_set() const { return {std::span(x).first(120 * 20), {}, std::span(y).first(120), 120}; }
  train::Examples<float> test_set() const { return {std::span(x).subspan(120 * 20), {}, std::span(y).subspan(120), 40}; }
};

Data teacher() {
  data::TeacherMlpSpec g;
  g.n = 160;
  const auto d = data::teacher_mlp(g, data::derive_seed(11, "data", 0));
  return {std::vector<float>(d.x.begin(), d.x.end()), std::vector<float>(d.y.begin(), d.y.end())};
}

models::Model<float> fresh_model() {
  auto m = models::make_model<float>(models::model_from_spec(spec::parse("mlp004")), 64);
  models::init_params<float>(m, models::init_from_spec(spec::parse("keras")), 11);
  return m;
}

double test_loss(models::Model<float>& m, const Data& d) {
  const auto s = train::evaluate_all<float>(m, d.test_set());
  return s.loss_sum / static_cast<double>(s.count);
}

TEST(EvalPoint, TrainEvaluatesAndReturnsTheAverageAndTrainsAsIfItNeverEvaluated) {
  const Data d = teacher();
  for (const char* text : {"sgd_schedule_free:lr=0.05", "adamw_schedule_free:lr=0.01,warmup_steps=3"}) {
    SCOPED_TRACE(text);
    const auto o = opt_of(text);
    const auto s = sched::schedule_from_spec(spec::parse("constant"), o.lr);
    const train::TrainConfig c{.epochs = 4, .batch = 32, .seed = 5};

    // train(): the parameters each on_epoch sees, and what it measures there.
    auto m = fresh_model();
    std::vector<std::vector<float>> seen;
    std::vector<double> seen_loss;
    const auto r = train::train<float>(
        m, o, s, d.train_set(), d.test_set(), c,
        {.on_step = {}, .on_epoch = [&](const train::EpochRecord&) {
           seen.emplace_back(m.params.begin(), m.params.end());
           seen_loss.push_back(test_loss(m, d));
         }});
    ASSERT_EQ(r.status, "ok");
    ASSERT_EQ(seen.size(), 4u);

    // The same training by hand, never evaluating.
    auto h = fresh_model();
    auto st = optim::make_state<float>(o, h.params.size());
    const auto tr = d.train_set();
    const auto ranges = data::batch_ranges(tr.n, 32, data::LastBatch::keep);
    std::vector<float> bx(32 * 20), by(32), x(h.params.size());
    std::vector<std::int32_t> no_labels;
    size_t k = 0;
    for (int e = 0; e < c.epochs; ++e) {
      const auto order = data::epoch_order(tr.n, c.seed, static_cast<std::uint64_t>(e));
      for (const auto& rg : ranges) {
        const size_t count = rg.end - rg.begin;
        train::gather(bx, no_labels, by, tr, std::span<const size_t>(order).subspan(rg.begin, count), 20, 1);
        const double loss = models::forward_backward<float>(
            h, std::span<const float>(bx).first(count * 20), {}, std::span<const float>(by).first(count),
            static_cast<int>(count));
        EXPECT_EQ(static_cast<float>(loss), r.loss_per_step.at(k++)) << "the trajectory moved";
        optim::update<float>(h.params, h.grads, st, o, o.lr, std::nullopt, h.tensor_offsets);
      }
      // What train() showed after this epoch is x, not the y the steps continue from.
      optim::eval_point<float>(h.params, st, o, x);
      EXPECT_TRUE(same_bits<float>(seen[static_cast<size_t>(e)], x)) << "epoch " << e + 1;
      EXPECT_FALSE(same_bits<float>(seen[static_cast<size_t>(e)], {h.params.begin(), h.params.end()}));
      // The record's test loss, and whatever the callback measured, are at x.
      EXPECT_EQ(r.epochs[static_cast<size_t>(e)].test_loss, seen_loss[static_cast<size_t>(e)]);
    }
    // train() returns with x in the parameters.
    EXPECT_TRUE(same_bits<float>({m.params.begin(), m.params.end()}, x));

    // Evaluating less often changes nothing either.
    auto m3 = fresh_model();
    auto c3 = c;
    c3.eval_every = 3;
    const auto r3 = train::train<float>(m3, o, s, d.train_set(), d.test_set(), c3);
    EXPECT_EQ(r3.loss_per_step, r.loss_per_step);
    EXPECT_TRUE(same_bits<float>({m3.params.begin(), m3.params.end()}, {m.params.begin(), m.params.end()}));
  }
}

// ---------------------------------------------------------------------------
// run_full_batch: every point is (x_t, f(x_t)); the gradient is taken at y_t.

TEST(EvalPoint, FullBatchReportsTheAverageAndItsLoss) {
  const problems::Problem prob{.kind = problems::Kind::rosenbrock, .dim = 2};
  const train::Objective<double> f = [&](std::span<const double> x, std::span<double> g) {
    return problems::loss_and_grad<double>(prob, x, g);
  };
  const auto o = opt_of("adamw_schedule_free:lr=0.01");
  const auto s = sched::schedule_from_spec(spec::parse("constant"), o.lr);
  std::vector<std::vector<double>> xs;
  std::vector<double> losses;
  const auto res = train::run_full_batch<double>(f, {-1.5, 2}, o, s, {.steps = 80},
                                                 [&](const train::FullBatchPoint<double>& p) {
                                                   xs.emplace_back(p.x.begin(), p.x.end());
                                                   losses.push_back(p.loss);
                                                 });
  ASSERT_TRUE(res.ok());
  // By hand: gradient at y, x never computed but for the comparison.
  std::vector<double> y = {-1.5, 2}, g(2), x(2), gx(2);
  auto st = optim::make_state<double>(o, 2);
  for (int t = 0; t <= 80; ++t) {
    optim::eval_point<double>(y, st, o, x);
    EXPECT_TRUE(same_bits<double>(xs[static_cast<size_t>(t)], x)) << "t " << t;
    EXPECT_EQ(losses[static_cast<size_t>(t)], f(x, gx)) << "t " << t;
    if (t > 1) {  // after step 1, c = 1 makes x = y = z
      EXPECT_NE(x[0], y[0]) << "t " << t;
    }
    if (t == 80) break;
    f(y, g);
    optim::update<double>(y, g, st, o, o.lr);
  }
  EXPECT_TRUE(same_bits<double>(res.x, x));
  EXPECT_EQ(res.loss, losses.back());
}

}  // namespace
