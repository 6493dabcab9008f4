// Presets, spec parsing and validation, canonical text, catalog, state layout.
// The update kernels are in update.cpp.
#include <charconv>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "core/optim/kernel_lr_free.hpp"
#include "core/optim/optim.hpp"

namespace lrb::optim {

using spec::SpecError;

std::string_view convention_name(Convention c) {
  return c == Convention::pytorch ? "pytorch" : "keras";
}

namespace {

constexpr std::string_view kNames[] = {"gd",      "sgd",  "ema_momentum", "rmsprop",
                                       "rmsprop_tutorial001", "adagrad", "adam", "adamw",
                                       "nadam",   "adamax", "adadelta", "adam_tutorial000",
                                       "sgd_schedule_free", "adamw_schedule_free", "d_adapt_adam",
                                       "d_adapt_sgd", "prodigy"};

// The schedule-free and LR-free optimizers exist only as their authors'
// PyTorch code (lr_free_optimizers.hpp): convention=pytorch only.
bool pytorch_only(std::string_view name) {
  return name == "sgd_schedule_free" || name == "adamw_schedule_free" || name == "d_adapt_adam" ||
         name == "d_adapt_sgd" || name == "prodigy";
}

std::string fmt_num(double x) {
  // Shortest text that reads back to the same double.
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, x);
  return std::string(buf, r.ptr);
}
std::string fmt_bool(bool b) { return b ? "true" : "false"; }
std::string fmt_pair(double a, double b) { return "[" + fmt_num(a) + "," + fmt_num(b) + "]"; }

std::string known_names() {
  std::string s;
  for (auto n : kNames) s += (s.empty() ? "" : ", ") + std::string(n);
  return s;
}

}  // namespace

Optimizer optimizer_preset(std::string_view name, Convention c) {
  const bool pt = c == Convention::pytorch;
  Optimizer o;
  o.name = std::string(name);
  o.convention = c;
  if (name == "gd") {
    o.lr = pt ? 1e-3 : 0.01;
    o.hyper = GdHyper{};
  } else if (name == "sgd") {
    o.lr = pt ? 1e-3 : 0.01;
    o.hyper = SgdHyper{};
  } else if (name == "ema_momentum") {
    o.lr = 0.01;
    o.hyper = EmaMomentumHyper{.beta = 0.9};
  } else if (name == "rmsprop") {
    o.lr = pt ? 1e-2 : 1e-3;
    o.hyper = RmspropHyper{.alpha = pt ? 0.99 : 0.9, .eps = pt ? 1e-8 : 1e-7};
  } else if (name == "rmsprop_tutorial001") {
    o.lr = 1e-3;
    o.hyper = RmspropTutorial001Hyper{.rho = 0.9, .eps = 1e-7};
  } else if (name == "adagrad") {
    o.lr = pt ? 1e-2 : 1e-3;
    o.hyper = AdagradHyper{.initial_accumulator_value = pt ? 0.0 : 0.1,
                           .eps = pt ? 1e-10 : 1e-7};
  } else if (name == "adam") {
    o.lr = 1e-3;
    o.hyper = AdamHyper{.eps = pt ? 1e-8 : 1e-7};
  } else if (name == "adamw") {
    o.lr = 1e-3;
    o.hyper = AdamHyper{.eps = pt ? 1e-8 : 1e-7, .decoupled_weight_decay = pt ? 1e-2 : 0.0};
    if (!pt) o.keras_weight_decay = 0.004;
  } else if (name == "nadam") {
    o.lr = pt ? 2e-3 : 1e-3;
    o.hyper = NadamHyper{.eps = pt ? 1e-8 : 1e-7};
  } else if (name == "adamax") {
    o.lr = pt ? 2e-3 : 1e-3;
    o.hyper = AdamaxHyper{.eps = pt ? 1e-8 : 1e-7};
  } else if (name == "adadelta") {
    o.lr = pt ? 1.0 : 1e-3;
    o.hyper = AdadeltaHyper{.rho = pt ? 0.9 : 0.95, .eps = pt ? 1e-6 : 1e-7};
  } else if (name == "adam_tutorial000") {
    o.lr = 1e-3;
    o.hyper = AdamTutorial000Hyper{};
  } else if (name == "sgd_schedule_free") {
    o.lr = 1.0;
    o.hyper = SgdScheduleFreeHyper{};
  } else if (name == "adamw_schedule_free") {
    o.lr = 0.0025;
    o.hyper = AdamwScheduleFreeHyper{};
  } else if (name == "d_adapt_adam") {
    o.lr = 1.0;
    o.hyper = DAdaptAdamHyper{};
  } else if (name == "d_adapt_sgd") {
    o.lr = 1.0;
    o.hyper = DAdaptSgdHyper{};
  } else if (name == "prodigy") {
    o.lr = 1.0;
    o.hyper = ProdigyHyper{};
  } else {
    throw SpecError("unknown optimizer '" + std::string(name) + "' (valid: " + known_names() +
                    ")");
  }
  return o;
}

// ---------------------------------------------------------------------------
// Parsing.  Each optimizer reads exactly the keys its convention has, so
// ArgReader::finish() rejects the rest; keys that exist only in the other
// convention get a sentence saying so first.

namespace {

struct Reader {
  spec::ArgReader a;
  std::string name;
  Convention conv;
  bool pt() const { return conv == Convention::pytorch; }

