#pragma once
// Layers as forward/backward pairs of free functions over caller-owned
// buffers (STYLE.md 1).  Outputs first, const inputs next, dims last.
// Backward functions ACCUMULATE into parameter gradients (dW, db); the model
// zeroes them once per step.  Input gradients (dx) are overwritten.
// Nothing here allocates or threads: the model runs these inside its own
// OpenMP regions on fixed-size blocks (core/models).
//
// Layouts (Keras' channels-last, so tutorial 001's Keras model maps 1:1):
//   activations  (N, H, W, C) row-major;  dense inputs (N, in) row-major
//   dense kernel (in, out) row-major;      conv kernel (KH, KW, Cin, Cout)
//   Flatten is a no-op view of (N, H, W, C) as (N, H*W*C), Keras' order.
//
// Summation order is part of the contract.  Every product-sum is a chain of
// fused multiply-adds (one rounding each, std::fma or the vector instruction),
// started from 0 (dense) or from the bias (conv), in the order written next
// to each kernel.  Each fast kernel keeps the order of its `naive::`
// reference, so the two agree BIT FOR BIT (tests/layers checks equality).
// Exceptions, with the tolerance stated in the tests: dense_forward_t (lane-
// split sums, below) and the general conv2d_backward vs the fused conv
// block's backward (different loop nests over the same terms).
//
// The hot kernels (the fused conv block with 32 channels, dense_forward_t,
// dense_backward_input_t, dense_backward_weight_rows, all float) run on the
// instruction set core/isa selects (AVX2 or AVX-512, kernels.hpp); every
// path computes every element in the same order, so the bits do not depend
// on it.  Double runs the AVX2 kernels.
#include <cstdint>
#include <span>

