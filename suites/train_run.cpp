#include "suites/train_run.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <stdexcept>

#include "core/models/model.hpp"
#include "core/optim/optim.hpp"
#include "core/schedules/schedule.hpp"
#include "core/spec/spec.hpp"
#include "core/train/lr_range.hpp"
#include "core/train/train.hpp"
#include "datasets/csv.hpp"
#include "datasets/error.hpp"
#include "datasets/fashion_mnist.hpp"
#include "datasets/rng.hpp"
#include "datasets/sampling.hpp"
#include "datasets/synthetic.hpp"
#include "suites/common.hpp"

namespace lrb::suites {

namespace {

bool is_generator(const std::string& g) { return g == "noisy_linear" || g == "teacher20"; }

void check_fraction(const char* what, double v) {
  if (!(v >= 0.0 && v < 1.0)) throw std::invalid_argument(fmt::format("train_params: {} must be in [0, 1), got {}", what, v));
}

json dataset_json(const TrainParams& p) {
  check_fraction("val_fraction", p.val_fraction);
  if (p.generator != "images") {
    check_fraction("test_fraction", p.test_fraction);
    if (p.val_fraction + p.test_fraction >= 1.0)
      throw std::invalid_argument("train_params: val_fraction + test_fraction must be < 1");
  }
  json ds;
  if (is_generator(p.generator)) {
    ds = {{"generator", p.generator}, {"n", p.n}, {"sigma", p.sigma}};
  } else if (p.generator == "tutorial002") {
    ds = {{"generator", p.generator}};
  } else if (p.generator == "csv") {
    if (p.sha256.size() != 1 || p.rows < 1)
      throw std::invalid_argument("train_params: a csv dataset needs its SHA-256 and its row count");
    ds = {{"generator", p.generator}, {"sha256", p.sha256[0]}, {"target", p.target}, {"rows", p.rows}};
  } else if (p.generator == "images") {
    if (p.sha256.size() != 4 || p.n_train < 1 || p.n_test < 0)
      throw std::invalid_argument("train_params: an images dataset needs the four IDX files' SHA-256s, n_train >= 1, n_test >= 0");
    ds = {{"generator", p.generator}, {"sha256", p.sha256}, {"n_train", p.n_train}, {"n_test", p.n_test},
          {"val_fraction", p.val_fraction}};
    return ds;
  } else {
    throw std::invalid_argument("train_params: unknown generator " + p.generator +
                                " (valid: noisy_linear, teacher20, tutorial002, csv, images)");
  }
  ds["val_fraction"] = p.val_fraction;
  ds["test_fraction"] = p.test_fraction;
  if (p.limit_train < 0 || p.limit_test < 0) throw std::invalid_argument("train_params: limits must be >= 0");
  if (p.limit_train > 0) ds["limit_train"] = p.limit_train;
  if (p.limit_test > 0) ds["limit_test"] = p.limit_test;
  return ds;
}

}  // namespace

json train_params(const TrainParams& p) {
  const auto opt = optim::optimizer_from_spec(spec::parse(p.optimizer));
  const auto sch = sched::schedule_from_spec(spec::parse(p.schedule), opt.lr);
  sched::check_momentum_support(sch, optim::has_momentum(opt), optim::has_beta1(opt));
  models::model_from_spec(spec::parse(p.model));  // validates
  models::init_from_spec(spec::parse(p.init));
  if (p.lr_unit != "step" && p.lr_unit != "epoch")
    throw std::invalid_argument("train_params: lr_unit must be step|epoch");
  if (p.plateau_metric != "train_loss" && p.plateau_metric != "val_loss")
    throw std::invalid_argument("train_params: plateau_metric must be train_loss|val_loss");
  if (p.plateau_metric == "val_loss" && !(p.val_fraction > 0))
    throw std::invalid_argument("train_params: plateau on val_loss needs val_fraction > 0");
  if (p.dtype != "float32" && p.dtype != "float64")
    throw std::invalid_argument("train_params: dtype must be float32|float64");
  if (p.batch < 1 || p.batch > 4096) throw std::invalid_argument("train_params: batch must be in [1, 4096]");
  if (p.steps < 0 || (p.steps == 0 && (p.epochs < 1 || p.epochs > 100000)))
    throw std::invalid_argument("train_params: need epochs in [1, 100000] or steps >= 1");
  if (p.eval_every < 1) throw std::invalid_argument("train_params: eval_every must be >= 1");
  json j = json{{"kind", "train"},
                {"dataset", dataset_json(p)},
                {"model", p.model},
                {"init", p.init},
                {"optimizer", optim::to_spec_string(opt)},
                {"schedule", sched::to_spec_string(sch)},
                {"lr_unit", p.lr_unit},
                {"plateau_metric", p.plateau_metric},
                {"batch", p.batch},
                {"dtype", p.dtype},
                {"keras_accuracy", p.keras_accuracy}};
  if (p.steps > 0)
    j["steps"] = p.steps;
  else
    j["epochs"] = p.epochs;
  if (p.eval_every != 1) j["eval_every"] = p.eval_every;
  if (p.test_curve) j["test_curve"] = true;
  return j;
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

// One split in T: owned storage, or (float images) a view into the shared
// dataset cache.
template <class T>
struct Split {
  std::vector<T> x, y;          // (n, d), (n): owned
  std::vector<std::int32_t> l;  // (n) labels: owned
  train::Examples<T> view;
  size_t n() const { return view.n; }
};

template <class T>
void own(Split<T>& s, size_t n) {
  s.view = {s.x, s.l, s.y, n};
}

template <class T>
void take(Split<T>& s, const data::RegressionData& r, const std::vector<size_t>& rows, int64_t limit) {
  const size_t n = limit > 0 ? std::min(rows.size(), static_cast<size_t>(limit)) : rows.size();
  for (size_t k = 0; k < n; ++k) {
    const size_t i = rows[k];
    for (size_t j = 0; j < r.d; ++j) s.x.push_back(static_cast<T>(r.x[i * r.d + j]));
    s.y.push_back(static_cast<T>(r.y[i]));
  }
  own(s, n);
}

// Rows [begin, end) of an image set.
template <class T>
void take(Split<T>& s, const data::ImageSet& set, size_t begin, size_t end) {
  const size_t f = static_cast<size_t>(set.rows) * static_cast<size_t>(set.cols);
  const auto x = std::span<const float>(set.x).subspan(begin * f, (end - begin) * f);
  const auto l = std::span<const std::int32_t>(set.y).subspan(begin, end - begin);
  if constexpr (std::is_same_v<T, float>) {
    s.view = {x, l, {}, end - begin};
  } else {
    s.x.assign(x.begin(), x.end());
    s.l.assign(l.begin(), l.end());
    own(s, end - begin);
  }
}

template <class T>
struct Splits {
  Split<T> train, val, test;
  std::shared_ptr<const data::ImageDataset> images;  // keeps the views alive
  size_t features = 0, image_rows = 0, image_cols = 0;
  bool labels = false;
  json info;  // the record's "dataset"
};

json files_json(const std::vector<data::FileProvenance>& files) {
  json out = json::array();
  for (const auto& f : files) out.push_back({{"path", f.path}, {"sha256", f.sha256}, {"bytes", f.bytes}});
  return out;
}

// The image files of `ds`: from files.by_sha256 (a study's IDX directory), else
// the context's data directory (Fashion-MNIST), decoded once per cache; their
// SHA-256s must be the ones the params name.
std::shared_ptr<const data::ImageDataset> images(const json& ds, const RunContext& ctx, const DataFiles& files) {
  const auto& sha = ds.at("sha256");
  const auto it = files.by_sha256.find(sha.at(0).get<std::string>());
  const std::filesystem::path dir = it != files.by_sha256.end() ? it->second : ctx.data_dir;
  const std::string source = it != files.by_sha256.end() ? "the study's data_dir" : ctx.data_dir_source;
  auto load = [](const std::filesystem::path& d) { return data::load_fashion_mnist(d); };
  const auto out = ctx.datasets ? ctx.datasets->images(dir, load)
                                : std::make_shared<const data::ImageDataset>(load(dir));
  for (size_t i = 0; i < out->files.size() && i < sha.size(); ++i)
    if (out->files[i].sha256 != sha[i].get<std::string>())
      throw data::DataError(out->files[i].path, "SHA-256 " + sha[i].get<std::string>() + " (the file the run was planned with)",
                            out->files[i].sha256,
                            "records are addressed by the data's content; point " + source + " (" + dir.string() +
                                ") at the files the study names");
  return out;
}

template <class T>
Splits<T> load_splits(const json& ds, uint64_t seed, const RunContext& ctx, const DataFiles& files) {
  Splits<T> s;
  const auto gen = ds.at("generator").get<std::string>();
  const double vf = ds.at("val_fraction").get<double>();
  if (gen == "images") {
    s.images = images(ds, ctx, files);
    const auto& im = *s.images;
    const auto n_train = ds.at("n_train").get<size_t>(), n_test = ds.at("n_test").get<size_t>();
    if (im.train.n < n_train || im.test.n < n_test)
      throw data::DataError(im.dir, fmt::format(">= {} training and {} test images", n_train, n_test),
                            fmt::format("{} and {}", im.train.n, im.test.n), data::kIdxHint);
    const auto n_val = static_cast<size_t>(std::floor(static_cast<double>(n_train) * vf));
    take(s.train, im.train, 0, n_train - n_val);
    take(s.val, im.train, n_train - n_val, n_train);
    take(s.test, im.test, 0, n_test);
    s.features = static_cast<size_t>(im.train.rows) * static_cast<size_t>(im.train.cols);
    s.image_rows = static_cast<size_t>(im.train.rows);
    s.image_cols = static_cast<size_t>(im.train.cols);
    s.labels = true;
    s.info = {{"generator", gen}, {"name", im.name}, {"files", files_json(im.files)}, {"n_train", s.train.n()},
              {"n_val", s.val.n()}, {"n_test", s.test.n()}};
    return s;
  }
  data::RegressionData r;
  json info = {{"generator", gen}};
  if (gen == "noisy_linear" || gen == "teacher20") {
    const auto n = ds.at("n").get<size_t>();
    const double sigma = ds.at("sigma").get<double>();
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
    info["sigma"] = sigma;
  } else if (gen == "tutorial002") {
    r = data::tutorial002_data();
  } else if (gen == "csv") {
    const auto sha = ds.at("sha256").get<std::string>();
    const auto it = files.by_sha256.find(sha);
    if (it == files.by_sha256.end())
      throw data::DataError("csv with SHA-256 " + sha, "a CSV file the study names (data.dataset = \"csv:path=...\")",
                            "no file for this content", "run the study file whose data this is");
    data::CsvOptions co;
    co.target_column = ds.at("target").get<std::string>();
    const auto c = data::load_csv_regression(it->second, co);
    if (c.provenance.sha256 != sha)
      throw data::DataError(it->second.string(), "SHA-256 " + sha + " (the file the run was planned with)",
                            c.provenance.sha256, "the file changed after the plan was made; rerun to plan again");
    r = c.data;
    info["files"] = files_json({c.provenance});
    info["target"] = r.target_name;
  } else {
    throw std::invalid_argument("train run: unknown dataset generator " + gen);
  }
  const double tf = ds.at("test_fraction").get<double>();
  const auto sp = data::split_indices(r.n, {.val_fraction = vf, .test_fraction = tf, .shuffle = true},
                                      data::derive_seed(seed, "split", 0));
  const int64_t lt = ds.value("limit_train", int64_t{0}), le = ds.value("limit_test", int64_t{0});
  take(s.train, r, sp.train, lt);
  take(s.val, r, sp.val, 0);
  take(s.test, r, sp.test, le);
  s.features = r.d;
  // The first version's fields, in its key order (json sorts them anyway).
  info["n"] = r.n;
  info["d"] = r.d;
  info["n_train"] = s.train.n();
  info["n_val"] = s.val.n();
  info["n_test"] = s.test.n();
  s.info = info;
  return s;
}

// Model outputs (n) for a one-output MSE model: evaluate() leaves the top
// activation of its batch in the work arena, act[L] (batch, 1) row-major.
template <class T>
std::vector<double> predict(models::Model<T>& m, const train::Examples<T>& s) {
  std::vector<double> out;
  const size_t L = m.config.widths.size() - 1, d = m.input_size();
  for (size_t b = 0; b < s.n; b += static_cast<size_t>(m.max_batch)) {
    const int nb = static_cast<int>(std::min(s.n - b, static_cast<size_t>(m.max_batch)));
    models::evaluate<T>(m, s.x.subspan(b * d, nb * d), {}, s.targets.subspan(b, nb), nb);
    const T* top = m.work.data() + m.act[L];
    for (int i = 0; i < nb; ++i) out.push_back(static_cast<double>(top[i]));
  }
  return out;
}

struct Eval {
  double loss = train::kNaN, accuracy = train::kNaN;
};
template <class T>
Eval evaluate(models::Model<T>& m, const train::Examples<T>& s, bool classify) {
  if (s.n == 0) return {};
  const auto e = train::evaluate_all<T>(m, s);
  return {e.loss_sum / static_cast<double>(e.count),
          classify ? static_cast<double>(e.correct) / static_cast<double>(e.count) : train::kNaN};
}

// Throws std::invalid_argument when the model cannot take the data.
template <class T>
void check_fits(const models::ModelConfig& mcfg, const models::Model<T>& model, const Splits<T>& d) {
  if (mcfg.in_h > 0 && (d.image_rows != static_cast<size_t>(mcfg.in_h) || d.image_cols != static_cast<size_t>(mcfg.in_w)))
    throw std::invalid_argument(fmt::format("model {} takes {} x {} images, the data {}", mcfg.name, mcfg.in_h, mcfg.in_w,
                                            d.image_rows ? fmt::format("has {} x {} images", d.image_rows, d.image_cols)
                                                         : std::string("is not a set of images")));
  if (model.input_size() != d.features)
    throw std::invalid_argument("model " + mcfg.name + " takes " + std::to_string(model.input_size()) +
                                " inputs, data has " + std::to_string(d.features));
  const bool classify = mcfg.head == models::Head::softmax_ce;
  if (classify != d.labels)
    throw std::invalid_argument("model " + mcfg.name + (classify ? " classifies but the data is a regression set"
                                                                 : " regresses but the data has class labels"));
}

template <class T>
RunResult execute_train_t(const RunSpec& run, const RunContext& context, const DataFiles& files) {
  const json& p = run.params;
  const uint64_t seed = static_cast<uint64_t>(run.seed);
  const auto d = load_splits<T>(p.at("dataset"), seed, context, files);
  const auto &tr = d.train.view, &va = d.val.view, &te = d.test.view;

  const auto opt = optim::optimizer_from_spec(spec::parse(p.at("optimizer").get<std::string>()));
  const auto sch = sched::schedule_from_spec(spec::parse(p.at("schedule").get<std::string>()), opt.lr);
  const auto mcfg = models::model_from_spec(spec::parse(p.at("model").get<std::string>()));
  const auto init = models::init_from_spec(spec::parse(p.at("init").get<std::string>()));
  const int batch = p.at("batch").get<int>();
  auto model = models::make_model<T>(mcfg, std::max(batch, 256));
  check_fits(mcfg, model, d);
  const bool classify = mcfg.head == models::Head::softmax_ce;
  models::init_params<T>(model, init, seed);

  train::TrainConfig tc;
  const int64_t steps_per_epoch = static_cast<int64_t>((tr.n + static_cast<size_t>(batch) - 1) / static_cast<size_t>(batch));
  if (p.contains("steps")) {
    tc.max_steps = p.at("steps").get<int64_t>();
    tc.epochs = static_cast<int>((tc.max_steps + steps_per_epoch - 1) / steps_per_epoch);
  } else {
    tc.epochs = p.at("epochs").get<int>();
  }
  tc.batch = batch;
  tc.seed = seed;
  tc.eval_every = p.value("eval_every", 1);
  tc.lr_unit = p.at("lr_unit") == "epoch" ? train::LrUnit::epoch : train::LrUnit::step;
  const bool has_val = va.n > 0;
  const bool test_curve = has_val && p.value("test_curve", false);
  tc.plateau_metric = p.at("plateau_metric") == "val_loss" ? train::PlateauMetric::test_loss
                                                           : train::PlateauMetric::train_loss;
  const auto& monitor = has_val ? va : te;
  const char* mon = has_val ? "val" : "test";
  json epochs = json::array();
  train::Callbacks cb;
  cb.on_epoch = [&](const train::EpochRecord& e) {
    json row = {{"epoch", e.epoch},
                {"steps", e.steps},
                {"train_loss", num_or_null(e.train_loss)},
                {std::string(mon) + "_loss", num_or_null(e.test_loss)},
                {"lr_last", num_or_null(e.lr_last)}};
    if (classify) row[std::string(mon) + "_accuracy"] = num_or_null(e.test_accuracy);
    if (test_curve) {
      const Eval t = std::isnan(e.test_loss) ? Eval{} : evaluate(model, te, classify);
      row["test_loss"] = num_or_null(t.loss);
      if (classify) row["test_accuracy"] = num_or_null(t.accuracy);
    }
    epochs.push_back(std::move(row));
    context.report(tc.max_steps > 0 ? static_cast<double>(e.steps) / static_cast<double>(tc.max_steps)
                                    : static_cast<double>(e.epoch) / tc.epochs,
                   fmt::format("epoch {}/{} loss {:.4g}", e.epoch, tc.epochs, e.train_loss));
  };
  const auto res = train::train<T>(model, opt, sch, tr, monitor, tc, cb);

  const Eval ftr = evaluate(model, tr, classify), fva = evaluate(model, va, classify), fte = evaluate(model, te, classify);
  json fin = {{"train_loss", num_or_null(ftr.loss)},
              {"val_loss", num_or_null(has_val ? fva.loss : train::kNaN)},
              {"test_loss", num_or_null(fte.loss)},
              {"lr_last", num_or_null(res.lr_per_step.empty() ? train::kNaN : res.lr_per_step.back())}};
  if (classify) {
    fin["train_accuracy"] = num_or_null(ftr.accuracy);
    fin["val_accuracy"] = num_or_null(has_val ? fva.accuracy : train::kNaN);
    fin["test_accuracy"] = num_or_null(fte.accuracy);
  }
  if (mcfg.name == "linear" && model.params.size() <= 2) {  // scalars: perf-check reads "final"
    fin["w"] = num_or_null(static_cast<double>(model.params.data()[0]));
    if (model.params.size() == 2) fin["b"] = num_or_null(static_cast<double>(model.params.data()[1]));
  }
  if (p.at("keras_accuracy").get<bool>() && res.status == "ok" && !classify) {
    std::vector<double> yt(te.targets.begin(), te.targets.end());
    fin["keras_accuracy"] = keras_binary_accuracy(yt, predict(model, te));
    std::vector<double> ytr(tr.targets.begin(), tr.targets.end());
    fin["keras_accuracy_train"] = keras_binary_accuracy(ytr, predict(model, tr));
  }
  json lrs = json::array();
  for (float v : res.lr_per_step) lrs.push_back(num_or_null(v));
  json epoch_wall = json::array();
  for (const auto& e : res.epochs) epoch_wall.push_back(e.wall_s);
  return json{{"status", res.status},
              {"timing",
               {{"epoch_wall_seconds", epoch_wall},
                {"train_seconds", res.train_seconds},
                {"samples_per_second", res.samples_per_second}}},
              {"diverged_at_step", res.diverged_at_step ? json(*res.diverged_at_step) : json()},
              {"steps", res.steps},
              {"final", fin},
              {"curves", {{"epochs", epochs}, {"lr_per_step", lrs}}},
              {"dataset", d.info}};
}

template <class T>
RunResult execute_lr_find_t(const RunSpec& run, const RunContext& ctx, const DataFiles& files) {
  const json& p = run.params;
  const auto d = load_splits<T>(p.at("dataset"), static_cast<uint64_t>(run.seed), ctx, files);
  const auto opt = optim::optimizer_from_spec(spec::parse(p.at("optimizer").get<std::string>()));
  const auto mcfg = models::model_from_spec(spec::parse(p.at("model").get<std::string>()));
  const json& rg = p.at("range");
  train::LrRangeConfig c;
  c.lr_min = rg.at("lr_min").get<double>();
  c.lr_max = rg.at("lr_max").get<double>();
  c.steps = rg.at("steps").get<int>();
  c.batch = rg.at("batch").get<int>();
  c.smoothing = rg.at("smoothing").get<double>();
  c.stop_factor = rg.at("stop_factor").get<double>();
  c.seed = static_cast<uint64_t>(run.seed);
  train::check(c);
  auto model = models::make_model<T>(mcfg, c.batch);
  check_fits(mcfg, model, d);
  models::init_params<T>(model, models::init_from_spec(spec::parse(p.at("init").get<std::string>())), c.seed);
  auto state = optim::make_state<T>(opt, model.params.size(), model.tensor_offsets, model.factor_dims);
  const auto t0 = std::chrono::steady_clock::now();
  const auto r = train::lr_range_test<T>(model, state, opt, d.train.view, c, [&](int step, double, double) {
    ctx.report(static_cast<double>(step + 1) / c.steps, fmt::format("lr-find step {}/{}", step + 1, c.steps));
  });
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return lr_range_record(r, wall, d.info);
}

}  // namespace

RunResult execute_train(const RunSpec& run, const RunContext& context, const DataFiles& files) {
  return run.params.at("dtype") == "float64" ? execute_train_t<double>(run, context, files)
                                             : execute_train_t<float>(run, context, files);
}

json lr_range_record(const train::LrRangeResult& r, double wall, json dataset) {
  json curve = {{"lr", json::array()}, {"loss", json::array()}, {"smoothed", json::array()}};
  for (size_t k = 0; k < r.lr.size(); ++k) {
    curve["lr"].push_back(r.lr[k]);
    curve["loss"].push_back(num_or_null(r.loss[k]));
    curve["smoothed"].push_back(num_or_null(r.smoothed[k]));
  }
  // A range test that blows up has done its job: status ok; the stop is recorded.
  return json{{"status", "ok"},
              {"diverged_at_step", nullptr},
              {"steps", static_cast<int64_t>(r.lr.size())},
              {"final",
               {{"suggested_lr", num_or_null(r.suggested_lr)},
                {"min_loss_lr", num_or_null(r.min_loss_lr)},
                {"min_over_ten_lr", num_or_null(r.min_over_ten_lr)},
                {"stopped_early", r.stopped_early},
                {"stop_reason", r.stop_reason},
                {"rule", r.rule}}},
              {"timing", {{"wall_seconds", wall}}},
              {"curves", {{"lr_range", curve}}},
              {"dataset", std::move(dataset)}};
}


RunResult execute_lr_find(const RunSpec& run, const RunContext& context, const DataFiles& files) {
  return run.params.at("dtype") == "float64" ? execute_lr_find_t<double>(run, context, files)
                                             : execute_lr_find_t<float>(run, context, files);
}

}  // namespace lrb::suites
