#pragma once
// Schedule-free and learning-rate-free optimizers: hyperparameters, their
// math, and the scalar state they keep (included by optim.hpp; kernels in
// update_lr_free.cpp).  None of them exists in PyTorch or Keras: each follows
// its paper's algorithm as the authors' own PyTorch code computes it, so
// only convention=pytorch, whose arithmetic (optim.hpp) they use, with the
// one more fused op their code needs:
//    x.lerp_(y, w) -> fma(w, y - x, x) if w < 0.5, else fma(w - 1, y - x, y)
//                     (w - 1 in T; PyTorch 1.13's CPU kernel tests w < 0.5)
// Goldens: tools/goldens/optim_lr_free.py, an independent NumPy reference of
// the same algorithms; its --official mode runs the authors' code on
// PyTorch 1.13 (schedule-free: the same bits; D-Adaptation and Prodigy: the
// same up to the order of their sums, below).
//
// Notation: p the parameters, g the gradient (after clip_grad_*), lr this
// step's LR (the schedule's), k the authors' step counter before this step
// (state.lr_free.k: steps not skipped), T(x) a double rounded to the dtype.
//
// Sums over all parameters (D-Adaptation, Prodigy): each term is computed
// in T, the terms are added in double in sum_squares' fixed order over the
// whole flat parameter vector -- 4096-element chunks (8 interleaved lanes
// each, combined ((l0+l1)+(l2+l3))+((l4+l5)+(l6+l7)); under 16 elements left
// to right), chunk partials in chunk order -- so the bits do not depend on
// the thread count.  (The authors' code takes torch.dot / .sum() per tensor
// in T and adds the tensors' results in double: an order PyTorch does not
// pin.)  Where the code scales a sum (dlr * dot), the total is scaled once.
#include <cmath>
#include <cstdint>
#include <optional>

