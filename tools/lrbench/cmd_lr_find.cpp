// `lrbench lr-find`: the LR range test (core/train/lr_range.hpp) on one
// model, dataset and optimizer.  Prints the suggested LR with its rule and
// writes a JSON result (schema lrbench.lr_find/1) that `lrbench report`
// draws as the LR range test figure (DIR/lr-find/<name>.json).
#include <fmt/format.h>

#include <omp.h>

#include <cmath>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/models/model.hpp"
#include "core/optim/optim.hpp"
#include "core/spec/spec.hpp"
#include "core/train/lr_range.hpp"
#include "records/provenance.hpp"
#include "records/train_records.hpp"
#include "tools/lrbench/cli.hpp"
#include "tools/lrbench/data_input.hpp"
#include "tools/lrbench/progress.hpp"

namespace lrb::cli {
namespace {

using nlohmann::json;

struct LrFindOptions {
  std::string model = "cnn001", optimizer = "adam:lr=0.001,convention=keras", init = "keras";
  std::string dtype = "float32", progress = "auto", out, name;
  DataOptions data;
  train::LrRangeConfig range;
  int threads = 0;
};

json finite_or_null(const std::vector<double>& v) {
  json a = json::array();
  for (double x : v) a.push_back(std::isfinite(x) ? json(x) : json(nullptr));
  return a;
}

template <class T>
int run_lr_find(const LrFindOptions& o, const optim::Optimizer& opt,
                const models::ModelConfig& mcfg, const models::InitSpec& init) {
  const LoadedData<T> d = load_data<T>(o.data);
  auto model = models::make_model<T>(mcfg, std::max(o.range.batch, 256));
  check_model_fits(mcfg, model.input_size(), o.model, d, o.data.dataset);
  models::init_params<T>(model, init, o.data.seed);
  auto state = optim::make_state<T>(opt, model.params.size(), model.tensor_offsets,
                                    model.factor_dims);
  const train::Examples<T> tr{d.x_train, d.l_train, d.y_train, d.n_train};

  Progress bar("lr-find", o.range.steps,
               o.progress == "none"    ? Progress::Mode::quiet
               : o.progress == "lines" ? Progress::Mode::lines
                                       : Progress::Mode::bar);
  const auto r = train::lr_range_test<T>(model, state, opt, tr, o.range,
                                         [&](int k, double lr, double loss) {
                                           char buf[96];
                                           std::snprintf(buf, sizeof buf, "lr %.3g loss %.4f", lr, loss);
                                           bar.update(k + 1, buf);
                                         });
  bar.finish(r.stopped_early ? "stopped: " + r.stop_reason : "done");

  json prov = records::provenance(omp_get_max_threads());
  prov["dataset"] = d.provenance;
  prov["seed"] = o.data.seed;
  const json result = {
      {"schema", records::kLrFindSchema},
      {"name", o.name},
      {"config",
       {{"model", o.model},
        {"dataset", o.data.dataset},
        {"optimizer", optim::to_spec_string(opt)},
        {"init", o.init},
        {"dtype", o.dtype},
        {"batch", o.range.batch},
        {"seed", o.data.seed},
        {"lr_min", o.range.lr_min},
        {"lr_max", o.range.lr_max},
        {"steps", o.range.steps},
        {"smoothing", o.range.smoothing},
        {"stop_factor", o.range.stop_factor},
        {"limit_train", o.data.limit_train}}},
      {"lr", finite_or_null(r.lr)},
      {"loss", finite_or_null(r.loss)},
      {"smoothed", finite_or_null(r.smoothed)},
      {"stopped_early", r.stopped_early},
      {"stop_reason", r.stop_reason},
      {"suggested_lr", r.suggested_lr},
      {"min_loss_lr", r.min_loss_lr},
      {"min_over_ten_lr", r.min_over_ten_lr},
      {"rule", r.rule},
      {"provenance", prov},
  };
  if (!o.out.empty()) records::write_record(o.out, result);
  std::printf("suggested lr %.4g  (min-loss lr %.4g, min/10 %.4g; %zu steps%s%s)\nrule: %s\n",
              r.suggested_lr, r.min_loss_lr, r.min_over_ten_lr, r.lr.size(),
              r.stopped_early ? ", stopped: " : "", r.stop_reason.c_str(), r.rule.c_str());
  return kOk;
}

}  // namespace

int cmd_lr_find(const std::vector<std::string>& args) {
  LrFindOptions o;
  po::options_description opts("options");
  opts.add_options()
      ("model", po::value(&o.model)->default_value(o.model),
       "cnn001 | mlp004 | linear[:in=N,bias=true] | mlp:widths=[..],head=mse|softmax_ce")
      ("dataset", po::value(&o.data.dataset)->default_value(o.data.dataset),
       "fashion-mnist | tutorial002 | noisy_linear[:n,sigma] | teacher20[:n,sigma] | csv:path=FILE")
      ("data-dir", po::value<std::string>(),
       "directory of IDX files (default $LRBENCH_DATA_DIR, else /usr/share/datasets/fashion-mnist)")
      ("optimizer", po::value(&o.optimizer)->default_value(o.optimizer),
       "optimizer spec; its lr is ignored (the test sets the LR of every step)")
      ("init", po::value(&o.init)->default_value(o.init), "parameter initializer (see lrbench train)")
      ("lr-min", po::value(&o.range.lr_min)->default_value(o.range.lr_min, fmt::format("{:g}", o.range.lr_min)), "first LR, > 0")
      ("lr-max", po::value(&o.range.lr_max)->default_value(o.range.lr_max, fmt::format("{:g}", o.range.lr_max)), "last LR, > lr-min")
      ("steps", po::value(&o.range.steps)->default_value(o.range.steps),
       "mini-batch steps, LR growing exponentially from lr-min to lr-max, >= 3")
      ("batch", po::value(&o.range.batch)->default_value(o.range.batch), "batch size, in [1, 4096]")
      ("smoothing", po::value(&o.range.smoothing)->default_value(o.range.smoothing, fmt::format("{:g}", o.range.smoothing)),
       "EMA factor of the loss smoothing (bias-corrected), in [0, 1)")
      ("stop-factor", po::value(&o.range.stop_factor)->default_value(o.range.stop_factor, fmt::format("{:g}", o.range.stop_factor)),
       "stop once the smoothed loss exceeds this multiple of its minimum, > 1")
      ("seed", po::value(&o.data.seed)->default_value(o.data.seed),
       "base seed: init, batch order and synthetic data derive their streams from it")
      ("limit-train", po::value(&o.data.limit_train)->default_value(0),
       "use only the first N training examples (0 = all)")
      ("dtype", po::value(&o.dtype)->default_value(o.dtype), "float32 | float64")
      ("threads", po::value(&o.threads)->default_value(o.threads),
       "OpenMP threads, 0 = all cores (bit-identical results for any count)")
      ("name", po::value(&o.name), "a name recorded in the result (the report's legend)")
      ("progress", po::value(&o.progress)->default_value(o.progress), "auto | lines | none")
      ("out", po::value(&o.out), "write the JSON result here (atomically)");
  po::variables_map vm;
  if (!parse_options(
          "lr-find", "[options]",
          "LR range test (Smith 2017): one short run with the LR growing exponentially\n"
          "from --lr-min to --lr-max, the batch loss smoothed by a bias-corrected EMA,\n"
          "stopped when it exceeds --stop-factor x its minimum.  Prints the suggested\n"
          "LR and the rule that chose it; --out writes the curve (schema\n"
          "lrbench.lr_find/1) for `lrbench report` (put it in RESULTS/lr-find/).\n\n"
          "example: lrbench lr-find --model cnn001 --optimizer sgd:convention=keras \\\n"
          "           --limit-train 6400 --steps 200 --out results/lr-find/001-sgd.json",
          opts, {}, args, vm))
    return kOk;
  if (vm.count("data-dir")) o.data.data_dir = vm["data-dir"].as<std::string>();
  if (o.range.batch < 1 || o.range.batch > 4096)
    throw UsageError("--batch must be in [1, 4096], got " + std::to_string(o.range.batch));
  if (o.threads < 0 || o.threads > 1024)
    throw UsageError("--threads must be in [0, 1024], got " + std::to_string(o.threads));
  if (o.data.limit_train < 0) throw UsageError("--limit-train must be >= 0");
  if (o.dtype != "float32" && o.dtype != "float64")
    throw UsageError("--dtype must be float32 or float64, got '" + o.dtype + "'");
  if (o.progress != "auto" && o.progress != "lines" && o.progress != "none")
    throw UsageError("--progress must be auto, lines or none, got '" + o.progress + "'");
  try {
    train::check(o.range);
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  if (o.threads > 0) omp_set_num_threads(o.threads);
  o.data.limit_test = 1;  // the range test reads only the training split
  if (o.name.empty()) o.name = o.model + " " + o.optimizer;

  const auto opt = optim::optimizer_from_spec(spec::parse(o.optimizer));
  const auto mcfg = models::model_from_spec(spec::parse(o.model));
  const auto init = models::init_from_spec(spec::parse(o.init));
  return o.dtype == "float32" ? run_lr_find<float>(o, opt, mcfg, init)
                              : run_lr_find<double>(o, opt, mcfg, init);
}

}  // namespace lrb::cli
