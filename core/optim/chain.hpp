#pragma once
// chain -- compose an optimizer from gradient transformations, as optax does
// (optax.chain; google-deepmind/optax, optax/_src/transform.py, clipping.py,
// alias.py), without writing C++:
//
//   chain:lr=0.001,transforms=[clip_by_global_norm(max_norm=1),
//                              scale_by_adam(b1=0.9,b2=0.999,eps=1e-8),
//                              add_decayed_weights(weight_decay=0.01),scale_by_lr]
//
// One step: u = g; each transform in order maps u (and its own state) to a new
// u; then p = p + u.  The sign convention is optax's: every transform before
// scale_by_lr works on gradient-like quantities, scale_by_lr multiplies by
// -lr, so p moves against the gradient.  `lr` is the run's LR: the base LR the
// schedule (--schedule, a suite's schedule) multiplies or replaces, and
// update()'s `lr` argument is what scale_by_lr reads each step -- so a chain
// under a schedule behaves as the built-ins do under it.  A chain must hold
// exactly one scale_by_lr (nested chains included): without it the run's LR
// and schedule would be silently ignored (an LR sweep would sweep nothing),
// and two would scale by lr^2.
//
// Transforms (t = 1, 2, ... the step being taken; T(x) = x rounded to the
// parameter dtype once; scalars in double, as the built-ins, optim.hpp):
//   clip(max_delta)              u = clamp(u, -c, c)                        (NaN kept)
//   clip_by_norm(max_norm)       per tensor k: N_k = ||u_k||_2;
//                                u_k = N_k < c ? u_k : (u_k / N_k) * T(c)
//   clip_by_global_norm(max_norm)
//                                N = sqrt(sum_k ||u_k||^2);  same rule with N
//                                (optax's: where(N < c, u, u / N * c))
//   trace(decay, nesterov=false) b = b * T(decay) + u;   u = nesterov ? fma(T(decay), b, u) : b
//                                (b starts at 0: PyTorch SGD's momentum buffer
//                                with dampening 0, whose first step seeds b = g)
//   scale_by_rms(decay=0.9, eps=1e-8, initial_scale=0)
//                                v = fma(T(1-decay) * u, u, v * T(decay));  u = u / sqrt(v + T(eps))
//   scale_by_adam(b1=0.9, b2=0.999, eps=1e-8, eps_root=0)
//                                m = fma(T(1-b1), u, m * T(b1));  v = fma(T(1-b2) * u, u, v * T(b2))
//                                u = (m / T(1-b1^t)) / (sqrt(v / T(1-b2^t) + T(eps_root)) + T(eps))
//                                (Kingma & Ba, Algorithm 1; eps outside the root as PyTorch)
//   scale_by_rss(initial_accumulator_value=0.1, eps=1e-7)
//                                S = fma(u, u, S);  u = S > 0 ? u / sqrt(S + T(eps)) : 0
//                                (Adagrad; optax's and Keras' defaults, eps inside the root)
//   scale_by_sign()              u = sign(u)                                 (sign(0) = 0)
//   scale_by_lion(b1=0.9, b2=0.99)
//                                c = m * T(b1) + u * (1 - T(b1));  m = m * T(b2) + u * (1 - T(b2))
//                                u = sign(c)      (Chen et al. 2023, Algorithm 2; Keras' op order)
//   add_decayed_weights(weight_decay=0)
//                                u = fma(T(wd), p, u)
//                                before scale_by_adam: Adam's coupled L2 (PyTorch Adam's
//                                weight_decay); after it: AdamW's decoupled decay,
//                                p - lr*(u + wd*p) = p*(1 - lr*wd) - lr*u
//   scale(step_size)             u = u * T(step_size)
//   scale_by_schedule(schedule)  u = u * T(lr_at(schedule, t - 1)), the schedule built with
//                                base LR 1 (its factor; Keras schedules' initial_learning_rate
//                                is the value itself).  Metric-driven and momentum-cycling
//                                schedules are refused.
//   scale_by_lr()                u = u * T(-lr), lr = this step's scheduled LR
//   chain(transforms=[...])      a nested chain: its transforms in place
//
// Built-ins spelled as chains (tests/optim/test_chain.cpp shows they give the
// built-in trajectories, float64 within 1e-12 relative):
//   sgd:momentum=mu,nesterov=N,weight_decay=wd   [add_decayed_weights(weight_decay=wd),
//                                                 trace(decay=mu,nesterov=N),scale_by_lr]
//   adam:weight_decay=wd                         [add_decayed_weights(weight_decay=wd),
//                                                 scale_by_adam,scale_by_lr]
//   adamw:weight_decay=wd                        [scale_by_adam,
//                                                 add_decayed_weights(weight_decay=wd),scale_by_lr]
//   lion:convention=keras,weight_decay=wd        [scale_by_lion,
//                                                 add_decayed_weights(weight_decay=wd),scale_by_lr]
// The built-ins stay the fused kernels; a chain is the general path
// (bench/optim times both).
//
// Kernel: blocks of 256 elements; u lives in a stack buffer and every
// transform runs over the block in turn, so a chain moves about the bytes of
// one fused pass (g, p and each slot once), except that a norm clip after
// the first transform needs u stored (the scratch slot) and summed first.
// At most kMaxChainTransforms (64) transforms per chain.
// State: one arena, slot 0 the scratch u, then each transform's slots in
// chain order (trace b; scale_by_rms v; scale_by_adam m, v; scale_by_rss S;
// scale_by_lion m).  All transforms share the optimizer's step counter.
// Determinism: every pass is elementwise except the norms, which are
// sum_squares' fixed-chunk sums per tensor (optim.hpp, "Arithmetic") added in
// tensor order: the same bits for any thread count.
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "core/schedules/schedule.hpp"
#include "core/spec/spec.hpp"