namespace lrb::layers {

// ---- dense: y = x W + b ----------------------------------------------------
struct DenseDims {
  int batch, in, out;
};
// y (B, out); x (B, in); W (in, out); b (out) or empty for no bias.
//   y[n][j] = fma-chain_{i = 0..in-1}(x[n][i] * W[i][j], from 0) + b[j]
template <class T>
void dense_forward(std::span<T> y, std::span<const T> x, std::span<const T> W,
                   std::span<const T> b, DenseDims d);
// dx (B, in) overwritten, or empty when not needed;
//   dx[n][i] = fma-chain_{j = 0..out-1}(dy[n][j] * W[i][j], from 0)
// dW (in, out) += s, s = fma-chain_{n = 0..B-1}(x[n][i] * dy[n][j], from 0)
// db (out) += s, s = sum_{n = 0..B-1} dy[n][j] (from 0); empty: no bias.
template <class T>
void dense_backward(std::span<T> dx, std::span<T> dW, std::span<T> db, std::span<const T> dy,
                    std::span<const T> x, std::span<const T> W, DenseDims d);

// y (B, out) = x W + b from WT = W^T stored (out, in) row-major: the fast
// path when `out` is small (cnn001's 5408 -> 10).  Vectorized over i, so the
// sum order differs from dense_forward's: each of the V = 8 (float) / 4
// (double) lanes runs the fma chain over i = lane, lane + V, ...; the lanes
// are then added as a fixed tree, (l0+l4)+(l2+l6) + (l1+l5)+(l3+l7) (float;
// double: (l0+l2)+(l1+l3)); then + b[j].  Deterministic; within a few ulp of
// the naive chain (tests state the tolerance).
template <class T>
void dense_forward_t(std::span<T> y, std::span<const T> x, std::span<const T> WT,
                     std::span<const T> b, DenseDims d);

// Small layers (in, out <= kSmallMax), from W (in, out) itself, bit for bit
// the results of dense_forward_t and dense_backward_input_t (small.cpp: a
// block of samples is made feature-major in registers, so no horizontal
// sums and no W^T).
constexpr int kSmallMax = 128;
template <class T>
void dense_forward_small(std::span<T> y, std::span<const T> x, std::span<const T> W,
                         std::span<const T> b, DenseDims d);
template <class T>
void dense_backward_input_small(std::span<T> dx, std::span<const T> dy, std::span<const T> W,
                                DenseDims d);
// Their per-block pieces, for a caller that chains small layers without
// going back to rows in between (core/models).  A block holds K =
// small_block<T>() consecutive samples feature-major: (cols, K), column c of
// the K rows at [c*K, c*K + K).
template <class T>
constexpr int small_block() { return sizeof(T) == 4 ? 8 : 4; }
// blk (cols, K) <- rows [0, nrows) of `rows` (row stride `stride`); rows
// nrows..K-1 of the block are 0.
template <class T>
void rows_to_block(T* blk, const T* rows, int nrows, int cols, int stride);
template <class T>
void block_to_rows(T* rows, const T* blk, int nrows, int cols, int stride);
// yT (out, K) = the dense layer of xT (in, K), + b (or none), then the ReLU
// when relu (hidden layers; relu_forward's values).
template <class T>
void dense_forward_block(T* yT, const T* xT, const T* W, const T* b, int in, int out, bool relu);
// dxT (in, K) = the input gradient from dyT (out, K), then through the ReLU
// of actT (in, K) when not null (relu_backward's values).
template <class T>
void dense_backward_input_block(T* dxT, const T* dyT, const T* W, int in, int out, const T* actT);

// The pieces of dense_backward, for a caller that splits the work itself
// (core/models runs the input gradient per sample chunk and the weight
// gradient over the whole batch, parallel over rows of W).  Same bits as
// dense_backward.
// dx (B, in) overwritten from WT = W^T stored (out, in) row-major.
template <class T>
void dense_backward_input_t(std::span<T> dx, std::span<const T> dy, std::span<const T> WT,
                            DenseDims d);
// Rows [i0, i1) of dW (in, out) += x^T dy over all d.batch samples.
template <class T>
void dense_backward_weight_rows(std::span<T> dW, std::span<const T> dy, std::span<const T> x,
                                DenseDims d, int i0, int i1);
// db (out) += column sums of dy (B, out).
template <class T>
void dense_backward_bias(std::span<T> db, std::span<const T> dy, DenseDims d);
// out (cols, rows) = in (rows, cols)^T, rows [r0, r1) of `in` only.
template <class T>
void transpose_rows(std::span<T> out, std::span<const T> in, int rows, int cols, int r0, int r1);

// ---- ReLU ------------------------------------------------------------------
// y = max(x, 0) (y may alias x).
template <class T>
void relu_forward(std::span<T> y, std::span<const T> x);
// dx = dy where y > 0, else 0 (y = the ReLU output; dx may alias dy).
template <class T>
void relu_backward(std::span<T> dx, std::span<const T> dy, std::span<const T> y);

// ---- conv2d, general stride / zero padding (direct, vectorized over Cout) --
struct Conv2dDims {
  int batch, in_h, in_w, in_c, out_c, k_h, k_w, stride = 1, pad = 0;
  int out_h() const { return (in_h + 2 * pad - k_h) / stride + 1; }
  int out_w() const { return (in_w + 2 * pad - k_w) / stride + 1; }
};
// y (B, OH, OW, Cout) = conv(x (B, H, W, Cin), W (KH, KW, Cin, Cout)) + b (Cout)
//   y = fma-chain over taps (ky, kx, ci) in that order, from b (or 0).
template <class T>
void conv2d_forward(std::span<T> y, std::span<const T> x, std::span<const T> W,
                    std::span<const T> b, const Conv2dDims& d);
// dx (B, H, W, Cin) overwritten (empty: skip); dW, db accumulate, each
// element in (n, oy, ox[, co]) order.
template <class T>
void conv2d_backward(std::span<T> dx, std::span<T> dW, std::span<T> db, std::span<const T> dy,
                     std::span<const T> x, std::span<const T> W, const Conv2dDims& d);

// ---- max-pool 2x2, stride 2 (floor) ----------------------------------------
struct PoolDims {
  int batch, in_h, in_w, c;
  int out_h() const { return in_h / 2; }
  int out_w() const { return in_w / 2; }
};
// y (B, OH, OW, C); argmax (B, OH, OW, C) in 0..3 = dy*2 + dx of the window's
// first maximum (ties go to the first), the explicit forward output backward needs.
template <class T>
void maxpool2x2_forward(std::span<T> y, std::span<std::uint8_t> argmax, std::span<const T> x,
                        const PoolDims& d);
// dx (B, H, W, C) overwritten: dy routed to each window's argmax.
template <class T>
void maxpool2x2_backward(std::span<T> dx, std::span<const T> dy,
                         std::span<const std::uint8_t> argmax, const PoolDims& d);

// ---- cnn001's fused first block: conv 3x3 valid (Cin = 1) + bias + ReLU +
// max-pool 2x2, per sample.  Produces the pooled map and, per pooled cell and
// channel, which of the 4 window positions won (the ReLU mask is
// `pooled > 0`).  Backward needs only those and x: the 26x26x32 conv output
// is never stored.  Float with 32 channels runs the vector kernels of
// kernels.hpp (channels across lanes, the 3x3 kernel in registers); other
// cases a generic loop.  Both keep the naive order, so all agree bit for bit.
struct ConvPoolDims {
  int batch, in_h, in_w, out_c;  // 3x3 kernel, Cin = 1, stride 1, no padding
  int conv_h() const { return in_h - 2; }
  int conv_w() const { return in_w - 2; }
  int pool_h() const { return conv_h() / 2; }
  int pool_w() const { return conv_w() / 2; }
};
// pooled (B, PH, PW, C), argmax (B, PH, PW, C); x (B, H, W); W (3, 3, 1, C); b (C).
//   conv = fma-chain over taps (ky, kx) from b; pooled = max(0, conv over the
//   window), positions in order 0..3, first strict maximum wins.
template <class T>
void conv3x3_relu_pool_forward(std::span<T> pooled, std::span<std::uint8_t> argmax,
                               std::span<const T> x, std::span<const T> W, std::span<const T> b,
                               const ConvPoolDims& d);
// dW (3, 3, 1, C) and db (C) accumulate, each element in (n, py, px, q)
// order (q = window position); no dx (it is the input layer).
template <class T>
void conv3x3_relu_pool_backward(std::span<T> dW, std::span<T> db, std::span<const T> dpooled,
                                std::span<const T> pooled, std::span<const std::uint8_t> argmax,
                                std::span<const T> x, const ConvPoolDims& d);

// ---- losses -------------------------------------------------------------------
// Softmax cross-entropy with sparse labels, numerically stable (log-sum-exp
// around the max logit).  Returns the SUM of per-sample losses (the caller
// divides by the batch: sums of fixed chunks combine deterministically);
// probs (B, K) receives the softmax (may alias logits).  `correct` (may be
// null) counts argmax == label.
template <class T>
double softmax_cross_entropy_forward(std::span<T> probs, std::span<const T> logits,
                                     std::span<const std::int32_t> labels, int batch, int classes,
                                     std::int64_t* correct);
// dlogits = (probs - onehot(label)) * scale   (scale = 1/B for the batch mean)
template <class T>
void softmax_cross_entropy_backward(std::span<T> dlogits, std::span<const T> probs,
                                    std::span<const std::int32_t> labels, int batch, int classes,
                                    T scale);
// MSE: returns the SUM over samples of mean_j (y - t)^2 (Keras' per-sample
// mean over outputs; divided by B it is the mean over all outputs);
// backward dy = 2 (y - t) / outputs * scale.
template <class T>
double mse_forward(std::span<const T> y, std::span<const T> targets, int batch, int outputs);
template <class T>
void mse_backward(std::span<T> dy, std::span<const T> y, std::span<const T> targets, int batch,
                  int outputs, T scale);

// ---- plain-loop references (tests compare the fast kernels with these) ----
namespace naive {
template <class T>
void dense_forward(std::span<T> y, std::span<const T> x, std::span<const T> W,
                   std::span<const T> b, DenseDims d);
template <class T>
void dense_backward(std::span<T> dx, std::span<T> dW, std::span<T> db, std::span<const T> dy,
                    std::span<const T> x, std::span<const T> W, DenseDims d);
template <class T>
void relu_forward(std::span<T> y, std::span<const T> x);
template <class T>
void relu_backward(std::span<T> dx, std::span<const T> dy, std::span<const T> y);
template <class T>
void conv2d_forward(std::span<T> y, std::span<const T> x, std::span<const T> W,
                    std::span<const T> b, const Conv2dDims& d);
template <class T>
void conv2d_backward(std::span<T> dx, std::span<T> dW, std::span<T> db, std::span<const T> dy,
                     std::span<const T> x, std::span<const T> W, const Conv2dDims& d);
template <class T>
void maxpool2x2_forward(std::span<T> y, std::span<std::uint8_t> argmax, std::span<const T> x,
                        const PoolDims& d);
template <class T>
void maxpool2x2_backward(std::span<T> dx, std::span<const T> dy,
                         std::span<const std::uint8_t> argmax, const PoolDims& d);
template <class T>
void conv3x3_relu_pool_forward(std::span<T> pooled, std::span<std::uint8_t> argmax,
                               std::span<const T> x, std::span<const T> W, std::span<const T> b,
                               const ConvPoolDims& d);
template <class T>
void conv3x3_relu_pool_backward(std::span<T> dW, std::span<T> db, std::span<const T> dpooled,
                                std::span<const T> pooled, std::span<const std::uint8_t> argmax,
                                std::span<const T> x, const ConvPoolDims& d);
template <class T>
double softmax_cross_entropy_forward(std::span<T> probs, std::span<const T> logits,
                                     std::span<const std::int32_t> labels, int batch, int classes,
                                     std::int64_t* correct);
template <class T>
void softmax_cross_entropy_backward(std::span<T> dlogits, std::span<const T> probs,
                                    std::span<const std::int32_t> labels, int batch, int classes,
                                    T scale);
template <class T>
double mse_forward(std::span<const T> y, std::span<const T> targets, int batch, int outputs);
template <class T>
void mse_backward(std::span<T> dy, std::span<const T> y, std::span<const T> targets, int batch,
                  int outputs, T scale);
}  // namespace naive

}  // namespace lrb::layers
