// Suite 001: SGD vs RMSprop vs Adam on the tutorial's CNN, Fashion-MNIST (tutorial 001).
//
// The suite itself is the study file suites/001_adaptive_lr_cnn.toml (texts,
// arms, budgets, most claims).  What stays here needs code: suite 001's
// measurement protocol as two run kinds a study can name, and four checks
// whose verdict rules are the tutorial's own (update cost and its share of a
// step, stability, the printed RMSprop, range test vs grid).
//
// Run kind "cnn001": one cnn001 training (params.kind == "cnn001"):
//
//   data   Fashion-MNIST IDX files from the RunContext's data directory (the CLI's
//          --data-dir, else LRBENCH_DATA_DIR, else /usr/share/datasets/fashion-mnist),
//          shared through its dataset cache; the four decompressed SHA-256s must
//          equal params.dataset.sha256 (the record's address names the data).
//          train = the first n_train training images (file order), test = the
//          first n_test test images; pixels / 255 in float32.
//   model  cnn001, Keras init (Glorot-uniform kernels, zero biases) from `seed`;
//          shuffle stream derive_seed(seed, "shuffle", epoch) (train::train).
//   train  batch 32, constant LR, `epochs` epochs; after every epoch the test set
//          and the first train_eval_n training images are evaluated.
//   tuned  (params.tuning non-null) first, for each LR of tuning.grid: a fresh
//          model (same init), tuning.epochs epochs on the first n_train - n_val
//          images, validation loss/accuracy on the last n_val (Keras'
//          validation_split: the unshuffled tail).  The LR with the highest
//          validation accuracy wins (ties: lower validation loss; diverged
//          trials never win).  Then the run above at that LR, on all n_train.
//   cost   after training, optim::update of the run's optimizer on a scratch
//          copy of (params, grads): the fastest of 5 blocks of 100 updates,
//          seconds per update -> timing.update_seconds_per_step (volatile).
//
// Records keep per-epoch curves, the mean batch loss of every block of 50
// updates, the grid, and final scalars the claims read.
//
// Run kind "lr_find001", one LR range test: a fresh cnn001 (Keras init
// from `seed`), train::lr_range_test over the first n_train training images,
// the LR growing from lr_min to lr_max over `steps` batches of 32; the record
// holds the curve (curves.lr_range) and the suggestion (final.suggested_lr).
// It asks whether one short run without a validation split finds the LR the
// validation grid of the tuned configs picks (claim 001.9).
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <memory>
#include <optional>

#include "core/models/model.hpp"
#include "core/optim/optim.hpp"
#include "core/schedules/schedule.hpp"
#include "core/spec/spec.hpp"
#include "core/stats/stats.hpp"
#include "core/train/lr_range.hpp"
#include "core/train/train.hpp"
#include "datasets/error.hpp"
#include "datasets/fashion_mnist.hpp"
#include "suites/common.hpp"
#include "suites/train_run.hpp"
#include "suites/study/builtins.hpp"

