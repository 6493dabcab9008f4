// Spec -> Schedule (with validation), Schedule -> canonical spec, catalog.
// The formulas and every parameter's range are documented in schedule.hpp.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <functional>
#include <map>
#include <string>

#include "core/schedules/schedule.hpp"

namespace lrb::sched {
namespace {

using spec::ArgReader;
using spec::SpecError;

// Shortest text that parses back to the same double ("0.1", "1e-06").
std::string num(double v) {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
  (void)ec;
  return std::string(buf, p);
}

[[noreturn]] void bad(const std::string& sched, const std::string& param, const std::string& must,
                      const std::string& got) {
  throw SpecError(sched + ": " + param + " must be " + must + ", got " + got);
}

// ---- typed + validated reads -------------------------------------------------
struct Reader {
  ArgReader a;
  const spec::Spec& sp;
  std::string name;

  explicit Reader(const spec::Spec& s) : a(s), sp(s), name(s.name) {}

  double required_number(std::initializer_list<std::string_view> keys) {
    auto v = a.number(keys);
    if (!v) throw SpecError(name + ": " + std::string(*keys.begin()) + " is required");
    return *v;
  }
  int64_t required_integer(std::initializer_list<std::string_view> keys) {
    auto v = a.integer(keys);
    if (!v) throw SpecError(name + ": " + std::string(*keys.begin()) + " is required");
    return *v;
  }
  // Checks: finite always; then the predicate.
  double check(std::string_view key, double v, bool ok, const std::string& must) {
    if (!std::isfinite(v) || !ok) bad(name, std::string(key), must, num(v));
    return v;
  }
  int64_t check_int(std::string_view key, int64_t v, bool ok, const std::string& must) {
    if (!ok) bad(name, std::string(key), must, std::to_string(v));
    return v;
  }
  // One nested schedule under `key`: `key=[name(k=v)]` or `key=name`.
  std::optional<spec::Spec> one_spec(std::string_view key) {
    const spec::Value* raw = nullptr;
    for (const auto& kv : sp.args)
      if (kv.first == key) raw = &kv.second;
    if (!raw) return std::nullopt;
    if (raw->kind == spec::Value::Kind::scalar) {
      std::string t = a.text({key}, "");
      return spec::Spec{t, {}};
    }
    auto v = a.specs({key});
    if (v.size() != 1)
      bad(name, std::string(key), "exactly one schedule like [cosine_decay(decay_steps=100)]",
          std::to_string(v.size()) + " schedules");
    return v.front();
  }
};

bool in_chainable_set(const Schedule& s) {
  return std::visit(
      [](const auto& x) -> bool {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, CosineAnnealingLR>) return x.eta_min == 0.0;
        return std::is_same_v<T, Constant> || std::is_same_v<T, ConstantLR> ||
               std::is_same_v<T, LinearLR> || std::is_same_v<T, StepLR> ||
               std::is_same_v<T, MultiStepLR> || std::is_same_v<T, ExponentialLR> ||
               std::is_same_v<T, MultiplicativeLR> || std::is_same_v<T, PolynomialLR>;
      },
      s.v);
}

Schedule child_of(Reader& r, const spec::Spec& child, double base_lr, std::string_view key) {
  Schedule c = schedule_from_spec(child, base_lr);
  if (needs_metric(c))
    bad(r.name, std::string(key), "schedules that are functions of the step",
        "'" + child.name + "' (it needs the metric history and cannot be composed)");
  return c;
}

using Builder = std::function<Schedule(Reader&, double)>;

const std::map<std::string, Builder, std::less<>>& builders() {
  static const std::map<std::string, Builder, std::less<>> m = {
      // ---------------- PyTorch ----------------
      {"constant", [](Reader&, double lr) { return Schedule{Constant{lr}}; }},
      {"constant_lr",
       [](Reader& r, double lr) {
         double f = r.a.number({"factor"}, 1.0 / 3.0);
         r.check("factor", f, f > 0 && f <= 1,
                 "in (0, 1] (PyTorch 1.13 divides by factor at t=total_iters)");
         int64_t T = r.a.integer({"total_iters"}, 5);
         r.check_int("total_iters", T, T >= 1, ">= 1");
         return Schedule{ConstantLR{lr, f, T}};
       }},
      {"linear_lr",
       [](Reader& r, double lr) {
         double s = r.a.number({"start_factor"}, 1.0 / 3.0);
         r.check("start_factor", s, s > 0 && s <= 1,
                 "in (0, 1] (PyTorch 1.13's recursion divides by start_factor*total_iters)");
         double e = r.a.number({"end_factor"}, 1.0);
         r.check("end_factor", e, e >= 0 && e <= 1, "in [0, 1]");
         int64_t T = r.a.integer({"total_iters"}, 5);
         r.check_int("total_iters", T, T >= 1, ">= 1");
         return Schedule{LinearLR{lr, s, e, T}};
       }},
      {"step_lr",
       [](Reader& r, double lr) {
         int64_t S = r.required_integer({"step_size"});
         r.check_int("step_size", S, S >= 1, ">= 1");
         double g = r.a.number({"gamma"}, 0.1);
         r.check("gamma", g, g > 0, "> 0");
         return Schedule{StepLR{lr, S, g}};
       }},
      {"multi_step_lr",
       [](Reader& r, double lr) {
         if (!r.a.has({"milestones"})) throw SpecError(r.name + ": milestones is required");
         auto ms = r.a.integers({"milestones"}, {});
         for (size_t i = 0; i < ms.size(); ++i) {
           if (ms[i] < 0)
             bad(r.name, "milestones", "non-negative", "milestones[" + std::to_string(i) +
                                                           "]=" + std::to_string(ms[i]));
           if (i > 0 && ms[i] < ms[i - 1])
             bad(r.name, "milestones", "non-decreasing (a repeated milestone counts twice)",
                 std::to_string(ms[i - 1]) + " then " + std::to_string(ms[i]));
         }
         double g = r.a.number({"gamma"}, 0.1);
         r.check("gamma", g, g > 0, "> 0");
         return Schedule{MultiStepLR{lr, ms, g}};
       }},
      {"exponential_lr",
       [](Reader& r, double lr) {
         double g = r.required_number({"gamma"});
         r.check("gamma", g, g > 0, "> 0");
         return Schedule{ExponentialLR{lr, g}};
       }},
      {"multiplicative_lr",
       [](Reader& r, double lr) {
         double f = r.required_number({"factor"});
         r.check("factor", f, f > 0, "> 0");
         return Schedule{MultiplicativeLR{lr, f}};
       }},
      {"polynomial_lr",
       [](Reader& r, double lr) {
         int64_t T = r.a.integer({"total_iters"}, 5);
         r.check_int("total_iters", T, T >= 1, ">= 1");
         double p = r.a.number({"power"}, 1.0);
         r.check("power", p, p >= 0, ">= 0");
         return Schedule{PolynomialLR{lr, T, p}};
       }},
      {"cosine_annealing_lr",
       [](Reader& r, double lr) {
         int64_t T = r.required_integer({"T_max"});
         r.check_int("T_max", T, T >= 1, ">= 1");
         double m = r.a.number({"eta_min"}, 0.0);
         r.check("eta_min", m, m >= 0, ">= 0");
         return Schedule{CosineAnnealingLR{lr, T, m}};
       }},
      {"cosine_annealing_warm_restarts",
       [](Reader& r, double lr) {
         int64_t T0 = r.required_integer({"T_0"});
         r.check_int("T_0", T0, T0 >= 1, "a positive integer");
         int64_t Tm = r.a.integer({"T_mult"}, 1);
         r.check_int("T_mult", Tm, Tm >= 1, "an integer >= 1");
         double m = r.a.number({"eta_min"}, 0.0);
         r.check("eta_min", m, m >= 0, ">= 0");
         return Schedule{CosineAnnealingWarmRestarts{lr, T0, Tm, m}};
       }},
      {"cyclic_lr",
       [](Reader& r, double lr) {
         CyclicLR c{};
         c.base_lr = r.a.number({"base_lr"}, lr);
         r.check("base_lr", c.base_lr, c.base_lr >= 0, ">= 0");
         c.max_lr = r.required_number({"max_lr"});
         r.check("max_lr", c.max_lr, c.max_lr >= 0, ">= 0");
         c.step_size_up = r.a.number({"step_size_up"}, 2000.0);
         r.check("step_size_up", c.step_size_up, c.step_size_up > 0, "> 0");
         c.step_size_down = r.a.number({"step_size_down"}, c.step_size_up);
         r.check("step_size_down", c.step_size_down, c.step_size_down >= 0, ">= 0");
         std::string mode =
             r.a.choice({"mode"}, "triangular", {"triangular", "triangular2", "exp_range"});
         c.mode = mode == "triangular"    ? CyclicMode::triangular
                  : mode == "triangular2" ? CyclicMode::triangular2
                                          : CyclicMode::exp_range;
         c.gamma = r.a.number({"gamma"}, 1.0);
         r.check("gamma", c.gamma, c.gamma > 0, "> 0");
         c.cycle_momentum = r.a.boolean({"cycle_momentum"}, true);
         c.base_momentum = r.a.number({"base_momentum"}, 0.8);
         r.check("base_momentum", c.base_momentum, c.base_momentum >= 0 && c.base_momentum < 1,
                 "in [0, 1)");
         c.max_momentum = r.a.number({"max_momentum"}, 0.9);
         r.check("max_momentum", c.max_momentum, c.max_momentum >= 0 && c.max_momentum < 1,
                 "in [0, 1)");
         return Schedule{c};
       }},
      {"one_cycle_lr",
       [](Reader& r, double lr) {
         OneCycleLR c{};
         c.max_lr = r.a.number({"max_lr"}, lr);
         r.check("max_lr", c.max_lr, c.max_lr > 0, "> 0");
         auto total = r.a.integer({"total_steps"});
         auto epochs = r.a.integer({"epochs"});
         auto spe = r.a.integer({"steps_per_epoch"});
         if (total) {
           if (epochs || spe)
             throw SpecError(r.name +
                             ": give total_steps or epochs and steps_per_epoch, not both");
           r.check_int("total_steps", *total, *total >= 1, "a positive integer");
           c.total_steps = *total;
         } else {
           if (!epochs || !spe)
             throw SpecError(r.name +
                             ": total_steps is required (or both epochs and steps_per_epoch)");
           r.check_int("epochs", *epochs, *epochs >= 1, "a positive integer");
           r.check_int("steps_per_epoch", *spe, *spe >= 1, "a positive integer");
           c.total_steps = *epochs * *spe;
         }
         c.pct_start = r.a.number({"pct_start"}, 0.3);
         r.check("pct_start", c.pct_start, c.pct_start > 0 && c.pct_start < 1, "in (0, 1)");
         const double T = static_cast<double>(c.total_steps);
         if (!(c.pct_start * T > 1.0))
           bad(r.name, "pct_start",
               "such that pct_start*total_steps > 1 (phase 1 would be empty; PyTorch divides "
               "by zero)",
               num(c.pct_start) + " with total_steps=" + std::to_string(c.total_steps));
         std::string an = r.a.choice({"anneal_strategy"}, "cos", {"cos", "linear"});
         c.anneal_strategy = an == "cos" ? Anneal::cos : Anneal::linear;
         c.cycle_momentum = r.a.boolean({"cycle_momentum"}, true);
         c.base_momentum = r.a.number({"base_momentum"}, 0.85);
         r.check("base_momentum", c.base_momentum, c.base_momentum >= 0 && c.base_momentum < 1,
                 "in [0, 1)");
         c.max_momentum = r.a.number({"max_momentum"}, 0.95);
         r.check("max_momentum", c.max_momentum, c.max_momentum >= 0 && c.max_momentum < 1,
                 "in [0, 1)");
         c.div_factor = r.a.number({"div_factor"}, 25.0);
         r.check("div_factor", c.div_factor, c.div_factor > 0, "> 0");
         c.final_div_factor = r.a.number({"final_div_factor"}, 1e4);
         r.check("final_div_factor", c.final_div_factor, c.final_div_factor > 0, "> 0");
         c.three_phase = r.a.boolean({"three_phase"}, false);
         if (c.three_phase && !(2.0 * c.pct_start * T - 2.0 < T - 1.0))
           bad(r.name, "pct_start",
               "such that 2*pct_start*total_steps - 2 < total_steps - 1 with three_phase=true "
               "(phase 3 would be empty)",
               num(c.pct_start) + " with total_steps=" + std::to_string(c.total_steps));
         return Schedule{c};
       }},
      {"reduce_lr_on_plateau",
       [](Reader& r, double lr) {
         ReduceLROnPlateau p{};
         p.base_lr = lr;
         p.mode = r.a.choice({"mode"}, "min", {"min", "max"}) == "min" ? PlateauMode::min
                                                                        : PlateauMode::max;
         p.factor = r.a.number({"factor"}, 0.1);
         r.check("factor", p.factor, p.factor >= 0 && p.factor < 1, "in [0, 1)");
         p.patience = r.a.integer({"patience"}, 10);
         r.check_int("patience", p.patience, p.patience >= 0, ">= 0");
         p.threshold = r.a.number({"threshold"}, 1e-4);
         r.check("threshold", p.threshold, p.threshold >= 0, ">= 0");
         p.threshold_mode = r.a.choice({"threshold_mode"}, "rel", {"rel", "abs"}) == "rel"
                                ? ThresholdMode::rel
                                : ThresholdMode::abs;
         p.cooldown = r.a.integer({"cooldown"}, 0);
         r.check_int("cooldown", p.cooldown, p.cooldown >= 0, ">= 0");
         p.min_lr = r.a.number({"min_lr"}, 0.0);
         r.check("min_lr", p.min_lr, p.min_lr >= 0, ">= 0");
         p.eps = r.a.number({"eps"}, 1e-8);
         r.check("eps", p.eps, p.eps >= 0, ">= 0");
         return Schedule{p};
       }},
      {"keras_reduce_lr_on_plateau",
       [](Reader& r, double lr) {
         KerasReduceLROnPlateau p{};
         p.base_lr = lr;
         p.monitor = r.a.text({"monitor"}, "val_loss");
         p.factor = r.a.number({"factor"}, 0.1);
         r.check("factor", p.factor, p.factor >= 0 && p.factor < 1, "in [0, 1)");
         p.patience = r.a.integer({"patience"}, 10);
         r.check_int("patience", p.patience, p.patience >= 0, ">= 0");
         std::string mode = r.a.choice({"mode"}, "auto", {"auto", "min", "max"});
         if (mode == "auto") mode = p.monitor.find("acc") == std::string::npos ? "min" : "max";
         p.mode = mode == "min" ? PlateauMode::min : PlateauMode::max;
         p.min_delta = r.a.number({"min_delta"}, 1e-4);
         r.check("min_delta", p.min_delta, p.min_delta >= 0, ">= 0");
         p.cooldown = r.a.integer({"cooldown"}, 0);
         r.check_int("cooldown", p.cooldown, p.cooldown >= 0, ">= 0");
         p.min_lr = r.a.number({"min_lr"}, 0.0);
         r.check("min_lr", p.min_lr, p.min_lr >= 0, ">= 0");
         return Schedule{p};
       }},
      {"sequential_lr",
       [](Reader& r, double lr) {
         SequentialLR s{};
         s.base_lr = lr;
         for (const auto& c : r.a.specs({"schedulers"}))
           s.schedulers.push_back(child_of(r, c, lr, "schedulers"));
         if (s.schedulers.empty())
           throw SpecError(r.name + ": schedulers is required (a list like [linear_lr(...),...])");
         s.milestones = r.a.integers({"milestones"}, {});
         if (s.milestones.size() + 1 != s.schedulers.size())
           bad(r.name, "milestones", "one fewer than schedulers (" +
                                         std::to_string(s.schedulers.size() - 1) + ")",
               std::to_string(s.milestones.size()) + " milestones");
         for (size_t i = 0; i < s.milestones.size(); ++i) {
           if (s.milestones[i] < 1)
             bad(r.name, "milestones", ">= 1",
                 "milestones[" + std::to_string(i) + "]=" + std::to_string(s.milestones[i]));
           if (i > 0 && s.milestones[i] <= s.milestones[i - 1])
             bad(r.name, "milestones", "strictly increasing",
                 std::to_string(s.milestones[i - 1]) + " then " +
                     std::to_string(s.milestones[i]));
         }
         return Schedule{s};
       }},
      {"chained_scheduler",
       [](Reader& r, double lr) {
         ChainedScheduler c{};
         c.base_lr = lr;
         for (const auto& cs : r.a.specs({"schedulers"})) {
           Schedule child = child_of(r, cs, lr, "schedulers");
           if (!in_chainable_set(child))
             bad(r.name, "schedulers",
                 "chainable PyTorch schedulers (constant, constant_lr, linear_lr, step_lr, "
                 "multi_step_lr, exponential_lr, multiplicative_lr, polynomial_lr, "
                 "cosine_annealing_lr with eta_min=0)",
                 "'" + spec::to_string(cs) + "'");
           if (std::holds_alternative<CosineAnnealingLR>(child.v))
             for (const auto& prev : c.schedulers)
               if (std::holds_alternative<CosineAnnealingLR>(prev.v))
                 bad(r.name, "schedulers",
                     "at most one cosine_annealing_lr (PyTorch's additive restart branches of "
                     "two cosines interact with no closed form)",
                     "two");
           c.schedulers.push_back(std::move(child));
         }
         if (c.schedulers.empty())
           throw SpecError(r.name + ": schedulers is required (a list like [linear_lr(...),...])");
         return Schedule{c};
       }},
      // ---------------- Keras ----------------
      {"exponential_decay",
       [](Reader& r, double lr) {
         ExponentialDecay d{};
         d.initial_learning_rate = r.a.number({"initial_learning_rate"}, lr);
         r.check("initial_learning_rate", d.initial_learning_rate, d.initial_learning_rate >= 0,
                 ">= 0");
         d.decay_steps = r.required_number({"decay_steps"});
         r.check("decay_steps", d.decay_steps, d.decay_steps > 0, "> 0");
         d.decay_rate = r.required_number({"decay_rate"});
         r.check("decay_rate", d.decay_rate, d.decay_rate > 0, "> 0");
         d.staircase = r.a.boolean({"staircase"}, false);
         return Schedule{d};
       }},
      {"piecewise_constant_decay",
       [](Reader& r, double) {
         PiecewiseConstantDecay d{};
         if (!r.a.has({"boundaries"})) throw SpecError(r.name + ": boundaries is required");
         if (!r.a.has({"values"})) throw SpecError(r.name + ": values is required");
         d.boundaries = r.a.integers({"boundaries"}, {});
         d.values = r.a.numbers({"values"}, {});
         if (d.boundaries.empty()) bad(r.name, "boundaries", "a non-empty list", "[]");
         for (size_t i = 1; i < d.boundaries.size(); ++i)
           if (d.boundaries[i] <= d.boundaries[i - 1])
             bad(r.name, "boundaries", "strictly increasing",
                 std::to_string(d.boundaries[i - 1]) + " then " +
                     std::to_string(d.boundaries[i]));
         if (d.values.size() != d.boundaries.size() + 1)
           bad(r.name, "values",
               "one longer than boundaries (" + std::to_string(d.boundaries.size() + 1) + ")",
               std::to_string(d.values.size()) + " values");
         for (double v : d.values) r.check("values", v, v >= 0, "finite and >= 0");
         return Schedule{d};
       }},
      {"polynomial_decay",
       [](Reader& r, double lr) {
         PolynomialDecay d{};
         d.initial_learning_rate = r.a.number({"initial_learning_rate"}, lr);
         r.check("initial_learning_rate", d.initial_learning_rate, d.initial_learning_rate >= 0,
                 ">= 0");
         d.decay_steps = r.required_number({"decay_steps"});
         r.check("decay_steps", d.decay_steps, d.decay_steps > 0, "> 0");
         d.end_learning_rate = r.a.number({"end_learning_rate"}, 1e-4);
         r.check("end_learning_rate", d.end_learning_rate, d.end_learning_rate >= 0, ">= 0");
         d.power = r.a.number({"power"}, 1.0);
         r.check("power", d.power, d.power >= 0, ">= 0");
         d.cycle = r.a.boolean({"cycle"}, false);
         return Schedule{d};
       }},
      {"inverse_time_decay",
       [](Reader& r, double lr) {
         InverseTimeDecay d{};
         d.initial_learning_rate = r.a.number({"initial_learning_rate"}, lr);
         r.check("initial_learning_rate", d.initial_learning_rate, d.initial_learning_rate >= 0,
                 ">= 0");
         d.decay_steps = r.required_number({"decay_steps"});
         r.check("decay_steps", d.decay_steps, d.decay_steps > 0, "> 0");
         d.decay_rate = r.required_number({"decay_rate"});
         r.check("decay_rate", d.decay_rate, d.decay_rate >= 0, ">= 0");
         d.staircase = r.a.boolean({"staircase"}, false);
         return Schedule{d};
       }},
      {"cosine_decay",
       [](Reader& r, double lr) {
         CosineDecay d{};
         d.initial_learning_rate = r.a.number({"initial_learning_rate"}, lr);
         r.check("initial_learning_rate", d.initial_learning_rate, d.initial_learning_rate >= 0,
                 ">= 0");
         d.decay_steps = r.required_number({"decay_steps"});
         r.check("decay_steps", d.decay_steps, d.decay_steps > 0, "> 0");
         d.alpha = r.a.number({"alpha"}, 0.0);
         r.check("alpha", d.alpha, d.alpha >= 0 && d.alpha <= 1, "in [0, 1]");
         // "None" (Keras' default spelled out) = no warmup.
         bool none = false;
         for (const auto& kv : r.sp.args)
           if (kv.first == "warmup_target" && kv.second.kind == spec::Value::Kind::scalar &&
               (kv.second.text == "None" || kv.second.text == "none"))
             none = true;
         if (none) {
           (void)r.a.text({"warmup_target"}, "");
         } else if (auto wt = r.a.number({"warmup_target"})) {
           r.check("warmup_target", *wt, *wt >= 0, ">= 0");
           d.warmup_target = *wt;
         }
         d.warmup_steps = r.a.number({"warmup_steps"}, 0.0);
         r.check("warmup_steps", d.warmup_steps, d.warmup_steps >= 0, ">= 0");
         if (!d.warmup_target && d.warmup_steps != 0)
           bad(r.name, "warmup_steps",
               "0 without warmup_target (Keras ignores warmup_steps then; set warmup_target)",
               num(d.warmup_steps));
         return Schedule{d};
       }},
      {"cosine_decay_restarts",
       [](Reader& r, double lr) {
         CosineDecayRestarts d{};
         d.initial_learning_rate = r.a.number({"initial_learning_rate"}, lr);
         r.check("initial_learning_rate", d.initial_learning_rate, d.initial_learning_rate >= 0,
                 ">= 0");
         d.first_decay_steps = r.required_number({"first_decay_steps"});
         r.check("first_decay_steps", d.first_decay_steps, d.first_decay_steps > 0, "> 0");
         d.t_mul = r.a.number({"t_mul"}, 2.0);
         r.check("t_mul", d.t_mul, d.t_mul >= 1,
                 ">= 1 (t_mul < 1 gives NaN once the restarts are exhausted)");
         d.m_mul = r.a.number({"m_mul"}, 1.0);
         r.check("m_mul", d.m_mul, d.m_mul >= 0, ">= 0");
         d.alpha = r.a.number({"alpha"}, 0.0);
         r.check("alpha", d.alpha, d.alpha >= 0 && d.alpha <= 1, "in [0, 1]");
         return Schedule{d};
       }},
      {"keras_legacy_decay",
       [](Reader& r, double lr) {
         KerasLegacyDecay d{};
         d.base_lr = lr;
         d.decay = r.required_number({"decay"});
         r.check("decay", d.decay, d.decay >= 0, ">= 0");
         if (auto t = r.one_spec("then")) d.then.push_back(child_of(r, *t, lr, "then"));
         return Schedule{d};
       }},
      // ---------------- lrbench ----------------
      {"warmup",
       [](Reader& r, double lr) {
         Warmup w{};
         w.steps = r.required_integer({"steps"});
         r.check_int("steps", w.steps, w.steps >= 1, ">= 1");
         w.mode = r.a.choice({"mode"}, "linear", {"linear", "constant"}) == "linear"
                      ? WarmupMode::linear
                      : WarmupMode::constant;
         w.start_factor = r.a.number({"start_factor"}, 1.0 / 3.0);
         r.check("start_factor", w.start_factor, w.start_factor >= 0 && w.start_factor <= 1,
                 "in [0, 1]");
         w.shift = r.a.boolean({"shift"}, true);
         auto t = r.one_spec("then");
         if (!t) throw SpecError(r.name + ": then is required (e.g. then=[cosine_decay(decay_steps=100)])");
         w.then.push_back(child_of(r, *t, lr, "then"));
         return Schedule{w};
       }},
      {"per_epoch",
       [](Reader& r, double lr) {
         PerEpoch p{};
         p.steps_per_epoch = r.required_integer({"steps_per_epoch"});
         r.check_int("steps_per_epoch", p.steps_per_epoch, p.steps_per_epoch >= 1, ">= 1");
         auto t = r.one_spec("then");
         if (!t) throw SpecError(r.name + ": then is required (e.g. then=[step_lr(step_size=30)])");
         p.then.push_back(child_of(r, *t, lr, "then"));
         return Schedule{p};
       }},
      // ---------------- tutorials ----------------
      {"tutorial003_linear",
       [](Reader& r, double lr) {
         double a = r.required_number({"alpha"});
         r.check("alpha", a, a >= 0, ">= 0");
         return Schedule{Tutorial003Linear{lr, a}};
       }},
      {"tutorial003_custom", [](Reader&, double lr) { return Schedule{Tutorial003Custom{lr}}; }},
      {"tutorial003_hoisted",
       [](Reader& r, double lr) {
         Tutorial003Hoisted h{};
         h.base_lr = lr;
         h.gamma = 0;
         const bool has_fn = r.a.has({"fn"}), has_inner = r.a.has({"inner"});
         if (has_fn == has_inner)
           throw SpecError(r.name +
                           ": give exactly one of fn=linear_decay|exponential_decay|custom_decay "
                           "(the tutorial's code) or inner=[schedule]");
         if (has_fn) {
           std::string fn = r.a.choice({"fn"}, "",
                                       {"linear_decay", "exponential_decay", "custom_decay"});
           h.fn = fn == "linear_decay"        ? Tutorial003Fn::linear_decay
                  : fn == "exponential_decay" ? Tutorial003Fn::exponential_decay
                                              : Tutorial003Fn::custom_decay;
           if (*h.fn == Tutorial003Fn::exponential_decay) {
             h.gamma = r.required_number({"gamma"});
             r.check("gamma", h.gamma, h.gamma > 0, "> 0");
           }
         } else {
           h.inner.push_back(child_of(r, *r.one_spec("inner"), lr, "inner"));
         }
         h.total = r.required_integer({"total"});
         r.check_int("total", h.total, h.total >= 0, ">= 0");
         return Schedule{h};
       }},
      {"tutorial004_exponential",
       [](Reader& r, double lr) {
         double d = r.required_number({"delta"});
         r.check("delta", d, d > -1, "> -1");
         return Schedule{Tutorial004Exponential{lr, d}};
       }},
      {"tutorial004_step", [](Reader&, double lr) { return Schedule{Tutorial004Step{lr}}; }},
  };
  return m;
}

// ---- Schedule -> Spec ----------------------------------------------------------
spec::Value scalar(std::string t) {
  spec::Value v;
  v.text = std::move(t);
  return v;
}
spec::Value sv(double d) { return scalar(num(d)); }
spec::Value si(int64_t i) { return scalar(std::to_string(i)); }
spec::Value sb(bool b) { return scalar(b ? "true" : "false"); }
spec::Value list_of(const std::vector<spec::Value>& items) {
  spec::Value v;
  v.kind = spec::Value::Kind::list;
  v.items = items;
  return v;
}
template <class T>
spec::Value nums(const std::vector<T>& xs) {
  std::vector<spec::Value> items;
  for (auto x : xs) {
    if constexpr (std::is_integral_v<T>)
      items.push_back(si(x));
    else
      items.push_back(sv(x));
  }
  return list_of(items);
}
spec::Value specs_of(const std::vector<Schedule>& ss) {
  std::vector<spec::Value> items;
  for (const auto& s : ss) {
    spec::Value v;
    v.kind = spec::Value::Kind::spec;
    v.nested = std::make_shared<spec::Spec>(to_spec(s));
    items.push_back(std::move(v));
  }
  return list_of(items);
}

}  // namespace

