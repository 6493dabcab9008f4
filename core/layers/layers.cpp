// Fast kernels.  Each keeps the summation order of its naive:: reference
// (naive.cpp), so the two agree bit for bit; what changes is which loop is
// vectorized and what stays in registers.  AVX2 + FMA (x86-64-v3) throughout:
// a 256-bit register holds 8 floats or 4 doubles (Simd<T> below).
#include "core/layers/layers.hpp"

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <type_traits>

namespace lrb::layers {
namespace {

inline size_t at(size_t a, size_t b, size_t cols) { return a * cols + b; }

template <class T>
struct Simd;

template <>
struct Simd<float> {
  using R = __m256;
  static constexpr int N = 8;
  static R zero() { return _mm256_setzero_ps(); }
  static R set1(float v) { return _mm256_set1_ps(v); }
  static R load(const float* p) { return _mm256_loadu_ps(p); }
  static void store(float* p, R v) { _mm256_storeu_ps(p, v); }
  static __m256i mask(int k) {  // lanes [0, k) on
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(k), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  }
  static R loadm(const float* p, __m256i m) { return _mm256_maskload_ps(p, m); }
  static void storem(float* p, __m256i m, R v) { _mm256_maskstore_ps(p, m, v); }
  static R fma(R a, R b, R c) { return _mm256_fmadd_ps(a, b, c); }
  static R add(R a, R b) { return _mm256_add_ps(a, b); }
};

template <>
struct Simd<double> {
  using R = __m256d;
  static constexpr int N = 4;
  static R zero() { return _mm256_setzero_pd(); }
  static R set1(double v) { return _mm256_set1_pd(v); }
  static R load(const double* p) { return _mm256_loadu_pd(p); }
  static void store(double* p, R v) { _mm256_storeu_pd(p, v); }
  static __m256i mask(int k) {
    return _mm256_cmpgt_epi64(_mm256_set1_epi64x(k), _mm256_setr_epi64x(0, 1, 2, 3));
  }
  static R loadm(const double* p, __m256i m) { return _mm256_maskload_pd(p, m); }
  static void storem(double* p, __m256i m, R v) { _mm256_maskstore_pd(p, m, v); }
  static R fma(R a, R b, R c) { return _mm256_fmadd_pd(a, b, c); }
  static R add(R a, R b) { return _mm256_add_pd(a, b); }
};

// ---- dense forward: vectorized over outputs j, RB samples share each W load.
// Per element: acc = 0; for i: acc = fma(x[n][i], W[i][j], acc); y = acc + b.
template <class T, int RB, int NV>
void dense_fwd_block(T* __restrict y, const T* __restrict x, const T* __restrict W,
                     const T* __restrict b, int in, int out, int j0, __m256i m0, __m256i m1) {
  using S = Simd<T>;
  typename S::R acc[RB][NV];
  for (int r = 0; r < RB; ++r)
    for (int v = 0; v < NV; ++v) acc[r][v] = S::zero();
  const T* w = W + j0;
  for (int i = 0; i < in; ++i, w += out) {
    typename S::R wv[NV];
    wv[0] = S::loadm(w, m0);
    if constexpr (NV == 2) wv[1] = S::loadm(w + S::N, m1);
    for (int r = 0; r < RB; ++r) {
      const typename S::R xv = S::set1(x[at(r, i, in)]);
      for (int v = 0; v < NV; ++v) acc[r][v] = S::fma(xv, wv[v], acc[r][v]);
    }
  }
  for (int v = 0; v < NV; ++v) {
    const __m256i m = v == 0 ? m0 : m1;
    const typename S::R bv = b ? S::loadm(b + j0 + v * S::N, m) : S::zero();
    for (int r = 0; r < RB; ++r)
      S::storem(y + at(r, j0 + v * S::N, out), m, b ? S::add(acc[r][v], bv) : acc[r][v]);
  }
}

// ---- dense forward from W^T: vectorized over i, RB samples x JB outputs of
// lane accumulators; the lanes are reduced by a fixed tree at the end.
inline float hsum_tree(__m256 v) {  // ((l0+l4)+(l2+l6)) + ((l1+l5)+(l3+l7))
  const __m128 h = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  const __m128 q = _mm_add_ps(h, _mm_movehl_ps(h, h));
  return _mm_cvtss_f32(_mm_add_ss(q, _mm_movehdup_ps(q)));
}
inline double hsum_tree(__m256d v) {  // (l0+l2) + (l1+l3)
  const __m128d h = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
  return _mm_cvtsd_f64(_mm_add_sd(h, _mm_unpackhi_pd(h, h)));
}

template <class T, int RB, int JB>
void dense_fwd_t_block(T* __restrict y, const T* __restrict x, const T* __restrict WT,
                       const T* __restrict b, int in, int out, int j0) {
  using S = Simd<T>;
  typename S::R acc[RB][JB];
  for (int r = 0; r < RB; ++r)
    for (int j = 0; j < JB; ++j) acc[r][j] = S::zero();
  const int full = in / S::N * S::N;
  auto step = [&](int i, auto load) {
    typename S::R xv[RB];
    for (int r = 0; r < RB; ++r) xv[r] = load(x + at(r, i, in));
    for (int j = 0; j < JB; ++j) {
      const typename S::R w = load(WT + at(j0 + j, i, in));
      for (int r = 0; r < RB; ++r) acc[r][j] = S::fma(xv[r], w, acc[r][j]);
    }
  };
  for (int i = 0; i < full; i += S::N) step(i, [](const T* p) { return S::load(p); });
  if (full < in) {  // masked tail: the missing lanes add fma(0, 0, acc) = acc
    const __m256i m = S::mask(in - full);
    step(full, [m](const T* p) { return S::loadm(p, m); });
  }
  for (int r = 0; r < RB; ++r)
    for (int j = 0; j < JB; ++j) {
      const T s = hsum_tree(acc[r][j]);
      y[at(r, j0 + j, out)] = b ? s + b[j0 + j] : s;
    }
}

template <class T, int RB>
void dense_fwd_t_rows(T* y, const T* x, const T* WT, const T* b, int in, int out) {
  constexpr int kJ = 5;  // RB = 2: 10 accumulators + 2 inputs + 1 weight register
  int j0 = 0;
  for (; j0 + kJ <= out; j0 += kJ) dense_fwd_t_block<T, RB, kJ>(y, x, WT, b, in, out, j0);
  switch (out - j0) {
    case 0: break;
    case 1: dense_fwd_t_block<T, RB, 1>(y, x, WT, b, in, out, j0); break;
    case 2: dense_fwd_t_block<T, RB, 2>(y, x, WT, b, in, out, j0); break;
    case 3: dense_fwd_t_block<T, RB, 3>(y, x, WT, b, in, out, j0); break;
    case 4: dense_fwd_t_block<T, RB, 4>(y, x, WT, b, in, out, j0); break;
  }
}

// 8x8 float transpose in registers (the usual unpack / shuffle / permute).
inline void transpose8(__m256 r[8]) {
  const __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
  const __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
  const __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
  const __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
  const __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
  const __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
  const __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE);
  const __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
  r[0] = _mm256_permute2f128_ps(u0, u4, 0x20);
  r[1] = _mm256_permute2f128_ps(u1, u5, 0x20);
  r[2] = _mm256_permute2f128_ps(u2, u6, 0x20);
  r[3] = _mm256_permute2f128_ps(u3, u7, 0x20);
  r[4] = _mm256_permute2f128_ps(u0, u4, 0x31);
  r[5] = _mm256_permute2f128_ps(u1, u5, 0x31);
  r[6] = _mm256_permute2f128_ps(u2, u6, 0x31);
  r[7] = _mm256_permute2f128_ps(u3, u7, 0x31);
}

// ---- dense input gradient from W^T: vectorized over inputs i, RB samples
// share each W^T load.  Per element: acc = 0; for j: acc = fma(dy[n][j], WT[j][i], acc).
template <class T, int RB>
void dense_dx_block(T* __restrict dx, const T* __restrict dy, const T* __restrict WT, int in,
                    int out, int i0, int i1) {
  using S = Simd<T>;
  for (int i = i0; i < i1; i += S::N) {
    const int k = std::min(S::N, i1 - i);
    const __m256i m = S::mask(k);
    typename S::R acc[RB];
    for (int r = 0; r < RB; ++r) acc[r] = S::zero();
    for (int j = 0; j < out; ++j) {
      const typename S::R w = k == S::N ? S::load(WT + at(j, i, in)) : S::loadm(WT + at(j, i, in), m);
      for (int r = 0; r < RB; ++r) acc[r] = S::fma(S::set1(dy[at(r, j, out)]), w, acc[r]);
    }
    for (int r = 0; r < RB; ++r) {
      if (k == S::N)
        S::store(dx + at(r, i, in), acc[r]);
      else
        S::storem(dx + at(r, i, in), m, acc[r]);
    }
  }
}

// ---- dense weight gradient: vectorized over rows i (IB registers of rows),
// JB output columns in registers.  Per element: acc = 0;
// for n: acc = fma(x[n][i], dy[n][j], acc); dW[i][j] += acc.
template <class T, int IB, int JB>
void dense_dw_block(T* __restrict dW, const T* __restrict dy, const T* __restrict x, int batch,
                    int in, int out, int i0, int k_last, int j0) {
  using S = Simd<T>;
  const __m256i m = S::mask(k_last);  // lanes used in the last row register
  typename S::R acc[IB][JB];
  for (int v = 0; v < IB; ++v)
    for (int j = 0; j < JB; ++j) acc[v][j] = S::zero();
  for (int n = 0; n < batch; ++n) {
    const T* xr = x + at(n, i0, in);
    typename S::R xv[IB];
    for (int v = 0; v < IB; ++v)
      xv[v] = (v + 1 < IB || k_last == S::N) ? S::load(xr + v * S::N) : S::loadm(xr + v * S::N, m);
    const T* g = dy + at(n, j0, out);
    for (int j = 0; j < JB; ++j) {
      const typename S::R gv = S::set1(g[j]);
      for (int v = 0; v < IB; ++v) acc[v][j] = S::fma(xv[v], gv, acc[v][j]);
    }
  }
  alignas(32) T tmp[JB][S::N];
  for (int v = 0; v < IB; ++v) {
    for (int j = 0; j < JB; ++j) S::store(tmp[j], acc[v][j]);
    const int lanes = v + 1 < IB ? S::N : k_last;
    for (int l = 0; l < lanes; ++l)
      for (int j = 0; j < JB; ++j) dW[at(i0 + v * S::N + l, j0 + j, out)] += tmp[j][l];
  }
}

template <class T, int IB>
void dense_dw_rows(T* dW, const T* dy, const T* x, int batch, int in, int out, int i0, int k_last) {
  constexpr int kJ = IB == 2 ? 5 : 8;  // accumulators: IB * kJ <= 10..12 registers
  int j0 = 0;
  for (; j0 + kJ <= out; j0 += kJ) dense_dw_block<T, IB, kJ>(dW, dy, x, batch, in, out, i0, k_last, j0);
  switch (out - j0) {
    case 0: break;
#define LRB_DW_TAIL(J) \
  case J: dense_dw_block<T, IB, J>(dW, dy, x, batch, in, out, i0, k_last, j0); break;
    LRB_DW_TAIL(1) LRB_DW_TAIL(2) LRB_DW_TAIL(3) LRB_DW_TAIL(4)
    LRB_DW_TAIL(5) LRB_DW_TAIL(6) LRB_DW_TAIL(7)
#undef LRB_DW_TAIL
  }
}

}  // namespace

