// Suite 000: optimizer overview -- GD, EMA momentum, RMSprop, Adagrad, Adam (tutorial 000).
//
// Two problems, full batch (one update per "epoch", as the tutorial's loop):
//   mlp          mlp004 on teacher20 data (execute_train, batch = n_train)
//   lsq_rotated  ill-conditioned least squares, A = U diag(s) V^T (datasets/synthetic)
//   lsq_axis     the same spectrum with V = I: every eigen-direction is one parameter
// and three kinds of runs:
//   tutorial/<problem>/<opt>          the tutorial's settings (lr 0.01), 10 seeds
//   sweep/<problem>/<opt>/lr=<lr>     19 log-spaced LRs 1e-4 .. 100 (mlp, lsq_rotated)
#include <fmt/format.h>

#include <Eigen/Dense>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <span>

#include "core/optim/optim.hpp"
#include "core/schedules/schedule.hpp"
#include "core/spec/spec.hpp"
#include "core/train/full_batch.hpp"
#include "datasets/rng.hpp"
#include "datasets/synthetic.hpp"
#include "suites/common.hpp"
#include "suites/verdict_stats.hpp"

namespace lrb::suites {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// ---- what runs ----------------------------------------------------------------

// The tutorial's optimizers.  Its formulas: momentum in the EMA form, eps inside
// the root for RMSprop and Adagrad (Keras 3's placement), Adam with bias
// correction.  Its code: Keras SGD(0.01, momentum=0.9), which is NOT the EMA
// form (m = 0.9 m - lr g: a 10x larger steady-state step), so both are run.
struct Opt {
  const char* name;
  const char* spec;  // "{}" = the LR
};
const Opt kOpts[] = {
    {"gd", "gd:lr={},convention=keras"},                                 // SGD(0.01)
    {"ema_momentum", "ema_momentum:lr={},beta=0.9"},                     // its formula
    {"keras_momentum", "sgd:lr={},momentum=0.9,convention=keras"},       // its code
    {"rmsprop", "rmsprop:lr={},rho=0.9,eps=1e-7,convention=keras"},      // RMSprop(0.01)
    {"adagrad", "adagrad:lr={},convention=keras"},                       // Adagrad(0.01)
    {"adam", "adam:lr={},convention=keras"},                             // Adam(0.01)
};
constexpr double kTutorialLr = 0.01;

// 19 log-spaced LRs, 3 per decade: 1e-4, 2.15e-4, 4.64e-4, 1e-3, ..., 100 (0.01 is
// k = 6).  Past the tutorial's 10: EMA momentum's step is (1 - beta) lr, so on the
// least-squares problem (top curvature 1) it is stable up to lr 2 (1 + beta) /
// (1 - beta) = 38, and a grid ending at 10 would show no edge for it.
std::vector<double> lr_grid() {
  std::vector<double> g;
  for (int k = 0; k < 19; ++k) g.push_back(std::pow(10.0, -4.0 + k / 3.0));
  return g;
}
std::string lr_label(double lr) { return fmt::format("lr={:.3g}", lr); }
std::string tutorial_config(const std::string& problem, const std::string& opt) {
  return "tutorial/" + problem + "/" + opt;
}
std::string sweep_config(const std::string& problem, const std::string& opt, double lr) {
  return "sweep/" + problem + "/" + opt + "/" + lr_label(lr);
}

std::string canonical_optimizer(const Opt& o, double lr) {
  return optim::to_spec_string(
      optim::optimizer_from_spec(spec::parse(fmt::format(fmt::runtime(o.spec), lr))));
}

struct Sizes {
  int mlp_steps, lsq_steps, seeds, mlp_sweep_seeds, lsq_sweep_seeds;
};
Sizes sizes(const Budget& b) {
  Sizes s = b.quick ? Sizes{150, 1000, 3, 2, 3} : Sizes{1000, 2000, 10, 3, 10};
  if (b.seeds > 0) {
    s.seeds = b.seeds;
    s.mlp_sweep_seeds = std::min(s.mlp_sweep_seeds, b.seeds);
    s.lsq_sweep_seeds = std::min(s.lsq_sweep_seeds, b.seeds);
  }
  return s;
}

json mlp_params(const std::string& optimizer, int steps) {
  TrainParams t;
  t.generator = "teacher20";
  t.n = 1000;
  t.sigma = 0.1;
  t.val_fraction = 0.0;
  t.test_fraction = 0.2;
  t.model = "mlp004";
  t.init = "keras";
  t.optimizer = optimizer;
  t.schedule = "constant";
  t.epochs = steps;
  t.batch = 800;  // = n_train: full batch, one update per epoch
  t.dtype = "float32";
  return train_params(t);
}

// The least-squares problem.  A and b are scaled by c = sqrt(h_max m / 2) / s_0 so
// the Hessian (2/m) A^T A has eigenvalues h_max (s_i / s_0)^2, from h_max = 1 down
// to 1/cond^2 = 1e-4: GD is stable for lr < 2 / h_max, inside the sweep.
// Unscaled, h_max = 2/m = 0.01 and every LR up to 10 would be stable.
json lsq_params(const std::string& optimizer, int steps, const std::string& basis) {
  return {{"kind", "lsq"},
          {"problem",
           {{"generator", "ill_conditioned_least_squares"},
            {"m", 200},
            {"n", 20},
            {"cond", 100.0},
            {"sigma", 0.01},
            {"hessian_max_eigenvalue", 1.0},
            {"basis", basis}}},
          {"loss", "(1/m)|Ax - b|^2"},
          {"gradient", "(2/m) A^T (Ax - b)"},
          {"optimizer", optimizer},
          {"steps", steps},
          {"x0", "zeros"},
          {"dtype", "float64"},
          {"target_fraction", 0.1},
          {"slow_directions", 5},
          {"curve", "every step to 100, then every 10th, and the last"}};
}

json params_for(const std::string& problem, const std::string& optimizer, const Sizes& s) {
  return problem == "mlp" ? mlp_params(optimizer, s.mlp_steps)
                          : lsq_params(optimizer, s.lsq_steps,
                                       problem == "lsq_axis" ? "axis" : "rotated");
}

const char* kTutorialProblems[] = {"mlp", "lsq_rotated", "lsq_axis"};
const char* kSweepProblems[] = {"mlp", "lsq_rotated"};

std::vector<RunSpec> plan(const Budget& b) {
  const Sizes s = sizes(b);
  std::vector<RunSpec> runs;
  for (const char* problem : kTutorialProblems)
    for (const auto& o : kOpts) {
      const json params = params_for(problem, canonical_optimizer(o, kTutorialLr), s);
      const Factors factors = {{"experiment", "tutorial"}, {"problem", problem}, {"optimizer", o.name},
                               {"lr", kTutorialLr}};
      for (int seed = 0; seed < s.seeds; ++seed)
        runs.push_back({"000", tutorial_config(problem, o.name), seed, params, factors});
    }
  for (const char* problem : kSweepProblems) {
    const int seeds = std::string(problem) == "mlp" ? s.mlp_sweep_seeds : s.lsq_sweep_seeds;
    for (const auto& o : kOpts)
      for (double lr : lr_grid()) {
        const json params = params_for(problem, canonical_optimizer(o, lr), s);
        const Factors factors = {{"experiment", "sweep"}, {"problem", problem}, {"optimizer", o.name}, {"lr", lr}};
        for (int seed = 0; seed < seeds; ++seed)
          runs.push_back({"000", sweep_config(problem, o.name, lr), seed, params, factors});
      }
  }
  return runs;
}

// ---- the least-squares run (params.kind == "lsq") ----------------------------------
//
// f(x) = (1/m) |A x - b|^2, grad = (2/m) A^T (A x - b), x_0 = 0, float64, plain
// loops in a fixed order (the bits do not depend on threads).  The loop is
// train::run_full_batch with a constant LR: points t = 0..T, the run stops at
// the first loss that is not finite or exceeds 1e8 * max(1, f(x_0)) (the one
// divergence rule) -- status diverged, diverged_at_step = t + 1 (train's
// convention: the 1-based update whose loss broke).
// Per-direction progress is measured in the eigenbasis Q of the problem's own
// A^T A: e = Q^T (x - x_ls); "slow" = the k directions of least curvature.
// For basis=axis, A <- A Q (and x_ls, x* <- Q^T ...): the same spectrum with
// each eigen-direction a single parameter, where per-parameter scaling can act.
using RowMat = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

struct Lsq {
  RowMat A;                  // (m, n)
  Eigen::VectorXd b;         // (m)
  Eigen::VectorXd x_ls, x_star;  // (n)
  Eigen::MatrixXd Q;         // (n, n) eigenvectors of A^T A, ascending eigenvalues
  Eigen::VectorXd hess_eig;  // (n) ascending eigenvalues of (2/m) A^T A
};

Lsq make_lsq(const json& pr, uint64_t seed) {
  data::IllConditionedSpec g;
  g.m = pr.at("m").get<size_t>();
  g.n = pr.at("n").get<size_t>();
  g.cond = pr.at("cond").get<double>();
  g.sigma = pr.at("sigma").get<double>();
  const auto d = data::ill_conditioned_least_squares(g, data::derive_seed(seed, "data", 0));
  const double m = static_cast<double>(d.m);
  const double c = std::sqrt(pr.at("hessian_max_eigenvalue").get<double>() * m / 2) /
                   d.singular_values.front();
  Lsq p;
  p.A = c * Eigen::Map<const RowMat>(d.A.data(), static_cast<Eigen::Index>(d.m),
                                     static_cast<Eigen::Index>(d.n));
  p.b = c * Eigen::Map<const Eigen::VectorXd>(d.b.data(), static_cast<Eigen::Index>(d.m));
  p.x_ls = Eigen::Map<const Eigen::VectorXd>(d.x_ls.data(), static_cast<Eigen::Index>(d.n));
  p.x_star = Eigen::Map<const Eigen::VectorXd>(d.x_star.data(), static_cast<Eigen::Index>(d.n));
  const std::string basis = pr.at("basis").get<std::string>();
  if (basis != "rotated" && basis != "axis")
    throw std::invalid_argument("lsq: basis must be rotated|axis, got " + basis);
  for (int pass = 0; pass < (basis == "axis" ? 2 : 1); ++pass) {
    const Eigen::MatrixXd AtA = p.A.transpose() * p.A;
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(AtA);
    p.Q = es.eigenvectors();
    p.hess_eig = (2 / m) * es.eigenvalues();
    if (basis == "axis" && pass == 0) {  // rotate the parameters onto the eigenbasis
      const RowMat AQ = p.A * p.Q;
      p.A = AQ;
      const Eigen::VectorXd xl = p.Q.transpose() * p.x_ls, xs = p.Q.transpose() * p.x_star;
      p.x_ls = xl;
      p.x_star = xs;
    }
  }
  return p;
}

// f(x) and, when grad is non-empty, (2/m) A^T (A x - b).  r: (m) scratch.
double lsq_loss(const Lsq& p, std::span<const double> x, std::vector<double>& r,
                std::span<double> grad) {
  const auto m = static_cast<size_t>(p.A.rows()), n = static_cast<size_t>(p.A.cols());
  double sq = 0;
  for (size_t i = 0; i < m; ++i) {
    double ri = -p.b[static_cast<Eigen::Index>(i)];
    for (size_t j = 0; j < n; ++j) ri += p.A(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) * x[j];
    r[i] = ri;
    sq += ri * ri;
  }
  if (!grad.empty()) {
    std::fill(grad.begin(), grad.end(), 0.0);
    for (size_t i = 0; i < m; ++i)
      for (size_t j = 0; j < n; ++j)
        grad[j] += p.A(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) * r[i];
    for (double& g : grad) g *= 2 / static_cast<double>(m);
  }
  return sq / static_cast<double>(m);
}

// f(x) - f(x_ls) = (1/m) |A (x - x_ls)|^2, without the cancellation of the difference.
double lsq_excess(const Lsq& p, std::span<const double> x) {
  const Eigen::VectorXd e = Eigen::Map<const Eigen::VectorXd>(x.data(), p.A.cols()) - p.x_ls;
  return (p.A * e).squaredNorm() / static_cast<double>(p.A.rows());
}

// |components of Q^T (x - x_ls) in directions [lo, hi)| (ascending curvature).
double dir_error(const Lsq& p, std::span<const double> x, Eigen::Index lo, Eigen::Index hi) {
  const Eigen::VectorXd e = Eigen::Map<const Eigen::VectorXd>(x.data(), p.A.cols()) - p.x_ls;
  const Eigen::VectorXd q = p.Q.transpose() * e;
  return q.segment(lo, hi - lo).norm();
}

RunResult execute_lsq(const RunSpec& run) {
  const json& prm = run.params;
  const Lsq p = make_lsq(prm.at("problem"), static_cast<uint64_t>(run.seed));
  const auto opt = optim::optimizer_from_spec(spec::parse(prm.at("optimizer").get<std::string>()));
  const int T = prm.at("steps").get<int>();
  const double frac = prm.at("target_fraction").get<double>();
  const auto n = static_cast<Eigen::Index>(p.A.cols());
  const auto k = std::min<Eigen::Index>(prm.at("slow_directions").get<Eigen::Index>(), n);

  std::vector<double> x0(static_cast<size_t>(n), 0.0), r(static_cast<size_t>(p.A.rows()));
  const double slow0 = dir_error(p, x0, 0, k), fast0 = dir_error(p, x0, n - k, n);
  const double excess0 = lsq_excess(p, x0);

  json steps_to_target;
  json c_step = json::array(), c_loss = json::array(), c_excess = json::array(),
       c_wall = json::array();
  double first = NAN, prev = NAN, excess = NAN;
  int64_t increases = 0;
  const auto t0 = std::chrono::steady_clock::now();
  const train::Objective<double> f = [&](std::span<const double> x, std::span<double> g) {
    return lsq_loss(p, x, r, g);
  };
  const auto res = train::run_full_batch<double>(
      f, x0, opt, sched::Schedule{sched::Constant{opt.lr}}, {.steps = T},
      [&](const train::FullBatchPoint<double>& pt) {
        const int64_t t = pt.t;
        excess = lsq_excess(p, pt.x);
        if (t == 0) first = pt.loss;
        if (t > 0 && pt.loss > prev) ++increases;
        prev = pt.loss;
        if (steps_to_target.is_null() && !pt.diverged && excess <= frac * excess0) steps_to_target = t;
        if (t <= 100 || t % 10 == 0 || t == T || pt.diverged) {
          c_step.push_back(t);
          c_loss.push_back(num_or_null(pt.loss));
          c_excess.push_back(num_or_null(excess));
          c_wall.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
        }
      });
  // diverged_at_step: train::train's convention, the 1-based update whose loss
  // broke (the point t's loss is the one update t + 1 would start from).
  const std::string status = res.ok() ? "ok" : "diverged";
  const json diverged_at = res.ok() ? json() : json(*res.diverged_at + 1);
  const double loss = res.loss;
  const std::vector<double>& x = res.x;
  const int64_t updates = res.steps;
  const bool ok = status == "ok";
  const double nan = std::nan("");
  json fin = {
      {"loss", num_or_null(ok ? loss : nan)},
      {"initial_loss", num_or_null(first)},
      {"excess_loss", num_or_null(ok ? excess : nan)},
      {"initial_excess_loss", num_or_null(excess0)},
      {"relative_excess_loss", num_or_null(ok ? excess / excess0 : nan)},
      {"steps_to_target", steps_to_target},
      {"slow_error_ratio", num_or_null(ok ? dir_error(p, x, 0, k) / slow0 : nan)},
      {"fast_error_ratio", num_or_null(ok ? dir_error(p, x, n - k, n) / fast0 : nan)},
      {"dist_to_x_ls", num_or_null(ok ? (Eigen::Map<const Eigen::VectorXd>(x.data(), n) - p.x_ls).norm() : nan)},
      {"dist_to_x_star", num_or_null(ok ? (Eigen::Map<const Eigen::VectorXd>(x.data(), n) - p.x_star).norm() : nan)},
      {"loss_increases", increases}};
  json eig = json::array();
  for (Eigen::Index i = 0; i < n; ++i) eig.push_back(p.hess_eig[i]);
  return json{{"status", status},
              {"diverged_at_step", diverged_at},
              {"steps", updates},
              {"final", fin},
              {"timing", {{"epoch_wall_seconds", c_wall}}},  // at curves.step
              {"curves", {{"step", c_step}, {"loss", c_loss}, {"excess_loss", c_excess}}},
              {"dataset",
               {{"generator", "ill_conditioned_least_squares"},
                {"m", p.A.rows()},
                {"n", n},
                {"basis", prm.at("/problem/basis"_json_pointer)},
                {"hessian_eigenvalues", eig},
                {"hessian_condition_number", num_or_null(p.hess_eig[n - 1] / p.hess_eig[0])}}}};
}

RunResult execute(const RunSpec& run, const RunContext& context) {
  return run.params.at("kind") == "lsq" ? execute_lsq(run) : execute_train(run, context);
}

// ---- reading the records ---------------------------------------------------------

// Loss before any update and after the last, for either kind (null -> NaN).
double num(const json& j) { return j.is_number() ? j.get<double>() : NAN; }
double initial_loss(const json& rec) {
  if (rec.at("/params/kind"_json_pointer) == "lsq") return num(rec.at("/final/initial_loss"_json_pointer));
  const auto& ep = rec.at("/curves/epochs"_json_pointer);
  return ep.empty() ? NAN : num(ep[0].at("train_loss"));  // full batch: the loss at x_0
}
double final_loss(const json& rec) {
  return num(rec.at(rec.at("/params/kind"_json_pointer) == "lsq" ? "/final/loss"_json_pointer
                                                                 : "/final/train_loss"_json_pointer));
}
// Updates until the loss first fell to `frac` of its initial value; censored
// runs (never, or diverged) count as steps + 1, a lower bound.
struct Reach {
  double steps = NAN;
  bool censored = false;
};
Reach steps_to_fraction(const json& rec, double frac) {
  const double budget = num(rec.at("/params/kind"_json_pointer) == "lsq" ? rec.at("/params/steps"_json_pointer)
                                                                         : rec.at("/params/epochs"_json_pointer));
  if (rec.at("/params/kind"_json_pointer) == "lsq") {
    const auto& v = rec.at("/final/steps_to_target"_json_pointer);
    return v.is_number() ? Reach{v.get<double>(), false} : Reach{budget + 1, true};
  }
  // mlp: epochs[e].train_loss is the full-batch loss at x_e (before update e + 1),
  // and the final train loss is the loss at x_T.
  const auto& ep = rec.at("/curves/epochs"_json_pointer);
  const double target = frac * initial_loss(rec);
  for (size_t e = 0; e < ep.size(); ++e)
    if (num(ep[e].at("train_loss")) <= target) return {static_cast<double>(e), false};
  if (rec.at("status") == "ok" && final_loss(rec) <= target) return {budget, false};
  return {budget + 1, true};
}

// ---- the paired comparison of claims 000.3-5 -----------------------------------

// contender vs baseline, paired by seed, lower is better: supported when the 95 %
// CI of the mean paired difference lies below -equivalence x |baseline mean| (a
// gain of practical size); refuted when it lies above 0 or within
// +-equivalence x |baseline mean|; else inconclusive.  Stricter than
// claim_better, which calls a significant 0.5 % gain supported.
// With log_ratio the comparison runs on log10 of the (positive) values: the paired
// difference is the log of the per-seed ratio contender / baseline, and the band is
// +-log10(1 + equivalence) -- for quantities that differ by factors (updates to a
// target, losses spanning decades), where one slow seed would swamp a plain mean.
ClaimResult paired(const std::string& label, const std::vector<int64_t>& seeds,
                   const std::vector<double>& x_raw, const std::vector<double>& y_raw,
                   double equivalence, int censored_x, int censored_y, bool log_ratio = false) {
  ClaimResult r;
  std::vector<double> x = x_raw, y = y_raw;
  if (log_ratio) {
    for (double& v : x) v = std::log10(std::max(v, 1e-300));
    for (double& v : y) v = std::log10(std::max(v, 1e-300));
  }
  json px = json::object(), py = json::object();
  for (size_t i = 0; i < seeds.size(); ++i) {
    px[std::to_string(seeds[i])] = num_or_null(x_raw[i]);
    py[std::to_string(seeds[i])] = num_or_null(y_raw[i]);
  }
  r.evidence = {{"baseline_per_seed", px}, {"contender_per_seed", py}, {"pairs", x.size()},
                {"censored_baseline", censored_x}, {"censored_contender", censored_y}};
  if (x.size() < 2) {
    ClaimTest t;
    t.seeds = seeds;
    for (size_t i = 0; i < x.size(); ++i) t.diff.push_back(x[i] - y[i]);
    r.tests.push_back(std::move(t));
    r.summary = fmt::format("{}: {} paired seeds (need >= 2)", label, x.size());
    return r;
  }
  const auto cmp = stats::compare_means(x, y, 0.0, 0.05, /*paired=*/true);
  r.evidence["baseline_mean"] = num_or_null(cmp.baseline.mean);
  r.evidence["baseline_ci95"] = {num_or_null(cmp.baseline.ci_low), num_or_null(cmp.baseline.ci_high)};
  r.evidence["contender_mean"] = num_or_null(cmp.contender.mean);
  r.evidence["contender_ci95"] = {num_or_null(cmp.contender.ci_low), num_or_null(cmp.contender.ci_high)};
  r.evidence["paired_diff"] = {{"mean", num_or_null(cmp.diff)},
                               {"ci95", {num_or_null(cmp.ci_low), num_or_null(cmp.ci_high)}},
                               {"p", num_or_null(cmp.p)},
                               {"relative", num_or_null(cmp.relative_change)}};
  if (log_ratio)
    r.evidence["ratio_contender_over_baseline"] = {
        {"geometric_mean", num_or_null(std::pow(10.0, cmp.diff))},
        {"ci95", {num_or_null(std::pow(10.0, cmp.ci_low)), num_or_null(std::pow(10.0, cmp.ci_high))}}};
  const double band =
      log_ratio ? std::log10(1 + equivalence) : equivalence * std::fabs(cmp.baseline.mean);
  // The test: diff = baseline - contender (lower is better), a gain must
  // exceed the band to support the claim (x == y in every pair: the point 0
  // lies inside the band, no practical difference).
  ClaimTest t;
  t.units = log_ratio ? "log10 ratio" : "metric";
  t.seeds = seeds;
  for (size_t i = 0; i < x.size(); ++i) t.diff.push_back(x[i] - y[i]);
  t.threshold = band;
  t.band = band;
  r.tests.push_back(std::move(t));
  judge_raw(r);
  const std::string effect =
      log_ratio ? fmt::format("ratio {} [95% CI {}, {}]", fmt_num(std::pow(10.0, cmp.diff)),
                              fmt_num(std::pow(10.0, cmp.ci_low)), fmt_num(std::pow(10.0, cmp.ci_high)))
                : fmt::format("paired diff {} [95% CI {}, {}]", fmt_num(cmp.diff), fmt_num(cmp.ci_low),
                              fmt_num(cmp.ci_high));
  r.summary = fmt::format("{}: mean {} vs {}, {}, n={}{}", label, fmt_num(stats::mean(y_raw)),
                          fmt_num(stats::mean(x_raw)), effect, x.size(),
                          censored_x + censored_y
                              ? fmt::format(" (censored: {} baseline, {} contender)", censored_x, censored_y)
                              : std::string());
  return r;
}

// Steps to reach `frac` of the initial loss, contender vs baseline config, paired.
ClaimResult compare_reach(const ResultSet& rs, const std::vector<RunSpec>& plan,
                          const std::string& baseline, const std::string& contender, double frac,
                          double equivalence) {
  ClaimResult r;
  std::vector<int64_t> seeds;
  std::vector<double> x, y;
  int cx = 0, cy = 0;
  std::map<int64_t, int> have;
  for (const auto& run : plan) {
    if (run.config != baseline && run.config != contender) continue;
    ++r.expected;
    const json* rec = rs.find(run.config, run.seed);
    if (!rec) {
      ++r.missing;
      continue;
    }
    if (rec->at("status") == "diverged") ++r.diverged;
    ++have[run.seed];
  }
  for (const auto& [seed, count] : have) {
    if (count != 2) continue;
    const Reach a = steps_to_fraction(*rs.find(baseline, seed), frac);
    const Reach b = steps_to_fraction(*rs.find(contender, seed), frac);
    seeds.push_back(seed);
    x.push_back(a.steps);
    y.push_back(b.steps);
    cx += a.censored;
    cy += b.censored;
  }
  const ClaimResult p = paired(contender + " vs " + baseline + " (updates to " +
                                   fmt_num(frac) + " x initial loss)",
                               seeds, x, y, equivalence, cx, cy, /*log_ratio=*/true);
  r.verdict = p.verdict;
  r.summary = p.summary;
  r.evidence = p.evidence;
  r.tests = p.tests;
  r.tests.back().baseline = baseline;
  r.tests.back().contender = contender;
  r.tests.back().configs = {baseline, contender};
  r.evidence["baseline"] = baseline;
  r.evidence["contender"] = contender;
  r.evidence["target_fraction"] = frac;
  return r;
}

// A metric read at `pointer` (lower is better), contender vs baseline config, paired.
ClaimResult compare_metric(const ResultSet& rs, const std::vector<RunSpec>& plan,
                           const std::string& baseline, const std::string& contender,
                           const std::string& pointer, double equivalence) {
  const Series b = series(rs, plan, baseline, pointer), c = series(rs, plan, contender, pointer);
  std::vector<int64_t> seeds;
  std::vector<double> x, y;
  for (size_t i = 0; i < b.seeds.size(); ++i)
    for (size_t j = 0; j < c.seeds.size(); ++j)
      if (c.seeds[j] == b.seeds[i]) {
        seeds.push_back(b.seeds[i]);
        x.push_back(b.values[i]);
        y.push_back(c.values[j]);
      }
  ClaimResult r = paired(contender + " vs " + baseline + " " + pointer, seeds, x, y, equivalence, 0, 0);
  r.tests.back().baseline = baseline;
  r.tests.back().contender = contender;
  r.tests.back().configs = {baseline, contender};
  r.tests.back().units = pointer;
  add_run_counts(r, b);
  add_run_counts(r, c);
  r.evidence["baseline"] = to_json(b);
  r.evidence["contender"] = to_json(c);
  note_missing(r);
  return r;
}

// Every part must agree: supported if all are, refuted if all are, else inconclusive.
ClaimResult all_of(const std::vector<std::pair<std::string, ClaimResult>>& parts) {
  ClaimResult r;
  r.combine = Combine::all_agree;
  int sup = 0, ref = 0;
  std::vector<std::string> lines;
  for (const auto& [name, p] : parts) {
    for (auto t : p.tests) {
      t.label = name;
      r.tests.push_back(std::move(t));
    }
    add_run_counts(r, p);
    r.evidence[name] = p.evidence;
    r.evidence[name]["verdict"] = to_string(p.verdict);
    sup += p.verdict == Verdict::supported;
    ref += p.verdict == Verdict::refuted;
    lines.push_back(fmt::format("[{}: {}] {}", name, to_string(p.verdict), p.summary));
  }
  const int n = static_cast<int>(parts.size());
  r.verdict = sup == n ? Verdict::supported : ref == n ? Verdict::refuted : Verdict::inconclusive;
  r.summary = fmt::format("{}", fmt::join(lines, "; "));
  note_missing(r);
  return r;
}

// Share of updates after which the loss rose (full batch: a rise means the step
// overshot).  mlp: from curves.epochs (the loss at x_0 .. x_{T-1}) and the final loss.
double rise_share(const json& rec) {
  if (rec.at("/params/kind"_json_pointer) == "lsq") {
    const double steps = num(rec.at("steps"));
    return steps > 0 ? num(rec.at("/final/loss_increases"_json_pointer)) / steps : NAN;
  }
  std::vector<double> l;
  for (const auto& e : rec.at("/curves/epochs"_json_pointer)) l.push_back(num(e.at("train_loss")));
  if (rec.at("status") == "ok") l.push_back(final_loss(rec));
  int rises = 0;
  for (size_t i = 1; i < l.size(); ++i) rises += l[i] > l[i - 1];
  return l.size() > 1 ? static_cast<double>(rises) / static_cast<double>(l.size() - 1) : NAN;
}
constexpr double kOscillating = 0.1;  // the loss rose after >= 10% of the updates

// ---- the sweep, per (problem, optimizer) ---------------------------------------

// A run "fails" when it diverged, ended with a loss no lower than its initial
// loss, or oscillated (the loss rose after >= 10% of its updates) and ended at
// >= 2x the sweep's best final loss; an LR fails when the majority of its seeds do.
struct SweepPoint {
  double lr = NAN;
  int runs = 0, failed = 0, diverged = 0, oscillating = 0;
  double median_final = NAN, median_initial = NAN;  // over non-diverged seeds
  std::vector<double> finals, initials, rises;      // per non-diverged seed
  bool fails() const { return runs > 0 && 2 * failed > runs; }
};
struct Sweep {
  std::vector<SweepPoint> points;  // ascending LR, only LRs with records
  int expected = 0, missing = 0, diverged = 0;
};

Sweep sweep(const ResultSet& rs, const std::vector<RunSpec>& plan, const std::string& problem,
            const std::string& opt) {
  Sweep s;
  for (double lr : lr_grid()) {
    const std::string cfg = sweep_config(problem, opt, lr);
    SweepPoint p;
    p.lr = lr;
    std::vector<double> fin, ini;
    for (const auto& run : plan) {
      if (run.config != cfg) continue;
      ++s.expected;
      const json* rec = rs.find(cfg, run.seed);
      if (!rec) {
        ++s.missing;
        continue;
      }
      ++p.runs;
      const double f = final_loss(*rec), i = initial_loss(*rec);
      if (rec->at("status") == "diverged") {
        ++p.diverged;
        continue;
      }
      p.finals.push_back(f);
      p.initials.push_back(i);
      p.rises.push_back(rise_share(*rec));
      if (std::isfinite(f)) fin.push_back(f);
      if (std::isfinite(i)) ini.push_back(i);
    }
    s.diverged += p.diverged;
    if (!fin.empty()) p.median_final = stats::median(fin);
    if (!ini.empty()) p.median_initial = stats::median(ini);
    if (p.runs) s.points.push_back(p);
  }
  // Oscillation counts as failure only where it costs: a run that ends within 2x
  // of the best final loss (e.g. RMSprop hovering at the optimum with steps ~ lr)
  // has not failed.  Best: the lowest median final loss of an LR most of whose
  // seeds did not diverge.
  double best_final = kInf;
  for (const auto& p : s.points)
    if (2 * p.diverged < p.runs && std::isfinite(p.median_final))
      best_final = std::min(best_final, p.median_final);
  for (auto& p : s.points) {
    p.failed = p.diverged;
    for (size_t j = 0; j < p.finals.size(); ++j) {
      const bool osc = p.rises[j] >= kOscillating;
      p.oscillating += osc;
      if (!(p.finals[j] < p.initials[j]) || (osc && !(p.finals[j] < 2 * best_final))) ++p.failed;
    }
  }
  return s;
}

json to_json(const SweepPoint& p) {
  return {{"lr", p.lr}, {"runs", p.runs}, {"failed", p.failed}, {"diverged", p.diverged},
          {"oscillating", p.oscillating},
          {"median_final_loss", num_or_null(p.median_final)},
          {"median_initial_loss", num_or_null(p.median_initial)}};
}

// The best LR: lowest median final loss among LRs that do not fail.
const SweepPoint* best(const Sweep& s) {
  const SweepPoint* b = nullptr;
  for (const auto& p : s.points)
    if (!p.fails() && std::isfinite(p.median_final) && (!b || p.median_final < b->median_final)) b = &p;
  return b;
}

std::vector<std::pair<std::string, std::string>> sweep_pairs() {
  std::vector<std::pair<std::string, std::string>> v;
  for (const char* problem : kSweepProblems)
    for (const auto& o : kOpts) v.emplace_back(problem, o.name);
  return v;
}

// ---- claims ----------------------------------------------------------------------

ClaimResult check_edge(const ResultSet& rs, const std::vector<RunSpec>& plan) {
  ClaimResult r;
  r.basis = "descriptive";
  std::vector<std::string> edges, none, never_hurts;
  for (const auto& [problem, opt] : sweep_pairs()) {
    const Sweep s = sweep(rs, plan, problem, opt);
    add_run_counts(r, s);
    const std::string key = problem + "/" + opt;
    json pts = json::array();
    for (const auto& p : s.points) pts.push_back(to_json(p));
    // The edge: the smallest LR from which every larger LR fails too.
    const SweepPoint* edge = nullptr;
    for (auto it = s.points.rbegin(); it != s.points.rend() && it->fails(); ++it) edge = &*it;
    const SweepPoint* stable = nullptr;  // the largest LR below the edge
    for (const auto& p : s.points)
      if (edge && p.lr < edge->lr) stable = &p;
    const SweepPoint* b = best(s);
    r.evidence[key] = {{"points", pts},
                       {"edge_lr", edge ? json(edge->lr) : json()},
                       {"largest_stable_lr", stable ? json(stable->lr) : json()},
                       {"best_lr", b ? json(b->lr) : json()}};
    if (s.points.empty()) continue;
    if (edge && stable)
      edges.push_back(fmt::format("{} fails from lr {} ({}/{} diverged, {}/{} oscillating), stable up to {}",
                                  key, fmt_num(edge->lr), edge->diverged, edge->runs, edge->oscillating,
                                  edge->runs, fmt_num(stable->lr)));
    else {
      none.push_back(key);
      if (b && b == &s.points.back()) never_hurts.push_back(key);
    }
  }
  r.verdict = !never_hurts.empty() ? Verdict::refuted
              : none.empty() && !edges.empty() ? Verdict::supported
                                               : Verdict::inconclusive;
  r.summary = fmt::format("{} of {} optimizer/problem pairs have an edge: {}", edges.size(),
                          edges.size() + none.size(), fmt::join(edges, "; "));
  if (!none.empty()) r.summary += fmt::format("; no edge up to lr 100: {}", fmt::join(none, ", "));
  if (!never_hurts.empty())
    r.summary += fmt::format("; best at the largest LR: {}", fmt::join(never_hurts, ", "));
  note_missing(r);
  return r;
}

// progress(lr) = (L_0 - L_T) / (L_0 - L_best): the share of the reduction the best
// LR achieved that the smallest LR achieved in the same budget.
ClaimResult check_slow_end(const ResultSet& rs, const std::vector<RunSpec>& plan) {
  ClaimResult r;
  r.basis = "descriptive";
  std::vector<std::string> slow, fast, lines;
  for (const auto& [problem, opt] : sweep_pairs()) {
    const Sweep s = sweep(rs, plan, problem, opt);
    add_run_counts(r, s);
    const std::string key = problem + "/" + opt;
    const SweepPoint* b = best(s);
    if (s.points.empty() || !b || s.points.front().lr != lr_grid().front()) continue;
    const SweepPoint& lo = s.points.front();
    const double l0 = lo.median_initial;
    const double progress = (l0 - lo.median_final) / (l0 - b->median_final);
    const double ratio = lo.median_final / b->median_final;
    r.evidence[key] = {{"smallest_lr", lo.lr}, {"best_lr", b->lr},
                       {"median_final_smallest", num_or_null(lo.median_final)},
                       {"median_final_best", num_or_null(b->median_final)},
                       {"median_initial", num_or_null(l0)},
                       {"progress", num_or_null(progress)},
                       {"final_ratio", num_or_null(ratio)}};
    lines.push_back(fmt::format("{} x{} ({:.0f}%)", key, fmt_num(ratio), 100 * progress));
    if (b != &lo && ratio >= 2) slow.push_back(key);
    if (b == &lo || ratio < 1.1) fast.push_back(key);
  }
  const size_t n = lines.size();
  r.verdict = n == 0                 ? Verdict::inconclusive
              : !fast.empty()        ? Verdict::refuted
              : slow.size() == n     ? Verdict::supported
                                     : Verdict::inconclusive;
  r.summary = fmt::format(
      "final loss at lr 1e-4 / at the best LR (share of the best LR's loss reduction reached): {}", fmt::join(lines, "; "));
  if (!fast.empty()) r.summary += fmt::format("; not slow: {}", fmt::join(fast, ", "));
  note_missing(r);
  return r;
}

// Per seed, the lowest final loss over the sweep's LRs (diverged runs excluded):
// what each optimizer reaches in the budget once its LR is tuned.
ClaimResult compare_tuned(const ResultSet& rs, const std::vector<RunSpec>& plan,
                          const std::string& problem, const std::string& baseline,
                          const std::string& contender, double equivalence) {
  ClaimResult r;
  std::map<int64_t, std::pair<double, double>> best_of;  // seed -> (baseline, contender)
  std::map<int64_t, std::pair<double, double>> best_lr;
  std::set<int64_t> incomplete;
  for (const auto& run : plan) {
    for (int side = 0; side < 2; ++side) {
      const std::string& opt = side ? contender : baseline;
      const std::string prefix = "sweep/" + problem + "/" + opt + "/";
      if (run.config.rfind(prefix, 0) != 0) continue;
      ++r.expected;
      const json* rec = rs.find(run.config, run.seed);
      auto& b = best_of.try_emplace(run.seed, kInf, kInf).first->second;
      auto& l = best_lr.try_emplace(run.seed, NAN, NAN).first->second;
      if (!rec) {
        ++r.missing;
        incomplete.insert(run.seed);
        continue;
      }
      if (rec->at("status") == "diverged") {
        ++r.diverged;
        continue;
      }
      const double f = problem == "mlp" ? final_loss(*rec)
                                        : num(rec->at("/final/excess_loss"_json_pointer));
      double& slot = side ? b.second : b.first;
      if (std::isfinite(f) && f < slot) {
        slot = f;
        // The record's LR, recovered from its config name via the grid.
        for (double lr : lr_grid())
          if (run.config == sweep_config(problem, opt, lr)) (side ? l.second : l.first) = lr;
      }
    }
  }
  std::vector<int64_t> seeds;
  std::vector<double> x, y;
  json lrs = json::object();
  for (const auto& [seed, v] : best_of) {
    if (incomplete.count(seed) || !std::isfinite(v.first) || !std::isfinite(v.second)) continue;
    seeds.push_back(seed);
    x.push_back(v.first);
    y.push_back(v.second);
    lrs[std::to_string(seed)] = {num_or_null(best_lr[seed].first), num_or_null(best_lr[seed].second)};
  }
  const char* metric = problem == "mlp" ? "final train loss" : "final excess loss";
  const ClaimResult p = paired(fmt::format("{} best-LR {} ({} vs {})", problem, metric, contender, baseline),
                               seeds, x, y, equivalence, 0, 0, /*log_ratio=*/true);
  r.verdict = p.verdict;
  r.summary = p.summary;
  r.evidence = p.evidence;
  r.tests = p.tests;
  r.tests.back().baseline = "sweep/" + problem + "/" + baseline;
  r.tests.back().contender = "sweep/" + problem + "/" + contender;
  r.tests.back().units = std::string("log10 ratio of the best-LR ") + metric;
  for (const char* side : {baseline.c_str(), contender.c_str()})
    for (double lr : lr_grid()) r.tests.back().configs.push_back(sweep_config(problem, side, lr));
  r.evidence["best_lr_per_seed_baseline_contender"] = lrs;
  return r;
}

std::vector<Claim> claims() {
  std::vector<Claim> c;
  c.push_back(
      {"000.1", "A too-large LR makes training oscillate or diverge",
       "tutorial 000 sec. 2 and Q1; lrbench's LR sweep (where the divergence edge lies)",
       "per optimizer and problem (mlp, lsq_rotated), over the 19-LR sweep: a run fails when it "
       "diverges, ends with a loss >= its initial loss, or oscillates (loss rises after >= 10% of "
       "its updates) and ends >= 2x the sweep's best final loss; an LR fails when most of its seeds "
       "do; the edge is the smallest LR from which every larger LR fails",
       "supported if every optimizer/problem pair has an edge with a stable LR below it; refuted if "
       "some pair has no edge and its best final loss is at the largest LR (100); else inconclusive",
       check_edge});
  c.push_back(
      {"000.2", "A too-small LR converges slowly",
       "tutorial 000 sec. 2 and Q2; lrbench's LR sweep (its slow end)",
       "ratio = L_T(lr 1e-4) / L_T(best LR), medians over seeds of the final loss after the budget, "
       "per optimizer and problem (progress = (L0 - L_T(1e-4)) / (L0 - L_T(best)) as evidence)",
       "supported if ratio >= 2 for every pair; refuted if some pair has ratio < 1.1 (or its best "
       "LR is 1e-4); else inconclusive",
       check_slow_end});
  const double kFrac = 0.1;
  c.push_back(
      {"000.3", "Momentum in the EMA form (v = 0.9 v + 0.1 g) accelerates gradient descent",
       "tutorial 000 sec. 3.2 (formula) / Q3",
       "updates until the loss first reaches 10% of its initial value (lsq: excess loss), "
       "ema_momentum vs gd at the tutorial's lr 0.01, paired by seed; runs that never reach it count "
       "as steps + 1",
       "per problem (lsq_rotated, mlp) paired 95% CI of the mean log ratio ema/gd: below 1/1.05 "
       "supported; above 1 or within 1.05^+-1 refuted; supported/refuted only when both problems agree",
       [=](const ResultSet& rs, const std::vector<RunSpec>& plan) {
         return all_of({{"lsq_rotated", compare_reach(rs, plan, tutorial_config("lsq_rotated", "gd"),
                                                      tutorial_config("lsq_rotated", "ema_momentum"), kFrac, 0.05)},
                        {"mlp", compare_reach(rs, plan, tutorial_config("mlp", "gd"),
                                              tutorial_config("mlp", "ema_momentum"), kFrac, 0.05)}});
       }});
  c.push_back(
      {"000.4", "SGD(0.01, momentum=0.9) as coded (Keras: m = 0.9 m - lr g) accelerates gradient descent",
       "tutorial 000 sec. 4.2 (code)", "as 000.3, keras_momentum vs gd", "as 000.3",
       [=](const ResultSet& rs, const std::vector<RunSpec>& plan) {
         return all_of({{"lsq_rotated", compare_reach(rs, plan, tutorial_config("lsq_rotated", "gd"),
                                                      tutorial_config("lsq_rotated", "keras_momentum"), kFrac, 0.05)},
                        {"mlp", compare_reach(rs, plan, tutorial_config("mlp", "gd"),
                                              tutorial_config("mlp", "keras_momentum"), kFrac, 0.05)}});
       }});
  c.push_back(
      {"000.5", "EMA momentum accelerates gradient descent once each has its best LR",
       "tutorial 000 sec. 3.2 / Q3 (tested at tuned LRs: the EMA form's step equals GD's at equal LR)",
       "per seed, the lowest final loss over the 19-LR sweep (lsq: excess loss; diverged runs "
       "excluded), ema_momentum vs gd, paired by seed",
       "as 000.3 (equivalence +-5%), on lsq_rotated and mlp",
       [](const ResultSet& rs, const std::vector<RunSpec>& plan) {
         return all_of({{"lsq_rotated", compare_tuned(rs, plan, "lsq_rotated", "gd", "ema_momentum", 0.05)},
                        {"mlp", compare_tuned(rs, plan, "mlp", "gd", "ema_momentum", 0.05)}});
       }});
  struct Adapt {
    const char* id;
    const char* opt;
    const char* problem;
    const char* statement;
  };
  const Adapt adapts[] = {
      {"000.6", "rmsprop", "lsq_axis",
       "RMSprop adapts the step per parameter: it makes progress in low-curvature parameters that GD "
       "at the same LR leaves behind (ill-conditioning aligned with the parameters)"},
      {"000.7", "adagrad", "lsq_axis", "Adagrad adapts the step per parameter: as 000.6"},
      {"000.8", "rmsprop", "lsq_rotated",
       "RMSprop's per-parameter adaptation helps on an ill-conditioned problem whose low-curvature "
       "directions are not single parameters (the same spectrum, rotated)"},
      {"000.9", "adagrad", "lsq_rotated", "Adagrad: as 000.8"},
  };
  for (const auto& a : adapts) {
    const std::string base = tutorial_config(a.problem, "gd"), cont = tutorial_config(a.problem, a.opt);
    c.push_back({a.id, a.statement, "tutorial 000 sec. 3.3, 3.4 / Q3",
                 fmt::format("{}: |error in the 5 lowest-curvature eigen-directions| after the budget / "
                             "at x_0 (final.slow_error_ratio), {} vs gd at lr 0.01, paired by seed",
                             a.problem, a.opt),
                 "paired 95% CI of (opt - gd): below -5% of gd's mean supported (a gain of practical "
                 "size); above 0 or within +-5% refuted; else inconclusive",
                 [=](const ResultSet& rs, const std::vector<RunSpec>& plan) {
                   return compare_metric(rs, plan, base, cont, "/final/slow_error_ratio", 0.05);
                 }});
  }
  return c;
}

}  // namespace

