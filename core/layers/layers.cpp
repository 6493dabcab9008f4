#include "core/layers/layers.hpp"

#include <immintrin.h>

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <type_traits>

namespace lrb::layers {
namespace {

template <class T>
using RowMat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <class T>
using MapM = Eigen::Map<RowMat<T>>;
template <class T>
using MapCM = Eigen::Map<const RowMat<T>>;

}  // namespace

// ---- dense -------------------------------------------------------------------
// Eigen GEMM for the products (blocked, vectorized, single-threaded: the
// caller parallelizes over fixed sample chunks).
template <class T>
void dense_forward(std::span<T> y, std::span<const T> x, std::span<const T> W,
                   std::span<const T> b, DenseDims d) {
  MapM<T> Y(y.data(), d.batch, d.out);
  MapCM<T> X(x.data(), d.batch, d.in), Wm(W.data(), d.in, d.out);
  Y.noalias() = X * Wm;
  if (!b.empty()) {
    Eigen::Map<const Eigen::Matrix<T, 1, Eigen::Dynamic>> B(b.data(), d.out);
    Y.rowwise() += B;
  }
}

template <class T>
void dense_backward(std::span<T> dx, std::span<T> dW, std::span<T> db, std::span<const T> dy,
                    std::span<const T> x, std::span<const T> W, DenseDims d) {
  MapCM<T> DY(dy.data(), d.batch, d.out), X(x.data(), d.batch, d.in), Wm(W.data(), d.in, d.out);
  MapM<T> DW(dW.data(), d.in, d.out);
  DW.noalias() += X.transpose() * DY;
  if (!db.empty()) {
    for (int n = 0; n < d.batch; ++n)
      for (int j = 0; j < d.out; ++j) db[j] += dy[static_cast<size_t>(n) * d.out + j];
  }
  if (!dx.empty()) {
    MapM<T> DX(dx.data(), d.batch, d.in);
    DX.noalias() = DY * Wm.transpose();
  }
}

namespace naive {
template <class T>
void dense_forward(std::span<T> y, std::span<const T> x, std::span<const T> W,
                   std::span<const T> b, DenseDims d) {
  for (int n = 0; n < d.batch; ++n)
    for (int j = 0; j < d.out; ++j) {
      T acc = 0;
      for (int i = 0; i < d.in; ++i)
        acc += x[static_cast<size_t>(n) * d.in + i] * W[static_cast<size_t>(i) * d.out + j];
      y[static_cast<size_t>(n) * d.out + j] = acc + (b.empty() ? T(0) : b[j]);
    }
}
template <class T>
void dense_backward(std::span<T> dx, std::span<T> dW, std::span<T> db, std::span<const T> dy,
                    std::span<const T> x, std::span<const T> W, DenseDims d) {
  for (int i = 0; i < d.in; ++i)
    for (int j = 0; j < d.out; ++j) {
      T acc = 0;
      for (int n = 0; n < d.batch; ++n)
        acc += x[static_cast<size_t>(n) * d.in + i] * dy[static_cast<size_t>(n) * d.out + j];
      dW[static_cast<size_t>(i) * d.out + j] += acc;
    }
  if (!db.empty())
    for (int n = 0; n < d.batch; ++n)
      for (int j = 0; j < d.out; ++j) db[j] += dy[static_cast<size_t>(n) * d.out + j];
  if (!dx.empty())
    for (int n = 0; n < d.batch; ++n)
      for (int i = 0; i < d.in; ++i) {
        T acc = 0;
        for (int j = 0; j < d.out; ++j)
          acc += dy[static_cast<size_t>(n) * d.out + j] * W[static_cast<size_t>(i) * d.out + j];
        dx[static_cast<size_t>(n) * d.in + i] = acc;
      }
}
}  // namespace naive

// ---- ReLU ----------------------------------------------------------------------
template <class T>
void relu_forward(std::span<T> y, std::span<const T> x) {
  for (size_t i = 0; i < x.size(); ++i) y[i] = x[i] > T(0) ? x[i] : T(0);
}
template <class T>
void relu_backward(std::span<T> dx, std::span<const T> dy, std::span<const T> y) {
  for (size_t i = 0; i < dy.size(); ++i) dx[i] = y[i] > T(0) ? dy[i] : T(0);
}

// ---- conv2d (general, direct) ---------------------------------------------------
// Sum order per output: bias, then taps in (ky, kx, ci) order, each tap one
// fused multiply-add (std::fma: one rounding, the same in the fused kernel).
template <class T>
void conv2d_forward(std::span<T> y, std::span<const T> x, std::span<const T> W,
                    std::span<const T> b, const Conv2dDims& d) {
  const int OH = d.out_h(), OW = d.out_w();
  for (int n = 0; n < d.batch; ++n)
    for (int oy = 0; oy < OH; ++oy)
      for (int ox = 0; ox < OW; ++ox)
        for (int co = 0; co < d.out_c; ++co) {
          T acc = b.empty() ? T(0) : b[co];
          for (int ky = 0; ky < d.k_h; ++ky) {
            const int iy = oy * d.stride + ky - d.pad;
            if (iy < 0 || iy >= d.in_h) continue;
            for (int kx = 0; kx < d.k_w; ++kx) {
              const int ix = ox * d.stride + kx - d.pad;
              if (ix < 0 || ix >= d.in_w) continue;
              for (int ci = 0; ci < d.in_c; ++ci)
                acc = std::fma(x[((static_cast<size_t>(n) * d.in_h + iy) * d.in_w + ix) * d.in_c + ci],
                               W[((static_cast<size_t>(ky) * d.k_w + kx) * d.in_c + ci) * d.out_c + co],
                               acc);
            }
          }
          y[((static_cast<size_t>(n) * OH + oy) * OW + ox) * d.out_c + co] = acc;
        }
}

template <class T>
void conv2d_backward(std::span<T> dx, std::span<T> dW, std::span<T> db, std::span<const T> dy,
                     std::span<const T> x, std::span<const T> W, const Conv2dDims& d) {
  const int OH = d.out_h(), OW = d.out_w();
  if (!dx.empty()) std::fill(dx.begin(), dx.end(), T(0));
  for (int n = 0; n < d.batch; ++n)
    for (int oy = 0; oy < OH; ++oy)
      for (int ox = 0; ox < OW; ++ox)
        for (int co = 0; co < d.out_c; ++co) {
          const T g = dy[((static_cast<size_t>(n) * OH + oy) * OW + ox) * d.out_c + co];
          if (!db.empty()) db[co] += g;
          for (int ky = 0; ky < d.k_h; ++ky) {
            const int iy = oy * d.stride + ky - d.pad;
            if (iy < 0 || iy >= d.in_h) continue;
            for (int kx = 0; kx < d.k_w; ++kx) {
              const int ix = ox * d.stride + kx - d.pad;
              if (ix < 0 || ix >= d.in_w) continue;
              for (int ci = 0; ci < d.in_c; ++ci) {
                const size_t xi = ((static_cast<size_t>(n) * d.in_h + iy) * d.in_w + ix) * d.in_c + ci;
                const size_t wi = ((static_cast<size_t>(ky) * d.k_w + kx) * d.in_c + ci) * d.out_c + co;
                dW[wi] = std::fma(x[xi], g, dW[wi]);
                if (!dx.empty()) dx[xi] = std::fma(W[wi], g, dx[xi]);
              }
            }
          }
        }
}

// ---- max-pool 2x2 ----------------------------------------------------------------
template <class T>
void maxpool2x2_forward(std::span<T> y, std::span<std::uint8_t> argmax, std::span<const T> x,
                        const PoolDims& d) {
  const int OH = d.out_h(), OW = d.out_w();
  for (int n = 0; n < d.batch; ++n)
    for (int py = 0; py < OH; ++py)
      for (int px = 0; px < OW; ++px)
        for (int c = 0; c < d.c; ++c) {
          T best = -std::numeric_limits<T>::infinity();
          std::uint8_t arg = 0;
          for (int q = 0; q < 4; ++q) {
            const int iy = 2 * py + q / 2, ix = 2 * px + q % 2;
            const T v = x[((static_cast<size_t>(n) * d.in_h + iy) * d.in_w + ix) * d.c + c];
            if (v > best) {
              best = v;
              arg = static_cast<std::uint8_t>(q);
            }
          }
          const size_t o = ((static_cast<size_t>(n) * OH + py) * OW + px) * d.c + c;
          y[o] = best;
          argmax[o] = arg;
        }
}

template <class T>
void maxpool2x2_backward(std::span<T> dx, std::span<const T> dy,
                         std::span<const std::uint8_t> argmax, const PoolDims& d) {
  const int OH = d.out_h(), OW = d.out_w();
  std::fill(dx.begin(), dx.end(), T(0));
  for (int n = 0; n < d.batch; ++n)
    for (int py = 0; py < OH; ++py)
      for (int px = 0; px < OW; ++px)
        for (int c = 0; c < d.c; ++c) {
          const size_t o = ((static_cast<size_t>(n) * OH + py) * OW + px) * d.c + c;
          const int q = argmax[o];
          const int iy = 2 * py + q / 2, ix = 2 * px + q % 2;
          dx[((static_cast<size_t>(n) * d.in_h + iy) * d.in_w + ix) * d.c + c] += dy[o];
        }
}

// ---- fused conv 3x3 (Cin = 1) + ReLU + max-pool 2x2 -------------------------------
// Per pooled cell, the 2x2 window's four conv outputs are computed for all C
// channels at once (C contiguous: the inner loops vectorize over channels),
// sum order bias, then taps (ky, kx) — the same as conv2d_forward, so
// `conv2d -> relu -> maxpool` composed from the general kernels gives the
// same bits (tests/layers checks it).
namespace {
template <int C, class T>
void convpool_fwd_sample(T* __restrict pooled, std::uint8_t* __restrict argmax,
                         const T* __restrict x, const T* __restrict W, const T* __restrict b,
                         int in_w, int PH, int PW, int c_runtime) {
  const int Cn = C > 0 ? C : c_runtime;
  for (int py = 0; py < PH; ++py)
    for (int px = 0; px < PW; ++px) {
      T best[C > 0 ? C : 256];
      std::uint8_t arg[C > 0 ? C : 256];
      for (int c = 0; c < Cn; ++c) {
        best[c] = T(0);  // max over ReLU outputs >= 0; ties keep the first position
        arg[c] = 0;
      }
      for (int q = 0; q < 4; ++q) {
        const int oy = 2 * py + q / 2, ox = 2 * px + q % 2;
        T acc[C > 0 ? C : 256];
        for (int c = 0; c < Cn; ++c) acc[c] = b[c];
        for (int ky = 0; ky < 3; ++ky)
          for (int kx = 0; kx < 3; ++kx) {
            const T v = x[(oy + ky) * in_w + ox + kx];
            const T* w = W + (ky * 3 + kx) * Cn;
            for (int c = 0; c < Cn; ++c) acc[c] = std::fma(v, w[c], acc[c]);
          }
        for (int c = 0; c < Cn; ++c) {
          // relu(acc) > best  <=>  acc > best (best >= 0): first maximum wins.
          const bool better = acc[c] > best[c];
          best[c] = better ? acc[c] : best[c];
          arg[c] = better ? static_cast<std::uint8_t>(q) : arg[c];
        }
      }
      const size_t o = (static_cast<size_t>(py) * PW + px) * Cn;
      for (int c = 0; c < Cn; ++c) {
        pooled[o + c] = best[c];
        argmax[o + c] = arg[c];
      }
    }
}

template <int C, class T>
void convpool_bwd_sample(T* __restrict dW, T* __restrict db, const T* __restrict dpooled,
                         const T* __restrict pooled, const std::uint8_t* __restrict argmax,
                         const T* __restrict x, int in_w, int PH, int PW, int c_runtime) {
  const int Cn = C > 0 ? C : c_runtime;
  for (int py = 0; py < PH; ++py)
    for (int px = 0; px < PW; ++px) {
      const size_t o = (static_cast<size_t>(py) * PW + px) * Cn;
      T g[C > 0 ? C : 256];
      for (int c = 0; c < Cn; ++c) {
        g[c] = pooled[o + c] > T(0) ? dpooled[o + c] : T(0);
        db[c] += g[c];
      }
      for (int q = 0; q < 4; ++q) {
        const int oy = 2 * py + q / 2, ox = 2 * px + q % 2;
        T gq[C > 0 ? C : 256];
        for (int c = 0; c < Cn; ++c) gq[c] = argmax[o + c] == q ? g[c] : T(0);
        for (int ky = 0; ky < 3; ++ky)
          for (int kx = 0; kx < 3; ++kx) {
            const T v = x[(oy + ky) * in_w + ox + kx];
            T* w = dW + (ky * 3 + kx) * Cn;
            for (int c = 0; c < Cn; ++c) w[c] = std::fma(v, gq[c], w[c]);
          }
      }
    }
}

// AVX2 path for float with 32 channels (cnn001): the same operations in the
// same order as the templates above (bias, then one FMA per tap in (ky, kx)
// order; first maximum wins), so the results are bit-identical; only the
// register allocation is spelled out.  Two window positions run together:
// 8 independent accumulator chains hide the FMA latency.
void convpool_fwd_sample_avx2(float* __restrict pooled, std::uint8_t* __restrict argmax,
                              const float* __restrict x, const float* __restrict W,
                              const float* __restrict b, int in_w, int PH, int PW) {
  const __m256 zero = _mm256_setzero_ps();
  __m256 bias[4];
  for (int j = 0; j < 4; ++j) bias[j] = _mm256_loadu_ps(b + 8 * j);
  for (int py = 0; py < PH; ++py)
    for (int px = 0; px < PW; ++px) {
      __m256 best[4] = {zero, zero, zero, zero}, arg[4] = {zero, zero, zero, zero};
      for (int q = 0; q < 4; q += 2) {
        const float* x0 = x + (2 * py + q / 2) * in_w + 2 * px;  // q and q+1: same row
        __m256 a0[4], a1[4];
        for (int j = 0; j < 4; ++j) a0[j] = a1[j] = bias[j];
        for (int ky = 0; ky < 3; ++ky)
          for (int kx = 0; kx < 3; ++kx) {
            const __m256 v0 = _mm256_broadcast_ss(x0 + ky * in_w + kx);
            const __m256 v1 = _mm256_broadcast_ss(x0 + ky * in_w + kx + 1);
            const float* w = W + (ky * 3 + kx) * 32;
            for (int j = 0; j < 4; ++j) {
              const __m256 wj = _mm256_loadu_ps(w + 8 * j);
              a0[j] = _mm256_fmadd_ps(v0, wj, a0[j]);
              a1[j] = _mm256_fmadd_ps(v1, wj, a1[j]);
            }
          }
        const __m256 q0 = _mm256_set1_ps(float(q)), q1 = _mm256_set1_ps(float(q + 1));
        for (int j = 0; j < 4; ++j) {
          __m256 m = _mm256_cmp_ps(a0[j], best[j], _CMP_GT_OQ);
          best[j] = _mm256_blendv_ps(best[j], a0[j], m);
          arg[j] = _mm256_blendv_ps(arg[j], q0, m);
          m = _mm256_cmp_ps(a1[j], best[j], _CMP_GT_OQ);
          best[j] = _mm256_blendv_ps(best[j], a1[j], m);
          arg[j] = _mm256_blendv_ps(arg[j], q1, m);
        }
      }
      const size_t o = (static_cast<size_t>(py) * PW + px) * 32;
      alignas(32) float a[32];
      for (int j = 0; j < 4; ++j) {
        _mm256_storeu_ps(pooled + o + 8 * j, best[j]);
        _mm256_store_ps(a + 8 * j, arg[j]);
      }
      for (int c = 0; c < 32; ++c) argmax[o + c] = static_cast<std::uint8_t>(a[c]);
    }
}

// Backward: dW[t][c] = sum over pooled cells of x[window position q_c + t] *
// g[c], with g = dpooled where pooled > 0 (ReLU) and q_c the argmax.  One
// group of 8 channels at a time, so the 9 taps' accumulators stay in
// registers for the whole sample (no load/store round trip per term).  The
// order of the sum is fixed (cells, then q), so results are deterministic;
// they differ from the composed reference only by summation order.
void convpool_bwd_sample_avx2(float* __restrict dW, float* __restrict db,
                              const float* __restrict dpooled, const float* __restrict pooled,
                              const std::uint8_t* __restrict argmax, const float* __restrict x,
                              int in_w, int PH, int PW) {
  const __m256 zero = _mm256_setzero_ps();
  for (int j = 0; j < 4; ++j) {
    __m256 acc[9];
    for (int t = 0; t < 9; ++t) acc[t] = zero;
    __m256 dbv = zero;
    for (int py = 0; py < PH; ++py)
      for (int px = 0; px < PW; ++px) {
        const size_t o = (static_cast<size_t>(py) * PW + px) * 32 + 8 * j;
        const __m256 pos = _mm256_cmp_ps(_mm256_loadu_ps(pooled + o), zero, _CMP_GT_OQ);
        const __m256 g = _mm256_and_ps(pos, _mm256_loadu_ps(dpooled + o));
        dbv = _mm256_add_ps(dbv, g);
        const __m256i a = _mm256_cvtepu8_epi32(
            _mm_loadl_epi64(reinterpret_cast<const __m128i*>(argmax + o)));
        for (int q = 0; q < 4; ++q) {
          const __m256 gq = _mm256_and_ps(
              _mm256_castsi256_ps(_mm256_cmpeq_epi32(a, _mm256_set1_epi32(q))), g);
          const float* xq = x + (2 * py + q / 2) * in_w + 2 * px + q % 2;
          for (int ky = 0; ky < 3; ++ky)
            for (int kx = 0; kx < 3; ++kx)
              acc[ky * 3 + kx] =
                  _mm256_fmadd_ps(_mm256_broadcast_ss(xq + ky * in_w + kx), gq, acc[ky * 3 + kx]);
        }
      }
    for (int t = 0; t < 9; ++t) {
      float* w = dW + t * 32 + 8 * j;
      _mm256_storeu_ps(w, _mm256_add_ps(_mm256_loadu_ps(w), acc[t]));
    }
    _mm256_storeu_ps(db + 8 * j, _mm256_add_ps(_mm256_loadu_ps(db + 8 * j), dbv));
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
        convpool_fwd_sample_avx2(p, a, xs, W.data(), b.data(), d.in_w, d.pool_h(), d.pool_w());
        continue;
      }
    }
    if (d.out_c == 32)
      convpool_fwd_sample<32>(p, a, xs, W.data(), b.data(), d.in_w, d.pool_h(), d.pool_w(), 32);
    else
      convpool_fwd_sample<0>(p, a, xs, W.data(), b.data(), d.in_w, d.pool_h(), d.pool_w(), d.out_c);
  }
}

