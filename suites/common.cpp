#include "suites/common.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "core/models/model.hpp"
#include "core/optim/optim.hpp"
#include "core/schedules/schedule.hpp"
#include "core/spec/spec.hpp"
#include "core/train/train.hpp"
#include "datasets/rng.hpp"
#include "datasets/sampling.hpp"
#include "datasets/synthetic.hpp"

namespace lrb::suites {

json num_or_null(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

std::string fmt_num(double v) {
  if (std::isnan(v)) return "n/a";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return fmt::format("{:.4g}", v);
}

json train_params(const TrainParams& p) {
  const auto opt = optim::optimizer_from_spec(spec::parse(p.optimizer));
  const auto sch = sched::schedule_from_spec(spec::parse(p.schedule), opt.lr);
  sched::check_momentum_support(sch, optim::has_momentum(opt), optim::has_beta1(opt));
  models::model_from_spec(spec::parse(p.model));  // validates
  models::init_from_spec(spec::parse(p.init));
  if (p.generator != "noisy_linear" && p.generator != "teacher20")
    throw std::invalid_argument("train_params: unknown generator " + p.generator);
  if (p.lr_unit != "step" && p.lr_unit != "epoch")
    throw std::invalid_argument("train_params: lr_unit must be step|epoch");
  if (p.plateau_metric != "train_loss" && p.plateau_metric != "val_loss")
    throw std::invalid_argument("train_params: plateau_metric must be train_loss|val_loss");
  if (p.plateau_metric == "val_loss" && !(p.val_fraction > 0))
    throw std::invalid_argument("train_params: plateau on val_loss needs val_fraction > 0");
  return json{{"kind", "train"},
              {"dataset",
               {{"generator", p.generator},
                {"n", p.n},
                {"sigma", p.sigma},
                {"val_fraction", p.val_fraction},
                {"test_fraction", p.test_fraction}}},
              {"model", p.model},
              {"init", p.init},
              {"optimizer", optim::to_spec_string(opt)},
              {"schedule", sched::to_spec_string(sch)},
              {"lr_unit", p.lr_unit},
              {"plateau_metric", p.plateau_metric},
              {"epochs", p.epochs},
              {"batch", p.batch},
              {"dtype", p.dtype},
              {"keras_accuracy", p.keras_accuracy}};
}

double keras_binary_accuracy(std::span<const double> y_true, std::span<const double> y_pred) {
  if (y_true.size() != y_pred.size() || y_true.empty())
    throw std::invalid_argument("keras_binary_accuracy: sizes differ or are zero");
  size_t hits = 0;
  for (size_t i = 0; i < y_true.size(); ++i)
    hits += y_true[i] == (y_pred[i] > 0.5 ? 1.0 : 0.0) ? 1 : 0;
  return static_cast<double>(hits) / static_cast<double>(y_true.size());
}

namespace {

template <class T>
struct Split {
  std::vector<T> x, y;  // (n, d), (n)
  size_t n = 0;
  train::Examples<T> examples() const { return {x, {}, y, n}; }
};

template <class T>
Split<T> take(const data::RegressionData& r, const std::vector<size_t>& rows) {
  Split<T> s;
  for (size_t i : rows) {
    for (size_t j = 0; j < r.d; ++j) s.x.push_back(static_cast<T>(r.x[i * r.d + j]));
    s.y.push_back(static_cast<T>(r.y[i]));
  }
  s.n = rows.size();
  return s;
}

// Model outputs (n) for a one-output MSE model: evaluate() leaves the top
// activation of its batch in the work arena, act[L] (batch, 1) row-major.
template <class T>
std::vector<double> predict(models::Model<T>& m, const Split<T>& s) {
  std::vector<double> out;
  const size_t L = m.config.widths.size() - 1, d = m.input_size();
  for (size_t b = 0; b < s.n; b += static_cast<size_t>(m.max_batch)) {
    const int nb = static_cast<int>(std::min(s.n - b, static_cast<size_t>(m.max_batch)));
    models::evaluate<T>(m, std::span<const T>(s.x).subspan(b * d, nb * d), {},
                        std::span<const T>(s.y).subspan(b, nb), nb);
    const T* top = m.work.data() + m.act[L];
    for (int i = 0; i < nb; ++i) out.push_back(static_cast<double>(top[i]));
  }
  return out;
}

template <class T>
double mean_loss(models::Model<T>& m, const Split<T>& s) {
  if (s.n == 0) return train::kNaN;
  const auto e = train::evaluate_all<T>(m, s.examples());
  return e.loss_sum / static_cast<double>(e.count);
}

template <class T>
RunResult execute_train_t(const RunSpec& run, const RunContext& context) {
  const json& p = run.params;
  const json& ds = p.at("dataset");
  const auto gen = ds.at("generator").get<std::string>();
  const auto n = ds.at("n").get<size_t>();
  const double sigma = ds.at("sigma").get<double>();
  const uint64_t seed = static_cast<uint64_t>(run.seed);
  data::RegressionData r;
  if (gen == "noisy_linear") {
    data::NoisyLinearSpec g;
    g.n = n;
    g.sigma = sigma;
    r = data::noisy_linear(g, data::derive_seed(seed, "data", 0));
  } else {
    data::TeacherMlpSpec g;
    g.n = n;
    g.sigma = sigma;
    r = data::teacher_mlp(g, data::derive_seed(seed, "data", 0));
  }
  const double vf = ds.at("val_fraction").get<double>(), tf = ds.at("test_fraction").get<double>();
  const auto sp = data::split_indices(r.n, {.val_fraction = vf, .test_fraction = tf, .shuffle = true},
                                      data::derive_seed(seed, "split", 0));
  const auto tr = take<T>(r, sp.train), va = take<T>(r, sp.val), te = take<T>(r, sp.test);

  const auto opt = optim::optimizer_from_spec(spec::parse(p.at("optimizer").get<std::string>()));
  const auto sch =
      sched::schedule_from_spec(spec::parse(p.at("schedule").get<std::string>()), opt.lr);
  const auto mcfg = models::model_from_spec(spec::parse(p.at("model").get<std::string>()));
  const auto init = models::init_from_spec(spec::parse(p.at("init").get<std::string>()));
  const int batch = p.at("batch").get<int>();
  auto model = models::make_model<T>(mcfg, std::max(batch, 256));
  if (model.input_size() != r.d)
    throw std::invalid_argument("model " + mcfg.name + " takes " +
                                std::to_string(model.input_size()) + " inputs, data has " +
                                std::to_string(r.d));
  models::init_params<T>(model, init, seed);

  train::TrainConfig tc;
  tc.epochs = p.at("epochs").get<int>();
  tc.batch = batch;
  tc.seed = seed;
  tc.lr_unit = p.at("lr_unit") == "epoch" ? train::LrUnit::epoch : train::LrUnit::step;
  const bool has_val = va.n > 0;
  tc.plateau_metric = p.at("plateau_metric") == "val_loss" ? train::PlateauMetric::test_loss
                                                           : train::PlateauMetric::train_loss;
  const auto monitor = has_val ? va.examples() : te.examples();
  train::Callbacks progress;
  progress.on_epoch = [&](const train::EpochRecord& e) {
    context.report(static_cast<double>(e.epoch) / tc.epochs,
                   fmt::format("epoch {}/{} loss {:.4g}", e.epoch, tc.epochs, e.train_loss));
  };
  const auto res = train::train<T>(model, opt, sch, tr.examples(), monitor, tc, progress);

  json epochs = json::array();
  for (const auto& e : res.epochs)
    epochs.push_back({{"epoch", e.epoch},
                      {"steps", e.steps},
                      {"train_loss", num_or_null(e.train_loss)},
                      {has_val ? "val_loss" : "test_loss", num_or_null(e.test_loss)},
                      {"lr_last", num_or_null(e.lr_last)}});
  json fin = {{"train_loss", num_or_null(mean_loss(model, tr))},
              {"val_loss", num_or_null(has_val ? mean_loss(model, va) : train::kNaN)},
              {"test_loss", num_or_null(mean_loss(model, te))},
              {"lr_last", num_or_null(res.lr_per_step.empty() ? train::kNaN
                                                              : res.lr_per_step.back())}};
  if (mcfg.name == "linear" && model.params.size() <= 2) {  // scalars: perf-check reads "final"
    fin["w"] = num_or_null(static_cast<double>(model.params.data()[0]));
    if (model.params.size() == 2) fin["b"] = num_or_null(static_cast<double>(model.params.data()[1]));
  }
  if (p.at("keras_accuracy").get<bool>() && res.status == "ok") {
    std::vector<double> yt(te.y.begin(), te.y.end());
    fin["keras_accuracy"] = keras_binary_accuracy(yt, predict(model, te));
    std::vector<double> ytr(tr.y.begin(), tr.y.end());
    fin["keras_accuracy_train"] = keras_binary_accuracy(ytr, predict(model, tr));
  }
  json lrs = json::array();
  for (float v : res.lr_per_step) lrs.push_back(num_or_null(v));
  json epoch_wall = json::array();
  for (const auto& e : res.epochs) epoch_wall.push_back(e.wall_s);
  return json{{"status", res.status},
              {"timing", {{"epoch_wall_seconds", epoch_wall}}},
              {"diverged_at_step", res.diverged_at_step ? json(*res.diverged_at_step) : json()},
              {"steps", res.steps},
              {"final", fin},
              {"curves", {{"epochs", epochs}, {"lr_per_step", lrs}}},
              {"dataset",
               {{"generator", gen},
                {"n", r.n},
                {"d", r.d},
                {"sigma", sigma},
                {"n_train", tr.n},
                {"n_val", va.n},
                {"n_test", te.n}}}};
}

}  // namespace

RunResult execute_train(const RunSpec& run, const RunContext& context) {
  return run.params.at("dtype") == "float64" ? execute_train_t<double>(run, context)
                                             : execute_train_t<float>(run, context);
}

// ---- claims helpers -------------------------------------------------------------

Series series(const ResultSet& rs, const std::vector<RunSpec>& plan, const std::string& config,
              const std::string& pointer) {
  Series s;
  s.config = config;
  s.metric = pointer;
  const json::json_pointer ptr(pointer);
  for (const auto& run : plan) {
    if (run.config != config) continue;
    ++s.expected;
    const json* rec = rs.find(config, run.seed);
    if (!rec) {
      ++s.missing;
      continue;
    }
    if (rec->at("status") == "diverged") {
      ++s.diverged;
      continue;
    }
    if (!rec->contains(ptr) || !(*rec)[ptr].is_number()) continue;  // null: not finite
    s.seeds.push_back(run.seed);
    s.values.push_back((*rec)[ptr].get<double>());
  }
  return s;
}

json to_json(const Series& s) {
  json per_seed = json::object();
  for (size_t i = 0; i < s.seeds.size(); ++i) per_seed[std::to_string(s.seeds[i])] = s.values[i];
  json j = {{"config", s.config}, {"metric", s.metric}, {"per_seed", per_seed},
            {"expected", s.expected}, {"missing", s.missing}, {"diverged", s.diverged}};
  if (!s.values.empty()) {
    const auto m = stats::summarize(s.values);
    j["mean"] = num_or_null(m.mean);
    j["sd"] = num_or_null(m.sd);
    j["ci95"] = {num_or_null(m.ci_low), num_or_null(m.ci_high)};
  }
  return j;
}

void note_missing(ClaimResult& r) {
  if (r.missing > 0) {
    r.verdict = Verdict::inconclusive;
    r.summary = fmt::format("({} of {} runs missing) ", r.missing, r.expected) + r.summary;
  }
}

Pairs pair_by_seed(const Series& a, const Series& b) {
  Pairs p;
  for (size_t i = 0; i < a.seeds.size(); ++i) {
    const auto it = std::find(b.seeds.begin(), b.seeds.end(), a.seeds[i]);
    if (it == b.seeds.end()) continue;
    p.a.push_back(a.values[i]);
    p.b.push_back(b.values[static_cast<size_t>(it - b.seeds.begin())]);
  }
  return p;
}

namespace {

// The start every paired claim shares: the two series with their counts and
// evidence (under name_a, name_b), and the pairs by seed.  Fewer than 2
// pairs: the claim is decided (inconclusive) and `decided` is set.
struct PairedStart {
  ClaimResult r;
  Pairs p;
  bool decided = false;
};
PairedStart paired_start(const ResultSet& rs, const std::vector<RunSpec>& plan, const std::string& a,
                         const std::string& b, const std::string& pointer, const char* name_a,
                         const char* name_b) {
  const Series sa = series(rs, plan, a, pointer), sb = series(rs, plan, b, pointer);
  PairedStart s;
  add_run_counts(s.r, sa);
  add_run_counts(s.r, sb);
  s.r.evidence = {{name_a, to_json(sa)}, {name_b, to_json(sb)}};
  s.p = pair_by_seed(sa, sb);
  s.r.evidence["pairs"] = s.p.a.size();
  if (s.p.a.size() < 2) {
    s.r.summary = fmt::format("{} paired seeds (need >= 2); {} diverged", s.p.a.size(), s.r.diverged);
    note_missing(s.r);
    s.decided = true;
  }
  return s;
}

}  // namespace

ClaimResult claim_better(const ResultSet& rs, const std::vector<RunSpec>& plan,
                         const std::string& baseline, const std::string& contender,
                         const std::string& pointer, bool lower_is_better, double equivalence) {
  auto [r, pairs, decided] = paired_start(rs, plan, baseline, contender, pointer, "baseline", "contender");
  if (decided) return r;
  const auto& x = pairs.a;
  const auto& y = pairs.b;
  const auto cmp = stats::compare_means(x, y, 0.0, 0.05, /*paired=*/true);
  r.evidence["paired_diff"] = {{"mean", num_or_null(cmp.diff)},
                               {"ci95", {num_or_null(cmp.ci_low), num_or_null(cmp.ci_high)}},
                               {"p", num_or_null(cmp.p)},
                               {"relative", num_or_null(cmp.relative_change)},
                               {"cohens_d", num_or_null(cmp.cohens_d)}};
  const double sign = lower_is_better ? -1.0 : 1.0;  // good direction of y - x
  const double lo = sign * (sign > 0 ? cmp.ci_low : cmp.ci_high);
  const double hi = sign * (sign > 0 ? cmp.ci_high : cmp.ci_low);
  const double band = equivalence * std::fabs(cmp.baseline.mean);
  if (lo > 0)
    r.verdict = Verdict::supported;
  else if (hi < 0)
    r.verdict = Verdict::refuted;
  else if (cmp.ci_low >= -band && cmp.ci_high <= band)
    r.verdict = Verdict::refuted;  // equivalent: the claimed gain is not there
  else
    r.verdict = Verdict::inconclusive;
  r.summary = fmt::format(
      "{} {}: {} vs {} {}, paired diff {} [95% CI {}, {}], rel {:+.2f}%, d={}, n={}{}",
      contender, pointer.substr(pointer.rfind('/') + 1), fmt_num(cmp.contender.mean), baseline,
      fmt_num(cmp.baseline.mean), fmt_num(cmp.diff), fmt_num(cmp.ci_low), fmt_num(cmp.ci_high),
      100 * cmp.relative_change, fmt_num(cmp.cohens_d), x.size(),
      r.diverged ? fmt::format(", {} diverged", r.diverged) : std::string());
  note_missing(r);
  return r;
}

ClaimResult claim_equivalent(const ResultSet& rs, const std::vector<RunSpec>& plan, const std::string& a,
                             const std::string& b, const std::string& pointer, double band) {
  auto [r, pairs, decided] = paired_start(rs, plan, a, b, pointer, "a", "b");
  if (decided) return r;
  const auto& x = pairs.a;
  const auto& y = pairs.b;
  const auto cmp = stats::compare_means(x, y, 0.0, 0.05, /*paired=*/true);
  const double w = band * std::fabs(cmp.baseline.mean);
  r.evidence["paired_diff"] = {{"mean", num_or_null(cmp.diff)},
                               {"ci95", {num_or_null(cmp.ci_low), num_or_null(cmp.ci_high)}},
                               {"band", num_or_null(w)},
                               {"relative", num_or_null(cmp.relative_change)}};
  r.verdict = cmp.ci_low >= -w && cmp.ci_high <= w  ? Verdict::supported
              : cmp.ci_low > w || cmp.ci_high < -w ? Verdict::refuted
                                                   : Verdict::inconclusive;
  r.summary = fmt::format("{} {} vs {} {}: paired diff ({} - {}) {} [95% CI {}, {}], band +-{} ({}%), n={}", b,
                          fmt_num(cmp.contender.mean), a, fmt_num(cmp.baseline.mean), b, a, fmt_num(cmp.diff),
                          fmt_num(cmp.ci_low), fmt_num(cmp.ci_high), fmt_num(w), 100 * band, x.size());
  note_missing(r);
  return r;
}

}  // namespace lrb::suites
