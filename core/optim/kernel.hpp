#pragma once
// Shared by the update kernels (update.cpp, update_framework.cpp): scalar
// helpers, the deterministic sum of squares, the gradient transform that
// folds clipping into the element pass, and the element-loop driver.
// Internal to core/optim: include only from the kernel sources.
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <span>
#include <type_traits>

#include "core/optim/optim.hpp"

namespace lrb::optim::detail {
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

inline size_t tensor_begin(std::span<const size_t> off, size_t k) { return off.empty() ? 0 : off[k]; }
inline size_t tensor_end(std::span<const size_t> off, size_t k, size_t n) {
  return (off.empty() || k + 1 >= off.size()) ? n : off[k + 1];
}
inline size_t tensor_count(std::span<const size_t> off) { return off.empty() ? 1 : off.size(); }

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

}  // namespace lrb::optim::detail
