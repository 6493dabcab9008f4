// `lrbench trace`: one optimizer + schedule on a built-in problem, the whole
// trajectory as CSV.  Row 0 is the start; row t holds the LR update t used
// (the schedule after t-1 completed steps: PyTorch's scheduler.step() after
// every optimizer.step(), Keras' `iterations`) and the parameters and loss
// after update t.
#include <cmath>
#include <cstdio>
#include <iostream>
#include <limits>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "core/optim/optim.hpp"
#include "core/problems/problems.hpp"
#include "core/schedules/schedule.hpp"
#include "core/spec/spec.hpp"
#include "records/json_file.hpp"
#include "tools/lrbench/cli.hpp"

namespace lrb::cli {
namespace {

struct TraceOptions {
  std::string problem = "quadratic";
  std::optional<int64_t> dim;
  std::optional<double> cond;
  std::string x0;
  std::string optimizer = "sgd:lr=0.1";
  std::string schedule = "constant";
  int64_t steps = 100;
  std::string dtype = "float32";
  std::string out;
};

// Shortest text that reads back to the same value: %.9g for float, %.17g
// for double.
template <class T>
void put(std::string& line, T v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, std::is_same_v<T, float> ? "%.9g" : "%.17g",
                static_cast<double>(v));
  line += buf;
}

std::vector<double> parse_x0(const std::string& text, size_t dim) {
  std::vector<double> out;
  std::stringstream ss(text);
  std::string tok;
  while (std::getline(ss, tok, ',')) {
    auto v = spec::to_double(tok);
    if (!v || !std::isfinite(*v))
      throw UsageError("--x0 must be a comma-separated list of finite numbers, got '" + text +
                       "'");
    out.push_back(*v);
  }
  if (out.size() != dim)
    throw UsageError("--x0 needs " + std::to_string(dim) + " values for this problem, got " +
                     std::to_string(out.size()));
  return out;
}

template <class T>
int run_trace(const TraceOptions& o, const problems::Problem& prob, std::vector<double> x0d,
              const optim::Optimizer& opt, const sched::Schedule& schedule) {
  const size_t n = x0d.size();
  std::vector<T> x(n), g(n);
  for (size_t i = 0; i < n; ++i) x[i] = static_cast<T>(x0d[i]);
  auto state = optim::make_state<T>(opt, n);
  auto plateau = sched::plateau_init(schedule);

  std::string csv = "step,lr,loss";
  for (size_t i = 0; i < n; ++i) csv += ",x" + std::to_string(i);
  csv += "\n";
  auto row = [&](int64_t step, std::optional<double> lr, T loss) {
    std::string line = std::to_string(step) + ",";
    if (lr) put(line, *lr);  // the LR is a double in both dtypes
    line += ",";
    put(line, loss);
    for (size_t i = 0; i < n; ++i) {
      line += ",";
      put(line, x[i]);
    }
    csv += line + "\n";
  };

  T loss = problems::loss_and_grad<T>(prob, x, g);
  row(0, std::nullopt, loss);
  int64_t diverged_at = std::isfinite(static_cast<double>(loss)) ? -1 : 0;
  for (int64_t t = 1; t <= o.steps && diverged_at < 0; ++t) {
    // The LR of update t: the schedule after t-1 completed steps.
    const double lr = sched::needs_metric(schedule) ? sched::plateau_lr(plateau)
                                                     : sched::lr_at(schedule, t - 1);
    const auto momentum = sched::momentum_at(schedule, t - 1);
    optim::update<T>(x, g, state, opt, lr, momentum);
    // Plateau observes this step's loss, as `scheduler.step(loss)` after
    // `optimizer.step()` in a PyTorch loop (the loss the gradient came from).
    if (sched::needs_metric(schedule)) sched::plateau_observe(plateau, schedule, loss);
    loss = problems::loss_and_grad<T>(prob, x, g);
    row(t, lr, loss);
    if (!std::isfinite(static_cast<double>(loss))) diverged_at = t;
  }

  if (o.out.empty()) {
    std::cout << csv << std::flush;
  } else {
    records::write_atomic(o.out, csv);
  }
  if (diverged_at >= 0) {
    std::cerr << "lrbench trace: diverged at step " << diverged_at
              << " (loss is not finite); the rows so far were written\n";
    return kDiverged;
  }
  return kOk;
}

}  // namespace

