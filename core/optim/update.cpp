// The update kernels.  Formulas, op order and conventions: optim.hpp.
//
// Shape of every kernel: scalars in double -> cast to T once -> one fused
// OpenMP pass over the elements that reads p, g and the state slots once and
// writes p and the slots once.  Gradient clipping is folded into that pass as
// a per-element transform of g (after at most one read-only norm pass), so
// nothing is allocated and g is never written.
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "core/optim/optim.hpp"

namespace lrb::optim {
namespace {

// ---------------------------------------------------------------------------
// Small helpers

// a*b + c with one rounding: ATen's AVX2 kernels for add_(alpha) and addcmul_.
template <class T>
inline T fmadd(T a, T b, T c) {
  return std::fma(a, b, c);
}

// max/min that propagate NaN like torch.maximum/amax/clamp and np.maximum.
// Written as one select each so that loops using them still vectorize.
template <class T>
inline T nanmax(T a, T b) {
  return (a < b || b != b) ? b : a;
}
template <class T>
inline T nanmin(T a, T b) {
  return (b < a || b != b) ? b : a;
}

template <class T>
inline T c(double x) {
  return static_cast<T>(x);
}

// Calls f(std::bool_constant<b>...) for runtime flags, so that element loops
// with optional state slots compile to branch-free (vectorizable) variants.
template <class F>
void dispatch(F&& f) {
  f();
}
template <class F, class... Rest>
void dispatch(F&& f, bool b, Rest... rest) {
  if (b)
    dispatch([&](auto... c) { f(std::true_type{}, c...); }, rest...);
  else
    dispatch([&](auto... c) { f(std::false_type{}, c...); }, rest...);
}

// Elementwise loops smaller than this stay on one thread (the result does not
// depend on it: every element is computed the same way either way).
constexpr size_t kParallelMin = 4096;

// ---------------------------------------------------------------------------
// Deterministic sum of squares (STYLE.md 7).  Fixed kChunk-element chunks
// relative to x (the start of one tensor), chunk partials combined serially in
// chunk order; within a chunk, 8 interleaved lanes (lane j takes elements
// i = j mod 8 of the chunk, tail included) combined as ((l0+l1)+(l2+l3)) +
// ((l4+l5)+(l6+l7)).  Nothing depends on the thread count.  Tensors shorter
// than kSeqMax are summed left to right instead, which is also what ATen's
// norm kernel does for the few-element tensors of the goldens.  Chunks are
// processed kRound at a time so that the partials live on the stack.

constexpr size_t kChunk = 4096;
constexpr size_t kRound = 256;
constexpr size_t kSeqMax = 16;

// Fused = true: s = fma(x, x, s) as ATen's norm kernel; false: s + x*x (NumPy/Keras).
template <bool Fused, class T>
inline T sq_acc(T s, T x) {
  if constexpr (Fused) return fmadd(x, x, s);
  else return s + x * x;
}

template <bool Fused, class T>
T chunk_sum(const T* x, size_t len) {
  if (len < kSeqMax) {
    T s = 0;
    for (size_t i = 0; i < len; ++i) s = sq_acc<Fused>(s, x[i]);
    return s;
  }
  T l[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  size_t i = 0;
  for (; i + 8 <= len; i += 8)
    for (size_t j = 0; j < 8; ++j) l[j] = sq_acc<Fused>(l[j], x[i + j]);
  for (size_t j = 0; i + j < len; ++j) l[j] = sq_acc<Fused>(l[j], x[i + j]);
  return ((l[0] + l[1]) + (l[2] + l[3])) + ((l[4] + l[5]) + (l[6] + l[7]));
}

template <bool Fused, class T>
T sum_squares(const T* x, size_t len) {
  const size_t nchunks = (len + kChunk - 1) / kChunk;
  T total = 0;
  for (size_t r0 = 0; r0 < nchunks; r0 += kRound) {
    const size_t rn = std::min(kRound, nchunks - r0);
    T partial[kRound];
#pragma omp parallel for schedule(static) if (rn > 1)
    for (size_t ci = 0; ci < rn; ++ci) {
      const size_t b = (r0 + ci) * kChunk;
      partial[ci] = chunk_sum<Fused>(x + b, std::min(len, b + kChunk) - b);
    }
    for (size_t ci = 0; ci < rn; ++ci) total = total + partial[ci];
  }
  return total;
}

// ---------------------------------------------------------------------------
// Gradient transform folded into the element pass:
//   none:     g
//   general:  (clamp(g, lo, hi) * a) / d
// which covers every clipping mode exactly: scale (lo = -inf, hi = inf,
// d = 1: x*1 and x/1 are exact), Keras clipnorm (a = c, d = max(norm, c)) and
// clamp (a = d = 1).  Clamping with infinite bounds is the identity, NaN kept.

template <class T>
struct Xform {
  bool on = false;
  T lo = -INFINITY, hi = INFINITY, a = 1, d = 1;
};

template <bool On, class T>
inline T apply_xform(T g, const Xform<T>& x) {
  if constexpr (!On) return g;
  else return (nanmin(nanmax(g, x.lo), x.hi) * x.a) / x.d;
}

// Everything a kernel's element loop needs besides its own scalars.
template <class T>
struct Pass {
  T* p = nullptr;
  const T* g = nullptr;
  T* arena = nullptr;
  size_t n = 0;
  std::span<const size_t> offsets;  // empty = one tensor
  Xform<T> x;                       // whole-span transform
  bool keras_clipnorm = false;      // per-tensor d instead
  T clipnorm = 0;
  T* slot(int k) const { return arena + static_cast<size_t>(k) * n; }
};

template <bool On, class T, class Body>
void loop(const T* g, size_t b, size_t e, const Xform<T>& x, const Body& body) {
  const ptrdiff_t B = static_cast<ptrdiff_t>(b), E = static_cast<ptrdiff_t>(e);
  if (e - b < kParallelMin || omp_get_max_threads() == 1) {
    // No OpenMP construct at all: even a one-thread parallel region costs
    // about as much as updating a small model's few hundred parameters.
    const Body f = body;
    const Xform<T> xf = x;
    for (ptrdiff_t i = B; i < E; ++i) f(static_cast<size_t>(i), apply_xform<On>(g[i], xf));
    return;
  }
#pragma omp parallel
  {
    // Thread-local copies: the compiler can then keep the captured pointers and
    // scalars in registers (a store through p[i] cannot alias a local), which
    // is what lets the element loops vectorize.
    const Body f = body;
    const Xform<T> xf = x;
#pragma omp for schedule(static)
    for (ptrdiff_t i = B; i < E; ++i) f(static_cast<size_t>(i), apply_xform<On>(g[i], xf));
  }
}

size_t tensor_begin(std::span<const size_t> off, size_t k) { return off.empty() ? 0 : off[k]; }
size_t tensor_end(std::span<const size_t> off, size_t k, size_t n) {
  return (off.empty() || k + 1 >= off.size()) ? n : off[k + 1];
}
size_t tensor_count(std::span<const size_t> off) { return off.empty() ? 1 : off.size(); }

// Runs body(i, g_transformed) over every element.
template <class T, class Body>
void run(const Pass<T>& ps, const Body& body) {
  if (ps.keras_clipnorm) {
    // Keras clipnorm: per tensor, g <- (g * c) / max(||g_k||, c).
    for (size_t k = 0; k < tensor_count(ps.offsets); ++k) {
      const size_t b = tensor_begin(ps.offsets, k), e = tensor_end(ps.offsets, k, ps.n);
      const T ss = sum_squares<false>(ps.g + b, e - b);
      const T l2 = ss > T(0) ? std::sqrt(ss) : ss;  // Keras' two-tap where()
      Xform<T> x;
      x.a = ps.clipnorm;
      x.d = nanmax(l2, ps.clipnorm);
      loop<true>(ps.g, b, e, x, body);
    }
  } else if (ps.x.on) {
    loop<true>(ps.g, 0, ps.n, ps.x, body);
  } else {
    loop<false>(ps.g, 0, ps.n, ps.x, body);
  }
}

// Sets up the clipping transform (the norm pass happens here, read-only).
template <class T>
void prepare_clip(Pass<T>& ps, const Optimizer& opt) {
  const size_t nt = tensor_count(ps.offsets);
  if (opt.convention == Convention::pytorch) {
    if (opt.clip_grad_norm) {
      // torch.norm(stack([torch.norm(g_k) for k])): a norm of per-tensor norms.
      T acc = 0;
      for (size_t k = 0; k < nt; ++k) {
        const size_t b = tensor_begin(ps.offsets, k), e = tensor_end(ps.offsets, k, ps.n);
        const T nk = std::sqrt(sum_squares<true>(ps.g + b, e - b));
        acc = fmadd(nk, nk, acc);
      }
      const T total = std::sqrt(acc);
      // clip_coef = max_norm / (total + 1e-6), Python's float/Tensor = reciprocal * float.
      const T coef = (T(1) / (total + c<T>(1e-6))) * c<T>(*opt.clip_grad_norm);
      ps.x.on = true;
      ps.x.a = nanmin(coef, T(1));  // torch.clamp(max=1.0); 1.13 always multiplies
    } else if (opt.clip_grad_value) {
      ps.x.on = true;
      ps.x.lo = c<T>(-*opt.clip_grad_value);
      ps.x.hi = c<T>(*opt.clip_grad_value);
    }
    return;
  }
  if (opt.clipnorm) {
    ps.keras_clipnorm = true;
    ps.clipnorm = c<T>(*opt.clipnorm);
  } else if (opt.global_clipnorm) {
    T ss = 0;
    for (size_t k = 0; k < nt; ++k) {
      const size_t b = tensor_begin(ps.offsets, k), e = tensor_end(ps.offsets, k, ps.n);
      ss = ss + sum_squares<false>(ps.g + b, e - b);
    }
    const T norm = std::sqrt(ss);
    const double cn = *opt.global_clipnorm;
    T s = c<T>(cn) * nanmin(T(1) / norm, c<T>(1.0 / cn));
    s = s + (norm - norm);  // NaN for a non-finite norm, as Keras
    ps.x.on = true;
    ps.x.a = s;
  } else if (opt.clipvalue) {
    ps.x.on = true;
    ps.x.lo = c<T>(-*opt.clipvalue);
    ps.x.hi = c<T>(*opt.clipvalue);
  }
}

// ---------------------------------------------------------------------------
// Kernels.  `t` is the step being taken (1-based).  Every runtime option that
// changes the element loop is a compile-time flag (dispatch), so each variant
// is a branch-free loop.  The value of the `if constexpr (X)` tests below is
// decltype(X)::value.
//
// PyTorch's `maximize` is g * (+-1): exact, and the same bits as -g.
// Keras kernels start with the optimizer-wide decoupled weight decay
//   KWD:  p <- p - (p * T(wd)) * T(lr)      (skipped when wd == 0, as None)

#define ON(flag) (decltype(flag)::value)

template <class T>
struct Common {
  T* p;
  T sgn;       // pytorch maximize: -1, else 1
  T kwd, klr;  // keras decoupled weight decay, lr (both cast to T)
};

template <class T>
Common<T> common(const Pass<T>& ps, const Optimizer& opt, double lr, bool maximize) {
  return {ps.p, maximize ? T(-1) : T(1), c<T>(opt.keras_weight_decay), c<T>(lr)};
}
inline bool keras_wd(const Optimizer& opt) {
  return opt.convention == Convention::keras && opt.keras_weight_decay != 0;
}

template <class T>
void gd(const Pass<T>& ps, const Optimizer& opt, double lr) {
  const Common<T> k = common(ps, opt, lr, false);
  T* p = ps.p;
  if (opt.convention == Convention::pytorch) {
    const T nlr = c<T>(-lr);
    run(ps, [=](size_t i, T g) { p[i] = fmadd(nlr, g, p[i]); });
  } else {
    dispatch(
        [&](auto KWD) {
          run(ps, [=](size_t i, T g) {
            T pi = p[i];
            if constexpr (ON(KWD)) pi = pi - (pi * k.kwd) * k.klr;
            p[i] = pi - g * k.klr;
          });
        },
        keras_wd(opt));
  }
}

template <class T>
void sgd(const Pass<T>& ps, OptimizerState<T>& st, const Optimizer& opt, const SgdHyper& h,
         double lr, double mu) {
  const Common<T> k = common(ps, opt, lr, h.maximize);
  T* p = ps.p;
  if (opt.convention == Convention::pytorch) {
    const T nlr = c<T>(-lr), wdT = c<T>(h.weight_decay), muT = c<T>(mu),
            omd = c<T>(1.0 - h.dampening), sgn = k.sgn;
    if (mu == 0) {  // PyTorch tests `momentum != 0` per step
      dispatch(
          [&](auto WD) {
            run(ps, [=](size_t i, T g) {
              T d = g * sgn;
              if constexpr (ON(WD)) d = fmadd(wdT, p[i], d);
              p[i] = fmadd(nlr, d, p[i]);
            });
          },
          h.weight_decay != 0);
      return;
    }
    T* buf = ps.slot(0);
    dispatch(
        [&](auto WD, auto NESTEROV, auto FIRST) {
          run(ps, [=](size_t i, T g) {
            T d = g * sgn;
            if constexpr (ON(WD)) d = fmadd(wdT, p[i], d);
            T b;
            if constexpr (ON(FIRST)) b = d;  // buf = clone(d): no dampening on step 1
            else b = fmadd(omd, d, buf[i] * muT);
            buf[i] = b;
            if constexpr (ON(NESTEROV)) d = fmadd(muT, b, d);
            else d = b;
            p[i] = fmadd(nlr, d, p[i]);
          });
        },
        h.weight_decay != 0, h.nesterov, !st.momentum_started);
    st.momentum_started = true;
  } else {
    const T muT = c<T>(mu), lrT = k.klr;
    if (state_slots(opt) == 0) {
      gd(ps, opt, lr);
      return;
    }
    T* m = ps.slot(0);
    dispatch(
        [&](auto KWD, auto NESTEROV) {
          run(ps, [=](size_t i, T g) {
            T pi = p[i];
            if constexpr (ON(KWD)) pi = pi - (pi * k.kwd) * k.klr;
            const T mi = m[i] * muT - g * lrT;
            m[i] = mi;
            if constexpr (ON(NESTEROV)) p[i] = pi + (mi * muT - g * lrT);
            else p[i] = pi + mi;
          });
        },
        keras_wd(opt), h.nesterov);
  }
}

template <class T>
void ema_momentum(const Pass<T>& ps, const Optimizer& opt, double lr, double beta) {
  const Common<T> k = common(ps, opt, lr, false);
  T* p = ps.p;
  T* v = ps.slot(0);
  const T b = c<T>(beta), omb = c<T>(1.0 - beta), lrT = k.klr;
  dispatch(
      [&](auto KWD) {
        run(ps, [=](size_t i, T g) {
          T pi = p[i];
          if constexpr (ON(KWD)) pi = pi - (pi * k.kwd) * k.klr;
          const T vi = b * v[i] + omb * g;
          v[i] = vi;
          p[i] = pi - lrT * vi;
        });
      },
      keras_wd(opt));
}

template <class T>
void rmsprop(const Pass<T>& ps, const Optimizer& opt, const RmspropHyper& h, double lr,
             double mu) {
  const Common<T> k = common(ps, opt, lr, h.maximize);
  T* p = ps.p;
  T* v = ps.slot(0);
  const bool has_mom = h.momentum > 0;  // slot layout: v, [b], [a] (make_state)
  T* buf = has_mom ? ps.slot(1) : nullptr;
  T* avg = h.centered ? ps.slot(has_mom ? 2 : 1) : nullptr;
  const T a = c<T>(h.alpha), oma = c<T>(1.0 - h.alpha), eps = c<T>(h.eps), muT = c<T>(mu);
  if (opt.convention == Convention::pytorch) {
    const T nlr = c<T>(-lr), wdT = c<T>(h.weight_decay), sgn = k.sgn;
    // PyTorch tests `momentum > 0` per step (an override of 0 skips the buffer).
    dispatch(
        [&](auto WD, auto CENTERED, auto MOM) {
          run(ps, [=](size_t i, T g) {
            T d = g * sgn;
            if constexpr (ON(WD)) d = fmadd(wdT, p[i], d);
            const T vi = fmadd(oma * d, d, v[i] * a);
            v[i] = vi;
            T s;
            if constexpr (ON(CENTERED)) {
              const T ai = fmadd(oma, d, avg[i] * a);
              avg[i] = ai;
              s = std::sqrt(fmadd(-ai, ai, vi));
            } else {
              s = std::sqrt(vi);
            }
            s = s + eps;
            if constexpr (ON(MOM)) {
              const T bi = buf[i] * muT + d / s;
              buf[i] = bi;
              p[i] = fmadd(nlr, bi, p[i]);
            } else {
              p[i] = p[i] + (nlr * d) / s;
            }
          });
        },
        h.weight_decay != 0, h.centered, has_mom && mu > 0);
  } else {
    const T lrT = k.klr;
    dispatch(
        [&](auto KWD, auto CENTERED, auto MOM) {
          run(ps, [=](size_t i, T g) {
            T pi = p[i];
            if constexpr (ON(KWD)) pi = pi - (pi * k.kwd) * k.klr;
            const T vi = a * v[i] + oma * (g * g);
            v[i] = vi;
            T den;
            if constexpr (ON(CENTERED)) {
              const T ai = a * avg[i] + oma * g;
              avg[i] = ai;
              den = (vi - ai * ai) + eps;
            } else {
              den = vi + eps;
            }
            const T inc = (lrT * g) / std::sqrt(den);
            if constexpr (ON(MOM)) {
              const T bi = muT * buf[i] + inc;
              buf[i] = bi;
              p[i] = pi - bi;
            } else {
              p[i] = pi - inc;
            }
          });
        },
        keras_wd(opt), h.centered, has_mom);
  }
}

template <class T>
void rmsprop_tutorial001(const Pass<T>& ps, const Optimizer& opt,
                         const RmspropTutorial001Hyper& h, double lr) {
  const Common<T> k = common(ps, opt, lr, false);
  T* p = ps.p;
  T* v = ps.slot(0);
  const T r = c<T>(h.rho), omr = c<T>(1.0 - h.rho), eps = c<T>(h.eps), lrT = k.klr;
  dispatch(
      [&](auto KWD) {
        run(ps, [=](size_t i, T g) {
          T pi = p[i];
          if constexpr (ON(KWD)) pi = pi - (pi * k.kwd) * k.klr;
          const T vi = r * v[i] + omr * (g * g);
          v[i] = vi;
          p[i] = pi - lrT / std::sqrt(vi + eps);
        });
      },
      keras_wd(opt));
}

template <class T>
void adagrad(const Pass<T>& ps, const Optimizer& opt, const AdagradHyper& h, double lr,
             int64_t t) {
  const Common<T> k = common(ps, opt, lr, h.maximize);
  T* p = ps.p;
  T* S = ps.slot(0);
  const T eps = c<T>(h.eps);
  if (opt.convention == Convention::pytorch) {
    const double clr = lr / (1 + static_cast<double>(t - 1) * h.lr_decay);
    const T nclr = c<T>(-clr), wdT = c<T>(h.weight_decay), sgn = k.sgn;
    dispatch(
        [&](auto WD) {
          run(ps, [=](size_t i, T g) {
            T d = g * sgn;
            if constexpr (ON(WD)) d = fmadd(wdT, p[i], d);
            const T s = fmadd(d, d, S[i]);
            S[i] = s;
            p[i] = p[i] + (nclr * d) / (std::sqrt(s) + eps);
          });
        },
        h.weight_decay != 0);
  } else {
    const T lrT = k.klr;
    dispatch(
        [&](auto KWD) {
          run(ps, [=](size_t i, T g) {
            T pi = p[i];
            if constexpr (ON(KWD)) pi = pi - (pi * k.kwd) * k.klr;
            const T s = S[i] + g * g;
            S[i] = s;
            p[i] = pi - (lrT * g) / std::sqrt(s + eps);
          });
        },
        keras_wd(opt));
  }
}

template <class T>
void adam(const Pass<T>& ps, const Optimizer& opt, const AdamHyper& h, double lr, double b1,
          int64_t t) {
  const Common<T> k = common(ps, opt, lr, h.maximize);
  T* p = ps.p;
  T* m = ps.slot(0);
  T* v = ps.slot(1);
  T* vmax = h.amsgrad ? ps.slot(2) : nullptr;
  const double b2 = h.beta2;
  const T eps = c<T>(h.eps), omb1 = c<T>(1.0 - b1), omb2 = c<T>(1.0 - b2);
  if (opt.convention == Convention::pytorch) {
    const double ts = static_cast<double>(t);
    const double bc1 = 1 - std::pow(b1, ts), bc2 = 1 - std::pow(b2, ts);
    const double step_size = lr / bc1;
    // AdamW's p *= 1 - lr*wd runs for every AdamW step (wd = 0: times 1, exact).
    const T nstep = c<T>(-step_size), bc2s = c<T>(std::sqrt(bc2)), b1T = c<T>(b1),
            b2T = c<T>(b2), wdT = c<T>(h.weight_decay),
            decay = c<T>(1.0 - lr * h.decoupled_weight_decay), sgn = k.sgn;
    dispatch(
        [&](auto WD, auto DECOUPLED, auto AMS) {
          run(ps, [=](size_t i, T g) {
            T d = g * sgn;
            T pi = p[i];
            if constexpr (ON(DECOUPLED)) pi = pi * decay;
            if constexpr (ON(WD)) d = fmadd(wdT, pi, d);
            const T mi = fmadd(omb1, d, m[i] * b1T);
            const T vi = fmadd(omb2 * d, d, v[i] * b2T);
            m[i] = mi;
            v[i] = vi;
            T vv = vi;
            if constexpr (ON(AMS)) {
              vv = nanmax(vmax[i], vi);
              vmax[i] = vv;
            }
            const T den = std::sqrt(vv) / bc2s + eps;
            p[i] = pi + (nstep * mi) / den;
          });
        },
        h.weight_decay != 0, h.decoupled_weight_decay != 0, h.amsgrad);
  } else {
    const T lrT = k.klr, tT = c<T>(static_cast<double>(t));
    const T b1p = std::pow(c<T>(b1), tT), b2p = std::pow(c<T>(b2), tT);
    const T alpha = lrT * std::sqrt(T(1) - b2p) / (T(1) - b1p);
    dispatch(
        [&](auto KWD, auto AMS) {
          run(ps, [=](size_t i, T g) {
            T pi = p[i];
            if constexpr (ON(KWD)) pi = pi - (pi * k.kwd) * k.klr;
            const T mi = m[i] + (g - m[i]) * omb1;
            const T vi = v[i] + (g * g - v[i]) * omb2;
            m[i] = mi;
            v[i] = vi;
            T vv = vi;
            if constexpr (ON(AMS)) {
              vv = nanmax(vmax[i], vi);
              vmax[i] = vv;
            }
            p[i] = pi - (mi * alpha) / (std::sqrt(vv) + eps);
          });
        },
        keras_wd(opt), h.amsgrad);
  }
}

template <class T>
void nadam(const Pass<T>& ps, OptimizerState<T>& st, const Optimizer& opt, const NadamHyper& h,
           double lr, double b1, int64_t t) {
  const Common<T> k = common(ps, opt, lr, false);
  T* p = ps.p;
  T* m = ps.slot(0);
  T* v = ps.slot(1);
  const double b2 = h.beta2;
  const T eps = c<T>(h.eps);
  if (opt.convention == Convention::pytorch) {
    const double ts = static_cast<double>(t);
    const double bc2 = 1 - std::pow(b2, ts);
    const double mu = b1 * (1. - 0.5 * std::pow(0.96, ts * h.momentum_decay));
    const double mu_next = b1 * (1. - 0.5 * std::pow(0.96, (ts + 1) * h.momentum_decay));
    // mu_product is a float32 tensor in 1.13 whatever the parameter dtype.
    const float P = static_cast<float>(st.mu_product) * static_cast<float>(mu);
    const float Pn = (P * static_cast<float>(mu)) * static_cast<float>(mu_next);
    st.mu_product = P;
    const double c1 = -lr * (1. - mu) / (1. - static_cast<double>(P));
    const double c2 = -lr * mu_next / (1. - static_cast<double>(Pn));
    const T c1T = c<T>(c1), c2T = c<T>(c2), b1T = c<T>(b1), b2T = c<T>(b2),
            omb1 = c<T>(1.0 - b1), omb2 = c<T>(1.0 - b2), bc2T = c<T>(bc2),
            wdT = c<T>(h.weight_decay);
    dispatch(
        [&](auto WD) {
          run(ps, [=](size_t i, T g) {
            T d = g;
            if constexpr (ON(WD)) d = fmadd(wdT, p[i], d);
            const T mi = fmadd(omb1, d, m[i] * b1T);
            const T vi = fmadd(omb2 * d, d, v[i] * b2T);
            m[i] = mi;
            v[i] = vi;
            const T den = std::sqrt(vi / bc2T) + eps;
            const T pi = p[i] + (c1T * d) / den;
            p[i] = pi + (c2T * mi) / den;
          });
        },
        h.weight_decay != 0);
  } else {
    const T one = 1, half = c<T>(0.5), decay = c<T>(0.96), b1T = c<T>(b1), b2T = c<T>(b2);
    const T tT = c<T>(static_cast<double>(t)), t1T = c<T>(static_cast<double>(t + 1));
    // _backend_update_step: u_product <- u_product * beta_1 * (1 - 0.5 * 0.96^t), in T.
    const T U = (c<T>(st.mu_product) * b1T) * (one - half * std::pow(decay, tT));
    st.mu_product = static_cast<double>(U);
    const T u_t = b1T * (one - half * std::pow(decay, tT));
    const T u_t1 = b1T * (one - half * std::pow(decay, t1T));
    const T U1 = U * u_t1;
    const T b2p = std::pow(b2T, tT);
    const T lrT = k.klr, omb1 = one - b1T, omb2 = one - b2T;
    const T k_m = one - U1, k_g = one - u_t, k_gd = one - U, k_v = one - b2p;
    dispatch(
        [&](auto KWD) {
          run(ps, [=](size_t i, T g) {
            T pi = p[i];
            if constexpr (ON(KWD)) pi = pi - (pi * k.kwd) * k.klr;
            const T mi = m[i] + (g - m[i]) * omb1;
            const T vi = v[i] + (g * g - v[i]) * omb2;
            m[i] = mi;
            v[i] = vi;
            const T mhat = (u_t1 * mi) / k_m + (k_g * g) / k_gd;
            const T vhat = vi / k_v;
            p[i] = pi - (mhat * lrT) / (std::sqrt(vhat) + eps);
          });
        },
        keras_wd(opt));
  }
}

template <class T>
void adamax(const Pass<T>& ps, const Optimizer& opt, const AdamaxHyper& h, double lr, double b1,
            int64_t t) {
  const Common<T> k = common(ps, opt, lr, h.maximize);
  T* p = ps.p;
  T* m = ps.slot(0);
  T* u = ps.slot(1);
  const double b2 = h.beta2;
  const T eps = c<T>(h.eps), omb1 = c<T>(1.0 - b1), b2T = c<T>(b2);
  if (opt.convention == Convention::pytorch) {
    const double clr = lr / (1 - std::pow(b1, static_cast<double>(t)));
    const T nclr = c<T>(-clr), b1T = c<T>(b1), wdT = c<T>(h.weight_decay), sgn = k.sgn;
    dispatch(
        [&](auto WD) {
          run(ps, [=](size_t i, T g) {
            T d = g * sgn;
            if constexpr (ON(WD)) d = fmadd(wdT, p[i], d);
            const T mi = fmadd(omb1, d, m[i] * b1T);
            const T ui = nanmax(u[i] * b2T, std::abs(d) + eps);
            m[i] = mi;
            u[i] = ui;
            p[i] = p[i] + (nclr * mi) / ui;
          });
        },
        h.weight_decay != 0);
  } else {
    const T lrT = k.klr;
    const T kb = T(1) - std::pow(c<T>(b1), c<T>(static_cast<double>(t)));
    dispatch(
        [&](auto KWD) {
          run(ps, [=](size_t i, T g) {
            T pi = p[i];
            if constexpr (ON(KWD)) pi = pi - (pi * k.kwd) * k.klr;
            const T mi = m[i] + (g - m[i]) * omb1;
            const T ui = nanmax(b2T * u[i], std::abs(g));
            m[i] = mi;
            u[i] = ui;
            p[i] = pi - (lrT * mi) / (kb * (ui + eps));
          });
        },
        keras_wd(opt));
  }
}

template <class T>
void adadelta(const Pass<T>& ps, const Optimizer& opt, const AdadeltaHyper& h, double lr) {
  const Common<T> k = common(ps, opt, lr, h.maximize);
  T* p = ps.p;
  T* s = ps.slot(0);
  T* a = ps.slot(1);
  const T r = c<T>(h.rho), omr = c<T>(1.0 - h.rho), eps = c<T>(h.eps);
  if (opt.convention == Convention::pytorch) {
    const T nlr = c<T>(-lr), wdT = c<T>(h.weight_decay), sgn = k.sgn;
    dispatch(
        [&](auto WD) {
          run(ps, [=](size_t i, T g) {
            T d = g * sgn;
            if constexpr (ON(WD)) d = fmadd(wdT, p[i], d);
            const T si = fmadd(omr * d, d, s[i] * r);
            s[i] = si;
            const T delta = (std::sqrt(a[i] + eps) / std::sqrt(si + eps)) * d;
            a[i] = fmadd(omr * delta, delta, a[i] * r);
            p[i] = fmadd(nlr, delta, p[i]);
          });
        },
        h.weight_decay != 0);
  } else {
    const T lrT = k.klr;
    dispatch(
        [&](auto KWD) {
          run(ps, [=](size_t i, T g) {
            T pi = p[i];
            if constexpr (ON(KWD)) pi = pi - (pi * k.kwd) * k.klr;
            const T si = r * s[i] + omr * (g * g);
            s[i] = si;
            const T delta = -((std::sqrt(a[i] + eps) * g) / std::sqrt(si + eps));
            a[i] = r * a[i] + omr * (delta * delta);
            p[i] = pi + lrT * delta;
          });
        },
        keras_wd(opt));
  }
}

template <class T>
void adam_tutorial000(const Pass<T>& ps, const Optimizer& opt, const AdamTutorial000Hyper& h,
                      double lr, double b1) {
  const Common<T> k = common(ps, opt, lr, false);
  T* p = ps.p;
  T* m = ps.slot(0);
  T* v = ps.slot(1);
  const T b1T = c<T>(b1), omb1 = c<T>(1.0 - b1), b2T = c<T>(h.beta2),
          omb2 = c<T>(1.0 - h.beta2), eps = c<T>(h.eps), lrT = k.klr;
  dispatch(
      [&](auto KWD) {
        run(ps, [=](size_t i, T g) {
          T pi = p[i];
          if constexpr (ON(KWD)) pi = pi - (pi * k.kwd) * k.klr;
          const T mi = b1T * m[i] + omb1 * g;
          const T vi = b2T * v[i] + omb2 * (g * g);
          m[i] = mi;
          v[i] = vi;
          p[i] = pi - (lrT * mi) / (std::sqrt(vi) + eps);
        });
      },
      keras_wd(opt));
}

#undef ON

[[noreturn]] void bad(const Optimizer& opt, const std::string& what) {
  throw std::invalid_argument("optim::update(" + opt.name + "): " + what);
}

}  // namespace

template <class T>
void update(std::span<T> params, std::span<const T> grads, OptimizerState<T>& state,
            const Optimizer& opt, double lr, std::optional<double> momentum,
            std::span<const size_t> tensor_offsets) {
  const size_t n = params.size();
  if (grads.size() != n || state.n != n)
    bad(opt, "params, grads and state sizes differ (" + std::to_string(n) + ", " +
                 std::to_string(grads.size()) + ", " + std::to_string(state.n) + ")");
  if (state.arena.size() != static_cast<size_t>(state_slots(opt)) * n)
    bad(opt, "state was not made for this optimizer (make_state)");
  if (!tensor_offsets.empty()) {
    if (tensor_offsets[0] != 0) bad(opt, "tensor_offsets must start at 0");
    for (size_t k = 1; k < tensor_offsets.size(); ++k)
      if (tensor_offsets[k] <= tensor_offsets[k - 1] || tensor_offsets[k] >= n)
        bad(opt, "tensor_offsets must be strictly increasing and < n");
  }

  Pass<T> ps;
  ps.p = params.data();
  ps.g = grads.data();
  ps.arena = state.arena.data();
  ps.n = n;
  ps.offsets = tensor_offsets;
  prepare_clip(ps, opt);
  const int64_t t = state.step + 1;

  auto mom = [&](double configured, bool has_buffer) -> double {
    if (!momentum) return configured;
    if (!has_buffer) bad(opt, "a momentum override needs an optimizer built with momentum > 0");
    return *momentum;
  };

  std::visit(
      [&](const auto& h) {
        using H = std::decay_t<decltype(h)>;
        if constexpr (!std::is_same_v<H, SgdHyper> && !std::is_same_v<H, RmspropHyper> &&
                      !std::is_same_v<H, EmaMomentumHyper> && !std::is_same_v<H, AdamHyper> &&
                      !std::is_same_v<H, NadamHyper> && !std::is_same_v<H, AdamaxHyper> &&
                      !std::is_same_v<H, AdamTutorial000Hyper>) {
          if (momentum) bad(opt, "this optimizer has no momentum or beta1 to override");
        }
        if constexpr (std::is_same_v<H, GdHyper>) {
          gd(ps, opt, lr);
        } else if constexpr (std::is_same_v<H, SgdHyper>) {
          sgd(ps, state, opt, h, lr, mom(h.momentum, h.momentum != 0));
        } else if constexpr (std::is_same_v<H, EmaMomentumHyper>) {
          ema_momentum(ps, opt, lr, mom(h.beta, true));
        } else if constexpr (std::is_same_v<H, RmspropHyper>) {
          rmsprop(ps, opt, h, lr, mom(h.momentum, h.momentum > 0));
        } else if constexpr (std::is_same_v<H, RmspropTutorial001Hyper>) {
          rmsprop_tutorial001(ps, opt, h, lr);
        } else if constexpr (std::is_same_v<H, AdagradHyper>) {
          adagrad(ps, opt, h, lr, t);
        } else if constexpr (std::is_same_v<H, AdamHyper>) {
          adam(ps, opt, h, lr, mom(h.beta1, true), t);
        } else if constexpr (std::is_same_v<H, NadamHyper>) {
          nadam(ps, state, opt, h, lr, mom(h.beta1, true), t);
        } else if constexpr (std::is_same_v<H, AdamaxHyper>) {
          adamax(ps, opt, h, lr, mom(h.beta1, true), t);
        } else if constexpr (std::is_same_v<H, AdadeltaHyper>) {
          adadelta(ps, opt, h, lr);
        } else if constexpr (std::is_same_v<H, AdamTutorial000Hyper>) {
          adam_tutorial000(ps, opt, h, lr, mom(h.beta1, true));
        }
      },
      opt.hyper);
  state.step = t;
}

template void update<float>(std::span<float>, std::span<const float>, OptimizerState<float>&,
                            const Optimizer&, double, std::optional<double>,
                            std::span<const size_t>);
template void update<double>(std::span<double>, std::span<const double>,
                             OptimizerState<double>&, const Optimizer&, double,
                             std::optional<double>, std::span<const size_t>);

}  // namespace lrb::optim