Suite suite_000() {
  return Suite{
      .id = "000",
      .title = "Optimizer overview: GD, EMA momentum, RMSprop, Adagrad, Adam",
      .tutorial =
          {"Formulas: GD theta -= lr g; momentum v = beta v + (1-beta) g, theta -= lr v; RMSprop "
           "s = beta s + (1-beta) g^2, theta -= lr g / sqrt(s + eps); Adagrad G += g^2, "
           "theta -= lr g / sqrt(G + eps); Adam m, v with bias correction.",
           "Code (TensorFlow/Keras): SGD(0.01), SGD(0.01, momentum=0.9), RMSprop(0.01), "
           "Adagrad(0.01), Adam(0.01), MSE loss, one gradient step on the whole data per 'epoch'; "
           "model, data and epoch count are not given.",
           "Claims: a too-large LR oscillates or fails to converge, a too-small one converges slowly; "
           "momentum accelerates along consistent gradient directions; RMSprop/Adagrad adapt the step "
           "size per parameter."},
      .we_run =
          {"Optimizers (Keras arithmetic): gd; ema_momentum (beta 0.9, the formula); keras_momentum "
           "(SGD momentum 0.9, the code); rmsprop (rho 0.9, eps 1e-7 inside the root); adagrad "
           "(accumulator 0.1, eps 1e-7 inside); adam (eps-hat 1e-7, bias-corrected).",
           "mlp: mlp004 (20-10-10-1 ReLU, Keras init, float32) on teacher20 (n 1000, sigma 0.1, "
           "80/20 split per seed), full batch (800), 1000 updates (quick: 150).",
           "lsq_rotated: ill_conditioned_least_squares m 200, n 20, cond(A) 100 (Hessian condition "
           "number 1e4), sigma 0.01, scaled so the Hessian's eigenvalues run from 1 to 1e-4; "
           "(1/m)|Ax-b|^2 from x = 0, float64, 2000 updates (quick: 1000). lsq_axis: the same with "
           "A <- A Q (Q its eigenvectors), so each eigen-direction is one parameter.",
           "tutorial/*: every optimizer at lr 0.01 on all three problems, 10 seeds (quick: 3). "
           "sweep/*: 19 LRs 10^(-4 + k/3), k = 0..18 (1e-4 .. 100), on mlp (3 seeds, quick 2) and "
           "lsq_rotated (10 seeds, quick 3).",
           "Records: per-update loss curves (mlp: curves.epochs; lsq: curves.step/loss/excess_loss, "
           "every update to 100 then every 10th) with timing.epoch_wall_seconds at the same points, "
           "so time-to-target can be read for any target."},
      .deviations =
          {"Model and data are ours (a 20-feature teacher MLP regression and a planted least-squares "
           "problem), since the tutorial gives neither.",
           "The number of epochs is not given: 1000 full-batch updates for the MLP, 2000 for least "
           "squares, enough for the tutorial's lr 0.01 to make visible progress on both.",
           "The least-squares problem is rescaled (Hessian top eigenvalue 1): unscaled, the generator's "
           "Hessian tops out at 2/m = 0.01 and no LR in 1e-4 .. 10 could show a divergence edge.",
           "Momentum runs twice: the tutorial's formula (EMA form) and its code (Keras momentum, "
           "10x larger steady-state step), because they differ.",
           "The least-squares runs use float64 and the optimizers' Keras arithmetic directly (no "
           "model): the problem's numbers then reflect the optimizer, not float32 rounding.",
           "The LR sweep runs to 100, past the suggested 10: EMA momentum's stability limit on the "
           "least-squares problem is lr 38 (its step is (1 - beta) lr), so a grid ending at 10 cannot "
           "show its edge.",
           "An added axis-aligned copy of the least-squares problem separates 'per parameter' from "
           "'per direction', which the tutorial's claim conflates."},
      .plan = plan,
      .execute = execute,
      .claims = claims()};
}

}  // namespace lrb::suites