// ---- dense -------------------------------------------------------------------
template <class T>
void dense_forward(std::span<T> y, std::span<const T> x, std::span<const T> W,
                   std::span<const T> b, DenseDims d) {
  using S = Simd<T>;
  const T* bp = b.empty() ? nullptr : b.data();
  for (int j0 = 0; j0 < d.out; j0 += 2 * S::N) {
    const int k = std::min(2 * S::N, d.out - j0);
    const __m256i m0 = S::mask(std::min(k, S::N)), m1 = S::mask(std::max(k - S::N, 0));
    int n = 0;
    if (k > S::N) {
      for (; n + 4 <= d.batch; n += 4)
        dense_fwd_block<T, 4, 2>(y.data() + at(n, 0, d.out), x.data() + at(n, 0, d.in), W.data(),
                                 bp, d.in, d.out, j0, m0, m1);
      for (; n < d.batch; ++n)
        dense_fwd_block<T, 1, 2>(y.data() + at(n, 0, d.out), x.data() + at(n, 0, d.in), W.data(),
                                 bp, d.in, d.out, j0, m0, m1);
    } else {
      for (; n + 4 <= d.batch; n += 4)
        dense_fwd_block<T, 4, 1>(y.data() + at(n, 0, d.out), x.data() + at(n, 0, d.in), W.data(),
                                 bp, d.in, d.out, j0, m0, m1);
      for (; n < d.batch; ++n)
        dense_fwd_block<T, 1, 1>(y.data() + at(n, 0, d.out), x.data() + at(n, 0, d.in), W.data(),
                                 bp, d.in, d.out, j0, m0, m1);
    }
  }
}

