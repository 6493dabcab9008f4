// Suite 001: SGD vs RMSprop vs Adam on the tutorial's CNN, Fashion-MNIST (tutorial 001).
//
// One run = one cnn001 training (params.kind == "cnn001"):
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
// One LR range test (params.kind == "lr_find001"): a fresh cnn001 (Keras init
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

namespace lrb::suites {
namespace {

constexpr double kChance = 0.1;  // 10 classes: a diverged grid trial counts as chance accuracy
constexpr int kLossBlock = 50;   // updates per entry of curves.loss_per_50_steps

// ---- the plan ------------------------------------------------------------------------

struct Opt {
  const char* name;  // config suffix
  const char* spec;  // Keras defaults, the tutorial's settings
  double lr;
};
// Keras SGD(0.01), RMSprop(0.001, rho 0.9, eps 1e-7), Adam(0.001, 0.9, 0.999, 1e-7).
const Opt kOpts[] = {{"sgd", "sgd:lr=0.01,convention=keras", 0.01},
                     {"rmsprop", "rmsprop:lr=0.001,convention=keras", 0.001},
                     {"adam", "adam:lr=0.001,convention=keras", 0.001}};
// Tutorial sec. 4.1's RMSprop as printed (core/optim: rmsprop_tutorial001).
constexpr const char* kAsWritten = "rmsprop_tutorial001:lr=0.001";
// The LR grid: these multiples of each optimizer's default (100x in all, half decades).
const double kGridFactors[] = {0.1, 0.3, 1.0, 3.0, 10.0};

std::string tutorial_config(const std::string& opt) { return "tutorial/" + opt; }
std::string tuned_config(const std::string& opt) { return "tuned/" + opt; }
std::string lr_find_config(const std::string& opt) { return "lr_find/" + opt; }
const char* kAsWrittenConfig = "tutorial/rmsprop_as_written";

struct Sizes {
  int seeds, epochs, n_train, n_test, train_eval_n, tune_epochs, lr_find_steps;
};
Sizes sizes(const Budget& b) {
  Sizes s = b.quick ? Sizes{3, 2, 5000, 10000, 5000, 1, 200} : Sizes{5, 10, 60000, 10000, 10000, 1, 400};
  if (b.seeds > 0) s.seeds = b.seeds;
  return s;
}

// The four decompressed files' SHA-256s: part of every run's address.
json fashion_mnist_sha256() {
  json sha = json::array();
  for (const char* h : data::kFashionMnistSha256) sha.push_back(h);
  return sha;
}

json cnn_params(const Sizes& z, const std::string& optimizer, bool tuned, double default_lr) {
  const auto opt = optim::optimizer_from_spec(spec::parse(optimizer));  // canonical, validated
  const json sha = fashion_mnist_sha256();
  json tuning = nullptr;
  if (tuned) {
    json grid = json::array();
    for (double f : kGridFactors) grid.push_back(f * default_lr);
    tuning = {{"grid", grid},
              {"epochs", z.tune_epochs},
              {"n_val", z.n_train / 10},
              {"select", "max val_accuracy; ties: min val_loss; diverged never wins"},
              {"final_train", "all n_train at the chosen LR"}};
  }
  return json{{"kind", "cnn001"},
              {"dataset",
               {{"name", "fashion-mnist"},
                {"sha256", sha},
                {"n_train", z.n_train},
                {"n_test", z.n_test},
                {"train_eval_n", z.train_eval_n}}},
              {"model", "cnn001"},
              {"init", "keras"},
              {"optimizer", optim::to_spec_string(opt)},
              {"schedule", "constant"},
              {"epochs", z.epochs},
              {"batch", 32},
              {"dtype", "float32"},
              {"tuning", tuning}};
}

// The range test of lrbench lr-find's cnn001 example: 1e-6 .. 10, one pass
// over steps x 32 images, EMA 0.98, stop at 4x the minimum.
json lr_find_params(const Sizes& z, const std::string& optimizer) {
  const auto opt = optim::optimizer_from_spec(spec::parse(optimizer));
  return json{{"kind", "lr_find001"},
              {"dataset", {{"name", "fashion-mnist"}, {"sha256", fashion_mnist_sha256()}, {"n_train", z.lr_find_steps * 32}, {"n_test", 0}}},
              {"model", "cnn001"},
              {"init", "keras"},
              {"optimizer", optim::to_spec_string(opt)},
              {"range",
               {{"lr_min", 1e-6}, {"lr_max", 10.0}, {"steps", z.lr_find_steps}, {"batch", 32},
                {"smoothing", 0.98}, {"stop_factor", 4.0}}},
              {"dtype", "float32"}};
}

std::vector<RunSpec> plan(const Budget& b) {
  const Sizes z = sizes(b);
  std::vector<RunSpec> runs;
  auto add = [&](const std::string& config, const json& params, const Factors& factors) {
    for (int s = 0; s < z.seeds; ++s) runs.push_back({"001", config, s, params, factors});
  };
  // Factor "code": RMSprop as the tutorial prints it vs RMSprop as defined.
  for (const auto& o : kOpts) {
    Factors f = {{"experiment", "tutorial"}, {"optimizer", o.name}, {"lr", o.lr}};
    if (std::string(o.name) == "rmsprop") f.push_back({"code", "corrected"});
    add(tutorial_config(o.name), cnn_params(z, o.spec, false, o.lr), f);
  }
  add(kAsWrittenConfig, cnn_params(z, kAsWritten, false, 0.001),
      {{"experiment", "tutorial"}, {"optimizer", "rmsprop"}, {"lr", 0.001}, {"code", "as_written"}});
  for (const auto& o : kOpts)
    add(tuned_config(o.name), cnn_params(z, o.spec, true, o.lr),
        {{"experiment", "tuned"}, {"optimizer", o.name}, {"lr", "tuned on a validation split"}});
  for (const auto& o : kOpts)
    add(lr_find_config(o.name), lr_find_params(z, o.spec), {{"experiment", "lr_find"}, {"optimizer", o.name}});
  return runs;
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
  auto st = optim::make_state<float>(opt, p.size());
  double best = INFINITY;
  for (int block = 0; block < 5; ++block) {
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < 100; ++i)
      optim::update<float>(p, g, st, opt, opt.lr, std::nullopt, m.tensor_offsets);
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

RunResult execute_lr_find(const RunSpec& run, const RunContext& ctx) {
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
  auto state = optim::make_state<float>(opt, model.params.size());
  const auto t0 = std::chrono::steady_clock::now();
  const auto r = train::lr_range_test<float>(model, state, opt, rows(ds->train, 0, n), c, [&](int step, double, double) {
    ctx.report(static_cast<double>(step + 1) / c.steps, fmt::format("lr-find step {}/{}", step + 1, c.steps));
  });
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  json curve = {{"lr", json::array()}, {"loss", json::array()}, {"smoothed", json::array()}};
  for (size_t k = 0; k < r.lr.size(); ++k) {
    curve["lr"].push_back(r.lr[k]);
    curve["loss"].push_back(num_or_null(r.loss[k]));
    curve["smoothed"].push_back(num_or_null(r.smoothed[k]));
  }
  const json files = files_json(*ds);
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
              {"dataset", {{"name", ds->name}, {"files", files}, {"n_train", n}}}};
}

RunResult execute(const RunSpec& run, const RunContext& ctx) {
  const json& p = run.params;
  if (p.at("kind") == "lr_find001") return execute_lr_find(run, ctx);
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

// ---- claims --------------------------------------------------------------------------

// Supported / refuted / inconclusive of two paired comparisons that must agree.
ClaimResult both(ClaimResult a, ClaimResult b, const std::string& what_a, const std::string& what_b) {
  ClaimResult r;
  add_run_counts(r, a);
  add_run_counts(r, b);
  r.evidence = {{what_a, a.evidence}, {what_b, b.evidence},
                {"verdicts", {{what_a, to_string(a.verdict)}, {what_b, to_string(b.verdict)}}}};
  r.verdict = a.verdict == Verdict::supported && b.verdict == Verdict::supported ? Verdict::supported
              : a.verdict == Verdict::refuted && b.verdict == Verdict::refuted   ? Verdict::refuted
                                                                                 : Verdict::inconclusive;
  r.summary = fmt::format("{}: {}; {}: {}", what_a, a.summary, what_b, b.summary);
  return r;
}

std::vector<Claim> claims() {
  std::vector<Claim> c;
  const std::string paired_acc =
      "paired (by seed) 95% CI of (Adam - SGD): above 0 supported; below 0, or within +-0.5% of "
      "SGD's mean, refuted; else inconclusive";
  struct Pair {
    const char* id;
    const char* prefix;  // "tutorial" | "tuned"
    const char* settings;
  };
  const Pair setups[] = {{"001.1", "tutorial", "at the tutorial's (Keras default) LRs"},
                         {"001.3", "tuned", "with each LR tuned on a validation split"}};
  for (const auto& s : setups) {
    const std::string b = std::string(s.prefix) + "/sgd", a = std::string(s.prefix) + "/adam";
    const std::string id2 = std::string(s.id) == "001.1" ? "001.2" : "001.4";
    c.push_back({s.id, std::string("Adam converges faster than SGD (") + s.settings + ")",
                 "tutorial 001 sec. 3.3 (table) and 4.3",
                 "test loss after the first epoch (10 epochs, batch 32), paired by seed; "
                 "evidence also: training loss of epoch 1, epochs to 85% test accuracy",
                 "paired 95% CI of (Adam - SGD) below 0 supported; above 0, or within +-1% of "
                 "SGD's mean, refuted; else inconclusive",
                 [=](const ResultSet& rs, const std::vector<RunSpec>& plan) {
                   auto r = claim_better(rs, plan, b, a, "/final/test_loss_epoch1", true, 0.01);
                   r.evidence["train_loss_epoch1"] = {
                       {"sgd", to_json(series(rs, plan, b, "/final/train_loss_epoch1"))},
                       {"adam", to_json(series(rs, plan, a, "/final/train_loss_epoch1"))}};
                   r.evidence["epochs_to_acc_0.85"] = {
                       {"sgd", to_json(series(rs, plan, b, "/final/epochs_to_acc_0.85"))},
                       {"adam", to_json(series(rs, plan, a, "/final/epochs_to_acc_0.85"))}};
                   return r;
                 }});
    c.push_back({id2, std::string("Adam reaches a higher accuracy than SGD (") + s.settings + ")",
                 "tutorial 001 sec. 4.3", "test accuracy after 10 epochs, paired by seed", paired_acc,
                 [=](const ResultSet& rs, const std::vector<RunSpec>& plan) {
                   auto r = claim_better(rs, plan, b, a, "/final/test_accuracy", false, 0.005);
                   if (std::string(s.prefix) == "tuned")
                     r.evidence["chosen_lr"] = {{"sgd", to_json(series(rs, plan, b, "/final/lr"))},
                                                {"adam", to_json(series(rs, plan, a, "/final/lr"))}};
                   return r;
                 }});
  }
  c.push_back({"001.5", "Adam costs more compute per step than SGD", "tutorial 001 sec. 3.3 (table)",
               "TIMING (volatile, from the records' timing block): seconds per optimizer update on "
               "cnn001's 54,410 float32 parameters (fastest of 5 x 100 updates, single thread), "
               "tutorial runs paired by seed; evidence also: state slots per parameter and the "
               "update's share of a whole training step (fastest run of each)",
               "paired 95% CI of (Adam - SGD) update time above 0 supported; below 0 or within "
               "+-5% refuted; else inconclusive",
               [](const ResultSet& rs, const std::vector<RunSpec>& plan) {
                 const std::string b = "tutorial/sgd", a = "tutorial/adam";
                 auto r = claim_better(rs, plan, b, a, "/timing/update_seconds_per_step", false, 0.05);
                 const auto sb = series(rs, plan, b, "/timing/update_seconds_per_step");
                 const auto sa = series(rs, plan, a, "/timing/update_seconds_per_step");
                 const auto stb = series(rs, plan, b, "/timing/step_seconds");
                 const auto sta = series(rs, plan, a, "/timing/step_seconds");
                 const auto slb = series(rs, plan, b, "/final/optimizer_state_slots");
                 const auto sla = series(rs, plan, a, "/final/optimizer_state_slots");
                 r.evidence["step_seconds"] = {{"sgd", to_json(stb)}, {"adam", to_json(sta)}};
                 r.evidence["state_slots"] = {{"sgd", to_json(slb)}, {"adam", to_json(sla)}};
                 if (!sb.values.empty() && !sa.values.empty() && !stb.values.empty() && !sta.values.empty()) {
                   const double ub = stats::mean(sb.values), ua = stats::mean(sa.values);
                   // Whole steps share the core with other work: the fastest run is the
                   // least disturbed estimate (the update times are already minima).
                   const double tb = *std::min_element(stb.values.begin(), stb.values.end());
                   const double ta = *std::min_element(sta.values.begin(), sta.values.end());
                   r.evidence["update_share_of_step"] = {{"sgd", ub / tb}, {"adam", ua / ta}};
                   r.summary = fmt::format(
                       "timing: update {:.3g} us (Adam) vs {:.3g} us (SGD) per step = {:.2f}x; "
                       "state {} vs {} slots per parameter; the update is {:.1f}% (Adam) / {:.1f}% "
                       "(SGD) of a training step (fastest run: {:.3g} vs {:.3g} ms). {}",
                       1e6 * ua, 1e6 * ub, ua / ub, sla.values.empty() ? NAN : sla.values[0],
                       slb.values.empty() ? NAN : slb.values[0], 100 * ua / ta, 100 * ub / tb,
                       1e3 * ta, 1e3 * tb, r.summary);
                 }
                 return r;
               }});
  c.push_back({"001.6", "RMSprop is more stable than SGD (it damps gradient oscillation)",
               "tutorial 001 sec. 3.1 and 3.3 (table)",
               "sum over epochs of the fall in test accuracy from one epoch to the next (0 = a "
               "monotone curve), tutorial settings, paired by seed; evidence also: diverged runs, "
               "seed SD of final test accuracy, rise of the epoch training loss, diverged grid trials",
               "paired 95% CI of (RMSprop - SGD) below 0 supported; above 0 refuted; else "
               "inconclusive (no equivalence band: both can be 0)",
               [](const ResultSet& rs, const std::vector<RunSpec>& plan) {
                 const std::string b = "tutorial/sgd", a = "tutorial/rmsprop";
                 auto r = claim_better(rs, plan, b, a, "/final/test_accuracy_drop_sum", true, 0.0);
                 // Both exactly 0 (CI [0, 0]) reads as "equivalent" in claim_better: it is
                 // no difference in stability, not a refutation of "more stable".
                 const json& d = r.evidence.contains("paired_diff") ? r.evidence["paired_diff"] : json();
                 if (!d.is_null() && d["ci95"][0] == 0 && d["ci95"][1] == 0) {
                   r.verdict = Verdict::inconclusive;
                   r.summary = "both curves monotone in every seed: " + r.summary;
                 }
                 const auto fb = series(rs, plan, b, "/final/test_accuracy");
                 const auto fa = series(rs, plan, a, "/final/test_accuracy");
                 r.evidence["final_accuracy_seed_sd"] = {
                     {"sgd", fb.values.size() > 1 ? json(stats::sd(fb.values)) : json()},
                     {"rmsprop", fa.values.size() > 1 ? json(stats::sd(fa.values)) : json()}};
                 r.evidence["train_loss_rise_sum"] = {
                     {"sgd", to_json(series(rs, plan, b, "/final/train_loss_rise_sum"))},
                     {"rmsprop", to_json(series(rs, plan, a, "/final/train_loss_rise_sum"))}};
                 json grid_div = json::object();
                 for (const char* o : {"sgd", "rmsprop"}) {
                   int div = 0, trials = 0;
                   for (const auto& run : plan) {
                     if (run.config != tuned_config(o)) continue;
                     const json* rec = rs.find(run.config, run.seed);
                     if (!rec) continue;
                     const auto& t = rec->at("/curves/tuning"_json_pointer);
                     if (t.is_null()) continue;
                     for (const auto& g : t.at("grid")) {
                       ++trials;
                       div += g.at("status") == "diverged";
                     }
                   }
                   grid_div[o] = {{"diverged", div}, {"trials", trials}};
                 }
                 r.evidence["grid_diverged"] = grid_div;
                 r.summary += fmt::format("; seed SD of final acc: SGD {}, RMSprop {}",
                                          fmt_num(fb.values.size() > 1 ? stats::sd(fb.values) : NAN),
                                          fmt_num(fa.values.size() > 1 ? stats::sd(fa.values) : NAN));
                 return r;
               }});
  c.push_back({"001.7", "RMSprop is sensitive to its hyperparameters (more than SGD and Adam are)",
               "tutorial 001 sec. 3.3 (table)",
               "spread (max - min) of validation accuracy over the LR grid {0.1, 0.3, 1, 3, 10} x the "
               "default LR (1 epoch each, diverged = chance 0.1), per seed, from the tuned runs; "
               "evidence also: seed SD of final test accuracy at the tutorial settings",
               "paired 95% CIs of (RMSprop - SGD) and (RMSprop - Adam) spreads: both above 0 "
               "supported; both below 0 (or within +-5%) refuted; mixed inconclusive",
               [](const ResultSet& rs, const std::vector<RunSpec>& plan) {
                 const std::string m = "/final/grid_val_accuracy_spread";
                 auto r = both(claim_better(rs, plan, "tuned/sgd", "tuned/rmsprop", m, false, 0.05),
                               claim_better(rs, plan, "tuned/adam", "tuned/rmsprop", m, false, 0.05),
                               "vs SGD", "vs Adam");
                 json sd = json::object();
                 for (const auto& o : kOpts) {
                   const auto s = series(rs, plan, tutorial_config(o.name), "/final/test_accuracy");
                   sd[o.name] = s.values.size() > 1 ? json(stats::sd(s.values)) : json();
                 }
                 r.evidence["tutorial_final_accuracy_seed_sd"] = sd;
                 note_missing(r);
                 return r;
               }});
  c.push_back({"001.8", "The RMSprop update as printed (theta <- theta - lr / sqrt(v + eps)) trains the CNN",
               "tutorial 001 sec. 4.1",
               "final test accuracy of rmsprop_tutorial001 (lr 0.001, rho 0.9, eps 1e-7) vs real "
               "Keras RMSprop at the same settings; fraction of parameters that moved down",
               "refuted if every as-written run diverged or ends below 0.2 accuracy (chance 0.1) "
               "while real RMSprop exceeds 0.5 in every seed; supported if the as-written runs are "
               "within 1 point of real RMSprop on average; else inconclusive",
               [](const ResultSet& rs, const std::vector<RunSpec>& plan) {
                 ClaimResult r;
                 const auto w = series(rs, plan, kAsWrittenConfig, "/final/test_accuracy");
                 const auto real = series(rs, plan, "tutorial/rmsprop", "/final/test_accuracy");
                 const auto down = series(rs, plan, kAsWrittenConfig, "/final/frac_params_decreased");
                 const auto down_real = series(rs, plan, "tutorial/rmsprop", "/final/frac_params_decreased");
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
                 else if (!w.values.empty() && !real.values.empty() &&
                          stats::mean(w.values) >= stats::mean(real.values) - 0.01)
                   r.verdict = Verdict::supported;
                 r.summary = fmt::format(
                     "as written: {} diverged, best final test accuracy {} (chance 0.1), {} of parameters "
                     "moved down; real RMSprop: worst seed {}, mean {}",
                     w.diverged, w.values.empty() ? "n/a" : fmt_num(wmax),
                     down.values.empty() ? "n/a" : fmt::format("{:.1f}%", 100 * stats::mean(down.values)),
                     fmt_num(rmin), real.values.empty() ? "n/a" : fmt_num(stats::mean(real.values)));
                 note_missing(r);
                 return r;
               }});
  c.push_back({"001.9", "An LR range test (one short run, no validation split) finds the LR that the validation grid picks",
               "lrbench: Smith's LR range test (lrbench lr-find) against the tuned configs",
               "per optimizer: median over seeds of log10(final.suggested_lr of lr_find/<opt>) vs median of "
               "log10(chosen LR of tuned/<opt>), in decades",
               "supported if every optimizer's gap is <= 0.5 decade (one step of the half-decade grid); "
               "refuted if any gap exceeds 1 decade; else inconclusive",
               [](const ResultSet& rs, const std::vector<RunSpec>& plan) {
                 ClaimResult r;
                 r.evidence = json::object();
                 std::vector<std::string> parts;
                 double worst = 0;
                 bool all_present = true;
                 for (const auto& o : kOpts) {
                   const auto sug = series(rs, plan, lr_find_config(o.name), "/final/suggested_lr");
                   const auto tuned = series(rs, plan, tuned_config(o.name), "/final/lr");
                   add_run_counts(r, sug);
                   add_run_counts(r, tuned);
                   r.evidence[o.name] = {{"suggested_lr", to_json(sug)}, {"tuned_lr", to_json(tuned)}};
                   if (sug.values.empty() || tuned.values.empty()) {
                     all_present = false;
                     parts.push_back(fmt::format("{}: no values", o.name));
                     continue;
                   }
                   std::vector<double> ls, lt;
                   for (double v : sug.values) ls.push_back(std::log10(v));
                   for (double v : tuned.values) lt.push_back(std::log10(v));
                   const double ms = std::pow(10.0, stats::median(ls)), mt = std::pow(10.0, stats::median(lt));
                   const double gap = std::fabs(std::log10(ms / mt));
                   worst = std::max(worst, gap);
                   r.evidence[o.name]["gap_decades"] = gap;
                   parts.push_back(fmt::format("{}: suggested {} vs tuned {} ({:.2f} decades)", o.name, fmt_num(ms),
                                               fmt_num(mt), gap));
                 }
                 if (all_present) r.verdict = worst <= 0.5 ? Verdict::supported
                                              : worst > 1.0 ? Verdict::refuted
                                                            : Verdict::inconclusive;
                 r.summary = fmt::format("{} (medians over seeds)", fmt::join(parts, "; "));
                 note_missing(r);
                 return r;
               }});
  return c;
}

}  // namespace

Suite suite_001() {
  return Suite{
      .id = "001",
      .title = "Adaptive LR: SGD vs RMSprop vs Adam on a CNN, Fashion-MNIST",
      .tutorial =
          {"Keras Conv2D(32, 3x3, ReLU) on 28x28x1 -> MaxPool 2x2 -> Flatten -> Dense(10, softmax), "
           "sparse categorical cross-entropy, Adam(learning_rate=0.001), fit(epochs=10, batch_size=32), "
           "evaluate on the test set; data: MNIST (x_train, y_train not shown).",
           "Claims (sec. 3.3 table, 4.3): Adam converges faster and reaches a higher accuracy than "
           "SGD; Adam costs more compute; RMSprop reduces gradient oscillation (more stable) but is "
           "sensitive to its hyperparameters; SGD is simple, cheap and slow.",
           "Its RMSprop formula (sec. 4.1) omits the gradient: theta <- theta - lr / sqrt(v + eps)."},
      .we_run =
          {"cnn001 in Keras layout and arithmetic (float32, Glorot-uniform kernels, zero biases), "
           "batch 32, 10 epochs, test set evaluated after every epoch, plus the first 10,000 "
           "training images for the training accuracy; 5 seeds (seed = init and shuffle streams).",
           "tutorial/{sgd, rmsprop, adam}: Keras SGD(0.01), RMSprop(0.001, rho 0.9, eps 1e-7), "
           "Adam(0.001, 0.9, 0.999, eps 1e-7).",
           "tutorial/rmsprop_as_written: the printed update (rmsprop_tutorial001, lr 0.001, rho 0.9, "
           "eps 1e-7).",
           "tuned/{sgd, rmsprop, adam}: per seed, a grid of 5 LRs (0.1, 0.3, 1, 3, 10 x the default) "
           "each trained 1 epoch on the first 54,000 training images and scored on the last 6,000; "
           "the best validation accuracy wins (ties: lower validation loss; diverged never wins); "
           "then 10 epochs on all 60,000 at that LR, same init as the tutorial run of that seed.",
           "lr_find/{sgd, rmsprop, adam}: an LR range test per seed (lrbench lr-find's rule), LR "
           "1e-6 -> 10 over 400 batches of 32 (the first 12,800 training images), from the same "
           "init; quick: 200 batches.",
           "Compute: each run times 5 x 100 optimizer updates on its trained parameters "
           "(timing.update_seconds_per_step, volatile) and records the state slots per parameter.",
           "Quick budget: the first 5,000 training images (tuning: 4,500 / 500), 2 epochs, 3 seeds."},
      .deviations =
          {"Fashion-MNIST instead of MNIST: Debian ships Fashion-MNIST (dataset-fashion-mnist), same "
           "IDX format and shapes; MNIST is not installable offline here. Fashion-MNIST is harder "
           "(~90% instead of ~98-99%), which leaves room to separate the optimizers.",
           "The tutorial trains with no validation data; the tuned configs hold out the last 10% of "
           "the training images (Keras validation_split) for the LR choice only, then retrain on all.",
           "LR tuning is short (1 epoch per grid point, 5 points) to fit the budget (whole suite "
           "< 12 minutes on 2 cores); only the LR is tuned (rho, betas, momentum stay at Keras' defaults).",
           "'Stability' is not defined by the tutorial: we measure the fall of test accuracy between "
           "epochs, divergences, and the seed spread; 'sensitive to hyperparameters' as the spread of "
           "validation accuracy over the LR grid, relative to SGD's and Adam's.",
           "'Computationally heavier' is measured as the optimizer-update time per step (a timing, "
           "so volatile across machines) and its share of a whole training step.",
           "Training accuracy per epoch is measured on the first 10,000 training images (not all "
           "60,000, to save ~35% of the run time); the training loss is Keras' running batch mean."},
      .plan = plan,
      .execute = execute,
      .claims = claims()};
}

}  // namespace lrb::suites
