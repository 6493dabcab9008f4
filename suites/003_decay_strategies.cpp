// Suite 003: choosing the LR: decay strategies, CV vs random search,
// initializations and warmup (tutorial 003).
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <span>

#include "core/models/model.hpp"
#include "core/optim/optim.hpp"
#include "core/schedules/schedule.hpp"
#include "core/spec/spec.hpp"
#include "core/train/full_batch.hpp"
#include "core/train/train.hpp"
#include "datasets/rng.hpp"
#include "datasets/sampling.hpp"
#include "datasets/synthetic.hpp"
#include "suites/common.hpp"
#include "suites/verdict_stats.hpp"

namespace lrb::suites {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// ---- the tutorial's loop: full-batch GD on linear regression ------------------------
// Design matrix X (m, 1 + d) = [1, x] row-major (the intercept column of Geron's
// X_b, whose loop the tutorial's resembles); theta (1 + d), starts at 0.
// Per iteration t = 0, 1, ..., N-1 (double throughout):
//   lr_t = lr_at(schedule, t)                    (hoisted schedules: one value)
//   r    = y - X theta;  loss_t = (1/m) sum r^2  (MSE before the update)
//   g    = (1/m) X^T r                           (the tutorial's `gradient`)
//   as_coded:  theta -= lr_t g   -> theta += lr_t (1/m) X^T (X theta - y): ASCENT
//   corrected: theta += lr_t g   -> theta -= lr_t (1/m) X^T (X theta - y)
// (1/m) X^T (X theta - y) is the gradient of (1/2m)|X theta - y|^2: half the
// MSE's; the fixed point (OLS) is the same.  On y = 4 + 3x + N(0,1), x ~ U[0,2),
// the Hessian (1/m) X^T X ~ [[1, 1], [1, 4/3]] has eigenvalues ~2.18 and ~0.153:
// GD is stable for lr < 2/2.18 ~ 0.92, and ascent grows |theta| by ~(1 + 2.18 lr)
// per step.  The loop is train::run_full_batch with Keras' gd (theta - d * lr,
// d = -g corrected, d = g as coded: the same bits as theta +- lr g) and the one
// divergence rule: a loss that is not finite or > 1e8 * max(1, first loss),
// judged on the losses before each update (judge_last_loss = false: the
// tutorial's loop computes no loss after its last update).
struct Design {
  std::vector<double> x;  // (m, p) row-major, column 0 = 1
  std::vector<double> y;  // (m)
  size_t m = 0, p = 0;
};

Design design(const data::RegressionData& r, const std::vector<size_t>& rows) {
  Design d;
  d.m = rows.size();
  d.p = r.d + 1;
  for (size_t i : rows) {
    d.x.push_back(1.0);
    for (size_t j = 0; j < r.d; ++j) d.x.push_back(r.x[i * r.d + j]);
    d.y.push_back(r.y[i]);
  }
  return d;
}

Design subset(const Design& d, const std::vector<size_t>& rows) {
  Design s;
  s.m = rows.size();
  s.p = d.p;
  for (size_t i : rows) {
    s.x.insert(s.x.end(), d.x.begin() + static_cast<std::ptrdiff_t>(i * d.p),
               d.x.begin() + static_cast<std::ptrdiff_t>((i + 1) * d.p));
    s.y.push_back(d.y[i]);
  }
  return s;
}

// (1/m) sum (y - X theta)^2, left to right; writes g = (1/m) X^T (y - X theta)
// when g is not empty.
double mse(const Design& d, std::span<const double> theta, std::span<double> g = {}) {
  std::fill(g.begin(), g.end(), 0.0);
  double sq = 0;
  for (size_t i = 0; i < d.m; ++i) {
    const double* xi = d.x.data() + i * d.p;
    double h = 0;
    for (size_t j = 0; j < d.p; ++j) h += xi[j] * theta[j];
    const double r = d.y[i] - h;
    sq += r * r;
    if (!g.empty())
      for (size_t j = 0; j < d.p; ++j) g[j] += xi[j] * r;
  }
  const double inv_m = 1.0 / static_cast<double>(d.m);
  for (auto& v : g) v *= inv_m;
  return sq * inv_m;
}

struct GdRun {
  std::vector<double> theta;
  std::string status = "ok";
  std::optional<int64_t> diverged_at;  // 1-based update whose loss broke
  std::vector<double> loss, lr, wall;  // per update: loss before it, its LR, seconds since start
};

GdRun gd(const Design& d, const sched::Schedule& s, int iterations, bool ascent,
         std::vector<double> theta0) {
  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  // The schedule gives every LR; the optimizer's own lr is not used.
  const optim::Optimizer opt = optim::optimizer_preset("gd", optim::Convention::keras);
  // What the optimizer gets as the gradient: -g = (1/m) X^T (X theta - y)
  // (corrected), or g itself (as coded: gradient ascent).
  const train::Objective<double> f = [&](std::span<const double> theta, std::span<double> grad) {
    const double loss = mse(d, theta, grad);
    if (!ascent)
      for (auto& v : grad) v = -v;
    return loss;
  };
  GdRun run;
  double prev_loss = 0;
  const auto res = train::run_full_batch<double>(
      f, std::move(theta0), opt, s, {.steps = iterations, .judge_last_loss = false},
      [&](const train::FullBatchPoint<double>& pt) {
        if (pt.t >= 1) {  // update t happened: its LR and the loss it started from
          run.loss.push_back(prev_loss);
          run.lr.push_back(*pt.lr);
          run.wall.push_back(std::chrono::duration<double>(clock::now() - t0).count());
        }
        prev_loss = pt.loss;
      });
  run.theta = res.x;
  if (!res.ok()) {
    run.status = "diverged";
    run.diverged_at = *res.diverged_at + 1;
  }
  return run;
}

// y = 4 + 3x + N(0, sigma^2), x ~ U[0, 2) (datasets/synthetic.hpp), split train/test.
struct LinSplit {
  Design train, test;
  json info;
};
LinSplit linreg_data(const json& ds, uint64_t seed) {
  data::NoisyLinearSpec g;
  g.n = ds.at("n").get<size_t>();
  g.sigma = ds.at("sigma").get<double>();
  const auto r = data::noisy_linear(g, data::derive_seed(seed, "data", 0));
  const auto sp = data::split_indices(
      r.n, {.val_fraction = 0.0, .test_fraction = ds.at("test_fraction").get<double>(), .shuffle = true},
      data::derive_seed(seed, "split", 0));
  LinSplit s{design(r, sp.train), design(r, sp.test), {}};
  s.info = {{"generator", "noisy_linear"}, {"n", r.n},        {"d", r.d},
            {"sigma", g.sigma},            {"n_train", s.train.m}, {"n_test", s.test.m}};
  return s;
}

json to_array(const std::vector<double>& v) {
  json a = json::array();
  for (double x : v) a.push_back(num_or_null(x));
  return a;
}

// params.kind == "gd003": one loop of sec. 4 (as coded or corrected) with one schedule.
RunResult execute_gd003(const RunSpec& run) {
  const json& p = run.params;
  const auto seed = static_cast<uint64_t>(run.seed);
  const auto data = linreg_data(p.at("dataset"), seed);
  const double lr0 = p.at("lr0").get<double>();
  const auto s = sched::schedule_from_spec(spec::parse(p.at("schedule").get<std::string>()), lr0);
  std::vector<double> theta0(data.train.p, 0.0);
  if (p.at("theta0") == "normal") {  // the tutorial's heat start: np.random.normal(0, sigma)
    const double sigma = p.at("theta0_sigma").get<double>();
    auto rng = data::make_rng(seed, "theta0", 0);
    for (auto& v : theta0) v = data::normal(rng, 0.0, sigma);
  }
  const auto g = gd(data.train, s, p.at("iterations").get<int>(), p.at("gradient") == "as_coded", theta0);
  const bool ok = g.status == "ok";
  json fin = {{"initial_train_loss", num_or_null(g.loss.empty() ? NAN : g.loss.front())},
              {"train_loss", num_or_null(ok ? mse(data.train, g.theta) : NAN)},
              {"test_loss", num_or_null(ok ? mse(data.test, g.theta) : NAN)},
              {"lr_first", num_or_null(g.lr.empty() ? NAN : g.lr.front())},
              {"lr_last", num_or_null(g.lr.empty() ? NAN : g.lr.back())},
              {"b", num_or_null(ok ? g.theta[0] : NAN)},
              {"w", num_or_null(ok ? g.theta[1] : NAN)}};
  return json{{"status", g.status},
              {"diverged_at_step", g.diverged_at ? json(*g.diverged_at) : json()},
              {"steps", g.lr.size()},
              {"final", fin},
              {"timing", {{"epoch_wall_seconds", g.wall}}},  // one full-batch step = one epoch
              {"curves", {{"lr_per_step", to_array(g.lr)}, {"train_loss", to_array(g.loss)}}},
              {"dataset", data.info}};
}

// params.kind == "select003": choose the LR of the corrected loop (constant LR,
// `iterations` steps) with `trainings` training runs, retrain on the whole
// training split with the chosen LR, report its test MSE.
//   kfold_grid:    grid of trainings/k LRs, each scored by the mean validation MSE
//                  over k folds (data::kfold, seed derive_seed(seed, "select/kfold", 0))
//   random_search: `trainings` LRs drawn log-uniformly in [lo, hi] (stream
//                  "select/lr"), each scored on one validation split of val_fraction
//                  (split_indices, seed derive_seed(seed, "select/val", 0))
// A candidate whose training diverges on any fold scores +inf (null in JSON).
// The lowest score wins; ties go to the earlier candidate.
double val_score(const Design& tr, const Design& va, double lr, int iterations) {
  const auto s = sched::Schedule{sched::Constant{lr}};
  const auto g = gd(tr, s, iterations, false, std::vector<double>(tr.p, 0.0));
  if (g.status != "ok") return kInf;
  const double v = mse(va, g.theta);
  return std::isfinite(v) ? v : kInf;
}

RunResult execute_select003(const RunSpec& run) {
  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  const json& p = run.params;
  const auto seed = static_cast<uint64_t>(run.seed);
  const auto data = linreg_data(p.at("dataset"), seed);
  const int iterations = p.at("iterations").get<int>();
  const std::string method = p.at("method");
  json cands = json::array();
  double best = kInf, chosen = NAN;
  int trainings = 0;
  auto consider = [&](double lr, double score, json extra) {
    extra["lr"] = lr;
    extra["score"] = num_or_null(score);
    cands.push_back(extra);
    if (score < best) {  // +inf (diverged) never wins; ties keep the earlier
      best = score;
      chosen = lr;
    }
  };
  if (method == "kfold_grid") {
    const auto k = p.at("k").get<size_t>();
    const auto folds = data::kfold(data.train.m, k, data::derive_seed(seed, "select/kfold", 0));
    for (double lr : p.at("grid").get<std::vector<double>>()) {
      json fold_scores = json::array();
      double sum = 0;
      for (const auto& f : folds) {
        const double v = val_score(subset(data.train, f.train), subset(data.train, f.val), lr, iterations);
        ++trainings;
        fold_scores.push_back(num_or_null(v));
        sum += v;
      }
      consider(lr, sum / static_cast<double>(folds.size()), {{"fold_scores", fold_scores}});
    }
  } else if (method == "random_search") {
    const auto range = p.at("range").get<std::vector<double>>();
    const auto sp = data::split_indices(
        data.train.m, {.val_fraction = p.at("val_fraction").get<double>(), .test_fraction = 0.0, .shuffle = true},
        data::derive_seed(seed, "select/val", 0));
    const auto tr = subset(data.train, sp.train), va = subset(data.train, sp.val);
    auto rng = data::make_rng(seed, "select/lr", 0);
    const double a = data::det_log(range.at(0)), b = data::det_log(range.at(1));
    const int draws = p.at("draws").get<int>();
    for (int i = 0; i < draws; ++i) {
      const double lr = data::det_exp(data::uniform(rng, a, b));
      const double v = val_score(tr, va, lr, iterations);
      ++trainings;
      consider(lr, v, json::object());
    }
  } else {
    throw std::invalid_argument("select003: unknown method " + method);
  }
  // Every candidate diverged: fall back to the smallest LR tried (still recorded as such).
  if (!std::isfinite(best)) {
    chosen = kInf;
    for (const auto& c : cands) chosen = std::min(chosen, c.at("lr").get<double>());
  }
  const auto g = gd(data.train, sched::Schedule{sched::Constant{chosen}}, iterations, false,
                    std::vector<double>(data.train.p, 0.0));
  const bool ok = g.status == "ok";
  json fin = {{"chosen_lr", chosen},
              {"chosen_score", num_or_null(best)},
              {"trainings", trainings},
              {"train_loss", num_or_null(ok ? mse(data.train, g.theta) : NAN)},
              {"test_loss", num_or_null(ok ? mse(data.test, g.theta) : NAN)}};
  json wall = json::array({std::chrono::duration<double>(clock::now() - t0).count()});
  return json{{"status", g.status},
              {"diverged_at_step", g.diverged_at ? json(*g.diverged_at) : json()},
              {"steps", g.lr.size()},
              {"final", fin},
              {"timing", {{"epoch_wall_seconds", wall}}},  // the whole selection + refit
              {"curves", {{"candidates", cands}, {"train_loss", to_array(g.loss)}}},
              {"dataset", data.info}};
}

// ---- the tutorial's he_init on an MLP ---------------------------------------------
// he_init(size): gain = sqrt(2/size), times 0.1 when size is even; read as the
// standard deviation of np.random.normal for a kernel with fan_in = size (biases 0).
// Stream per tensor: derive_seed(seed, "init/" + name, 0), as models::init_params.
template <class T>
void init_tutorial_he(models::Model<T>& m, uint64_t seed) {
  for (const auto& t : m.tensors) {
    T* p = m.params.data() + t.offset;
    if (t.is_bias) {
      std::fill(p, p + t.size, T(0));
      continue;
    }
    const double sd = std::sqrt(2.0 / t.fan_in) * (t.fan_in % 2 == 0 ? 0.1 : 1.0);
    auto rng = data::make_rng(seed, "init/" + t.name, 0);
    for (size_t i = 0; i < t.size; ++i) p[i] = static_cast<T>(sd * data::normal(rng));
  }
}

// params = train_params(...) with "kind": "train_tutorial_he" and "init":
// "tutorial003_he": execute_train's teacher20 run (same data, split, shuffle
// streams and loop), only the initialization differs.  float32 only.
RunResult execute_tutorial_he(const RunSpec& run) {
  using T = float;
  const json& p = run.params;
  const json& ds = p.at("dataset");
  if (ds.at("generator") != "teacher20" || p.at("dtype") != "float32" ||
      ds.at("val_fraction").get<double>() != 0.0)
    throw std::invalid_argument("train_tutorial_he: teacher20, float32, no validation split only");
  const uint64_t seed = static_cast<uint64_t>(run.seed);
  data::TeacherMlpSpec g;
  g.n = ds.at("n").get<size_t>();
  g.sigma = ds.at("sigma").get<double>();
  const auto r = data::teacher_mlp(g, data::derive_seed(seed, "data", 0));
  const auto sp = data::split_indices(
      r.n, {.val_fraction = 0.0, .test_fraction = ds.at("test_fraction").get<double>(), .shuffle = true},
      data::derive_seed(seed, "split", 0));
  auto take = [&](const std::vector<size_t>& rows, std::vector<T>& x, std::vector<T>& y) {
    for (size_t i : rows) {
      for (size_t j = 0; j < r.d; ++j) x.push_back(static_cast<T>(r.x[i * r.d + j]));
      y.push_back(static_cast<T>(r.y[i]));
    }
  };
  std::vector<T> xtr, ytr, xte, yte;  // (n, d), (n)
  take(sp.train, xtr, ytr);
  take(sp.test, xte, yte);
  const train::Examples<T> tr{xtr, {}, ytr, sp.train.size()}, te{xte, {}, yte, sp.test.size()};

  const auto opt = optim::optimizer_from_spec(spec::parse(p.at("optimizer").get<std::string>()));
  const auto sch = sched::schedule_from_spec(spec::parse(p.at("schedule").get<std::string>()), opt.lr);
  const auto mcfg = models::model_from_spec(spec::parse(p.at("model").get<std::string>()));
  const int batch = p.at("batch").get<int>();
  auto model = models::make_model<T>(mcfg, std::max(batch, 256));
  init_tutorial_he(model, seed);
  train::TrainConfig tc;
  tc.epochs = p.at("epochs").get<int>();
  tc.batch = batch;
  tc.seed = seed;
  tc.lr_unit = p.at("lr_unit") == "epoch" ? train::LrUnit::epoch : train::LrUnit::step;
  const auto res = train::train<T>(model, opt, sch, tr, te, tc);
  auto mean_loss = [&](const train::Examples<T>& e) {
    const auto s = train::evaluate_all<T>(model, e);
    return s.loss_sum / static_cast<double>(s.count);
  };
  json epochs = json::array(), wall = json::array(), lrs = json::array();
  for (const auto& e : res.epochs) {
    epochs.push_back({{"epoch", e.epoch},
                      {"steps", e.steps},
                      {"train_loss", num_or_null(e.train_loss)},
                      {"test_loss", num_or_null(e.test_loss)},
                      {"lr_last", num_or_null(e.lr_last)}});
    wall.push_back(e.wall_s);
  }
  for (float v : res.lr_per_step) lrs.push_back(num_or_null(v));
  return json{{"status", res.status},
              {"timing", {{"epoch_wall_seconds", wall}}},
              {"diverged_at_step", res.diverged_at_step ? json(*res.diverged_at_step) : json()},
              {"steps", res.steps},
              {"final",
               {{"train_loss", num_or_null(mean_loss(tr))},
                {"val_loss", nullptr},
                {"test_loss", num_or_null(mean_loss(te))},
                {"lr_last", num_or_null(res.lr_per_step.empty() ? NAN : res.lr_per_step.back())}}},
              {"curves", {{"epochs", epochs}, {"lr_per_step", lrs}}},
              {"dataset",
               {{"generator", "teacher20"}, {"n", r.n}, {"d", r.d}, {"sigma", g.sigma},
                {"n_train", tr.n}, {"n_val", 0}, {"n_test", te.n}}}};
}

// ---- the plan ----------------------------------------------------------------------
constexpr double kLr0 = 0.1;     // the tutorial's `alpha` argument (the initial LR)
constexpr double kGamma = 0.99;  // exponential decay factor
const char* kStrategies[] = {"linear", "exponential", "custom"};

// What each variant of a strategy runs (N = iterations, alpha = 1/N so the
// formula's linear decay reaches 0 exactly at the end, as sec. 2.1.1 says).
//   as_coded        sec. 4 verbatim: ascent + the coded function hoisted (LR constant)
//   hoisted         sign fixed, LR still computed once before the loop
//   coded_per_step  sign fixed, the coded function evaluated every step:
//                   linear_decay(lr0, t) = lr0/(1 + lr0 t), exponential_decay(gamma, t) = gamma^t
//   formula         (= corrected) sign fixed, sec. 3.2's formula every step:
//                   lr0 (1 - alpha t), lr0 gamma^t, lr0/(1 + t)
std::string decay_schedule(const std::string& strategy, const std::string& variant, int n) {
  const std::string fn = strategy + "_decay";
  const std::string gamma = fmt::format(",gamma={}", kGamma);
  if (variant == "as_coded" || variant == "hoisted")
    return fmt::format("tutorial003_hoisted:fn={},total={}{}", fn, n, strategy == "exponential" ? gamma : "");
  if (variant == "coded_per_step") {
    if (strategy == "linear")
      return fmt::format("inverse_time_decay:initial_learning_rate={},decay_steps=1,decay_rate={}", kLr0, kLr0);
    if (strategy == "exponential")
      return fmt::format("exponential_decay:initial_learning_rate=1,decay_steps=1,decay_rate={}", kGamma);
    return "tutorial003_custom";
  }
  if (strategy == "linear") return fmt::format("tutorial003_linear:alpha={}", 1.0 / n);
  if (strategy == "exponential") return fmt::format("exponential_lr:gamma={}", kGamma);
  return "tutorial003_custom";
}

// theta0: "zeros" | "normal" (N(0, theta0_sigma^2), stream derive_seed(seed, "theta0", 0)).
json gd_params(const std::string& schedule, int iterations, bool as_coded, const std::string& theta0,
               double theta0_sigma = 0.0) {
  const auto s = sched::schedule_from_spec(spec::parse(schedule), kLr0);  // validates, canonical
  return {{"kind", "gd003"},
          {"dataset", {{"generator", "noisy_linear"}, {"n", 1000}, {"sigma", 1.0}, {"test_fraction", 0.2}}},
          {"lr0", kLr0},
          {"schedule", sched::to_spec_string(s)},
          {"iterations", iterations},
          {"gradient", as_coded ? "as_coded" : "corrected"},
          {"theta0", theta0},
          {"theta0_sigma", theta0_sigma},
          {"dtype", "float64"}};
}

constexpr int kSelectTrainings = 20, kSelectFolds = 5, kSelectIterations = 50;
json select_params(const std::string& method) {
  json p = {{"kind", "select003"},
            {"dataset", {{"generator", "noisy_linear"}, {"n", 1000}, {"sigma", 1.0}, {"test_fraction", 0.2}}},
            {"method", method},
            {"iterations", kSelectIterations},
            {"dtype", "float64"}};
  if (method == "kfold_grid") {
    p["k"] = kSelectFolds;
    p["grid"] = {0.001, 0.01, 0.1, 1.0};  // trainings / k = 4 LRs, log-spaced over the range
  } else {
    p["draws"] = kSelectTrainings;
    p["range"] = {0.001, 1.0};
    p["val_fraction"] = 0.2;  // each training sees 4/5 of the training split, as one CV fold
  }
  return p;
}

// MLP part: mlp004 on teacher20, Keras SGD, batch 32.
constexpr double kMlpLr = 0.01;
const double kWarmLrs[] = {0.5, 0.8};  // high LRs for this MLP (0.01-0.1 train it without trouble)
std::string warm_config(const char* kind, double lr) { return fmt::format("warmup/{}/lr={}", kind, lr); }
const char* kInits[][2] = {{"init/zeros", "zeros"},
                           {"init/normal", "normal:sigma=0.01"},  // the tutorial's heat start
                           {"init/glorot", "glorot_uniform"},
                           {"init/he", "he_normal"},
                           {"init/tutorial_he", "tutorial003_he"}};

TrainParams mlp_params(int epochs) {
  TrainParams t;
  t.generator = "teacher20";
  t.n = 1000;
  t.sigma = 0.1;
  t.val_fraction = 0.0;
  t.test_fraction = 0.2;
  t.model = "mlp004";
  t.init = "glorot_uniform";
  t.optimizer = fmt::format("sgd:lr={},convention=keras", kMlpLr);
  t.epochs = epochs;
  t.batch = 32;
  t.dtype = "float32";
  return t;
}
constexpr int kWarmupSteps = 125;  // 5 epochs of 25 updates (800 training rows, batch 32)

std::vector<RunSpec> plan(const Budget& b) {
  // 20 seeds full: every run is cheap (the full plan takes seconds), and the
  // initialization comparisons need the power.
  const int seeds = b.seeds > 0 ? b.seeds : (b.quick ? 3 : 20);
  const int iterations = b.quick ? 200 : 500;
  const int epochs = b.quick ? 30 : 100;
  std::vector<RunSpec> runs;
  // Factor "code": the tutorial's code as written vs the corrected form of the same thing.
  auto add = [&](const std::string& config, const json& params, const Factors& factors) {
    for (int s = 0; s < seeds; ++s) runs.push_back({"003", config, s, params, factors});
  };
  add("gd/as_coded", gd_params("constant", iterations, true, "zeros"), {{"experiment", "gd"}, {"code", "as_written"}});
  add("gd/corrected", gd_params("constant", iterations, false, "zeros"), {{"experiment", "gd"}, {"code", "corrected"}});
  for (const char* st : kStrategies)
    for (const char* v : {"as_coded", "hoisted", "coded_per_step", "formula"})
      if (!(std::string(st) == "custom" && std::string(v) == "coded_per_step"))  // = formula
        add(fmt::format("{}/{}", st, v),
            gd_params(decay_schedule(st, v, iterations), iterations, std::string(v) == "as_coded", "zeros"),
            {{"experiment", "decay"}, {"strategy", st}, {"variant", v}});
  add("heatstart/as_coded",
      gd_params(decay_schedule("linear", "as_coded", iterations), iterations, true, "normal", 0.01),
      {{"experiment", "heatstart"}, {"variant", "as_coded"}});
  add("select/kfold_grid", select_params("kfold_grid"), {{"experiment", "select"}, {"method", "kfold_grid"}});
  add("select/random_search", select_params("random_search"), {{"experiment", "select"}, {"method", "random_search"}});
  for (const auto& [config, init] : kInits) {
    TrainParams t = mlp_params(epochs);
    const bool tutorial = std::string(init) == "tutorial003_he";
    t.init = tutorial ? "zeros" : init;  // validated form; replaced below
    json p = train_params(t);
    if (tutorial) {
      p["kind"] = "train_tutorial_he";
      p["init"] = init;
    }
    // The tutorial's He formula (as written) against He as defined (corrected).
    const std::string name = std::string(config).substr(5);  // after "init/"
    Factors factors = {{"experiment", "init"}, {"init", tutorial ? "he" : name}};
    if (tutorial || name == "he") factors.push_back({"code", tutorial ? "as_written" : "corrected"});
    add(config, p, factors);
  }
  for (double lr : kWarmLrs) {
    TrainParams w = mlp_params(epochs);
    w.init = "he_normal";
    w.optimizer = fmt::format("sgd:lr={},convention=keras", lr);
    add(warm_config("none", lr), train_params(w), {{"experiment", "warmup"}, {"warmup", "none"}, {"lr", lr}});
    w.schedule =
        fmt::format("warmup:steps={},mode=linear,start_factor=0.1,shift=true,then=[constant]", kWarmupSteps);
    add(warm_config("linear", lr), train_params(w), {{"experiment", "warmup"}, {"warmup", "linear"}, {"lr", lr}});
  }
  return runs;
}

RunResult execute(const RunSpec& run, const RunContext& context) {
  const auto& kind = run.params.at("kind");
  if (kind == "gd003") return execute_gd003(run);
  if (kind == "select003") return execute_select003(run);
  if (kind == "train_tutorial_he") return execute_tutorial_he(run);
  return execute_train(run, context);
}

// ---- claims ------------------------------------------------------------------------
// Calls fn(seed, record) for every present record of `config`, counting
// expected / missing / diverged into r.
template <class Fn>
void each_record(const ResultSet& rs, const std::vector<RunSpec>& plan, const std::string& config,
                 ClaimResult& r, Fn fn) {
  for (const auto& run : plan) {
    if (run.config != config) continue;
    ++r.expected;
    const json* rec = rs.find(config, run.seed);
    if (!rec) {
      ++r.missing;
      continue;
    }
    if (rec->at("status") == "diverged") ++r.diverged;
    fn(run.seed, *rec);
  }
}

double num(const json& rec, const char* pointer) {
  const auto& v = rec.at(json::json_pointer(pointer));
  return v.is_number() ? v.get<double>() : NAN;
}

double median_of(const json& per_seed) {
  std::vector<double> v;
  for (const auto& [k, x] : per_seed.items()) v.push_back(x.get<double>());
  return stats::median(v);
}

std::vector<double> lr_curve(const json& rec) {
  std::vector<double> v;
  for (const auto& x : rec.at("/curves/lr_per_step"_json_pointer)) v.push_back(x.is_number() ? x.get<double>() : NAN);
  return v;
}

std::vector<Claim> claims() {
  std::vector<Claim> c;
  c.push_back(
      {"003.1", "Its gradient-descent code (sec. 4.1) subtracts (1/m) X^T (y - X theta): gradient ascent, "
                "which diverges (the corrected sign converges)",
       "tutorial 003 sec. 4.1 code", "status of gd/as_coded (lr 0.1, theta0 = 0) per seed; gd/corrected train MSE",
       "supported if every as-coded run diverges and every corrected run ends with a finite train MSE "
       "below its initial one; refuted if an as-coded run does not diverge",
       [](const ResultSet& rs, const std::vector<RunSpec>& plan) {
         ClaimResult r, ok;
         r.basis = "count";
         json at = json::object();
         int n = 0;
         int64_t first = std::numeric_limits<int64_t>::max(), last = 0, iters = 0;
         each_record(rs, plan, "gd/as_coded", r, [&](int64_t s, const json& rec) {
           ++n;
           iters = rec.at("/params/iterations"_json_pointer).get<int64_t>();
           const json step = rec.value("diverged_at_step", json());
           at[std::to_string(s)] = step;
           if (step.is_number_integer()) {
             first = std::min(first, step.get<int64_t>());
             last = std::max(last, step.get<int64_t>());
           }
         });
         int good = 0, m = 0;
         std::vector<double> fin;
         each_record(rs, plan, "gd/corrected", ok, [&](int64_t, const json& rec) {
           ++m;
           const double f = num(rec, "/final/train_loss"), i0 = num(rec, "/final/initial_train_loss");
           if (std::isfinite(f)) fin.push_back(f);
           good += f < i0;
         });
         r.expected += ok.expected;
         r.missing += ok.missing;
         r.verdict = n > 0 && r.diverged == n && good == m && m > 0 ? Verdict::supported
                     : r.diverged < n                               ? Verdict::refuted
                                                                    : Verdict::inconclusive;
         r.summary = fmt::format("as coded: {} of {} runs diverged (at steps {}..{} of {}); corrected: {} of {} "
                                 "end below their initial train MSE, final train MSE mean {}",
                                 r.diverged, n, r.diverged ? first : 0, last,
                                 iters, good, m,
                                 fin.empty() ? "n/a" : fmt_num(stats::mean(fin)));
         r.evidence = {{"as_coded_diverged_at", at}, {"corrected_final_train_loss", fin}};
         note_missing(r);
         return r;
       }});
  c.push_back(
      {"003.2", "Each decayed loop as coded (sec. 4.2-4.4) climbs the loss (gradient ascent): it ends above "
                "where it started or diverges",
       "tutorial 003 sec. 4.2-4.4 code", "final vs initial train MSE of {linear,exponential,custom}/as_coded",
       "supported if every run diverged or ended with train MSE > its initial; refuted if any run decreased it",
       [](const ResultSet& rs, const std::vector<RunSpec>& plan) {
         ClaimResult r;
         r.basis = "count";
         int n = 0, up = 0;
         json ev = json::object();
         std::map<std::string, std::string> seed0 = {{"linear", "n/a"}, {"exponential", "n/a"}, {"custom", "n/a"}};
         for (const char* st : kStrategies) {
           json per = json::object();
           each_record(rs, plan, fmt::format("{}/as_coded", st), r, [&](int64_t s, const json& rec) {
             ++n;
             const bool div = rec.at("status") == "diverged";
             const double ratio = num(rec, "/final/train_loss") / num(rec, "/final/initial_train_loss");
             up += div || ratio > 1;
             per[std::to_string(s)] = div ? json("diverged") : num_or_null(ratio);
             if (s == 0) seed0[st] = div ? std::string("diverged") : fmt_num(ratio);
           });
           ev[st] = per;
         }
         r.verdict = n == 0 ? Verdict::inconclusive : up == n ? Verdict::supported : Verdict::refuted;
         r.summary = fmt::format("{} of {} runs ascend ({} diverged); final/initial train MSE: linear {}, "
                                 "exponential {}, custom {} (seed 0)",
                                 up, n, r.diverged, seed0["linear"], seed0["exponential"], seed0["custom"]);
         r.evidence = {{"final_over_initial_train_loss", ev}};
         note_missing(r);
         return r;
       }});
  c.push_back(
      {"003.3", "Each decayed LR as coded is computed once, before the loop: the LR applied never changes",
       "tutorial 003 sec. 4.2-4.4 code", "min and max of lr_per_step of every {strategy}/as_coded run",
       "supported if min == max in every run (a constant 'decay'); refuted if any run's LR changes",
       [](const ResultSet& rs, const std::vector<RunSpec>& plan) {
         ClaimResult r;
         r.basis = "count";
         int n = 0, constant = 0;
         json ev = json::object();
         for (const char* st : kStrategies) {
           each_record(rs, plan, fmt::format("{}/as_coded", st), r, [&](int64_t s, const json& rec) {
             const auto lr = lr_curve(rec);
             if (lr.empty()) return;
             ++n;
             const auto [lo, hi] = std::minmax_element(lr.begin(), lr.end());
             constant += *lo == *hi;
             if (s == 0) ev[st] = {{"lr_min", *lo}, {"lr_max", *hi}, {"steps", lr.size()}};
           });
         }
         r.verdict = n == 0 ? Verdict::inconclusive : constant == n ? Verdict::supported : Verdict::refuted;
         auto lr_of = [&](const char* st) {
           return ev.contains(st) ? fmt_num(ev[st]["lr_max"].get<double>()) : std::string("n/a");
         };
         r.summary = fmt::format("{} of {} as-coded runs apply one constant LR (seed 0: linear {}, exponential {}, "
                                 "custom {})",
                                 constant, n, lr_of("linear"), lr_of("exponential"), lr_of("custom"));
         r.evidence = ev;
         note_missing(r);
         return r;
       }});
  c.push_back(
      {"003.4", "Its `linear_decay` is inverse-time decay lr0/(1 + lr0 t), not linear lr0 (1 - alpha t), and "
                "never reaches 0 (sec. 2.1.1 says linear decay goes to zero)",
       "tutorial 003 sec. 2.1.1 / 4.2 code",
       "lr_per_step of linear/coded_per_step (the coded function called every step) against both formulas; "
       "its value at t = N (what the hoisted code applies)",
       "supported if it matches lr0/(1 + lr0 t) to 1e-12 relative everywhere and differs from lr0 (1 - t/N) "
       "by > 10% somewhere; refuted if it matches the linear form",
       [](const ResultSet& rs, const std::vector<RunSpec>& plan) {
         ClaimResult r;
         r.basis = "exact";
         double inv_err = 0, lin_err = 0, last = NAN, hoisted = NAN;
         int n = 0;
         each_record(rs, plan, "linear/coded_per_step", r, [&](int64_t, const json& rec) {
           const auto lr = lr_curve(rec);
           const double N = static_cast<double>(rec.at("/params/iterations"_json_pointer).get<int>());
           const double lr0 = rec.at("/params/lr0"_json_pointer).get<double>();
           for (size_t t = 0; t < lr.size(); ++t) {
             const double inv = lr0 / (1 + lr0 * static_cast<double>(t));
             const double lin = lr0 * (1 - static_cast<double>(t) / N);
             inv_err = std::max(inv_err, std::fabs(lr[t] - inv) / inv);
             lin_err = std::max(lin_err, std::fabs(lr[t] - lin) / lr0);
           }
           if (!lr.empty()) last = lr.back();
           hoisted = lr0 / (1 + lr0 * N);
           ++n;
         });
         ClaimResult h;
         each_record(rs, plan, "linear/as_coded", h, [&](int64_t, const json& rec) {
           const auto lr = lr_curve(rec);
           if (!lr.empty()) hoisted = lr.front();
         });
         r.expected += h.expected;
         r.missing += h.missing;
         r.verdict = n == 0                           ? Verdict::inconclusive
                     : inv_err < 1e-12 && lin_err > 0.1 ? Verdict::supported
                     : lin_err < 1e-12                  ? Verdict::refuted
                                                        : Verdict::inconclusive;
         r.summary = fmt::format("max rel. deviation from lr0/(1+lr0 t): {}; from lr0(1-t/N): {} (of lr0); "
                                 "last LR {} (linear would be ~0); hoisted value applied as coded {}",
                                 fmt_num(inv_err), fmt_num(lin_err), fmt_num(last), fmt_num(hoisted));
         r.evidence = {{"max_rel_err_inverse_time", num_or_null(inv_err)},
                       {"max_err_linear_over_lr0", num_or_null(lin_err)},
                       {"lr_last", num_or_null(last)},
                       {"as_coded_lr", num_or_null(hoisted)}};
         note_missing(r);
         return r;
       }});
  c.push_back(
      {"003.5", "Its `exponential_decay(gamma, t)` returns gamma^t: the initial LR is dropped (LR 1 at t = 0)",
       "tutorial 003 sec. 4.3 code", "first LR of exponential/coded_per_step and the as-coded constant gamma^N",
       "supported if the first LR is 1 (not lr0) in every run; refuted if it is lr0",
       [](const ResultSet& rs, const std::vector<RunSpec>& plan) {
         ClaimResult r;
         r.basis = "count";
         int n = 0, one = 0, lr0s = 0;
         double coded = NAN;
         each_record(rs, plan, "exponential/coded_per_step", r, [&](int64_t, const json& rec) {
           ++n;
           const double f = num(rec, "/final/lr_first");
           one += f == 1.0;
           lr0s += f == rec.at("/params/lr0"_json_pointer).get<double>();
         });
         ClaimResult h;
         each_record(rs, plan, "exponential/as_coded", h, [&](int64_t, const json& rec) {
           coded = num(rec, "/final/lr_first");
         });
         r.expected += h.expected;
         r.missing += h.missing;
         r.verdict = n == 0 ? Verdict::inconclusive : one == n ? Verdict::supported
                                                  : lr0s > 0  ? Verdict::refuted
                                                              : Verdict::inconclusive;
         r.summary = fmt::format("first LR = 1 in {} of {} runs (lr0 = {}); the as-coded loop applies gamma^N = {}",
                                 one, n, kLr0, fmt_num(coded));
         r.evidence = {{"first_lr_is_1", one}, {"runs", n}, {"as_coded_lr", num_or_null(coded)}};
         note_missing(r);
         return r;
       }});
  const std::string test = "/final/test_loss";
  int id = 6;
  for (const char* st : kStrategies) {
    const std::string contender = fmt::format("{}/formula", st);
    c.push_back({fmt::format("003.{}", id++),
                 fmt::format("{} decay (sec. 3.2's formula, sign corrected, evaluated every step) trains linear "
                             "regression to a better fit than a constant LR",
                             st),
                 "tutorial 003 sec. 2.1 / 3.2", "held-out test MSE after N full-batch steps, paired by seed",
                 "paired 95% CI of (decay - constant): below 0 supported; above 0 or within +-0.5% refuted",
                 [=](const ResultSet& rs, const std::vector<RunSpec>& plan) {
                   return claim_better(rs, plan, "gd/corrected", contender, test, true, 0.005);
                 }});
  }
  c.push_back({"003.9", "Cross-validation and random search are interchangeable ways to choose the LR (same "
                        "budget: 20 training runs, same data per run)",
               "tutorial 003 sec. 1.2 (2) / 6.3",
               "test MSE of the LR each selects (retrained on the training split), paired by seed",
               "supported if the paired 95% CI lies within +-2% of the CV mean; refuted if it lies outside; "
               "else inconclusive",
               [=](const ResultSet& rs, const std::vector<RunSpec>& plan) {
                 auto r = claim_equivalent(rs, plan, "select/kfold_grid", "select/random_search", test, 0.02);
                 for (const char* cfg : {"select/kfold_grid", "select/random_search"}) {
                   ClaimResult tmp;
                   std::vector<double> lrs;
                   each_record(rs, plan, cfg, tmp, [&](int64_t, const json& rec) {
                     if (std::isfinite(num(rec, "/final/chosen_lr"))) lrs.push_back(num(rec, "/final/chosen_lr"));
                   });
                   r.evidence[std::string("chosen_lr/") + cfg] = lrs;
                   if (!lrs.empty())
                     r.summary += fmt::format("; {} chose lr median {}", cfg, fmt_num(stats::median(lrs)));
                 }
                 return r;
               }});
  c.push_back({"003.10", "'Warm start' (initial parameters from N(0, small sigma), sigma = 0.01) trains the model "
                         "better than a random (Glorot) initialization",
               "tutorial 003 sec. 2.2 / 6.2", "test MSE of mlp004 on teacher20 after the epochs, paired by seed",
               "as 003.6 (+-1%)",
               [=](const ResultSet& rs, const std::vector<RunSpec>& plan) {
                 return claim_better(rs, plan, "init/glorot", "init/normal", test, true, 0.01);
               }});
  c.push_back({"003.11", "The tutorial's he_init (sqrt(2/size), x0.1 for even sizes) is He initialization: it "
                         "trains as well as He",
               "tutorial 003 sec. 4.5 code", "test MSE of init/tutorial_he vs init/he, paired by seed",
               "supported if the paired 95% CI lies within +-5% of the He mean; refuted if outside",
               [=](const ResultSet& rs, const std::vector<RunSpec>& plan) {
                 return claim_equivalent(rs, plan, "init/he", "init/tutorial_he", test, 0.05);
               }});
  c.push_back({"003.12", "Initialization matters: He initialization trains the ReLU MLP better than zeros "
                         "(zero kernels get zero gradients through ReLU)",
               "lrbench: the initializations tutorial 003 names (zeros, Gaussian, Glorot, He)", "test MSE of init/he vs init/zeros, paired by seed",
               "as 003.6 (+-1%)",
               [=](const ResultSet& rs, const std::vector<RunSpec>& plan) {
                 return claim_better(rs, plan, "init/zeros", "init/he", test, true, 0.01);
               }});
  c.push_back(
      {"003.13", "'Warm start' (学习率热起始) is a learning-rate strategy",
       "tutorial 003 sec. 1.2 (3) / 4.5 code",
       "lr_per_step of its code (heatstart/as_coded) against the hoisted linear_decay loop without it",
       "refuted if its LR sequence is identical to linear/as_coded's (only theta0 differs); supported if it "
       "changes the LR",
       [](const ResultSet& rs, const std::vector<RunSpec>& plan) {
         ClaimResult r;
         r.basis = "count";
         int n = 0, same = 0;
         each_record(rs, plan, "heatstart/as_coded", r, [&](int64_t s, const json& rec) {
           const json* base = rs.find("linear/as_coded", s);
           if (!base) return;
           ++n;
           same += lr_curve(rec) == lr_curve(*base);
         });
         r.verdict = n == 0 ? Verdict::inconclusive : same == n ? Verdict::refuted : Verdict::supported;
         r.summary = fmt::format("LR sequence identical to the plain hoisted linear decay in {} of {} seeds: the "
                                 "'warm start' only draws theta0 ~ N(0, 0.01^2) (an initialization)",
                                 same, n);
         r.evidence = {{"identical_lr", same}, {"pairs", n}};
         note_missing(r);
         return r;
       }});
  c.push_back(
      {"003.14", "A real LR warmup (linear from 0.1 lr to lr over the first 5 epochs) trains better at a high LR "
                 "than no warmup",
       "lrbench: real LR warmup (tutorial 003's \"warm start\" is an initialization)",
       "test MSE with and without warmup at lr 0.5 and 0.8 (He init), paired by (lr, seed); a diverged run "
       "counts as worse than any finite one",
       "exact two-sided sign test over the pairs (ties dropped): p < 0.05 with more warmup wins supported, "
       "p < 0.05 with more losses refuted, else inconclusive",
       [](const ResultSet& rs, const std::vector<RunSpec>& plan) {
         ClaimResult r;
         int wins = 0, losses = 0, ties = 0;
         json ev = json::object();
         for (double lr : kWarmLrs) {
           const std::string nc = warm_config("none", lr), wc = warm_config("linear", lr);
           auto loss = [](const json& rec) {
             const double v = rec.at("status") == "diverged" ? kInf : num(rec, "/final/test_loss");
             return std::isnan(v) ? kInf : v;
           };
           int w = 0, l = 0;
           each_record(rs, plan, nc, r, [](int64_t, const json&) {});
           each_record(rs, plan, wc, r, [&](int64_t s, const json& rec) {
             const json* base = rs.find(nc, s);
             if (!base) return;
             const double a = loss(*base), b = loss(rec);
             if (b < a) ++w;
             else if (b > a) ++l;
             else ++ties;
           });
           wins += w;
           losses += l;
           ev[fmt::format("lr={}", lr)] = {{"none", to_json(series(rs, plan, nc, "/final/test_loss"))},
                                           {"warmup", to_json(series(rs, plan, wc, "/final/test_loss"))},
                                           {"warmup_wins", w},
                                           {"warmup_losses", l}};
         }
         // Exact two-sided sign test: p = min(1, 2 P(Bin(n, 1/2) <= min(wins, losses))).
         const int n = wins + losses;
         const double p = sign_test_p(wins, losses);
         ClaimTest t;
         t.kind = ClaimTest::Kind::sign;
         t.baseline = "warmup/none";
         t.contender = "warmup/linear";
         t.units = "wins of warmup over pairs (lr, seed)";
         for (double lr : kWarmLrs)
           for (const char* w : {"none", "linear"}) t.configs.push_back(warm_config(w, lr));
         t.wins = wins;
         t.losses = losses;
         t.ties = ties;
         r.tests.push_back(std::move(t));
         judge_raw(r);
         r.summary = fmt::format("warmup better in {} of {} pairs, worse in {} ({} ties), sign test p = {}; "
                                 "diverged runs {}",
                                 wins, n + ties, losses, ties, fmt_num(p), r.diverged);
         for (double lr : kWarmLrs) {
           const auto& e = ev[fmt::format("lr={}", lr)];
           r.summary += fmt::format("; lr {}: median test MSE none {} / warmup {}, diverged {} / {}", lr,
                                    e["none"].contains("per_seed") && !e["none"]["per_seed"].empty()
                                        ? fmt_num(median_of(e["none"]["per_seed"]))
                                        : "n/a",
                                    e["warmup"].contains("per_seed") && !e["warmup"]["per_seed"].empty()
                                        ? fmt_num(median_of(e["warmup"]["per_seed"]))
                                        : "n/a",
                                    e["none"]["diverged"].get<int>(), e["warmup"]["diverged"].get<int>());
         }
         r.evidence = ev;
         r.evidence["sign_test"] = {{"wins", wins}, {"losses", losses}, {"ties", ties}, {"p", p}};
         note_missing(r);
         return r;
       }});
  return c;
}

}  // namespace

