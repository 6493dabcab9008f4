#pragma once
// The hot kernels, written once against a vector type V (simd.hpp) and
// compiled per instruction set: kernels_avx2.cpp instantiates them for F8,
// D4 and F16e (the 16-lane source emulated on AVX2), kernels_avx512.cpp
// (built with -mavx512f) for F16.  layers.cpp picks a table at run time
// (core/isa).
//
// Why every path gives the same bits: each output element is one chain of
// IEEE operations whose order is fixed by the loops below and not by the
// vector width.  The kernels vectorize across independent outputs (channels,
// rows, columns); the only sum split across lanes (dense_forward_t) keeps its
// 8-lane (double: 4-lane) partial-sum layout on every path: a 16-lane
// register holds two outputs' 8-lane groups.  Tiles (how many rows/columns
// sit in registers at once) depend on V, the order of each chain does not.
//
// Everything here has internal linkage (anonymous namespace) on purpose:
// each translation unit compiles its own copy for its own target, and no
// AVX-512 code can leak into the AVX2 one through a shared inline symbol.
// For the same reason the kernels call no standard-library templates.
#include <cstddef>
#include <cstdint>

#include "core/layers/simd.hpp"

namespace lrb::layers {

// One instruction set's kernels for scalar type T (layers.hpp documents
// the semantics and summation order of each).  convpool_* are float only
// (nullptr in double tables).
template <class T>
struct Kernels {
  // cnn001's block: conv 3x3 (Cin = 1, C = 32) + bias + ReLU + max-pool 2x2.
  void (*convpool_forward)(T* pooled, std::uint8_t* argmax, const T* x, const T* W, const T* b,
                           int batch, int in_h, int in_w);
  void (*convpool_backward)(T* dW, T* db, const T* dpooled, const T* pooled,
                            const std::uint8_t* argmax, const T* x, int batch, int in_h, int in_w);
  void (*dense_forward_t)(T* y, const T* x, const T* WT, const T* b, int batch, int in, int out);
  void (*dense_backward_input_t)(T* dx, const T* dy, const T* WT, int batch, int in, int out);
  void (*dense_backward_weight_rows)(T* dW, const T* dy, const T* x, int batch, int in, int out,
                                     int i0, int i1);
};

namespace {
namespace kern {

constexpr int imin(int a, int b) { return a < b ? a : b; }
constexpr std::size_t at(std::size_t a, std::size_t b, std::size_t cols) { return a * cols + b; }

// ---- cnn001's conv block, forward ---------------------------------------------
// Per block of V::W channels, its 9 taps and bias in registers.  NC adjacent
// pooled cells at once: their 4x(2*NC+2) input patch is broadcast value by
// value, each value feeding the window positions and taps it touches.  A
// position's accumulator receives its taps in (ky, kx) order because the
// patch is visited row by row: naive's order, from the bias.
// Pooling without compare-and-blend: best = max(a_q, best) is exactly
// "a_q > best ? a_q : best" (vmaxps returns its second operand unless the
// first is greater, NaN included), and the window position changed exactly
// where best's bits changed; arg = max(arg, q there) keeps the first
// strict maximum, as naive's `if (acc > best)`.
template <class V, int NC>
inline void convpool_fwd_cells(float* __restrict pooled, std::uint8_t* __restrict argmax,
                               const float* __restrict p, const typename V::R (&w)[9],
                               typename V::R bias, int in_w) {
  using R = typename V::R;
  using I = typename V::I;
  R a[NC][4];
  for (int c = 0; c < NC; ++c)
    for (int q = 0; q < 4; ++q) a[c][q] = bias;  // positions q = dy*2 + dx
#pragma GCC unroll 4
  for (int r = 0; r < 4; ++r)
#pragma GCC unroll 10
    for (int s = 0; s < 2 * NC + 2; ++s) {
      const R v = V::bcast(p + r * in_w + s);
#pragma GCC unroll 4
      for (int c = 0; c < NC; ++c)
#pragma GCC unroll 4
        for (int q = 0; q < 4; ++q) {
          const int ky = r - q / 2, kx = s - 2 * c - q % 2;
          if (ky >= 0 && ky < 3 && kx >= 0 && kx < 3) a[c][q] = V::fma(v, w[ky * 3 + kx], a[c][q]);
        }
    }
#pragma GCC unroll 4
  for (int c = 0; c < NC; ++c) {
    R best = V::max(a[c][0], V::zero());
    I arg = V::izero();
#pragma GCC unroll 3
    for (int q = 1; q < 4; ++q) {
      const R next = V::max(a[c][q], best);
      arg = V::imax(arg, V::iandnot(V::same_bits(next, best), V::iset1(q)));
      best = next;
    }
    V::store(pooled + 32 * c, best);
    V::store_u8(argmax + 32 * c, arg);
  }
}

template <class V>
void convpool_forward(float* pooled, std::uint8_t* argmax, const float* x, const float* W,
                      const float* b, int batch, int in_h, int in_w) {
  using R = typename V::R;
  constexpr int kC = 32, NC = V::kRegs >= 32 ? 4 : 2;
  const int PH = (in_h - 2) / 2, PW = (in_w - 2) / 2;
  const std::size_t in = static_cast<std::size_t>(in_h) * in_w;
  const std::size_t out = static_cast<std::size_t>(PH) * PW * kC;
  for (int n = 0; n < batch; ++n) {
    const float* xs = x + n * in;
    for (int j = 0; j < kC; j += V::W) {
      R w[9];
      for (int t = 0; t < 9; ++t) w[t] = V::load(W + t * kC + j);
      const R bias = V::load(b + j);
      for (int py = 0; py < PH; ++py) {
        const float* xrow = xs + 2 * py * in_w;
        const std::size_t o = n * out + static_cast<std::size_t>(py) * PW * kC + j;
        int px = 0;
        for (; px + NC <= PW; px += NC)
          convpool_fwd_cells<V, NC>(pooled + o + px * kC, argmax + o + px * kC, xrow + 2 * px, w,
                                    bias, in_w);
        for (; px < PW; ++px)
          convpool_fwd_cells<V, 1>(pooled + o + px * kC, argmax + o + px * kC, xrow + 2 * px, w,
                                   bias, in_w);
      }
    }
  }
}

// ---- cnn001's conv block, backward -----------------------------------------------
// Per block of V::W channels the 9 dW taps and db stay in registers over all
// samples and cells.  Per cell, g = dpooled where pooled > 0 (the ReLU),
// else +0; db += g; and each tap adds x[window position argmax + tap] * g:
// the x value is looked up per lane in the 2x4 patch rows (ky, ky + 1) by
// index argmax + (argmax & 2) + kx (= dy*4 + dx + kx).  One term per tap and
// cell, in (n, py, px) order: exactly naive's.
template <class V>
void convpool_backward(float* dW, float* db, const float* dpooled, const float* pooled,
                       const std::uint8_t* argmax, const float* x, int batch, int in_h, int in_w) {
  using R = typename V::R;
  using I = typename V::I;
  constexpr int kC = 32;
  const int PH = (in_h - 2) / 2, PW = (in_w - 2) / 2;
  const std::size_t in = static_cast<std::size_t>(in_h) * in_w;
  const std::size_t out = static_cast<std::size_t>(PH) * PW * kC;
  const I two = V::iset1(2), one = V::iset1(1);
  for (int j = 0; j < kC; j += V::W) {
    R acc[9];
    for (int t = 0; t < 9; ++t) acc[t] = V::load(dW + t * kC + j);
    R dbv = V::load(db + j);
    for (int n = 0; n < batch; ++n) {
      const float* xs = x + n * in;
      for (int py = 0; py < PH; ++py)
        for (int px = 0; px < PW; ++px) {
          const std::size_t o = n * out + (static_cast<std::size_t>(py) * PW + px) * kC + j;
          const R g = V::zero_unless(V::gt(V::load(pooled + o), V::zero()), V::load(dpooled + o));
          dbv = V::add(dbv, g);
          const I a = V::load_u8(argmax + o);
          const I i0 = V::iadd(a, V::iand(a, two)), i1 = V::iadd(i0, one), i2 = V::iadd(i1, one);
          const float* p = xs + 2 * py * in_w + 2 * px;
#pragma GCC unroll 3
          for (int ky = 0; ky < 3; ++ky) {
            const typename V::Tab t = V::tab2x4(p + ky * in_w, p + (ky + 1) * in_w);
            acc[ky * 3 + 0] = V::fma(V::lookup(t, i0), g, acc[ky * 3 + 0]);
            acc[ky * 3 + 1] = V::fma(V::lookup(t, i1), g, acc[ky * 3 + 1]);
            acc[ky * 3 + 2] = V::fma(V::lookup(t, i2), g, acc[ky * 3 + 2]);
          }
        }
    }
    for (int t = 0; t < 9; ++t) V::store(dW + t * kC + j, acc[t]);
    V::store(db + j, dbv);
  }
}

// ---- dense forward from W^T, lane-split sums -----------------------------------------
// y[n][j] = tree(lanes) + b[j], lane l of output j summing x[n][i] * WT[j][i]
// over i = l, l + K, l + 2K, ... (K = kGroup: 8 float, 4 double) as one fma
// chain from 0; a masked tail adds fma(0, 0, acc) = acc to the missing lanes.
// RB rows x JB registers of G outputs each are in registers; the i range is
// walked in blocks of kBlock so that the rows' and outputs' slices stay in
// L1 (the accumulators wait in `acc` between blocks: the chains continue
// unchanged).
template <class V, int RB, int JB>
inline void fwd_t_tile(typename V::R* __restrict acc, const typename V::T* __restrict x,
                       const typename V::T* __restrict WT, int in, int i0, int i1, bool first,
                       const std::size_t (&stride)[JB]) {
  using R = typename V::R;
  constexpr int K = V::kGroup;
  R a[RB][JB];
#pragma GCC unroll 32
  for (int r = 0; r < RB; ++r)
#pragma GCC unroll 32
    for (int jb = 0; jb < JB; ++jb) a[r][jb] = first ? V::zero() : acc[r * JB + jb];
  const int full = i0 + (i1 - i0) / K * K;
  for (int i = i0; i < full; i += K) {
    R xv[RB];
#pragma GCC unroll 32
    for (int r = 0; r < RB; ++r) xv[r] = V::load_group_bcast(x + at(r, i, in));
#pragma GCC unroll 32
    for (int jb = 0; jb < JB; ++jb) {
      R w = V::load_groups(WT + at(jb * V::G, i, in), stride[jb]);
      V::keep(w);  // one load serves the RB rows (not one load per row)
#pragma GCC unroll 32
      for (int r = 0; r < RB; ++r) a[r][jb] = V::fma(xv[r], w, a[r][jb]);
    }
  }
  if (full < i1) {  // only at the end of a row: the masked tail
    const int k = i1 - full;
    R xv[RB];
#pragma GCC unroll 32
    for (int r = 0; r < RB; ++r) xv[r] = V::loadm_group_bcast(x + at(r, full, in), k);
#pragma GCC unroll 32
    for (int jb = 0; jb < JB; ++jb) {
      const R w = V::loadm_groups(WT + at(jb * V::G, full, in), stride[jb], k);
#pragma GCC unroll 32
      for (int r = 0; r < RB; ++r) a[r][jb] = V::fma(xv[r], w, a[r][jb]);
    }
  }
#pragma GCC unroll 32
  for (int r = 0; r < RB; ++r)
#pragma GCC unroll 32
    for (int jb = 0; jb < JB; ++jb) acc[r * JB + jb] = a[r][jb];
}

// Rows [0, RB) x outputs [j0, j0 + cols) (cols <= JB * G): the i range
// [i0, i1) of their chains, continuing the accumulators in `acc` (first:
// starting them at 0); last: the lane trees, + b, into y.
template <class V, int RB, int JB>
void fwd_t_piece(typename V::R* acc, typename V::T* y, const typename V::T* x,
                 const typename V::T* WT, const typename V::T* b, int in, int out, int j0, int cols,
                 int i0, int i1, bool first, bool last) {
  std::size_t stride[JB];
#pragma GCC unroll 32
  for (int jb = 0; jb < JB; ++jb)  // a register's missing outputs re-read a valid row
    stride[jb] = jb * V::G + 1 < cols ? static_cast<std::size_t>(in) : 0;
  fwd_t_tile<V, RB, JB>(acc, x, WT + at(j0, 0, in), in, i0, i1, first, stride);
  if (!last) return;
  for (int r = 0; r < RB; ++r)
    for (int jb = 0; jb < JB; ++jb)
      for (int g = 0; g < V::G && jb * V::G + g < cols; ++g) {
        const int j = j0 + jb * V::G + g;
        const typename V::T s = V::hsum_group(acc[r * JB + jb], g);
        y[at(r, j, out)] = b ? s + b[j] : s;
      }
}

// fwd_t_piece with JB = the registers that hold `cols` outputs (<= kJB).
template <class V, int RB, int JB>
void fwd_t_piece_n(typename V::R* acc, typename V::T* y, const typename V::T* x,
                   const typename V::T* WT, const typename V::T* b, int in, int out, int j0,
                   int cols, int i0, int i1, bool first, bool last) {
  if constexpr (JB > 0) {
    if ((cols + V::G - 1) / V::G == JB)
      fwd_t_piece<V, RB, JB>(acc, y, x, WT, b, in, out, j0, cols, i0, i1, first, last);
    else
      fwd_t_piece_n<V, RB, JB - 1>(acc, y, x, WT, b, in, out, j0, cols, i0, i1, first, last);
  }
}

// Rows [0, rows) (rows <= kRows) x outputs [j0, j0 + cols) (cols <= kCols):
// for each block of kBlock inputs, every RB-row x JB-register piece, so the
// block's slices of x (rows x kBlock) and W^T (cols x kBlock) stay in L1
// while every piece reads them.
template <class V, int RB>
void fwd_t_group(typename V::T* y, const typename V::T* x, const typename V::T* WT,
                 const typename V::T* b, int in, int out, int rows, int j0, int cols) {
  constexpr int JB = 5, kCols = 2 * JB * V::G, kRows = 8;
  constexpr int kBlock = 256;  // (kRows + kCols) * 256 * 4 B <= 18 KiB (float, F8)
  typename V::R acc[kRows / RB][2][RB * JB];
  for (int i0 = 0; i0 < in; i0 += kBlock) {
    const int i1 = imin(in, i0 + kBlock);
    const bool first = i0 == 0, last = i1 == in;
    for (int r = 0; r < rows; r += RB)
      for (int t = 0; t * JB * V::G < cols; ++t) {
        const int jt = j0 + t * JB * V::G, ct = imin(JB * V::G, cols - t * JB * V::G);
        fwd_t_piece_n<V, RB, JB>(acc[r / RB][t], y + at(r, 0, out), x + at(r, 0, in), WT, b, in,
                                 out, jt, ct, i0, i1, first, last);
      }
  }
  static_assert(kCols == 2 * JB * V::G);
}

template <class V>
void dense_forward_t(typename V::T* y, const typename V::T* x, const typename V::T* WT,
                     const typename V::T* b, int batch, int in, int out) {
  constexpr int RB = V::kRegs >= 32 ? 4 : 2, kRows = 8, kCols = 10 * V::G;
  for (int n = 0; n < batch; n += kRows) {
    const int rows = imin(kRows, batch - n), full = rows / RB * RB;
    for (int j0 = 0; j0 < out; j0 += kCols) {
      const int cols = imin(kCols, out - j0);
      if (full) fwd_t_group<V, RB>(y + at(n, 0, out), x + at(n, 0, in), WT, b, in, out, full, j0, cols);
      for (int r = full; r < rows; ++r)
        fwd_t_group<V, 1>(y + at(n + r, 0, out), x + at(n + r, 0, in), WT, b, in, out, 1, j0, cols);
    }
  }
}

// ---- dense input gradient from W^T ---------------------------------------------------
// dx[n][i] = fma chain over j = 0..out-1 of dy[n][j] * WT[j][i], from 0.
// Vectorized over i: RB rows x IB registers of inputs in registers (RB * IB
// independent chains cover the fma latency); each WT load serves RB rows.
template <class V, int RB, int IB, bool kTail>
inline void dx_tile(typename V::T* __restrict dx, const typename V::T* __restrict dy,
                    const typename V::T* __restrict WT, int in, int out, int i, int k_last) {
  using R = typename V::R;
  const auto m = V::first(k_last);  // kTail: lanes of the last register
  R acc[RB][IB];
#pragma GCC unroll 32
  for (int r = 0; r < RB; ++r)
#pragma GCC unroll 32
    for (int v = 0; v < IB; ++v) acc[r][v] = V::zero();
  for (int j = 0; j < out; ++j) {
    R w[IB];
#pragma GCC unroll 32
    for (int v = 0; v < IB; ++v) {
      const auto* p = WT + at(j, i + v * V::W, in);
      w[v] = (kTail && v + 1 == IB) ? V::loadm(p, m) : V::load(p);
    }
#pragma GCC unroll 32
    for (int r = 0; r < RB; ++r) {
      const R d = V::bcast(dy + at(r, j, out));
#pragma GCC unroll 32
      for (int v = 0; v < IB; ++v) acc[r][v] = V::fma(d, w[v], acc[r][v]);
    }
  }
#pragma GCC unroll 32
  for (int r = 0; r < RB; ++r)
#pragma GCC unroll 32
    for (int v = 0; v < IB; ++v) {
      auto* p = dx + at(r, i + v * V::W, in);
      if (kTail && v + 1 == IB)
        V::storem(p, m, acc[r][v]);
      else
        V::store(p, acc[r][v]);
    }
}

template <class V, int RB>
void dx_rows(typename V::T* dx, const typename V::T* dy, const typename V::T* WT, int in, int out) {
  constexpr int IB = V::kRegs >= 32 ? 4 : 2, kTile = IB * V::W;
  int i = 0;
  for (; i + kTile <= in; i += kTile) dx_tile<V, RB, IB, false>(dx, dy, WT, in, out, i, V::W);
  for (; i + V::W <= in; i += V::W) dx_tile<V, RB, 1, false>(dx, dy, WT, in, out, i, V::W);
  if (i < in) dx_tile<V, RB, 1, true>(dx, dy, WT, in, out, i, in - i);
}

template <class V>
void dense_backward_input_t(typename V::T* dx, const typename V::T* dy, const typename V::T* WT,
                            int batch, int in, int out) {
  int n = 0;
  for (; n + 4 <= batch; n += 4) dx_rows<V, 4>(dx + at(n, 0, in), dy + at(n, 0, out), WT, in, out);
  for (; n < batch; ++n) dx_rows<V, 1>(dx + at(n, 0, in), dy + at(n, 0, out), WT, in, out);
}

// ---- dense weight gradient, rows [i0, i1) ---------------------------------------------
// dW[i][j] += s, s = fma chain over n = 0..batch-1 of x[n][i] * dy[n][j], from 0.
// Vectorized over rows i: IB registers of rows x JB columns in registers.
template <class V, int IB, int JB, bool kTail>
inline void dw_tile(typename V::T* __restrict dW, const typename V::T* __restrict dy,
                    const typename V::T* __restrict x, int batch, int in, int out, int i,
                    int k_last, int j0) {
  using R = typename V::R;
  using T = typename V::T;
  const auto m = V::first(k_last);  // kTail: lanes of the last register
  R acc[IB][JB];
#pragma GCC unroll 32
  for (int v = 0; v < IB; ++v)
#pragma GCC unroll 32
    for (int j = 0; j < JB; ++j) acc[v][j] = V::zero();
  for (int n = 0; n < batch; ++n) {
    const T* xr = x + at(n, i, in);
    R xv[IB];
#pragma GCC unroll 32
    for (int v = 0; v < IB; ++v)
      xv[v] = (kTail && v + 1 == IB) ? V::loadm(xr + v * V::W, m) : V::load(xr + v * V::W);
    const T* g = dy + at(n, j0, out);
#pragma GCC unroll 32
    for (int j = 0; j < JB; ++j) {
      const R gv = V::bcast(g + j);
#pragma GCC unroll 32
      for (int v = 0; v < IB; ++v) acc[v][j] = V::fma(xv[v], gv, acc[v][j]);
    }
  }
  alignas(64) T tmp[JB][V::W];
#pragma GCC unroll 32
  for (int v = 0; v < IB; ++v) {
#pragma GCC unroll 32
    for (int j = 0; j < JB; ++j) V::store(tmp[j], acc[v][j]);
    const int lanes = (kTail && v + 1 == IB) ? k_last : V::W;
    for (int l = 0; l < lanes; ++l)
#pragma GCC unroll 32
      for (int j = 0; j < JB; ++j) dW[at(i + v * V::W + l, j0 + j, out)] += tmp[j][l];
  }
}

// The last `rest` columns (0 < rest <= J) with a J-column tile, J = rest.
template <class V, int IB, bool kTail, int J>
void dw_tail(typename V::T* dW, const typename V::T* dy, const typename V::T* x, int batch, int in,
             int out, int i, int k_last, int j0, int rest) {
  if constexpr (J > 0) {
    if (rest == J)
      dw_tile<V, IB, J, kTail>(dW, dy, x, batch, in, out, i, k_last, j0);
    else
      dw_tail<V, IB, kTail, J - 1>(dW, dy, x, batch, in, out, i, k_last, j0, rest);
  }
}

template <class V, int IB, bool kTail>
void dw_cols(typename V::T* dW, const typename V::T* dy, const typename V::T* x, int batch, int in,
             int out, int i, int k_last) {
  constexpr int kJ = (V::kRegs >= 32 ? 20 : 10) / IB;  // IB * kJ accumulators
  int j0 = 0;
  for (; j0 + kJ <= out; j0 += kJ) dw_tile<V, IB, kJ, kTail>(dW, dy, x, batch, in, out, i, k_last, j0);
  if (j0 < out) dw_tail<V, IB, kTail, kJ - 1>(dW, dy, x, batch, in, out, i, k_last, j0, out - j0);
}

template <class V>
void dense_backward_weight_rows(typename V::T* dW, const typename V::T* dy,
                                const typename V::T* x, int batch, int in, int out, int i0, int i1) {
  constexpr int N = V::W;
  int i = i0;
  for (; i + 2 * N <= i1; i += 2 * N) dw_cols<V, 2, false>(dW, dy, x, batch, in, out, i, N);
  if (i + N < i1)
    dw_cols<V, 2, true>(dW, dy, x, batch, in, out, i, i1 - i - N);
  else if (i < i1)
    dw_cols<V, 1, true>(dW, dy, x, batch, in, out, i, i1 - i);
}

}  // namespace kern

// The table of one vector type's kernels.
template <class V>
Kernels<typename V::T> make_kernels() {
  Kernels<typename V::T> k{};
  if constexpr (sizeof(typename V::T) == 4) {  // the conv block is float only
    k.convpool_forward = kern::convpool_forward<V>;
    k.convpool_backward = kern::convpool_backward<V>;
  }
  k.dense_forward_t = kern::dense_forward_t<V>;
  k.dense_backward_input_t = kern::dense_backward_input_t<V>;
  k.dense_backward_weight_rows = kern::dense_backward_weight_rows<V>;
  return k;
}

}  // namespace

// Defined in kernels_avx2.cpp / kernels_avx512.cpp.
const Kernels<float>& kernels_avx2_float();
const Kernels<double>& kernels_avx2_double();
const Kernels<float>& kernels_avx512_emulated_float();
const Kernels<float>& kernels_avx512_float();  // call only where isa::supported(avx512)

}  // namespace lrb::layers