  [[noreturn]] void fail(const std::string& key, const std::string& rule, double v) const {
    throw SpecError(name + ": " + key + " must be " + rule + ", got " + fmt_num(v));
  }
  double num(std::initializer_list<std::string_view> keys, double def) {
    const double v = a.number(keys, def);
    if (std::isnan(v) || std::isinf(v)) fail(std::string(*keys.begin()), "finite", v);
    return v;
  }
  // lo <= v (<= or <) hi
  void range(const std::string& key, double v, double lo, double hi, bool hi_open) const {
    const bool ok = v >= lo && (hi_open ? v < hi : v <= hi);
    if (!ok)
      fail(key,
           "in [" + fmt_num(lo) + ", " + fmt_num(hi) + (hi_open ? ")" : "]"), v);
  }
  void nonneg(const std::string& key, double v) const {
    if (!(v >= 0)) fail(key, ">= 0", v);
  }
  void positive(const std::string& key, double v) const {
    if (!(v > 0)) fail(key, "> 0", v);
  }
  // betas=[b1,b2] or Keras' beta_1=, beta_2=.
  void betas(double& b1, double& b2) {
    const bool list = a.has({"betas"});
    if (list && a.has({"beta_1", "beta_2"}))
      throw SpecError(name + ": give betas=[b1,b2] or beta_1/beta_2, not both");
    const auto v = a.numbers({"betas"}, {b1, b2});  // also lists `betas` as a valid key
    if (list) {
      if (v.size() != 2)
        throw SpecError(name + ": betas must be a list of 2 numbers, got " +
                        std::to_string(v.size()));
      b1 = v[0];
      b2 = v[1];
    } else {
      b1 = num({"beta_1"}, b1);
      b2 = num({"beta_2"}, b2);
    }
    range("betas[0]", b1, 0, 1, true);
    range("betas[1]", b2, 0, 1, true);
  }
  void other_convention_keys(std::initializer_list<std::string_view> keys) const {
    for (auto k : keys)
      if (a.has({k}))
        throw SpecError(name + ": " + std::string(k) + " is a " +
                        (pt() ? "Keras" : "PyTorch") + " option, not available with convention=" +
                        std::string(convention_name(conv)));
  }
};

}  // namespace