template <class T>
void dense_forward_t(std::span<T> y, std::span<const T> x, std::span<const T> WT,
                     std::span<const T> b, DenseDims d) {
  const T* bp = b.empty() ? nullptr : b.data();
  int n = 0;
  for (; n + 2 <= d.batch; n += 2)
    dense_fwd_t_rows<T, 2>(y.data() + at(n, 0, d.out), x.data() + at(n, 0, d.in), WT.data(), bp,
                           d.in, d.out);
  if (n < d.batch)
    dense_fwd_t_rows<T, 1>(y.data() + at(n, 0, d.out), x.data() + at(n, 0, d.in), WT.data(), bp,
                           d.in, d.out);
}

template <class T>
void dense_backward_input_t(std::span<T> dx, std::span<const T> dy, std::span<const T> WT,
                            DenseDims d) {
  int n = 0;
  for (; n + 4 <= d.batch; n += 4)
    dense_dx_block<T, 4>(dx.data() + at(n, 0, d.in), dy.data() + at(n, 0, d.out), WT.data(), d.in,
                         d.out, 0, d.in);
  for (; n < d.batch; ++n)
    dense_dx_block<T, 1>(dx.data() + at(n, 0, d.in), dy.data() + at(n, 0, d.out), WT.data(), d.in,
                         d.out, 0, d.in);
}