namespace lrb::suites {
namespace {

constexpr double kChance = 0.1;  // 10 classes: a diverged grid trial counts as chance accuracy
constexpr int kLossBlock = 50;   // updates per entry of curves.loss_per_50_steps

// ---- params --------------------------------------------------------------------------

// The four decompressed files' SHA-256s: part of every run's address.
json fashion_mnist_sha256() {
  json sha = json::array();
  for (const char* h : data::kFashionMnistSha256) sha.push_back(h);
  return sha;
}

// What both kinds require of a study's settings: the tutorial's fixed setup.
void require_tutorial_setup(const TrainParams& t, const char* kind) {
  auto need = [&](bool ok, const std::string& what) {
    if (!ok) throw std::invalid_argument(std::string(kind) + " runs the tutorial's setup: " + what);
  };
  need(t.generator == "images" && json(t.sha256) == fashion_mnist_sha256(), "dataset = \"fashion-mnist\"");
  need(t.model == "cnn001", "model = \"cnn001\"");
  need(t.init == "keras", "init = \"keras\"");
  need(t.schedule == "constant", "schedule = \"constant\"");
  need(t.batch == 32, "batch = 32");
  need(t.dtype == "float32", "dtype = \"float32\"");
  need(t.steps == 0 && t.val_fraction == 0 && t.eval_every == 1, "epochs (not steps), no val_fraction, eval_every = 1");
}

// Run kind "cnn001".  Options: train_eval_n (the first training images
// evaluated after every epoch; default min(n_train, 10000)), and for a tuned run tune_lr_factors (the LR grid as multiples
// of the optimizer's LR), tune_epochs (1), tune_val_fraction (0.1: the last
// 10 % of the n_train images score the grid).
json cnn_params(const TrainParams& t, const json& o) {
  require_tutorial_setup(t, "kind cnn001");
  const auto opt = optim::optimizer_from_spec(spec::parse(t.optimizer));  // canonical, validated
  const int64_t train_eval_n = o.value("train_eval_n", std::min<int64_t>(t.n_train, 10000));
  if (train_eval_n < 0) throw std::invalid_argument("options.train_eval_n must be >= 0");
  json tuning = nullptr;
  if (o.contains("tune_lr_factors")) {
    json grid = json::array();
    for (const auto& f : o.at("tune_lr_factors")) {
      if (!f.is_number() || !(f.get<double>() > 0)) throw std::invalid_argument("options.tune_lr_factors: numbers > 0");
      grid.push_back(f.get<double>() * opt.lr);
    }
    const double vf = o.value("tune_val_fraction", 0.1);
    if (!(vf > 0 && vf < 1)) throw std::invalid_argument("options.tune_val_fraction must be in (0, 1)");
    tuning = {{"grid", grid},
              {"epochs", o.value("tune_epochs", 1)},
              {"n_val", std::llround(static_cast<double>(t.n_train) * vf)},
              {"select", "max val_accuracy; ties: min val_loss; diverged never wins"},
              {"final_train", "all n_train at the chosen LR"}};
  } else if (o.contains("tune_epochs") || o.contains("tune_val_fraction")) {
    throw std::invalid_argument("options.tune_epochs / tune_val_fraction need options.tune_lr_factors");
  }
  return json{{"kind", "cnn001"},
              {"dataset",
               {{"name", "fashion-mnist"},
                {"sha256", fashion_mnist_sha256()},
                {"n_train", t.n_train},
                {"n_test", t.n_test},
                {"train_eval_n", train_eval_n}}},
              {"model", "cnn001"},
              {"init", "keras"},
              {"optimizer", optim::to_spec_string(opt)},
              {"schedule", "constant"},
              {"epochs", t.epochs},
              {"batch", 32},
              {"dtype", "float32"},
              {"tuning", tuning}};
}

// Run kind "lr_find001": the range test of lrbench lr-find's cnn001 example:
// options steps (batches of 32 over the first steps x 32 training images),
// lr_min 1e-6, lr_max 10, smoothing 0.98, stop_factor 4.
json lr_find_params(const TrainParams& t, const json& o) {
  require_tutorial_setup(t, "kind lr_find001");
  const auto opt = optim::optimizer_from_spec(spec::parse(t.optimizer));
  if (!o.contains("steps") || !o["steps"].is_number_integer() || o["steps"].get<int64_t>() < 3 ||
      o["steps"].get<int64_t>() > 1875)
    throw std::invalid_argument("options.steps (batches of the range test) is required, in [3, 1875]");
  const int64_t steps = o["steps"].get<int64_t>();
  return json{{"kind", "lr_find001"},
              {"dataset", {{"name", "fashion-mnist"}, {"sha256", fashion_mnist_sha256()}, {"n_train", steps * 32}, {"n_test", 0}}},
              {"model", "cnn001"},
              {"init", "keras"},
              {"optimizer", optim::to_spec_string(opt)},
              {"range",
               {{"lr_min", o.value("lr_min", 1e-6)}, {"lr_max", o.value("lr_max", 10.0)}, {"steps", steps}, {"batch", 32},
                {"smoothing", o.value("smoothing", 0.98)}, {"stop_factor", o.value("stop_factor", 4.0)}}},
              {"dtype", "float32"}};
}

// ---- data --------------------------------------------------------------------------

// The context's data directory, decoded once per cache (the caller's: one
// copy shared read-only by the runs, 60k x 784 floats = 188 MB).
std::shared_ptr<const data::ImageDataset> fashion_mnist(const json& want, const RunContext& ctx) {
  auto load = [](const std::filesystem::path& dir) {
    try {
      return data::load_fashion_mnist(dir);
    } catch (const data::DataError& e) {
      throw data::DataError(e.path, e.expected, e.found,
                            "suite 001 needs Fashion-MNIST (apt-get install dataset-fashion-mnist), "
                            "or pass --data-dir / set LRBENCH_DATA_DIR to a directory holding its four IDX files");
    }
  };
  const auto ds = ctx.datasets ? ctx.datasets->images(ctx.data_dir, load)
                               : std::make_shared<const data::ImageDataset>(load(ctx.data_dir));
  const auto& sha = want.at("sha256");
  for (size_t i = 0; i < ds->files.size() && i < sha.size(); ++i)
    if (ds->files[i].sha256 != sha[i].get<std::string>())
      throw data::DataError(ds->files[i].path, "SHA-256 " + sha[i].get<std::string>() +
                                                   " (Debian's dataset-fashion-mnist)",
                            ds->files[i].sha256,
                            "suite 001 records are addressed by the Fashion-MNIST content; point "
                            "--data-dir / LRBENCH_DATA_DIR (" + ctx.data_dir_source + ": " + ctx.data_dir.string() +
                                ") at the Debian files");
  const auto n_train = want.at("n_train").get<size_t>(), n_test = want.at("n_test").get<size_t>();
  if (ds->train.n < n_train || ds->test.n < n_test || ds->train.rows != 28 || ds->train.cols != 28)
    throw data::DataError(ds->dir, fmt::format("28x28 images, >= {} train and {} test", n_train, n_test),
                          fmt::format("{}x{}, {} train, {} test", ds->train.rows, ds->train.cols,
                                      ds->train.n, ds->test.n),
                          data::kIdxHint);
  return ds;
}

// The files a run read, for its record: path, SHA-256, size.
json files_json(const data::ImageDataset& ds) {
  json files = json::array();
  for (const auto& f : ds.files) files.push_back({{"path", f.path}, {"sha256", f.sha256}, {"bytes", f.bytes}});
  return files;
}

// Rows [begin, end) of an image set as training examples: (n, 28*28) row-major.
train::Examples<float> rows(const data::ImageSet& s, size_t begin, size_t end) {
  const size_t f = static_cast<size_t>(s.rows) * static_cast<size_t>(s.cols);
  return {std::span<const float>(s.x).subspan(begin * f, (end - begin) * f),
          std::span<const std::int32_t>(s.y).subspan(begin, end - begin), {}, end - begin};
}

// ---- one training ------------------------------------------------------------------

struct Training {
  train::TrainResult res;
  json epochs = json::array();      // per-epoch curve
  json loss_blocks = json::array(); // mean batch loss of each block of kLossBlock updates
  double update_seconds = NAN;      // optimizer update alone, per step (timing)
  double frac_params_decreased = NAN, mean_param_shift = NAN;
};

// Seconds per optim::update of `opt` on a scratch copy of the model's params
// and (last) grads, fresh state: the fastest of 5 blocks of 100 updates.
double time_update(const models::Model<float>& m, const optim::Optimizer& opt) {
  Buffer<float> p(m.params.begin(), m.params.end()), g(m.grads.begin(), m.grads.end());
  for (auto& v : g)
    if (!std::isfinite(v)) v = 0;  // a diverged run's last grads
  auto st = optim::make_state<float>(opt, p.size(), m.tensor_offsets, m.factor_dims);
  double best = INFINITY;
  for (int block = 0; block < 5; ++block) {
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < 100; ++i)
      optim::update<float>(p, g, st, opt, opt.lr, std::nullopt, m.tensor_offsets,
                           m.factor_dims);
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / 100);
  }
  return best;
}

