// lr_at / momentum_at / plateau fold.  Formulas: schedule.hpp.  Where PyTorch
// has a closed form (_get_closed_form_lr) we follow its operation order; for
// OneCycleLR and CyclicLR (closed forms in PyTorch already) the order is the
// same as in get_lr(), so those agree to the last bit or two.
#include <cmath>
#include <limits>
#include <numbers>
#include <string>

#include "core/schedules/schedule.hpp"
#include "core/spec/params.hpp"

namespace lrb::sched {
namespace {

using spec::SpecError;
constexpr double kPi = std::numbers::pi;  // == Python's math.pi

double count_le(const std::vector<int64_t>& sorted, int64_t t) {
  // bisect_right: number of entries <= t
  int64_t n = 0;
  for (int64_t m : sorted) n += (m <= t);
  return static_cast<double>(n);
}

// ---- Keras schedules, templated on the evaluation dtype --------------------------
// Op sequence as keras/src/optimizers/schedules/learning_rate_schedule.py
// (Keras 3); Python-float constants are cast to T where Keras casts them.
template <class T>
T keras_lr(const ExponentialDecay& d, int64_t k) {
  const T lr0 = T(d.initial_learning_rate), D = T(d.decay_steps), r = T(d.decay_rate);
  T p = T(k) / D;
  if (d.staircase) p = std::floor(p);
  return lr0 * std::pow(r, p);
}

template <class T>
T keras_lr(const PiecewiseConstantDecay& d, int64_t k) {
  const auto& b = d.boundaries;
  if (k <= b.front()) return T(d.values.front());
  if (k > b.back()) return T(d.values.back());
  for (size_t i = 1; i < b.size(); ++i)
    if (k > b[i - 1] && k <= b[i]) return T(d.values[i]);
  return T(d.values.back());  // unreachable: boundaries strictly increasing
}

template <class T>
T keras_lr(const PolynomialDecay& d, int64_t k) {
  const T lr0 = T(d.initial_learning_rate), end = T(d.end_learning_rate), p = T(d.power);
  T step = T(k), D = T(d.decay_steps);
  if (d.cycle) {
    const T mult = step == T(0) ? T(1) : std::ceil(step / T(d.decay_steps));
    D = D * mult;
  } else {
    step = std::min(step, D);
  }
  const T frac = step / D;
  return (lr0 - end) * std::pow(T(1) - frac, p) + end;
}

template <class T>
T keras_lr(const InverseTimeDecay& d, int64_t k) {
  const T lr0 = T(d.initial_learning_rate), D = T(d.decay_steps), r = T(d.decay_rate);
  T p = T(k) / D;
  if (d.staircase) p = std::floor(p);
  return lr0 / (T(1) + r * p);
}

template <class T>
T keras_cos_decay(const CosineDecay& d, T step, T D, T from) {
  const T frac = step / D;
  const T cd = T(0.5) * (T(1) + std::cos(T(kPi) * frac));
  const T decayed = T(1.0 - d.alpha) * cd + T(d.alpha);  // Python floats: weak-typed
  return from * decayed;
}

template <class T>
T keras_lr(const CosineDecay& d, int64_t k) {
  const T lr0 = T(d.initial_learning_rate), D = T(d.decay_steps);
  T step = T(k);
  if (!d.warmup_target) return keras_cos_decay<T>(d, std::min(step, D), D, lr0);
  const T target = T(*d.warmup_target), W = T(d.warmup_steps);
  step = std::min(step, D + W);
  if (step < W) return (target - lr0) * (step / W) + lr0;
  return keras_cos_decay<T>(d, step - W, D, target);
}

template <class T>
T keras_lr(const CosineDecayRestarts& d, int64_t k) {
  const T lr0 = T(d.initial_learning_rate), D = T(d.first_decay_steps), alpha = T(d.alpha),
          t_mul = T(d.t_mul), m_mul = T(d.m_mul);
  T frac = T(k) / D;
  T i_restart;
  if (t_mul == T(1)) {
    i_restart = std::floor(frac);
    frac -= i_restart;
  } else {
    i_restart = std::floor(std::log(T(1) - frac * (T(1) - t_mul)) / std::log(t_mul));
    const T sum_r = (T(1) - std::pow(t_mul, i_restart)) / (T(1) - t_mul);
    frac = (frac - sum_r) / std::pow(t_mul, i_restart);
  }
  const T m_fac = std::pow(m_mul, i_restart);
  const T cd = T(0.5) * m_fac * (T(1) + std::cos(T(kPi) * frac));
  const T decayed = (T(1) - alpha) * cd + alpha;
  return lr0 * decayed;
}

// Warmup-stable-decay, schedule.hpp (Hagele et al. 2024, sec. 3 eq. 1).
double wsd(const Wsd& w, int64_t t) {
  const int64_t hold_end = w.total_steps - w.decay_steps;
  double factor = 1.0;
  if (t < w.warmup_steps) {
    factor = w.start_factor + (1 - w.start_factor) * static_cast<double>(t) /
                                  static_cast<double>(w.warmup_steps);
  } else if (t >= w.total_steps) {
    factor = w.final_lr_factor;
  } else if (t >= hold_end) {
    const double p = static_cast<double>(t - hold_end) / static_cast<double>(w.decay_steps);
    double c = 0;
    switch (w.shape) {
      case WsdShape::linear: c = 1 - p; break;
      case WsdShape::cosine: c = (1 + std::cos(kPi * p)) / 2; break;
      case WsdShape::one_minus_sqrt: c = 1 - std::sqrt(p); break;
    }
    factor = w.final_lr_factor + (1 - w.final_lr_factor) * c;
  }
  return w.base_lr * factor;
}

// Composites evaluate their children one level deeper; schedule_from_spec
// builds at most kMaxDepth levels, and a Schedule built in code deeper than
// that is refused here rather than exhausting the stack.
constexpr int kMaxDepth = spec::kMaxNesting;
double lr_impl(const Schedule& s, int64_t t, Precision prec, int depth = 0);

// tf.keras legacy optimizer `_decayed_lr`: lr_t / (1 + decay_t * local_step),
// in the variable dtype.
template <class T>
T keras_legacy(const KerasLegacyDecay& d, int64_t k, Precision prec, int depth) {
  const T lr = d.then.empty() ? T(d.base_lr) : T(lr_impl(d.then.front(), k, prec, depth + 1));
  return lr / (T(1) + T(d.decay) * T(k));
}

template <class S>
double keras_eval(const S& x, int64_t t, Precision prec) {
  return prec == Precision::f32 ? static_cast<double>(keras_lr<float>(x, t))
                                : keras_lr<double>(x, t);
}

// OneCycleLR.get_lr(): returns {lr, momentum}.
std::pair<double, double> one_cycle(const OneCycleLR& c, int64_t t) {
  if (t > c.total_steps)
    throw SpecError("one_cycle_lr: step " + std::to_string(t) + " is past total_steps=" +
                    std::to_string(c.total_steps) +
                    " (PyTorch raises ValueError: tried to step " + std::to_string(t + 1) +
                    " times)");
  const double T = static_cast<double>(c.total_steps);
  const double initial = c.max_lr / c.div_factor;
  const double min_lr = initial / c.final_div_factor;
  struct Phase { double end; double lr0, lr1, m0, m1; };
  const double mx = c.max_momentum, mb = c.base_momentum;
  Phase ph[3];
  int n;
  if (c.three_phase) {
    ph[0] = {c.pct_start * T - 1, initial, c.max_lr, mx, mb};
    ph[1] = {2 * c.pct_start * T - 2, c.max_lr, initial, mb, mx};
    ph[2] = {T - 1, initial, min_lr, mx, mx};
    n = 3;
  } else {
    ph[0] = {c.pct_start * T - 1, initial, c.max_lr, mx, mb};
    ph[1] = {T - 1, c.max_lr, min_lr, mb, mx};
    n = 2;
  }
  auto anneal = [&](double a, double b, double p) {
    if (c.anneal_strategy == Anneal::cos) {
      const double cos_out = std::cos(kPi * p) + 1;
      return b + (a - b) / 2.0 * cos_out;
    }
    return (b - a) * p + a;
  };
  const double step = static_cast<double>(t);
  double start = 0;
  for (int i = 0; i < n; ++i) {
    if (step <= ph[i].end || i == n - 1) {
      const double p = (step - start) / (ph[i].end - start);
      return {anneal(ph[i].lr0, ph[i].lr1, p), anneal(ph[i].m0, ph[i].m1, p)};
    }
    start = ph[i].end;
  }
  return {0, 0};  // unreachable
}

// CyclicLR.get_lr(): {lr, momentum}.
std::pair<double, double> cyclic(const CyclicLR& c, int64_t t) {
  const double total = c.step_size_up + c.step_size_down;
  const double ratio = c.step_size_up / total;
  const double e = static_cast<double>(t);
  const double cycle = std::floor(1 + e / total);
  const double x = 1. + e / total - cycle;
  const double scale = x <= ratio ? x / ratio : (x - 1) / (ratio - 1);
  double f = 1.0;
  if (c.mode == CyclicMode::triangular2) f = 1 / std::pow(2., cycle - 1);
  if (c.mode == CyclicMode::exp_range) f = std::pow(c.gamma, e);
  const double lr = c.base_lr + (c.max_lr - c.base_lr) * scale * f;
  const double m = c.max_momentum - (c.max_momentum - c.base_momentum) * scale * f;
  return {lr, m};
}

// PyTorch's step(): T_cur += 1; past T_i, T_cur -= T_i and T_i *= T_mult (in
// Python ints, which do not overflow).  Once T_i * T_mult would overflow
// int64 the next cycle is longer than any step, so it is the current one: its
// length is then only needed as a double.  At most 63 cycles for T_mult >= 2.
double warm_restarts(const CosineAnnealingWarmRestarts& w, int64_t t) {
  int64_t T_i = w.T_0, T_cur = t;
  double cycle = static_cast<double>(T_i);
  if (w.T_mult == 1) {
    T_cur = t % w.T_0;
  } else {
    while (T_cur >= T_i) {
      T_cur -= T_i;
      if (__builtin_mul_overflow(T_i, w.T_mult, &T_i)) {
        cycle *= static_cast<double>(w.T_mult);  // > INT64_MAX > T_cur
        break;
      }
      cycle = static_cast<double>(T_i);
    }
  }
  return w.eta_min +
         (w.base_lr - w.eta_min) * (1 + std::cos(kPi * static_cast<double>(T_cur) / cycle)) / 2;
}

// The sequential child active at t and its local step.
std::pair<size_t, int64_t> sequential_child(const SequentialLR& s, int64_t t) {
  size_t i = 0;
  while (i < s.milestones.size() && t >= s.milestones[i]) ++i;
  return {i, i == 0 ? t : t - s.milestones[i - 1]};
}

// ChainedScheduler: every child multiplies the current LR by its per-step
// ratio g_i(u)/g_i(u-1) (g_i = child LR / eta0), so lr = eta0 * prod g_i(t) ...
// except CosineAnnealingLR's (2k+1)*T_max branch: at t_s = (2k+1)*T_max + 1
// it ADDS eta0*(1 - cos(pi/T_max))/2 to the LR, which is exactly 0 after
// step t_s - 1 (its cosine factor is 0 there).  From t_s on the product
// restarts: children before the cosine in the list contribute g_i(t)/g_i(t_s)
// (they multiplied the 0), children after it g_i(t)/g_i(t_s - 1), and the
// cosine its own factor (its value at t_s is that increment).  A child that
// has reached 0 by then (linear_lr to 0, polynomial_lr) stays 0 with ratio 1.
double chained(const ChainedScheduler& x, int64_t t, Precision prec, int depth) {
  const double eta0 = x.base_lr;
  auto g = [&](const Schedule& c, int64_t u) { return lr_impl(c, u, prec, depth + 1) / eta0; };
  size_t j = x.schedulers.size();
  int64_t T = 0;
  for (size_t i = 0; i < x.schedulers.size(); ++i)
    if (const auto* c = std::get_if<CosineAnnealingLR>(&x.schedulers[i].v)) {
      j = i;
      T = c->T_max;
    }
  if (j == x.schedulers.size() || t <= T) {
    double lr = eta0;
    for (const auto& c : x.schedulers) lr *= g(c, t);
    return lr;
  }
  const int64_t ts = ((t - 1 - T) / (2 * T) * 2 + 1) * T + 1;  // latest restart <= t
  double lr = eta0 * g(x.schedulers[j], t);
  for (size_t i = 0; i < x.schedulers.size(); ++i) {
    if (i == j) continue;
    const double from = g(x.schedulers[i], i < j ? ts : ts - 1);
    if (from != 0.0) lr *= g(x.schedulers[i], t) / from;
  }
  return lr;
}

[[noreturn]] void plateau_has_no_closed_form(const Schedule& s) {
  throw SpecError(schedule_name(s) +
                  ": the LR depends on the metric history; use plateau_init/plateau_observe/"
                  "plateau_lr (needs_metric() is true)");
}

// SequentialLR at t: child i at its local step.  MultiplicativeLR has no
// closed form: SequentialLR's step(0) leaves the LR where the previous child
// put it, then keeps multiplying; a run of such children is a product over
// their segments, folded left to right from the last other child (a loop,
// not a recursion: the run may be as long as the list).
double sequential(const SequentialLR& x, int64_t t, Precision prec, int depth) {
  auto [i, local] = sequential_child(x, t);
  auto factor_of = [&](size_t k) -> const MultiplicativeLR* {
    return k > 0 ? std::get_if<MultiplicativeLR>(&x.schedulers[k].v) : nullptr;
  };
  auto length = [&](size_t k) {  // local step of child k's last step
    return x.milestones[k] - 1 - (k == 0 ? 0 : x.milestones[k - 1]);
  };
  size_t j = i;
  while (factor_of(j)) --j;  // the child the run continues from
  double lr = lr_impl(x.schedulers[j], j == i ? local : length(j), prec, depth + 1);
  for (size_t k = j + 1; k <= i; ++k)
    lr *= std::pow(factor_of(k)->factor, static_cast<double>(k == i ? local : length(k)));
  return lr;
}

double lr_impl(const Schedule& s, int64_t t, Precision prec, int depth) {
  if (depth > kMaxDepth)
    throw SpecError(schedule_name(s) + ": schedules nested deeper than " +
                    std::to_string(kMaxDepth) + " levels (the limit)");
  return std::visit(
      [&](const auto& x) -> double {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, Constant>) {
          return x.base_lr;
        } else if constexpr (std::is_same_v<T, ConstantLR>) {
          return x.base_lr * (x.factor + (t >= x.total_iters) * (1 - x.factor));
        } else if constexpr (std::is_same_v<T, LinearLR>) {
          return x.base_lr * (x.start_factor + (x.end_factor - x.start_factor) *
                                                   static_cast<double>(std::min(x.total_iters, t)) /
                                                   static_cast<double>(x.total_iters));
        } else if constexpr (std::is_same_v<T, StepLR>) {
          return x.base_lr * std::pow(x.gamma, static_cast<double>(t / x.step_size));
        } else if constexpr (std::is_same_v<T, MultiStepLR>) {
          return x.base_lr * std::pow(x.gamma, count_le(x.milestones, t));
        } else if constexpr (std::is_same_v<T, ExponentialLR>) {
          return x.base_lr * std::pow(x.gamma, static_cast<double>(t));
        } else if constexpr (std::is_same_v<T, MultiplicativeLR>) {
          return x.base_lr * std::pow(x.factor, static_cast<double>(t));
        } else if constexpr (std::is_same_v<T, PolynomialLR>) {
          return x.base_lr * std::pow(1.0 - static_cast<double>(std::min(x.total_iters, t)) /
                                                static_cast<double>(x.total_iters),
                                      x.power);
        } else if constexpr (std::is_same_v<T, CosineAnnealingLR>) {
          return x.eta_min + (x.base_lr - x.eta_min) *
                                 (1 + std::cos(kPi * static_cast<double>(t) /
                                               static_cast<double>(x.T_max))) / 2;
        } else if constexpr (std::is_same_v<T, CosineAnnealingWarmRestarts>) {
          return warm_restarts(x, t);
        } else if constexpr (std::is_same_v<T, CyclicLR>) {
          return cyclic(x, t).first;
        } else if constexpr (std::is_same_v<T, OneCycleLR>) {
          return one_cycle(x, t).first;
        } else if constexpr (std::is_same_v<T, ReduceLROnPlateau> ||
                             std::is_same_v<T, KerasReduceLROnPlateau>) {
          plateau_has_no_closed_form(s);
        } else if constexpr (std::is_same_v<T, SequentialLR>) {
          return sequential(x, t, prec, depth);
        } else if constexpr (std::is_same_v<T, ChainedScheduler>) {
          return chained(x, t, prec, depth);
        } else if constexpr (std::is_same_v<T, ExponentialDecay> ||
                             std::is_same_v<T, PiecewiseConstantDecay> ||
                             std::is_same_v<T, PolynomialDecay> ||
                             std::is_same_v<T, InverseTimeDecay> ||
                             std::is_same_v<T, CosineDecay> ||
                             std::is_same_v<T, CosineDecayRestarts>) {
          return keras_eval(x, t, prec);
        } else if constexpr (std::is_same_v<T, KerasLegacyDecay>) {
          return prec == Precision::f32 ? static_cast<double>(keras_legacy<float>(x, t, prec, depth))
                                        : keras_legacy<double>(x, t, prec, depth);
        } else if constexpr (std::is_same_v<T, Warmup>) {
          const Schedule& inner = x.then.front();
          if (t >= x.steps) return lr_impl(inner, x.shift ? t - x.steps : t, prec, depth + 1);
          const double g = x.mode == WarmupMode::constant
                               ? x.start_factor
                               : x.start_factor + (1 - x.start_factor) * static_cast<double>(t) /
                                                      static_cast<double>(x.steps);
          return lr_impl(inner, x.shift ? 0 : t, prec, depth + 1) * g;
        } else if constexpr (std::is_same_v<T, PerEpoch>) {
          return lr_impl(x.then.front(), t / x.steps_per_epoch, prec, depth + 1);
        } else if constexpr (std::is_same_v<T, Wsd>) {
          return wsd(x, t);
        } else if constexpr (std::is_same_v<T, Tutorial003Linear>) {
          return x.base_lr * (1 - x.alpha * static_cast<double>(t));
        } else if constexpr (std::is_same_v<T, Tutorial003Custom>) {
          return x.base_lr / (1 + static_cast<double>(t));
        } else if constexpr (std::is_same_v<T, Tutorial003Hoisted>) {
          const double N = static_cast<double>(x.total);
          if (!x.fn) return lr_impl(x.inner.front(), x.total, prec, depth + 1);
          switch (*x.fn) {
            case Tutorial003Fn::linear_decay: return x.base_lr / (1 + x.base_lr * N);
            case Tutorial003Fn::exponential_decay: return std::pow(x.gamma, N);
            case Tutorial003Fn::custom_decay: return x.base_lr / (1 + N);
          }
          return 0.0;
        } else if constexpr (std::is_same_v<T, Tutorial004Exponential>) {
          return x.base_lr / std::sqrt(1 + x.delta);
        } else if constexpr (std::is_same_v<T, Tutorial004Step>) {
          return x.base_lr / (static_cast<double>(t) + 1);
        }
      },
      s.v);
}

std::optional<double> momentum_impl(const Schedule& s, int64_t t, int depth = 0) {
  if (depth > kMaxDepth)
    throw SpecError(schedule_name(s) + ": schedules nested deeper than " +
                    std::to_string(kMaxDepth) + " levels (the limit)");
  return std::visit(
      [&](const auto& x) -> std::optional<double> {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, CyclicLR>) {
          if (!x.cycle_momentum) return std::nullopt;
          return cyclic(x, t).second;
        } else if constexpr (std::is_same_v<T, OneCycleLR>) {
          const auto lm = one_cycle(x, t);  // throws past total_steps, like lr_at
          if (!x.cycle_momentum) return std::nullopt;
          return lm.second;
        } else if constexpr (std::is_same_v<T, SequentialLR>) {
          auto [i, local] = sequential_child(x, t);
          return momentum_impl(x.schedulers[i], local, depth + 1);
        } else if constexpr (std::is_same_v<T, Warmup>) {
          const int64_t u = t >= x.steps ? (x.shift ? t - x.steps : t) : (x.shift ? 0 : t);
          return momentum_impl(x.then.front(), u, depth + 1);
        } else if constexpr (std::is_same_v<T, PerEpoch>) {
          return momentum_impl(x.then.front(), t / x.steps_per_epoch, depth + 1);
        } else if constexpr (std::is_same_v<T, KerasLegacyDecay>) {
          if (x.then.empty()) return std::nullopt;
          return momentum_impl(x.then.front(), t, depth + 1);
        } else if constexpr (std::is_same_v<T, Tutorial003Hoisted>) {
          if (x.inner.empty()) return std::nullopt;
          return momentum_impl(x.inner.front(), x.total, depth + 1);
        } else {
          return std::nullopt;
        }
      },
      s.v);
}