Suite suite_003() {
  return Suite{
      .id = "003",
      .title = "Choosing the LR: decay strategies, CV vs random search, initializations, warmup (tutorial 003)",
      .tutorial =
          {"Formulas (sec. 3.2): linear lr_t = lr0 (1 - alpha t), exponential lr0 gamma^t, 'custom' lr0/(1 + t); "
           "the step lists say 'eta <- eta (1 - alpha iter)', which would compound instead.",
           "Code (sec. 4): full-batch GD with gradient = (1/m) X^T (y - X theta), then theta -= lr * gradient "
           "(gradient ascent); each decayed LR is computed once before the loop from the iteration count; "
           "linear_decay(alpha, N) = alpha/(1 + alpha N) (inverse time); exponential_decay(gamma, N) = gamma^N "
           "(no lr0); custom_decay = alpha/(1 + N).",
           "Choosing the LR by cross-validation or random search on a validation loss (sec. 1.2, 6.3).",
           "'Warm start' (学习率热起始) = initial parameters from N(0, small sigma), said to speed training and "
           "improve performance (sec. 2.2); xavier_init and he_init return sqrt(2/size) (he_init x0.1 when size "
           "is even) and are never called."},
      .we_run =
          {"Linear regression y = 4 + 3x + N(0,1), x ~ U[0,2), n = 1000, 80/20 train/test per seed, design [1, x], "
           "theta0 = 0, float64, full-batch, lr0 = 0.1, N = 500 steps (quick: 200), gamma = 0.99, alpha = 1/N.",
           "gd/as_coded (ascent), gd/corrected (constant lr0); per strategy linear/exponential/custom: as_coded "
           "(ascent + hoisted LR), hoisted (sign fixed), coded_per_step (the coded function every step), formula "
           "(sec. 3.2 every step = the corrected version); heatstart/as_coded (sec. 4.5 verbatim, sigma 0.01). "
           "Every record keeps lr_per_step.",
           "LR selection, 20 training runs of 50 corrected GD steps each: 5-fold CV over the grid {1e-3, 1e-2, "
           "0.1, 1} vs 20 log-uniform draws in [1e-3, 1] scored on one 80/20 validation split; the winner is "
           "retrained on the training split and its test MSE recorded, with every candidate and score.",
           "Initializations on mlp004 (20-10-10-1 ReLU) with teacher20 data (n 1000, sigma 0.1, 80/20): zeros, "
           "N(0, 0.01^2) (its warm start), Glorot-uniform, He-normal, and its he_init (N(0, (0.1 sqrt(2/fan_in))^2) "
           "for even fan_in); Keras SGD lr 0.01, batch 32, 100 epochs (quick: 30), float32.",
           "Real LR warmup: the same MLP, He init, lr 0.5 and 0.8 (high for it), linear warmup from 0.1 lr over "
           "125 steps (5 epochs) vs none. 20 seeds (quick: 3) everywhere."},
      .deviations =
          {"The tutorial gives no data: we use the textbook noisy line (Geron ch. 4) for its linear-regression "
           "loops and teacher20 for the initializations (a model where init matters; a linear model's is convex).",
           "lr0 = 0.1, gamma = 0.99, alpha = 1/N and N are ours (the tutorial gives none); alpha = 1/N makes the "
           "formula's linear decay reach 0 at the end as sec. 2.1.1 says, instead of going negative.",
           "Records report the MSE (1/m)|y - X theta|^2; the loop's update is the gradient of half of it, as "
           "in the tutorial.",
           "The step lists' compounding updates (eta <- eta (1 - alpha iter), eta <- eta gamma^t) are not run: "
           "the formulas beside them are taken as the meaning.",
           "he_init's `size` is read as fan_in and its gain as the std of a normal draw (the code never applies it).",
           "Warmup and the initializations use Keras-style mini-batch SGD (the tutorial shows no MLP loop); "
           "selection uses the corrected loop with a constant LR (what is selected is the LR)."},
      .plan = plan,
      .execute = execute,
      .claims = claims()};
}

}  // namespace lrb::suites