// Trains a fresh cnn001 (Keras init from `seed`) with `opt` at constant LR.
// `train_eval` (may be empty) is evaluated after every epoch besides `test`.
Training train_once(const optim::Optimizer& opt, const train::Examples<float>& tr,
                    const train::Examples<float>& test, const train::Examples<float>& train_eval,
                    int epochs, uint64_t seed, bool measure) {
  const auto mcfg = models::model_from_spec(spec::parse("cnn001"));
  auto model = models::make_model<float>(mcfg, 256);
  models::init_params<float>(model, models::init_from_spec(spec::parse("keras")), seed);
  const Buffer<float> init(model.params.begin(), model.params.end());
  const auto schedule = sched::schedule_from_spec(spec::parse("constant"), opt.lr);
  train::TrainConfig tc;
  tc.epochs = epochs;
  tc.batch = 32;
  tc.seed = seed;
  Training out;
  train::Callbacks cb;
  cb.on_epoch = [&](const train::EpochRecord& r) {
    json e = {{"epoch", r.epoch},
              {"steps", r.steps},
              {"train_loss", num_or_null(r.train_loss)},  // mean batch loss over the epoch
              {"test_loss", num_or_null(r.test_loss)},
              {"test_accuracy", num_or_null(r.test_accuracy)},
              {"lr", num_or_null(r.lr_last)}};
    if (train_eval.n && std::isfinite(r.test_loss)) {
      const auto s = train::evaluate_all<float>(model, train_eval);
      e["train_eval_loss"] = num_or_null(s.loss_sum / static_cast<double>(s.count));
      e["train_accuracy"] = static_cast<double>(s.correct) / static_cast<double>(s.count);
    } else {
      e["train_eval_loss"] = nullptr;
      e["train_accuracy"] = nullptr;
    }
    out.epochs.push_back(std::move(e));
  };
  out.res = train::train<float>(model, opt, schedule, tr, test, tc, cb);
  const auto& l = out.res.loss_per_step;
  for (size_t b = 0; b < l.size(); b += kLossBlock) {
    const size_t e = std::min(l.size(), b + kLossBlock);
    double s = 0;
    for (size_t i = b; i < e; ++i) s += l[i];
    out.loss_blocks.push_back(num_or_null(s / static_cast<double>(e - b)));
  }
  if (measure) {
    size_t down = 0;
    double shift = 0;
    for (size_t i = 0; i < init.size(); ++i) {
      down += model.params[i] < init[i] ? 1 : 0;
      shift += static_cast<double>(model.params[i]) - static_cast<double>(init[i]);
    }
    out.frac_params_decreased = static_cast<double>(down) / static_cast<double>(init.size());
    out.mean_param_shift = shift / static_cast<double>(init.size());
    out.update_seconds = time_update(model, opt);
  }
  return out;
}

