#pragma once
// The frameworks' newer optimizers: PyTorch 1.13's RAdam, Rprop and ASGD, and
// Keras 3's Lion, LAMB, Adafactor and FTRL.  Included by optim.hpp (the Hyper
// variant); notation and the arithmetic rules (T(x), fma where ATen fuses,
// Keras ops in T, Keras' clipping and weight decay first) are optim.hpp's.
// Kernels: update_framework.cpp.
//
// Each exists in one framework only.  Its name takes that framework's
// convention by default; the other convention is refused with a sentence
// (spec error), never silently emulated:
//   pytorch only: radam, rprop, asgd      (Keras 3 has none of them)
//   keras only:   lion, lamb, adafactor, ftrl   (PyTorch 1.13 has none of them)
// So Keras-only optimizers take Keras' optimizer-wide weight_decay (decoupled,
// LR-scaled, before the update), clipnorm, clipvalue and global_clipnorm; the
// PyTorch-only ones take clip_grad_norm / clip_grad_value (torch.nn.utils
// before step()).
//
// Per-tensor optimizers (lamb, adafactor) treat each tensor of
// `tensor_offsets` as one Keras variable (one layer's kernel or bias); an
// empty list is one variable holding the whole span.  Their norms and means
// are sums in a fixed order, so the bits do not depend on the thread count:
//   whole-tensor sums of squares (LAMB's norms, Adafactor's RMS of an
//     unfactored tensor): fixed 4096-element chunks from the tensor's start,
//     8 interleaved lanes per chunk, chunks combined serially (optim.hpp,
//     "Arithmetic"); chunks under 16 elements left to right.  Non-fused
//     s + x*x, as Keras' sum(x**2).
//   a factored Adafactor tensor, seen as B*R rows of C: its RMS sums and its
//     row sums of G take one row at a time (8 lanes over the whole row, left
//     to right under 16), row partials combined serially in row order; its
//     column sums and mean_i r add left to right over the rows.
//   mean = sum / T(count).
// Keras leaves the order of these sums to the backend; the goldens' NumPy
// reference uses this order, so the comparison is exact.
#include <cstddef>

