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
#include "records/provenance.hpp"
#include "records/train_records.hpp"
#include "tools/lrbench/cli.hpp"
#include "tools/lrbench/data_input.hpp"
#include "tools/lrbench/progress.hpp"

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

json num_or_null(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

int64_t peak_rss_bytes() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<int64_t>(u.ru_maxrss) * 1024;
}

template <class T>
int run_train(const TrainOptions& o, const optim::Optimizer& opt, const sched::Schedule& schedule,
              const models::ModelConfig& mcfg, const models::InitSpec& init) {
  LoadedData<T> d = load_data<T>({o.dataset, o.data_dir, o.seed, o.limit_train, o.limit_test});
  const int max_batch = std::max(o.batch, 256);
  auto model = models::make_model<T>(mcfg, max_batch);
  check_model_fits(mcfg, model.input_size(), o.model, d, o.dataset);
  const bool classify = mcfg.head == models::Head::softmax_ce;
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
  if (tc.plateau_metric == train::PlateauMetric::test_loss && sched::needs_metric(schedule) &&
      d.n_test == 0)
    throw UsageError("--plateau-metric test_loss needs a test set, and --dataset " + o.dataset +
                     " has none (give it test_fraction > 0, or watch train_loss)");

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

  json prov = records::provenance(omp_get_max_threads());
  prov["dataset"] = d.provenance;
  prov["seed"] = o.seed;
  json record = {
      {"schema", records::kTrainSchema},
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
  if (o.out.empty())
    std::cout << records::record_json_text(record);
  else
    records::write_record(o.out, record);
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
                     "(non-finite or exploding loss) keeps its curve and exits with status 4.\n"
                     "Schedule-free optimizers: test loss and accuracy are measured at the\n"
                     "average x, the point the method returns (and the run ends with it);\n"
                     "train and per-step losses are those of y, where gradients are taken.\n\n"
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
