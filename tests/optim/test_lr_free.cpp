// Contracts of the schedule-free and LR-free optimizers (lr_free_optimizers.hpp)
// beyond the goldens and the registry-wide ones of test_optim.cpp:
//   * the evaluation point is the average x of the paper's recurrences (an
//     independent float64 computation of x and z), equals the parameters
//     before the first step and for every other optimizer, and reading it
//     never changes the trajectory
//   * the early returns: all-zero gradients, lr = 0, D-Adapt SGD's zero |g_0|
//   * the sums over all parameters give the same bits on 1, 2 and 3 threads
//   * which optimizers accept a momentum (beta1) override
#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "core/optim/optim.hpp"
#include "core/problems/problems.hpp"
#include "core/spec/spec.hpp"

namespace lrb::optim {
namespace {

Optimizer opt_of(const std::string& text) { return optimizer_from_spec(spec::parse(text)); }

template <class T>
bool same_bits(const std::vector<T>& a, const std::vector<T>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0;
}

TEST(EvalPoint, OnlyScheduleFreeHasOne) {
  for (const auto& info : optimizer_catalog()) {
    const Optimizer o = opt_of(info.name);
    const bool sf = info.name == "sgd_schedule_free" || info.name == "adamw_schedule_free";
    EXPECT_EQ(has_eval_point(o), sf) << info.name;
    // Every optimizer's eval point after a few steps: x for schedule-free
    // (differs from y), the parameters themselves otherwise.
    std::vector<double> p = {0.5, -1.0, 2.0}, g(3), x(3);
    auto st = make_state<double>(o, 3);
    for (int k = 0; k < 3; ++k) {
      for (int i = 0; i < 3; ++i) g[i] = p[i] - 1.0 + 0.1 * k;
      update<double>(p, g, st, o, 0.01);
    }
    eval_point<double>(p, st, o, x);
    EXPECT_EQ(same_bits(x, p), !sf) << info.name;
  }
}

TEST(EvalPoint, BeforeTheFirstStepIsTheParameters) {
  const Optimizer o = opt_of("adamw_schedule_free");
  const std::vector<float> p = {1.5f, -2.0f};
  std::vector<float> x(2);
  const auto st = make_state<float>(o, 2);
  eval_point<float>(p, st, o, x);
  EXPECT_TRUE(same_bits(x, p));
  std::vector<float> wrong(3);
  EXPECT_THROW(eval_point<float>(p, st, o, wrong), std::invalid_argument);
}

// The paper's three sequences written out in float64 (section 2, eq. 1-3,
// with the code's weights c = lr_max^2 / sum lr_max^2 and a warmup):
//   z_{t+1} = z_t - lr_t (g(y_t) + wd y_t),  x_{t+1} = (1 - c) x_t + c z_{t+1},
//   y_{t+1} = (1 - b) z_{t+1} + b x_{t+1}.
// lrbench keeps only y and z and recovers x = lerp(y, z, 1 - 1/b); both must
// be the same points up to rounding.
TEST(EvalPoint, IsTheAverageOfThePapersRecurrences) {
  const auto prob = problems::problem_from_spec(spec::parse("quadratic:dim=5,cond=100"));
  for (const char* text : {"sgd_schedule_free:lr=0.01,warmup_steps=10,weight_decay=0.01",
                           "sgd_schedule_free:lr=0.01,momentum=0.5"}) {
    SCOPED_TRACE(text);
    const Optimizer o = opt_of(text);
    const auto& h = std::get<SgdScheduleFreeHyper>(o.hyper);
    std::vector<double> y = {3, -1, 3, -1, 3}, g(5), xe(5);
    std::vector<double> x_ref = y, z_ref = y;
    auto st = make_state<double>(o, 5);
    double weight_sum = 0, lr_max = -1;
    for (int t = 0; t < 600; ++t) {
      problems::loss_and_grad<double>(prob, y, g);
      const double lr_t = o.lr * (t < h.warmup_steps ? (t + 1.0) / h.warmup_steps : 1.0);
      lr_max = std::max(lr_max, lr_t);
      weight_sum += lr_max * lr_max;
      const double c = lr_max * lr_max / weight_sum;
      for (int i = 0; i < 5; ++i) {
        z_ref[i] -= lr_t * (g[i] + h.weight_decay * y[i]);
        x_ref[i] = (1 - c) * x_ref[i] + c * z_ref[i];
      }
      update<double>(y, g, st, o, o.lr);
      eval_point<double>(y, st, o, xe);
      for (int i = 0; i < 5; ++i) {
        ASSERT_NEAR(xe[i], x_ref[i], 1e-12 * std::max(1.0, std::abs(x_ref[i]))) << "t " << t;
        ASSERT_NEAR(y[i], (1 - h.momentum) * z_ref[i] + h.momentum * x_ref[i], 1e-12) << "t " << t;
      }
    }
    // The run went somewhere: |x - x*|^2 from 12 at the start.
    double ex = 0;
    for (int i = 0; i < 5; ++i) ex += (xe[i] - 1) * (xe[i] - 1);
    EXPECT_LT(ex, 1.0);
  }
}

TEST(EvalPoint, ReadingItDoesNotChangeTheTrajectory) {
  for (const char* text : {"sgd_schedule_free:lr=0.1,momentum=0.5", "adamw_schedule_free"}) {
    SCOPED_TRACE(text);
    const Optimizer o = opt_of(text);
    std::vector<float> a = {0.5f, -1.0f, 2.0f, 0.25f}, b = a, g(4), x(4);
    auto sa = make_state<float>(o, 4), sb = make_state<float>(o, 4);
    for (int k = 0; k < 50; ++k) {
      for (int i = 0; i < 4; ++i) g[i] = a[i] * static_cast<float>(i + 1) - 1.0f;
      update<float>(a, g, sa, o, o.lr);
      eval_point<float>(a, sa, o, x);  // every step in run a, never in run b
      update<float>(b, g, sb, o, o.lr);
    }
    EXPECT_TRUE(same_bits(a, b));
    EXPECT_EQ(std::memcmp(sa.arena.data(), sb.arena.data(), sa.arena.size() * sizeof(float)), 0);
  }
}

// ---------------------------------------------------------------------------
// Early returns, as the authors' code takes them.

TEST(LrFree, AllZeroGradientsChangeNoParameter) {
  // Decoupled weight decay would move p: the code returns before it (sum |s| == 0).
  for (const char* text : {"d_adapt_adam:weight_decay=0.1,decouple=true",
                           "prodigy:weight_decay=0.1", "d_adapt_sgd:weight_decay=0.1"}) {
    SCOPED_TRACE(text);
    const Optimizer o = opt_of(text);
    const std::vector<double> p0 = {0.5, -1.0, 2.0};
    std::vector<double> p = p0, zero(3, 0.0), g = {1.0, -2.0, 0.5};
    auto st = make_state<double>(o, 3);
    for (int k = 0; k < 3; ++k) update<double>(p, zero, st, o, o.lr);
    EXPECT_TRUE(same_bits(p, p0));
    EXPECT_EQ(st.lr_free.k, 0);  // no step counted: the bias correction starts at t = 1 later
    EXPECT_EQ(st.lr_free.d, 1e-6);
    EXPECT_EQ(st.step, 3);       // update() calls
    update<double>(p, g, st, o, o.lr);
    EXPECT_EQ(st.lr_free.k, 1);
    EXPECT_FALSE(same_bits(p, p0));
  }
}

TEST(LrFree, ZeroLrChangesNothingButTakesTheStartPoint) {
  for (const char* text : {"d_adapt_adam", "d_adapt_sgd", "prodigy"}) {
    SCOPED_TRACE(text);
    const Optimizer o = opt_of(text);
    const std::vector<float> p0 = {0.5f, -1.0f};
    std::vector<float> p = p0, g = {1.0f, -2.0f};
    auto st = make_state<float>(o, 2);
    const auto arena0 = st.arena;
    update<float>(p, g, st, o, 0.0);
    EXPECT_TRUE(same_bits(p, p0));
    EXPECT_EQ(st.lr_free.k, 0);
    if (std::string(text) == "prodigy") {
      // p0 (slot 1) is the parameters of the first call, whatever its LR.
      EXPECT_EQ(st.arena[2], 0.5f);
      EXPECT_EQ(st.arena[3], -1.0f);
    } else {
      EXPECT_TRUE(std::equal(st.arena.begin(), st.arena.end(), arena0.begin()));
    }
  }
}

TEST(LrFree, DAdaptSgdMeasuresTheFirstNonZeroGradient) {
  const Optimizer o = opt_of("d_adapt_sgd");
  std::vector<double> p = {1.0, 2.0}, zero(2, 0.0), g = {3.0, 4.0};
  auto st = make_state<double>(o, 2);
  update<double>(p, zero, st, o, 1.0);  // the code: ZeroDivisionError
  EXPECT_EQ(st.lr_free.k, 0);
  EXPECT_FALSE(st.lr_free.started);
  update<double>(p, g, st, o, 1.0);
  EXPECT_EQ(st.lr_free.g0_norm, 5.0);
  // dlr = d0 * lr / |g0|: s = dlr g, p = x0 - s.
  EXPECT_EQ(p[0], 1.0 - (1e-6 / 5.0) * 3.0);
  EXPECT_EQ(st.lr_free.k, 1);
}

// ---------------------------------------------------------------------------

// The sums run over chunks of 4096 elements, partials combined in chunk
// order: 641 chunks with a ragged last one, tensors cutting across chunks.
TEST(LrFree, SumsAreTheSameBitsOnAnyThreadCount) {
  constexpr size_t n = 256 * 4096 * 2 + 4096 * 128 + 1234;
  const std::vector<size_t> offsets = {0, 1000, 2000000};
  for (const char* text : {"d_adapt_adam:weight_decay=0.01", "d_adapt_sgd:momentum=0.9",
                           "prodigy:weight_decay=0.01,decouple=false"}) {
    SCOPED_TRACE(text);
    const Optimizer o = opt_of(text);
    auto run = [&](int threads) {
      const int saved = omp_get_max_threads();
      omp_set_num_threads(threads);
      std::vector<float> p(n), g(n);
      for (size_t i = 0; i < n; ++i) p[i] = 0.001f * static_cast<float>(i % 1999) - 1.0f;
      auto st = make_state<float>(o, n);
      for (int k = 0; k < 3; ++k) {
        for (size_t i = 0; i < n; ++i)
          g[i] = p[i] * 0.5f + 0.01f * static_cast<float>((i * 7 + k) % 13) - 0.06f;
        update<float>(p, g, st, o, o.lr, std::nullopt, offsets);
      }
      omp_set_num_threads(saved);
      return std::make_pair(p, st);
    };
    const auto [p1, s1] = run(1);
    for (int threads : {2, 3}) {
      const auto [p, s] = run(threads);
      EXPECT_TRUE(same_bits(p, p1)) << threads << " threads";
      EXPECT_EQ(std::memcmp(&s.lr_free.d, &s1.lr_free.d, sizeof(double)), 0) << threads;
      EXPECT_EQ(std::memcmp(&s.lr_free.numerator, &s1.lr_free.numerator, sizeof(double)), 0)
          << threads;
    }
    EXPECT_GT(s1.lr_free.d, 1e-6);  // the estimate moved
  }
}

TEST(LrFree, MomentumOverride) {
  std::vector<double> p = {1.0, 2.0}, g = {0.5, -0.5};
  for (const char* text : {"sgd_schedule_free", "adamw_schedule_free", "d_adapt_sgd:momentum=0.9",
                           "prodigy:betas=[0,0.999]"}) {
    const Optimizer o = opt_of(text);
    auto st = make_state<double>(o, 2);
    EXPECT_FALSE(has_momentum(o) || has_beta1(o)) << text;
    EXPECT_THROW(update<double>(p, g, st, o, 0.1, 0.9), std::invalid_argument) << text;
  }
  for (const char* text : {"d_adapt_adam", "prodigy"}) {
    const Optimizer o = opt_of(text);
    auto st = make_state<double>(o, 2);
    EXPECT_TRUE(has_beta1(o)) << text;
    EXPECT_NO_THROW(update<double>(p, g, st, o, 1.0, 0.85)) << text;
  }
}

}  // namespace
}  // namespace lrb::optim