template <class T>
void dense_backward_weight_rows(std::span<T> dW, std::span<const T> dy, std::span<const T> x,
                                DenseDims d, int i0, int i1) {
  constexpr int N = Simd<T>::N;
  int i = i0;
  for (; i + 2 * N <= i1; i += 2 * N)
    dense_dw_rows<T, 2>(dW.data(), dy.data(), x.data(), d.batch, d.in, d.out, i, N);
  if (i + N < i1)
    dense_dw_rows<T, 2>(dW.data(), dy.data(), x.data(), d.batch, d.in, d.out, i, i1 - i - N);
  else if (i < i1)
    dense_dw_rows<T, 1>(dW.data(), dy.data(), x.data(), d.batch, d.in, d.out, i, i1 - i);
}

template <class T>
void dense_backward_bias(std::span<T> db, std::span<const T> dy, DenseDims d) {
  for (int j = 0; j < d.out; ++j) {
    T acc = 0;
    for (int n = 0; n < d.batch; ++n) acc += dy[at(n, j, d.out)];
    db[j] += acc;
  }
}

template <class T>
void transpose_rows(std::span<T> out, std::span<const T> in, int rows, int cols, int r0, int r1) {
  int rs = r0;
  if constexpr (std::is_same_v<T, float>) {  // 8x8 register blocks, then the edges
    for (; rs + 8 <= r1; rs += 8) {
      int c = 0;
      for (; c + 8 <= cols; c += 8) {
        __m256 r[8];
        for (int k = 0; k < 8; ++k) r[k] = _mm256_loadu_ps(in.data() + at(rs + k, c, cols));
        transpose8(r);
        for (int k = 0; k < 8; ++k) _mm256_storeu_ps(out.data() + at(c + k, rs, rows), r[k]);
      }
      for (; c < cols; ++c)
        for (int k = 0; k < 8; ++k) out[at(c, rs + k, rows)] = in[at(rs + k, c, cols)];
    }
  }
  constexpr int kB = 16;  // row tiles: reads stay in a few cache lines per column
  for (int rb = rs; rb < r1; rb += kB) {
    const int re = std::min(rb + kB, r1);
    for (int c = 0; c < cols; ++c)
      for (int r = rb; r < re; ++r) out[at(c, r, rows)] = in[at(r, c, cols)];
  }
}

template <class T>
void dense_backward(std::span<T> dx, std::span<T> dW, std::span<T> db, std::span<const T> dy,
                    std::span<const T> x, std::span<const T> W, DenseDims d) {
  dense_backward_weight_rows<T>(dW, dy, x, d, 0, d.in);
  if (!db.empty()) dense_backward_bias<T>(db, dy, d);
  if (!dx.empty())  // W rows are contiguous over j: a short fma chain per element
    for (int n = 0; n < d.batch; ++n)
      for (int i = 0; i < d.in; ++i) {
        const T* w = W.data() + at(i, 0, d.out);
        const T* g = dy.data() + at(n, 0, d.out);
        T acc = 0;
        for (int j = 0; j < d.out; ++j) acc = std::fma(g[j], w[j], acc);
        dx[at(n, i, d.in)] = acc;
      }
}

// ---- ReLU ----------------------------------------------------------------------
template <class T>
void relu_forward(std::span<T> y, std::span<const T> x) {
  T* __restrict yp = y.data();
  const T* xp = x.data();
  for (size_t i = 0; i < x.size(); ++i) yp[i] = xp[i] > T(0) ? xp[i] : T(0);
}
template <class T>
void relu_backward(std::span<T> dx, std::span<const T> dy, std::span<const T> y) {
  for (size_t i = 0; i < dy.size(); ++i) dx[i] = y[i] > T(0) ? dy[i] : T(0);
}

// ---- conv2d (general, direct, Cout innermost) --------------------------------------
// The output row of Cout channels is the accumulator (in L1); every tap adds
// one fma per channel, taps in (ky, kx, ci) order: naive's order per element.
template <class T>
void conv2d_forward(std::span<T> y, std::span<const T> x, std::span<const T> W,
                    std::span<const T> b, const Conv2dDims& d) {
  const int OH = d.out_h(), OW = d.out_w(), C = d.out_c;
  for (int n = 0; n < d.batch; ++n)
    for (int oy = 0; oy < OH; ++oy)
      for (int ox = 0; ox < OW; ++ox) {
        T* __restrict acc = y.data() + ((static_cast<size_t>(n) * OH + oy) * OW + ox) * C;
        for (int co = 0; co < C; ++co) acc[co] = b.empty() ? T(0) : b[co];
        for (int ky = 0; ky < d.k_h; ++ky) {
          const int iy = oy * d.stride + ky - d.pad;
          if (iy < 0 || iy >= d.in_h) continue;
          for (int kx = 0; kx < d.k_w; ++kx) {
            const int ix = ox * d.stride + kx - d.pad;
            if (ix < 0 || ix >= d.in_w) continue;
            const T* xp = x.data() + ((static_cast<size_t>(n) * d.in_h + iy) * d.in_w + ix) * d.in_c;
            const T* wp = W.data() + (static_cast<size_t>(ky) * d.k_w + kx) * d.in_c * C;
            for (int ci = 0; ci < d.in_c; ++ci) {
              const T v = xp[ci];
              const T* __restrict w = wp + static_cast<size_t>(ci) * C;
              for (int co = 0; co < C; ++co) acc[co] = std::fma(v, w[co], acc[co]);
            }
          }
        }
      }
}