json epoch_field(const json& epochs, size_t i, const char* key) {
  return i < epochs.size() ? epochs[i].at(key) : json();
}

RunResult execute_lr_find001(const RunSpec& run, const RunContext& ctx) {
  const json& p = run.params;
  const json& dsp = p.at("dataset");
  const auto ds = fashion_mnist(dsp, ctx);
  const auto n = dsp.at("n_train").get<size_t>();
  const auto opt = optim::optimizer_from_spec(spec::parse(p.at("optimizer").get<std::string>()));
  const json& rg = p.at("range");
  train::LrRangeConfig c;
  c.lr_min = rg.at("lr_min").get<double>();
  c.lr_max = rg.at("lr_max").get<double>();
  c.steps = rg.at("steps").get<int>();
  c.batch = rg.at("batch").get<int>();
  c.smoothing = rg.at("smoothing").get<double>();
  c.stop_factor = rg.at("stop_factor").get<double>();
  c.seed = static_cast<uint64_t>(run.seed);
  auto model = models::make_model<float>(models::model_from_spec(spec::parse("cnn001")), c.batch);
  models::init_params<float>(model, models::init_from_spec(spec::parse("keras")), c.seed);
  auto state = optim::make_state<float>(opt, model.params.size(), model.tensor_offsets,
                                        model.factor_dims);
  const auto t0 = std::chrono::steady_clock::now();
  const auto r = train::lr_range_test<float>(model, state, opt, rows(ds->train, 0, n), c, [&](int step, double, double) {
    ctx.report(static_cast<double>(step + 1) / c.steps, fmt::format("lr-find step {}/{}", step + 1, c.steps));
  });
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return lr_range_record(r, wall, {{"name", ds->name}, {"files", files_json(*ds)}, {"n_train", n}});
}

