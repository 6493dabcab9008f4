// Presets, spec parsing and validation, canonical text, catalog, state layout.
// The update kernels are in update.cpp.
#include <charconv>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "core/optim/kernel.hpp"  // adafactor_layout
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
                                       "radam", "rprop", "asgd",
                                       "lion", "lamb", "adafactor", "ftrl"};

// Optimizers that exist in one framework only (framework_optimizers.hpp):
// that framework's class, and its convention (the default; the other is refused).
struct OnlyIn {
  std::string_view name, framework_class;
  Convention convention;
};
constexpr OnlyIn kOnlyIn[] = {
    {"radam", "PyTorch 1.13 (torch.optim.RAdam)", Convention::pytorch},
    {"rprop", "PyTorch 1.13 (torch.optim.Rprop)", Convention::pytorch},
    {"asgd", "PyTorch 1.13 (torch.optim.ASGD)", Convention::pytorch},
    {"lion", "Keras 3 (keras.optimizers.Lion)", Convention::keras},
    {"lamb", "Keras 3 (keras.optimizers.Lamb)", Convention::keras},
    {"adafactor", "Keras 3 (keras.optimizers.Adafactor)", Convention::keras},
    {"ftrl", "Keras 3 (keras.optimizers.Ftrl)", Convention::keras},
};
const OnlyIn* only_in(std::string_view name) {
  for (const auto& o : kOnlyIn)
    if (o.name == name) return &o;
  return nullptr;
}
[[noreturn]] void refuse_convention(const OnlyIn& o, Convention asked) {
  throw SpecError(std::string(o.name) + ": exists only in " + std::string(o.framework_class) +
                  "; convention=" + std::string(convention_name(asked)) +
                  " is not available (use convention=" +
                  std::string(convention_name(o.convention)) + ", its default)");
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

bool available_in(std::string_view name, Convention c) {
  const OnlyIn* o = only_in(name);
  return o == nullptr || o->convention == c;
}

Optimizer optimizer_preset(std::string_view name, Convention c) {
  if (const OnlyIn* only = only_in(name); only && only->convention != c)
    refuse_convention(*only, c);
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
  } else if (name == "radam") {
    o.lr = 1e-3;
    o.hyper = RadamHyper{};
  } else if (name == "rprop") {
    o.lr = 1e-2;
    o.hyper = RpropHyper{};
  } else if (name == "asgd") {
    o.lr = 1e-2;
    o.hyper = AsgdHyper{};
  } else if (name == "lion") {
    o.lr = 1e-3;
    o.hyper = LionHyper{};
  } else if (name == "lamb") {
    o.lr = 1e-3;
    o.hyper = LambHyper{};
  } else if (name == "adafactor") {
    o.lr = 1e-3;
    o.hyper = AdafactorHyper{};
  } else if (name == "ftrl") {
    o.lr = 1e-3;
    o.hyper = FtrlHyper{};
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
  // key=[x,y]: a list of exactly 2 finite numbers.
  void pair(const std::string& key, double& x, double& y) {
    const auto v = a.numbers({key}, {x, y});
    if (v.size() != 2)
      throw SpecError(name + ": " + key + " must be a list of 2 numbers, got " +
                      std::to_string(v.size()));
    for (double e : v)
      if (std::isnan(e) || std::isinf(e)) fail(key, "finite", e);
    x = v[0];
    y = v[1];
  }
  // betas=[b1,b2] or Keras' beta_1=, beta_2=.  Lion (Keras' rule): b1 in (0, 1],
  // b2 in [0, 1]; everyone else: both in [0, 1).
  void betas(double& b1, double& b2, bool lion = false) {
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
    if (lion) {
      if (!(b1 > 0 && b1 <= 1)) fail("betas[0]", "in (0, 1]", b1);
      range("betas[1]", b2, 0, 1, false);
      return;
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
  const OnlyIn* only = only_in(s.name);
  (void)optimizer_preset(s.name, only ? only->convention : Convention::pytorch);
  Reader r{spec::ArgReader(s), s.name, Convention::pytorch};
  const std::string conv = r.a.choice(
      {"convention"}, only ? std::string(convention_name(only->convention)) : "pytorch",
      {"pytorch", "keras"});
  r.conv = conv == "keras" ? Convention::keras : Convention::pytorch;
  if (only && only->convention != r.conv) refuse_convention(*only, r.conv);
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
        } else if constexpr (std::is_same_v<H, RadamHyper>) {
          r.betas(h.beta1, h.beta2);
          h.eps = r.num({"eps", "epsilon"}, h.eps);
          h.weight_decay = r.num({"weight_decay"}, h.weight_decay);
          r.nonneg("eps", h.eps);
          r.nonneg("weight_decay", h.weight_decay);
        } else if constexpr (std::is_same_v<H, RpropHyper>) {
          r.pair("etas", h.eta_minus, h.eta_plus);
          r.pair("step_sizes", h.step_min, h.step_max);
          h.maximize = r.a.boolean({"maximize"}, h.maximize);
          if (!(0 < h.eta_minus && h.eta_minus < 1 && 1 < h.eta_plus))
            throw SpecError(n + ": etas must satisfy 0 < etas[0] < 1 < etas[1], got [" +
                            fmt_num(h.eta_minus) + "," + fmt_num(h.eta_plus) + "]");
          r.nonneg("step_sizes[0]", h.step_min);
          if (!(h.step_max >= h.step_min))
            throw SpecError(n + ": step_sizes must satisfy step_sizes[0] <= step_sizes[1], got [" +
                            fmt_num(h.step_min) + "," + fmt_num(h.step_max) + "]");
        } else if constexpr (std::is_same_v<H, AsgdHyper>) {
          h.lambd = r.num({"lambd"}, h.lambd);
          h.alpha = r.num({"alpha"}, h.alpha);
          h.t0 = r.num({"t0"}, h.t0);
          h.weight_decay = r.num({"weight_decay"}, h.weight_decay);
          h.maximize = r.a.boolean({"maximize"}, h.maximize);
          r.nonneg("lambd", h.lambd);
          r.nonneg("alpha", h.alpha);
          r.nonneg("t0", h.t0);
          r.nonneg("weight_decay", h.weight_decay);
        } else if constexpr (std::is_same_v<H, LionHyper>) {
          r.betas(h.beta1, h.beta2, /*lion=*/true);
        } else if constexpr (std::is_same_v<H, LambHyper>) {
          r.betas(h.beta1, h.beta2);
          h.eps = r.num({"eps", "epsilon"}, h.eps);
          r.nonneg("eps", h.eps);
        } else if constexpr (std::is_same_v<H, AdafactorHyper>) {
          h.beta_2_decay = r.num({"beta_2_decay"}, h.beta_2_decay);
          h.epsilon_1 = r.num({"epsilon_1"}, h.epsilon_1);
          h.epsilon_2 = r.num({"epsilon_2"}, h.epsilon_2);
          h.clip_threshold = r.num({"clip_threshold"}, h.clip_threshold);
          h.relative_step = r.a.boolean({"relative_step"}, h.relative_step);
          if (!(h.beta_2_decay <= 0)) r.fail("beta_2_decay", "<= 0", h.beta_2_decay);
          r.nonneg("epsilon_1", h.epsilon_1);
          r.nonneg("epsilon_2", h.epsilon_2);
          r.positive("clip_threshold", h.clip_threshold);
        } else if constexpr (std::is_same_v<H, FtrlHyper>) {
          h.learning_rate_power = r.num({"learning_rate_power"}, h.learning_rate_power);
          h.initial_accumulator_value =
              r.num({"initial_accumulator_value"}, h.initial_accumulator_value);
          h.l1 = r.num({"l1_regularization_strength", "l1"}, h.l1);
          h.l2 = r.num({"l2_regularization_strength", "l2"}, h.l2);
          h.l2_shrinkage =
              r.num({"l2_shrinkage_regularization_strength", "l2_shrinkage"}, h.l2_shrinkage);
          h.beta = r.num({"beta"}, h.beta);
          if (!(h.learning_rate_power <= 0))
            r.fail("learning_rate_power", "<= 0", h.learning_rate_power);
          r.nonneg("initial_accumulator_value", h.initial_accumulator_value);
          r.nonneg("l1_regularization_strength", h.l1);
          r.nonneg("l2_regularization_strength", h.l2);
          r.nonneg("l2_shrinkage_regularization_strength", h.l2_shrinkage);
          r.nonneg("beta", h.beta);
          if (!(o.lr > 0)) r.fail("lr", "> 0 (ftrl divides by it)", o.lr);
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
        } else if constexpr (std::is_same_v<H, RadamHyper>) {
          kv("betas", fmt_pair(h.beta1, h.beta2));
          kv("eps", fmt_num(h.eps));
          kv("weight_decay", fmt_num(h.weight_decay));
        } else if constexpr (std::is_same_v<H, RpropHyper>) {
          kv("etas", fmt_pair(h.eta_minus, h.eta_plus));
          kv("step_sizes", fmt_pair(h.step_min, h.step_max));
          kv("maximize", fmt_bool(h.maximize));
        } else if constexpr (std::is_same_v<H, AsgdHyper>) {
          kv("lambd", fmt_num(h.lambd));
          kv("alpha", fmt_num(h.alpha));
          kv("t0", fmt_num(h.t0));
          kv("weight_decay", fmt_num(h.weight_decay));
          kv("maximize", fmt_bool(h.maximize));
        } else if constexpr (std::is_same_v<H, LionHyper>) {
          kv("betas", fmt_pair(h.beta1, h.beta2));
        } else if constexpr (std::is_same_v<H, LambHyper>) {
          kv("betas", fmt_pair(h.beta1, h.beta2));
          kv("eps", fmt_num(h.eps));
        } else if constexpr (std::is_same_v<H, AdafactorHyper>) {
          kv("beta_2_decay", fmt_num(h.beta_2_decay));
          kv("epsilon_1", fmt_num(h.epsilon_1));
          kv("epsilon_2", fmt_num(h.epsilon_2));
          kv("clip_threshold", fmt_num(h.clip_threshold));
          kv("relative_step", fmt_bool(h.relative_step));
        } else if constexpr (std::is_same_v<H, FtrlHyper>) {
          kv("learning_rate_power", fmt_num(h.learning_rate_power));
          kv("initial_accumulator_value", fmt_num(h.initial_accumulator_value));
          kv("l1_regularization_strength", fmt_num(h.l1));
          kv("l2_regularization_strength", fmt_num(h.l2));
          kv("l2_shrinkage_regularization_strength", fmt_num(h.l2_shrinkage));
          kv("beta", fmt_num(h.beta));
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
      {"radam", "[pytorch only] RAdam: Adam with the variance rectification (SGD for 5 steps)"},
      {"rprop", "[pytorch only] Rprop: per-element step sizes grown/shrunk on sign agreement"},
      {"asgd", "[pytorch only] averaged SGD; the average ax stays in the state"},
      {"lion", "[keras only] Lion: p -= lr*sign(b1*m + (1-b1)*g), m tracks g with b2"},
      {"lamb", "[keras only] LAMB: Adam step scaled by ||p||/||step|| per tensor"},
      {"adafactor", "[keras only] Adafactor: factored second moment, RMS-clipped relative step"},
      {"ftrl", "[keras only] FTRL-Proximal with L1/L2 and shrinkage"},
  };
  std::vector<OptimizerInfo> out;
  for (const auto& e : entries) {
    // An optimizer of one framework only: the other convention's column is n/a.
    const bool has_p = available_in(e.name, Convention::pytorch),
               has_k = available_in(e.name, Convention::keras);
    const Optimizer P = optimizer_preset(e.name, has_p ? Convention::pytorch : Convention::keras);
    const Optimizer K = optimizer_preset(e.name, has_k ? Convention::keras : Convention::pytorch);
    OptimizerInfo info{std::string(e.name), std::string(e.summary), {}};
    auto add = [&](std::string name, std::vector<std::string> aliases,
                   std::optional<std::string> p, std::optional<std::string> k, std::string help) {
      if (!has_p) p.reset();
      if (!has_k) k.reset();
      if (!p && !k) return;
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
          } else if constexpr (std::is_same_v<H, RadamHyper>) {
            add("betas", {"beta_1", "beta_2"}, fmt_pair(p.beta1, p.beta2), none,
                "moment decay rates, each in [0, 1)");
            add("eps", {"epsilon"}, fmt_num(p.eps), none,
                "added to sqrt(v) (v not bias-corrected), >= 0");
            add("weight_decay", {}, fmt_num(p.weight_decay), none,
                "coupled L2 added to g (>= 0)");
          } else if constexpr (std::is_same_v<H, RpropHyper>) {
            add("etas", {}, fmt_pair(p.eta_minus, p.eta_plus), none,
                "[eta_minus, eta_plus]: step-size factors on a sign change / agreement, "
                "0 < eta_minus < 1 < eta_plus");
            add("step_sizes", {}, fmt_pair(p.step_min, p.step_max), none,
                "[min, max] of the per-element step, 0 <= min <= max; lr seeds it at step 1");
            add("maximize", {}, fmt_bool(p.maximize), none, "ascend instead of descend");
          } else if constexpr (std::is_same_v<H, AsgdHyper>) {
            add("lambd", {}, fmt_num(p.lambd), none,
                "decay term: eta_t = lr/(1 + lambd*lr*t)^alpha, p *= 1 - lambd*eta (>= 0)");
            add("alpha", {}, fmt_num(p.alpha), none, "power of the eta schedule (>= 0)");
            add("t0", {}, fmt_num(p.t0), none,
                "ax copies p up to step t0 + 2 and averages from then on (>= 0)");
            add("weight_decay", {}, fmt_num(p.weight_decay), none,
                "coupled L2 added to g (>= 0)");
            add("maximize", {}, fmt_bool(p.maximize), none, "ascend instead of descend");
          } else if constexpr (std::is_same_v<H, LionHyper>) {
            add("betas", {"beta_1", "beta_2"}, none, fmt_pair(k.beta1, k.beta2),
                "b1 blends m and g for the sign, in (0, 1]; b2 decays m, in [0, 1]");
          } else if constexpr (std::is_same_v<H, LambHyper>) {
            add("betas", {"beta_1", "beta_2"}, none, fmt_pair(k.beta1, k.beta2),
                "moment decay rates, each in [0, 1)");
            add("eps", {"epsilon"}, none, fmt_num(k.eps),
                "added to sqrt(v_hat), >= 0");
          } else if constexpr (std::is_same_v<H, AdafactorHyper>) {
            add("beta_2_decay", {}, none, fmt_num(k.beta_2_decay),
                "second-moment decay 1 - t^beta_2_decay, <= 0");
            add("epsilon_1", {}, none, fmt_num(k.epsilon_1), "added to g^2, >= 0");
            add("epsilon_2", {}, none, fmt_num(k.epsilon_2),
                "floor of RMS(p) in the relative step, >= 0");
            add("clip_threshold", {}, none, fmt_num(k.clip_threshold),
                "update clipping: u / max(1, RMS(u)/clip_threshold), > 0");
            add("relative_step", {}, none, fmt_bool(k.relative_step),
                "lr -> min(lr, 1/sqrt(t)) (Keras applies it either way)");
          } else if constexpr (std::is_same_v<H, FtrlHyper>) {
            add("learning_rate_power", {}, none, fmt_num(k.learning_rate_power),
                "power of the accumulator in the per-element LR, <= 0");
            add("initial_accumulator_value", {}, none, fmt_num(k.initial_accumulator_value),
                "start of the sum of squares n, >= 0");
            add("l1_regularization_strength", {"l1"}, none, fmt_num(k.l1), "L1, >= 0");
            add("l2_regularization_strength", {"l2"}, none, fmt_num(k.l2),
                "L2 (the paper's lambda2 / 2), >= 0");
            add("l2_shrinkage_regularization_strength", {"l2_shrinkage"}, none,
                fmt_num(k.l2_shrinkage), "L2 penalty added to the gradient, >= 0");
            add("beta", {}, none, fmt_num(k.beta), "the paper's beta, >= 0");
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
        else if constexpr (std::is_same_v<H, AsgdHyper> || std::is_same_v<H, LionHyper> ||
                           std::is_same_v<H, AdafactorHyper>)
          return 1;
        else return 2;  // nadam, adamax, adadelta, adam_tutorial000, radam, rprop, lamb, ftrl
      },
      opt.hyper);
}

size_t state_size(const Optimizer& opt, size_t n_params, std::span<const size_t> tensor_offsets,
                  std::span<const FactorDims> factor_dims) {
  if (std::holds_alternative<AdafactorHyper>(opt.hyper))
    return detail::adafactor_layout(n_params, tensor_offsets, factor_dims,
                                    [](auto&&...) {});
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
  if (std::holds_alternative<AdafactorHyper>(opt.hyper))
    s.layout = detail::layout_fingerprint(tensor_offsets, factor_dims);
  if (const auto* h = std::get_if<FtrlHyper>(&opt.hyper))  // slot 0: the accumulator n
    std::fill(s.arena.begin(), s.arena.begin() + static_cast<ptrdiff_t>(n_params),
              static_cast<T>(h->initial_accumulator_value));
  return s;
}

template OptimizerState<float> make_state<float>(const Optimizer&, size_t,
                                                 std::span<const size_t>,
                                                 std::span<const FactorDims>);
template OptimizerState<double> make_state<double>(const Optimizer&, size_t,
                                                   std::span<const size_t>,
                                                   std::span<const FactorDims>);

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
         std::holds_alternative<RadamHyper>(opt.hyper) ||
         std::holds_alternative<LionHyper>(opt.hyper) ||
         std::holds_alternative<LambHyper>(opt.hyper);
}

}  // namespace lrb::optim
