#pragma once
// Optimizers: hyperparameters + caller-owned state + one update over a flat
// parameter span (STYLE.md 3), in PyTorch 1.13 and Keras 3 arithmetic.
//
//   Optimizer opt = optimizer_from_spec(spec::parse("adam:lr=0.01,convention=keras"));
//   OptimizerState<float> st = make_state<float>(opt, n);     // one arena
//   for (t = 1..T) update<float>(params, grads, st, opt, lr_at(schedule, t - 1));
//
// Notation: p parameters, g gradient, lr the scheduled LR of this step
// (passed in by the caller, a double), t = 1, 2, ... the step being taken
// (PyTorch's `step` after its increment; Keras' `iterations + 1`: Keras counts
// k = t - 1, 0 during the first update).  Both use t = 1 for the first bias
// correction.  PyTorch semantics are those of torch.optim in 1.13 (Debian
// bookworm's python3-torch, which the goldens run); Keras' are Keras 3's
// keras/src/optimizers/*.py, implemented from its source and documentation.
// state.step counts completed updates (= t after the update).
//
// ---------------------------------------------------------------------------
// Arithmetic (what "exactly as PyTorch / Keras" means here)
//
// * Hyperparameters are doubles.  Scalar factors (bias corrections, step
//   sizes, 1 - beta) are computed in double, as PyTorch's Python floats are,
//   and rounded to T once when they meet a tensor:  T(x) below.
// * PyTorch: element ops in T in the order of 1.13's single-tensor
//   (foreach=False) code.  ATen's CPU kernels (AVX2 build, as Debian's
//   python3-torch runs on x86-64-v3) fuse two ops, measured with the golden
//   generator's probe (tools/goldens/gen_optim.py --probe):
//      x.add_(y, alpha=a)            -> fma(a, y, x)           one rounding
//      x.addcmul_(y, z, value=a)     -> fma(a*y, z, x)
//      x.addcdiv_(y, z, value=a)     -> x + (a*y)/z            not fused
//   so the code below writes fma() exactly there, and nowhere else.
// * Keras: element ops in T as keras/src/optimizers/*.py write them, no fused
//   ops.  The LR is cast to T (the variable dtype; with the default floatx
//   float32 and float64 variables Keras would hold the LR in float32 --
//   lrbench models floatx == dtype).  Python-float hyperparameters meeting a
//   tensor are T(x); hyperparameters Keras casts first (`ops.cast(beta_1)`)
//   are combined in T, e.g. Nadam's (1 - T(b1)) vs Adam's T(1 - b1).
// * Keras' optimizer-wide steps run first, in Keras' order:
//      1. clipping (clipnorm | global_clipnorm | clipvalue, one at most)
//      2. decoupled weight decay  p <- p - (p * T(wd)) * T(lr)
//      3. the optimizer's update (every one below, `keras` column)
//   PyTorch-side clipping (clip_grad_norm | clip_grad_value, one at most)
//   happens to the gradient before the optimizer sees it, as
//   torch.nn.utils.clip_grad_*_ called before optimizer.step().
// * All of it is fused into one pass over the elements (plus one read-only
//   pass over g for the norm clippings).  Norms sum fixed 4096-element chunks
//   (boundaries relative to each tensor's start, independent of the thread
//   count), each chunk in 8 fixed interleaved lanes (tensors under 16
//   elements: left to right), partials combined serially in chunk order: the
//   result is the same bytes for any OMP_NUM_THREADS.
// * Preconditions: params, grads and the state arena do not overlap; the
//   element loops are vectorized on that assumption.
//
// Clipping, with ss_k = sum_i g_i^2 over tensor k:
//   clip_grad_norm=c   (PyTorch, all tensors together, norm_type 2):
//        n_k = sqrt(ss_k)   [ss accumulated with fma, as ATen's norm]
//        N = sqrt(sum_k n_k^2)          (torch.norm(stack(norms)))
//        coef = min((1 / (N + T(1e-6))) * T(c), 1)   (c / tensor = reciprocal * c)
//        g <- g * coef                   (always multiplied, as 1.13 does)
//   clip_grad_value=c  (PyTorch)  g <- clamp(g, -c, c)
//   clipnorm=c         (Keras, per tensor)  g <- (g * T(c)) / max(sqrt(ss_k), T(c))
//   global_clipnorm=c  (Keras)  N = sqrt(sum_k ss_k);
//        s = T(c) * min(1 / N, T(1/c)) + (N - N);  g <- g * s
//   clipvalue=c        (Keras)  g <- clip(g, -c, c)
//
// Each optimizer's block below gives its update as implemented, its defaults
// per convention, and where the frameworks differ.  The defaults and ranges
// that parsing enforces live in one table in optim.cpp (`lrbench list` prints
// it); tests/optim pins its canonical text.
// ---------------------------------------------------------------------------
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/memory/buffer.hpp"
#include "core/optim/lr_free_optimizers.hpp"  // schedule-free, D-Adaptation, Prodigy: math
#include "core/optim/framework_optimizers.hpp"  // radam ... ftrl: hyperparameters and math
#include "core/optim/chain.hpp"  // chain: compose your own from gradient transformations
#include "core/spec/spec.hpp"

