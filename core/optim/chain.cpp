// The chain's table: one row per transform (name, summary, parameters as
// spec::Field rows, state slots), from which parsing with validation, the
// canonical text and `lrbench list` all follow.  Math: chain.hpp; kernel:
// update_chain.cpp.
#include <functional>
#include <string>
#include <vector>

#include "core/optim/chain.hpp"
#include "core/optim/optim.hpp"
#include "core/spec/params.hpp"

namespace lrb::optim {

using spec::SpecError;

namespace {

using F = spec::Field<ChainTransform>;
constexpr std::string_view kName = "chain", kTransformsKey = "transforms";
constexpr double kDefaultLr = 1e-3;

struct Primitive {
  std::string_view name, summary;
  TransformKind kind;
  std::vector<F> rows;
  int slots = 0;
};

// scale_by_schedule's schedule: one nested schedule spec, built with base LR 1.
F schedule_row() {
  return spec::field<ChainTransform>(
      "schedule", spec::kRequired,
      "a schedule spec, e.g. cosine_annealing_lr(T_max=1000), evaluated with base LR 1 "
      "(its factor)",
      [](spec::Reader& r, ChainTransform& t) {
        if (!r.a.has({"schedule"})) spec::required(r, "schedule", " (e.g. schedule=step_lr(step_size=30))");
        const std::vector<spec::Spec> s = r.a.specs({"schedule"});
        if (s.size() != 1)
          throw SpecError(r.name + ": schedule must be one schedule spec, got " +
                          std::to_string(s.size()));
        sched::Schedule built = sched::schedule_from_spec(s[0], 1.0);
        if (sched::needs_metric(built))
          throw SpecError(r.name + ": schedule " + sched::schedule_name(built) +
                          " needs a metric; scale_by_schedule takes functions of the step only");
        if (sched::momentum_target(built) != sched::MomentumTarget::none)
          throw SpecError(r.name + ": schedule " + sched::schedule_name(built) +
                          " cycles a momentum, which a chain does not expose; set "
                          "cycle_momentum=false");
        t.schedule = std::move(built);
      },
      [](const ChainTransform& t, spec::Spec& out) {
        spec::Spec s = sched::to_spec(*t.schedule);
        spec::put(out, "schedule",
                  s.args.empty() ? spec::text_value(s.name) : spec::spec_value(std::move(s)));
      });
}

const std::vector<Primitive>& table() {
  using spec::above, spec::any, spec::at_least, spec::closed, spec::closed_open;
  using K = TransformKind;
  using CT = ChainTransform;
  static const std::vector<Primitive> t = {
      {"clip", "u = clamp(u, -max_delta, max_delta) (optax.clip)", K::clip,
       {spec::number(&CT::max_delta, "max_delta", spec::kRequired, above(0), "bound of |u_i|, {range}")}},
      {"clip_by_norm", "per tensor: u_k *= max_norm / ||u_k|| where ||u_k|| >= max_norm",
       K::clip_by_norm,
       {spec::number(&CT::max_norm, "max_norm", spec::kRequired, above(0),
                     "largest L2 norm of each tensor, {range}")}},
      {"clip_by_global_norm",
       "u *= max_norm / N where N = ||u|| over all tensors >= max_norm "
       "(optax.clip_by_global_norm)",
       K::clip_by_global_norm,
       {spec::number(&CT::max_norm, "max_norm", spec::kRequired, above(0),
                     "largest L2 norm of all tensors together, {range}")}},
      {"trace", "momentum b = decay*b + u; u = b, or u + decay*b (nesterov) (optax.trace)",
       K::trace,
       {spec::number(&CT::decay, "decay", spec::kRequired, at_least(0),
                     "momentum factor, {range}"),
        spec::flag(&CT::nesterov, "nesterov", "false", "Nesterov: u + decay*b")},
       1},
      {"scale_by_rms", "v = decay*v + (1-decay)*u^2; u /= sqrt(v + eps) (optax.scale_by_rms)",
       K::scale_by_rms,
       {spec::number(&CT::decay, "decay", "0.9", closed(0, 1), "decay of v, {range}"),
        spec::number(&CT::eps, "eps", "1e-8", at_least(0), "added to v under the root, {range}"),
        spec::number(&CT::initial, "initial_scale", "0", at_least(0), "v at step 0, {range}")},
       1},
      {"scale_by_adam",
       "Adam's moments: u = m_hat / (sqrt(v_hat + eps_root) + eps) (optax.scale_by_adam)",
       K::scale_by_adam,
       {spec::number(&CT::b1, "b1", "0.9", closed_open(0, 1), "decay of m, {range}"),
        spec::number(&CT::b2, "b2", "0.999", closed_open(0, 1), "decay of v, {range}"),
        spec::number(&CT::eps, "eps", "1e-8", at_least(0), "added to sqrt(v_hat), {range}"),
        spec::number(&CT::eps_root, "eps_root", "0", at_least(0),
                     "added to v_hat under the root, {range}")},
       2},
      {"scale_by_rss", "Adagrad: S += u^2; u /= sqrt(S + eps) (optax.scale_by_rss)",
       K::scale_by_rss,
       {spec::number(&CT::initial, "initial_accumulator_value", "0.1", at_least(0),
                     "S at step 0, {range}"),
        spec::number(&CT::eps, "eps", "1e-7", at_least(0), "added to S under the root, {range}")},
       1},
      {"scale_by_sign", "u = sign(u) (optax.scale_by_sign)", K::scale_by_sign, {}},
      {"scale_by_lion",
       "Lion: u = sign(b1*m + (1-b1)*u); m = b2*m + (1-b2)*u (optax.scale_by_lion)",
       K::scale_by_lion,
       {spec::number(&CT::b1, "b1", "0.9", closed(0, 1), "blend of m and u for the sign, {range}"),
        spec::number(&CT::b2, "b2", "0.99", closed(0, 1), "decay of m, {range}")},
       1},
      {"add_decayed_weights",
       "u += weight_decay * p: before scale_by_adam L2, after it AdamW's decay "
       "(optax.add_decayed_weights)",
       K::add_decayed_weights,
       {spec::number(&CT::weight_decay, "weight_decay", "0", at_least(0),
                     "factor of p added to u, {range}")}},
      {"scale", "u *= step_size (optax.scale)", K::scale,
       {spec::number(&CT::step_size, "step_size", spec::kRequired, any(), "a finite number")}},
      {"scale_by_schedule",
       "u *= the schedule's factor at this step (optax.scale_by_schedule)", K::scale_by_schedule,
       {schedule_row()}},
      {"scale_by_lr",
       "u *= -lr, lr = the run's scheduled LR this step (optax.scale_by_learning_rate); "
       "exactly one per chain",
       K::scale_by_lr, {}},
  };
  return t;
}

const Primitive& primitive_of(TransformKind k) {
  for (const Primitive& p : table())
    if (p.kind == k) return p;
  throw std::logic_error("chain: a transform kind without a table row");
}

[[noreturn]] void unknown_transform(std::string_view name) {
  std::vector<std::string_view> names;
  for (const Primitive& p : table()) names.push_back(p.name);
  names.push_back(kName);
  throw SpecError(std::string(kName) + ": unknown transform '" + spec::quote(name) +
                  "' (valid: " + spec::join(names, ", ", ", ") + ")");
}

// Appends the transforms of r's `transforms` list (nested chains expanded).
void read_transforms(spec::Reader& r, std::vector<ChainTransform>& out) {
  if (!r.a.has({kTransformsKey}))
    spec::required(r, kTransformsKey,
                   " (e.g. transforms=[scale_by_adam(b1=0.9),scale_by_lr]; `lrbench list` names "
                   "every transform)");
  const std::vector<spec::Spec> items = r.a.specs({kTransformsKey});
  if (items.empty())
    throw SpecError(r.name + ": transforms must list at least one transform, got []");
  for (const spec::Spec& item : items) {
    spec::Reader ir(item, r.depth + 1);
    if (item.name == kName) {
      read_transforms(ir, out);
    } else {
      const Primitive* p = nullptr;
      for (const Primitive& q : table())
        if (q.name == item.name) p = &q;
      if (!p) unknown_transform(item.name);
      ChainTransform t;
      t.kind = p->kind;
      for (const F& row : p->rows) row.read(ir, t);
      out.push_back(std::move(t));
    }
    ir.a.finish();
  }
}

ChainParamInfo info_of(const spec::Row& row) { return {row.key, row.default_text, row.help}; }

}  // namespace

int transform_slots(const ChainTransform& t) { return primitive_of(t.kind).slots; }

int chain_slots(const ChainHyper& h) {
  int n = 1;  // the scratch u
  for (const ChainTransform& t : h.transforms) n += transform_slots(t);
  return n;
}

Optimizer chain_optimizer_from_spec(const spec::Spec& s) {
  spec::Reader r(s);
  Optimizer o;
  o.name = std::string(kName);
  o.convention = Convention::pytorch;  // unused: a chain has lrbench's own arithmetic
  o.lr = r.a.number({"lr", "learning_rate"}, kDefaultLr);
  spec::check(s.name, "lr", o.lr, spec::at_least(0));
  ChainHyper h;
  read_transforms(r, h.transforms);
  r.a.finish();
  if (h.transforms.size() > kMaxChainTransforms)
    throw SpecError(std::string(kName) + ": at most " + std::to_string(kMaxChainTransforms) +
                    " transforms (nested chains counted), got " +
                    std::to_string(h.transforms.size()));
  int lr_scalings = 0;
  for (const ChainTransform& t : h.transforms) lr_scalings += t.kind == TransformKind::scale_by_lr;
  if (lr_scalings != 1)
    throw SpecError(std::string(kName) + ": needs exactly one scale_by_lr (it applies the run's " +
                    "LR and schedule, with optax's sign: u *= -lr), got " +
                    std::to_string(lr_scalings) +
                    (lr_scalings == 0 ? "; e.g. transforms=[...,scale_by_lr]" : ""));
  o.hyper = std::move(h);
  return o;
}

std::string chain_to_spec_string(const Optimizer& o) {
  const auto& h = std::get<ChainHyper>(o.hyper);
  std::vector<spec::Value> items;
  for (const ChainTransform& t : h.transforms) {
    const Primitive& p = primitive_of(t.kind);
    spec::Spec one{std::string(p.name), {}};
    for (const F& row : p.rows) row.write(t, one);
    items.push_back(one.args.empty() ? spec::text_value(one.name) : spec::spec_value(std::move(one)));
  }
  spec::Spec out{std::string(kName), {}};
  spec::put(out, "lr", spec::number_value(o.lr));
  spec::put(out, kTransformsKey, spec::list_value(std::move(items)));
  return spec::to_string(out);
}

ChainInfo chain_catalog() {
  ChainInfo info;
  info.summary =
      "compose an optimizer from gradient transformations, as optax.chain: u = g, each "
      "transform in order, then p += u";
  info.params = {
      {"lr", spec::number_text(kDefaultLr),
       "base learning rate (>= 0), read by scale_by_lr; a schedule multiplies/replaces it per step"},
      {std::string(kTransformsKey), std::string(spec::kRequired),
       "[t1(key=value,...),t2,...]: the transforms below, in order; a nested "
       "chain(transforms=[...]) is expanded in place; exactly one scale_by_lr"}};
  for (const Primitive& p : table()) {
    ChainTransformInfo t{std::string(p.name), std::string(p.summary), {}};
    for (const F& row : p.rows) t.params.push_back(info_of(row.row));
    info.transforms.push_back(std::move(t));
  }
  return info;
}

}  // namespace lrb::optim