template <class T>
void conv2d_backward(std::span<T> dx, std::span<T> dW, std::span<T> db, std::span<const T> dy,
                     std::span<const T> x, std::span<const T> W, const Conv2dDims& d) {
  const int OH = d.out_h(), OW = d.out_w(), C = d.out_c;
  if (!dx.empty()) std::fill(dx.begin(), dx.end(), T(0));
  for (int n = 0; n < d.batch; ++n)
    for (int oy = 0; oy < OH; ++oy)
      for (int ox = 0; ox < OW; ++ox) {
        const T* __restrict g = dy.data() + ((static_cast<size_t>(n) * OH + oy) * OW + ox) * C;
        if (!db.empty())
          for (int co = 0; co < C; ++co) db[co] += g[co];
        for (int ky = 0; ky < d.k_h; ++ky) {
          const int iy = oy * d.stride + ky - d.pad;
          if (iy < 0 || iy >= d.in_h) continue;
          for (int kx = 0; kx < d.k_w; ++kx) {
            const int ix = ox * d.stride + kx - d.pad;
            if (ix < 0 || ix >= d.in_w) continue;
            const size_t xi = ((static_cast<size_t>(n) * d.in_h + iy) * d.in_w + ix) * d.in_c;
            const size_t wi = (static_cast<size_t>(ky) * d.k_w + kx) * d.in_c * C;
            for (int ci = 0; ci < d.in_c; ++ci) {
              const T v = x[xi + ci];
              T* __restrict w = dW.data() + wi + static_cast<size_t>(ci) * C;
              for (int co = 0; co < C; ++co) w[co] = std::fma(v, g[co], w[co]);
              if (!dx.empty()) {
                const T* wk = W.data() + wi + static_cast<size_t>(ci) * C;
                T s = dx[xi + ci];
                for (int co = 0; co < C; ++co) s = std::fma(wk[co], g[co], s);
                dx[xi + ci] = s;
              }
            }
          }
        }
      }
}

// ---- max-pool 2x2 ----------------------------------------------------------------
template <class T>
void maxpool2x2_forward(std::span<T> y, std::span<std::uint8_t> argmax, std::span<const T> x,
                        const PoolDims& d) {
  naive::maxpool2x2_forward<T>(y, argmax, x, d);  // channel-innermost already; memory-bound
}
template <class T>
void maxpool2x2_backward(std::span<T> dx, std::span<const T> dy,
                         std::span<const std::uint8_t> argmax, const PoolDims& d) {
  naive::maxpool2x2_backward<T>(dx, dy, argmax, d);
}

