// The schedule table: one entry per schedule (name, convention, summary, each
// parameter with its key, default, valid range and help, the rules that tie
// parameters together).  Parsing and validation (schedule_from_spec), the
// canonical spec (to_spec) and `lrbench list` (schedule_catalog) are all
// derived from it; the formulas are in schedule.hpp, the evaluation in
// schedule_eval.cpp.  A new schedule is its struct, one entry in table() and
// its lr_impl case.
//
// A default is written as the catalog shows it and read like user input:
// "1/3", "1e-4", "true"; "required"; "optimizer lr" (the optimizer's lr,
// eta0); "-" (absent: the parameter is optional or an alternative).
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "core/schedules/schedule.hpp"
#include "core/spec/params.hpp"

namespace lrb::sched {
namespace {

using spec::Field, spec::Reader, spec::SpecError, spec::kRequired, spec::kAbsent;
using spec::number, spec::integer, spec::flag, spec::choice, spec::list, spec::Choices;
constexpr auto kPyTorch = Convention::pytorch, kKeras = Convention::keras,
               kTutorial = Convention::tutorial, kLrbench = Convention::lrbench;
// The default of base_lr, max_lr and initial_learning_rate: eta0.
constexpr std::string_view kOptimizerLr = "optimizer lr";

// Deepest nesting of schedules in schedules (warmup(then=warmup(then=...))).
// The spec grammar already bounds a parsed spec; this bounds Specs built in
// code too, and with it the recursion of lr_at (schedule_eval.cpp).
constexpr int kMaxDepth = spec::kMaxNesting;

Schedule build(const spec::Spec& sp, double base_lr, int depth);

// Nested schedules: built with the same eta0, one level deeper; functions of
// the step only (a metric-driven child cannot be composed).
Schedule child_of(Reader& r, const spec::Spec& child, std::string_view key) {
  if (r.depth + 1 > kMaxDepth)
    throw SpecError(r.name + ": schedules nested deeper than " + std::to_string(kMaxDepth) +
                    " levels (the limit)");
  Schedule c = build(child, *r.named_default(kOptimizerLr), r.depth + 1);
  if (needs_metric(c))
    throw SpecError(r.name + ": " + std::string(key) +
                    " must be schedules that are functions of the step, got '" +
                    spec::quote(child.name) +
                    "' (it needs the metric history and cannot be composed)");
  return c;
}

spec::Value specs_value(const std::vector<Schedule>& ss) {
  std::vector<spec::Value> items;
  for (const auto& s : ss) items.push_back(spec::spec_value(to_spec(s)));
  return spec::list_value(std::move(items));
}

// Checks a child against those before it (chained_scheduler's rules).
using ChildRule = void (*)(const Reader&, const spec::Spec& written, const Schedule& child,
                           const std::vector<Schedule>& before);

// A required, non-empty list of schedules [a(..),b(..)].
template <class S>
Field<S> schedules(std::vector<Schedule> S::*m, std::string_view key, std::string_view help,
                   ChildRule rule = nullptr) {
  return spec::field<S>(
      key, kRequired, help,
      [=](Reader& r, S& s) {
        for (const auto& c : r.a.specs({key})) {
          Schedule child = child_of(r, c, key);
          if (rule) rule(r, c, child, s.*m);
          (s.*m).push_back(std::move(child));
        }
        if ((s.*m).empty()) spec::required(r, key, " (a list like [linear_lr(...),...])");
      },
      [=](const S& s, spec::Spec& out) { spec::put(out, key, specs_value(s.*m)); });
}

// One schedule, `key=[name(k=v)]`, `key=name(k=v)` or a bare `key=name`;
// kRequired or kAbsent (optional: then written only when given).
template <class S>
Field<S> one_schedule(std::vector<Schedule> S::*m, std::string_view key, std::string_view def,
                      std::string_view help) {
  return spec::field<S>(
      key, def, help,
      [=](Reader& r, S& s) {
        if (!r.a.has({key})) {
          if (def == kRequired)
            spec::required(r, key,
                           " (e.g. " + std::string(key) + "=[cosine_decay(decay_steps=100)])");
          return;
        }
        const auto v = r.a.specs({key});
        if (v.size() != 1)
          throw SpecError(r.name + ": " + std::string(key) +
                          " must be exactly one schedule like [cosine_decay(decay_steps=100)], "
                          "got " + std::to_string(v.size()) + " schedules");
        (s.*m).push_back(child_of(r, v.front(), key));
      },
      [=](const S& s, spec::Spec& out) {
        if (!(s.*m).empty()) spec::put(out, key, specs_value(s.*m));
      });
}

// Keras' initial_learning_rate, eta0 when absent.
template <class S>
Field<S> initial_learning_rate() {
  return number(&S::initial_learning_rate, "initial_learning_rate", kOptimizerLr,
                spec::at_least(0), "eta0, {range}; the optimizer's lr when absent");
}

// ---- the table -----------------------------------------------------------------------

struct Def {
  std::string_view name;
  Convention convention;
  std::string_view summary;
  std::vector<ParamInfo> params;
  size_t index;  // of the alternative in Schedule::v
  std::function<Schedule(Reader&)> read;
  std::function<void(const Schedule&, spec::Spec&)> write;
};

template <class S>
Def def(std::string_view name, Convention convention, std::string_view summary,
        std::vector<Field<S>> fields = {}, void (*check)(const Reader&, const S&) = nullptr) {
  Def d{name, convention, summary, {}, Schedule{S{}}.v.index(), nullptr, nullptr};
  for (const auto& f : fields)
    d.params.push_back({f.row.key, f.row.aliases, f.row.default_text, f.row.help});
  d.read = [fields, check](Reader& r) {
    S s{};
    if constexpr (requires { s.base_lr; }) s.base_lr = *r.named_default(kOptimizerLr);
    for (const auto& f : fields) f.read(r, s);
    if (check) check(r, s);
    return Schedule{std::move(s)};
  };
  d.write = [fields](const Schedule& s, spec::Spec& out) {
    for (const auto& f : fields) f.write(std::get<S>(s.v), out);
  };
  return d;
}

[[noreturn]] void bad(const Reader& r, std::string_view key, std::string_view must,
                      const std::string& got) {
  throw SpecError(r.name + ": " + std::string(key) + " must be " + std::string(must) + ", got " +
                  got);
}

// one_cycle_lr: total_steps, or epochs*steps_per_epoch (the rows of both).
std::vector<Field<OneCycleLR>> one_cycle_total_steps() {
  auto nothing = [](const OneCycleLR&, spec::Spec&) {};
  return {
      spec::field<OneCycleLR>(
          "total_steps", kRequired,
          "integer >= 1 (or epochs*steps_per_epoch); t > total_steps throws",
          [](Reader& r, OneCycleLR& c) {
            auto total = r.a.integer({"total_steps"});
            auto epochs = r.a.integer({"epochs"});
            auto spe = r.a.integer({"steps_per_epoch"});
            if (total) {
              if (epochs || spe)
                throw SpecError(r.name +
                                ": give total_steps or epochs and steps_per_epoch, not both");
              spec::check(r.name, "total_steps", *total, spec::at_least(1));
              c.total_steps = *total;
              return;
            }
            if (!epochs || !spe)
              spec::required(r, "total_steps", " (or both epochs and steps_per_epoch)");
            spec::check(r.name, "epochs", *epochs, spec::at_least(1));
            spec::check(r.name, "steps_per_epoch", *spe, spec::at_least(1));
            // Both <= 2^53: the product fits int64 only when it is small enough.
            if (__builtin_mul_overflow(*epochs, *spe, &c.total_steps) ||
                c.total_steps > spec::kMaxInteger)
              bad(r, "epochs*steps_per_epoch", "at most 2^53",
                  std::to_string(*epochs) + "*" + std::to_string(*spe));
          },
          [](const OneCycleLR& c, spec::Spec& out) {
            spec::put(out, "total_steps", spec::integer_value(c.total_steps));
          }),
      spec::field<OneCycleLR>("epochs", kAbsent, "with steps_per_epoch, instead of total_steps",
                        [](Reader&, OneCycleLR&) {}, nothing),
      spec::field<OneCycleLR>("steps_per_epoch", kAbsent, "with epochs, instead of total_steps",
                        [](Reader&, OneCycleLR&) {}, nothing),
  };
}

constexpr std::string_view kChainable =
    "chainable PyTorch schedulers (constant, constant_lr, linear_lr, step_lr, multi_step_lr, "
    "exponential_lr, multiplicative_lr, polynomial_lr, cosine_annealing_lr with eta_min=0)";

void chainable(const Reader& r, const spec::Spec& written, const Schedule& child,
               const std::vector<Schedule>& before) {
  const bool ok = std::visit(
      [](const auto& x) -> bool {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, CosineAnnealingLR>) return x.eta_min == 0.0;
        return std::is_same_v<T, Constant> || std::is_same_v<T, ConstantLR> ||
               std::is_same_v<T, LinearLR> || std::is_same_v<T, StepLR> ||
               std::is_same_v<T, MultiStepLR> || std::is_same_v<T, ExponentialLR> ||
               std::is_same_v<T, MultiplicativeLR> || std::is_same_v<T, PolynomialLR>;
      },
      child.v);
  if (!ok) bad(r, "schedulers", kChainable, "'" + spec::quote(spec::to_string(written)) + "'");
  if (std::holds_alternative<CosineAnnealingLR>(child.v))
    for (const auto& prev : before)
      if (std::holds_alternative<CosineAnnealingLR>(prev.v))
        bad(r, "schedulers",
            "at most one cosine_annealing_lr (PyTorch's additive restart branches of two "
            "cosines interact with no closed form)",
            "two");
}

// tutorial003_hoisted: fn=... (with gamma for exponential_decay) or inner=[schedule].
std::vector<Field<Tutorial003Hoisted>> hoisted_fn_or_inner() {
  using H = Tutorial003Hoisted;
  static const Choices<Tutorial003Fn> fns = {{"linear_decay", Tutorial003Fn::linear_decay},
                                             {"exponential_decay", Tutorial003Fn::exponential_decay},
                                             {"custom_decay", Tutorial003Fn::custom_decay}};
  auto exp = [](const H& h) { return h.fn == Tutorial003Fn::exponential_decay; };
  return {
      spec::field<H>(
          "fn", kAbsent,
          "linear_decay (eta0/(1+eta0*N)) | exponential_decay (gamma^N) | custom_decay "
          "(eta0/(1+N))",
          [](Reader& r, H& h) {
            if (r.a.has({"fn"}) == r.a.has({"inner"}))
              throw SpecError(r.name +
                              ": give exactly one of fn=linear_decay|exponential_decay|"
                              "custom_decay (the tutorial's code) or inner=[schedule]");
            if (!r.a.has({"fn"})) return;
            const std::string fn =
                r.a.choice({"fn"}, "", {"linear_decay", "exponential_decay", "custom_decay"});
            for (const auto& [n, e] : fns)
              if (n == fn) h.fn = e;
          },
          [](const H& h, spec::Spec& out) {
            if (h.fn) spec::put(out, "fn", spec::text_value(std::string(spec::word_of(fns, *h.fn))));
          }),
      spec::field<H>(
          "gamma", kAbsent, "> 0, for fn=exponential_decay",
          [exp](Reader& r, H& h) {
            if (!exp(h)) return;  // gamma given anyway: an unknown parameter
            auto g = r.a.number({"gamma"});
            if (!g) spec::required(r, "gamma");
            spec::check(r.name, "gamma", *g, spec::above(0));
            h.gamma = *g;
          },
          [exp](const H& h, spec::Spec& out) {
            if (exp(h)) spec::put(out, "gamma", spec::number_value(h.gamma));
          }),
      one_schedule(&H::inner, "inner", kAbsent, "instead of fn: any schedule, evaluated at total"),
  };
}

// wsd: decay_steps, or floor(decay_fraction*total_steps) (the authors' code
// takes int(fract_decay*n_iterations)); total_steps is read before.
std::vector<Field<Wsd>> wsd_decay_steps() {
  auto nothing = [](const Wsd&, spec::Spec&) {};
  return {
      spec::field<Wsd>(
          "decay_steps", kAbsent,
          "D, the cooldown's length, integer in [1, total_steps]; default "
          "floor(decay_fraction*total_steps)",
          [](Reader& r, Wsd& w) {
            const auto steps = r.a.integer({"decay_steps"});
            const auto fraction = r.a.number({"decay_fraction"});
            if (steps && fraction)
              throw SpecError(r.name + ": give decay_steps or decay_fraction, not both");
            if (steps) {
              spec::check(r.name, "decay_steps", *steps, spec::closed(1, static_cast<double>(w.total_steps)));
              w.decay_steps = *steps;
              return;
            }
            const double f = fraction.value_or(0.2);
            spec::check(r.name, "decay_fraction", f, spec::open_closed(0, 1));
            w.decay_steps = static_cast<int64_t>(std::floor(f * static_cast<double>(w.total_steps)));
            if (w.decay_steps < 1)
              bad(r, "decay_fraction",
                  "such that floor(decay_fraction*total_steps) >= 1 (the cooldown would be empty)",
                  spec::number_text(f) + " with total_steps=" + std::to_string(w.total_steps));
          },
          [](const Wsd& w, spec::Spec& out) {
            spec::put(out, "decay_steps", spec::integer_value(w.decay_steps));
          }),
      spec::field<Wsd>("decay_fraction", "0.2",
                       "in (0, 1]: D = floor(decay_fraction*total_steps) when decay_steps is absent",
                       [](Reader&, Wsd&) {}, nothing),
  };
}

// keras_reduce_lr_on_plateau's mode: auto is max when `monitor` names an accuracy.
Field<KerasReduceLROnPlateau> keras_plateau_mode() {
  return spec::field<KerasReduceLROnPlateau>(
      "mode", "auto", "auto|min|max",
      [](Reader& r, KerasReduceLROnPlateau& p) {
        std::string mode = r.a.choice({"mode"}, "auto", {"auto", "min", "max"});
        if (mode == "auto") mode = p.monitor.find("acc") == std::string::npos ? "min" : "max";
        p.mode = mode == "min" ? PlateauMode::min : PlateauMode::max;
      },
      [](const KerasReduceLROnPlateau& p, spec::Spec& out) {
        spec::put(out, "mode", spec::text_value(p.mode == PlateauMode::min ? "min" : "max"));
      });
}

template <class T>
std::vector<T> operator+(std::vector<T> a, std::vector<T> b) {
  for (auto& x : b) a.push_back(std::move(x));
  return a;
}

const std::vector<Def>& table() {
  using spec::above, spec::at_least, spec::closed, spec::closed_open, spec::open,
      spec::open_closed;
  static const Choices<PlateauMode> min_max = {{"min", PlateauMode::min},
                                               {"max", PlateauMode::max}};
  static const std::vector<Def> t = {
      // ---------------- PyTorch ----------------
      def<Constant>("constant", kPyTorch, "lr = eta0 (no change)"),
      def<ConstantLR>(
          "constant_lr", kPyTorch, "lr = eta0*factor for t < total_iters, then eta0",
          {number(&ConstantLR::factor, "factor", "1/3", open_closed(0, 1), "",
                  " (PyTorch 1.13 divides by factor at t=total_iters)"),
           integer(&ConstantLR::total_iters, "total_iters", "5", at_least(1))}),
      def<LinearLR>(
          "linear_lr", kPyTorch, "lr = eta0*(s + (e - s)*min(t,T)/T)",
          {number(&LinearLR::start_factor, "start_factor", "1/3", open_closed(0, 1),
                  "s, {range}",
                  " (PyTorch 1.13's recursion divides by start_factor*total_iters)"),
           number(&LinearLR::end_factor, "end_factor", "1", closed(0, 1), "e, {range}"),
           integer(&LinearLR::total_iters, "total_iters", "5", at_least(1), "T, integer {range}")}),
      def<StepLR>("step_lr", kPyTorch, "lr = eta0*gamma^floor(t/step_size)",
                  {integer(&StepLR::step_size, "step_size", kRequired, at_least(1)),
                   number(&StepLR::gamma, "gamma", "0.1", above(0))}),
      def<MultiStepLR>(
          "multi_step_lr", kPyTorch, "lr = eta0*gamma^#{milestones <= t} (changes AT t = m)",
          {list(&MultiStepLR::milestones, "milestones", at_least(0), spec::Order::non_decreasing,
                    "non-decreasing integers {range}; repeats count twice",
                    " (a repeated milestone counts twice)"),
           number(&MultiStepLR::gamma, "gamma", "0.1", above(0))}),
      def<ExponentialLR>("exponential_lr", kPyTorch, "lr = eta0*gamma^t",
                         {number(&ExponentialLR::gamma, "gamma", kRequired, above(0))}),
      def<MultiplicativeLR>(
          "multiplicative_lr", kPyTorch, "lr_t = lr_{t-1}*factor (constant lambda; = eta0*factor^t)",
          {number(&MultiplicativeLR::factor, "factor", kRequired, above(0))}),
      def<PolynomialLR>(
          "polynomial_lr", kPyTorch, "lr = eta0*(1 - min(t,T)/T)^power (reaches 0)",
          {integer(&PolynomialLR::total_iters, "total_iters", "5", at_least(1), "T, integer {range}"),
           number(&PolynomialLR::power, "power", "1", at_least(0))}),
      def<CosineAnnealingLR>(
          "cosine_annealing_lr", kPyTorch,
          "lr = eta_min + (eta0 - eta_min)*(1 + cos(pi*t/T_max))/2, periodic past T_max",
          {integer(&CosineAnnealingLR::T_max, "T_max", kRequired, at_least(1)),
           number(&CosineAnnealingLR::eta_min, "eta_min", "0", at_least(0),
                  "absolute floor, {range}")}),
      def<CosineAnnealingWarmRestarts>(
          "cosine_annealing_warm_restarts", kPyTorch,
          "SGDR: cosine over T_i = T_0*T_mult^i, restarting",
          {integer(&CosineAnnealingWarmRestarts::T_0, "T_0", kRequired, at_least(1)),
           integer(&CosineAnnealingWarmRestarts::T_mult, "T_mult", "1", at_least(1)),
           number(&CosineAnnealingWarmRestarts::eta_min, "eta_min", "0", at_least(0),
                  "absolute floor, {range}")}),
      def<CyclicLR>(
          "cyclic_lr", kPyTorch, "triangular cycles between base_lr and max_lr; momentum inversely",
          {number(&CyclicLR::base_lr, "base_lr", kOptimizerLr, at_least(0),
                  "lower bound, {range}; replaces the optimizer's lr"),
           number(&CyclicLR::max_lr, "max_lr", kRequired, at_least(0), "upper bound, {range}"),
           number(&CyclicLR::step_size_up, "step_size_up", "2000", above(0), "steps up, {range}"),
           number(&CyclicLR::step_size_down, "step_size_down", &CyclicLR::step_size_up,
                  "step_size_up", at_least(0), "steps down, {range}"),
           choice(&CyclicLR::mode, "mode", "triangular",
                  Choices<CyclicMode>{{"triangular", CyclicMode::triangular},
                                      {"triangular2", CyclicMode::triangular2},
                                      {"exp_range", CyclicMode::exp_range}}),
           number(&CyclicLR::gamma, "gamma", "1", above(0), "exp_range factor per step, {range}"),
           flag(&CyclicLR::cycle_momentum, "cycle_momentum", "true",
                "cycle the optimizer's momentum (not Adam's beta1)"),
           number(&CyclicLR::base_momentum, "base_momentum", "0.8", closed_open(0, 1)),
           number(&CyclicLR::max_momentum, "max_momentum", "0.9", closed_open(0, 1))}),
      def<OneCycleLR>(
          "one_cycle_lr", kPyTorch,
          "1cycle: max_lr/div_factor -> max_lr -> min; momentum max -> base -> max",
          std::vector{number(&OneCycleLR::max_lr, "max_lr", kOptimizerLr, above(0),
                             "peak LR, {range}")} +
              one_cycle_total_steps() +
              std::vector{
                  number(&OneCycleLR::pct_start, "pct_start", "0.3", open(0, 1),
                         "{range}, pct_start*total_steps > 1"),
                  choice(&OneCycleLR::anneal_strategy, "anneal_strategy", "cos",
                         Choices<Anneal>{{"cos", Anneal::cos}, {"linear", Anneal::linear}}),
                  flag(&OneCycleLR::cycle_momentum, "cycle_momentum", "true",
                       "cycle momentum, or Adam's beta1"),
                  number(&OneCycleLR::base_momentum, "base_momentum", "0.85", closed_open(0, 1)),
                  number(&OneCycleLR::max_momentum, "max_momentum", "0.95", closed_open(0, 1)),
                  number(&OneCycleLR::div_factor, "div_factor", "25", above(0),
                         "initial = max_lr/div_factor, {range}"),
                  number(&OneCycleLR::final_div_factor, "final_div_factor", "1e4", above(0),
                         "min = initial/final_div_factor, {range}"),
                  flag(&OneCycleLR::three_phase, "three_phase", "false",
                       "up, down to initial, then to min")},
          [](const Reader& r, const OneCycleLR& c) {
            const double T = static_cast<double>(c.total_steps);
            const std::string got =
                spec::number_text(c.pct_start) + " with total_steps=" + std::to_string(c.total_steps);
            if (!(c.pct_start * T > 1.0))
              bad(r, "pct_start",
                  "such that pct_start*total_steps > 1 (phase 1 would be empty; PyTorch divides "
                  "by zero)",
                  got);
            if (c.three_phase && !(2.0 * c.pct_start * T - 2.0 < T - 1.0))
              bad(r, "pct_start",
                  "such that 2*pct_start*total_steps - 2 < total_steps - 1 with three_phase=true "
                  "(phase 3 would be empty)",
                  got);
          }),
      def<ReduceLROnPlateau>(
          "reduce_lr_on_plateau", kPyTorch,
          "lr *= factor after more than `patience` epochs without improvement",
          {choice(&ReduceLROnPlateau::mode, "mode", "min", min_max),
           number(&ReduceLROnPlateau::factor, "factor", "0.1", closed_open(0, 1)),
           integer(&ReduceLROnPlateau::patience, "patience", "10", at_least(0)),
           number(&ReduceLROnPlateau::threshold, "threshold", "1e-4", at_least(0)),
           choice(&ReduceLROnPlateau::threshold_mode, "threshold_mode", "rel",
                  Choices<ThresholdMode>{{"rel", ThresholdMode::rel}, {"abs", ThresholdMode::abs}}),
           integer(&ReduceLROnPlateau::cooldown, "cooldown", "0", at_least(0)),
           number(&ReduceLROnPlateau::min_lr, "min_lr", "0", at_least(0)),
           number(&ReduceLROnPlateau::eps, "eps", "1e-8", at_least(0),
                  "smaller LR changes are skipped, {range}")}),
      def<SequentialLR>(
          "sequential_lr", kPyTorch, "child i runs from milestone i, restarted at local step 0",
          {schedules(&SequentialLR::schedulers, "schedulers", "list of schedules [a(..),b(..)]"),
           list(&SequentialLR::milestones, "milestones", at_least(1), spec::Order::increasing,
                    "strictly increasing integers {range}, one fewer than schedulers")},
          [](const Reader& r, const SequentialLR& s) {
            if (s.milestones.size() + 1 != s.schedulers.size())
              bad(r, "milestones",
                  "one fewer than schedulers (" + std::to_string(s.schedulers.size() - 1) + ")",
                  std::to_string(s.milestones.size()) + " milestones");
          }),
      def<ChainedScheduler>(
          "chained_scheduler", kPyTorch, "lr = eta0*prod_i(lr_i(t)/eta0) over chainable children",
          {schedules(&ChainedScheduler::schedulers, "schedulers",
                     "list of chainable PyTorch schedules", chainable)}),
      def<KerasReduceLROnPlateau>(
          "keras_reduce_lr_on_plateau", kKeras,
          "Keras callback: lr *= factor after `patience` epochs without an absolute min_delta gain",
          {spec::word(&KerasReduceLROnPlateau::monitor, "monitor", "val_loss",
                "metric name; only decides mode=auto ('acc' -> max)"),
           number(&KerasReduceLROnPlateau::factor, "factor", "0.1", closed_open(0, 1)),
           integer(&KerasReduceLROnPlateau::patience, "patience", "10", at_least(0)),
           keras_plateau_mode(),
           number(&KerasReduceLROnPlateau::min_delta, "min_delta", "1e-4", at_least(0),
                  "absolute, {range}"),
           integer(&KerasReduceLROnPlateau::cooldown, "cooldown", "0", at_least(0)),
           number(&KerasReduceLROnPlateau::min_lr, "min_lr", "0", at_least(0))}),
      // ---------------- Keras ----------------
      def<ExponentialDecay>(
          "exponential_decay", kKeras, "lr = eta0*decay_rate^(k/decay_steps) (floored if staircase)",
          {initial_learning_rate<ExponentialDecay>(),
           number(&ExponentialDecay::decay_steps, "decay_steps", kRequired, above(0)),
           number(&ExponentialDecay::decay_rate, "decay_rate", kRequired, above(0)),
           flag(&ExponentialDecay::staircase, "staircase", "false", "floor k/decay_steps")}),
      def<PiecewiseConstantDecay>(
          "piecewise_constant_decay", kKeras,
          "values[i] for b_{i-1} < k <= b_i (switches AFTER a boundary)",
          {list(&PiecewiseConstantDecay::boundaries, "boundaries", spec::any(),
                    spec::Order::increasing, "strictly increasing integers"),
           list(&PiecewiseConstantDecay::values, "values", at_least(0), spec::Order::any,
                "absolute LRs, one more than boundaries")},
          [](const Reader& r, const PiecewiseConstantDecay& d) {
            if (d.boundaries.empty()) bad(r, "boundaries", "a non-empty list", "[]");
            if (d.values.size() != d.boundaries.size() + 1)
              bad(r, "values",
                  "one longer than boundaries (" + std::to_string(d.boundaries.size() + 1) + ")",
                  std::to_string(d.values.size()) + " values");
          }),
      def<PolynomialDecay>(
          "polynomial_decay", kKeras, "lr = (eta0 - end)*(1 - min(k,D)/D)^power + end",
          {initial_learning_rate<PolynomialDecay>(),
           number(&PolynomialDecay::decay_steps, "decay_steps", kRequired, above(0), "D, {range}"),
           number(&PolynomialDecay::end_learning_rate, "end_learning_rate", "1e-4", at_least(0)),
           number(&PolynomialDecay::power, "power", "1", at_least(0)),
           flag(&PolynomialDecay::cycle, "cycle", "false", "D <- D*ceil(k/D)")}),
      def<InverseTimeDecay>(
          "inverse_time_decay", kKeras,
          "lr = eta0/(1 + decay_rate*k/decay_steps) (floored if staircase)",
          {initial_learning_rate<InverseTimeDecay>(),
           number(&InverseTimeDecay::decay_steps, "decay_steps", kRequired, above(0)),
           number(&InverseTimeDecay::decay_rate, "decay_rate", kRequired, at_least(0)),
           flag(&InverseTimeDecay::staircase, "staircase", "false", "floor k/decay_steps")}),
      def<CosineDecay>(
          "cosine_decay", kKeras,
          "optional linear warmup, then eta0*((1-alpha)*(1+cos(pi*min(k,D)/D))/2+alpha)",
          {initial_learning_rate<CosineDecay>(),
           number(&CosineDecay::decay_steps, "decay_steps", kRequired, above(0), "D, {range}"),
           number(&CosineDecay::alpha, "alpha", "0", closed(0, 1),
                  "floor relative to the peak, {range}"),
           number_or_none(&CosineDecay::warmup_target, "warmup_target", at_least(0),
                          "peak after warmup, {range}; None = no warmup"),
           number(&CosineDecay::warmup_steps, "warmup_steps", "0", at_least(0),
                  "{range}; needs warmup_target")},
          [](const Reader& r, const CosineDecay& d) {
            if (!d.warmup_target && d.warmup_steps != 0)
              bad(r, "warmup_steps",
                  "0 without warmup_target (Keras ignores warmup_steps then; set warmup_target)",
                  spec::number_text(d.warmup_steps));
          }),
      def<CosineDecayRestarts>(
          "cosine_decay_restarts", kKeras, "SGDR: restart i lasts D*t_mul^i with peak eta0*m_mul^i",
          {initial_learning_rate<CosineDecayRestarts>(),
           number(&CosineDecayRestarts::first_decay_steps, "first_decay_steps", kRequired,
                  above(0), "D, {range}"),
           number(&CosineDecayRestarts::t_mul, "t_mul", "2", at_least(1), "",
                  " (t_mul < 1 gives NaN once the restarts are exhausted)"),
           number(&CosineDecayRestarts::m_mul, "m_mul", "1", at_least(0)),
           number(&CosineDecayRestarts::alpha, "alpha", "0", closed(0, 1),
                  "relative floor, {range}")}),
      def<KerasLegacyDecay>(
          "keras_legacy_decay", kKeras,
          "tf.keras <= 2.10 `decay=d`: lr = lr_then(k)/(1 + d*k), per batch",
          {number(&KerasLegacyDecay::decay, "decay", kRequired, at_least(0)),
           one_schedule(&KerasLegacyDecay::then, "then", kAbsent,
                        "optional schedule evaluated before the division")}),
      // ---------------- lrbench ----------------
      def<Warmup>(
          "warmup", kLrbench,
          "linear/constant warmup over `steps`, then (shifted) or times (shift=false) `then`",
          {integer(&Warmup::steps, "steps", kRequired, at_least(1), "W, integer {range}"),
           choice(&Warmup::mode, "mode", "linear",
                  Choices<WarmupMode>{{"linear", WarmupMode::linear},
                                      {"constant", WarmupMode::constant}}),
           number(&Warmup::start_factor, "start_factor", "1/3", closed(0, 1)),
           flag(&Warmup::shift, "shift", "true",
                "true: then(t - W) after warmup; false: then(t) times the factor"),
           one_schedule(&Warmup::then, "then", kRequired,
                        "the schedule wrapped, as [name(k=v,...)] or a bare name")}),
      def<PerEpoch>(
          "per_epoch", kLrbench, "lr = then(floor(t/steps_per_epoch)): a scheduler stepped per epoch",
          {integer(&PerEpoch::steps_per_epoch, "steps_per_epoch", kRequired, at_least(1)),
           one_schedule(&PerEpoch::then, "then", kRequired,
                        "the schedule wrapped, as [name(k=v,...)] or a bare name")}),
      def<Wsd>(
          "wsd", kLrbench,
          "warmup-stable-decay (Hagele et al. 2024 eq. 1): warmup, eta0, then a linear/cosine/1-sqrt "
          "cooldown over the last decay_steps to final_lr_factor*eta0",
          std::vector{
              integer(&Wsd::total_steps, "total_steps", kRequired, at_least(1),
                      "N, the budget in steps, integer {range}; lr = final_lr_factor*eta0 from N on"),
              integer(&Wsd::warmup_steps, "warmup_steps", "0", at_least(0),
                      "W, linear warmup steps, integer {range}"),
              number(&Wsd::start_factor, "start_factor", "0", closed(0, 1),
                     "warmup starts at start_factor*eta0, {range} (eq. 1: 0; the authors' code: 0.01)")} +
              wsd_decay_steps() +
              std::vector{
                  number(&Wsd::final_lr_factor, "final_lr_factor", "0", closed(0, 1),
                         "m: the cooldown ends at m*eta0, {range}"),
                  choice(&Wsd::shape, "shape", "linear",
                         Choices<WsdShape>{{"linear", WsdShape::linear},
                                           {"cosine", WsdShape::cosine},
                                           {"1-sqrt", WsdShape::one_minus_sqrt}})},
          [](const Reader& r, const Wsd& w) {
            if (w.warmup_steps > w.total_steps - w.decay_steps)
              bad(r, "warmup_steps",
                  "at most total_steps - decay_steps = " +
                      std::to_string(w.total_steps - w.decay_steps) +
                      " (warmup and cooldown would overlap)",
                  std::to_string(w.warmup_steps));
          }),
      // ---------------- tutorials ----------------
      def<Tutorial003Linear>(
          "tutorial003_linear", kTutorial, "lr = eta0*(1 - alpha*t) as written (negative past 1/alpha)",
          {number(&Tutorial003Linear::alpha, "alpha", kRequired, at_least(0))}),
      def<Tutorial003Custom>("tutorial003_custom", kTutorial, "lr = eta0/(1 + t)"),
      def<Tutorial003Hoisted>(
          "tutorial003_hoisted", kTutorial,
          "constant: the tutorial's decay evaluated once at t = total",
          hoisted_fn_or_inner() + std::vector{integer(&Tutorial003Hoisted::total, "total",
                                                      kRequired, at_least(0),
                                                      "N, the total iteration count, integer {range}")}),
      def<Tutorial004Exponential>(
          "tutorial004_exponential", kTutorial, "lr = eta0/sqrt(1 + delta) (a constant)",
          {number(&Tutorial004Exponential::delta, "delta", kRequired, above(-1))}),
      def<Tutorial004Step>("tutorial004_step", kTutorial, "lr = eta0/(t + 1)"),
  };
  return t;
}

const Def& def_of(const Schedule& s) {
  for (const Def& d : table())
    if (d.index == s.v.index()) return d;
  throw std::logic_error("schedules: a Schedule alternative has no table entry");
}

Schedule build(const spec::Spec& sp, double base_lr, int depth) {
  const Def* d = nullptr;
  for (const Def& x : table())
    if (x.name == sp.name) d = &x;
  if (!d) {
    std::vector<std::string_view> names;
    for (const Def& x : table()) names.push_back(x.name);
    throw SpecError("unknown schedule '" + spec::quote(sp.name) +
                    "' (known: " + spec::join(names, ", ", ", ") + ")");
  }
  Reader r(sp, depth, [base_lr](std::string_view w) -> std::optional<double> {
    if (w == kOptimizerLr) return base_lr;
    return std::nullopt;
  });
  Schedule s = d->read(r);
  r.a.finish();
  return s;
}

}  // namespace

Schedule schedule_from_spec(const spec::Spec& sp, double base_lr) {
  if (!std::isfinite(base_lr) || base_lr < 0)
    throw SpecError(spec::quote(sp.name) +
                    ": the optimizer's lr (the schedule's base LR) must be finite and >= 0, got " +
                    spec::number_text(base_lr));
  return build(sp, base_lr, 0);
}

spec::Spec to_spec(const Schedule& s) {
  const Def& d = def_of(s);
  spec::Spec out{std::string(d.name), {}};
  d.write(s, out);
  return out;
}

std::string to_spec_string(const Schedule& s) { return spec::to_string(to_spec(s)); }

std::string schedule_name(const Schedule& s) { return std::string(def_of(s).name); }

std::string to_string(Convention c) {
  switch (c) {
    case Convention::pytorch: return "pytorch";
    case Convention::keras: return "keras";
    case Convention::tutorial: return "tutorial";
    case Convention::lrbench: return "lrbench";
  }
  return "?";
}

std::vector<ScheduleInfo> schedule_catalog() {
  std::vector<ScheduleInfo> out;
  for (const Def& d : table())
    out.push_back({std::string(d.name), std::string(d.summary), d.params, d.convention});
  return out;
}

}  // namespace lrb::sched
