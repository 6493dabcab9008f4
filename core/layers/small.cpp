// Small dense layers (in, out <= kSmallMax): the forward and the input
// gradient of dense_forward_t / dense_backward_input_t, bit for bit, from W
// itself and without horizontal sums.
//
// A block of K samples (K = the register's lanes: 8 float, 4 double) is
// turned feature-major in registers (x^T: one register per input feature,
// one lane per sample), so every lane is a different sample and every sum
// runs down a register chain:
//   forward  chain l (l < K) of output j sums x^T[i] * W[i][j] over
//            i = l, l + K, ... from 0 -- dense_forward_t's lane l -- then
//            its tree, ((c0+c4)+(c2+c6)) + ((c1+c5)+(c3+c7)) (double
//            (c0+c2)+(c1+c3)), then + b[j]
//   dx       acc_i = fma chain over j = 0..out-1 of dy^T[j] * W[i][j], from 0
// and the result is turned back to rows.  A sample's lanes never mix, so
// the K samples of a block (and a short last block) get exactly the bits of
// the row kernels.  The layouts of tiny layers (mlp004: 20-10-10-1) leave
// the row kernels a horizontal tree per output and mostly masked lanes;
// here every instruction works on K samples.  AVX2 on every ISA path: these
// layers are too small for wider registers to matter, and the bits are the
// same anyway.
#include <immintrin.h>

#include <algorithm>
#include <type_traits>

#include "core/layers/layers.hpp"
#include "core/layers/simd.hpp"

