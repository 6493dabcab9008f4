// The optimizer table: one entry per optimizer (name, summary, default LR
// per convention, each hyperparameter with its key, aliases, defaults per
// convention, valid range and help, the rules that tie parameters together,
// the state it keeps).  Presets, spec parsing and validation, canonical text
// and `lrbench list` are all derived from it; the math is in optim.hpp and
// framework_optimizers.hpp, the kernels in update.cpp and
// update_framework.cpp.  A new optimizer is its Hyper struct, one entry in
// table() and its kernel.
#include <array>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/optim/kernel_lr_free.hpp"
#include "core/optim/kernel.hpp"  // adafactor_layout, layout_fingerprint
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
// betas=[b1,b2], or Keras' beta_1=, beta_2=; (0.9, 0.999) and each in [0, 1)
// unless the optimizer's rule says otherwise (Lion's).
constexpr Range kBetasRange = spec::closed_open(0, 1);
struct BetasRule {
  std::array<double, 2> def = {0.9, 0.999};
  Range beta1 = kBetasRange, beta2 = kBetasRange;
};
template <class H>
Param<H> betas(std::string_view help, BetasRule rule = {}) {
  const std::string def_text =
      "[" + spec::number_text(rule.def[0]) + "," + spec::number_text(rule.def[1]) + "]";
  const Field<H> f = spec::field<H>(
      Key{"betas", {"beta_1", "beta_2"}}, def_text, spec::help_text(help, rule.beta1),
      [rule](spec::Reader& r, H& h) {
        const bool list = r.a.has({"betas"});
        if (list && r.a.has({"beta_1", "beta_2"}))
          throw SpecError(r.name + ": give betas=[b1,b2] or beta_1/beta_2, not both");
        const auto v = r.a.numbers({"betas"}, {rule.def[0], rule.def[1]});
        if (list && v.size() != 2)
          throw SpecError(r.name + ": betas must be a list of 2 numbers, got " +
                          std::to_string(v.size()));
        h.beta1 = list ? v[0] : r.a.number({"beta_1"}, rule.def[0]);
        h.beta2 = list ? v[1] : r.a.number({"beta_2"}, rule.def[1]);
        spec::check(r.name, "betas[0]", h.beta1, rule.beta1);
        spec::check(r.name, "betas[1]", h.beta2, rule.beta2);
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

// D-Adaptation's and Prodigy's cap on d's growth per step: inf (the code's
// float('inf'), unbounded) is a valid value, unlike for other numbers.
template <class H>
Param<H> growth_rate() {
  return {spec::field<H>(
              "growth_rate", "inf",
              "d grows at most by this factor per step, >= 1 (inf: unbounded)",
              [](spec::Reader& r, H& h) {
                const double v = r.a.number({"growth_rate"}, INFINITY);
                if (!(v >= 1))
                  throw SpecError(r.name + ": growth_rate must be >= 1 (inf: unbounded), got " +
                                  spec::number_text(v));
                h.growth_rate = v;
              },
              [](const H& h, spec::Spec& out) {
                spec::put(out, "growth_rate", spec::number_value(h.growth_rate));
              }),
          std::nullopt};
}
// Rows of the schedule-free optimizers (convention=pytorch only).
template <class H>
std::vector<Param<H>> schedule_free_rows(std::vector<Param<H>> first) {
  using spec::at_least;
  first.push_back(num(&H::weight_decay, "weight_decay", "0", na, at_least(0),
                      "added at y to the (normalised) gradient, {range}"));
  first.push_back({spec::integer(&H::warmup_steps, "warmup_steps", "0", at_least(0),
                                 "linear LR warmup over this many steps, integer {range}"),
                   std::nullopt});
  first.push_back(num(&H::r, "r", "0", na, at_least(0),
                      "averaging weight t^r * lr_max^weight_lr_power: r {range}"));
  first.push_back(num(&H::weight_lr_power, "weight_lr_power", "2", na, at_least(0),
                      "power of the running max LR in the averaging weight, {range}"));
  return first;
}
// ---- Newer framework optimizers' rows (Rprop's pairs).

// key=[x,y] into two members, each finite; the rules between them are the
// optimizer's check.
template <class H>
Param<H> pair(double H::*x, double H::*y, std::string_view key, std::array<double, 2> def,
              std::string_view def_text, std::string_view help) {
  const Field<H> f = spec::field<H>(
      key, def_text, help,
      [=](spec::Reader& r, H& h) {
        const auto v = r.a.numbers({key}, {def[0], def[1]});
        if (v.size() != 2)
          throw SpecError(r.name + ": " + std::string(key) + " must be a list of 2 numbers, got " +
                          std::to_string(v.size()));
        for (size_t i = 0; i < 2; ++i)
          spec::check(r.name, std::string(key) + "[" + std::to_string(i) + "]", v[i], spec::any());
        h.*x = v[0];
        h.*y = v[1];
      },
      [=](const H& h, spec::Spec& out) {
        spec::put(out, key, spec::list_value({spec::number_value(h.*x), spec::number_value(h.*y)}));
      });
  return {f, f};
}
// Lion's betas (Keras' rule): beta_1 in (0, 1] -- 0 would be sign SGD --,
// beta_2 in [0, 1]; (0.9, 0.99).
const BetasRule kLionBetas = {{0.9, 0.99}, spec::open_closed(0, 1), spec::closed(0, 1)};
constexpr Range at_most(double hi) { return {.hi = hi}; }

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
  std::function<bool(const Hyper&)> has_beta1;          // a beta1 a schedule can drive
  // An optimizer of one framework only (lr_free_optimizers.hpp,
  // framework_optimizers.hpp): its
  // convention, the default; the other is refused naming `framework_class`.
  std::optional<Convention> only;
  std::string_view framework_class;
  spec::Range lr_range = spec::at_least(0);
  std::string_view lr_note;  // why lr_range, if not the usual one
};

// Marks d as existing in convention c only: its rows are absent from the other.
Def only_in(Convention c, std::string_view framework_class, Def d) {
  d.only = c;
  d.framework_class = framework_class;
  for (auto& in : d.in) in[c == kPyTorch ? 1 : 0] = false;
  return d;
}

[[noreturn]] void refuse_convention(const Def& d, Convention asked) {
  throw SpecError(std::string(d.name) + ": exists only in " + std::string(d.framework_class) +
                  "; convention=" + std::string(convention_name(asked)) +
                  " is not available (use convention=" +
                  std::string(convention_name(*d.only)) + ", its default)");
}

// has_beta1: nullptr = every H with a beta1 member.
template <class H>
Def def(std::string_view name, std::string_view summary, std::array<double, 2> lr,
        std::vector<Param<H>> params,
        int (*slots)(const H&), bool (*has_momentum)(const H&) = nullptr,
        void (*check)(const std::string&, const H&) = nullptr, double keras_weight_decay = 0,
        bool (*has_beta1)(const H&) = nullptr) {
  Def d{name, summary, lr, keras_weight_decay, H{}, nullptr, nullptr, {}, {}, nullptr, nullptr,
        nullptr, std::nullopt, {}, spec::at_least(0), {}};
  d.has_beta1 = [has_beta1](const Hyper& h) {
    if (has_beta1) return has_beta1(std::get<H>(h));
    return requires(H x) { x.beta1; };
  };
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
      // ---- LR-free and schedule-free optimizers: the authors' PyTorch code
      // (lr_free_optimizers.hpp), no Keras form; defaults as schedulefree 1.4.1,
      // dadaptation 3.2 and prodigyopt 1.1.2 set them.
      only_in(kPyTorch, "the authors' PyTorch code, schedulefree 1.4.1 (SGDScheduleFree)",
          def<SgdScheduleFreeHyper>(
              "sgd_schedule_free",
              "[pytorch only] Schedule-Free SGD (Defazio et al. 2024): gradients at y, "
              "evaluated at the average x",
              {1.0, 1.0},
              schedule_free_rows<SgdScheduleFreeHyper>(
                  {num(&SgdScheduleFreeHyper::momentum, "momentum", "0.9", na, spec::open(0, 1),
                       "interpolation b: gradients at y = (1-b) z + b x, {range}")}),
              [](const SgdScheduleFreeHyper&) { return 1; })),  // z
      only_in(kPyTorch, "the authors' PyTorch code, schedulefree 1.4.1 (AdamWScheduleFree)",
          def<AdamwScheduleFreeHyper>(
              "adamw_schedule_free",
              "[pytorch only] Schedule-Free AdamW (Defazio et al. 2024, Algorithm 1; "
              "schedulefree 1.4.1)",
              {0.0025, 0.0025},
              schedule_free_rows<AdamwScheduleFreeHyper>(
                  {betas<AdamwScheduleFreeHyper>(
                       "interpolation b1 (not a gradient EMA; > 0) and the decay of v, "
                       "each {range}"),
                   num(&AdamwScheduleFreeHyper::eps, Key{"eps", {"epsilon"}}, "1e-8", na,
                       at_least(0),
                       "added to sqrt(v / (1 - b2^t)), {range}")}),
              [](const AdamwScheduleFreeHyper&) { return 2; },  // z, v
              nullptr,
              [](const std::string& n, const AdamwScheduleFreeHyper& h) {
                // x = lerp(y, z, 1 - 1/b1) needs b1 > 0.
                spec::check(n, "betas[0]", h.beta1, spec::open(0, 1));
              },
              0, [](const AdamwScheduleFreeHyper&) { return false; })),  // b1 is not cycled
      only_in(kPyTorch, "the authors' PyTorch code, dadaptation 3.2 (DAdaptAdam)",
          def<DAdaptAdamHyper>(
              "d_adapt_adam",
              "[pytorch only] Adam with D-Adaptation (Defazio & Mishchenko 2023): step lr * d, "
              "d estimated",
              {1.0, 1.0},
              {betas<DAdaptAdamHyper>(kBetasHelp),
               num(&DAdaptAdamHyper::eps, Key{"eps", {"epsilon"}}, "1e-8", na, spec::above(0),
                   "added to sqrt(v), {range}"),
               num(&DAdaptAdamHyper::weight_decay, "weight_decay", "0", na, at_least(0),
                   "coupled L2 added to g, or decoupled p -= wd*dlr*p (decouple), {range}"),
               flag(&DAdaptAdamHyper::decouple, "decouple", "false", na,
                    "AdamW-style decoupled weight decay"),
               flag(&DAdaptAdamHyper::use_bias_correction, "use_bias_correction", "false", na,
                    "multiply the step by Adam's sqrt(1 - b2^t) / (1 - b1^t)"),
               num(&DAdaptAdamHyper::d0, "d0", "1e-6", na, spec::above(0),
                   "initial estimate of D, {range}"),
               growth_rate<DAdaptAdamHyper>()},
              [](const DAdaptAdamHyper&) { return 3; })),  // s, m, v
      only_in(kPyTorch, "the authors' PyTorch code, dadaptation 3.2 (DAdaptSGD)",
          def<DAdaptSgdHyper>(
              "d_adapt_sgd", "[pytorch only] SGD with D-Adaptation (Defazio & Mishchenko 2023)",
              {1.0, 1.0},
              {num(&DAdaptSgdHyper::momentum, "momentum", "0", na, closed_open(0, 1),
                   "averaging p = m p + (1-m) (x0 - s), {range}"),
               num(&DAdaptSgdHyper::weight_decay, "weight_decay", "0", na, at_least(0),
                   "coupled L2 added to g, {range}"),
               num(&DAdaptSgdHyper::d0, "d0", "1e-6", na, spec::above(0),
                   "initial estimate of D, {range}"),
               growth_rate<DAdaptSgdHyper>()},
              [](const DAdaptSgdHyper&) { return 2; })),  // s, x0
      only_in(kPyTorch, "the authors' PyTorch code, prodigyopt 1.1.2 (Prodigy)",
          def<ProdigyHyper>(
              "prodigy",
              "[pytorch only] Prodigy (Mishchenko & Defazio 2024): Adam with d estimated from "
              "x0 - x",
              {1.0, 1.0},
              {betas<ProdigyHyper>(kBetasHelp),
               {spec::number_or_none(&ProdigyHyper::beta3, "beta3", closed_open(0, 1),
                                     "decay of s and of the numerator, {range}; None: sqrt(beta2)"),
                std::nullopt},
               num(&ProdigyHyper::eps, Key{"eps", {"epsilon"}}, "1e-8", na, spec::above(0),
                   "d * eps added to sqrt(v), {range}"),
               num(&ProdigyHyper::weight_decay, "weight_decay", "0", na, at_least(0),
                   "decoupled p -= wd*dlr*p, or coupled L2 added to g (decouple=false), {range}"),
               flag(&ProdigyHyper::decouple, "decouple", "true", na,
                    "AdamW-style decoupled weight decay"),
               flag(&ProdigyHyper::use_bias_correction, "use_bias_correction", "false", na,
                    "multiply the step by Adam's sqrt(1 - b2^t) / (1 - b1^t)"),
               flag(&ProdigyHyper::safeguard_warmup, "safeguard_warmup", "false", na,
                    "leave lr out of the s update (for warmup schedules)"),
               num(&ProdigyHyper::d_coef, "d_coef", "1", na, spec::above(0),
                   "multiplies the estimate d_hat, {range}"),
               num(&ProdigyHyper::d0, "d0", "1e-6", na, spec::above(0),
                   "initial estimate of D, {range}"),
               growth_rate<ProdigyHyper>()},
              [](const ProdigyHyper& h) { return h.beta1 > 0 ? 4 : 3; },  // s, p0, v[, m]
              nullptr, nullptr, 0,
              [](const ProdigyHyper& h) { return h.beta1 > 0; })),  // no m to drive at b1 = 0
      // ---- end of the LR-free and schedule-free optimizers.
      // ---- Newer framework optimizers: one framework each (framework_optimizers.hpp).
      only_in(kPyTorch, "PyTorch 1.13 (torch.optim.RAdam)",
              def<RadamHyper>(
                  "radam",
                  "[pytorch only] RAdam: Adam with the variance rectification (SGD for 5 steps)",
                  {1e-3, 1e-3},
                  {betas<RadamHyper>(kBetasHelp),
                   eps<RadamHyper>("1e-8", na, "added to sqrt(v) (v not bias-corrected), {range}"),
                   num(&RadamHyper::weight_decay, "weight_decay", "0", na, at_least(0),
                       "coupled L2 added to g ({range})")},
                  [](const RadamHyper&) { return 2; })),
      only_in(kPyTorch, "PyTorch 1.13 (torch.optim.Rprop)",
              def<RpropHyper>(
                  "rprop",
                  "[pytorch only] Rprop: per-element step sizes grown/shrunk on sign agreement",
                  {1e-2, 1e-2},
                  {pair(&RpropHyper::eta_minus, &RpropHyper::eta_plus, "etas", {0.5, 1.2},
                        "[0.5,1.2]",
                        "[eta_minus, eta_plus]: step-size factors on a sign change / agreement, "
                        "0 < eta_minus < 1 < eta_plus"),
                   pair(&RpropHyper::step_min, &RpropHyper::step_max, "step_sizes", {1e-6, 50.0},
                        "[1e-06,50]",
                        "[min, max] of the per-element step, 0 <= min <= max; lr seeds it at "
                        "step 1, later LRs are ignored"),
                   maximize<RpropHyper>()},
                  [](const RpropHyper&) { return 2; }, nullptr,
                  [](const std::string& n, const RpropHyper& h) {
                    if (!(0 < h.eta_minus && h.eta_minus < 1 && 1 < h.eta_plus))
                      throw SpecError(n + ": etas must satisfy 0 < etas[0] < 1 < etas[1], got [" +
                                      spec::number_text(h.eta_minus) + "," +
                                      spec::number_text(h.eta_plus) + "]");
                    spec::check(n, "step_sizes[0]", h.step_min, at_least(0));
                    if (!(h.step_max >= h.step_min))
                      throw SpecError(n + ": step_sizes must satisfy step_sizes[0] <= "
                                          "step_sizes[1], got [" +
                                      spec::number_text(h.step_min) + "," +
                                      spec::number_text(h.step_max) + "]");
                  })),
      only_in(kPyTorch, "PyTorch 1.13 (torch.optim.ASGD)",
              def<AsgdHyper>(
                  "asgd", "[pytorch only] averaged SGD; the average ax stays in the state",
                  {1e-2, 1e-2},
                  {num(&AsgdHyper::lambd, "lambd", "1e-4", na, at_least(0),
                       "decay term: eta_t = lr/(1 + lambd*lr*t)^alpha, p *= 1 - lambd*eta "
                       "({range})"),
                   num(&AsgdHyper::alpha, "alpha", "0.75", na, at_least(0),
                       "power of the eta schedule ({range})"),
                   num(&AsgdHyper::t0, "t0", "1e6", na, at_least(0),
                       "ax copies p up to step t0 + 2 and averages from then on ({range})"),
                   num(&AsgdHyper::weight_decay, "weight_decay", "0", na, at_least(0),
                       "coupled L2 added to g ({range})"),
                   maximize<AsgdHyper>()},
                  [](const AsgdHyper&) { return 1; })),
      only_in(kKeras, "Keras 3 (keras.optimizers.Lion)",
              def<LionHyper>(
                  "lion", "[keras only] Lion: p -= lr*sign(b1*m + (1-b1)*g), m tracks g with b2",
                  {1e-3, 1e-3},
                  {betas<LionHyper>("beta_1 blends m and g for the sign, " +
                                        kLionBetas.beta1.text() + "; beta_2 decays m, " +
                                        kLionBetas.beta2.text(),
                                    kLionBetas)},
                  [](const LionHyper&) { return 1; })),
      only_in(kKeras, "Keras 3 (keras.optimizers.Lamb)",
              def<LambHyper>(
                  "lamb", "[keras only] LAMB: Adam step scaled by ||p||/||step|| per tensor",
                  {1e-3, 1e-3},
                  {betas<LambHyper>(kBetasHelp),
                   eps<LambHyper>(na, "1e-7", "added to sqrt(v_hat), {range}")},
                  [](const LambHyper&) { return 2; })),
      only_in(kKeras, "Keras 3 (keras.optimizers.Adafactor)",
              def<AdafactorHyper>(
                  "adafactor",
                  "[keras only] Adafactor: factored second moment, RMS-clipped relative step",
                  {1e-3, 1e-3},
                  {num(&AdafactorHyper::beta_2_decay, "beta_2_decay", na, "-0.8", at_most(0),
                       "second-moment decay 1 - t^beta_2_decay, {range}"),
                   num(&AdafactorHyper::epsilon_1, "epsilon_1", na, "1e-30", at_least(0),
                       "added to g^2, {range}"),
                   num(&AdafactorHyper::epsilon_2, "epsilon_2", na, "1e-3", at_least(0),
                       "floor of RMS(p) in the relative step, {range}"),
                   num(&AdafactorHyper::clip_threshold, "clip_threshold", na, "1", spec::above(0),
                       "update clipping u / max(1, RMS(u)/clip_threshold), {range}"),
                   flag(&AdafactorHyper::relative_step, "relative_step", na, "true",
                        "lr -> min(lr, 1/sqrt(t)) (Keras applies it either way)")},
                  // 1 slot at most; the real size is state_size's.
                  [](const AdafactorHyper&) { return 1; })),
      [] {
        Def d = only_in(
            kKeras, "Keras 3 (keras.optimizers.Ftrl)",
            def<FtrlHyper>(
                "ftrl", "[keras only] FTRL-Proximal with L1/L2 and shrinkage", {1e-3, 1e-3},
                {num(&FtrlHyper::learning_rate_power, "learning_rate_power", na, "-0.5",
                     at_most(0), "power of the accumulator in the per-element LR, {range}"),
                 num(&FtrlHyper::initial_accumulator_value, "initial_accumulator_value", na,
                     "0.1", at_least(0), "start of the sum of squares n, {range}"),
                 num(&FtrlHyper::l1, Key{"l1_regularization_strength", {"l1"}}, na, "0",
                     at_least(0), "L1, {range}"),
                 num(&FtrlHyper::l2, Key{"l2_regularization_strength", {"l2"}}, na, "0",
                     at_least(0), "L2 (the paper's lambda2 / 2), {range}"),
                 num(&FtrlHyper::l2_shrinkage,
                     Key{"l2_shrinkage_regularization_strength", {"l2_shrinkage"}}, na, "0",
                     at_least(0), "L2 penalty added to the gradient, {range}"),
                 num(&FtrlHyper::beta, "beta", na, "0", at_least(0), "the paper's beta, {range}")},
                [](const FtrlHyper&) { return 2; }));
        d.lr_range = spec::above(0);
        d.lr_note = " (ftrl divides by it)";
        return d;
      }(),
      // ---- end of the newer framework optimizers.
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
  names.push_back("chain");  // chain.hpp: not a table entry
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
  if (d.only && *d.only != c) refuse_convention(d, c);
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
  if (s.name == "chain") return chain_optimizer_from_spec(s);
  const Def& d = def_of(s.name);  // the name first, before any key
  spec::Reader r(s);
  spec::ArgReader& a = r.a;
  const std::string fallback(convention_name(d.only.value_or(kPyTorch)));
  const Convention c =
      a.choice({"convention"}, fallback, {"pytorch", "keras"}) == "keras" ? kKeras : kPyTorch;
  if (d.only && *d.only != c) refuse_convention(d, c);
  Optimizer o = optimizer_preset(s.name, c);
  o.lr = a.number({"lr", "learning_rate"}, o.lr);
  spec::check(s.name, "lr", o.lr, d.lr_range, d.lr_note);
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
  if (std::holds_alternative<ChainHyper>(o.hyper)) return chain_to_spec_string(o);
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
      if (d.only && *d.only != c) {  // refused there: every row n/a
        defaults[c == kPyTorch ? 0 : 1].assign(d.rows.size(), std::nullopt);
        continue;
      }
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
                           "base learning rate (" + d.lr_range.text() +
                               "); a schedule multiplies/replaces it per step"});
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
    if (d.only) {  // one framework only: the other convention's column is n/a
      std::vector<ParamInfo> kept;
      for (auto& p : info.params) {
        (*d.only == kPyTorch ? p.keras_default : p.pytorch_default).reset();
        if (p.pytorch_default || p.keras_default) kept.push_back(std::move(p));
      }
      info.params = std::move(kept);
    }
    out.push_back(std::move(info));
  }
  return out;
}