Optimizer optimizer_from_spec(const spec::Spec& s) {
  // Validate the name before reading anything.
  (void)optimizer_preset(s.name, Convention::pytorch);
  Reader r{spec::ArgReader(s), s.name, Convention::pytorch};
  const std::string conv = r.a.choice({"convention"}, "pytorch", {"pytorch", "keras"});
  r.conv = conv == "keras" ? Convention::keras : Convention::pytorch;
  if (!r.pt() && pytorch_only(s.name))
    throw SpecError(s.name + ": convention=keras is not available (the method exists as its "
                    "authors' PyTorch code only; use convention=pytorch)");
  Optimizer o = optimizer_preset(s.name, r.conv);
  const bool pt = r.pt();
  const std::string& n = s.name;

  o.lr = r.num({"lr", "learning_rate"}, o.lr);
  r.nonneg("lr", o.lr);

  // Keys of the other convention (checked before finish() for a clearer message).
  if (pt)
    r.other_convention_keys({"clipnorm", "clipvalue", "global_clipnorm"});
  else
    r.other_convention_keys({"clip_grad_norm", "clip_grad_value", "maximize", "dampening",
                             "lr_decay", "momentum_decay"});

  // Convention-wide options.
  if (pt) {
    if (auto v = r.a.number({"clip_grad_norm"})) {
      r.positive("clip_grad_norm", *v);
      if (std::isinf(*v)) r.fail("clip_grad_norm", "finite", *v);
      o.clip_grad_norm = *v;
    }
    if (auto v = r.a.number({"clip_grad_value"})) {
      r.positive("clip_grad_value", *v);
      if (std::isinf(*v)) r.fail("clip_grad_value", "finite", *v);
      o.clip_grad_value = *v;
    }
    if (o.clip_grad_norm && o.clip_grad_value)
      throw SpecError(n + ": give one of clip_grad_norm and clip_grad_value, not both");
  } else {
    o.keras_weight_decay = r.num({"weight_decay"}, o.keras_weight_decay);
    r.nonneg("weight_decay", o.keras_weight_decay);
    int set = 0;
    for (auto [key, dst] : {std::pair{"clipnorm", &o.clipnorm},
                            std::pair{"clipvalue", &o.clipvalue},
                            std::pair{"global_clipnorm", &o.global_clipnorm}}) {
      if (auto v = r.a.number({key})) {
        r.positive(key, *v);
        if (std::isinf(*v)) r.fail(key, "finite", *v);
        *dst = *v;
        ++set;
      }
    }
    if (set > 1)
      throw SpecError(n + ": only one of clipnorm, clipvalue and global_clipnorm can be set");
  }

  std::visit(
      [&](auto& h) {
        using H = std::decay_t<decltype(h)>;
        if constexpr (std::is_same_v<H, GdHyper>) {
        } else if constexpr (std::is_same_v<H, SgdHyper>) {
          h.momentum = r.num({"momentum"}, h.momentum);
          h.nesterov = r.a.boolean({"nesterov"}, h.nesterov);
          if (pt) {
            h.dampening = r.num({"dampening"}, h.dampening);
            h.weight_decay = r.num({"weight_decay"}, h.weight_decay);
            h.maximize = r.a.boolean({"maximize"}, h.maximize);
            r.nonneg("momentum", h.momentum);
            r.range("dampening", h.dampening, 0, 1, false);
            r.nonneg("weight_decay", h.weight_decay);
          } else {
            r.range("momentum", h.momentum, 0, 1, false);
          }
          if (h.nesterov && (h.momentum <= 0 || h.dampening != 0))
            throw SpecError(n + ": nesterov requires momentum > 0 and dampening = 0, got momentum=" +
                            fmt_num(h.momentum) + ", dampening=" + fmt_num(h.dampening));
        } else if constexpr (std::is_same_v<H, EmaMomentumHyper>) {
          h.beta = r.num({"beta", "momentum"}, h.beta);
          r.range("beta", h.beta, 0, 1, true);
        } else if constexpr (std::is_same_v<H, RmspropHyper>) {
          h.alpha = r.num({"alpha", "rho"}, h.alpha);
          h.eps = r.num({"eps", "epsilon"}, h.eps);
          h.momentum = r.num({"momentum"}, h.momentum);
          h.centered = r.a.boolean({"centered"}, h.centered);
          if (pt) {
            h.weight_decay = r.num({"weight_decay"}, h.weight_decay);
            h.maximize = r.a.boolean({"maximize"}, h.maximize);
            r.nonneg("weight_decay", h.weight_decay);
          }
          r.range(pt ? "alpha" : "rho", h.alpha, 0, 1, false);
          r.nonneg("eps", h.eps);
          r.nonneg("momentum", h.momentum);
        } else if constexpr (std::is_same_v<H, RmspropTutorial001Hyper>) {
          h.rho = r.num({"rho", "alpha"}, h.rho);
          h.eps = r.num({"eps", "epsilon"}, h.eps);
          r.range("rho", h.rho, 0, 1, false);
          r.nonneg("eps", h.eps);
        } else if constexpr (std::is_same_v<H, AdagradHyper>) {
          h.initial_accumulator_value =
              r.num({"initial_accumulator_value"}, h.initial_accumulator_value);
          h.eps = r.num({"eps", "epsilon"}, h.eps);
          if (pt) {
            h.lr_decay = r.num({"lr_decay"}, h.lr_decay);
            h.weight_decay = r.num({"weight_decay"}, h.weight_decay);
            h.maximize = r.a.boolean({"maximize"}, h.maximize);
            r.nonneg("lr_decay", h.lr_decay);
            r.nonneg("weight_decay", h.weight_decay);
          }
          r.nonneg("initial_accumulator_value", h.initial_accumulator_value);
          r.nonneg("eps", h.eps);
        } else if constexpr (std::is_same_v<H, AdamHyper>) {
          r.betas(h.beta1, h.beta2);
          h.eps = r.num({"eps", "epsilon"}, h.eps);
          h.amsgrad = r.a.boolean({"amsgrad"}, h.amsgrad);
          if (pt) {
            double& wd = n == "adamw" ? h.decoupled_weight_decay : h.weight_decay;
            wd = r.num({"weight_decay"}, wd);
            h.maximize = r.a.boolean({"maximize"}, h.maximize);
            r.nonneg("weight_decay", wd);
          }
          r.nonneg("eps", h.eps);
        } else if constexpr (std::is_same_v<H, NadamHyper>) {
          r.betas(h.beta1, h.beta2);
          h.eps = r.num({"eps", "epsilon"}, h.eps);
          if (pt) {
            h.weight_decay = r.num({"weight_decay"}, h.weight_decay);
            h.momentum_decay = r.num({"momentum_decay"}, h.momentum_decay);
            r.nonneg("weight_decay", h.weight_decay);
            r.nonneg("momentum_decay", h.momentum_decay);
          }
          r.nonneg("eps", h.eps);
        } else if constexpr (std::is_same_v<H, AdamaxHyper>) {
          r.betas(h.beta1, h.beta2);
          h.eps = r.num({"eps", "epsilon"}, h.eps);
          if (pt) {
            h.weight_decay = r.num({"weight_decay"}, h.weight_decay);
            h.maximize = r.a.boolean({"maximize"}, h.maximize);
            r.nonneg("weight_decay", h.weight_decay);
          }
          r.nonneg("eps", h.eps);
        } else if constexpr (std::is_same_v<H, AdadeltaHyper>) {
          h.rho = r.num({"rho"}, h.rho);
          h.eps = r.num({"eps", "epsilon"}, h.eps);
          if (pt) {
            h.weight_decay = r.num({"weight_decay"}, h.weight_decay);
            h.maximize = r.a.boolean({"maximize"}, h.maximize);
            r.nonneg("weight_decay", h.weight_decay);
          }
          r.range("rho", h.rho, 0, 1, false);
          r.nonneg("eps", h.eps);
        } else if constexpr (std::is_same_v<H, AdamTutorial000Hyper>) {
          r.betas(h.beta1, h.beta2);
          h.eps = r.num({"eps", "epsilon"}, h.eps);
          r.nonneg("eps", h.eps);
        } else if constexpr (std::is_same_v<H, SgdScheduleFreeHyper> ||
                             std::is_same_v<H, AdamwScheduleFreeHyper>) {
          if constexpr (std::is_same_v<H, SgdScheduleFreeHyper>) {
            h.momentum = r.num({"momentum"}, h.momentum);
            if (!(h.momentum > 0 && h.momentum < 1)) r.fail("momentum", "in (0, 1)", h.momentum);
          } else {
            r.betas(h.beta1, h.beta2);
            if (!(h.beta1 > 0)) r.fail("betas[0]", "in (0, 1)", h.beta1);
            h.eps = r.num({"eps", "epsilon"}, h.eps);
            r.nonneg("eps", h.eps);
          }
          h.weight_decay = r.num({"weight_decay"}, h.weight_decay);
          r.nonneg("weight_decay", h.weight_decay);
          h.warmup_steps = r.a.integer({"warmup_steps"}, h.warmup_steps);
          if (h.warmup_steps < 0)
            r.fail("warmup_steps", ">= 0", static_cast<double>(h.warmup_steps));
          h.r = r.num({"r"}, h.r);
          r.nonneg("r", h.r);
          h.weight_lr_power = r.num({"weight_lr_power"}, h.weight_lr_power);
          r.nonneg("weight_lr_power", h.weight_lr_power);
        } else if constexpr (std::is_same_v<H, DAdaptSgdHyper>) {
          h.momentum = r.num({"momentum"}, h.momentum);
          r.range("momentum", h.momentum, 0, 1, true);
          h.weight_decay = r.num({"weight_decay"}, h.weight_decay);
          r.nonneg("weight_decay", h.weight_decay);
          h.d0 = r.num({"d0"}, h.d0);
          r.positive("d0", h.d0);
          h.growth_rate = r.a.number({"growth_rate"}, h.growth_rate);
          if (!(h.growth_rate >= 1)) r.fail("growth_rate", ">= 1 (inf: unbounded)", h.growth_rate);
        } else if constexpr (std::is_same_v<H, DAdaptAdamHyper> ||
                             std::is_same_v<H, ProdigyHyper>) {
          r.betas(h.beta1, h.beta2);
          if constexpr (std::is_same_v<H, ProdigyHyper>) {
            // beta3=none (the default): sqrt(beta2), as the code's None.
            const std::string b3 = r.a.text({"beta3"}, "none");
            if (b3 != "none") {
              const auto v = spec::to_double(b3);
              if (!v)
                throw SpecError(n + ": beta3 must be a number in [0, 1) or none, got '" + b3 + "'");
              r.range("beta3", *v, 0, 1, true);
              h.beta3 = *v;
            }
          }
          h.eps = r.num({"eps", "epsilon"}, h.eps);
          r.positive("eps", h.eps);
          h.weight_decay = r.num({"weight_decay"}, h.weight_decay);
          r.nonneg("weight_decay", h.weight_decay);
          h.decouple = r.a.boolean({"decouple"}, h.decouple);
          h.use_bias_correction = r.a.boolean({"use_bias_correction"}, h.use_bias_correction);
          if constexpr (std::is_same_v<H, ProdigyHyper>) {
            h.safeguard_warmup = r.a.boolean({"safeguard_warmup"}, h.safeguard_warmup);
            h.d_coef = r.num({"d_coef"}, h.d_coef);
            r.positive("d_coef", h.d_coef);
          }
          h.d0 = r.num({"d0"}, h.d0);
          r.positive("d0", h.d0);
          h.growth_rate = r.a.number({"growth_rate"}, h.growth_rate);
          if (!(h.growth_rate >= 1)) r.fail("growth_rate", ">= 1 (inf: unbounded)", h.growth_rate);
        }
      },
      o.hyper);

  if (n == "adamw" && !pt && !(o.keras_weight_decay >= 0))
    throw SpecError("adamw: weight_decay must be a number >= 0");
  r.a.finish();
  return o;
}