// Steps up to 2^53: exact as doubles, and t + T of two of them cannot overflow.
void check_step(int64_t step) {
  if (step < 0 || step > spec::kMaxInteger)
    throw SpecError("schedule step must be in [0, 2^53] (completed optimizer steps), got " +
                    std::to_string(step));
}

}  // namespace

double lr_at(const Schedule& s, int64_t step) { return lr_at(s, step, Precision::f64); }

double lr_at(const Schedule& s, int64_t step, Precision precision) {
  check_step(step);
  const double lr = lr_impl(s, step, precision);
  return precision == Precision::f32 ? static_cast<double>(static_cast<float>(lr)) : lr;
}

std::optional<double> momentum_at(const Schedule& s, int64_t step) {
  check_step(step);
  return momentum_impl(s, step);
}

MomentumTarget momentum_target(const Schedule& s) {
  return std::visit(
      [](const auto& x) -> MomentumTarget {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, CyclicLR>) {
          return x.cycle_momentum ? MomentumTarget::momentum : MomentumTarget::none;
        } else if constexpr (std::is_same_v<T, OneCycleLR>) {
          return x.cycle_momentum ? MomentumTarget::momentum_or_beta1 : MomentumTarget::none;
        } else if constexpr (std::is_same_v<T, SequentialLR>) {
          // The strictest requirement among the children.
          MomentumTarget out = MomentumTarget::none;
          for (const auto& c : x.schedulers) {
            MomentumTarget m = momentum_target(c);
            if (m == MomentumTarget::momentum) return m;
            if (m == MomentumTarget::momentum_or_beta1) out = m;
          }
          return out;
        } else if constexpr (std::is_same_v<T, Warmup> || std::is_same_v<T, PerEpoch>) {
          return momentum_target(x.then.front());
        } else if constexpr (std::is_same_v<T, KerasLegacyDecay>) {
          return x.then.empty() ? MomentumTarget::none : momentum_target(x.then.front());
        } else if constexpr (std::is_same_v<T, Tutorial003Hoisted>) {
          return x.inner.empty() ? MomentumTarget::none : momentum_target(x.inner.front());
        } else {
          return MomentumTarget::none;
        }
      },
      s.v);
}