// ---------------------------------------------------------------------------

int state_slots(const Optimizer& opt) {
  if (const auto* h = std::get_if<ChainHyper>(&opt.hyper)) return chain_slots(*h);
  return def_of_hyper(opt.hyper).slots(opt.hyper);
}

size_t state_size(const Optimizer& opt, size_t n_params, std::span<const size_t> tensor_offsets,
                  std::span<const FactorDims> factor_dims) {
  if (std::holds_alternative<AdafactorHyper>(opt.hyper))
    return detail::adafactor_layout(n_params, tensor_offsets, factor_dims, [](auto&&...) {});
  return static_cast<size_t>(state_slots(opt)) * n_params;
}

template <class T>
OptimizerState<T> make_state(const Optimizer& opt, size_t n_params,
                             std::span<const size_t> tensor_offsets,
                             std::span<const FactorDims> factor_dims) {
  OptimizerState<T> s;
  s.n = n_params;
  s.arena.assign(state_size(opt, n_params, tensor_offsets, factor_dims), T(0));
  if (const auto* h = std::get_if<AdagradHyper>(&opt.hyper))
    std::fill(s.arena.begin(), s.arena.end(), static_cast<T>(h->initial_accumulator_value));
  s.lr_free = detail::initial_lr_free_state(opt);
  if (std::holds_alternative<AdafactorHyper>(opt.hyper))
    s.layout = detail::layout_fingerprint(tensor_offsets, factor_dims);
  if (const auto* h = std::get_if<FtrlHyper>(&opt.hyper))  // slot 0: the accumulator n
    std::fill(s.arena.begin(), s.arena.begin() + static_cast<ptrdiff_t>(n_params),
              static_cast<T>(h->initial_accumulator_value));
  if (const auto* h = std::get_if<ChainHyper>(&opt.hyper)) {
    // scale_by_rms' v and scale_by_rss' S start at their initial values.
    size_t slot = 1;  // after the scratch u
    for (const ChainTransform& t : h->transforms) {
      if (t.kind == TransformKind::scale_by_rms || t.kind == TransformKind::scale_by_rss)
        std::fill_n(s.arena.begin() + static_cast<ptrdiff_t>(slot * n_params), n_params,
                    static_cast<T>(t.initial));
      slot += static_cast<size_t>(transform_slots(t));
    }
  }
  return s;
}

template OptimizerState<float> make_state<float>(const Optimizer&, size_t,
                                                 std::span<const size_t>,
                                                 std::span<const FactorDims>);
template OptimizerState<double> make_state<double>(const Optimizer&, size_t,
                                                   std::span<const size_t>,
                                                   std::span<const FactorDims>);

// A chain's momentum and betas are its transforms' own: no schedule cycles them.
bool has_momentum(const Optimizer& opt) {
  return !std::holds_alternative<ChainHyper>(opt.hyper) &&
         def_of_hyper(opt.hyper).has_momentum(opt.hyper);
}

bool has_beta1(const Optimizer& opt) {
  return !std::holds_alternative<ChainHyper>(opt.hyper) &&
         def_of_hyper(opt.hyper).has_beta1(opt.hyper);
}

}  // namespace lrb::optim