// ---------------------------------------------------------------------------

std::string to_spec_string(const Optimizer& o) {
  const bool pt = o.convention == Convention::pytorch;
  std::string s = o.name + ":lr=" + fmt_num(o.lr);
  auto kv = [&](std::string_view k, const std::string& v) {
    s += ",";
    s += k;
    s += "=";
    s += v;
  };
  std::visit(
      [&](const auto& h) {
        using H = std::decay_t<decltype(h)>;
        if constexpr (std::is_same_v<H, SgdHyper>) {
          kv("momentum", fmt_num(h.momentum));
          if (pt) kv("dampening", fmt_num(h.dampening));
          kv("nesterov", fmt_bool(h.nesterov));
          if (pt) kv("weight_decay", fmt_num(h.weight_decay));
          if (pt) kv("maximize", fmt_bool(h.maximize));
        } else if constexpr (std::is_same_v<H, EmaMomentumHyper>) {
          kv("beta", fmt_num(h.beta));
        } else if constexpr (std::is_same_v<H, RmspropHyper>) {
          kv(pt ? "alpha" : "rho", fmt_num(h.alpha));
          kv("eps", fmt_num(h.eps));
          kv("momentum", fmt_num(h.momentum));
          kv("centered", fmt_bool(h.centered));
          if (pt) kv("weight_decay", fmt_num(h.weight_decay));
          if (pt) kv("maximize", fmt_bool(h.maximize));
        } else if constexpr (std::is_same_v<H, RmspropTutorial001Hyper>) {
          kv("rho", fmt_num(h.rho));
          kv("eps", fmt_num(h.eps));
        } else if constexpr (std::is_same_v<H, AdagradHyper>) {
          if (pt) kv("lr_decay", fmt_num(h.lr_decay));
          kv("initial_accumulator_value", fmt_num(h.initial_accumulator_value));
          kv("eps", fmt_num(h.eps));
          if (pt) kv("weight_decay", fmt_num(h.weight_decay));
          if (pt) kv("maximize", fmt_bool(h.maximize));
        } else if constexpr (std::is_same_v<H, AdamHyper>) {
          kv("betas", fmt_pair(h.beta1, h.beta2));
          kv("eps", fmt_num(h.eps));
          if (pt)
            kv("weight_decay",
               fmt_num(o.name == "adamw" ? h.decoupled_weight_decay : h.weight_decay));
          kv("amsgrad", fmt_bool(h.amsgrad));
          if (pt) kv("maximize", fmt_bool(h.maximize));
        } else if constexpr (std::is_same_v<H, NadamHyper>) {
          kv("betas", fmt_pair(h.beta1, h.beta2));
          kv("eps", fmt_num(h.eps));
          if (pt) kv("weight_decay", fmt_num(h.weight_decay));
          if (pt) kv("momentum_decay", fmt_num(h.momentum_decay));
        } else if constexpr (std::is_same_v<H, AdamaxHyper>) {
          kv("betas", fmt_pair(h.beta1, h.beta2));
          kv("eps", fmt_num(h.eps));
          if (pt) kv("weight_decay", fmt_num(h.weight_decay));
          if (pt) kv("maximize", fmt_bool(h.maximize));
        } else if constexpr (std::is_same_v<H, AdadeltaHyper>) {
          kv("rho", fmt_num(h.rho));
          kv("eps", fmt_num(h.eps));
          if (pt) kv("weight_decay", fmt_num(h.weight_decay));
          if (pt) kv("maximize", fmt_bool(h.maximize));
        } else if constexpr (std::is_same_v<H, AdamTutorial000Hyper>) {
          kv("betas", fmt_pair(h.beta1, h.beta2));
          kv("eps", fmt_num(h.eps));
        } else if constexpr (std::is_same_v<H, SgdScheduleFreeHyper> ||
                             std::is_same_v<H, AdamwScheduleFreeHyper>) {
          if constexpr (std::is_same_v<H, SgdScheduleFreeHyper>) {
            kv("momentum", fmt_num(h.momentum));
          } else {
            kv("betas", fmt_pair(h.beta1, h.beta2));
            kv("eps", fmt_num(h.eps));
          }
          kv("weight_decay", fmt_num(h.weight_decay));
          kv("warmup_steps", std::to_string(h.warmup_steps));
          kv("r", fmt_num(h.r));
          kv("weight_lr_power", fmt_num(h.weight_lr_power));
        } else if constexpr (std::is_same_v<H, DAdaptSgdHyper>) {
          kv("momentum", fmt_num(h.momentum));
          kv("weight_decay", fmt_num(h.weight_decay));
          kv("d0", fmt_num(h.d0));
          kv("growth_rate", fmt_num(h.growth_rate));
        } else if constexpr (std::is_same_v<H, DAdaptAdamHyper> ||
                             std::is_same_v<H, ProdigyHyper>) {
          kv("betas", fmt_pair(h.beta1, h.beta2));
          if constexpr (std::is_same_v<H, ProdigyHyper>)
            kv("beta3", h.beta3 ? fmt_num(*h.beta3) : std::string("none"));
          kv("eps", fmt_num(h.eps));
          kv("weight_decay", fmt_num(h.weight_decay));
          kv("decouple", fmt_bool(h.decouple));
          kv("use_bias_correction", fmt_bool(h.use_bias_correction));
          if constexpr (std::is_same_v<H, ProdigyHyper>) {
            kv("safeguard_warmup", fmt_bool(h.safeguard_warmup));
            kv("d_coef", fmt_num(h.d_coef));
          }
          kv("d0", fmt_num(h.d0));
          kv("growth_rate", fmt_num(h.growth_rate));
        }
      },
      o.hyper);
  if (pt) {
    if (o.clip_grad_norm) kv("clip_grad_norm", fmt_num(*o.clip_grad_norm));
    if (o.clip_grad_value) kv("clip_grad_value", fmt_num(*o.clip_grad_value));
  } else {
    kv("weight_decay", fmt_num(o.keras_weight_decay));
    if (o.clipnorm) kv("clipnorm", fmt_num(*o.clipnorm));
    if (o.clipvalue) kv("clipvalue", fmt_num(*o.clipvalue));
    if (o.global_clipnorm) kv("global_clipnorm", fmt_num(*o.global_clipnorm));
  }
  kv("convention", std::string(convention_name(o.convention)));
  return s;
}

