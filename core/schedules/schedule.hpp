#pragma once
// Learning-rate schedules: pure functions of the step (STYLE.md 4).
//
// ---------------------------------------------------------------------------
// Time convention
// ---------------------------------------------------------------------------
//   t = `step` = number of optimizer steps completed before this update
//       (0-based).  lr_at(s, t) is the LR that update t+1 uses.
//   PyTorch: t = number of scheduler.step() calls so far (lrbench steps the
//            scheduler after every optimizer step; wrap in per_epoch to step
//            per epoch).  eta0 = the optimizer's lr (`base_lr` below).
//   Keras:   k = optimizer.iterations = t (0 during the first update).
// Everything is evaluated in double.  PyTorch updates its LR recursively
// (lr_t = lr_{t-1} * ratio); lrbench evaluates the closed form (O(1) per
// call), which agrees with PyTorch's recursion to rounding: max 1.4e-14
// relative over the goldens' <= 260 steps, growing ~linearly with t; where
// the recursion passes through 0 the agreement is absolute, ~1e-15 * eta0.
// Keras evaluates schedules in the LR variable's dtype (float32):
// lr_at(s, t, Precision::f32) repeats the Keras op sequence in float.
//
// ---------------------------------------------------------------------------
// PyTorch schedules (torch.optim.lr_scheduler, 1.13; parameter names as there)
// ---------------------------------------------------------------------------
// constant                                    lr = eta0
// constant_lr:factor=1/3,total_iters=5        lr = eta0*f            t <  T
//                                                = eta0              t >= T
//     f in (0,1] (1.13 divides by f at t=T), T >= 1.
// linear_lr:start_factor=1/3,end_factor=1,total_iters=5
//     lr = eta0*(s + (e - s)*min(t,T)/T);  s in (0,1] (1.13's recursion
//     divides by s*T at t=1), e in [0,1], T >= 1.
// step_lr:step_size,gamma=0.1                 lr = eta0*gamma^floor(t/S), S >= 1
// multi_step_lr:milestones=[..],gamma=0.1
//     lr = eta0*gamma^(number of milestones m with m <= t): the LR changes AT
//     t = m (m=3: 1,1,1,0.1,...).  Milestones non-decreasing and >= 0; a
//     repeated milestone counts twice (PyTorch uses a Counter).
// exponential_lr:gamma                        lr = eta0*gamma^t
// multiplicative_lr:factor
//     PyTorch MultiplicativeLR with a constant lambda (the only closed form
//     a spec can express): lr_t = lr_{t-1}*factor for t >= 1, i.e.
//     eta0*factor^t, the same numbers as exponential_lr.  Difference kept
//     from PyTorch: inside sequential_lr it continues from the LR the
//     previous child left (MultiplicativeLR has no closed form, so
//     SequentialLR's step(0) does not reset it).
//     (LambdaLR with arbitrary Python lambdas has no spec form; the tutorial
//     and Keras formulas below cover the lambdas the tutorials use.)
// polynomial_lr:total_iters=5,power=1.0       lr = eta0*(1 - min(t,T)/T)^p
//     Reaches 0 (Keras' polynomial_decay stops at end_learning_rate=1e-4).
// cosine_annealing_lr:T_max,eta_min=0
//     lr = eta_min + (eta0 - eta_min)*(1 + cos(pi*t/T_max))/2   for all t.
//     NOT clamped: past T_max it rises again, period 2*T_max, as PyTorch's
//     recursive form really steps it (T_max=4: 1,.85,.5,.15,0,.15,.5,...).
//     eta_min is ABSOLUTE (Keras' alpha is relative to eta0).
// cosine_annealing_warm_restarts:T_0,T_mult=1,eta_min=0            (SGDR)
//     T_i = T_0*T_mult^i; restart i starts at t = T_0*(T_mult^i - 1)/(T_mult - 1)
//     (i*T_0 when T_mult = 1); T_cur = t - start of the current restart.
//     lr = eta_min + (eta0 - eta_min)*(1 + cos(pi*T_cur/T_i))/2.
//     Integer T_0 >= 1, T_mult >= 1.
// cyclic_lr:base_lr=<optimizer lr>,max_lr,step_size_up=2000,step_size_down=step_size_up,
//           mode=triangular,gamma=1.0,cycle_momentum=true,base_momentum=0.8,max_momentum=0.9
//     C = up + down; r = up/C; cycle = floor(1 + t/C); x = 1 + t/C - cycle
//     scale = x/r if x <= r else (x - 1)/(r - 1)
//     f = 1 (triangular) | 1/2^(cycle-1) (triangular2) | gamma^t (exp_range)
//     lr       = base_lr + (max_lr - base_lr)*scale*f
//     momentum = max_momentum - (max_momentum - base_momentum)*scale*f
//     up > 0, down >= 0.  base_lr replaces the optimizer's lr, as in PyTorch
//     (where base_lr is required; lrbench defaults it to the optimizer's lr).
//     cycle_momentum=true (the default) needs an optimizer with `momentum`:
//     PyTorch 1.13 raises for Adam (no beta1 cycling); see check_momentum_support.
// one_cycle_lr:max_lr=<optimizer lr>,total_steps | epochs+steps_per_epoch,
//              pct_start=0.3,anneal_strategy=cos,cycle_momentum=true,
//              base_momentum=0.85,max_momentum=0.95,div_factor=25,
//              final_div_factor=1e4,three_phase=false
//     max_lr is required in PyTorch; lrbench defaults it to the optimizer's lr.
//     initial = max_lr/div_factor; min = initial/final_div_factor; T = total_steps
//     phases (end_step, lr from->to, momentum from->to):
//       two-phase:   (pct*T - 1,   initial->max_lr, max_m->base_m)
//                    (T - 1,       max_lr->min,     base_m->max_m)
//       three_phase: (pct*T - 1,   initial->max_lr, max_m->base_m)
//                    (2*pct*T - 2, max_lr->initial, base_m->max_m)
//                    (T - 1,       initial->min,    max_m->max_m)
//     The phase is the first with t <= end_step (else the last); with
//     start = previous end_step (0 for the first), p = (t - start)/(end - start),
//       cos:    anneal(a,b,p) = b + (a - b)/2*(cos(pi*p) + 1)
//       linear: anneal(a,b,p) = (b - a)*p + a
//     lr = anneal(lr from, lr to, p); momentum = anneal(m from, m to, p).
//     t = T is still evaluated (PyTorch allows T scheduler.step() calls; p > 1
//     there); t > T throws SpecError, as PyTorch raises ValueError.
//     Momentum goes to SGD's momentum, or to Adam's beta1 (PyTorch cycles
//     betas[0] when the optimizer has betas).
//     pct_start in (0,1) with pct_start*T > 1 (else phase 1 is empty and
//     1.13 divides by zero); three_phase also needs 2*pct*T - 2 < T - 1.
// reduce_lr_on_plateau:mode=min,factor=0.1,patience=10,threshold=1e-4,
//                      threshold_mode=rel,cooldown=0,min_lr=0,eps=1e-8
//     A fold over the metric history (plateau_observe), per metric a:
//       better = a < best*(1 - thr) (min,rel) | a < best - thr (min,abs)
//              | a > best*(1 + thr) (max,rel) | a > best + thr (max,abs)
//       if better: best = a, bad = 0 else bad += 1
//       if cooldown_counter > 0: cooldown_counter -= 1, bad = 0
//       if bad > patience: new = max(lr*factor, min_lr);
//                          if lr - new > eps: lr = new
//                          cooldown_counter = cooldown; bad = 0
//     best starts at +inf (min) / -inf (max); NaN metrics are never better.
//     factor in [0,1), patience, cooldown >= 0, threshold, min_lr, eps >= 0.
// keras_reduce_lr_on_plateau:monitor=val_loss,factor=0.1,patience=10,mode=auto,
//                            min_delta=1e-4,cooldown=0,min_lr=0
//     Keras 3's callback (same fold, different rules), per metric a:
//       if cooldown_counter > 0: cooldown_counter -= 1, wait = 0
//       better = a < best - min_delta (min) | a > best + min_delta (max)
//       (mode=auto: max when `monitor` contains "acc", else min)
//       if better: best = a, wait = 0
//       elif cooldown_counter == 0: wait += 1
//         if wait >= patience and lr > float32(min_lr):
//           lr = max(lr*factor, min_lr); cooldown_counter = cooldown; wait = 0
//     Differences from PyTorch: min_delta is ABSOLUTE, reduction after
//     `patience` bad epochs (PyTorch: more than patience), no eps.  Keras
//     stores the LR in a float32 variable; lrbench keeps it in double.
// sequential_lr:schedulers=[a(..),b(..),...],milestones=[m1,...]
//     child i (0-based) runs for m_i <= t < m_{i+1} (m_0 = 0), evaluated at
//     t - m_i with the same eta0: PyTorch SequentialLR calls step(0) at each
//     milestone, which restarts the child from its closed form.
//     len(milestones) = len(schedulers) - 1, strictly increasing, >= 1.
//     Any step schedule may be a child (Keras, tutorial, composites): that is
//     lrbench's extension with the same rule; PyTorch 1.13 cannot nest
//     SequentialLR/ChainedScheduler (no last_epoch / step(epoch) on them).
// chained_scheduler:schedulers=[...]
//     Each child is stepped every call and multiplies the current LR by its
//     ratio, so with g_i(t) = lr_i(t)/eta0:   lr = eta0 * prod_i g_i(t).
//     Children must be chainable in PyTorch (they multiply the current LR):
//     constant, constant_lr, linear_lr, step_lr, multi_step_lr,
//     exponential_lr, multiplicative_lr, polynomial_lr, and at most one
//     cosine_annealing_lr with eta_min=0.  Past its T_max PyTorch's cosine
//     ADDS eta0*(1 - cos(pi/T_max))/2 at t_s = (2k+1)*T_max + 1 to an LR that
//     is exactly 0, which restarts the product; for t >= t_s (latest such):
//       lr = eta0 * g_cos(t) * prod_{i before cos} g_i(t)/g_i(t_s)
//                            * prod_{i after cos}  g_i(t)/g_i(t_s - 1)
//     (a factor that is 0 there, i.e. linear_lr/polynomial_lr already at 0,
//     counts as 1: PyTorch's ratio is 1 once they are done).  Goldens check
//     this against ChainedScheduler over several periods.
//
// ---------------------------------------------------------------------------
// Keras 3 schedules (keras.optimizers.schedules; parameter names as there)
// ---------------------------------------------------------------------------
// eta0 = initial_learning_rate if given, else the optimizer's lr.
// exponential_decay:initial_learning_rate,decay_steps,decay_rate,staircase=false
//     lr = eta0*rate^(k/D)  (floor(k/D) when staircase); D > 0, rate > 0.
// piecewise_constant_decay:boundaries=[b0,..],values=[v0,..]
//     lr = v0 if k <= b0; v_i if b_{i-1} < k <= b_i; v_last if k > b_last.
//     The switch happens AFTER the boundary, one step later than
//     multi_step_lr.  Values are absolute; eta0 is unused.
// polynomial_decay:initial_learning_rate,decay_steps,end_learning_rate=1e-4,power=1,cycle=false
//     no cycle: lr = (eta0 - end)*(1 - min(k,D)/D)^p + end
//     cycle:    D' = D*ceil(k/D) (D' = D at k = 0); lr = (eta0 - end)*(1 - k/D')^p + end
// inverse_time_decay:initial_learning_rate,decay_steps,decay_rate,staircase=false
//     lr = eta0/(1 + rate*k/D)  (floor(k/D) when staircase).
// cosine_decay:initial_learning_rate,decay_steps,alpha=0,warmup_target=None,warmup_steps=0
//     no warmup_target: lr = eta0*((1 - alpha)*0.5*(1 + cos(pi*min(k,D)/D)) + alpha)
//     with warmup_target W_t over W steps, k' = min(k, D + W):
//       k' <  W: lr = (W_t - eta0)*(k'/W) + eta0
//       k' >= W: lr = W_t*((1 - alpha)*0.5*(1 + cos(pi*(k' - W)/D)) + alpha)
//     CLAMPED at D (+W); alpha is RELATIVE to eta0 (or W_t).  warmup_steps
//     without warmup_target is rejected (Keras ignores it silently).
// cosine_decay_restarts:initial_learning_rate,first_decay_steps,t_mul=2,m_mul=1,alpha=0
//     f = k/D; t_mul = 1: i = floor(f), f -= i
//              else:      i = floor(log(1 - f*(1 - t_mul))/log(t_mul)),
//                         f = (f - (1 - t_mul^i)/(1 - t_mul))/t_mul^i
//     lr = eta0*((1 - alpha)*0.5*m_mul^i*(1 + cos(pi*f)) + alpha)
//     (alpha is not scaled by m_mul^i).  t_mul >= 1 (t_mul < 1 gives NaN in
//     Keras once the geometric series is exhausted).  Defaults differ from
//     PyTorch's warm restarts: t_mul 2 vs T_mult 1.
// keras_legacy_decay:decay,then=[schedule]?
//     tf.keras <= 2.10 optimizer argument `decay=d`: inverse time per BATCH,
//     lr = lr_then(k)/(1 + d*k), k = completed updates (lr_then = eta0 when
//     no `then`).  Keras 3 ignores `decay` with a warning (use `constant`).
//
// ---------------------------------------------------------------------------
// lrbench composition
// ---------------------------------------------------------------------------
// warmup:steps,mode=linear,start_factor=1/3,shift=true,then=[schedule]
//     W = steps >= 1, s = start_factor in [0,1];
//     g(t) = s + (1 - s)*t/W (linear) | s (constant), for t < W.
//     shift=true  (warmup, THEN the schedule; = SequentialLR([LinearLR or
//                  ConstantLR, then], milestones=[W]) when then(0) = eta0):
//         lr = then(0)*g(t) for t < W;  then(t - W) for t >= W
//     shift=false (warmup multiplies the schedule; = ChainedScheduler):
//         lr = then(t)*g(t) for t < W;  then(t) for t >= W
//     `then` is a one-element list, then=[cosine_decay(decay_steps=100)] (the
//     spec grammar nests NAME(k=v) only inside lists), or a bare name.
//     Defaults mirror LinearLR/ConstantLR (s = 1/3).  One mechanism for all
//     schedules: no `warmup_steps` key is added to the others (Keras'
//     cosine_decay has its own, with Keras' meaning).
// wsd:total_steps,warmup_steps=0,start_factor=0,decay_steps|decay_fraction=0.2,
//     final_lr_factor=0,shape=linear
//     Warmup-stable-decay (Hagele et al. 2024, "Scaling Laws and Compute-Optimal
//     Training Beyond Fixed Training Durations", arXiv:2405.18392, sec. 3,
//     eq. 1 and the cooldown shapes of sec. 3.1 / fig. 4; the same schedule as
//     MiniCPM's WSD, Hu et al. 2024).  N = total_steps, W = warmup_steps,
//     D = decay_steps (or floor(decay_fraction*N), as the authors' code takes
//     int(fract_decay*n_iterations)), s = start_factor, m = final_lr_factor:
//       t < W:          lr = eta0*(s + (1 - s)*t/W)     (eq. 1: s = 0)
//       t < N - D:      lr = eta0                       (stable)
//       t < N:          p = (t - (N - D))/D,  lr = eta0*(m + (1 - m)*c(p))
//                       c = 1 - p (linear) | (1 + cos(pi*p))/2 (cosine)
//                         | 1 - sqrt(p) (1-sqrt, the paper's proposal)
//       t >= N:         lr = eta0*m
//     s defaults to eq. 1's 0 (the authors' code starts at 1/init_div_factor
//     = 0.01: start_factor=0.01); m = 0 is the paper's cooldown to zero.
//     W, D integers, D >= 1, W + D <= N; s, m in [0,1].
// per_epoch:steps_per_epoch,then=[schedule]
//     lr = then(floor(t/steps_per_epoch)): a PyTorch scheduler stepped once
//     per epoch in a loop that counts optimizer steps.
//
// ---------------------------------------------------------------------------
// Tutorial formulas, as written: tutorial 003 (choosing the LR: decay
// strategies; its linear, "custom" and hoisted-out-of-the-loop decays) and
// tutorial 004 (LR adjustment and scheduling on an MLP; its "exponential" and
// "step" decays as its code computes them)
// ---------------------------------------------------------------------------
// tutorial003_linear:alpha       lr = eta0*(1 - alpha*t)   (NOT clamped: it
//                                turns negative for t > 1/alpha, as written)
// tutorial003_custom             lr = eta0/(1 + t)
// tutorial003_hoisted:fn=linear_decay|exponential_decay|custom_decay,total=N[,gamma]
//     Its code computes the decayed LR once, before the loop, from the total
//     iteration count N; the LR is then constant during training:
//       linear_decay(alpha=eta0, N)   lr = eta0/(1 + eta0*N)  (inverse time!)
//       exponential_decay(gamma, N)   lr = gamma^N            (eta0 unused)
//       custom_decay(alpha=eta0, N)   lr = eta0/(1 + N)
// tutorial003_hoisted:inner=[schedule],total=N    lr = inner(N) for all t
//     (the formulas as meant, hoisted the same way).
// tutorial004_exponential:delta  lr = eta0/sqrt(1 + delta)   (a constant)
// tutorial004_step               lr = eta0/(t + 1)
//
// Every argument is validated in schedule_from_spec; a bad one throws
// spec::SpecError naming the schedule, the parameter and the value.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "core/spec/spec.hpp"