RunResult execute_cnn001(const RunSpec& run, const RunContext& ctx) {
  const json& p = run.params;
  if (p.at("kind") == "lr_find001") return execute_lr_find001(run, ctx);
  if (p.at("kind") != "cnn001") throw std::invalid_argument("suite 001: unknown params.kind " + p.at("kind").dump());
  const json& dsp = p.at("dataset");
  const auto ds = fashion_mnist(dsp, ctx);
  const auto n_train = dsp.at("n_train").get<size_t>(), n_test = dsp.at("n_test").get<size_t>();
  const auto n_eval = std::min(n_train, dsp.at("train_eval_n").get<size_t>());
  const uint64_t seed = static_cast<uint64_t>(run.seed);
  auto opt = optim::optimizer_from_spec(spec::parse(p.at("optimizer").get<std::string>()));
  const int epochs = p.at("epochs").get<int>();
  const auto train_all = rows(ds->train, 0, n_train), test = rows(ds->test, 0, n_test);

  json grid = nullptr, tuning = nullptr;
  std::optional<double> grid_spread;
  if (!p.at("tuning").is_null()) {
    const json& t = p.at("tuning");
    const auto n_val = t.at("n_val").get<size_t>();
    const auto fit = rows(ds->train, 0, n_train - n_val), val = rows(ds->train, n_train - n_val, n_train);
    grid = json::array();
    double best_acc = -1, best_loss = INFINITY, chosen = opt.lr, lo = INFINITY, hi = -INFINITY;
    for (const auto& lr_j : t.at("grid")) {
      auto o = opt;
      o.lr = lr_j.get<double>();
      const auto tr = train_once(o, fit, val, {}, t.at("epochs").get<int>(), seed, false);
      const bool ok = tr.res.status == "ok";
      const double acc = ok ? tr.res.epochs.back().test_accuracy : NAN;
      const double loss = ok ? tr.res.epochs.back().test_loss : NAN;
      grid.push_back({{"lr", o.lr}, {"status", tr.res.status},
                      {"diverged_at_step", tr.res.diverged_at_step ? json(*tr.res.diverged_at_step) : json()},
                      {"train_loss", num_or_null(tr.res.epochs.back().train_loss)},
                      {"val_loss", num_or_null(loss)}, {"val_accuracy", num_or_null(acc)}});
      const double a = ok && std::isfinite(acc) ? acc : kChance;
      lo = std::min(lo, a);
      hi = std::max(hi, a);
      if (ok && std::isfinite(acc) && (acc > best_acc || (acc == best_acc && loss < best_loss))) {
        best_acc = acc;
        best_loss = loss;
        chosen = o.lr;
      }
    }
    grid_spread = hi - lo;
    opt.lr = chosen;
    tuning = {{"chosen_lr", chosen}, {"chosen_optimizer", optim::to_spec_string(opt)},
              {"best_val_accuracy", num_or_null(best_acc)}, {"grid", grid}};
  }

  const auto eval_set = rows(ds->train, 0, n_eval);
  const Training tr = train_once(opt, train_all, test, eval_set, epochs, seed, true);
  const auto& ep = tr.epochs;
  // Stability: total fall of test accuracy between consecutive epochs (0 for a
  // monotone curve) and total rise of the epoch-mean training loss.
  double acc_drop = 0, loss_rise = 0;
  for (size_t i = 1; i < ep.size(); ++i) {
    const auto &a0 = ep[i - 1]["test_accuracy"], &a1 = ep[i]["test_accuracy"];
    if (a0.is_number() && a1.is_number()) acc_drop += std::max(0.0, a0.get<double>() - a1.get<double>());
    const auto &l0 = ep[i - 1]["train_loss"], &l1 = ep[i]["train_loss"];
    if (l0.is_number() && l1.is_number()) loss_rise += std::max(0.0, l1.get<double>() - l0.get<double>());
  }
  json to_85 = nullptr;  // first epoch with test accuracy >= 0.85
  for (const auto& e : ep)
    if (e["test_accuracy"].is_number() && e["test_accuracy"].get<double>() >= 0.85) {
      to_85 = e["epoch"];
      break;
    }
  const bool ok = tr.res.status == "ok";
  json fin = {
      {"test_accuracy", ok ? ep.back()["test_accuracy"] : json()},
      {"test_loss", ok ? ep.back()["test_loss"] : json()},
      {"train_loss", ok ? ep.back()["train_loss"] : json()},
      {"train_accuracy", ok ? ep.back()["train_accuracy"] : json()},
      {"test_loss_epoch1", epoch_field(ep, 0, "test_loss")},
      {"test_accuracy_epoch1", epoch_field(ep, 0, "test_accuracy")},
      {"train_loss_epoch1", epoch_field(ep, 0, "train_loss")},
      {"epochs_to_acc_0.85", to_85},
      {"test_accuracy_drop_sum", ok ? json(acc_drop) : json()},
      {"train_loss_rise_sum", ok ? json(loss_rise) : json()},
      {"lr", opt.lr},
      {"optimizer_state_slots", optim::state_slots(opt)},
      {"frac_params_decreased", num_or_null(tr.frac_params_decreased)},
      {"mean_param_shift", num_or_null(tr.mean_param_shift)},
      {"grid_val_accuracy_spread", grid_spread ? json(*grid_spread) : json()}};
  json epoch_wall = json::array();
  for (const auto& e : tr.res.epochs) epoch_wall.push_back(e.wall_s);
  const double steps = static_cast<double>(std::max<int64_t>(1, tr.res.steps));
  const json files = files_json(*ds);
  return json{
      {"status", tr.res.status},
      {"diverged_at_step", tr.res.diverged_at_step ? json(*tr.res.diverged_at_step) : json()},
      {"steps", tr.res.steps},
      {"final", fin},
      {"timing",
       {{"epoch_wall_seconds", epoch_wall},
        {"step_seconds", tr.res.train_seconds / steps},  // forward + backward + update
        {"update_seconds_per_step", num_or_null(tr.update_seconds)}}},
      {"curves", {{"epochs", ep}, {"loss_per_50_steps", tr.loss_blocks}, {"tuning", tuning}}},
      {"dataset",
       {{"name", ds->name}, {"files", files}, {"n_train", n_train}, {"n_test", n_test},
        {"train_eval_n", n_eval}, {"n_val", p.at("tuning").is_null() ? json(0) : p.at("/tuning/n_val"_json_pointer)}}}};
}