// ---------------------------------------------------------------------------
// Catalog: defaults are formatted from the presets, so the numbers live once.

std::vector<OptimizerInfo> optimizer_catalog() {
  struct Entry {
    std::string_view name, summary;
  };
  static constexpr Entry entries[] = {
      {"gd", "plain gradient descent p -= lr*g (tutorials 000, 002)"},
      {"sgd", "SGD with momentum; PyTorch: LR outside the buffer, Keras: inside"},
      {"ema_momentum", "tutorial 000's EMA momentum v = b*v + (1-b)*g, p -= lr*v"},
      {"rmsprop", "RMSprop; PyTorch: eps outside the root, Keras: inside"},
      {"rmsprop_tutorial001", "tutorial 001's RMSprop as printed: p -= lr/sqrt(v+eps), no gradient"},
      {"adagrad", "Adagrad; Keras starts the accumulator at 0.1 with eps inside the root"},
      {"adam", "Adam; PyTorch eps (Algorithm 1) vs Keras eps-hat"},
      {"adamw", "Adam with decoupled weight decay (PyTorch wd 1e-2, Keras 0.004)"},
      {"nadam", "NAdam (PyTorch 1.13 with momentum_decay; Keras 0.96^t schedule)"},
      {"adamax", "Adamax (infinity-norm Adam)"},
      {"adadelta", "Adadelta"},
      {"adam_tutorial000", "tutorial 000's Adam as printed: no bias correction"},
      {"sgd_schedule_free", "Schedule-Free SGD (Defazio et al. 2024): gradients at y, "
                            "evaluate at the average x"},
      {"adamw_schedule_free", "Schedule-Free AdamW (Defazio et al. 2024, Algorithm 1; "
                              "schedulefree 1.4.1)"},
      {"d_adapt_adam", "Adam with D-Adaptation (Defazio & Mishchenko 2023): LR = lr * d, d "
                       "estimated"},
      {"d_adapt_sgd", "SGD with D-Adaptation (Defazio & Mishchenko 2023)"},
      {"prodigy", "Prodigy (Mishchenko & Defazio 2024): Adam with d estimated from x0 - x"},
  };
  std::vector<OptimizerInfo> out;
  for (const auto& e : entries) {
    const Optimizer P = optimizer_preset(e.name, Convention::pytorch);
    const Optimizer K = optimizer_preset(e.name, Convention::keras);
    OptimizerInfo info{std::string(e.name), std::string(e.summary), {}};
    auto add = [&](std::string name, std::vector<std::string> aliases,
                   std::optional<std::string> p, std::optional<std::string> k, std::string help) {
      info.params.push_back({std::move(name), std::move(aliases), std::move(p), std::move(k),
                             std::move(help)});
    };
    const std::optional<std::string> none;
    add("lr", {"learning_rate"}, fmt_num(P.lr), fmt_num(K.lr),
        "base learning rate (>= 0); a schedule multiplies/replaces it per step");
    std::visit(
        [&](const auto& p) {
          using H = std::decay_t<decltype(p)>;
          const H& k = std::get<H>(K.hyper);
          if constexpr (std::is_same_v<H, SgdHyper>) {
            add("momentum", {}, fmt_num(p.momentum), fmt_num(k.momentum),
                "momentum factor (>= 0; keras <= 1); 0 = plain SGD");
            add("dampening", {}, fmt_num(p.dampening), none,
                "dampening of the buffer update, in [0, 1] (not on the first step)");
            add("nesterov", {}, fmt_bool(p.nesterov), fmt_bool(k.nesterov),
                "Nesterov momentum (needs momentum > 0, dampening 0)");
            add("weight_decay", {}, fmt_num(p.weight_decay), fmt_num(K.keras_weight_decay),
                "pytorch: coupled L2 added to g; keras: decoupled p -= lr*wd*p (>= 0)");
            add("maximize", {}, fmt_bool(p.maximize), none, "ascend instead of descend");
          } else if constexpr (std::is_same_v<H, EmaMomentumHyper>) {
            add("beta", {"momentum"}, fmt_num(p.beta), fmt_num(k.beta),
                "EMA factor of the gradient average, in [0, 1)");
          } else if constexpr (std::is_same_v<H, RmspropHyper>) {
            add("alpha", {"rho"}, fmt_num(p.alpha), fmt_num(k.alpha),
                "decay of the squared-gradient average, in [0, 1]");
            add("eps", {"epsilon"}, fmt_num(p.eps), fmt_num(k.eps),
                "added to sqrt(v) (pytorch) or to v under the root (keras), >= 0");
            add("momentum", {}, fmt_num(p.momentum), fmt_num(k.momentum), "momentum factor (>= 0)");
            add("centered", {}, fmt_bool(p.centered), fmt_bool(k.centered),
                "normalise by the variance estimate v - avg(g)^2");
          } else if constexpr (std::is_same_v<H, RmspropTutorial001Hyper>) {
            add("rho", {"alpha"}, fmt_num(p.rho), fmt_num(k.rho),
                "decay of the squared-gradient average, in [0, 1]");
            add("eps", {"epsilon"}, fmt_num(p.eps), fmt_num(k.eps), "under the root, >= 0");
          } else if constexpr (std::is_same_v<H, AdagradHyper>) {
            add("lr_decay", {}, fmt_num(p.lr_decay), none,
                "inverse-time decay lr/(1+(t-1)*lr_decay), >= 0");
            add("initial_accumulator_value", {}, fmt_num(p.initial_accumulator_value),
                fmt_num(k.initial_accumulator_value), "start of the sum of squares, >= 0");
            add("eps", {"epsilon"}, fmt_num(p.eps), fmt_num(k.eps),
                "added to sqrt(S) (pytorch) or to S under the root (keras), >= 0");
          } else if constexpr (std::is_same_v<H, AdamHyper>) {
            add("betas", {"beta_1", "beta_2"},
                fmt_pair(p.beta1, p.beta2), fmt_pair(k.beta1, k.beta2),
                "moment decay rates, each in [0, 1)");
            add("eps", {"epsilon"}, fmt_num(p.eps), fmt_num(k.eps),
                "pytorch: added to sqrt(v_hat); keras: eps-hat added to sqrt(v), >= 0");
            add("amsgrad", {}, fmt_bool(p.amsgrad), fmt_bool(k.amsgrad),
                "use the running max of v");
            add("maximize", {}, fmt_bool(p.maximize), none, "ascend instead of descend");
          } else if constexpr (std::is_same_v<H, NadamHyper>) {
            add("betas", {"beta_1", "beta_2"},
                fmt_pair(p.beta1, p.beta2), fmt_pair(k.beta1, k.beta2),
                "moment decay rates, each in [0, 1)");
            add("eps", {"epsilon"}, fmt_num(p.eps), fmt_num(k.eps), "added to sqrt(v_hat), >= 0");
            add("momentum_decay", {}, fmt_num(p.momentum_decay), none,
                "psi in mu_t = b1*(1 - 0.5*0.96^(t*psi)), >= 0");
          } else if constexpr (std::is_same_v<H, AdamaxHyper>) {
            add("betas", {"beta_1", "beta_2"},
                fmt_pair(p.beta1, p.beta2), fmt_pair(k.beta1, k.beta2),
                "decay rates of m and of the infinity norm, each in [0, 1)");
            add("eps", {"epsilon"}, fmt_num(p.eps), fmt_num(k.eps),
                "pytorch: inside the max with |g|; keras: added after it, >= 0");
            add("maximize", {}, fmt_bool(p.maximize), none, "ascend instead of descend");
          } else if constexpr (std::is_same_v<H, AdadeltaHyper>) {
            add("rho", {}, fmt_num(p.rho), fmt_num(k.rho), "decay of both averages, in [0, 1]");
            add("eps", {"epsilon"}, fmt_num(p.eps), fmt_num(k.eps), "under both roots, >= 0");
            add("maximize", {}, fmt_bool(p.maximize), none, "ascend instead of descend");
          } else if constexpr (std::is_same_v<H, AdamTutorial000Hyper>) {
            add("betas", {"beta_1", "beta_2"},
                fmt_pair(p.beta1, p.beta2), fmt_pair(k.beta1, k.beta2),
                "moment decay rates, each in [0, 1)");
            add("eps", {"epsilon"}, fmt_num(p.eps), fmt_num(k.eps), "added to sqrt(v), >= 0");
          } else if constexpr (std::is_same_v<H, SgdScheduleFreeHyper> ||
                               std::is_same_v<H, AdamwScheduleFreeHyper>) {
            if constexpr (std::is_same_v<H, SgdScheduleFreeHyper>) {
              add("momentum", {}, fmt_num(p.momentum), none,
                  "interpolation b: gradients at y = (1-b) z + b x, in (0, 1)");
            } else {
              add("betas", {"beta_1", "beta_2"}, fmt_pair(p.beta1, p.beta2), none,
                  "interpolation b1 in (0, 1) (not a gradient EMA); decay of v in [0, 1)");
              add("eps", {"epsilon"}, fmt_num(p.eps), none,
                  "added to sqrt(v / (1 - b2^t)), >= 0");
            }
            add("weight_decay", {}, fmt_num(p.weight_decay), none,
                "added at y to the (normalised) gradient, >= 0");
            add("warmup_steps", {}, std::to_string(p.warmup_steps), none,
                "linear LR warmup over this many steps, integer >= 0");
            add("r", {}, fmt_num(p.r), none, "averaging weight (t)^r * lr_max^power: r >= 0");
            add("weight_lr_power", {}, fmt_num(p.weight_lr_power), none,
                "power of the running max LR in the averaging weight, >= 0");
          } else if constexpr (std::is_same_v<H, DAdaptSgdHyper>) {
            add("momentum", {}, fmt_num(p.momentum), none,
                "averaging p = m p + (1-m) (x0 - s), in [0, 1)");
            add("weight_decay", {}, fmt_num(p.weight_decay), none, "coupled L2 added to g, >= 0");
            add("d0", {}, fmt_num(p.d0), none, "initial estimate of D, > 0");
            add("growth_rate", {}, fmt_num(p.growth_rate), none,
                "d grows at most by this factor per step, >= 1 (inf: unbounded)");
          } else if constexpr (std::is_same_v<H, DAdaptAdamHyper> ||
                               std::is_same_v<H, ProdigyHyper>) {
            add("betas", {"beta_1", "beta_2"}, fmt_pair(p.beta1, p.beta2), none,
                "moment decay rates, each in [0, 1)");
            if constexpr (std::is_same_v<H, ProdigyHyper>)
              add("beta3", {}, std::string("none"), none,
                  "decay of s and of the numerator, in [0, 1); none: sqrt(beta2)");
            add("eps", {"epsilon"}, fmt_num(p.eps), none,
                std::is_same_v<H, ProdigyHyper> ? "d * eps added to sqrt(v), > 0"
                                                : "added to sqrt(v), > 0");
            add("weight_decay", {}, fmt_num(p.weight_decay), none,
                "coupled L2 added to g, or decoupled p -= wd*dlr*p (decouple), >= 0");
            add("decouple", {}, fmt_bool(p.decouple), none, "AdamW-style decoupled weight decay");
            add("use_bias_correction", {}, fmt_bool(p.use_bias_correction), none,
                "multiply the step by Adam's sqrt(1 - b2^t) / (1 - b1^t)");
            if constexpr (std::is_same_v<H, ProdigyHyper>) {
              add("safeguard_warmup", {}, fmt_bool(p.safeguard_warmup), none,
                  "leave lr out of the s update (for warmup schedules)");
              add("d_coef", {}, fmt_num(p.d_coef), none, "multiplies the estimate d_hat, > 0");
            }
            add("d0", {}, fmt_num(p.d0), none, "initial estimate of D, > 0");
            add("growth_rate", {}, fmt_num(p.growth_rate), none,
                "d grows at most by this factor per step, >= 1 (inf: unbounded)");
          }
        },
        P.hyper);
    // weight_decay: per-optimizer (pytorch) and optimizer-wide (keras).
    const bool has_wd_row = [&] {
      for (const auto& p : info.params)
        if (p.name == "weight_decay") return true;
      return false;
    }();
    if (!has_wd_row) {
      std::optional<std::string> pwd;
      std::string help = "keras: decoupled p -= lr*wd*p before the update (>= 0)";
      std::visit(
          [&](const auto& p) {
            using H = std::decay_t<decltype(p)>;
            if constexpr (std::is_same_v<H, AdamHyper>) {
              pwd = fmt_num(e.name == "adamw" ? p.decoupled_weight_decay : p.weight_decay);
              help = e.name == "adamw"
                         ? "decoupled: pytorch p *= 1 - lr*wd; keras p -= lr*wd*p (>= 0)"
                         : "pytorch: coupled L2 added to g; keras: decoupled p -= lr*wd*p (>= 0)";
            } else if constexpr (requires { p.weight_decay; }) {
              pwd = fmt_num(p.weight_decay);
              help = "pytorch: coupled L2 added to g; keras: decoupled p -= lr*wd*p (>= 0)";
            }
          },
          P.hyper);
      add("weight_decay", {}, pwd, fmt_num(K.keras_weight_decay), help);
    }
    add("clip_grad_norm", {}, std::string("none"), none,
        "torch.nn.utils.clip_grad_norm_(max_norm) over all tensors, > 0");
    add("clip_grad_value", {}, std::string("none"), none,
        "torch.nn.utils.clip_grad_value_, > 0");
    add("clipnorm", {}, none, std::string("none"), "per-tensor gradient norm clip, > 0");
    add("clipvalue", {}, none, std::string("none"), "elementwise gradient clip, > 0");
    add("global_clipnorm", {}, none, std::string("none"),
        "clip the norm over all tensors, > 0 (one of the three keras clips at most)");
    add("convention", {}, std::string("pytorch"), std::string("keras"),
        "pytorch | keras: whose arithmetic and defaults");
    if (pytorch_only(e.name)) {  // no Keras column at all
      for (auto& p : info.params) p.keras_default.reset();
      info.params.back().help = "pytorch only (the authors' code is PyTorch)";
    }
    out.push_back(std::move(info));
  }
  return out;
}

