// The LR range test: it restores what it touched bit for bit, it is
// deterministic, it stops where training blows up, and its suggestion rule
// picks the steepest fall before the minimum.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "core/models/model.hpp"
#include "core/optim/optim.hpp"
#include "core/spec/spec.hpp"
#include "core/train/lr_range.hpp"
#include "core/train/train.hpp"
#include "datasets/rng.hpp"
#include "datasets/synthetic.hpp"

namespace {

using namespace lrb;

struct Problem {
  models::Model<float> model;
  std::vector<float> x, y;
  train::Examples<float> examples() const { return {x, {}, y, y.size()}; }
};

Problem mlp004_problem(std::uint64_t seed) {
  Problem p{models::make_model<float>(models::model_from_spec(spec::parse("mlp004")), 64), {}, {}};
  models::init_params<float>(p.model, models::init_from_spec(spec::parse("keras")), seed);
  data::TeacherMlpSpec g;
  g.n = 512;
  const auto r = data::teacher_mlp(g, data::derive_seed(seed, "data", 0));
  p.x.assign(r.x.begin(), r.x.end());
  p.y.assign(r.y.begin(), r.y.end());
  return p;
}

template <class V>
bool same_bits(const V& a, const V& b) {
  return a.size() == b.size() &&
         std::memcmp(a.data(), b.data(), a.size() * sizeof(a[0])) == 0;
}

TEST(LrRange, LeavesModelAndOptimizerStateExactlyAsFound) {
  // prodigy: its scalar state (d, the numerator, its step counter) too.
  for (const char* text : {"adam:lr=0.001,convention=keras", "prodigy"}) {
  SCOPED_TRACE(text);
  auto p = mlp004_problem(1);
  const auto opt = optim::optimizer_from_spec(spec::parse(text));
  auto state = optim::make_state<float>(opt, p.model.params.size());
  // A state that is not fresh: a few real updates first.
  train::TrainConfig tc;
  tc.epochs = 1;
  for (int i = 0; i < 3; ++i) {
    models::forward_backward<float>(p.model, std::span<const float>(p.x).subspan(0, 20 * 32), {},
                                    std::span<const float>(p.y).subspan(0, 32), 32);
    optim::update<float>(p.model.params, p.model.grads, state, opt, 0.01);
  }
  const auto params = p.model.params, grads = p.model.grads;
  const auto saved = state;
  train::LrRangeConfig c;
  c.steps = 60;
  c.lr_max = 100;  // far into divergence: the test must stop and still restore
  const auto r = train::lr_range_test<float>(p.model, state, opt, p.examples(), c);
  // Adam stops; Prodigy's step is lr * d with d from 1e-6: lr 100 does not blow it up.
  EXPECT_EQ(r.stopped_early, std::string(text) == "adam:lr=0.001,convention=keras");
  EXPECT_TRUE(same_bits(p.model.params, params));
  EXPECT_TRUE(same_bits(p.model.grads, grads));
  EXPECT_TRUE(same_bits(state.arena, saved.arena));
  EXPECT_EQ(state.step, saved.step);
  EXPECT_EQ(state.mu_product, saved.mu_product);
  EXPECT_EQ(state.lr_free.k, saved.lr_free.k);
  EXPECT_EQ(state.lr_free.d, saved.lr_free.d);
  EXPECT_EQ(state.lr_free.numerator, saved.lr_free.numerator);
  }
}

TEST(LrRange, RestoresAlsoWhenInterruptedByAnException) {
  auto p = mlp004_problem(2);
  const auto opt = optim::optimizer_from_spec(spec::parse("sgd:lr=0.01,momentum=0.9"));
  auto state = optim::make_state<float>(opt, p.model.params.size());
  const auto params = p.model.params;
  train::LrRangeConfig c;
  c.steps = 50;
  EXPECT_THROW(train::lr_range_test<float>(p.model, state, opt, p.examples(), c,
                                           [](int k, double, double) {
                                             if (k == 20) throw std::runtime_error("interrupted");
                                           }),
               std::runtime_error);
  EXPECT_TRUE(same_bits(p.model.params, params));
  EXPECT_EQ(state.step, 0);
  for (float v : state.arena) EXPECT_EQ(v, 0.0f);
}

TEST(LrRange, SameSeedSameBitsAndLrGrowsGeometrically) {
  auto a = mlp004_problem(3), b = mlp004_problem(3);
  const auto opt = optim::optimizer_from_spec(spec::parse("sgd:lr=0.01"));
  auto sa = optim::make_state<float>(opt, a.model.params.size());
  auto sb = optim::make_state<float>(opt, b.model.params.size());
  train::LrRangeConfig c;
  c.lr_min = 1e-5;
  c.lr_max = 1e-1;
  c.steps = 41;
  c.stop_factor = 1e9;  // no early stop: the full LR grid
  const auto ra = train::lr_range_test<float>(a.model, sa, opt, a.examples(), c);
  const auto rb = train::lr_range_test<float>(b.model, sb, opt, b.examples(), c);
  EXPECT_TRUE(same_bits(ra.loss, rb.loss));
  EXPECT_EQ(ra.suggested_lr, rb.suggested_lr);
  ASSERT_EQ(ra.lr.size(), 41u);
  EXPECT_DOUBLE_EQ(ra.lr.front(), 1e-5);
  EXPECT_NEAR(ra.lr.back(), 1e-1, 1e-15);
  EXPECT_NEAR(ra.lr[10], 1e-4, 1e-18);  // 10 steps per decade
}

TEST(LrRange, SuggestionLiesBelowTheLrWhereTrainingBlowsUp) {
  auto p = mlp004_problem(4);
  const auto opt = optim::optimizer_from_spec(spec::parse("sgd:lr=0.01"));
  auto state = optim::make_state<float>(opt, p.model.params.size());
  train::LrRangeConfig c;
  c.lr_min = 1e-6;
  c.lr_max = 100;
  c.steps = 200;
  const auto r = train::lr_range_test<float>(p.model, state, opt, p.examples(), c);
  ASSERT_TRUE(r.stopped_early) << "SGD at lr 100 on an MLP must blow up";
  const double blew_up_at = r.lr.back();
  EXPECT_LT(r.suggested_lr, r.min_loss_lr);
  EXPECT_LT(r.min_loss_lr, blew_up_at);
  EXPECT_GT(r.suggested_lr, c.lr_min);
  // The smoothed loss at the suggestion is below the starting loss: it learns there.
  EXPECT_LT(*std::min_element(r.smoothed.begin(), r.smoothed.end()), r.smoothed.front());
}

TEST(LrRange, SuggestRuleOnAKnownCurve) {
  // Smoothed loss: flat, then falls fastest around lr = 1e-2, minimum at 1e-1, rises.
  train::LrRangeResult r;
  for (int k = 0; k <= 40; ++k) {
    const double e = -5 + 0.125 * k;  // log10 lr from -5 to 0
    r.lr.push_back(std::pow(10.0, e));
    const double fall = 1.0 / (1.0 + std::exp(-4 * (e + 2)));  // steepest at e = -2
    r.smoothed.push_back(2.0 - fall + (e > -1 ? 5 * (e + 1) * (e + 1) : 0.0));
  }
  r.loss = r.smoothed;
  train::suggest(r);
  EXPECT_NEAR(std::log10(r.suggested_lr), -2.0, 0.13);
  EXPECT_NEAR(std::log10(r.min_loss_lr), -1.0, 0.26);
  EXPECT_DOUBLE_EQ(r.min_over_ten_lr, r.min_loss_lr / 10);
  EXPECT_FALSE(r.rule.empty());
}

TEST(LrRange, NoiseOnTheFlatStartDoesNotWin) {
  // As in a real test: the smoothed loss is noisiest early (the average has
  // seen few batches), the start is long and flat (lr 1e-7 .. 1e-3), the real
  // fall gentle (1.0 over about four decades, steepest at 1e-2), minimum near 1e-1.
  // Past the warm-up, early noise is steeper per decade than the fall: only
  // where the search starts keeps the suggestion off the flat part.
  train::LrRangeResult r;
  for (int k = 0; k < 100; ++k) {
    const double e = -7 + 8.0 * k / 99;  // log10 lr from -7 to 1
    r.lr.push_back(std::pow(10.0, e));
    const double noise = 0.7 / std::sqrt(k + 1.0) * ((k * 7919) % 13 - 6) / 6.0;
    const double fall = 1.0 / (1.0 + std::exp(-(e + 2)));
    r.smoothed.push_back(2.0 + noise - fall + (e > -1 ? 2 * (e + 1) * (e + 1) : 0.0));
  }
  r.loss = r.smoothed;
  train::suggest(r);
  EXPECT_GT(r.suggested_lr, 1e-3) << "picked a noise jump on the flat start";
  EXPECT_LT(r.suggested_lr, r.min_loss_lr);
}

TEST(LrRange, BadConfigIsRefusedWithTheFieldNamed) {
  train::LrRangeConfig c;
  c.lr_max = c.lr_min;
  EXPECT_THROW(train::check(c), std::invalid_argument);
  c = {};
  c.steps = 2;
  EXPECT_THROW(train::check(c), std::invalid_argument);
  c = {};
  c.smoothing = 1.0;
  EXPECT_THROW(train::check(c), std::invalid_argument);
  c = {};
  c.stop_factor = 1.0;
  EXPECT_THROW(train::check(c), std::invalid_argument);
}

}  // namespace