Schedule schedule_from_spec(const spec::Spec& sp, double base_lr) {
  if (!std::isfinite(base_lr) || base_lr < 0)
    throw SpecError(sp.name + ": the optimizer's lr (the schedule's base LR) must be finite and "
                              ">= 0, got " + num(base_lr));
  const auto& m = builders();
  auto it = m.find(sp.name);
  if (it == m.end()) {
    std::string names;
    for (const auto& kv : m) names += (names.empty() ? "" : ", ") + kv.first;
    throw SpecError("unknown schedule '" + sp.name + "' (known: " + names + ")");
  }
  Reader r(sp);
  Schedule s = it->second(r, base_lr);
  r.a.finish();
  return s;
}

spec::Spec to_spec(const Schedule& s) {
  spec::Spec out;
  out.name = schedule_name(s);
  auto& A = out.args;
  auto put = [&](const char* k, spec::Value v) { A.emplace_back(k, std::move(v)); };
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, ConstantLR>) {
          put("factor", sv(x.factor));
          put("total_iters", si(x.total_iters));
        } else if constexpr (std::is_same_v<T, LinearLR>) {
          put("start_factor", sv(x.start_factor));
          put("end_factor", sv(x.end_factor));
          put("total_iters", si(x.total_iters));
        } else if constexpr (std::is_same_v<T, StepLR>) {
          put("step_size", si(x.step_size));
          put("gamma", sv(x.gamma));
        } else if constexpr (std::is_same_v<T, MultiStepLR>) {
          put("milestones", nums(x.milestones));
          put("gamma", sv(x.gamma));
        } else if constexpr (std::is_same_v<T, ExponentialLR>) {
          put("gamma", sv(x.gamma));
        } else if constexpr (std::is_same_v<T, MultiplicativeLR>) {
          put("factor", sv(x.factor));
        } else if constexpr (std::is_same_v<T, PolynomialLR>) {
          put("total_iters", si(x.total_iters));
          put("power", sv(x.power));
        } else if constexpr (std::is_same_v<T, CosineAnnealingLR>) {
          put("T_max", si(x.T_max));
          put("eta_min", sv(x.eta_min));
        } else if constexpr (std::is_same_v<T, CosineAnnealingWarmRestarts>) {
          put("T_0", si(x.T_0));
          put("T_mult", si(x.T_mult));
          put("eta_min", sv(x.eta_min));
        } else if constexpr (std::is_same_v<T, CyclicLR>) {
          put("base_lr", sv(x.base_lr));
          put("max_lr", sv(x.max_lr));
          put("step_size_up", sv(x.step_size_up));
          put("step_size_down", sv(x.step_size_down));
          put("mode", scalar(x.mode == CyclicMode::triangular    ? "triangular"
                             : x.mode == CyclicMode::triangular2 ? "triangular2"
                                                                 : "exp_range"));
          put("gamma", sv(x.gamma));
          put("cycle_momentum", sb(x.cycle_momentum));
          put("base_momentum", sv(x.base_momentum));
          put("max_momentum", sv(x.max_momentum));
        } else if constexpr (std::is_same_v<T, OneCycleLR>) {
          put("max_lr", sv(x.max_lr));
          put("total_steps", si(x.total_steps));
          put("pct_start", sv(x.pct_start));
          put("anneal_strategy", scalar(x.anneal_strategy == Anneal::cos ? "cos" : "linear"));
          put("cycle_momentum", sb(x.cycle_momentum));
          put("base_momentum", sv(x.base_momentum));
          put("max_momentum", sv(x.max_momentum));
          put("div_factor", sv(x.div_factor));
          put("final_div_factor", sv(x.final_div_factor));
          put("three_phase", sb(x.three_phase));
        } else if constexpr (std::is_same_v<T, ReduceLROnPlateau>) {
          put("mode", scalar(x.mode == PlateauMode::min ? "min" : "max"));
          put("factor", sv(x.factor));
          put("patience", si(x.patience));
          put("threshold", sv(x.threshold));
          put("threshold_mode", scalar(x.threshold_mode == ThresholdMode::rel ? "rel" : "abs"));
          put("cooldown", si(x.cooldown));
          put("min_lr", sv(x.min_lr));
          put("eps", sv(x.eps));
        } else if constexpr (std::is_same_v<T, KerasReduceLROnPlateau>) {
          put("monitor", scalar(x.monitor));
          put("factor", sv(x.factor));
          put("patience", si(x.patience));
          put("mode", scalar(x.mode == PlateauMode::min ? "min" : "max"));
          put("min_delta", sv(x.min_delta));
          put("cooldown", si(x.cooldown));
          put("min_lr", sv(x.min_lr));
        } else if constexpr (std::is_same_v<T, SequentialLR>) {
          put("schedulers", specs_of(x.schedulers));
          put("milestones", nums(x.milestones));
        } else if constexpr (std::is_same_v<T, ChainedScheduler>) {
          put("schedulers", specs_of(x.schedulers));
        } else if constexpr (std::is_same_v<T, ExponentialDecay>) {
          put("initial_learning_rate", sv(x.initial_learning_rate));
          put("decay_steps", sv(x.decay_steps));
          put("decay_rate", sv(x.decay_rate));
          put("staircase", sb(x.staircase));
        } else if constexpr (std::is_same_v<T, PiecewiseConstantDecay>) {
          put("boundaries", nums(x.boundaries));
          put("values", nums(x.values));
        } else if constexpr (std::is_same_v<T, PolynomialDecay>) {
          put("initial_learning_rate", sv(x.initial_learning_rate));
          put("decay_steps", sv(x.decay_steps));
          put("end_learning_rate", sv(x.end_learning_rate));
          put("power", sv(x.power));
          put("cycle", sb(x.cycle));
        } else if constexpr (std::is_same_v<T, InverseTimeDecay>) {
          put("initial_learning_rate", sv(x.initial_learning_rate));
          put("decay_steps", sv(x.decay_steps));
          put("decay_rate", sv(x.decay_rate));
          put("staircase", sb(x.staircase));
        } else if constexpr (std::is_same_v<T, CosineDecay>) {
          put("initial_learning_rate", sv(x.initial_learning_rate));
          put("decay_steps", sv(x.decay_steps));
          put("alpha", sv(x.alpha));
          put("warmup_target", x.warmup_target ? sv(*x.warmup_target) : scalar("None"));
          put("warmup_steps", sv(x.warmup_steps));
        } else if constexpr (std::is_same_v<T, CosineDecayRestarts>) {
          put("initial_learning_rate", sv(x.initial_learning_rate));
          put("first_decay_steps", sv(x.first_decay_steps));
          put("t_mul", sv(x.t_mul));
          put("m_mul", sv(x.m_mul));
          put("alpha", sv(x.alpha));
        } else if constexpr (std::is_same_v<T, KerasLegacyDecay>) {
          put("decay", sv(x.decay));
          if (!x.then.empty()) put("then", specs_of(x.then));
        } else if constexpr (std::is_same_v<T, Warmup>) {
          put("steps", si(x.steps));
          put("mode", scalar(x.mode == WarmupMode::linear ? "linear" : "constant"));
          put("start_factor", sv(x.start_factor));
          put("shift", sb(x.shift));
          put("then", specs_of(x.then));
        } else if constexpr (std::is_same_v<T, PerEpoch>) {
          put("steps_per_epoch", si(x.steps_per_epoch));
          put("then", specs_of(x.then));
        } else if constexpr (std::is_same_v<T, Tutorial003Linear>) {
          put("alpha", sv(x.alpha));
        } else if constexpr (std::is_same_v<T, Tutorial003Hoisted>) {
          if (x.fn) {
            put("fn", scalar(*x.fn == Tutorial003Fn::linear_decay        ? "linear_decay"
                             : *x.fn == Tutorial003Fn::exponential_decay ? "exponential_decay"
                                                                         : "custom_decay"));
            if (*x.fn == Tutorial003Fn::exponential_decay) put("gamma", sv(x.gamma));
          } else {
            put("inner", specs_of(x.inner));
          }
          put("total", si(x.total));
        } else if constexpr (std::is_same_v<T, Tutorial004Exponential>) {
          put("delta", sv(x.delta));
        }
        // Constant, Tutorial003Custom, Tutorial004Step: no parameters.
      },
      s.v);
  return out;
}