// ---- fused conv 3x3 (Cin = 1) + ReLU + max-pool 2x2 -------------------------------
namespace {

// Generic: all C channels of one pooled cell at a time (C contiguous: the
// inner loops vectorize over channels).  Same order as naive.
template <class T>
void convpool_fwd_sample(T* __restrict pooled, std::uint8_t* __restrict argmax,
                         const T* __restrict x, const T* __restrict W, const T* __restrict b,
                         int in_w, int PH, int PW, int C) {
  constexpr int kMaxC = 256;
  for (int py = 0; py < PH; ++py)
    for (int px = 0; px < PW; ++px) {
      T best[kMaxC];
      std::uint8_t arg[kMaxC];
      for (int c = 0; c < C; ++c) best[c] = T(0), arg[c] = 0;
      for (int q = 0; q < 4; ++q) {
        const int oy = 2 * py + q / 2, ox = 2 * px + q % 2;
        T acc[kMaxC];
        for (int c = 0; c < C; ++c) acc[c] = b[c];
        for (int ky = 0; ky < 3; ++ky)
          for (int kx = 0; kx < 3; ++kx) {
            const T v = x[(oy + ky) * in_w + ox + kx];
            const T* w = W + (ky * 3 + kx) * C;
            for (int c = 0; c < C; ++c) acc[c] = std::fma(v, w[c], acc[c]);
          }
        for (int c = 0; c < C; ++c) {
          const bool better = acc[c] > best[c];
          best[c] = better ? acc[c] : best[c];
          arg[c] = better ? static_cast<std::uint8_t>(q) : arg[c];
        }
      }
      const size_t o = (static_cast<size_t>(py) * PW + px) * C;
      for (int c = 0; c < C; ++c) pooled[o + c] = best[c], argmax[o + c] = arg[c];
    }
}

template <class T>
void convpool_bwd_sample(T* __restrict dW, T* __restrict db, const T* __restrict dpooled,
                         const T* __restrict pooled, const std::uint8_t* __restrict argmax,
                         const T* __restrict x, int in_w, int PH, int PW, int C) {
  constexpr int kMaxC = 256;
  for (int py = 0; py < PH; ++py)
    for (int px = 0; px < PW; ++px) {
      const size_t o = (static_cast<size_t>(py) * PW + px) * C;
      T g[kMaxC];
      for (int c = 0; c < C; ++c) {
        g[c] = pooled[o + c] > T(0) ? dpooled[o + c] : T(0);
        db[c] += g[c];
      }
      for (int q = 0; q < 4; ++q) {
        const int oy = 2 * py + q / 2, ox = 2 * px + q % 2;
        T gq[kMaxC];
        for (int c = 0; c < C; ++c) gq[c] = argmax[o + c] == q ? g[c] : T(0);
        for (int ky = 0; ky < 3; ++ky)
          for (int kx = 0; kx < 3; ++kx) {
            const T v = x[(oy + ky) * in_w + ox + kx];
            T* w = dW + (ky * 3 + kx) * C;
            for (int c = 0; c < C; ++c) w[c] = std::fma(v, gq[c], w[c]);
          }
      }
    }
}

// AVX2, float, C = 32: one block of 8 channels at a time, its 9 kernel taps
// and bias held in registers.  Per pooled cell, the 4x4 input patch under the
// 2x2 window is broadcast once per value (16 broadcasts; 24 for two adjacent
// cells) and feeds the four window positions' accumulators (36 FMAs).  Patch values are visited in
// row-major (r, s) order, so each position still receives its taps in
// (ky, kx) order = naive's order: same bits.
// NC adjacent pooled cells of one 8-channel block: 4 * NC accumulators, so
// enough independent 9-long fma chains are in flight to cover the latency.
template <int NC>
inline void convpool_fwd_cells(float* __restrict pooled, std::uint8_t* __restrict argmax,
                               const float* __restrict p, const __m256 (&w)[9], __m256 bias,
                               int in_w) {
  __m256 a[NC][4];
  for (int c = 0; c < NC; ++c)
    for (int q = 0; q < 4; ++q) a[c][q] = bias;  // positions q = dy*2 + dx
#pragma GCC unroll 4
  for (int r = 0; r < 4; ++r)
#pragma GCC unroll 8
    for (int s = 0; s < 2 * NC + 2; ++s) {
      const __m256 v = _mm256_broadcast_ss(p + r * in_w + s);
#pragma GCC unroll 2
      for (int c = 0; c < NC; ++c)
#pragma GCC unroll 4
        for (int q = 0; q < 4; ++q) {
          const int ky = r - q / 2, kx = s - 2 * c - q % 2;
          if (ky >= 0 && ky < 3 && kx >= 0 && kx < 3)
            a[c][q] = _mm256_fmadd_ps(v, w[ky * 3 + kx], a[c][q]);
        }
    }
#pragma GCC unroll 2
  for (int c = 0; c < NC; ++c) {
    __m256 best = _mm256_setzero_ps();
    __m256i arg = _mm256_setzero_si256();
#pragma GCC unroll 4
    for (int q = 0; q < 4; ++q) {
      const __m256 m = _mm256_cmp_ps(a[c][q], best, _CMP_GT_OQ);
      best = _mm256_blendv_ps(best, a[c][q], m);
      arg = _mm256_blendv_epi8(arg, _mm256_set1_epi32(q), _mm256_castps_si256(m));
    }
    _mm256_storeu_ps(pooled + 32 * c, best);
    const __m128i a16 = _mm_packus_epi32(_mm256_castsi256_si128(arg), _mm256_extracti128_si256(arg, 1));
    _mm_storel_epi64(reinterpret_cast<__m128i*>(argmax + 32 * c), _mm_packus_epi16(a16, a16));
  }
}

inline void convpool_fwd_avx2_c32(float* __restrict pooled, std::uint8_t* __restrict argmax,
                                  const float* __restrict x, const float* __restrict W,
                                  const float* __restrict b, int in_w, int PH, int PW) {
  for (int j = 0; j < 4; ++j) {
    __m256 w[9];
    for (int t = 0; t < 9; ++t) w[t] = _mm256_loadu_ps(W + t * 32 + 8 * j);
    const __m256 bias = _mm256_loadu_ps(b + 8 * j);
    for (int py = 0; py < PH; ++py) {
      const float* xrow = x + 2 * py * in_w;
      const size_t o = static_cast<size_t>(py) * PW * 32 + 8 * j;
      int px = 0;
      for (; px + 2 <= PW; px += 2)
        convpool_fwd_cells<2>(pooled + o + px * 32, argmax + o + px * 32, xrow + 2 * px, w, bias, in_w);
      if (px < PW)
        convpool_fwd_cells<1>(pooled + o + px * 32, argmax + o + px * 32, xrow + 2 * px, w, bias, in_w);
    }
  }
}

// Backward, AVX2, float, C = 32, over `batch` samples: per 8-channel block
// the 9 dW taps and db stay in registers across all samples and cells.  Per
// cell the gradient g = dpooled * (pooled > 0) is split by the argmax into the
// 4 window positions (3 of 4 lanes-per-position are zero), and each of the 16
// patch values feeds the taps it touches.  Per dW element the terms arrive in
// (n, py, px, q) order, as in the generic kernel (which naive matches, the
// zero terms aside).
inline void convpool_bwd_avx2_c32(float* __restrict dW, float* __restrict db,
                                  const float* __restrict dpooled, const float* __restrict pooled,
                                  const std::uint8_t* __restrict argmax, const float* __restrict x,
                                  int batch, int in_h, int in_w, int PH, int PW) {
  const __m256 zero = _mm256_setzero_ps();
  const size_t in = static_cast<size_t>(in_h) * in_w, out = static_cast<size_t>(PH) * PW * 32;
  for (int j = 0; j < 4; ++j) {
    __m256 acc[9];
    for (int t = 0; t < 9; ++t) acc[t] = _mm256_loadu_ps(dW + t * 32 + 8 * j);
    __m256 dbv = _mm256_loadu_ps(db + 8 * j);
    for (int n = 0; n < batch; ++n) {
      const float* xs = x + n * in;
      for (int py = 0; py < PH; ++py)
        for (int px = 0; px < PW; ++px) {
          const size_t o = n * out + (static_cast<size_t>(py) * PW + px) * 32 + 8 * j;
          const __m256 pos = _mm256_cmp_ps(_mm256_loadu_ps(pooled + o), zero, _CMP_GT_OQ);
          const __m256 g = _mm256_and_ps(pos, _mm256_loadu_ps(dpooled + o));
          dbv = _mm256_add_ps(dbv, g);
          const __m256i a = _mm256_cvtepu8_epi32(
              _mm_loadl_epi64(reinterpret_cast<const __m128i*>(argmax + o)));
          __m256 gq[4];
#pragma GCC unroll 4
          for (int q = 0; q < 4; ++q)
            gq[q] = _mm256_and_ps(_mm256_castsi256_ps(_mm256_cmpeq_epi32(a, _mm256_set1_epi32(q))), g);
          const float* p = xs + 2 * py * in_w + 2 * px;
#pragma GCC unroll 4
          for (int r = 0; r < 4; ++r)
#pragma GCC unroll 4
            for (int s = 0; s < 4; ++s) {
              const __m256 v = _mm256_broadcast_ss(p + r * in_w + s);
#pragma GCC unroll 4
              for (int q = 0; q < 4; ++q) {
                const int ky = r - q / 2, kx = s - q % 2;
                if (ky >= 0 && ky < 3 && kx >= 0 && kx < 3)
                  acc[ky * 3 + kx] = _mm256_fmadd_ps(v, gq[q], acc[ky * 3 + kx]);
              }
            }
        }
    }
    for (int t = 0; t < 9; ++t) _mm256_storeu_ps(dW + t * 32 + 8 * j, acc[t]);
    _mm256_storeu_ps(db + 8 * j, dbv);
  }
}

}  // namespace