namespace lrb::optim {

enum class Convention { pytorch, keras };
std::string_view convention_name(Convention c);

// gd -- plain gradient descent (tutorials 000, 002).
//   pytorch: p <- fma(T(-lr), g, p)         (SGD without momentum)
//   keras:   p <- p - g * T(lr)
//   defaults: lr 1e-3 (pytorch, as SGD in 2.x) | 0.01 (keras SGD)
struct GdHyper {};

// sgd -- SGD with momentum.
//   pytorch (torch.optim.SGD):
//     d = maximize ? -g : g;   if wd != 0: d = fma(T(wd), p, d)      (coupled L2)
//     if mu != 0:  b = d on the first step with momentum (no dampening),
//                  else b = fma(T(1 - tau), d, b * T(mu));
//                  d = nesterov ? fma(T(mu), b, d) : b
//     p = fma(T(-lr), d, p)                 (LR outside the buffer)
//   keras (keras.optimizers.SGD), m = velocity:
//     mu != 0:  m = m * T(mu) - g * T(lr);
//               p = nesterov ? p + (m * T(mu) - g * T(lr)) : p + m   (LR inside)
//     mu == 0:  p = p - g * T(lr)
//   Constant LR: the two momentum forms agree (b = -m / lr) up to rounding; under a
//   schedule PyTorch rescales the whole buffer by today's LR, Keras keeps each
//   past LR inside m.  Keras has no dampening / maximize / coupled L2.
//   defaults: lr 1e-3 (PyTorch 1.13 has *no* default -- 1e-3 is 2.x's) | 0.01;
//   momentum 0, dampening 0, nesterov false, weight_decay 0, maximize false.
//   Rules: momentum >= 0 (keras: in [0, 1]); dampening in [0, 1];
//   nesterov needs momentum > 0 and dampening 0 (Keras silently ignores it).
struct SgdHyper {
  double momentum = 0.0;
  double dampening = 0.0;     // pytorch only
  bool nesterov = false;
  double weight_decay = 0.0;  // pytorch only: coupled L2 (keras: Optimizer::keras_weight_decay)
  bool maximize = false;      // pytorch only
};

// ema_momentum -- tutorial 000's momentum, the EMA form (no framework has it):
//   v = T(beta) * v + T(1 - beta) * g;   p = p - T(lr) * v
//   defaults (both): lr 0.01, beta 0.9 (the tutorial's SGD(0.01, momentum=0.9)).
//   PyTorch's b = mu b + g is 1/(1-beta) = 10x larger at steady state.
struct EmaMomentumHyper {
  double beta = 0.9;
};

// rmsprop
//   pytorch (torch.optim.RMSprop), slots v[, b][, a]:
//     d = maximize ? -g : g;  if wd != 0: d = fma(T(wd), p, d)
//     v = fma(T(1 - alpha) * d, d, v * T(alpha))
//     centered: a = fma(T(1 - alpha), d, a * T(alpha));  s = sqrt(fma(-a, a, v))
//     else s = sqrt(v);     s = s + T(eps)                  (eps OUTSIDE the root)
//     mu > 0: b = b * T(mu) + d / s;  p = fma(T(-lr), b, p)  (LR outside the buffer)
//     else    p = p + (T(-lr) * d) / s
//   keras (keras.optimizers.RMSprop):
//     v = T(rho) * v + T(1 - rho) * g^2
//     centered: a = T(rho) * a + T(1 - rho) * g;  den = v - a^2 + T(eps)
//     else den = v + T(eps)                                  (eps INSIDE the root)
//     inc = (T(lr) * g) / sqrt(den)
//     mu > 0: b = T(mu) * b + inc;  p = p - b                (LR inside the buffer)
//     else    p = p - inc
//   defaults: lr 1e-2 | 1e-3; alpha (keras: rho) 0.99 | 0.9; eps 1e-8 | 1e-7;
//   momentum 0; centered false; weight_decay 0 (pytorch coupled L2), maximize false.
//   Rules: alpha in [0, 1] (PyTorch only asks >= 0), eps >= 0, momentum >= 0.
struct RmspropHyper {
  double alpha = 0.99;  // keras: rho
  double eps = 1e-8;
  double momentum = 0.0;
  bool centered = false;
  double weight_decay = 0.0;  // pytorch only
  bool maximize = false;      // pytorch only
};

// rmsprop_tutorial001 -- tutorial 001's RMSprop as printed, gradient omitted:
//   v = T(rho) * v + T(1 - rho) * g^2;   p = p - T(lr) / sqrt(v + T(eps))
//   Every coordinate moves down by at least lr/sqrt(max v + eps) whatever the
//   gradient's sign: it does not converge.  defaults (both): lr 1e-3, rho 0.9,
//   eps 1e-7 (Keras', the tutorial's framework).
struct RmspropTutorial001Hyper {
  double rho = 0.9;
  double eps = 1e-7;
};

// adagrad
//   pytorch (torch.optim.Adagrad), slot S (starts at initial_accumulator_value):
//     d = maximize ? -g : g;  if wd != 0: d = fma(T(wd), p, d)
//     clr = lr / (1 + (t - 1) * lr_decay)                  (double)
//     S = fma(d, d, S);   p = p + (T(-clr) * d) / (sqrt(S) + T(eps))
//   keras (keras.optimizers.Adagrad):
//     S = S + g^2;        p = p - (T(lr) * g) / sqrt(S + T(eps))
//   defaults: lr 1e-2 | 1e-3; initial_accumulator_value 0 | 0.1; eps 1e-10 | 1e-7;
//   lr_decay 0 (pytorch only); weight_decay 0; maximize false.
struct AdagradHyper {
  double lr_decay = 0.0;  // pytorch only
  double initial_accumulator_value = 0.0;
  double eps = 1e-10;
  double weight_decay = 0.0;  // pytorch only
  bool maximize = false;      // pytorch only
};

// adam, adamw
//   pytorch (torch.optim.Adam / AdamW), slots m, v[, vmax]:
//     d = maximize ? -g : g
//     adam:  if wd != 0: d = fma(T(wd), p, d)               (coupled L2)
//     adamw: p = p * T(1 - lr * wd)                          (decoupled, before moments)
//     m = fma(T(1 - b1), d, m * T(b1));   v = fma(T(1 - b2) * d, d, v * T(b2))
//     bc1 = 1 - b1^t, bc2 = 1 - b2^t, step = lr / bc1        (double)
//     amsgrad: vmax = max(vmax, v), use vmax for v below
//     p = p + (T(-step) * m) / (sqrt(v) / T(sqrt(bc2)) + T(eps))
//   keras (keras.optimizers.Adam / AdamW = Adam + weight_decay):
//     alpha = T(lr) * sqrt(1 - T(b2)^T(t)) / (1 - T(b1)^T(t))    (in T, powf)
//     m = m + (g - m) * T(1 - b1);        v = v + (g^2 - v) * T(1 - b2)
//     amsgrad: vhat = max(vhat, v), use vhat for v below
//     p = p - (m * alpha) / (sqrt(v) + T(eps))
//   Keras' eps is the paper's eps-hat: effective eps/sqrt(1 - b2^t), 316x PyTorch's
//   at t = 1.  defaults: lr 1e-3; betas (0.9, 0.999); eps 1e-8 | 1e-7;
//   weight_decay adam 0, adamw 1e-2 | 0.004; amsgrad false; maximize false.
//   Rules: betas in [0, 1), eps >= 0, weight_decay >= 0.
struct AdamHyper {
  double beta1 = 0.9, beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0.0;            // pytorch adam: coupled L2
  double decoupled_weight_decay = 0.0;  // pytorch adamw: p *= 1 - lr * wd
  bool amsgrad = false;
  bool maximize = false;  // pytorch only
};

// nadam
//   pytorch 1.13 (torch.optim.NAdam), slots m, v; state.mu_product (a float32
//   tensor in PyTorch, whatever the parameter dtype -- rounded to float here):
//     d = g;  if wd != 0: d = fma(T(wd), p, d)
//     mu  = b1 * (1 - 0.5 * 0.96^(t * psi)),  mu' = b1 * (1 - 0.5 * 0.96^((t + 1) * psi))
//     P = f32(P * mu);   P' = f32(f32(P * mu) * mu')     <-- 1.13 multiplies mu in twice
//                                                        (2.x: P' = P * mu')
//     m = fma(T(1 - b1), d, m * T(b1));  v = fma(T(1 - b2) * d, d, v * T(b2))
//     den = sqrt(v / T(1 - b2^t)) + T(eps)
//     p = p + (T(-lr * (1 - mu) / (1 - P)) * d) / den
//     p = p + (T(-lr * mu' / (1 - P')) * m) / den
//   keras (keras.optimizers.Nadam), in T; u_product U (dtype T) updated first:
//     u(k) = T(b1) * (1 - 0.5 * T(0.96)^T(k))        (no psi: 0.96^t, not 0.96^(0.004 t))
//     U = (U * T(b1)) * (1 - 0.5 * T(0.96)^T(t));   U' = U * u(t+1)
//     m = m + (g - m) * (1 - T(b1));  v = v + (g^2 - v) * (1 - T(b2))
//     mhat = (u(t+1) * m) / (1 - U') + ((1 - u(t)) * g) / (1 - U)
//     p = p - (mhat * T(lr)) / (sqrt(v / (1 - T(b2)^T(t))) + T(eps))
//   defaults: lr 2e-3 | 1e-3; betas (0.9, 0.999); eps 1e-8 | 1e-7;
//   momentum_decay psi 4e-3 (pytorch only); weight_decay 0.  No maximize (1.13 has none).
struct NadamHyper {
  double beta1 = 0.9, beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0.0;      // pytorch only
  double momentum_decay = 4e-3;   // pytorch only
};

// adamax
//   pytorch (torch.optim.Adamax), slots m, u:
//     d = maximize ? -g : g;  if wd != 0: d = fma(T(wd), p, d)
//     m = fma(T(1 - b1), d, m * T(b1));  u = max(u * T(b2), |d| + T(eps))   (eps inside max)
//     p = p + (T(-lr / (1 - b1^t)) * m) / u
//   keras (keras.optimizers.Adamax):
//     m = m + (g - m) * T(1 - b1);  u = max(T(b2) * u, |g|)
//     p = p - (T(lr) * m) / ((1 - T(b1)^T(t)) * (u + T(eps)))               (eps after max)
//   defaults: lr 2e-3 | 1e-3; betas (0.9, 0.999); eps 1e-8 | 1e-7; weight_decay 0.
struct AdamaxHyper {
  double beta1 = 0.9, beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0.0;  // pytorch only
  bool maximize = false;      // pytorch only
};

// adadelta
//   pytorch (torch.optim.Adadelta), slots s (square avg), a (accumulated delta):
//     d = maximize ? -g : g;  if wd != 0: d = fma(T(wd), p, d)
//     s = fma(T(1 - rho) * d, d, s * T(rho))
//     delta = (sqrt(a + T(eps)) / sqrt(s + T(eps))) * d
//     a = fma(T(1 - rho) * delta, delta, a * T(rho));   p = fma(T(-lr), delta, p)
//   keras (keras.optimizers.Adadelta):
//     s = T(rho) * s + T(1 - rho) * g^2
//     delta = -((sqrt(a + T(eps)) * g) / sqrt(s + T(eps)))
//     a = T(rho) * a + T(1 - rho) * delta^2;           p = p + T(lr) * delta
//   defaults: lr 1.0 | 1e-3; rho 0.9 | 0.95; eps 1e-6 | 1e-7; weight_decay 0.
//   Rules: rho in [0, 1], eps >= 0.
struct AdadeltaHyper {
  double rho = 0.9;
  double eps = 1e-6;
  double weight_decay = 0.0;  // pytorch only
  bool maximize = false;      // pytorch only
};

// adam_tutorial000 -- tutorial 000's Adam as printed: the bias-corrected
// moments are computed and then not used, the update takes the raw m and v:
//   m = T(b1) * m + T(1 - b1) * g;  v = T(b2) * v + T(1 - b2) * g^2
//   p = p - (T(lr) * m) / (sqrt(v) + T(eps))
//   Early steps are ~ (1 - b1) / sqrt(1 - b2) = 3.2x shorter than Adam's at t = 1
//   and approach Adam's as b1^t, b2^t -> 0.  defaults (both): Keras' (the
//   tutorial's framework): lr 1e-3, betas (0.9, 0.999), eps 1e-7.
struct AdamTutorial000Hyper {
  double beta1 = 0.9, beta2 = 0.999;
  double eps = 1e-7;
};

using Hyper = std::variant<GdHyper, SgdHyper, EmaMomentumHyper, RmspropHyper,
                           RmspropTutorial001Hyper, AdagradHyper, AdamHyper, NadamHyper,
                           AdamaxHyper, AdadeltaHyper, AdamTutorial000Hyper,
                           // lr_free_optimizers.hpp
                           SgdScheduleFreeHyper, AdamwScheduleFreeHyper, DAdaptAdamHyper,
                           DAdaptSgdHyper, ProdigyHyper,
                           // framework_optimizers.hpp
                           RadamHyper, RpropHyper, AsgdHyper, LionHyper, LambHyper,
                           AdafactorHyper, FtrlHyper,
                           // chain.hpp: not in the table below (optimizer_catalog lists
                           // the fused built-ins; chain_catalog the chain)
                           ChainHyper>;

// What to run: plain data, validated by optimizer_from_spec.
struct Optimizer {
  std::string name = "sgd";  // catalog name: "adam" and "adamw" share AdamHyper
  Convention convention = Convention::pytorch;
  double lr = 1e-3;          // the spec's base LR; update() takes the scheduled one
  Hyper hyper = SgdHyper{};
  // Keras optimizer-wide (convention=keras only): decoupled, LR-scaled weight
  // decay p <- p - p*wd*lr before the update (0 = Keras' None), and clipping.
  double keras_weight_decay = 0.0;
  std::optional<double> clipnorm, clipvalue, global_clipnorm;
  // PyTorch-side clipping (convention=pytorch only), before optimizer.step().
  std::optional<double> clip_grad_norm, clip_grad_value;
};

// The framework's defaults for `name` (a named preset, STYLE.md 3); throws
// SpecError for an unknown name.
Optimizer optimizer_preset(std::string_view name, Convention convention);

// Parses and validates; throws spec::SpecError naming the parameter and value.
Optimizer optimizer_from_spec(const spec::Spec& s);

// Canonical spec text with every hyperparameter explicit (for provenance);
// optimizer_from_spec(parse(to_spec_string(o))) reproduces o.  Clipping options
// appear only when set.
std::string to_spec_string(const Optimizer& o);

// For `lrbench list`.  Defaults are text; nullopt = not available in that convention.
struct ParamInfo {
  std::string name;                  // canonical (PyTorch) key
  std::vector<std::string> aliases;  // accepted Keras spellings
  std::optional<std::string> pytorch_default, keras_default;
  std::string help;                  // one line, incl. the valid range
};
struct OptimizerInfo {
  std::string name;
  std::string summary;
  std::vector<ParamInfo> params;
};
std::vector<OptimizerInfo> optimizer_catalog();

// Caller-owned state: one contiguous arena (STYLE.md 2).  Copying it (with the
// parameters) is a complete checkpoint.
template <class T>
struct OptimizerState {
  int64_t step = 0;        // completed updates
  size_t n = 0;            // parameters
  Buffer<T> arena;         // (slots, n) row-major; slot meaning per optimizer above
  double mu_product = 1.0; // nadam's running product of mu (pytorch: float32 value; keras: T)
  bool momentum_started = false;  // pytorch sgd: the momentum buffer exists (seeded with d)
  LrFreeState lr_free;     // schedule-free / D-Adaptation / Prodigy scalars (lr_free_optimizers.hpp)
  double asgd_eta = 0.0, asgd_mu = 1.0;  // asgd's eta and mu (float32 values), set at step 1
  uint64_t layout = 0;  // adafactor: fingerprint of the tensor layout it was made for
};

// Number of (n,) slots `opt` keeps: 0 for gd, 1-3 otherwise.  Adafactor: 1,
// the most it needs (its true size depends on the tensors: state_size).
int state_slots(const Optimizer& opt);

// Elements of the state arena for n parameters in these tensors: slots * n,
// except Adafactor (per tensor: B*(R+C) factors if factored, else its size).
// Throws std::invalid_argument if tensor_offsets or factor_dims are not a
// valid layout of n (see update()).
size_t state_size(const Optimizer& opt, size_t n_params,
                  std::span<const size_t> tensor_offsets = {},
                  std::span<const FactorDims> factor_dims = {});

// What a momentum-cycling schedule (cyclic_lr, one_cycle_lr) can drive
// through update()'s `momentum` override: a momentum buffer that exists
// (sgd/rmsprop built with momentum > 0, ema_momentum's beta), or Adam-family
// beta1.  PyTorch lets SGD with momentum=0 start a buffer mid-run when a
// scheduler raises it; lrbench sizes state once, so that case is refused.
bool has_momentum(const Optimizer& opt);
bool has_beta1(const Optimizer& opt);

// tensor_offsets and factor_dims: as update() will get them (only Adafactor's
// state depends on them).
template <class T>
OptimizerState<T> make_state(const Optimizer& opt, size_t n_params,
                             std::span<const size_t> tensor_offsets = {},
                             std::span<const FactorDims> factor_dims = {});

// One optimizer step; does not allocate.
// lr: the scheduled LR for this step (the caller evaluates the schedule).
// momentum: overrides momentum (sgd, rmsprop), beta (ema_momentum) or beta1
//   (adam, adamw, nadam, adamax, adam_tutorial000, d_adapt_adam, prodigy, radam,
//   lion, lamb) for this step, as CyclicLR / OneCycleLR's cycle_momentum do;
//   std::invalid_argument for other optimizers (schedule-free's beta is the
//   interpolation weight its x is recovered with: not cycled), or
//   sgd/rmsprop built with momentum 0 / prodigy with beta1 0 (no buffer).
// tensor_offsets: start offset of each tensor in the flat span, first 0,
//   strictly increasing (Keras clipnorm is per tensor; the PyTorch norm is a
//   norm of per-tensor norms; LAMB and Adafactor work per tensor).  Empty =
//   one tensor.
// factor_dims: one per tensor (or empty), the axes Adafactor factors
//   (FactorDims); rows * cols must divide the tensor's size.  Ignored by the
//   other optimizers.  Must be what make_state got.
template <class T>
void update(std::span<T> params, std::span<const T> grads, OptimizerState<T>& state,
            const Optimizer& opt, double lr, std::optional<double> momentum = {},
            std::span<const size_t> tensor_offsets = {},
            std::span<const FactorDims> factor_dims = {});

// The evaluation point.  Schedule-free optimizers take gradients at y (what
// update() leaves in the parameters) but their iterate -- what to evaluate,
// report and keep at the end -- is the average x (lr_free_optimizers.hpp).
// has_eval_point: x differs from the parameters (sgd_schedule_free,
// adamw_schedule_free).  eval_point writes into `out` the point to evaluate
// at: x for those (the parameters themselves before the first update), a
// copy of the parameters for every other optimizer.  Reads only: the
// training trajectory does not depend on whether or how often it is called.
// `out` must not overlap `params`; std::invalid_argument for size mismatches.
bool has_eval_point(const Optimizer& opt);
template <class T>
void eval_point(std::span<const T> params, const OptimizerState<T>& state, const Optimizer& opt,
                std::span<T> out);

// ASGD's averaged parameters ax (slot 0 of its state; PyTorch never copies
// them into the model).  std::invalid_argument for other optimizers.
template <class T>
std::span<const T> asgd_average(const OptimizerState<T>& state, const Optimizer& opt);

extern template OptimizerState<float> make_state<float>(const Optimizer&, size_t,
                                                        std::span<const size_t>,
                                                        std::span<const FactorDims>);
extern template OptimizerState<double> make_state<double>(const Optimizer&, size_t,
                                                          std::span<const size_t>,
                                                          std::span<const FactorDims>);
extern template void update<float>(std::span<float>, std::span<const float>,
                                   OptimizerState<float>&, const Optimizer&, double,
                                   std::optional<double>, std::span<const size_t>,
                                   std::span<const FactorDims>);
extern template void update<double>(std::span<double>, std::span<const double>,
                                    OptimizerState<double>&, const Optimizer&, double,
                                    std::optional<double>, std::span<const size_t>,
                                    std::span<const FactorDims>);
extern template void eval_point<float>(std::span<const float>, const OptimizerState<float>&,
                                       const Optimizer&, std::span<float>);
extern template void eval_point<double>(std::span<const double>, const OptimizerState<double>&,
                                        const Optimizer&, std::span<double>);
extern template std::span<const float> asgd_average<float>(const OptimizerState<float>&,
                                                           const Optimizer&);
extern template std::span<const double> asgd_average<double>(const OptimizerState<double>&,
                                                             const Optimizer&);

}  // namespace lrb::optim
