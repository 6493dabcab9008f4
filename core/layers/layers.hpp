#pragma once
// Layers as forward/backward pairs of free functions over caller-owned
// buffers (STYLE.md 1).  Outputs first, const inputs next, dims last.
// Backward functions ACCUMULATE into parameter gradients (dW, db); the model
// zeroes them once per step.  Input gradients (dx) are overwritten.
//
// Layouts (Keras' channels-last, so tutorial 001's Keras model maps 1:1):
//   activations  (N, H, W, C) row-major;  dense inputs (N, in) row-major
//   dense kernel (in, out) row-major;      conv kernel (KH, KW, Cin, Cout)
//   Flatten is a no-op view of (N, H, W, C) as (N, H*W*C), Keras' order.
//
// Summation order is part of the contract: every fast kernel below sums in
// the same order as its `naive::` reference, so the two agree bit for bit
// (tests/layers), except the Eigen GEMM paths, whose blocking changes the
// order (tolerance stated in the tests).
#include <cstdint>
#include <span>

namespace lrb::layers {

// ---- dense: y = x W + b ----------------------------------------------------
struct DenseDims {
  int batch, in, out;
};
// y (B, out); x (B, in); W (in, out); b (out) or empty for no bias.
template <class T>
void dense_forward(std::span<T> y, std::span<const T> x, std::span<const T> W,
                   std::span<const T> b, DenseDims d);
// dx (B, in) overwritten, or empty when not needed; dW (in, out) += x^T dy;
// db (out) += column sums of dy (empty: no bias).
template <class T>
void dense_backward(std::span<T> dx, std::span<T> dW, std::span<T> db, std::span<const T> dy,
                    std::span<const T> x, std::span<const T> W, DenseDims d);

// ---- ReLU (in place on the forward side) ----------------------------------
template <class T>
void relu_forward(std::span<T> y, std::span<const T> x);
// dx = dy where y > 0, else 0 (y = the ReLU output).
template <class T>
void relu_backward(std::span<T> dx, std::span<const T> dy, std::span<const T> y);

// ---- conv2d, general stride / zero padding (direct loops) ------------------
struct Conv2dDims {
  int batch, in_h, in_w, in_c, out_c, k_h, k_w, stride = 1, pad = 0;
  int out_h() const { return (in_h + 2 * pad - k_h) / stride + 1; }
  int out_w() const { return (in_w + 2 * pad - k_w) / stride + 1; }
};
// y (B, OH, OW, Cout) = conv(x (B, H, W, Cin), W (KH, KW, Cin, Cout)) + b (Cout)
template <class T>
void conv2d_forward(std::span<T> y, std::span<const T> x, std::span<const T> W,
                    std::span<const T> b, const Conv2dDims& d);
// dx (B, H, W, Cin) overwritten (empty: skip); dW, db accumulate.
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
// max-pool 2x2, per sample, vectorized over output channels.  Produces the
// pooled map and, per pooled cell and channel, which of the 4 window
// positions won (the ReLU mask is `pooled > 0`).  Backward needs only those.
struct ConvPoolDims {
  int batch, in_h, in_w, out_c;  // 3x3 kernel, Cin = 1, stride 1, no padding
  int conv_h() const { return in_h - 2; }
  int conv_w() const { return in_w - 2; }
  int pool_h() const { return conv_h() / 2; }
  int pool_w() const { return conv_w() / 2; }
};
// pooled (B, PH, PW, C), argmax (B, PH, PW, C); x (B, H, W); W (3, 3, 1, C); b (C).
template <class T>
void conv3x3_relu_pool_forward(std::span<T> pooled, std::span<std::uint8_t> argmax,
                               std::span<const T> x, std::span<const T> W, std::span<const T> b,
                               const ConvPoolDims& d);
// dW (3, 3, 1, C) and db (C) accumulate; no dx (it is the input layer).
template <class T>
void conv3x3_relu_pool_backward(std::span<T> dW, std::span<T> db, std::span<const T> dpooled,
                                std::span<const T> pooled, std::span<const std::uint8_t> argmax,
                                std::span<const T> x, const ConvPoolDims& d);

// ---- losses -------------------------------------------------------------------
// Softmax cross-entropy with sparse labels, numerically stable (log-sum-exp
// around the max logit).  Returns the SUM of per-sample losses; probs (B, K)
// receives the softmax.  `correct` (may be null) counts argmax == label.
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
// mean over outputs); backward dy = 2 (y - t) / outputs * scale.
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
}  // namespace naive

}  // namespace lrb::layers