int cmd_trace(const std::vector<std::string>& args) {
  TraceOptions o;
  int64_t dim = 0;
  double cond = 0;
  po::options_description opts("options");
  opts.add_options()
      ("problem", po::value(&o.problem)->default_value(o.problem),
       "quadratic[:dim=N,cond=C] | rosenbrock | linreg002")
      ("dim", po::value(&dim), "quadratic: number of parameters, >= 1 (default 2)")
      ("cond", po::value(&cond), "quadratic: condition number a_max/a_min, >= 1 (default 10)")
      ("x0", po::value(&o.x0), "start point v1,v2,... (default zeros; (-1.5,2) for rosenbrock)")
      ("optimizer", po::value(&o.optimizer)->default_value(o.optimizer),
       "optimizer spec NAME[:key=value,...], see 'lrbench list'")
      ("schedule", po::value(&o.schedule)->default_value(o.schedule),
       "LR schedule spec; its base LR is the optimizer's lr")
      ("steps", po::value(&o.steps)->default_value(o.steps), "number of updates, >= 1")
      ("dtype", po::value(&o.dtype)->default_value(o.dtype), "float32 | float64")
      ("out", po::value(&o.out), "write the CSV to this file (atomically) instead of stdout");
  po::variables_map vm;
  if (!parse_options("trace", "[options]",
                     "Runs an optimizer and LR schedule on a built-in problem and writes the\n"
                     "trajectory as CSV: step,lr,loss,x0,x1,...  Row 0 is the start; row t has\n"
                     "the LR update t used and the loss and parameters after it.  A run whose\n"
                     "loss becomes non-finite stops, keeps its rows and exits with status 4.\n\n"
                     "example: lrbench trace --problem rosenbrock --optimizer adam:lr=0.01 \\\n"
                     "           --schedule cosine_annealing_lr:T_max=500 --steps 500",
                     opts, {}, args, vm))
    return kOk;
  if (o.steps < 1 || o.steps > 100000000)
    throw UsageError("--steps must be in [1, 1e8], got " + std::to_string(o.steps));
  if (o.dtype != "float32" && o.dtype != "float64")
    throw UsageError("--dtype must be float32 or float64, got '" + o.dtype + "'");

  spec::Spec pspec = spec::parse(o.problem);
  // --dim/--cond are shorthands for quadratic:dim=N,cond=C.
  auto add_arg = [&](const char* key, std::string text) {
    spec::Value v;
    v.text = std::move(text);
    pspec.args.emplace_back(key, std::move(v));
  };
  if (vm.count("dim")) add_arg("dim", std::to_string(dim));
  if (vm.count("cond")) {
    std::ostringstream c;
    c.precision(17);
    c << cond;
    add_arg("cond", c.str());
  }
  const problems::Problem prob = problems::problem_from_spec(pspec);
  std::vector<double> x0 = problems::default_x0(prob);
  if (vm.count("x0")) x0 = parse_x0(o.x0, x0.size());
  const optim::Optimizer opt = optim::optimizer_from_spec(spec::parse(o.optimizer));
  const sched::Schedule schedule = sched::schedule_from_spec(spec::parse(o.schedule), opt.lr);
  // As PyTorch 1.13 raises: e.g. cyclic_lr's default cycle_momentum with Adam.
  sched::check_momentum_support(schedule, optim::has_momentum(opt), optim::has_beta1(opt));

  return o.dtype == "float32" ? run_trace<float>(o, prob, x0, opt, schedule)
                              : run_trace<double>(o, prob, x0, opt, schedule);
}

}  // namespace lrb::cli