// ---- checks ----------------------------------------------------------------------------

std::string arg(const json& args, const char* key, const char* def) {
  return args.contains(key) ? args.at(key).get<std::string>() : std::string(def);
}

// "update_cost" (claim 001.5): the optimizer update's time per step, paired by
// seed, and its share of a whole training step -- a timing with its own
// summary, not a metric comparison alone.
ClaimResult check_update_cost(const ResultSet& rs, const std::vector<RunSpec>& plan, const json& args) {
  const std::string b = arg(args, "baseline", "tutorial/sgd"), a = arg(args, "contender", "tutorial/adam");
  const std::string lb = arg(args, "baseline_label", "SGD"), la = arg(args, "contender_label", "Adam");
  const std::string kb = arg(args, "baseline_key", "sgd"), ka = arg(args, "contender_key", "adam");
  auto r = claim_better(rs, plan, b, a, "/timing/update_seconds_per_step", false, 0.05);
  const auto sb = series(rs, plan, b, "/timing/update_seconds_per_step");
  const auto sa = series(rs, plan, a, "/timing/update_seconds_per_step");
  const auto stb = series(rs, plan, b, "/timing/step_seconds");
  const auto sta = series(rs, plan, a, "/timing/step_seconds");
  const auto slb = series(rs, plan, b, "/final/optimizer_state_slots");
  const auto sla = series(rs, plan, a, "/final/optimizer_state_slots");
  r.evidence["step_seconds"] = {{kb, to_json(stb)}, {ka, to_json(sta)}};
  r.evidence["state_slots"] = {{kb, to_json(slb)}, {ka, to_json(sla)}};
  if (!sb.values.empty() && !sa.values.empty() && !stb.values.empty() && !sta.values.empty()) {
    const double ub = stats::mean(sb.values), ua = stats::mean(sa.values);
    // Whole steps share the core with other work: the fastest run is the
    // least disturbed estimate (the update times are already minima).
    const double tb = *std::min_element(stb.values.begin(), stb.values.end());
    const double ta = *std::min_element(sta.values.begin(), sta.values.end());
    r.evidence["update_share_of_step"] = {{kb, ub / tb}, {ka, ua / ta}};
    r.summary = fmt::format(
        "timing: update {:.3g} us ({}) vs {:.3g} us ({}) per step = {:.2f}x; "
        "state {} vs {} slots per parameter; the update is {:.1f}% ({}) / {:.1f}% "
        "({}) of a training step (fastest run: {:.3g} vs {:.3g} ms). {}",
        1e6 * ua, la, 1e6 * ub, lb, ua / ub, sla.values.empty() ? NAN : sla.values[0],
        slb.values.empty() ? NAN : slb.values[0], 100 * ua / ta, la, 100 * ub / tb, lb, 1e3 * ta, 1e3 * tb, r.summary);
  }
  return r;
}