// ---------------------------------------------------------------------------

int state_slots(const Optimizer& opt) {
  return std::visit(
      [&](const auto& h) -> int {
        using H = std::decay_t<decltype(h)>;
        if constexpr (std::is_same_v<H, GdHyper>) return 0;
        else if constexpr (std::is_same_v<H, SgdHyper>) return h.momentum != 0 ? 1 : 0;
        else if constexpr (std::is_same_v<H, EmaMomentumHyper>) return 1;
        else if constexpr (std::is_same_v<H, RmspropHyper>)
          return 1 + (h.momentum > 0 ? 1 : 0) + (h.centered ? 1 : 0);
        else if constexpr (std::is_same_v<H, RmspropTutorial001Hyper>) return 1;
        else if constexpr (std::is_same_v<H, AdagradHyper>) return 1;
        else if constexpr (std::is_same_v<H, AdamHyper>) return h.amsgrad ? 3 : 2;
        else if constexpr (std::is_same_v<H, SgdScheduleFreeHyper>) return 1;      // z
        else if constexpr (std::is_same_v<H, DAdaptAdamHyper>) return 3;           // s, m, v
        else if constexpr (std::is_same_v<H, ProdigyHyper>) return h.beta1 > 0 ? 4 : 3;  // s, p0, v[, m]
        else return 2;  // nadam, adamax, adadelta, adam_tutorial000, adamw_schedule_free (z, v),
                        // d_adapt_sgd (s, x0)
      },
      opt.hyper);
}