std::string to_spec_string(const Schedule& s) { return spec::to_string(to_spec(s)); }

std::string schedule_name(const Schedule& s) {
  return std::visit(
      [](const auto& x) -> std::string {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, Constant>) return "constant";
        else if constexpr (std::is_same_v<T, ConstantLR>) return "constant_lr";
        else if constexpr (std::is_same_v<T, LinearLR>) return "linear_lr";
        else if constexpr (std::is_same_v<T, StepLR>) return "step_lr";
        else if constexpr (std::is_same_v<T, MultiStepLR>) return "multi_step_lr";
        else if constexpr (std::is_same_v<T, ExponentialLR>) return "exponential_lr";
        else if constexpr (std::is_same_v<T, MultiplicativeLR>) return "multiplicative_lr";
        else if constexpr (std::is_same_v<T, PolynomialLR>) return "polynomial_lr";
        else if constexpr (std::is_same_v<T, CosineAnnealingLR>) return "cosine_annealing_lr";
        else if constexpr (std::is_same_v<T, CosineAnnealingWarmRestarts>)
          return "cosine_annealing_warm_restarts";
        else if constexpr (std::is_same_v<T, CyclicLR>) return "cyclic_lr";
        else if constexpr (std::is_same_v<T, OneCycleLR>) return "one_cycle_lr";
        else if constexpr (std::is_same_v<T, ReduceLROnPlateau>) return "reduce_lr_on_plateau";
        else if constexpr (std::is_same_v<T, KerasReduceLROnPlateau>)
          return "keras_reduce_lr_on_plateau";
        else if constexpr (std::is_same_v<T, SequentialLR>) return "sequential_lr";
        else if constexpr (std::is_same_v<T, ChainedScheduler>) return "chained_scheduler";
        else if constexpr (std::is_same_v<T, ExponentialDecay>) return "exponential_decay";
        else if constexpr (std::is_same_v<T, PiecewiseConstantDecay>)
          return "piecewise_constant_decay";
        else if constexpr (std::is_same_v<T, PolynomialDecay>) return "polynomial_decay";
        else if constexpr (std::is_same_v<T, InverseTimeDecay>) return "inverse_time_decay";
        else if constexpr (std::is_same_v<T, CosineDecay>) return "cosine_decay";
        else if constexpr (std::is_same_v<T, CosineDecayRestarts>) return "cosine_decay_restarts";
        else if constexpr (std::is_same_v<T, KerasLegacyDecay>) return "keras_legacy_decay";
        else if constexpr (std::is_same_v<T, Warmup>) return "warmup";
        else if constexpr (std::is_same_v<T, PerEpoch>) return "per_epoch";
        else if constexpr (std::is_same_v<T, Tutorial003Linear>) return "tutorial003_linear";
        else if constexpr (std::is_same_v<T, Tutorial003Custom>) return "tutorial003_custom";
        else if constexpr (std::is_same_v<T, Tutorial003Hoisted>) return "tutorial003_hoisted";
        else if constexpr (std::is_same_v<T, Tutorial004Exponential>)
          return "tutorial004_exponential";
        else return "tutorial004_step";
      },
      s.v);
}

