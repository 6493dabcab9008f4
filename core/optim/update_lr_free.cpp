// Kernels of the schedule-free and learning-rate-free optimizers, and the
// evaluation point.  Formulas, op order and the authors' code they follow:
// lr_free_optimizers.hpp.
//
// Shape: scalars in double (the authors' Python floats) -> cast to T once ->
// one fused OpenMP pass over the elements; the D-Adaptation / Prodigy sums
// are accumulated inside that pass, per fixed 4096-element chunk, and the
// chunk partials added in chunk order (the same bits on any thread count).
// Prodigy needs a second pass (its step uses the new d); so does D-Adapt Adam
// while every s is still 0, and D-Adapt SGD's first step measures |g| first.
#include <algorithm>
#include <array>
#include <cmath>
#include <stdexcept>
#include <string>

#include "core/optim/kernel_lr_free.hpp"
#include "core/optim/optim.hpp"

namespace lrb::optim {
namespace detail {

#define ON(flag) (decltype(flag)::value)

// ---------------------------------------------------------------------------
// body(i) for every element, without the gradient (passes after the first).
namespace {
template <class Body>
void index_loop(size_t n, const Body& body) {
  const ptrdiff_t N = static_cast<ptrdiff_t>(n);
#pragma omp parallel if (n >= kParallelMin)
  {
    const Body f = body;  // thread-local copy, as in loop()
#pragma omp for schedule(static)
    for (ptrdiff_t i = 0; i < N; ++i) f(static_cast<size_t>(i));
  }
}
}  // namespace

// Element passes that also sum K terms per element.  body(i, g) updates
// element i (g: the clipped gradient) and returns its K terms in T; the
// terms are added in double in sum_squares' order (kernel.hpp): kChunk-element
// chunks over [0, n) in parallel, 8 interleaved lanes per chunk (left to
// right under kSeqMax), chunk partials combined serially in chunk order.

// Sum of len values of T in double: 8 interleaved lanes (lane j takes
// elements i = j mod 8, tail included), ((l0+l1)+(l2+l3))+((l4+l5)+(l6+l7));
// under kSeqMax elements left to right.  chunk_sum's order, accumulated in double.
template <class T>
double lane_sum(const T* x, size_t len) {
  if (len < kSeqMax) {
    double s = 0;
    for (size_t i = 0; i < len; ++i) s = s + static_cast<double>(x[i]);
    return s;
  }
  double l[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  size_t i = 0;
  for (; i + 8 <= len; i += 8)
    for (size_t j = 0; j < 8; ++j) l[j] = l[j] + static_cast<double>(x[i + j]);
  for (size_t j = 0; i + j < len; ++j) l[j] = l[j] + static_cast<double>(x[i + j]);
  return ((l[0] + l[1]) + (l[2] + l[3])) + ((l[4] + l[5]) + (l[6] + l[7]));
}

// One chunk: the element updates with their terms kept on the stack (a plain
// loop the compiler vectorizes), then each term's lane sum.
template <int K, bool On, class T, class Body>
void chunk_terms(const Body& body, const T* g, const Xform<T>& x, size_t b, size_t len,
                 double* out) {
  // Local copies: a store through the body's pointers cannot change them, so
  // their scalars stay in registers and the loop vectorizes (about 4x).
  const Body f = body;
  const Xform<T> xf = x;
  T terms[K][kChunk];
  // Element i reads and writes index i of each array only, and the arrays do
  // not overlap (update()'s precondition): no dependence between iterations.
  // (Without this GCC gives up its runtime overlap checks on Prodigy's many
  // arrays and runs the loop scalar, 3x slower.)
#pragma GCC ivdep
  for (size_t i = 0; i < len; ++i) {
    const std::array<T, K> t = f(b + i, apply_xform<On>(g[b + i], xf));
    for (int k = 0; k < K; ++k) terms[k][i] = t[k];
  }
  for (int k = 0; k < K; ++k) out[k] = lane_sum(terms[k], len);
}

// Chunks per parallel region: the partials of a round live on the stack
// (128 KiB for K = 2), and a round covers 32 Mi elements, so that one pass is
// one parallel region up to that size.  (sum_squares' 256-chunk rounds would
// make a 16 Mi-element pass 16 regions, and every barrier costs: on a loaded
// 2-core machine the pass ran 8x slower.)  The round size does not change
// the bits: partials are combined in chunk order either way.
constexpr size_t kSumRound = 8192;

template <int K, bool On, class T, class Body>
std::array<double, K> summing_pass_x(const Pass<T>& ps, const Body& body) {
  const size_t n = ps.n, nchunks = (n + kChunk - 1) / kChunk;
  std::array<double, K> total{};
  for (size_t r0 = 0; r0 < nchunks; r0 += kSumRound) {
    const size_t rn = std::min(kSumRound, nchunks - r0);
    double partial[kSumRound][K];
#pragma omp parallel if (rn > 1)
    {
      // Thread-local copies, as in loop(): the captured pointers stay in registers.
      const Body f = body;
      const Xform<T> xf = ps.x;
      const T* g = ps.g;
#pragma omp for schedule(static)
      for (size_t ci = 0; ci < rn; ++ci) {
        const size_t b = (r0 + ci) * kChunk;
        chunk_terms<K, On>(f, g, xf, b, std::min(n, b + kChunk) - b, partial[ci]);
      }
    }
    for (size_t ci = 0; ci < rn; ++ci)
      for (int k = 0; k < K; ++k) total[k] = total[k] + partial[ci][k];
  }
  return total;
}

template <int K, class T, class Body>
std::array<double, K> summing_pass(const Pass<T>& ps, const Body& body) {
  // These optimizers are PyTorch-convention only: no per-tensor (Keras) clipnorm.
  return ps.x.on ? summing_pass_x<K, true>(ps, body) : summing_pass_x<K, false>(ps, body);
}

// torch.lerp(a, b, w) of PyTorch 1.13's CPU kernel, w < 0.5 decided once:
//   small: fma(w, b - a, a);  large: fma(w - 1, b - a, b)  (w - 1 in T).
template <class T>
struct Lerp {
  bool large;
  T w;  // w, or w - 1 for large
};
template <class T>
Lerp<T> lerp_weight(double w) {
  const T wT = c<T>(w);
  return wT < T(0.5) ? Lerp<T>{false, wT} : Lerp<T>{true, wT - T(1)};
}
template <bool Large, class T>
inline T lerp(T a, T b, T w) {
  if constexpr (Large) return fmadd(w, b - a, b);
  else return fmadd(w, b - a, a);
}

// ---------------------------------------------------------------------------
// Schedule-free: the averaging weight c of this step (advances the scalars).

struct ScheduleFreeStep {
  double lr;  // lr * warmup factor
  double c;   // ckp1
};

inline ScheduleFreeStep schedule_free_step(LrFreeState& s, double lr, int64_t warmup_steps,
                                           double r, double weight_lr_power) {
  const int64_t k = s.k;
  const double sched =
      k < warmup_steps ? static_cast<double>(k + 1) / static_cast<double>(warmup_steps) : 1.0;
  const double lr_t = lr * sched;
  s.lr_max = std::max(lr_t, s.lr_max);
  const double weight = std::pow(static_cast<double>(k + 1), r) * std::pow(s.lr_max, weight_lr_power);
  s.weight_sum = s.weight_sum + weight;
  const double ckp1 = s.weight_sum != 0 ? weight / s.weight_sum : 0.0;  // ZeroDivisionError -> 0
  return {lr_t, ckp1};
}

template <class T>
void sgd_schedule_free(const Pass<T>& ps, OptimizerState<T>& st, const SgdScheduleFreeHyper& h,
                       double lr) {
  LrFreeState& s = st.lr_free;
  const ScheduleFreeStep sf = schedule_free_step(s, lr, h.warmup_steps, h.r, h.weight_lr_power);
  T* p = ps.p;
  T* zs = ps.slot(0);
  const Lerp<T> lw = lerp_weight<T>(sf.c);
  const T alpha = c<T>(sf.lr * (h.momentum * (1 - sf.c) - 1)), nlr = c<T>(-sf.lr),
          wdT = c<T>(h.weight_decay), w = lw.w;
  dispatch(
      [&](auto FIRST, auto WD, auto LARGE) {
        run(ps, [=](size_t i, T g) {
          const T y = p[i];
          const T z = ON(FIRST) ? y : zs[i];  // z = clone(p) at the first step
          T d = g;
          if constexpr (ON(WD)) d = fmadd(wdT, y, d);
          p[i] = fmadd(alpha, d, lerp<ON(LARGE)>(y, z, w));
          zs[i] = fmadd(nlr, d, z);
        });
      },
      !s.started, h.weight_decay != 0, lw.large);
  s.started = true;
  s.k += 1;
}

template <class T>
void adamw_schedule_free(const Pass<T>& ps, OptimizerState<T>& st,
                         const AdamwScheduleFreeHyper& h, double lr) {
  LrFreeState& s = st.lr_free;
  const double bc2 = 1 - std::pow(h.beta2, static_cast<double>(s.k + 1));
  const ScheduleFreeStep sf = schedule_free_step(s, lr, h.warmup_steps, h.r, h.weight_lr_power);
  T* p = ps.p;
  T* zs = ps.slot(0);
  T* v = ps.slot(1);
  const Lerp<T> lw = lerp_weight<T>(sf.c);
  const T alpha = c<T>(sf.lr * (h.beta1 * (1 - sf.c) - 1)), nlr = c<T>(-sf.lr),
          wdT = c<T>(h.weight_decay), w = lw.w, b2T = c<T>(h.beta2), omb2 = c<T>(1 - h.beta2),
          bc2T = c<T>(bc2), eps = c<T>(h.eps);
  dispatch(
      [&](auto FIRST, auto WD, auto LARGE) {
        run(ps, [=](size_t i, T g) {
          const T y = p[i];
          const T z = ON(FIRST) ? y : zs[i];
          const T vi = fmadd(omb2 * g, g, v[i] * b2T);
          v[i] = vi;
          T u = g / (std::sqrt(vi / bc2T) + eps);
          if constexpr (ON(WD)) u = fmadd(wdT, y, u);
          p[i] = fmadd(alpha, u, lerp<ON(LARGE)>(y, z, w));
          zs[i] = fmadd(nlr, u, z);
        });
      },
      !s.started, h.weight_decay != 0, lw.large);
  s.started = true;
  s.k += 1;
}

// ---------------------------------------------------------------------------
// D-Adaptation and Prodigy

inline double bias_correction(bool on, double b1, double b2, int64_t k) {
  if (!on) return 1;
  const double t = static_cast<double>(k + 1);
  return std::pow(1 - std::pow(b2, t), 0.5) / (1 - std::pow(b1, t));
}

template <class T>
void d_adapt_adam(const Pass<T>& ps, OptimizerState<T>& st, const DAdaptAdamHyper& h, double lr,
                  double b1) {
  if (lr == 0) return;  // group_lr == 0: nothing accumulates, sk_l1 == 0 -> return
  LrFreeState& s = st.lr_free;
  const double b2 = h.beta2;
  const double dlr = s.d * lr * bias_correction(h.use_bias_correction, b1, b2, s.k);
  const double sb = std::pow(b2, 0.5);
  T* p = ps.p;
  T* sv = ps.slot(0);
  T* m = ps.slot(1);
  T* v = ps.slot(2);
  const T wdT = c<T>(h.weight_decay), eps = c<T>(h.eps), b1T = c<T>(b1), b2T = c<T>(b2),
          sbT = c<T>(sb), m_a = c<T>(1.0 * dlr * (1 - b1)), omb2 = c<T>(1 - b2),
          s_a = c<T>(dlr * (1 - sb)), ndw = c<T>(-h.weight_decay * dlr);
  const bool coupled = h.weight_decay != 0 && !h.decouple,
             decoupled = h.weight_decay != 0 && h.decouple;
  // The parameter step: this step's m and v, the old dlr.
  auto step = [=](auto DWD, T pi, T mi, T vi) {
    if constexpr (ON(DWD)) pi = fmadd(ndw, pi, pi);
    return pi + (T(-1) * mi) / (std::sqrt(vi) + eps);
  };
  // Fused once some step has had sum |s| > 0 (lr_free_optimizers.hpp).
  const bool fused = s.progressed;
  std::array<double, 2> sums;
  dispatch(
      [&](auto CWD, auto DWD, auto FUSED) {
        sums = summing_pass<2>(ps, [=](size_t i, T g) {
          T d = g;
          if constexpr (ON(CWD)) d = fmadd(wdT, p[i], d);
          const T num = d * (sv[i] / (std::sqrt(v[i]) + eps));  // old s and v
          const T mi = fmadd(m_a, d, m[i] * b1T);
          const T vi = fmadd(omb2 * d, d, v[i] * b2T);
          const T si = fmadd(s_a, d, sv[i] * sbT);
          m[i] = mi;
          v[i] = vi;
          sv[i] = si;
          if constexpr (ON(FUSED)) p[i] = step(DWD, p[i], mi, vi);
          return std::array<T, 2>{num, std::abs(si)};
        });
      },
      coupled, decoupled, fused);
  const double numerator_acum = 0.0 + (1.0 * dlr) * sums[0];
  const double sk_l1 = 0.0 + 1.0 * sums[1];
  if (sk_l1 == 0) return;  // no progress: k, d and the numerator stay
  const double nw = sb * s.numerator + (1 - sb) * numerator_acum;
  const double d_hat = nw / ((1 - sb) * sk_l1);
  s.d = std::max(s.d, std::min(d_hat, s.d * h.growth_rate));
  s.numerator = nw;
  if (!fused)
    dispatch(
        [&](auto DWD) {
          index_loop(ps.n, [=](size_t i) { p[i] = step(DWD, p[i], m[i], v[i]); });
        },
        decoupled);
  s.progressed = true;
  s.k += 1;
}

template <class T>
void d_adapt_sgd(const Pass<T>& ps, OptimizerState<T>& st, const DAdaptSgdHyper& h, double lr) {
  if (lr == 0) return;  // group_lr == 0: nothing accumulates, sk_sq == 0 -> return
  LrFreeState& s = st.lr_free;
  if (s.k == 0) {
    // |g_0| without weight decay.  A zero gradient would divide by zero
    // (ZeroDivisionError in the code): the step is skipped, k stays 0.
    const double g_sq = summing_pass<1>(ps, [](size_t, T g) { return std::array<T, 1>{g * g}; })[0];
    s.g0_norm = std::sqrt(g_sq);
    if (s.g0_norm == 0) return;
  }
  const double dlr = s.d * lr / s.g0_norm;
  const double momentum = h.momentum, ck = 1 - momentum;
  T* p = ps.p;
  T* sv = ps.slot(0);
  T* x0 = ps.slot(1);
  const T wdT = c<T>(h.weight_decay), dlrT = c<T>(dlr), ckT = c<T>(ck), omck = c<T>(1 - ck);
  std::array<double, 2> sums;
  dispatch(
      [&](auto FIRST, auto WD) {
        sums = summing_pass<2>(ps, [=](size_t i, T g) {
          const T pi = p[i];
          T d = g;
          if constexpr (ON(WD)) d = fmadd(wdT, pi, d);
          const T num = d * sv[i];  // old s
          const T si = fmadd(dlrT, d, sv[i]);
          sv[i] = si;
          T xi;
          if constexpr (ON(FIRST)) {
            xi = pi;  // x0 = clone(p)
            x0[i] = pi;
          } else {
            xi = x0[i];
          }
          p[i] = fmadd(ckT, xi - si, pi * omck);
          return std::array<T, 2>{num, si * si};
        });
      },
      !s.started, h.weight_decay != 0);
  s.started = true;
  const double nw = s.numerator + dlr * sums[0];
  const double sk_sq = sums[1];
  if (sk_sq > 0) {  // 0: the code divides by zero; d is left as it is
    const double d_hat = 2 * nw / std::sqrt(sk_sq);
    s.d = std::max(s.d, std::min(d_hat, s.d * h.growth_rate));
  }
  s.numerator = nw;
  s.k += 1;
}

template <class T>
void prodigy(const Pass<T>& ps, OptimizerState<T>& st, const ProdigyHyper& h, double lr,
             double b1) {
  LrFreeState& s = st.lr_free;
  T* p = ps.p;
  T* sv = ps.slot(0);
  T* p0 = ps.slot(1);
  T* v = ps.slot(2);
  T* m = h.beta1 > 0 ? ps.slot(3) : nullptr;
  if (lr == 0) {  // group_lr == 0: d_denom == 0 -> return, after taking p0
    if (!s.started) std::copy(p, p + ps.n, p0);
    s.started = true;
    return;
  }
  const double b2 = h.beta2, d = s.d, d0 = h.d0;
  const double dlr = d * lr * bias_correction(h.use_bias_correction, b1, b2, s.k);
  const double b3 = h.beta3 ? *h.beta3 : std::sqrt(b2);
  const double s_alpha = h.safeguard_warmup ? (d / d0) * d : (d / d0) * dlr;
  const T wdT = c<T>(h.weight_decay), b1T = c<T>(b1), b2T = c<T>(b2), b3T = c<T>(b3),
          m_a = c<T>(d * (1 - b1)), v_a = c<T>(d * d * (1 - b2)), s_a = c<T>(s_alpha);
  const bool coupled = h.weight_decay != 0 && !h.decouple,
             decoupled = h.weight_decay != 0 && h.decouple;
  std::array<double, 2> sums;
  dispatch(
      [&](auto FIRST, auto CWD, auto M) {
        sums = summing_pass<2>(ps, [=](size_t i, T g) {
          const T pi = p[i];
          T dg = g;
          if constexpr (ON(CWD)) dg = fmadd(wdT, pi, dg);
          T q0;
          if constexpr (ON(FIRST)) {
            q0 = pi;
            p0[i] = pi;
          } else {
            q0 = p0[i];
          }
          const T num = dg * (q0 - pi);
          if constexpr (ON(M)) m[i] = fmadd(m_a, dg, m[i] * b1T);
          v[i] = fmadd(v_a * dg, dg, v[i] * b2T);
          const T si = fmadd(s_a, dg, sv[i] * b3T);
          sv[i] = si;
          return std::array<T, 2>{num, std::abs(si)};
        });
      },
      !s.started, coupled, m != nullptr);
  s.started = true;
  const double delta_numerator = (d / d0) * dlr * sums[0];
  const double d_denom = 0.0 + sums[1];
  if (d_denom == 0) return;  // no progress: k and the numerator stay
  const double num = s.numerator * b3 + delta_numerator;
  const double d_hat = h.d_coef * num / d_denom;
  double dn = d, d_max = s.d_max;
  if (dn == d0) dn = std::max(dn, d_hat);
  d_max = std::max(d_max, d_hat);
  dn = std::min(d_max, dn * h.growth_rate);
  s.numerator = num;
  s.d = dn;
  s.d_max = d_max;
  const T deps = c<T>(dn * h.eps), ndw = c<T>(-h.weight_decay * dlr), nstep = c<T>(-dlr),
          nstep_g = c<T>(-dlr * dn);
  if (m) {
    dispatch(
        [&](auto DWD) {
          index_loop(ps.n, [=](size_t i) {
            T pi = p[i];
            if constexpr (ON(DWD)) pi = fmadd(ndw, pi, pi);
            p[i] = pi + (nstep * m[i]) / (std::sqrt(v[i]) + deps);
          });
        },
        decoupled);
  } else {
    dispatch(
        [&](auto CWD, auto DWD) {
          run(ps, [=](size_t i, T g) {
            T pi = p[i], dg = g;
            if constexpr (ON(CWD)) dg = fmadd(wdT, pi, dg);  // the gradient pass 1 used
            if constexpr (ON(DWD)) pi = fmadd(ndw, pi, pi);
            p[i] = pi + (nstep_g * dg) / (std::sqrt(v[i]) + deps);
          });
        },
        coupled, decoupled);
  }
  s.k += 1;
}

#undef ON

LrFreeState initial_lr_free_state(const Optimizer& opt) {
  LrFreeState s;
  std::visit(
      [&](const auto& h) {
        if constexpr (requires { h.d0; }) {
          s.d = h.d0;
          s.d_max = h.d0;
        }
      },
      opt.hyper);
  return s;
}

#define LRB_INSTANTIATE(T)                                                                        \
  template void sgd_schedule_free<T>(const Pass<T>&, OptimizerState<T>&,                          \
                                     const SgdScheduleFreeHyper&, double);                        \
  template void adamw_schedule_free<T>(const Pass<T>&, OptimizerState<T>&,                        \
                                       const AdamwScheduleFreeHyper&, double);                    \
  template void d_adapt_adam<T>(const Pass<T>&, OptimizerState<T>&, const DAdaptAdamHyper&,       \
                                double, double);                                                  \
  template void d_adapt_sgd<T>(const Pass<T>&, OptimizerState<T>&, const DAdaptSgdHyper&, double); \
  template void prodigy<T>(const Pass<T>&, OptimizerState<T>&, const ProdigyHyper&, double, double);
LRB_INSTANTIATE(float)
LRB_INSTANTIATE(double)
#undef LRB_INSTANTIATE

}  // namespace detail

// ---------------------------------------------------------------------------
// The evaluation point

bool has_eval_point(const Optimizer& opt) {
  return std::holds_alternative<SgdScheduleFreeHyper>(opt.hyper) ||
         std::holds_alternative<AdamwScheduleFreeHyper>(opt.hyper);
}

template <class T>
void eval_point(std::span<const T> params, const OptimizerState<T>& state, const Optimizer& opt,
                std::span<T> out) {
  const size_t n = params.size();
  if (out.size() != n || state.n != n)
    throw std::invalid_argument("optim::eval_point(" + opt.name + "): params, out and state sizes differ (" +
                                std::to_string(n) + ", " + std::to_string(out.size()) + ", " +
                                std::to_string(state.n) + ")");
  if (state.arena.size() != static_cast<size_t>(state_slots(opt)) * n)
    throw std::invalid_argument("optim::eval_point(" + opt.name +
                                "): state was not made for this optimizer (make_state)");
  const T* y = params.data();
  T* x = out.data();
  if (!has_eval_point(opt) || !state.lr_free.started) {
    std::copy(y, y + n, x);
    return;
  }
  // x = lerp(y, z, 1 - 1/b): the schedule-free classes' eval().
  const double b = std::holds_alternative<SgdScheduleFreeHyper>(opt.hyper)
                       ? std::get<SgdScheduleFreeHyper>(opt.hyper).momentum
                       : std::get<AdamwScheduleFreeHyper>(opt.hyper).beta1;
  const detail::Lerp<T> lw = detail::lerp_weight<T>(1 - 1 / b);
  const T* z = state.arena.data();  // slot 0
  const T w = lw.w;
  detail::dispatch(
      [&](auto LARGE) {
        detail::index_loop(n, [=](size_t i) {
          x[i] = detail::lerp<decltype(LARGE)::value>(y[i], z[i], w);
        });
      },
      lw.large);
}

template void eval_point<float>(std::span<const float>, const OptimizerState<float>&,
                                const Optimizer&, std::span<float>);
template void eval_point<double>(std::span<const double>, const OptimizerState<double>&,
                                 const Optimizer&, std::span<double>);

}  // namespace lrb::optim