namespace lrb::sched {

struct Schedule;

// ---- PyTorch ---------------------------------------------------------------
struct Constant { double base_lr; };
struct ConstantLR { double base_lr; double factor; int64_t total_iters; };
struct LinearLR { double base_lr; double start_factor; double end_factor; int64_t total_iters; };
struct StepLR { double base_lr; int64_t step_size; double gamma; };
struct MultiStepLR { double base_lr; std::vector<int64_t> milestones; double gamma; };  // sorted
struct ExponentialLR { double base_lr; double gamma; };
struct MultiplicativeLR { double base_lr; double factor; };
struct PolynomialLR { double base_lr; int64_t total_iters; double power; };
struct CosineAnnealingLR { double base_lr; int64_t T_max; double eta_min; };
struct CosineAnnealingWarmRestarts { double base_lr; int64_t T_0; int64_t T_mult; double eta_min; };
enum class CyclicMode { triangular, triangular2, exp_range };
struct CyclicLR {
  double base_lr, max_lr;
  double step_size_up, step_size_down;  // PyTorch converts both to float
  CyclicMode mode;
  double gamma;
  bool cycle_momentum;
  double base_momentum, max_momentum;
};
enum class Anneal { cos, linear };
struct OneCycleLR {
  double max_lr;
  int64_t total_steps;
  double pct_start;
  Anneal anneal_strategy;
  bool cycle_momentum;
  double base_momentum, max_momentum;
  double div_factor, final_div_factor;
  bool three_phase;
};
enum class PlateauMode { min, max };
enum class ThresholdMode { rel, abs };
struct ReduceLROnPlateau {
  double base_lr;
  PlateauMode mode;
  double factor;
  int64_t patience;
  double threshold;
  ThresholdMode threshold_mode;
  int64_t cooldown;
  double min_lr;
  double eps;
};
struct KerasReduceLROnPlateau {
  double base_lr;
  std::string monitor;  // only decides mode=auto
  double factor;
  int64_t patience;
  PlateauMode mode;     // auto resolved at construction; to_spec_string writes min|max
  double min_delta;
  int64_t cooldown;
  double min_lr;
};
struct SequentialLR {
  double base_lr;
  std::vector<Schedule> schedulers;
  std::vector<int64_t> milestones;  // size = schedulers.size() - 1
};
struct ChainedScheduler { double base_lr; std::vector<Schedule> schedulers; };

// ---- Keras -----------------------------------------------------------------
struct ExponentialDecay { double initial_learning_rate, decay_steps, decay_rate; bool staircase; };
struct PiecewiseConstantDecay { std::vector<int64_t> boundaries; std::vector<double> values; };
struct PolynomialDecay {
  double initial_learning_rate, decay_steps, end_learning_rate, power;
  bool cycle;
};
struct InverseTimeDecay { double initial_learning_rate, decay_steps, decay_rate; bool staircase; };
struct CosineDecay {
  double initial_learning_rate, decay_steps, alpha;
  std::optional<double> warmup_target;
  double warmup_steps;
};
struct CosineDecayRestarts {
  double initial_learning_rate, first_decay_steps, t_mul, m_mul, alpha;
};
struct KerasLegacyDecay {
  double base_lr;
  double decay;
  std::vector<Schedule> then;  // 0 or 1 schedule evaluated before the division
};

// ---- lrbench composition ---------------------------------------------------
enum class WarmupMode { linear, constant };
struct Warmup {
  int64_t steps;
  WarmupMode mode;
  double start_factor;
  bool shift;
  std::vector<Schedule> then;  // exactly 1
};
struct PerEpoch { int64_t steps_per_epoch; std::vector<Schedule> then; };  // then: exactly 1
enum class WsdShape { linear, cosine, one_minus_sqrt };
struct Wsd {
  double base_lr;
  int64_t total_steps, warmup_steps;
  double start_factor;
  int64_t decay_steps;
  double final_lr_factor;
  WsdShape shape;
};

// ---- Tutorial formulas -----------------------------------------------------
struct Tutorial003Linear { double base_lr; double alpha; };
struct Tutorial003Custom { double base_lr; };
enum class Tutorial003Fn { linear_decay, exponential_decay, custom_decay };
struct Tutorial003Hoisted {
  double base_lr;
  std::optional<Tutorial003Fn> fn;  // set: the tutorial's coded function ...
  std::vector<Schedule> inner;      // ... or else exactly 1 schedule
  int64_t total;
  double gamma;                     // exponential_decay only
};
struct Tutorial004Exponential { double base_lr; double delta; };
struct Tutorial004Step { double base_lr; };

// Plain data: copyable, comparable through to_spec_string.
struct Schedule {
  std::variant<Constant, ConstantLR, LinearLR, StepLR, MultiStepLR, ExponentialLR,
               MultiplicativeLR, PolynomialLR, CosineAnnealingLR, CosineAnnealingWarmRestarts,
               CyclicLR, OneCycleLR, ReduceLROnPlateau, KerasReduceLROnPlateau, SequentialLR, ChainedScheduler,
               ExponentialDecay, PiecewiseConstantDecay, PolynomialDecay, InverseTimeDecay,
               CosineDecay, CosineDecayRestarts, KerasLegacyDecay, Warmup, PerEpoch, Wsd,
               Tutorial003Linear, Tutorial003Custom, Tutorial003Hoisted,
               Tutorial004Exponential, Tutorial004Step>
      v;
};

// Builds and validates a schedule.  base_lr = the optimizer's lr (eta0).
// Throws spec::SpecError naming the parameter and value on any bad argument.
Schedule schedule_from_spec(const spec::Spec& spec, double base_lr);

// Canonical spec text, every parameter explicit (the optimizer's lr is not a
// schedule parameter and is not written; Keras' initial_learning_rate is).
// schedule_from_spec(parse(to_spec_string(s)), same base_lr) rebuilds s.
std::string to_spec_string(const Schedule& s);
spec::Spec to_spec(const Schedule& s);

// The schedule's name as written in specs ("cosine_annealing_lr").
std::string schedule_name(const Schedule& s);

// float32 evaluates Keras schedules (and keras_legacy_decay) with Keras' op
// sequence in float, as Keras does in the LR variable's dtype; every other
// schedule is evaluated in double and rounded to float.
enum class Precision { f64, f32 };

// The LR of the update that follows `step` completed optimizer steps.
// Throws spec::SpecError for step < 0, for one_cycle_lr past total_steps, and
// for reduce_lr_on_plateau (use plateau_observe / plateau_lr).
double lr_at(const Schedule& s, int64_t step);
double lr_at(const Schedule& s, int64_t step, Precision precision);

// The momentum (or Adam beta1) a momentum-cycling schedule sets for that
// update; nullopt = leave the optimizer's own value.  For composites: the
// active child's value (sequential_lr, warmup, per_epoch).
std::optional<double> momentum_at(const Schedule& s, int64_t step);

// What momentum_at's values drive, and whether the optimizer can take them.
enum class MomentumTarget {
  none,                // momentum_at is always nullopt
  momentum,            // cyclic_lr: SGD/RMSprop `momentum` only
  momentum_or_beta1,   // one_cycle_lr: beta1 when the optimizer has betas, else momentum
};
MomentumTarget momentum_target(const Schedule& s);
// Throws spec::SpecError as PyTorch 1.13 raises ValueError: cyclic_lr with
// cycle_momentum=true on an optimizer without `momentum` (Adam: "PyTorch
// 1.13 does not cycle beta1 in CyclicLR; set cycle_momentum=false"), and
// one_cycle_lr on an optimizer with neither momentum nor betas.
void check_momentum_support(const Schedule& s, bool optimizer_has_momentum,
                            bool optimizer_has_beta1);

// ---- Metric-driven schedules (reduce_lr_on_plateau) -------------------------
bool needs_metric(const Schedule& s);  // true for (keras_)reduce_lr_on_plateau

// Plateau state: everything the fold carries, O(1) per observed metric.
// For a schedule without needs_metric, plateau_init returns an inert state
// (plateau_observe is then a no-op).
struct PlateauState {
  double lr = 0;                  // the LR for the next update
  double best = 0;                // +inf (min) / -inf (max) before any metric
  int64_t num_bad_epochs = 0;     // PyTorch num_bad_epochs / Keras wait
  int64_t cooldown_counter = 0;
  int64_t observed = 0;           // metrics folded in so far
};
PlateauState plateau_init(const Schedule& s);
void plateau_observe(PlateauState& state, const Schedule& s, double metric);
double plateau_lr(const PlateauState& state);
// Pure form: the LR after observing `metrics` in order (a fold from plateau_init).
double plateau_lr(const Schedule& s, std::span<const double> metrics);

// ---- Catalog (`lrbench list`) ----------------------------------------------
enum class Convention { pytorch, keras, tutorial, lrbench };
std::string to_string(Convention c);

struct ParamInfo {
  std::string name;                  // canonical name
  std::vector<std::string> aliases;  // also accepted
  std::string default_value;         // "required" when there is none
  std::string help;                  // one sentence incl. the valid range
};
struct ScheduleInfo {
  std::string name;
  std::string summary;               // the formula in one line
  std::vector<ParamInfo> params;
  Convention convention;
};
std::vector<ScheduleInfo> schedule_catalog();

}  // namespace lrb::sched