namespace lrb::optim {

enum class TransformKind {
  clip, clip_by_norm, clip_by_global_norm, trace, scale_by_rms, scale_by_adam, scale_by_rss,
  scale_by_sign, scale_by_lion, add_decayed_weights, scale, scale_by_schedule, scale_by_lr
};

// One transform: its kind and the parameters it reads (the others stay at
// their zero values).
struct ChainTransform {
  TransformKind kind = TransformKind::scale_by_lr;
  double max_delta = 0;     // clip
  double max_norm = 0;      // clip_by_norm, clip_by_global_norm
  double decay = 0;         // trace, scale_by_rms
  bool nesterov = false;    // trace
  double b1 = 0, b2 = 0;    // scale_by_adam, scale_by_lion
  double eps = 0;           // scale_by_rms, scale_by_adam, scale_by_rss
  double eps_root = 0;      // scale_by_adam
  double initial = 0;       // scale_by_rms initial_scale, scale_by_rss initial_accumulator_value
  double weight_decay = 0;  // add_decayed_weights
  double step_size = 1;     // scale
  std::optional<sched::Schedule> schedule;  // scale_by_schedule (base LR 1)
};

struct ChainHyper {
  std::vector<ChainTransform> transforms;  // flat: nested chains are expanded in place
};

// The most transforms one chain holds (nested chains expanded): the kernel
// keeps each step's scalars on the stack.
inline constexpr size_t kMaxChainTransforms = 64;

// (n,) state slots of one transform (0-2).
int transform_slots(const ChainTransform& t);
// The chain's arena slots: 1 (the scratch u) + every transform's.
int chain_slots(const ChainHyper& h);

struct Optimizer;

// `chain:lr=...,transforms=[...]` -> an Optimizer named "chain"; SpecError
// naming the transform, key and value for anything invalid (unknown
// transform, bad parameter, empty chain, no or two scale_by_lr).
Optimizer chain_optimizer_from_spec(const spec::Spec& s);
// Canonical text: every parameter of every transform explicit, nested chains
// expanded, a transform without parameters written as its bare name.
std::string chain_to_spec_string(const Optimizer& o);

// `lrbench list`: the chain and each transform with its parameters, from the
// one table that parses them.
struct ChainParamInfo {
  std::string name;
  std::string default_value;  // spec text, or "required"
  std::string help;
};
struct ChainTransformInfo {
  std::string name, summary;
  std::vector<ChainParamInfo> params;
};
struct ChainInfo {
  std::string summary;
  std::vector<ChainParamInfo> params;         // lr, transforms
  std::vector<ChainTransformInfo> transforms;
};
ChainInfo chain_catalog();

}  // namespace lrb::optim