void check_momentum_support(const Schedule& s, bool has_momentum, bool has_beta1) {
  switch (momentum_target(s)) {
    case MomentumTarget::none: return;
    case MomentumTarget::momentum:
      if (!has_momentum)
        throw SpecError(
            "cyclic_lr: cycle_momentum=true needs an optimizer with a `momentum` parameter "
            "(PyTorch 1.13 raises ValueError here and does not cycle Adam's beta1); give the "
            "optimizer momentum > 0 or set "
            "cycle_momentum=false");
      return;
    case MomentumTarget::momentum_or_beta1:
      if (!has_momentum && !has_beta1)
        throw SpecError(
            "one_cycle_lr: cycle_momentum=true needs an optimizer with `momentum` or betas "
            "(PyTorch raises ValueError; lrbench also needs sgd/rmsprop momentum > 0); set "
            "cycle_momentum=false");
      return;
  }
}

bool needs_metric(const Schedule& s) {
  return std::holds_alternative<ReduceLROnPlateau>(s.v) ||
         std::holds_alternative<KerasReduceLROnPlateau>(s.v);
}

PlateauState plateau_init(const Schedule& s) {
  PlateauState st;
  constexpr double inf = std::numeric_limits<double>::infinity();
  if (const auto* p = std::get_if<ReduceLROnPlateau>(&s.v)) {
    st.lr = p->base_lr;
    st.best = p->mode == PlateauMode::min ? inf : -inf;
  } else if (const auto* k = std::get_if<KerasReduceLROnPlateau>(&s.v)) {
    st.lr = k->base_lr;
    st.best = k->mode == PlateauMode::min ? inf : -inf;
  } else {
    st.lr = std::numeric_limits<double>::quiet_NaN();  // inert: use lr_at
  }
  return st;
}