std::string to_string(Convention c) {
  switch (c) {
    case Convention::pytorch: return "pytorch";
    case Convention::keras: return "keras";
    case Convention::tutorial: return "tutorial";
    case Convention::lrbench: return "lrbench";
  }
  return "?";
}

// ---- catalog -------------------------------------------------------------------
// Every name, default and range here must match the builders above; the
// schedules test parses each entry with its defaults and checks that the
// canonical spec writes exactly these parameter names.
std::vector<ScheduleInfo> schedule_catalog() {
  using P = ParamInfo;
  const std::string req = "required";
  const P initial{"initial_learning_rate", {}, "optimizer lr", "eta0, >= 0; the optimizer's lr when absent"};
  const P then{"then", {}, req, "the schedule wrapped, as [name(k=v,...)] or a bare name"};
  return {
      {"constant", "lr = eta0 (no change)", {}, Convention::pytorch},
      {"constant_lr", "lr = eta0*factor for t < total_iters, then eta0",
       {{"factor", {}, "1/3", "in (0, 1]"}, {"total_iters", {}, "5", "integer >= 1"}},
       Convention::pytorch},
      {"linear_lr", "lr = eta0*(s + (e - s)*min(t,T)/T)",
       {{"start_factor", {}, "1/3", "s, in (0, 1]"},
        {"end_factor", {}, "1", "e, in [0, 1]"},
        {"total_iters", {}, "5", "T, integer >= 1"}},
       Convention::pytorch},
      {"step_lr", "lr = eta0*gamma^floor(t/step_size)",
       {{"step_size", {}, req, "integer >= 1"}, {"gamma", {}, "0.1", "> 0"}},
       Convention::pytorch},
      {"multi_step_lr", "lr = eta0*gamma^#{milestones <= t} (changes AT t = m)",
       {{"milestones", {}, req, "non-decreasing integers >= 0; repeats count twice"},
        {"gamma", {}, "0.1", "> 0"}},
       Convention::pytorch},
      {"exponential_lr", "lr = eta0*gamma^t", {{"gamma", {}, req, "> 0"}}, Convention::pytorch},
      {"multiplicative_lr", "lr_t = lr_{t-1}*factor (constant lambda; = eta0*factor^t)",
       {{"factor", {}, req, "> 0"}}, Convention::pytorch},
      {"polynomial_lr", "lr = eta0*(1 - min(t,T)/T)^power (reaches 0)",
       {{"total_iters", {}, "5", "T, integer >= 1"}, {"power", {}, "1", ">= 0"}},
       Convention::pytorch},
      {"cosine_annealing_lr",
       "lr = eta_min + (eta0 - eta_min)*(1 + cos(pi*t/T_max))/2, periodic past T_max",
       {{"T_max", {}, req, "integer >= 1"}, {"eta_min", {}, "0", "absolute floor, >= 0"}},
       Convention::pytorch},
      {"cosine_annealing_warm_restarts", "SGDR: cosine over T_i = T_0*T_mult^i, restarting",
       {{"T_0", {}, req, "integer >= 1"},
        {"T_mult", {}, "1", "integer >= 1"},
        {"eta_min", {}, "0", "absolute floor, >= 0"}},
       Convention::pytorch},
      {"cyclic_lr", "triangular cycles between base_lr and max_lr; momentum inversely",
       {{"base_lr", {}, "optimizer lr", "lower bound, >= 0; replaces the optimizer's lr"},
        {"max_lr", {}, req, "upper bound, >= 0"},
        {"step_size_up", {}, "2000", "steps up, > 0"},
        {"step_size_down", {}, "step_size_up", "steps down, >= 0"},
        {"mode", {}, "triangular", "triangular|triangular2|exp_range"},
        {"gamma", {}, "1", "exp_range factor per step, > 0"},
        {"cycle_momentum", {}, "true", "cycle the optimizer's momentum (not Adam's beta1)"},
        {"base_momentum", {}, "0.8", "in [0, 1)"},
        {"max_momentum", {}, "0.9", "in [0, 1)"}},
       Convention::pytorch},
      {"one_cycle_lr", "1cycle: max_lr/div_factor -> max_lr -> min; momentum max -> base -> max",
       {{"max_lr", {}, "optimizer lr", "peak LR, > 0"},
        {"total_steps", {}, req, "integer >= 1 (or epochs*steps_per_epoch); t > total_steps throws"},
        {"epochs", {}, "-", "with steps_per_epoch, instead of total_steps"},
        {"steps_per_epoch", {}, "-", "with epochs, instead of total_steps"},
        {"pct_start", {}, "0.3", "in (0, 1), pct_start*total_steps > 1"},
        {"anneal_strategy", {}, "cos", "cos|linear"},
        {"cycle_momentum", {}, "true", "cycle momentum, or Adam's beta1"},
        {"base_momentum", {}, "0.85", "in [0, 1)"},
        {"max_momentum", {}, "0.95", "in [0, 1)"},
        {"div_factor", {}, "25", "initial = max_lr/div_factor, > 0"},
        {"final_div_factor", {}, "1e4", "min = initial/final_div_factor, > 0"},
        {"three_phase", {}, "false", "up, down to initial, then to min"}},
       Convention::pytorch},
      {"reduce_lr_on_plateau", "lr *= factor after more than `patience` epochs without improvement",
       {{"mode", {}, "min", "min|max"},
        {"factor", {}, "0.1", "in [0, 1)"},
        {"patience", {}, "10", "integer >= 0"},
        {"threshold", {}, "1e-4", ">= 0"},
        {"threshold_mode", {}, "rel", "rel|abs"},
        {"cooldown", {}, "0", "integer >= 0"},
        {"min_lr", {}, "0", ">= 0"},
        {"eps", {}, "1e-8", "smaller LR changes are skipped, >= 0"}},
       Convention::pytorch},
      {"sequential_lr", "child i runs from milestone i, restarted at local step 0",
       {{"schedulers", {}, req, "list of schedules [a(..),b(..)]"},
        {"milestones", {}, req, "strictly increasing integers >= 1, one fewer than schedulers"}},
       Convention::pytorch},
      {"chained_scheduler", "lr = eta0*prod_i(lr_i(t)/eta0) over chainable children",
       {{"schedulers", {}, req, "list of chainable PyTorch schedules"}}, Convention::pytorch},
      {"keras_reduce_lr_on_plateau",
       "Keras callback: lr *= factor after `patience` epochs without an absolute min_delta gain",
       {{"monitor", {}, "val_loss", "metric name; only decides mode=auto ('acc' -> max)"},
        {"factor", {}, "0.1", "in [0, 1)"},
        {"patience", {}, "10", "integer >= 0"},
        {"mode", {}, "auto", "auto|min|max"},
        {"min_delta", {}, "1e-4", "absolute, >= 0"},
        {"cooldown", {}, "0", "integer >= 0"},
        {"min_lr", {}, "0", ">= 0"}},
       Convention::keras},
      {"exponential_decay", "lr = eta0*decay_rate^(k/decay_steps) (floored if staircase)",
       {initial,
        {"decay_steps", {}, req, "> 0"},
        {"decay_rate", {}, req, "> 0"},
        {"staircase", {}, "false", "floor k/decay_steps"}},
       Convention::keras},
      {"piecewise_constant_decay", "values[i] for b_{i-1} < k <= b_i (switches AFTER a boundary)",
       {{"boundaries", {}, req, "strictly increasing integers"},
        {"values", {}, req, "absolute LRs, one more than boundaries"}},
       Convention::keras},
      {"polynomial_decay", "lr = (eta0 - end)*(1 - min(k,D)/D)^power + end",
       {initial,
        {"decay_steps", {}, req, "D, > 0"},
        {"end_learning_rate", {}, "1e-4", ">= 0"},
        {"power", {}, "1", ">= 0"},
        {"cycle", {}, "false", "D <- D*ceil(k/D)"}},
       Convention::keras},
      {"inverse_time_decay", "lr = eta0/(1 + decay_rate*k/decay_steps) (floored if staircase)",
       {initial,
        {"decay_steps", {}, req, "> 0"},
        {"decay_rate", {}, req, ">= 0"},
        {"staircase", {}, "false", "floor k/decay_steps"}},
       Convention::keras},
      {"cosine_decay", "optional linear warmup, then eta0*((1-alpha)*(1+cos(pi*min(k,D)/D))/2+alpha)",
       {initial,
        {"decay_steps", {}, req, "D, > 0"},
        {"alpha", {}, "0", "floor relative to the peak, in [0, 1]"},
        {"warmup_target", {}, "None", "peak after warmup, >= 0; None = no warmup"},
        {"warmup_steps", {}, "0", ">= 0; needs warmup_target"}},
       Convention::keras},
      {"cosine_decay_restarts", "SGDR: restart i lasts D*t_mul^i with peak eta0*m_mul^i",
       {initial,
        {"first_decay_steps", {}, req, "D, > 0"},
        {"t_mul", {}, "2", ">= 1"},
        {"m_mul", {}, "1", ">= 0"},
        {"alpha", {}, "0", "relative floor, in [0, 1]"}},
       Convention::keras},
      {"keras_legacy_decay", "tf.keras <= 2.10 `decay=d`: lr = lr_then(k)/(1 + d*k), per batch",
       {{"decay", {}, req, ">= 0"},
        {"then", {}, "-", "optional schedule evaluated before the division"}},
       Convention::keras},
      {"warmup", "linear/constant warmup over `steps`, then (shifted) or times (shift=false) `then`",
       {{"steps", {}, req, "W, integer >= 1"},
        {"mode", {}, "linear", "linear|constant"},
        {"start_factor", {}, "1/3", "in [0, 1]"},
        {"shift", {}, "true", "true: then(t - W) after warmup; false: then(t) times the factor"},
        then},
       Convention::lrbench},
      {"per_epoch", "lr = then(floor(t/steps_per_epoch)): a scheduler stepped per epoch",
       {{"steps_per_epoch", {}, req, "integer >= 1"}, then}, Convention::lrbench},
      {"tutorial003_linear", "lr = eta0*(1 - alpha*t) as written (negative past 1/alpha)",
       {{"alpha", {}, req, ">= 0"}}, Convention::tutorial},
      {"tutorial003_custom", "lr = eta0/(1 + t)", {}, Convention::tutorial},
      {"tutorial003_hoisted", "constant: the tutorial's decay evaluated once at t = total",
       {{"fn", {}, "-", "linear_decay (eta0/(1+eta0*N)) | exponential_decay (gamma^N) | custom_decay (eta0/(1+N))"},
        {"gamma", {}, "-", "> 0, for fn=exponential_decay"},
        {"inner", {}, "-", "instead of fn: any schedule, evaluated at total"},
        {"total", {}, req, "N, the total iteration count, integer >= 0"}},
       Convention::tutorial},
      {"tutorial004_exponential", "lr = eta0/sqrt(1 + delta) (a constant)",
       {{"delta", {}, req, "> -1"}}, Convention::tutorial},
      {"tutorial004_step", "lr = eta0/(t + 1)", {}, Convention::tutorial},
  };
}

}  // namespace lrb::sched