// "stability" (claim 001.6): the fall of test accuracy between epochs, paired;
// both curves monotone in every seed is no difference in stability (not the
// refutation claim_better would read from a CI of [0, 0]).
ClaimResult check_stability(const ResultSet& rs, const std::vector<RunSpec>& plan, const json& args) {
  const std::string b = arg(args, "baseline", "tutorial/sgd"), a = arg(args, "contender", "tutorial/rmsprop");
  const std::string kb = arg(args, "baseline_key", "sgd"), ka = arg(args, "contender_key", "rmsprop");
  const std::string gb = arg(args, "baseline_tuned", "tuned/sgd"), ga = arg(args, "contender_tuned", "tuned/rmsprop");
  auto r = claim_better(rs, plan, b, a, "/final/test_accuracy_drop_sum", true, 0.0);
  const json& d = r.evidence.contains("paired_diff") ? r.evidence["paired_diff"] : json();
  if (!d.is_null() && d["ci95"][0] == 0 && d["ci95"][1] == 0) {
    r.verdict = Verdict::inconclusive;
    r.summary = "both curves monotone in every seed: " + r.summary;
  }
  const auto fb = series(rs, plan, b, "/final/test_accuracy");
  const auto fa = series(rs, plan, a, "/final/test_accuracy");
  r.evidence["final_accuracy_seed_sd"] = {{kb, fb.values.size() > 1 ? json(stats::sd(fb.values)) : json()},
                                          {ka, fa.values.size() > 1 ? json(stats::sd(fa.values)) : json()}};
  r.evidence["train_loss_rise_sum"] = {{kb, to_json(series(rs, plan, b, "/final/train_loss_rise_sum"))},
                                       {ka, to_json(series(rs, plan, a, "/final/train_loss_rise_sum"))}};
  json grid_div = json::object();
  for (const auto& [key, config] : {std::pair{kb, gb}, std::pair{ka, ga}}) {
    int div = 0, trials = 0;
    for (const auto& run : plan) {
      if (run.config != config) continue;
      const json* rec = rs.find(run.config, run.seed);
      if (!rec) continue;
      const auto& t = rec->at("/curves/tuning"_json_pointer);
      if (t.is_null()) continue;
      for (const auto& g : t.at("grid")) {
        ++trials;
        div += g.at("status") == "diverged";
      }
    }
    grid_div[key] = {{"diverged", div}, {"trials", trials}};
  }
  r.evidence["grid_diverged"] = grid_div;
  r.summary += fmt::format("; seed SD of final acc: {} {}, {} {}", arg(args, "baseline_label", "SGD"),
                           fmt_num(fb.values.size() > 1 ? stats::sd(fb.values) : NAN),
                           arg(args, "contender_label", "RMSprop"),
                           fmt_num(fa.values.size() > 1 ? stats::sd(fa.values) : NAN));
  return r;
}

// "as_written_trains" (claim 001.8): the printed update against the real one:
// every as-written run at chance (or diverged) while the real one learns.
ClaimResult check_as_written(const ResultSet& rs, const std::vector<RunSpec>& plan, const json& args) {
  const std::string wc = arg(args, "as_written", "tutorial/rmsprop_as_written"), rc = arg(args, "real", "tutorial/rmsprop");
  ClaimResult r;
  r.basis = "descriptive";
  const auto w = series(rs, plan, wc, "/final/test_accuracy");
  const auto real = series(rs, plan, rc, "/final/test_accuracy");
  const auto down = series(rs, plan, wc, "/final/frac_params_decreased");
  const auto down_real = series(rs, plan, rc, "/final/frac_params_decreased");
  add_run_counts(r, w);
  add_run_counts(r, real);
  r.evidence = {{"as_written", to_json(w)}, {"real", to_json(real)},
                {"frac_params_decreased", {{"as_written", to_json(down)}, {"real", to_json(down_real)}}}};
  const double wmax = w.values.empty() ? -INFINITY : *std::max_element(w.values.begin(), w.values.end());
  const double rmin = real.values.empty() ? NAN : *std::min_element(real.values.begin(), real.values.end());
  const bool all_failed = w.diverged + static_cast<int>(w.values.size()) == w.expected - w.missing &&
                          w.expected > w.missing && wmax < 0.2;
  if (all_failed && rmin > 0.5)
    r.verdict = Verdict::refuted;
  else if (!w.values.empty() && !real.values.empty() && stats::mean(w.values) >= stats::mean(real.values) - 0.01)
    r.verdict = Verdict::supported;
  r.summary = fmt::format(
      "as written: {} diverged, best final test accuracy {} (chance 0.1), {} of parameters "
      "moved down; real RMSprop: worst seed {}, mean {}",
      w.diverged, w.values.empty() ? "n/a" : fmt_num(wmax),
      down.values.empty() ? "n/a" : fmt::format("{:.1f}%", 100 * stats::mean(down.values)), fmt_num(rmin),
      real.values.empty() ? "n/a" : fmt_num(stats::mean(real.values)));
  note_missing(r);
  return r;
}

