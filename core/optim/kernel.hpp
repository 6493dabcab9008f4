#pragma once
// Shared by the update kernels (update.cpp, update_framework.cpp): scalar
// helpers, the deterministic sum of squares, the gradient transform that
// folds clipping into the element pass, and the element-loop driver.
// Internal to core/optim: include only from the kernel sources.
#include <omp.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
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

// np.sign: 0 for +-0, NaN for NaN (Lion, the chain's scale_by_sign).
template <class T>
inline T numpy_sign(T x) {
  T s = std::copysign(T(1), x);
  s = x == T(0) ? T(0) : s;
  return x != x ? x : s;
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

// The transform for the elements [b, e) of one tensor: the whole-span one, or
// Keras clipnorm's per-tensor g <- (g * c) / max(||g_k||, c) (a norm pass).
template <class T>
Xform<T> tensor_xform(const Pass<T>& ps, size_t b, size_t e) {
  if (!ps.keras_clipnorm) return ps.x;
  const T ss = sum_squares<false>(ps.g + b, e - b);
  const T l2 = ss > T(0) ? std::sqrt(ss) : ss;  // Keras' two-tap where()
  Xform<T> x;
  x.on = true;
  x.a = ps.clipnorm;
  x.d = nanmax(l2, ps.clipnorm);
  return x;
}

// Runs body(i, g_transformed) over every element.
template <class T, class Body>
void run(const Pass<T>& ps, const Body& body) {
  if (ps.keras_clipnorm) {
    for (size_t k = 0; k < tensor_count(ps.offsets); ++k) {
      const size_t b = tensor_begin(ps.offsets, k), e = tensor_end(ps.offsets, k, ps.n);
      loop<true>(ps.g, b, e, tensor_xform(ps, b, e), body);
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
// Per-tensor passes (LAMB, Adafactor): element loops without g, and sums of
// values computed on the fly in sum_squares' fixed order.

// body(i) for i in [b, e); parallel if `parallel` (the bits do not depend on it).
template <class Body>
void each(size_t b, size_t e, bool parallel, const Body& body) {
  const ptrdiff_t B = static_cast<ptrdiff_t>(b), E = static_cast<ptrdiff_t>(e);
#pragma omp parallel if (parallel)
  {
    const Body f = body;  // thread-local copy, as in loop()
#pragma omp for schedule(static)
    for (ptrdiff_t i = B; i < E; ++i) f(static_cast<size_t>(i));
  }
}

// chunk_sum's order over the elements [0, len): f(i) returns the K values of
// element i (a std::array<T, K>), each squared (Square) or taken as is and
// added into its own 8 lanes (lane i mod 8; left to right under kSeqMax).
template <int K, bool Square, class T, class F>
void lane_sums(size_t len, const F& f, T* res) {
  auto term = [](T x) {
    if constexpr (Square) return x * x;
    else return x;
  };
  if (len < kSeqMax) {
    T s[K] = {};
    for (size_t i = 0; i < len; ++i) {
      const std::array<T, K> v = f(i);
      for (int k = 0; k < K; ++k) s[k] = s[k] + term(v[k]);
    }
    for (int k = 0; k < K; ++k) res[k] = s[k];
    return;
  }
  T l[K][8] = {};
  size_t i = 0;
  for (; i + 8 <= len; i += 8) {
    T v[K][8];  // 8 elements first (value by value), then the lanes: vectorizable
    for (size_t j = 0; j < 8; ++j) {
      const std::array<T, K> a = f(i + j);
      for (int k = 0; k < K; ++k) v[k][j] = a[k];
    }
    for (int k = 0; k < K; ++k)
      for (size_t j = 0; j < 8; ++j) l[k][j] = l[k][j] + term(v[k][j]);
  }
  for (size_t j = 0; i + j < len; ++j) {
    const std::array<T, K> v = f(i + j);
    for (int k = 0; k < K; ++k) l[k][j] = l[k][j] + term(v[k]);
  }
  for (int k = 0; k < K; ++k)
    res[k] = ((l[k][0] + l[k][1]) + (l[k][2] + l[k][3])) + ((l[k][4] + l[k][5]) + (l[k][6] + l[k][7]));
}

// Sums over the elements [0, len) of one tensor, K values each, in
// sum_squares' order: kChunk-element chunks in parallel, partials combined
// serially in chunk order.  Per chunk, first update(i) for every element (its
// side effects: the state), then lane_sums of value(i), a pure function of
// what update wrote -- two simple loops over data in cache, which vectorize
// where one fused loop would not.  i is relative to the tensor's start.
// Same bits as sum_squares<false> where value yields x[i] (Square).
// Chunks (or rows) per parallel region of chunked_sums and row_sums: 16 Mi
// elements in one region (a fork/join per round costs a scheduling quantum on
// a busy machine); the partials, K * 4096 values, live on the stack.
constexpr size_t kWideRound = 4096;

template <int K, bool Square, class T, class Update, class Value>
std::array<T, K> chunked_sums(size_t len, const Update& update, const Value& value) {
  const size_t nchunks = (len + kChunk - 1) / kChunk;
  std::array<T, K> total{};
  for (size_t r0 = 0; r0 < nchunks; r0 += kWideRound) {
    const size_t rn = std::min(kWideRound, nchunks - r0);
    T partial[kWideRound][K];
#pragma omp parallel if (rn > 1)
    {
      const Update up = update;  // thread-local copies, as in loop()
      const Value val = value;
#pragma omp for schedule(static)
      for (size_t ci = 0; ci < rn; ++ci) {
        const size_t b = (r0 + ci) * kChunk, e = std::min(len, b + kChunk);
        for (size_t i = b; i < e; ++i) up(i);
        lane_sums<K, Square, T>(e - b, [&](size_t i) { return val(b + i); }, partial[ci]);
      }
    }
    for (size_t ci = 0; ci < rn; ++ci)
      for (int k = 0; k < K; ++k) total[k] = total[k] + partial[ci][k];
  }
  return total;
}

// Sums over a (rows, cols) matrix, K values each: one lane_sums per row
// (rows in parallel, kWideRound at a time), row partials combined serially in
// row order.  row_fn(row) returns the f(j) of that row (j = 0 .. cols-1).
template <int K, bool Square, class T, class RowFn>
std::array<T, K> row_sums(size_t rows, size_t cols, bool parallel, const RowFn& row_fn) {
  std::array<T, K> total{};
  for (size_t r0 = 0; r0 < rows; r0 += kWideRound) {
    const size_t rn = std::min(kWideRound, rows - r0);
    T partial[kWideRound][K];
#pragma omp parallel for schedule(static) if (parallel && rn > 1)
    for (size_t ri = 0; ri < rn; ++ri) lane_sums<K, Square, T>(cols, row_fn(r0 + ri), partial[ri]);
    for (size_t ri = 0; ri < rn; ++ri)
      for (int k = 0; k < K; ++k) total[k] = total[k] + partial[ri][k];
  }
  return total;
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

// ---------------------------------------------------------------------------
// The kernels of update_framework.cpp (framework_optimizers.hpp), called by
// update().  lr: this step's LR; b1: beta1 after any momentum override; t: the
// step being taken (1-based).

template <class T>
void radam(const Pass<T>& ps, const Optimizer& opt, const RadamHyper& h, double lr, double b1,
           int64_t t);
template <class T>
void rprop(const Pass<T>& ps, const Optimizer& opt, const RpropHyper& h, double lr, int64_t t);
template <class T>
void asgd(const Pass<T>& ps, OptimizerState<T>& st, const Optimizer& opt, const AsgdHyper& h,
          double lr, int64_t t);
template <class T>
void lion(const Pass<T>& ps, const Optimizer& opt, const LionHyper& h, double lr, double b1);
template <class T>
void lamb(const Pass<T>& ps, const Optimizer& opt, const LambHyper& h, double lr, double b1,
          int64_t t);
template <class T>
void adafactor(const Pass<T>& ps, const Optimizer& opt, const AdafactorHyper& h, double lr,
               int64_t t, std::span<const FactorDims> dims);
template <class T>
void ftrl(const Pass<T>& ps, const Optimizer& opt, const FtrlHyper& h, double lr);

// The chain's kernel (update_chain.cpp, chain.hpp): every transform in
// order, then p += u.  Does not advance st.step (update() does).
template <class T>
void chain_update(std::span<T> params, std::span<const T> grads, OptimizerState<T>& st,
                  const ChainHyper& h, double lr, std::span<const size_t> offsets);

// Adafactor's arena layout: per tensor k, in order, either its factors
// r (B*R), c (B*C) and room for mean_i r (B, recomputed every step: kept here
// so that a step does not allocate) when dims[k].rows > 0, or v (its size).
// Calls f(k, b, e, B, R, C, state_offset) per tensor (B = R = C = 0 for an
// unfactored one) and returns the total.  Throws std::invalid_argument for
// dims that do not fit the tensors.
// FNV-1a over (tensor_offsets, factor_dims): which layout an Adafactor state
// was made for (a state of the same size but another layout is refused).
inline uint64_t layout_fingerprint(std::span<const size_t> offsets,
                                   std::span<const FactorDims> dims) {
  uint64_t h = 1469598103934665603ull;
  auto mix = [&](uint64_t v) {
    for (int i = 0; i < 8; ++i) h = (h ^ ((v >> (8 * i)) & 0xff)) * 1099511628211ull;
  };
  mix(offsets.size());
  for (size_t o : offsets) mix(o);
  mix(dims.size());
  for (const auto& d : dims) {
    mix(d.rows);
    mix(d.cols);
  }
  return h;
}

template <class F>
size_t adafactor_layout(size_t n, std::span<const size_t> offsets,
                        std::span<const FactorDims> dims, const F& f) {
  const size_t nt = tensor_count(offsets);
  if (!dims.empty() && dims.size() != nt)
    throw std::invalid_argument("factor_dims has " + std::to_string(dims.size()) +
                                " entries for " + std::to_string(nt) + " tensors");
  size_t off = 0;
  for (size_t k = 0; k < nt; ++k) {
    const size_t b = tensor_begin(offsets, k), e = tensor_end(offsets, k, n), size = e - b;
    const FactorDims d = dims.empty() ? FactorDims{} : dims[k];
    if (d.rows == 0 && d.cols == 0) {
      f(k, b, e, size_t{0}, size_t{0}, size_t{0}, off);
      off += size;
      continue;
    }
    if (d.rows == 0 || d.cols == 0 || d.rows > size || d.cols > size ||
        size % (d.rows * d.cols) != 0)
      throw std::invalid_argument("factor_dims[" + std::to_string(k) + "] = (" +
                                  std::to_string(d.rows) + ", " + std::to_string(d.cols) +
                                  ") does not divide tensor " + std::to_string(k) +
                                  "'s " + std::to_string(size) + " elements");
    const size_t B = size / (d.rows * d.cols);
    f(k, b, e, B, d.rows, d.cols, off);
    off += B * d.rows + B * d.cols + B;
  }
  return off;
}

}  // namespace lrb::optim::detail