template <class T>
void conv3x3_relu_pool_forward(std::span<T> pooled, std::span<std::uint8_t> argmax,
                               std::span<const T> x, std::span<const T> W, std::span<const T> b,
                               const ConvPoolDims& d) {
  if (d.out_c > 256) throw std::invalid_argument("conv3x3_relu_pool: out_c > 256");
  const size_t in = static_cast<size_t>(d.in_h) * d.in_w;
  const size_t out = static_cast<size_t>(d.pool_h()) * d.pool_w() * d.out_c;
  for (int n = 0; n < d.batch; ++n) {
    T* p = pooled.data() + n * out;
    std::uint8_t* a = argmax.data() + n * out;
    const T* xs = x.data() + n * in;
    if constexpr (std::is_same_v<T, float>) {
      if (d.out_c == 32) {
        convpool_fwd_avx2_c32(p, a, xs, W.data(), b.data(), d.in_w, d.pool_h(), d.pool_w());
        continue;
      }
    }
    convpool_fwd_sample<T>(p, a, xs, W.data(), b.data(), d.in_w, d.pool_h(), d.pool_w(), d.out_c);
  }
}

template <class T>
void conv3x3_relu_pool_backward(std::span<T> dW, std::span<T> db, std::span<const T> dpooled,
                                std::span<const T> pooled, std::span<const std::uint8_t> argmax,
                                std::span<const T> x, const ConvPoolDims& d) {
  if (d.out_c > 256) throw std::invalid_argument("conv3x3_relu_pool: out_c > 256");
  if constexpr (std::is_same_v<T, float>) {
    if (d.out_c == 32) {
      convpool_bwd_avx2_c32(dW.data(), db.data(), dpooled.data(), pooled.data(), argmax.data(),
                            x.data(), d.batch, d.in_h, d.in_w, d.pool_h(), d.pool_w());
      return;
    }
  }
  const size_t in = static_cast<size_t>(d.in_h) * d.in_w;
  const size_t out = static_cast<size_t>(d.pool_h()) * d.pool_w() * d.out_c;
  for (int n = 0; n < d.batch; ++n)
    convpool_bwd_sample<T>(dW.data(), db.data(), dpooled.data() + n * out, pooled.data() + n * out,
                           argmax.data() + n * out, x.data() + n * in, d.in_w, d.pool_h(),
                           d.pool_w(), d.out_c);
}