template <class T>
void conv3x3_relu_pool_backward(std::span<T> dW, std::span<T> db, std::span<const T> dpooled,
                                std::span<const T> pooled, std::span<const std::uint8_t> argmax,
                                std::span<const T> x, const ConvPoolDims& d) {
  const size_t in = static_cast<size_t>(d.in_h) * d.in_w;
  const size_t out = static_cast<size_t>(d.pool_h()) * d.pool_w() * d.out_c;
  for (int n = 0; n < d.batch; ++n) {
    const size_t o = n * out;
    if constexpr (std::is_same_v<T, float>) {
      if (d.out_c == 32) {
        convpool_bwd_sample_avx2(dW.data(), db.data(), dpooled.data() + o, pooled.data() + o,
                                 argmax.data() + o, x.data() + n * in, d.in_w, d.pool_h(),
                                 d.pool_w());
        continue;
      }
    }
    if (d.out_c == 32)
      convpool_bwd_sample<32>(dW.data(), db.data(), dpooled.data() + o, pooled.data() + o,
                              argmax.data() + o, x.data() + n * in, d.in_w, d.pool_h(),
                              d.pool_w(), 32);
    else
      convpool_bwd_sample<0>(dW.data(), db.data(), dpooled.data() + o, pooled.data() + o,
                             argmax.data() + o, x.data() + n * in, d.in_w, d.pool_h(),
                             d.pool_w(), d.out_c);
  }
}