namespace lrb::optim {

// sgd_schedule_free -- Schedule-Free SGD: Defazio, Yang, Mehta, Mishchenko,
// Khaled, Cutkosky, "The Road Less Scheduled", NeurIPS 2024, section 2 eq.
// 1-3:  y_t = (1 - b) z_t + b x_t,  z_{t+1} = z_t - lr_t g(y_t),
//       x_{t+1} = (1 - c_{t+1}) x_t + c_{t+1} z_{t+1}.
// As schedulefree 1.4.1's SGDScheduleFree (github.com/facebookresearch/
// schedule_free @70785b5, the foreach=False path): the parameters hold y, the
// state holds z (slot 0, = p at the first step); x is never stored.
//   sched = (k + 1) / warmup_steps if k < warmup_steps else 1
//   lr_t = lr * sched;  lr_max = max(lr_t, lr_max)        (lr_max starts at -1)
//   w = (k + 1)^r * lr_max^weight_lr_power;  weight_sum += w
//   c = w / weight_sum  (0 if weight_sum == 0)            (all double)
//   d = g;  if wd != 0: d = fma(T(wd), y, d)              (coupled L2, at y)
//   y = lerp(y, z, c);  y = fma(T(lr_t * (b * (1 - c) - 1)), d, y)
//   z = fma(T(-lr_t), d, z)
// The evaluation point (eval_point): x = lerp(y, z, 1 - 1/b) -- the class's
// eval(), written into a separate buffer so that evaluating never changes y.
// With r = 0 and power 2, c = lr_max_t^2 / sum lr_max_i^2: the paper's
// c_{t+1} = lr_t^2 / sum lr_i^2 (Algorithm 1 line 10) while the LR does not
// decrease; a decaying external schedule does not shrink the weights.
//   defaults (the code's): lr 1.0, momentum (b) 0.9, weight_decay 0,
//   warmup_steps 0, r 0, weight_lr_power 2.
//   Rules: momentum in (0, 1) (as the code checks), weight_decay >= 0,
//   warmup_steps >= 0, r >= 0, weight_lr_power >= 0 (the code does not check
//   the last two).
struct SgdScheduleFreeHyper {
  double momentum = 0.9;  // b, the interpolation weight
  double weight_decay = 0.0;
  int64_t warmup_steps = 0;
  double r = 0.0;
  double weight_lr_power = 2.0;
};

// adamw_schedule_free -- Schedule-Free AdamW: the same paper, Algorithm 1.
// As schedulefree 1.4.1's AdamWScheduleFree (foreach=False, inner_momentum 0;
// inner_momentum, added to the package in 2026 and absent from the paper,
// is not implemented).  Parameters y, slots z (= p at the first step), v.
//   lr_t, lr_max, w, weight_sum, c: as sgd_schedule_free;  bc2 = 1 - b2^(k+1)
//   v = fma(T(1 - b2) * g, g, v * T(b2))
//   u = g / (sqrt(v / T(bc2)) + T(eps));   if wd != 0: u = fma(T(wd), y, u)
//   y = lerp(y, z, c);  y = fma(T(lr_t * (b1 * (1 - c) - 1)), u, y)
//   z = fma(T(-lr_t), u, z)
//   eval_point: x = lerp(y, z, 1 - 1/b1).
// Where the package differs from Algorithm 1 (since 1.3; the paper's form is
// its AdamWScheduleFreePaper): Algorithm 1 puts the bias correction into the
// LR, lr_t = lr sqrt(1 - b2^t) min(1, t / warmup), with den = sqrt(v) + eps --
// the same step up to eps being scaled by sqrt(1 - b2^t), but averaging
// weights lr_t^2 that grow with the bias correction over the first
// ~1/(1 - b2) steps and a weight decay that is warmed up with them.
//   defaults: lr 0.0025, betas (0.9, 0.999), eps 1e-8, weight_decay 0,
//   warmup_steps 0, r 0, weight_lr_power 2.
//   Rules: betas[0] in (0, 1) (x needs 1/b1), betas[1] in [0, 1), eps >= 0,
//   weight_decay >= 0, warmup_steps, r, weight_lr_power >= 0.
struct AdamwScheduleFreeHyper {
  double beta1 = 0.9, beta2 = 0.999;  // beta1: the interpolation weight, not a gradient EMA
  double eps = 1e-8;
  double weight_decay = 0.0;
  int64_t warmup_steps = 0;
  double r = 0.0;
  double weight_lr_power = 2.0;
};

// d_adapt_adam -- Adam with D-Adaptation: Defazio & Mishchenko,
// "Learning-Rate-Free Learning by D-Adaptation", ICML 2023 (Algorithm 1 is
// the dual-averaging form; the Adam variant is the paper's appendix
// algorithm).  As dadaptation 3.2's DAdaptAdam (github.com/facebookresearch/
// dadaptation @c984980; its v3 algorithm, which replaced the preprint's Adam),
// one parameter group.  Slots s, m, v.
//   if lr == 0: nothing happens (the code's group_lr == 0)
//   bc = use_bias_correction ? (1 - b2^(k+1))^0.5 / (1 - b1^(k+1)) : 1
//   dlr = d * lr * bc;  sb = b2^0.5                         (double)
//   d_ = g;  if wd != 0 and not decouple: d_ = fma(T(wd), p, d_)
//   N = sum d_ * (s / (sqrt(v) + T(eps)))                   (old s and v)
//   m = fma(T(dlr * (1 - b1)), d_, m * T(b1))               (m carries the step)
//   v = fma(T(1 - b2) * d_, d_, v * T(b2))
//   s = fma(T(dlr * (1 - sb)), d_, s * T(sb));   S = sum |s|
//   if S == 0: stop here (no parameter update, k unchanged)
//   nw = sb * nw + (1 - sb) * (dlr * N);  d_hat = nw / ((1 - sb) * S)
//   d = max(d, min(d_hat, d * growth_rate))                 (d starts at d0)
//   if wd != 0 and decouple: p = fma(T(-wd * dlr), p, p)
//   p = p + (-m) / (sqrt(v) + T(eps));   k += 1
// The parameter step uses this step's m, v and dlr (the old d), so it runs
// in the same pass as the sums -- once some step has had S > 0.  Before that
// (all s still 0) the step takes two passes, so that an all-zero gradient
// leaves p alone exactly as the code's early return does; afterwards S == 0
// needs every s_i to cancel to exactly 0 at once, and lrbench will then have
// updated p (the one deviation besides the order of the sums).
//   defaults: lr 1.0, betas (0.9, 0.999), eps 1e-8, weight_decay 0,
//   decouple false, use_bias_correction false, d0 1e-6, growth_rate inf.
//   Rules: betas in [0, 1), eps > 0, d0 > 0 (as the code checks),
//   weight_decay >= 0, growth_rate >= 1.
struct DAdaptAdamHyper {
  double beta1 = 0.9, beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0.0;
  bool decouple = false;
  bool use_bias_correction = false;
  double d0 = 1e-6;
  double growth_rate = INFINITY;
};

// d_adapt_sgd -- SGD with D-Adaptation, the same paper; as dadaptation 3.2's
// DAdaptSGD.  Slots s, x0 (= p at the first step).
//   if lr == 0: nothing happens
//   at k == 0: g0 = sqrt(sum g^2) (without weight decay); if g0 == 0 the step
//     is skipped (the code divides by zero: ZeroDivisionError)
//   dlr = d * lr / g0
//   d_ = g;  if wd != 0: d_ = fma(T(wd), p, d_)
//   N = sum d_ * s;  s = fma(T(dlr), d_, s);  Q = sum s^2
//   nw = nw + dlr * N;  if Q > 0: d_hat = 2 nw / sqrt(Q),
//     d = max(d, min(d_hat, d * growth_rate))  (Q == 0: the code divides by zero)
//   p = fma(T(1 - momentum), x0 - s, p * T(momentum))   (ck = 1 - momentum:
//     the code's p.mul_(1 - ck).add_(z, alpha=ck) with z = x0 - s);   k += 1
//   One fused pass (after the g0 pass at k == 0): the parameter step does not
//   depend on the new d.
//   defaults: lr 1.0, momentum 0, weight_decay 0, d0 1e-6, growth_rate inf.
//   Rules: momentum in [0, 1), d0 > 0, weight_decay >= 0, growth_rate >= 1.
struct DAdaptSgdHyper {
  double momentum = 0.0;
  double weight_decay = 0.0;
  double d0 = 1e-6;
  double growth_rate = INFINITY;
};

// prodigy -- Mishchenko & Defazio, "Prodigy: An Expeditiously Adaptive
// Parameter-Free Learner", ICML 2024, Algorithm 2 (Adam form).  As prodigyopt
// 1.1.2's Prodigy (github.com/konstmish/prodigy @3efb213), one parameter
// group, slice_p 1.  Slots s, p0 (= p at the first step), v, and m if b1 > 0.
//   bc = use_bias_correction ? (1 - b2^(k+1))^0.5 / (1 - b1^(k+1)) : 1
//   dlr = d * lr * bc;  b3 = beta3 or sqrt(b2)             (double; old d)
//   if lr == 0: nothing else happens (p0 is still taken at the first call)
//   d_ = g;  if wd != 0 and not decouple: d_ = fma(T(wd), p, d_)
//   N = sum d_ * (p0 - p)
//   if b1 > 0: m = fma(T(d * (1 - b1)), d_, m * T(b1))
//   v = fma(T(d * d * (1 - b2)) * d_, d_, v * T(b2))
//   s = fma(T((d / d0) * (safeguard_warmup ? d : dlr)), d_, s * T(b3));  S = sum |s|
//   if S == 0: stop here (no parameter update, k and the numerator unchanged)
//   num = b3 * num + (d / d0) * dlr * N;  d_hat = d_coef * num / S
//   if d == d0: d = max(d, d_hat);  d_max = max(d_max, d_hat)
//   d = min(d_max, d * growth_rate)                        (the NEW d from here)
//   den = sqrt(v) + T(d * eps)
//   if wd != 0 and decouple: p = fma(T(-wd * dlr), p, p)   (dlr: the old d)
//   p = b1 > 0 ? p + (T(-dlr) * m) / den : p + (T(-dlr * d) * d_) / den;  k += 1
// Two passes: the step needs the new d (eps term, b1 = 0).
//   defaults: lr 1.0, betas (0.9, 0.999), beta3 sqrt(b2) (the code's None),
//   eps 1e-8, weight_decay 0, decouple true, use_bias_correction false,
//   safeguard_warmup false, d0 1e-6, d_coef 1, growth_rate inf.
//   Rules: betas and beta3 in [0, 1), eps > 0, d0 > 0 (as the code checks),
//   weight_decay >= 0, d_coef > 0, growth_rate >= 1.
struct ProdigyHyper {
  double beta1 = 0.9, beta2 = 0.999;
  std::optional<double> beta3;  // none: sqrt(beta2)
  double eps = 1e-8;
  double weight_decay = 0.0;
  bool decouple = true;
  bool use_bias_correction = false;
  bool safeguard_warmup = false;
  double d0 = 1e-6;
  double d_coef = 1.0;
  double growth_rate = INFINITY;
};

// The scalar state of these optimizers (the authors' per-group values, in
// double as Python keeps them); part of OptimizerState, so a copy of the
// state is still a complete checkpoint.
struct LrFreeState {
  int64_t k = 0;             // the code's step counter: steps not skipped
  bool started = false;      // z / x0 / p0 hold the parameters of the first step
  bool progressed = false;   // d_adapt_adam: a step has had sum |s| > 0
  double weight_sum = 0.0;   // schedule-free
  double lr_max = -1.0;      // schedule-free
  double d = 0.0;            // D-Adaptation, Prodigy: d (d0 at the start)
  double d_max = 0.0;        // Prodigy
  double numerator = 0.0;    // numerator_weighted (D-Adaptation), d_numerator (Prodigy)
  double g0_norm = 0.0;      // d_adapt_sgd: |g| of the first step
};

}  // namespace lrb::optim