namespace lrb::optim {

// radam -- PyTorch 1.13 torch.optim.RAdam: Liu et al., "On the Variance of the
// Adaptive Learning Rate and Beyond", ICLR 2020, Algorithm 2.  Slots m, v.
//   d = g;  if wd != 0: d = fma(T(wd), p, d)                 (coupled L2; 1.13 has no maximize)
//   m = fma(T(1 - b1), d, m * T(b1));   v = fma(T(1 - b2) * d, d, v * T(b2))
//   bc1 = 1 - b1^t, bc2 = 1 - b2^t;  rho_inf = 2/(1 - b2) - 1
//   rho_t = rho_inf - 2 t b2^t / bc2                          (all double)
//   mhat = m / T(bc1)
//   rho_t > 5:  r = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))
//               a = (1 / (sqrt(v) + T(eps))) * T(sqrt(bc2))   (Python float / tensor)
//               p = p - ((mhat * T(lr)) * a) * T(r)
//   else:       p = p - mhat * T(lr)                          (momentum SGD, no adaptation)
//   eps is added to the root of the *uncorrected* v (Adam: of v_hat), i.e. an effective
//   eps / sqrt(bc2).  The paper's threshold is rho_t > 4; PyTorch uses 5.  With b2 = 0.999
//   rho_5 = 4.996: steps 1-5 are un-adapted, the rectified branch starts at step 6.
//   PyTorch 1.13's foreach=True path differs (drops eps); lrbench follows foreach=False,
//   the 1.13 default.  defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight_decay 0.
struct RadamHyper {
  double beta1 = 0.9, beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0.0;  // coupled L2
};

// rprop -- PyTorch 1.13 torch.optim.Rprop: Riedmiller & Braun, "A Direct Adaptive
// Method for Faster Backpropagation Learning: The RPROP Algorithm", IEEE ICNN 1993,
// without weight backtracking (a sign change shrinks the step and skips the move).
// Slots prev, delta (the per-element step size).
//   step 1: delta = T(lr), prev = 0     (PyTorch seeds delta with the LR at its first
//                                        step; later LRs are ignored, so a schedule
//                                        has no effect after step 1)
//   d = maximize ? -g : g
//   s = d * prev;  f = T(eta_plus) if s > 0, T(eta_minus) if s < 0, else 1
//   delta = clamp(delta * f, T(step_min), T(step_max))        (every step, step 1 too)
//   d' = (f == T(eta_minus)) ? 0 : d
//   p = fma(-sign(d'), delta, p);   prev = d'
//   torch.sign(NaN) is 0: a NaN gradient leaves p and delta unchanged (prev becomes NaN).
//   defaults: lr 1e-2, etas (eta_minus, eta_plus) (0.5, 1.2), step_sizes (1e-6, 50),
//   maximize false.  Rules: 0 < eta_minus < 1 < eta_plus (PyTorch's), 0 <= step_min <= step_max.
struct RpropHyper {
  double eta_minus = 0.5, eta_plus = 1.2;
  double step_min = 1e-6, step_max = 50.0;
  bool maximize = false;
};

// asgd -- PyTorch 1.13 torch.optim.ASGD: averaged SGD (Polyak & Juditsky,
// "Acceleration of Stochastic Approximation by Averaging", SIAM J. Control Optim.
// 1992) with the step size eta_t = lr / (1 + lambd lr t)^alpha.  Slot ax (the
// average); scalars eta, mu in the state (float32 values: 1.13 keeps them in
// float32 tensors whatever the parameter dtype).
//   step 1: eta = f32(lr), mu = 1            (PyTorch's state starts from the first step's LR)
//   d = maximize ? -g : g;  if wd != 0: d = fma(T(wd), p, d)
//   p = p * T(1 - lambd * eta);   p = fma(T(-eta), d, p)
//   ax = (mu != 1) ? ax + (p - ax) * T(mu) : p
//   eta = f32(lr / (1 + lambd * lr * t)^alpha);  mu = f32(1 / max(1, t - t0))  (double, then f32)
//   Step t uses the eta computed at step t - 1 with that step's LR: a scheduled LR acts
//   one step late.  ax is never written into p (PyTorch's model keeps training at p);
//   it is slot 0 of the state (asgd_average()).  For an integer t0, ax is a copy of p up
//   to step t0 + 2 and the plain mean of p_{t0+2..t} from then on; with the default
//   t0 = 1e6 nothing is averaged in practice.
//   defaults: lr 1e-2, lambd 1e-4, alpha 0.75, t0 1e6, weight_decay 0, maximize false.
struct AsgdHyper {
  double lambd = 1e-4;
  double alpha = 0.75;
  double t0 = 1e6;
  double weight_decay = 0.0;  // coupled L2
  bool maximize = false;
};

// lion -- Keras 3 keras.optimizers.Lion: Chen et al., "Symbolic Discovery of
// Optimization Algorithms", NeurIPS 2023, Algorithm 2.  Slot m.
//   c = m * T(b1) + g * (1 - T(b1))          (Keras casts beta_1 first: 1 - b1 in T)
//   p = p - T(lr) * sign(c)                  (sign(0) = 0, sign(NaN) = NaN)
//   m = m * T(b2) + g * (1 - T(b2))
//   The step uses the old m blended with b1; m is refreshed with b2 after it.
//   Weight decay is Keras' optimizer-wide p -= p*wd*lr before the step, which is the
//   paper's lr * lambda * p.  Its update has norm sqrt(n) * lr, so the paper's LR is
//   3-10x smaller than AdamW's and its weight decay 3-10x larger.
//   defaults: lr 1e-3, betas (0.9, 0.99).  Rules (Keras'): beta_1 in (0, 1]; beta_2 in [0, 1].
struct LionHyper {
  double beta1 = 0.9, beta2 = 0.99;
};

// lamb -- Keras 3 keras.optimizers.Lamb: You et al., "Large Batch Optimization for
// Deep Learning: Training BERT in 76 Minutes", ICLR 2020, Algorithm 2.  Slots m, v;
// one trust ratio per tensor (a Keras variable).
//   b1p = T(b1)^T(t), b2p = T(b2)^T(t)                       (in T, powf)
//   m = m + (g - m) * T(1 - b1);   v = v + (g*g - v) * T(1 - b2)
//   u = (m / (1 - b1p)) / (sqrt(v / (1 - b2p)) + T(eps))
//   w = sqrt(sum p^2), n = sqrt(sum u^2) over the tensor;  ratio = w > 0 && n > 0 ? w / n : 1
//   p = p - (ratio * T(lr)) * u
//   Against the paper: phi is the identity (no clamp of ||p||) and there is no lambda*p in
//   u; weight decay is Keras' optimizer-wide one, applied first, so w sees the decayed p.
//   defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-7.
struct LambHyper {
  double beta1 = 0.9, beta2 = 0.999;
  double eps = 1e-7;
};

// adafactor -- Keras 3 keras.optimizers.Adafactor: Shazeer & Stern, "Adafactor:
// Adaptive Learning Rates with Sublinear Memory Cost", ICML 2018, Algorithms 4
// (matrices, factored) and 5 (vectors), without momentum, with update clipping
// and relative step size; per tensor (a Keras variable).
//   lr' = relative_step ? min(T(lr), 1 / sqrt(T(t))) : T(lr)
//   rho = min(lr', 1 / sqrt(T(t)));   alpha = max(T(eps2), RMS(p)) * rho
//   G = g*g + T(eps1);   bh = 1 - T(t)^T(decay)                   (bh = 0 at t = 1)
//   rank >= 2, seen as (B, R, C) -- its last two axes factored (FactorDims):
//     r[b,i] = bh * r[b,i] + (1 - bh) * mean_j G[b,i,j]           (B*R values)
//     c[b,j] = bh * c[b,j] + (1 - bh) * mean_i G[b,i,j]           (B*C values)
//     v[b,i,j] = (r[b,i] / mean_i r[b,i]) * c[b,j]                (recomputed each step)
//   rank < 2:  v = bh * v + (1 - bh) * G                           (full size)
//   u = g / sqrt(v);   p = p - alpha * (u / max(1, RMS(u) / T(clip_threshold)))
//   RMS(a) = sqrt(mean(a*a)) over the tensor.  Keras applies rho = min(lr', 1/sqrt(t))
//   whatever relative_step says, so relative_step changes nothing (kept for the spelling).
//   Keras keeps v for factored tensors too; it is a function of r and c, so lrbench keeps
//   only r and c.  Against the paper: means instead of sums (same v), no beta1, eps1
//   inside G, and the relative step is capped by the LR (paper: min(1e-2, 1/sqrt(t))).
//   defaults: lr 1e-3, beta_2_decay -0.8, epsilon_1 1e-30, epsilon_2 1e-3,
//   clip_threshold 1, relative_step true.
struct AdafactorHyper {
  double beta_2_decay = -0.8;
  double epsilon_1 = 1e-30;
  double epsilon_2 = 1e-3;
  double clip_threshold = 1.0;
  bool relative_step = true;
};

// ftrl -- Keras 3 keras.optimizers.Ftrl: McMahan et al., "Ad Click Prediction: a
// View from the Trenches", KDD 2013, Algorithm 1 (per-coordinate FTRL-Proximal).
// Slots n (starts at initial_accumulator_value), z (starts at 0); P = learning_rate_power.
//   l2' = T(l2) + T(beta) / (T(2) * T(lr))
//   gs = g + T(2 * l2_shrinkage) * p
//   n' = n + g*g                                  (the raw gradient, not gs)
//   z = z + (gs - ((n'^T(-P) - n^T(-P)) / T(lr)) * p)
//   q = n'^T(-P) / T(lr) + T(2) * l2'
//   p = (clip(z, -T(l1), T(l1)) - z) / q;   n = n'
//   p is overwritten every step: the previous p enters only through sigma * p and the
//   shrinkage term.  Against the paper: Keras' l2 is the paper's lambda2 / 2, n starts at
//   0.1 (paper 0), and w is computed at the end of a step instead of lazily at the start.
//   defaults: lr 1e-3, learning_rate_power -0.5, initial_accumulator_value 0.1,
//   l1_regularization_strength 0, l2_regularization_strength 0,
//   l2_shrinkage_regularization_strength 0, beta 0.
//   Rules (Keras'): learning_rate_power <= 0; the others >= 0; lr > 0 (it divides by lr).
struct FtrlHyper {
  double learning_rate_power = -0.5;
  double initial_accumulator_value = 0.1;
  double l1 = 0.0;            // l1_regularization_strength
  double l2 = 0.0;            // l2_regularization_strength
  double l2_shrinkage = 0.0;  // l2_shrinkage_regularization_strength
  double beta = 0.0;
};

// The two axes Adafactor factors, per tensor: a Keras variable of shape
// (d0, ..., d[k-2], d[k-1]) with rank k >= 2 is (B, R, C) with R = d[k-2],
// C = d[k-1] and B = size / (R * C) (the leading axes, batched); rows = 0
// marks a tensor of rank < 2 (a bias or a scalar: not factored).  Examples:
// a Dense kernel (in, out) is {in, out}; a Conv2D kernel (kh, kw, cin, cout)
// is {cin, cout} with B = kh * kw.  Only Adafactor reads it; an empty list
// means every tensor has rank < 2.
struct FactorDims {
  size_t rows = 0, cols = 0;
};

}  // namespace lrb::optim