void plateau_observe(PlateauState& st, const Schedule& s, double a) {
  if (const auto* p = std::get_if<ReduceLROnPlateau>(&s.v)) {
    // torch.optim.lr_scheduler.ReduceLROnPlateau.step(metrics)
    bool better;
    const double best = st.best, thr = p->threshold;
    if (p->mode == PlateauMode::min)
      better = p->threshold_mode == ThresholdMode::rel ? a < best * (1. - thr) : a < best - thr;
    else
      better = p->threshold_mode == ThresholdMode::rel ? a > best * (thr + 1.) : a > best + thr;
    if (better) {
      st.best = a;
      st.num_bad_epochs = 0;
    } else {
      st.num_bad_epochs += 1;
    }
    if (st.cooldown_counter > 0) {
      st.cooldown_counter -= 1;
      st.num_bad_epochs = 0;
    }
    if (st.num_bad_epochs > p->patience) {
      const double old_lr = st.lr;
      const double new_lr = std::max(old_lr * p->factor, p->min_lr);
      if (old_lr - new_lr > p->eps) st.lr = new_lr;
      st.cooldown_counter = p->cooldown;
      st.num_bad_epochs = 0;
    }
    st.observed += 1;
  } else if (const auto* k = std::get_if<KerasReduceLROnPlateau>(&s.v)) {
    // keras.callbacks.ReduceLROnPlateau.on_epoch_end
    if (st.cooldown_counter > 0) {
      st.cooldown_counter -= 1;
      st.num_bad_epochs = 0;
    }
    const bool better =
        k->mode == PlateauMode::min ? a < st.best - k->min_delta : a > st.best + k->min_delta;
    if (better) {
      st.best = a;
      st.num_bad_epochs = 0;
    } else if (st.cooldown_counter == 0) {
      st.num_bad_epochs += 1;
      if (st.num_bad_epochs >= k->patience) {
        const double old_lr = st.lr;
        if (old_lr > static_cast<double>(static_cast<float>(k->min_lr))) {
          st.lr = std::max(old_lr * k->factor, k->min_lr);
          st.cooldown_counter = k->cooldown;
          st.num_bad_epochs = 0;
        }
      }
    }
    st.observed += 1;
  }
}

double plateau_lr(const PlateauState& st) { return st.lr; }

double plateau_lr(const Schedule& s, std::span<const double> metrics) {
  if (!needs_metric(s))
    throw SpecError(schedule_name(s) + ": not metric-driven; use lr_at(schedule, step)");
  PlateauState st = plateau_init(s);
  for (double m : metrics) plateau_observe(st, s, m);
  return st.lr;
}

}  // namespace lrb::sched