// ---- losses ---------------------------------------------------------------------
template <class T>
double softmax_cross_entropy_forward(std::span<T> probs, std::span<const T> logits,
                                     std::span<const std::int32_t> labels, int batch, int classes,
                                     std::int64_t* correct) {
  double total = 0;
  for (int n = 0; n < batch; ++n) {
    const T* z = logits.data() + static_cast<size_t>(n) * classes;
    T* p = probs.data() + static_cast<size_t>(n) * classes;
    int arg = 0;
    for (int k = 1; k < classes; ++k)
      if (z[k] > z[arg]) arg = k;
    const T m = z[arg];
    const int y = labels[n];
    const T zy = z[y];  // read before p (which may alias z) is written
    T sum = 0;
    for (int k = 0; k < classes; ++k) {
      p[k] = std::exp(z[k] - m);
      sum += p[k];
    }
    for (int k = 0; k < classes; ++k) p[k] /= sum;
    // -log softmax_y = log(sum) - (z_y - m): stable for any logit scale.
    total += static_cast<double>(std::log(sum) - (zy - m));
    if (correct && arg == y) ++*correct;
  }
  return total;
}

template <class T>
void softmax_cross_entropy_backward(std::span<T> dlogits, std::span<const T> probs,
                                    std::span<const std::int32_t> labels, int batch, int classes,
                                    T scale) {
  for (int n = 0; n < batch; ++n)
    for (int k = 0; k < classes; ++k) {
      const size_t i = static_cast<size_t>(n) * classes + k;
      dlogits[i] = (probs[i] - (k == labels[n] ? T(1) : T(0))) * scale;
    }
}