namespace lrb::layers {
namespace {

template <class T>
using Vec = std::conditional_t<std::is_same_v<T, float>, simd::F8, simd::D4>;

// dst[c][0..K) = src[r][c] for rows r < rows (missing rows: 0), c < cols.
// src: rows of `stride` elements; dst: cols x K.  Full blocks of K rows go
// through K x K register transposes.
template <class T>
void to_columns_impl(T* __restrict dst, const T* __restrict src, int rows, int cols, int stride) {
  using V = Vec<T>;
  constexpr int K = V::W;
  int c = 0;
  if (rows == K)
    for (; c + K <= cols; c += K) {
      typename V::R r[K];
      for (int k = 0; k < K; ++k) r[k] = V::load(src + static_cast<size_t>(k) * stride + c);
      V::transpose(r);
      for (int k = 0; k < K; ++k) V::store(dst + static_cast<size_t>(c + k) * K, r[k]);
    }
  for (; c < cols; ++c)  // scalar: masked vector loads are slower here (AMD)
    for (int k = 0; k < K; ++k) dst[c * K + k] = k < rows ? src[static_cast<size_t>(k) * stride + c] : T(0);
}

// The inverse: dst[r][c] = src[c][r] for r < rows, c < cols.
template <class T>
void to_rows_impl(T* __restrict dst, const T* __restrict src, int rows, int cols, int stride) {
  using V = Vec<T>;
  constexpr int K = V::W;
  int c = 0;
  if (rows == K)
    for (; c + K <= cols; c += K) {
      typename V::R r[K];
      for (int k = 0; k < K; ++k) r[k] = V::load(src + static_cast<size_t>(c + k) * K);
      V::transpose(r);
      for (int k = 0; k < K; ++k) V::store(dst + static_cast<size_t>(k) * stride + c, r[k]);
    }
  for (; c < cols; ++c)
    for (int k = 0; k < rows; ++k) dst[static_cast<size_t>(k) * stride + c] = src[c * K + k];
}

}  // namespace

template <class T>
void rows_to_block(T* blk, const T* rows, int nrows, int cols, int stride) {
  to_columns_impl(blk, rows, nrows, cols, stride);
}
template <class T>
void block_to_rows(T* rows, const T* blk, int nrows, int cols, int stride) {
  to_rows_impl(rows, blk, nrows, cols, stride);
}

template <class T>
void dense_forward_block(T* __restrict yT, const T* __restrict xT, const T* __restrict W,
                         const T* __restrict b, int in, int out, bool relu) {
  using V = Vec<T>;
  using R = typename V::R;
  constexpr int K = V::W;
  for (int j = 0; j < out; ++j) {
    R c[K];
    for (int l = 0; l < K; ++l) c[l] = V::zero();
    const T* w = W + j;
    int i = 0;
    for (; i + K <= in; i += K)
#pragma GCC unroll 8
      for (int l = 0; l < K; ++l)
        c[l] = V::fma(V::load(xT + (i + l) * K), V::bcast(w + static_cast<size_t>(i + l) * out), c[l]);
#pragma GCC unroll 8
    for (int l = 0; l < K; ++l)  // the tail: chains l >= in - i get no more terms
      if (i + l < in)
        c[l] = V::fma(V::load(xT + (i + l) * K), V::bcast(w + static_cast<size_t>(i + l) * out), c[l]);
    R s;
    if constexpr (K == 8)
      s = V::add(V::add(V::add(c[0], c[4]), V::add(c[2], c[6])),
                 V::add(V::add(c[1], c[5]), V::add(c[3], c[7])));
    else
      s = V::add(V::add(c[0], c[2]), V::add(c[1], c[3]));
    if (b) s = V::add(s, V::bcast(b + j));
    if (relu) s = V::max(s, V::zero());  // x > 0 ? x : +0, as relu_forward
    V::store(yT + j * K, s);
  }
}

template <class T>
void dense_backward_input_block(T* __restrict dxT, const T* __restrict dyT, const T* __restrict W,
                                int in, int out, const T* __restrict actT) {
  using V = Vec<T>;
  using R = typename V::R;
  constexpr int K = V::W, kI = 8;  // inputs at once: independent chains cover the fma latency
  for (int i0 = 0; i0 < in; i0 += kI) {
    const int ni = std::min(kI, in - i0);
    R acc[kI];
    for (int g = 0; g < kI; ++g) acc[g] = V::zero();
    for (int j = 0; j < out; ++j) {
      const R dj = V::load(dyT + j * K);
#pragma GCC unroll 8
      for (int g = 0; g < kI; ++g)
        if (g < ni) acc[g] = V::fma(dj, V::bcast(W + static_cast<size_t>(i0 + g) * out + j), acc[g]);
    }
#pragma GCC unroll 8
    for (int g = 0; g < kI; ++g)
      if (g < ni) {
        R v = acc[g];  // through the ReLU: act > 0 ? dx : +0, as relu_backward
        if (actT) v = V::zero_unless(V::gt(V::load(actT + (i0 + g) * K), V::zero()), v);
        V::store(dxT + (i0 + g) * K, v);
      }
  }
}

template <class T>
void dense_forward_small(std::span<T> y, std::span<const T> x, std::span<const T> W,
                         std::span<const T> b, DenseDims d) {
  constexpr int K = small_block<T>();
  alignas(32) T xt[kSmallMax * K], yt[kSmallMax * K];
  for (int n0 = 0; n0 < d.batch; n0 += K) {
    const int rows = std::min(K, d.batch - n0);
    rows_to_block(xt, x.data() + static_cast<size_t>(n0) * d.in, rows, d.in, d.in);
    dense_forward_block(yt, xt, W.data(), b.empty() ? nullptr : b.data(), d.in, d.out, false);
    block_to_rows(y.data() + static_cast<size_t>(n0) * d.out, yt, rows, d.out, d.out);
  }
}

template <class T>
void dense_backward_input_small(std::span<T> dx, std::span<const T> dy, std::span<const T> W,
                                DenseDims d) {
  constexpr int K = small_block<T>();
  alignas(32) T dyt[kSmallMax * K], dxt[kSmallMax * K];
  for (int n0 = 0; n0 < d.batch; n0 += K) {
    const int rows = std::min(K, d.batch - n0);
    rows_to_block(dyt, dy.data() + static_cast<size_t>(n0) * d.out, rows, d.out, d.out);
    dense_backward_input_block(dxt, dyt, W.data(), d.in, d.out, static_cast<const T*>(nullptr));
    block_to_rows(dx.data() + static_cast<size_t>(n0) * d.in, dxt, rows, d.in, d.in);
  }
}

#define LRB_SMALL_INSTANTIATE(T)                                                                \
  template void rows_to_block<T>(T*, const T*, int, int, int);                                  \
  template void block_to_rows<T>(T*, const T*, int, int, int);                                  \
  template void dense_forward_block<T>(T*, const T*, const T*, const T*, int, int, bool);       \
  template void dense_backward_input_block<T>(T*, const T*, const T*, int, int, const T*);      \
  template void dense_forward_small<T>(std::span<T>, std::span<const T>, std::span<const T>,    \
                                       std::span<const T>, DenseDims);                          \
  template void dense_backward_input_small<T>(std::span<T>, std::span<const T>,                 \
                                              std::span<const T>, DenseDims);
LRB_SMALL_INSTANTIATE(float)
LRB_SMALL_INSTANTIATE(double)

}  // namespace lrb::layers