template <class T>
OptimizerState<T> make_state(const Optimizer& opt, size_t n_params) {
  OptimizerState<T> s;
  s.n = n_params;
  s.arena.assign(static_cast<size_t>(state_slots(opt)) * n_params, T(0));
  if (const auto* h = std::get_if<AdagradHyper>(&opt.hyper))
    std::fill(s.arena.begin(), s.arena.end(), static_cast<T>(h->initial_accumulator_value));
  s.lr_free = detail::initial_lr_free_state(opt);
  return s;
}

template OptimizerState<float> make_state<float>(const Optimizer&, size_t);
template OptimizerState<double> make_state<double>(const Optimizer&, size_t);

bool has_momentum(const Optimizer& opt) {
  if (const auto* h = std::get_if<SgdHyper>(&opt.hyper)) return h->momentum != 0;
  if (const auto* h = std::get_if<RmspropHyper>(&opt.hyper)) return h->momentum > 0;
  return std::holds_alternative<EmaMomentumHyper>(opt.hyper);
}

bool has_beta1(const Optimizer& opt) {
  return std::holds_alternative<AdamHyper>(opt.hyper) ||
         std::holds_alternative<NadamHyper>(opt.hyper) ||
         std::holds_alternative<AdamaxHyper>(opt.hyper) ||
         std::holds_alternative<AdamTutorial000Hyper>(opt.hyper) ||
         std::holds_alternative<DAdaptAdamHyper>(opt.hyper) ||
         (std::holds_alternative<ProdigyHyper>(opt.hyper) &&
          std::get<ProdigyHyper>(opt.hyper).beta1 > 0);
}

}  // namespace lrb::optim