template <class T>
double mse_forward(std::span<const T> y, std::span<const T> targets, int batch, int outputs) {
  double total = 0;
  for (int n = 0; n < batch; ++n) {
    T s = 0;
    for (int j = 0; j < outputs; ++j) {
      const T r = y[static_cast<size_t>(n) * outputs + j] - targets[static_cast<size_t>(n) * outputs + j];
      s += r * r;
    }
    total += static_cast<double>(s / static_cast<T>(outputs));
  }
  return total;
}

template <class T>
void mse_backward(std::span<T> dy, std::span<const T> y, std::span<const T> targets, int batch,
                  int outputs, T scale) {
  const T f = T(2) / static_cast<T>(outputs) * scale;
  for (size_t i = 0; i < static_cast<size_t>(batch) * outputs; ++i)
    dy[i] = (y[i] - targets[i]) * f;
}

#define LRB_LAYERS_INSTANTIATE(T)                                                              \
  template void dense_forward<T>(std::span<T>, std::span<const T>, std::span<const T>,         \
                                 std::span<const T>, DenseDims);                               \
  template void dense_backward<T>(std::span<T>, std::span<T>, std::span<T>, std::span<const T>, \
                                  std::span<const T>, std::span<const T>, DenseDims);           \
  template void naive::dense_forward<T>(std::span<T>, std::span<const T>, std::span<const T>,  \
                                        std::span<const T>, DenseDims);                        \
  template void naive::dense_backward<T>(std::span<T>, std::span<T>, std::span<T>,             \
                                         std::span<const T>, std::span<const T>,               \
                                         std::span<const T>, DenseDims);                       \
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
