// `lrbench train`: one model, dataset, optimizer and schedule; a progress bar
// on stderr and one JSON record (schema lrbench.train/1) with the curves,
// the LR of every step, throughput and provenance.
#include <omp.h>
#include <sys/resource.h>

#include <cmath>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/models/model.hpp"
#include "core/optim/optim.hpp"
#include "core/schedules/schedule.hpp"
#include "core/spec/spec.hpp"
#include "core/train/train.hpp"
#include "datasets/csv.hpp"
#include "datasets/environment.hpp"
#include "datasets/fashion_mnist.hpp"
#include "datasets/rng.hpp"
#include "datasets/sampling.hpp"
#include "datasets/synthetic.hpp"
#include "tools/lrbench/cli.hpp"
#include "tools/lrbench/progress.hpp"
#include "tools/lrbench/provenance.hpp"

namespace lrb::cli {
namespace {

using nlohmann::json;

struct TrainOptions {
  std::string model = "cnn001";
  std::string dataset = "fashion-mnist";
  std::optional<std::string> data_dir;
  std::string optimizer = "adam:lr=0.001,convention=keras";
  std::string schedule = "constant";
  std::string lr_unit = "step";
  std::string plateau_metric = "train_loss";
  std::string init = "keras";
  std::string dtype = "float32";
  int epochs = 10, batch = 32, eval_every = 1, threads = 0;
  int64_t limit_train = 0, limit_test = 0;
  uint64_t seed = 0;
  bool quiet = false, train_eval = true;
  std::string progress = "auto";
  std::string out;
};

// Data as the model consumes it, in T, plus what to record about it.
template <class T>
struct LoadedData {
  std::vector<T> x_train, y_train, x_test, y_test;   // y_*: regression targets
  std::vector<int32_t> l_train, l_test;               // labels: classification
  size_t n_train = 0, n_test = 0, features = 0;
  json provenance;                                    // name, files + SHA-256, generator
};

json num_or_null(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

template <class T>
void take_regression(LoadedData<T>& d, const data::RegressionData& r, double test_fraction,
                     uint64_t seed) {
  const auto split = data::split_indices(r.n, {.val_fraction = 0.0, .test_fraction = test_fraction,
                                               .shuffle = true},
                                         data::derive_seed(seed, "train-test-split", 0));
  auto put = [&](const std::vector<size_t>& rows, std::vector<T>& x, std::vector<T>& y) {
    for (size_t i : rows) {
      for (size_t j = 0; j < r.d; ++j) x.push_back(static_cast<T>(r.x[i * r.d + j]));
      y.push_back(static_cast<T>(r.y[i]));
    }
  };
  put(split.train, d.x_train, d.y_train);
  put(split.test, d.x_test, d.y_test);
  d.n_train = split.train.size();
  d.n_test = split.test.size();
  d.features = r.d;
}

template <class T>
LoadedData<T> load_data(const TrainOptions& o) {
  LoadedData<T> d;
  const spec::Spec s = spec::parse(o.dataset);
  spec::ArgReader a(s);
  if (s.name == "fashion-mnist" || s.name == "idx") {
    a.finish();
    const auto dir = data::resolve_data_dir(o.data_dir, data::data_dir_from_environment());
    const auto ds = data::load_fashion_mnist(dir.dir);
    auto take = [&](const data::ImageSet& set, int64_t limit, std::vector<T>& x,
                    std::vector<int32_t>& l) {
      const size_t n = limit > 0 ? std::min<size_t>(set.n, static_cast<size_t>(limit)) : set.n;
      const size_t f = static_cast<size_t>(set.rows) * static_cast<size_t>(set.cols);
      x.assign(set.x.begin(), set.x.begin() + static_cast<std::ptrdiff_t>(n * f));
      l.assign(set.y.begin(), set.y.begin() + static_cast<std::ptrdiff_t>(n));
      return n;
    };
    d.n_train = take(ds.train, o.limit_train, d.x_train, d.l_train);
    d.n_test = take(ds.test, o.limit_test, d.x_test, d.l_test);
    d.features = static_cast<size_t>(ds.train.rows) * static_cast<size_t>(ds.train.cols);
    json files = json::array();
    for (const auto& f : ds.files)
      files.push_back({{"path", f.path}, {"sha256", f.sha256}, {"bytes", f.bytes}});
    d.provenance = {{"name", ds.name}, {"dir", ds.dir}, {"dir_source", dir.source},
                    {"files", files}, {"n_train", d.n_train}, {"n_test", d.n_test}};
    return d;
  }
  const double test_fraction = a.number({"test_fraction"}, s.name == "tutorial002" ? 0.0 : 0.2);
  if (!(test_fraction >= 0.0 && test_fraction < 1.0))
    throw spec::SpecError(s.name + ": test_fraction must be in [0, 1), got " +
                          std::to_string(test_fraction));
  data::RegressionData r;
  json gen;
  if (s.name == "tutorial002") {
    r = data::tutorial002_data();
    gen = {{"generator", "tutorial002"}};
  } else if (s.name == "noisy_linear") {
    data::NoisyLinearSpec g;
    g.n = static_cast<size_t>(a.integer({"n"}, static_cast<int64_t>(g.n)));
    g.sigma = a.number({"sigma"}, g.sigma);
    r = data::noisy_linear(g, data::derive_seed(o.seed, "noisy_linear", 0));
    gen = {{"generator", "noisy_linear"}, {"n", g.n}, {"sigma", g.sigma}};
  } else if (s.name == "teacher20") {
    data::TeacherMlpSpec g;
    g.n = static_cast<size_t>(a.integer({"n"}, static_cast<int64_t>(g.n)));
    g.sigma = a.number({"sigma"}, g.sigma);
    r = data::teacher_mlp(g, data::derive_seed(o.seed, "teacher_mlp", 0));
    gen = {{"generator", "teacher_mlp"}, {"n", g.n}, {"d", g.d}, {"sigma", g.sigma}};
  } else if (s.name == "csv") {
    const std::string path = a.text({"path"}, "");
    if (path.empty()) throw spec::SpecError("csv: path=FILE is required");
    data::CsvOptions co;
    co.target_column = a.text({"target"}, "");
    const auto c = data::load_csv_regression(path, co);
    r = c.data;
    gen = {{"generator", "csv"}, {"path", c.provenance.path}, {"sha256", c.provenance.sha256},
           {"target", r.target_name}};
  } else {
    throw spec::SpecError("unknown dataset '" + s.name +
                          "' (valid: fashion-mnist, tutorial002, noisy_linear, teacher20, "
                          "csv:path=FILE)");
  }
  a.finish();
  take_regression(d, r, test_fraction, o.seed);
  if (o.limit_train > 0 && static_cast<size_t>(o.limit_train) < d.n_train) {
    d.n_train = static_cast<size_t>(o.limit_train);
    d.x_train.resize(d.n_train * d.features);
    d.y_train.resize(d.n_train);
  }
  if (o.limit_test > 0 && static_cast<size_t>(o.limit_test) < d.n_test) {
    d.n_test = static_cast<size_t>(o.limit_test);
    d.x_test.resize(d.n_test * d.features);
    d.y_test.resize(d.n_test);
  }
  gen["name"] = s.name;
  gen["n_train"] = d.n_train;
  gen["n_test"] = d.n_test;
  d.provenance = gen;
  return d;
}

int64_t peak_rss_bytes() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<int64_t>(u.ru_maxrss) * 1024;
}

template <class T>
int run_train(const TrainOptions& o, const optim::Optimizer& opt, const sched::Schedule& schedule,
              const models::ModelConfig& mcfg, const models::InitSpec& init) {
  LoadedData<T> d = load_data<T>(o);
  const int max_batch = std::max(o.batch, 256);
  auto model = models::make_model<T>(mcfg, max_batch);
  if (model.input_size() != d.features)
    throw UsageError("--model " + o.model + " takes " + std::to_string(model.input_size()) +
                     " features per example, --dataset " + o.dataset + " has " +
                     std::to_string(d.features));
  const bool classify = mcfg.head == models::Head::softmax_ce;
  if (classify == d.l_train.empty())
    throw UsageError("--model " + o.model + (classify ? " classifies" : " regresses") +
                     " but --dataset " + o.dataset + (classify ? " is a regression set"
                                                                : " has class labels"));
  models::init_params<T>(model, init, o.seed);

  train::Examples<T> tr{d.x_train, d.l_train, d.y_train, d.n_train};
  train::Examples<T> te{d.x_test, d.l_test, d.y_test, d.n_test};
  train::TrainConfig tc;
  tc.epochs = o.epochs;
  tc.batch = o.batch;
  tc.seed = o.seed;
  tc.eval_every = o.eval_every;
  tc.lr_unit = o.lr_unit == "epoch" ? train::LrUnit::epoch : train::LrUnit::step;
  tc.plateau_metric = o.plateau_metric == "test_loss" ? train::PlateauMetric::test_loss
                                                      : train::PlateauMetric::train_loss;

  const int64_t steps_per_epoch = static_cast<int64_t>((d.n_train + o.batch - 1) / o.batch);
  const auto mode = o.quiet ? Progress::Mode::quiet
                    : o.progress == "lines" ? Progress::Mode::lines
                    : o.progress == "none"  ? Progress::Mode::quiet
                                            : Progress::Mode::bar;
  Progress bar("train", steps_per_epoch * o.epochs, mode);
  json epochs = json::array();
  train::Callbacks cb;
  cb.on_step = [&](const train::StepInfo& s) {
    char buf[160];
    std::snprintf(buf, sizeof buf, "epoch %d/%d loss %.4f lr %.3g", s.epoch, o.epochs, s.loss,
                  s.lr);
    bar.update(s.step, buf);
  };
  cb.on_epoch = [&](const train::EpochRecord& r) {
    double train_acc = r.train_accuracy;
    if (classify && o.train_eval && std::isfinite(r.test_loss)) {
      const auto s = train::evaluate_all(model, tr);
      train_acc = static_cast<double>(s.correct) / static_cast<double>(s.count);
    }
    epochs.push_back({{"epoch", r.epoch},
                      {"steps", r.steps},
                      {"train_loss", num_or_null(r.train_loss)},
                      {"train_accuracy", num_or_null(train_acc)},
                      {"test_loss", num_or_null(r.test_loss)},
                      {"test_accuracy", num_or_null(r.test_accuracy)},
                      {"lr_last", num_or_null(r.lr_last)},
                      {"wall_s", r.wall_s}});
    char buf[200];
    std::snprintf(buf, sizeof buf, "epoch %d/%d: train loss %.4f, test loss %.4f%s (%.1f s)",
                  r.epoch, o.epochs, r.train_loss, r.test_loss,
                  classify ? (", test acc " + std::to_string(r.test_accuracy).substr(0, 6)).c_str()
                           : "",
                  r.wall_s);
    bar.note(buf);
  };

  const auto result = train::train<T>(model, opt, schedule, tr, te, tc, cb);
  char done[120];
  std::snprintf(done, sizeof done, "%s, %.0f samples/s", result.status.c_str(),
                result.samples_per_second);
  bar.finish(done);

  json prov = provenance(omp_get_max_threads());
  prov["dataset"] = d.provenance;
  prov["seed"] = o.seed;
  json record = {
      {"schema", "lrbench.train/1"},
      {"config",
       {{"model", o.model},
        {"dataset", o.dataset},
        {"optimizer", optim::to_spec_string(opt)},
        {"schedule", sched::to_spec_string(schedule)},
        {"lr_unit", o.lr_unit},
        {"init", o.init},
        {"dtype", o.dtype},
        {"epochs", o.epochs},
        {"batch", o.batch},
        {"seed", o.seed},
        {"eval_every", o.eval_every},
        {"limit_train", o.limit_train},
        {"limit_test", o.limit_test},
        {"params", model.params.size()}}},
      {"status", result.status},
      {"diverged_at_step", result.diverged_at_step ? json(*result.diverged_at_step) : json()},
      {"steps", result.steps},
      {"epochs", epochs},
      {"final",
       {{"train_loss", epochs.empty() ? json() : epochs.back()["train_loss"]},
        {"test_loss", epochs.empty() ? json() : epochs.back()["test_loss"]},
        {"test_accuracy", epochs.empty() ? json() : epochs.back()["test_accuracy"]}}},
      {"lr_per_step", result.lr_per_step},
      {"loss_per_step", result.loss_per_step},
      {"train_seconds", result.train_seconds},
      {"wall_seconds", epochs.empty() ? 0.0 : epochs.back()["wall_s"].get<double>()},
      {"samples_per_second", result.samples_per_second},
      {"peak_rss_bytes", peak_rss_bytes()},
      {"provenance", prov},
  };
  // NaN/inf losses of a diverged run become null: JSON has no non-finite numbers.
  for (auto& v : record["loss_per_step"])
    if (!std::isfinite(v.get<double>())) v = nullptr;
  const std::string text = record.dump(1) + "\n";
  if (o.out.empty())
    std::cout << text;
  else
    write_file_atomic(o.out, text);
  if (result.status == "diverged") {
    std::cerr << "lrbench train: diverged at step " << *result.diverged_at_step
              << " (loss not finite or exploding); the curve so far was recorded\n";
    return kDiverged;
  }
  return kOk;
}

}  // namespace

int cmd_train(const std::vector<std::string>& args) {
  TrainOptions o;
  po::options_description opts("options");
  opts.add_options()
      ("model", po::value(&o.model)->default_value(o.model),
       "cnn001 | mlp004 | linear[:in=N,bias=true] | mlp:widths=[..],head=mse|softmax_ce")
      ("dataset", po::value(&o.dataset)->default_value(o.dataset),
       "fashion-mnist | tutorial002 | noisy_linear[:n,sigma,test_fraction] | "
       "teacher20[:n,sigma,test_fraction] | csv:path=FILE[,target=COL,test_fraction=F]")
      ("data-dir", po::value<std::string>(),
       "directory of IDX files (default $LRBENCH_DATA_DIR, else "
       "/usr/share/datasets/fashion-mnist)")
      ("optimizer", po::value(&o.optimizer)->default_value(o.optimizer), "optimizer spec")
      ("schedule", po::value(&o.schedule)->default_value(o.schedule), "LR schedule spec")
      ("lr-unit", po::value(&o.lr_unit)->default_value(o.lr_unit),
       "step: the schedule counts updates (Keras); epoch: it counts epochs (PyTorch's "
       "per-epoch scheduler.step())")
      ("plateau-metric", po::value(&o.plateau_metric)->default_value(o.plateau_metric),
       "train_loss | test_loss: what reduce_lr_on_plateau watches (once per epoch)")
      ("init", po::value(&o.init)->default_value(o.init),
       "keras | pytorch | he_normal | he_uniform | glorot_normal | glorot_uniform | zeros | "
       "normal:sigma=S")
      ("epochs", po::value(&o.epochs)->default_value(o.epochs), "epochs, >= 1")
      ("batch", po::value(&o.batch)->default_value(o.batch), "batch size, in [1, 4096]")
      ("seed", po::value(&o.seed)->default_value(o.seed),
       "base seed: init, shuffling and synthetic data derive their own streams from it")
      ("threads", po::value(&o.threads)->default_value(o.threads),
       "OpenMP threads, 0 = all cores (results are bit-identical for any count)")
      ("dtype", po::value(&o.dtype)->default_value(o.dtype), "float32 | float64")
      ("limit-train", po::value(&o.limit_train)->default_value(0),
       "use only the first N training examples (0 = all)")
      ("limit-test", po::value(&o.limit_test)->default_value(0),
       "use only the first N test examples (0 = all)")
      ("eval-every", po::value(&o.eval_every)->default_value(o.eval_every),
       "evaluate the test set every N epochs (and after the last), >= 1")
      ("no-train-eval", "skip the end-of-epoch training-set accuracy pass")
      ("progress", po::value(&o.progress)->default_value(o.progress),
       "auto (a bar on a terminal, lines otherwise) | lines | none")
      ("quiet,q", "no progress output")
      ("out", po::value(&o.out), "write the JSON record here (atomically) instead of stdout");
  po::variables_map vm;
  if (!parse_options("train", "[options]",
                     "Trains a model and writes one JSON record (schema lrbench.train/1):\n"
                     "per-epoch train/test loss and accuracy, the LR and loss of every step,\n"
                     "throughput, peak RSS, status ok|diverged, and provenance (commit,\n"
                     "compiler, flags, CPU, threads, dataset SHA-256s, seed).  A diverged run\n"
                     "(non-finite or exploding loss) keeps its curve and exits with status 4.\n\n"
                     "example: lrbench train --model cnn001 --dataset fashion-mnist \\\n"
                     "           --optimizer adam:lr=0.001,convention=keras --epochs 10 \\\n"
                     "           --batch 32 --seed 0 --threads 2 --out run.json",
                     opts, {}, args, vm))
    return kOk;
  if (vm.count("data-dir")) o.data_dir = vm["data-dir"].as<std::string>();
  o.quiet = vm.count("quiet") > 0;
  o.train_eval = vm.count("no-train-eval") == 0;
  if (o.epochs < 1 || o.epochs > 100000)
    throw UsageError("--epochs must be in [1, 100000], got " + std::to_string(o.epochs));
  if (o.batch < 1 || o.batch > 4096)
    throw UsageError("--batch must be in [1, 4096], got " + std::to_string(o.batch));
  if (o.eval_every < 1)
    throw UsageError("--eval-every must be >= 1, got " + std::to_string(o.eval_every));
  if (o.threads < 0 || o.threads > 1024)
    throw UsageError("--threads must be in [0, 1024], got " + std::to_string(o.threads));
  if (o.limit_train < 0 || o.limit_test < 0)
    throw UsageError("--limit-train and --limit-test must be >= 0");
  if (o.dtype != "float32" && o.dtype != "float64")
    throw UsageError("--dtype must be float32 or float64, got '" + o.dtype + "'");
  if (o.lr_unit != "step" && o.lr_unit != "epoch")
    throw UsageError("--lr-unit must be step or epoch, got '" + o.lr_unit + "'");
  if (o.plateau_metric != "train_loss" && o.plateau_metric != "test_loss")
    throw UsageError("--plateau-metric must be train_loss or test_loss, got '" +
                     o.plateau_metric + "'");
  if (o.progress != "auto" && o.progress != "lines" && o.progress != "none")
    throw UsageError("--progress must be auto, lines or none, got '" + o.progress + "'");
  if (o.threads > 0) omp_set_num_threads(o.threads);

  const auto opt = optim::optimizer_from_spec(spec::parse(o.optimizer));
  const auto schedule = sched::schedule_from_spec(spec::parse(o.schedule), opt.lr);
  sched::check_momentum_support(schedule, optim::has_momentum(opt), optim::has_beta1(opt));
  const auto mcfg = models::model_from_spec(spec::parse(o.model));
  const auto init = models::init_from_spec(spec::parse(o.init));
  return o.dtype == "float32" ? run_train<float>(o, opt, schedule, mcfg, init)
                              : run_train<double>(o, opt, schedule, mcfg, init);
}

}  // namespace lrb::cli