// "range_test_vs_grid" (claim 001.9): per optimizer, the median LR range-test
// suggestion against the median LR the validation grid chose, in decades.
ClaimResult check_range_vs_grid(const ResultSet& rs, const std::vector<RunSpec>& plan, const json& args) {
  std::vector<std::string> names = {"sgd", "rmsprop", "adam"};
  if (args.contains("optimizers")) names = args.at("optimizers").get<std::vector<std::string>>();
  ClaimResult r;
  r.basis = "descriptive";
  r.evidence = json::object();
  std::vector<std::string> parts;
  double worst = 0;
  bool all_present = true;
  for (const auto& o : names) {
    const auto sug = series(rs, plan, "lr_find/" + o, "/final/suggested_lr");
    const auto tuned = series(rs, plan, "tuned/" + o, "/final/lr");
    add_run_counts(r, sug);
    add_run_counts(r, tuned);
    r.evidence[o] = {{"suggested_lr", to_json(sug)}, {"tuned_lr", to_json(tuned)}};
    if (sug.values.empty() || tuned.values.empty()) {
      all_present = false;
      parts.push_back(fmt::format("{}: no values", o));
      continue;
    }
    std::vector<double> ls, lt;
    for (double v : sug.values) ls.push_back(std::log10(v));
    for (double v : tuned.values) lt.push_back(std::log10(v));
    const double ms = std::pow(10.0, stats::median(ls)), mt = std::pow(10.0, stats::median(lt));
    const double gap = std::fabs(std::log10(ms / mt));
    worst = std::max(worst, gap);
    r.evidence[o]["gap_decades"] = gap;
    parts.push_back(fmt::format("{}: suggested {} vs tuned {} ({:.2f} decades)", o, fmt_num(ms), fmt_num(mt), gap));
  }
  if (all_present) r.verdict = worst <= 0.5 ? Verdict::supported : worst > 1.0 ? Verdict::refuted : Verdict::inconclusive;
  r.summary = fmt::format("{} (medians over seeds)", fmt::join(parts, "; "));
  note_missing(r);
  return r;
}

}  // namespace

namespace study {

std::vector<RunKind> run_kinds_001() {
  return {{"cnn001",
           "suite 001's cnn001 training on Fashion-MNIST: per-epoch curves incl. a training-accuracy pass, the "
           "optimizer update timed on the trained parameters, stability measures, and (with tune_lr_factors) the "
           "LR tuned per seed inside the run on the last 10 % of the training images",
           {"train_eval_n", "tune_lr_factors", "tune_epochs", "tune_val_fraction"}, cnn_params, execute_cnn001},
          {"lr_find001", "suite 001's LR range test of cnn001 (lrbench lr-find's rule) on the first steps x 32 images",
           {"steps", "lr_min", "lr_max", "smoothing", "stop_factor"}, lr_find_params, execute_lr_find001}};
}

std::vector<Check> checks_001() {
  return {{"update_cost",
           "optimizer update time per step (timing, volatile), paired by seed, with its share of a training step "
           "(records of kind cnn001)",
           {"baseline", "contender", "baseline_label", "contender_label", "baseline_key", "contender_key"},
           {},
           check_update_cost},
          {"stability",
           "fall of test accuracy between epochs, paired by seed (monotone curves in every seed: no difference), "
           "with the seed spread and the diverged grid trials (records of kind cnn001)",
           {"baseline", "contender", "baseline_label", "contender_label", "baseline_key", "contender_key",
            "baseline_tuned", "contender_tuned"},
           {},
           check_stability},
          {"as_written_trains",
           "the printed RMSprop update vs the real one: refuted when every as-written run is at chance or diverged "
           "while the real one exceeds 0.5 accuracy in every seed",
           {"as_written", "real"},
           {},
           check_as_written},
          {"range_test_vs_grid",
           "per optimizer, the median LR range-test suggestion (lr_find/<opt>) vs the median LR the validation grid "
           "chose (tuned/<opt>): supported within 0.5 decade, refuted beyond 1",
           {"optimizers"},
           {},
           check_range_vs_grid}};
}

}  // namespace study
}  // namespace lrb::suites
