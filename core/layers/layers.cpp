// Fast kernels.  Each keeps the summation order of its naive:: reference
// (naive.cpp), so the two agree bit for bit; what changes is which loop is
// vectorized and what stays in registers.  The hot ones (the conv block and
// the dense pieces the models run) live in kernels.hpp, compiled per
// instruction set and picked here at run time (core/isa); the rest run on
// the AVX2 floor (simd::F8 / D4).
#include "core/layers/layers.hpp"

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <type_traits>

#include "core/isa/isa.hpp"
#include "core/layers/kernels.hpp"

namespace lrb::layers {
namespace {

inline size_t at(size_t a, size_t b, size_t cols) { return a * cols + b; }

template <class T>
using Vec = std::conditional_t<std::is_same_v<T, float>, simd::F8, simd::D4>;

// The active instruction set's kernels (double: always the AVX2 ones; the
// double models are the tiny ones).
template <class T>
const Kernels<T>& active_kernels() {
  if constexpr (std::is_same_v<T, double>) {
    return kernels_avx2_double();
  } else {
    switch (isa::active()) {
      case isa::Isa::avx512: return kernels_avx512_float();
      case isa::Isa::avx512_emulated: return kernels_avx512_emulated_float();
      case isa::Isa::avx2: break;
    }
    return kernels_avx2_float();
  }
}

// ---- dense forward: vectorized over outputs j, RB samples share each W load.
// Per element: acc = 0; for i: acc = fma(x[n][i], W[i][j], acc); y = acc + b.
template <class T, int RB, int NV>
void dense_fwd_block(T* __restrict y, const T* __restrict x, const T* __restrict W,
                     const T* __restrict b, int in, int out, int j0, typename Vec<T>::M m0,
                     typename Vec<T>::M m1) {
  using S = Vec<T>;
  typename S::R acc[RB][NV];
  for (int r = 0; r < RB; ++r)
    for (int v = 0; v < NV; ++v) acc[r][v] = S::zero();
  const T* w = W + j0;
  for (int i = 0; i < in; ++i, w += out) {
    typename S::R wv[NV];
    wv[0] = S::loadm(w, m0);
    if constexpr (NV == 2) wv[1] = S::loadm(w + S::W, m1);
    for (int r = 0; r < RB; ++r) {
      const typename S::R xv = S::set1(x[at(r, i, in)]);
      for (int v = 0; v < NV; ++v) acc[r][v] = S::fma(xv, wv[v], acc[r][v]);
    }
  }
  for (int v = 0; v < NV; ++v) {
    const typename S::M m = v == 0 ? m0 : m1;
    const typename S::R bv = b ? S::loadm(b + j0 + v * S::W, m) : S::zero();
    for (int r = 0; r < RB; ++r)
      S::storem(y + at(r, j0 + v * S::W, out), m, b ? S::add(acc[r][v], bv) : acc[r][v]);
  }
}

}  // namespace

// ---- dense -------------------------------------------------------------------
template <class T>
void dense_forward(std::span<T> y, std::span<const T> x, std::span<const T> W,
                   std::span<const T> b, DenseDims d) {
  using S = Vec<T>;
  const T* bp = b.empty() ? nullptr : b.data();
  for (int j0 = 0; j0 < d.out; j0 += 2 * S::W) {
    const int k = std::min(2 * S::W, d.out - j0);
    const typename S::M m0 = S::first(std::min(k, S::W)), m1 = S::first(std::max(k - S::W, 0));
    int n = 0;
    if (k > S::W) {
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
  active_kernels<T>().dense_forward_t(y.data(), x.data(), WT.data(), b.empty() ? nullptr : b.data(),
                                      d.batch, d.in, d.out);
}

template <class T>
void dense_backward_input_t(std::span<T> dx, std::span<const T> dy, std::span<const T> WT,
                            DenseDims d) {
  active_kernels<T>().dense_backward_input_t(dx.data(), dy.data(), WT.data(), d.batch, d.in, d.out);
}

template <class T>
void dense_backward_weight_rows(std::span<T> dW, std::span<const T> dy, std::span<const T> x,
                                DenseDims d, int i0, int i1) {
  active_kernels<T>().dense_backward_weight_rows(dW.data(), dy.data(), x.data(), d.batch, d.in,
                                                 d.out, i0, i1);
}

// Vectorized over j; each column's sum still runs over n in order, from 0.
template <class T>
void dense_backward_bias(std::span<T> db, std::span<const T> dy, DenseDims d) {
  using S = Vec<T>;
  for (int j = 0; j < d.out; j += S::W) {
    const typename S::M m = S::first(std::min(S::W, d.out - j));
    typename S::R acc = S::zero();
    for (int n = 0; n < d.batch; ++n) acc = S::add(acc, S::loadm(dy.data() + at(n, j, d.out), m));
    S::storem(db.data() + j, m, S::add(S::loadm(db.data() + j, m), acc));
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
        simd::F8::transpose(r);
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

}  // namespace

template <class T>
void conv3x3_relu_pool_forward(std::span<T> pooled, std::span<std::uint8_t> argmax,
                               std::span<const T> x, std::span<const T> W, std::span<const T> b,
                               const ConvPoolDims& d) {
  if (d.out_c > 256) throw std::invalid_argument("conv3x3_relu_pool: out_c > 256");
  if constexpr (std::is_same_v<T, float>) {
    if (d.out_c == 32) {
      active_kernels<T>().convpool_forward(pooled.data(), argmax.data(), x.data(), W.data(), b.data(),
                                           d.batch, d.in_h, d.in_w);
      return;
    }
  }
  const size_t in = static_cast<size_t>(d.in_h) * d.in_w;
  const size_t out = static_cast<size_t>(d.pool_h()) * d.pool_w() * d.out_c;
  for (int n = 0; n < d.batch; ++n) {
    T* p = pooled.data() + n * out;
    std::uint8_t* a = argmax.data() + n * out;
    const T* xs = x.data() + n * in;
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
      active_kernels<T>().convpool_backward(dW.data(), db.data(), dpooled.data(), pooled.data(),
                                            argmax.data(), x.data(), d.batch, d.in_h, d.in_w);
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