// ---- losses ---------------------------------------------------------------------
// Tiny (B x 10) next to the layers: the references are already the fast path.
template <class T>
double softmax_cross_entropy_forward(std::span<T> probs, std::span<const T> logits,
                                     std::span<const std::int32_t> labels, int batch, int classes,
                                     std::int64_t* correct) {
  return naive::softmax_cross_entropy_forward<T>(probs, logits, labels, batch, classes, correct);
}
template <class T>
void softmax_cross_entropy_backward(std::span<T> dlogits, std::span<const T> probs,
                                    std::span<const std::int32_t> labels, int batch, int classes,
                                    T scale) {
  naive::softmax_cross_entropy_backward<T>(dlogits, probs, labels, batch, classes, scale);
}
template <class T>
double mse_forward(std::span<const T> y, std::span<const T> targets, int batch, int outputs) {
  return naive::mse_forward<T>(y, targets, batch, outputs);
}
template <class T>
void mse_backward(std::span<T> dy, std::span<const T> y, std::span<const T> targets, int batch,
                  int outputs, T scale) {
  naive::mse_backward<T>(dy, y, targets, batch, outputs, scale);
}

#define LRB_LAYERS_INSTANTIATE(T)                                                              \
  template void dense_forward<T>(std::span<T>, std::span<const T>, std::span<const T>,         \
                                 std::span<const T>, DenseDims);                               \
  template void dense_backward<T>(std::span<T>, std::span<T>, std::span<T>, std::span<const T>, \
                                  std::span<const T>, std::span<const T>, DenseDims);           \
  template void dense_forward_t<T>(std::span<T>, std::span<const T>, std::span<const T>,       \
                                   std::span<const T>, DenseDims);                             \
  template void dense_backward_input_t<T>(std::span<T>, std::span<const T>,                    \
                                          std::span<const T>, DenseDims);                      \
  template void dense_backward_weight_rows<T>(std::span<T>, std::span<const T>,                \
                                              std::span<const T>, DenseDims, int, int);        \
  template void dense_backward_bias<T>(std::span<T>, std::span<const T>, DenseDims);           \
  template void transpose_rows<T>(std::span<T>, std::span<const T>, int, int, int, int);       \
  template void relu_forward<T>(std::span<T>, std::span<const T>);                             \
  template void relu_backward<T>(std::span<T>, std::span<const T>, std::span<const T>);        \
  template void conv2d_forward<T>(std::span<T>, std::span<const T>, std::span<const T>,        \
                                  std::span<const T>, const Conv2dDims&);                      \
  template void conv2d_backward<T>(std::span<T>, std::span<T>, std::span<T>,                   \
                                   std::span<const T>, std::span<const T>, std::span<const T>, \
                                   const Conv2dDims&);                                         \
  template void maxpool2x2_forward<T>(std::span<T>, std::span<std::uint8_t>,                   \
                                      std::span<const T>, const PoolDims&);                    \
  template void maxpool2x2_backward<T>(std::span<T>, std::span<const T>,                       \
                                       std::span<const std::uint8_t>, const PoolDims&);        \
  template void conv3x3_relu_pool_forward<T>(std::span<T>, std::span<std::uint8_t>,            \
                                             std::span<const T>, std::span<const T>,           \
                                             std::span<const T>, const ConvPoolDims&);         \
  template void conv3x3_relu_pool_backward<T>(std::span<T>, std::span<T>, std::span<const T>,  \
                                              std::span<const T>,                              \
                                              std::span<const std::uint8_t>,                   \
                                              std::span<const T>, const ConvPoolDims&);        \
  template double softmax_cross_entropy_forward<T>(std::span<T>, std::span<const T>,           \
                                                   std::span<const std::int32_t>, int, int,    \
                                                   std::int64_t*);                             \
  template void softmax_cross_entropy_backward<T>(std::span<T>, std::span<const T>,            \
                                                  std::span<const std::int32_t>, int, int, T); \
  template double mse_forward<T>(std::span<const T>, std::span<const T>, int, int);            \
  template void mse_backward<T>(std::span<T>, std::span<const T>, std::span<const T>, int, int, T);

LRB_LAYERS_INSTANTIATE(float)
LRB_LAYERS_INSTANTIATE(double)

}  // namespace lrb::layers
