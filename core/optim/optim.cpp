// The optimizer table: one entry per optimizer (name, summary, default LR
// per convention, each hyperparameter with its key, aliases, defaults per
// convention, valid range and help, the rules that tie parameters together,
// the state it keeps).  Presets, spec parsing and validation, canonical text
// and `lrbench list` are all derived from it; the math is in optim.hpp, the
// kernels in update.cpp.  A new optimizer is its Hyper struct, one entry in
// table() and its kernel.
#include <array>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/optim/optim.hpp"
#include "core/spec/params.hpp"

namespace lrb::optim {

using spec::SpecError;

std::string_view convention_name(Convention c) {
  return c == Convention::pytorch ? "pytorch" : "keras";
}

namespace {

using spec::Field, spec::Key, spec::Range;
constexpr Convention kPyTorch = Convention::pytorch, kKeras = Convention::keras;
constexpr std::string_view na;  // "does not exist in this convention"

// Help texts several rows share.
constexpr std::string_view kSgdMomentumHelp = "momentum factor (>= 0; keras <= 1); 0 = plain SGD",
                           kDecayHelp = "decay of the squared-gradient average, {range}",
                           kBetasHelp = "moment decay rates, each {range}",
                           kAdamEpsHelp =
                               "pytorch: added to sqrt(v_hat); keras: eps-hat added to sqrt(v), {range}";

// One hyperparameter of the Hyper struct H: its row in each convention
// (nullopt: the parameter does not exist there).
template <class H>
struct Param {
  std::optional<Field<H>> pytorch, keras;
  const std::optional<Field<H>>& in(Convention c) const { return c == kPyTorch ? pytorch : keras; }
};

// The same key, aliases, range and help in both conventions; a default per
// convention as spec text (na: absent there).
template <class H>
Param<H> num(double H::*m, const Key& key, std::string_view pytorch, std::string_view keras,
             Range range, std::string_view help) {
  auto in = [&](std::string_view def) {
    return def.empty() ? std::nullopt : std::optional(spec::number(m, key, def, range, help));
  };
  return {in(pytorch), in(keras)};
}
template <class H>
Param<H> flag(bool H::*m, std::string_view key, std::string_view pytorch, std::string_view keras,
              std::string_view help) {
  auto in = [&](std::string_view def) {
    return def.empty() ? std::nullopt : std::optional(spec::flag(m, key, def, help));
  };
  return {in(pytorch), in(keras)};
}
// betas=[b1,b2], or Keras' beta_1=, beta_2=; (0.9, 0.999) everywhere.
constexpr Range kBetasRange = spec::closed_open(0, 1);
template <class H>
Param<H> betas(std::string_view help) {
  const Field<H> f = spec::field<H>(
      Key{"betas", {"beta_1", "beta_2"}}, "[0.9,0.999]", spec::help_text(help, kBetasRange),
      [](spec::Reader& r, H& h) {
        const bool list = r.a.has({"betas"});
        if (list && r.a.has({"beta_1", "beta_2"}))
          throw SpecError(r.name + ": give betas=[b1,b2] or beta_1/beta_2, not both");
        const auto v = r.a.numbers({"betas"}, {0.9, 0.999});
        if (list && v.size() != 2)
          throw SpecError(r.name + ": betas must be a list of 2 numbers, got " +
                          std::to_string(v.size()));
        h.beta1 = list ? v[0] : r.a.number({"beta_1"}, 0.9);
        h.beta2 = list ? v[1] : r.a.number({"beta_2"}, 0.999);
        spec::check(r.name, "betas[0]", h.beta1, kBetasRange);
        spec::check(r.name, "betas[1]", h.beta2, kBetasRange);
      },
      [](const H& h, spec::Spec& out) {
        spec::put(out, "betas",
                  spec::list_value({spec::number_value(h.beta1), spec::number_value(h.beta2)}));
      });
  return {f, f};
}
// Rows many optimizers share.
template <class H>
Param<H> eps(std::string_view pytorch, std::string_view keras, std::string_view help) {
  return num(&H::eps, Key{"eps", {"epsilon"}}, pytorch, keras, spec::at_least(0), help);
}
template <class H>
Param<H> coupled_weight_decay() {
  return num(&H::weight_decay, "weight_decay", "0", na, spec::at_least(0),
             "pytorch: coupled L2 added to g; keras: decoupled p -= lr*wd*p ({range})");
}
template <class H>
Param<H> maximize() {
  return flag(&H::maximize, "maximize", "false", na, "ascend instead of descend");
}

// One optimizer, type-erased over its Hyper alternative.
struct Def {
  std::string_view name, summary;
  std::array<double, 2> lr;   // default per convention: pytorch, keras
  double keras_weight_decay;  // default of Keras' optimizer-wide weight_decay
  Hyper blank;                // the Hyper alternative, before any row is read
  // Reads every row of convention c (defaults where the spec is silent),
  // then the rules across rows.
  std::function<void(spec::Reader&, Hyper&, Convention)> read;
  std::function<void(const Hyper&, Convention, spec::Spec&)> write;
  std::vector<spec::Row> rows;                          // key, aliases, help: pytorch's if any
  std::vector<std::array<bool, 2>> in;                  // rows[i] exists in pytorch, keras
  std::function<int(const Hyper&)> slots;               // state slots (state_slots)
  std::function<bool(const Hyper&)> has_momentum;       // a buffer a schedule can drive
  bool has_beta1;                                       // a beta1 a schedule can drive
};

template <class H>
Def def(std::string_view name, std::string_view summary, std::array<double, 2> lr,
        std::vector<Param<H>> params, int (*slots)(const H&),
        bool (*has_momentum)(const H&) = nullptr,
        void (*check)(const std::string&, const H&) = nullptr, double keras_weight_decay = 0) {
  Def d{name, summary, lr, keras_weight_decay, H{}, nullptr, nullptr, {}, {}, nullptr, nullptr,
        requires(H h) { h.beta1; }};
  for (const auto& p : params) {
    d.rows.push_back((p.pytorch ? p.pytorch : p.keras)->row);
    d.in.push_back({p.pytorch.has_value(), p.keras.has_value()});
  }
  d.read = [params, check](spec::Reader& r, Hyper& hyper, Convention c) {
    H& h = std::get<H>(hyper);
    for (const auto& p : params)
      if (p.in(c)) p.in(c)->read(r, h);
    if (check) check(r.name, h);
  };
  d.write = [params](const Hyper& hyper, Convention c, spec::Spec& out) {
    for (const auto& p : params)
      if (p.in(c)) p.in(c)->write(std::get<H>(hyper), out);
  };
  d.slots = [slots](const Hyper& h) { return slots(std::get<H>(h)); };
  d.has_momentum = [has_momentum](const Hyper& h) {
    return has_momentum && has_momentum(std::get<H>(h));
  };
  return d;
}

const std::vector<Def>& table() {
  using spec::at_least, spec::closed, spec::closed_open;
  static const std::vector<Def> t = {
      def<GdHyper>("gd", "plain gradient descent p -= lr*g (tutorials 000, 002)", {1e-3, 0.01},
                   {}, [](const GdHyper&) { return 0; }),
      def<SgdHyper>(
          "sgd", "SGD with momentum; PyTorch: LR outside the buffer, Keras: inside", {1e-3, 0.01},
          {{spec::number(&SgdHyper::momentum, "momentum", "0", at_least(0), kSgdMomentumHelp),
            spec::number(&SgdHyper::momentum, "momentum", "0", closed(0, 1), kSgdMomentumHelp)},
           num(&SgdHyper::dampening, "dampening", "0", na, closed(0, 1),
               "dampening of the buffer update, {range} (not on the first step)"),
           flag(&SgdHyper::nesterov, "nesterov", "false", "false",
                "Nesterov momentum (needs momentum > 0, dampening 0)"),
           coupled_weight_decay<SgdHyper>(), maximize<SgdHyper>()},
          [](const SgdHyper& h) { return h.momentum != 0 ? 1 : 0; },
          [](const SgdHyper& h) { return h.momentum != 0; },
          [](const std::string& n, const SgdHyper& h) {
            if (h.nesterov && (h.momentum <= 0 || h.dampening != 0))
              throw SpecError(n + ": nesterov requires momentum > 0 and dampening = 0, got "
                                  "momentum=" + spec::number_text(h.momentum) +
                              ", dampening=" + spec::number_text(h.dampening));
          }),
      def<EmaMomentumHyper>(
          "ema_momentum", "tutorial 000's EMA momentum v = b*v + (1-b)*g, p -= lr*v", {0.01, 0.01},
          {num(&EmaMomentumHyper::beta, Key{"beta", {"momentum"}}, "0.9", "0.9", closed_open(0, 1),
               "EMA factor of the gradient average, {range}")},
          [](const EmaMomentumHyper&) { return 1; },
          [](const EmaMomentumHyper&) { return true; }),
      def<RmspropHyper>(
          "rmsprop", "RMSprop; PyTorch: eps outside the root, Keras: inside", {1e-2, 1e-3},
          {{spec::number(&RmspropHyper::alpha, Key{"alpha", {"rho"}}, "0.99", closed(0, 1),
                         kDecayHelp),
            spec::number(&RmspropHyper::alpha, Key{"rho", {"alpha"}}, "0.9", closed(0, 1),
                         kDecayHelp)},
           eps<RmspropHyper>("1e-8", "1e-7",
                             "added to sqrt(v) (pytorch) or to v under the root (keras), {range}"),
           num(&RmspropHyper::momentum, "momentum", "0", "0", at_least(0), "momentum factor ({range})"),
           flag(&RmspropHyper::centered, "centered", "false", "false",
                "normalise by the variance estimate v - avg(g)^2"),
           coupled_weight_decay<RmspropHyper>(), maximize<RmspropHyper>()},
          [](const RmspropHyper& h) { return 1 + (h.momentum > 0 ? 1 : 0) + (h.centered ? 1 : 0); },
          [](const RmspropHyper& h) { return h.momentum > 0; }),
      def<RmspropTutorial001Hyper>(
          "rmsprop_tutorial001",
          "tutorial 001's RMSprop as printed: p -= lr/sqrt(v+eps), no gradient", {1e-3, 1e-3},
          {num(&RmspropTutorial001Hyper::rho, Key{"rho", {"alpha"}}, "0.9", "0.9", closed(0, 1),
               kDecayHelp),
           eps<RmspropTutorial001Hyper>("1e-7", "1e-7", "under the root, {range}")},
          [](const RmspropTutorial001Hyper&) { return 1; }),
      def<AdagradHyper>(
          "adagrad", "Adagrad; Keras starts the accumulator at 0.1 with eps inside the root",
          {1e-2, 1e-3},
          {num(&AdagradHyper::lr_decay, "lr_decay", "0", na, at_least(0),
               "inverse-time decay lr/(1+(t-1)*lr_decay), {range}"),
           num(&AdagradHyper::initial_accumulator_value, "initial_accumulator_value", "0", "0.1",
               at_least(0), "start of the sum of squares, {range}"),
           eps<AdagradHyper>("1e-10", "1e-7",
                             "added to sqrt(S) (pytorch) or to S under the root (keras), {range}"),
           coupled_weight_decay<AdagradHyper>(), maximize<AdagradHyper>()},
          [](const AdagradHyper&) { return 1; }),
      def<AdamHyper>(
          "adam", "Adam; PyTorch eps (Algorithm 1) vs Keras eps-hat", {1e-3, 1e-3},
          {betas<AdamHyper>(kBetasHelp), eps<AdamHyper>("1e-8", "1e-7", kAdamEpsHelp),
           coupled_weight_decay<AdamHyper>(),
           flag(&AdamHyper::amsgrad, "amsgrad", "false", "false", "use the running max of v"),
           maximize<AdamHyper>()},
          [](const AdamHyper& h) { return h.amsgrad ? 3 : 2; }),
      def<AdamHyper>(
          "adamw", "Adam with decoupled weight decay (PyTorch wd 1e-2, Keras 0.004)", {1e-3, 1e-3},
          {betas<AdamHyper>(kBetasHelp), eps<AdamHyper>("1e-8", "1e-7", kAdamEpsHelp),
           num(&AdamHyper::decoupled_weight_decay, "weight_decay", "1e-2", na, at_least(0),
               "decoupled: pytorch p *= 1 - lr*wd; keras p -= lr*wd*p ({range})"),
           flag(&AdamHyper::amsgrad, "amsgrad", "false", "false", "use the running max of v"),
           maximize<AdamHyper>()},
          [](const AdamHyper& h) { return h.amsgrad ? 3 : 2; }, nullptr, nullptr, 0.004),
      def<NadamHyper>(
          "nadam", "NAdam (PyTorch 1.13 with momentum_decay; Keras 0.96^t schedule)", {2e-3, 1e-3},
          {betas<NadamHyper>(kBetasHelp),
           eps<NadamHyper>("1e-8", "1e-7", "added to sqrt(v_hat), {range}"),
           coupled_weight_decay<NadamHyper>(),
           num(&NadamHyper::momentum_decay, "momentum_decay", "4e-3", na, at_least(0),
               "psi in mu_t = b1*(1 - 0.5*0.96^(t*psi)), {range}")},
          [](const NadamHyper&) { return 2; }),
      def<AdamaxHyper>(
          "adamax", "Adamax (infinity-norm Adam)", {2e-3, 1e-3},
          {betas<AdamaxHyper>("decay rates of m and of the infinity norm, each {range}"),
           eps<AdamaxHyper>("1e-8", "1e-7",
                            "pytorch: inside the max with |g|; keras: added after it, {range}"),
           coupled_weight_decay<AdamaxHyper>(), maximize<AdamaxHyper>()},
          [](const AdamaxHyper&) { return 2; }),
      def<AdadeltaHyper>(
          "adadelta", "Adadelta", {1.0, 1e-3},
          {num(&AdadeltaHyper::rho, "rho", "0.9", "0.95", closed(0, 1),
               "decay of both averages, {range}"),
           eps<AdadeltaHyper>("1e-6", "1e-7", "under both roots, {range}"),
           coupled_weight_decay<AdadeltaHyper>(), maximize<AdadeltaHyper>()},
          [](const AdadeltaHyper&) { return 2; }),
      def<AdamTutorial000Hyper>(
          "adam_tutorial000", "tutorial 000's Adam as printed: no bias correction", {1e-3, 1e-3},
          {betas<AdamTutorial000Hyper>(kBetasHelp),
           eps<AdamTutorial000Hyper>("1e-7", "1e-7", "added to sqrt(v), {range}")},
          [](const AdamTutorial000Hyper&) { return 2; }),
  };
  return t;
}

// Options every optimizer of one convention has: PyTorch's
// torch.nn.utils.clip_grad_*_ called before step(), Keras' optimizer-wide
// clipping arguments (at most one of each convention's).  Keras' other
// optimizer-wide argument, weight_decay, has a default per optimizer (Def).
struct Clip {
  std::string_view key;
  Convention convention;
  std::optional<double> Optimizer::*at;
  std::string_view help;
};
constexpr Clip kClips[] = {
    {"clip_grad_norm", kPyTorch, &Optimizer::clip_grad_norm,
     "torch.nn.utils.clip_grad_norm_(max_norm) over all tensors, > 0"},
    {"clip_grad_value", kPyTorch, &Optimizer::clip_grad_value,
     "torch.nn.utils.clip_grad_value_, > 0"},
    {"clipnorm", kKeras, &Optimizer::clipnorm, "per-tensor gradient norm clip, > 0"},
    {"clipvalue", kKeras, &Optimizer::clipvalue, "elementwise gradient clip, > 0"},
    {"global_clipnorm", kKeras, &Optimizer::global_clipnorm,
     "clip the norm over all tensors, > 0 (one of the three keras clips at most)"},
};

const Def& def_of(std::string_view name) {
  for (const Def& d : table())
    if (d.name == name) return d;
  std::vector<std::string_view> names;
  for (const Def& d : table()) names.push_back(d.name);
  throw SpecError("unknown optimizer '" + spec::quote(name) +
                  "' (valid: " + spec::join(names, ", ", ", ") + ")");
}

// Optimizers sharing a Hyper (adam, adamw) share its state layout.
const Def& def_of_hyper(const Hyper& h) {
  for (const Def& d : table())
    if (d.blank.index() == h.index()) return d;
  throw std::logic_error("optim: a Hyper alternative has no table entry");
}

// Keys that exist only in the other convention get a sentence saying so.
void reject_other_convention(const Def& d, const spec::ArgReader& a, Convention c) {
  const int here = c == kPyTorch ? 0 : 1;
  auto refuse = [&](std::string_view key) {
    if (c == kKeras && key == "weight_decay") return;  // Keras' optimizer-wide one
    if (!a.has({key})) return;
    throw SpecError(std::string(d.name) + ": " + std::string(key) + " is a " +
                    (c == kPyTorch ? "Keras" : "PyTorch") +
                    " option, not available with convention=" + std::string(convention_name(c)));
  };
  for (size_t i = 0; i < d.rows.size(); ++i) {
    if (d.in[i][here] || !d.in[i][1 - here]) continue;
    refuse(d.rows[i].key);
    for (const auto& alias : d.rows[i].aliases) refuse(alias);
  }
  for (const Clip& clip : kClips)
    if (clip.convention != c) refuse(clip.key);
}

}  // namespace

Optimizer optimizer_preset(std::string_view name, Convention c) {
  const Def& d = def_of(name);
  Optimizer o;
  o.name = std::string(name);
  o.convention = c;
  o.lr = d.lr[c == kPyTorch ? 0 : 1];
  o.hyper = d.blank;
  const spec::Spec silent{o.name, {}};
  spec::Reader r(silent);
  d.read(r, o.hyper, c);  // every row at its default
  if (c == kKeras) o.keras_weight_decay = d.keras_weight_decay;
  return o;
}

Optimizer optimizer_from_spec(const spec::Spec& s) {
  const Def& d = def_of(s.name);  // the name first, before any key
  spec::Reader r(s);
  spec::ArgReader& a = r.a;
  const Convention c =
      a.choice({"convention"}, "pytorch", {"pytorch", "keras"}) == "keras" ? kKeras : kPyTorch;
  Optimizer o = optimizer_preset(s.name, c);
  o.lr = a.number({"lr", "learning_rate"}, o.lr);
  spec::check(s.name, "lr", o.lr, spec::at_least(0));
  reject_other_convention(d, a, c);
  if (c == kKeras) {
    o.keras_weight_decay = a.number({"weight_decay"}, o.keras_weight_decay);
    spec::check(s.name, "weight_decay", o.keras_weight_decay, spec::at_least(0));
  }
  std::vector<std::string_view> clips, given;  // this convention's, and those set
  for (const Clip& clip : kClips) {
    if (clip.convention != c) continue;
    clips.push_back(clip.key);
    auto v = a.number({clip.key});
    if (!v) continue;
    spec::check(s.name, clip.key, *v, spec::above(0));
    o.*clip.at = *v;
    given.push_back(clip.key);
  }
  if (given.size() > 1)
    throw SpecError(s.name + ": give only one of " + spec::join(clips, ", ", " and ") + ", got " +
                    spec::join(given, ", ", " and "));
  d.read(r, o.hyper, c);
  a.finish();
  return o;
}

std::string to_spec_string(const Optimizer& o) {
  const Convention c = o.convention;
  spec::Spec out{o.name, {}};
  spec::put(out, "lr", spec::number_value(o.lr));
  def_of(o.name).write(o.hyper, c, out);
  if (c == kKeras) spec::put(out, "weight_decay", spec::number_value(o.keras_weight_decay));
  for (const Clip& clip : kClips)
    if (clip.convention == c && o.*clip.at) spec::put(out, clip.key, spec::number_value(*(o.*clip.at)));
  spec::put(out, "convention", spec::text_value(std::string(convention_name(c))));
  return spec::to_string(out);
}

std::vector<OptimizerInfo> optimizer_catalog() {
  std::vector<OptimizerInfo> out;
  for (const Def& d : table()) {
    // Defaults as the canonical text writes them: each row writes one key.
    std::vector<std::optional<std::string>> defaults[2];
    for (Convention c : {kPyTorch, kKeras}) {
      spec::Spec preset{std::string(d.name), {}};
      d.write(optimizer_preset(d.name, c).hyper, c, preset);
      const int k = c == kPyTorch ? 0 : 1;
      size_t j = 0;
      for (size_t i = 0; i < d.rows.size(); ++i)
        defaults[k].push_back(d.in[i][k] ? std::optional(spec::to_string(preset.args.at(j++).second))
                                         : std::nullopt);
    }
    auto text = [](double v) { return spec::number_text(v); };
    OptimizerInfo info{std::string(d.name), std::string(d.summary), {}};
    info.params.push_back({"lr", {"learning_rate"}, text(d.lr[0]), text(d.lr[1]),
                           "base learning rate (>= 0); a schedule multiplies/replaces it per step"});
    // weight_decay: one row for PyTorch's per-optimizer parameter (if any) and
    // Keras' optimizer-wide one, listed with the optimizer-wide options.
    ParamInfo weight_decay{"weight_decay", {}, std::nullopt, text(d.keras_weight_decay),
                           "keras: decoupled p -= lr*wd*p before the update (>= 0)"};
    for (size_t i = 0; i < d.rows.size(); ++i) {
      const spec::Row& row = d.rows[i];
      if (row.key == "weight_decay") {
        weight_decay.pytorch_default = defaults[0][i];
        weight_decay.help = row.help;
      } else {
        info.params.push_back({row.key, row.aliases, defaults[0][i], defaults[1][i], row.help});
      }
    }
    info.params.push_back(std::move(weight_decay));
    for (const Clip& clip : kClips) {
      const std::optional<std::string> none = "none";
      info.params.push_back({std::string(clip.key), {}, clip.convention == kPyTorch ? none : std::nullopt,
                             clip.convention == kKeras ? none : std::nullopt, std::string(clip.help)});
    }
    info.params.push_back({"convention", {}, "pytorch", "keras",
                           "pytorch | keras: whose arithmetic and defaults"});
    out.push_back(std::move(info));
  }
  return out;
}

// ---------------------------------------------------------------------------

int state_slots(const Optimizer& opt) { return def_of_hyper(opt.hyper).slots(opt.hyper); }

template <class T>
OptimizerState<T> make_state(const Optimizer& opt, size_t n_params) {
  OptimizerState<T> s;
  s.n = n_params;
  s.arena.assign(static_cast<size_t>(state_slots(opt)) * n_params, T(0));
  if (const auto* h = std::get_if<AdagradHyper>(&opt.hyper))
    std::fill(s.arena.begin(), s.arena.end(), static_cast<T>(h->initial_accumulator_value));
  return s;
}

template OptimizerState<float> make_state<float>(const Optimizer&, size_t);
template OptimizerState<double> make_state<double>(const Optimizer&, size_t);

bool has_momentum(const Optimizer& opt) { return def_of_hyper(opt.hyper).has_momentum(opt.hyper); }

bool has_beta1(const Optimizer& opt) { return def_of_hyper(opt.hyper).has_beta1; }

}  // namespace lrb::optim
