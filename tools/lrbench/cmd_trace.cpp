// `lrbench trace`: one optimizer + schedule on a built-in problem, the whole
// trajectory as CSV.  Row 0 is the start; row t holds the LR update t used
// (the schedule after t-1 completed steps: PyTorch's scheduler.step() after
// every optimizer.step(), Keras' `iterations`) and the parameters and loss
// after update t (schedule-free: the average x, see run_full_batch).  The
// loop is train::run_full_batch with the divergence rule
// reduced to "loss not finite" (a trace shows the trajectory up to the
// overflow).  Rows are streamed as they are produced: memory does not grow
// with --steps.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
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
#include "core/train/full_batch.hpp"
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

// Where the CSV goes: stdout, or --out FILE written through a hidden temp
// file next to it (".FILE.tmp.PID") that is renamed into place when the run
// ends (diverged runs included), so FILE is either the old one or complete.
// Text is buffered up to 1 MiB, then written: memory is bounded whatever
// --steps is.  An I/O error names the file and fails the command (exit 1);
// an exception removes the temp file.
class CsvSink {
 public:
  explicit CsvSink(const std::string& out) : out_(out) {
    if (out_.empty()) {
      file_ = stdout;
      name_ = "standard output";
      return;
    }
    const std::filesystem::path p(out_);
    if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path());
    tmp_ = (p.parent_path() / ("." + p.filename().string() + ".tmp." + std::to_string(::getpid())))
               .string();
    file_ = std::fopen(tmp_.c_str(), "wb");
    if (!file_) throw std::runtime_error(tmp_ + ": cannot create (" + std::strerror(errno) + ")");
    name_ = tmp_;
  }
  CsvSink(const CsvSink&) = delete;
  CsvSink& operator=(const CsvSink&) = delete;
  ~CsvSink() {
    if (!tmp_.empty() && file_) {  // not committed: an exception is on its way
      std::fclose(file_);
      std::remove(tmp_.c_str());
    }
  }

  void line(const std::string& text) {
    buf_ += text;
    buf_ += '\n';
    if (buf_.size() >= (1u << 20)) flush();
  }

  // Writes what is buffered; for --out, syncs and renames the file into place.
  void commit() {
    flush();
    if (std::fflush(file_) != 0) fail("write failed");
    if (tmp_.empty()) return;
    if (::fsync(::fileno(file_)) != 0) fail("fsync failed");
    FILE* f = file_;
    file_ = nullptr;
    if (std::fclose(f) != 0) {
      std::remove(tmp_.c_str());
      throw std::runtime_error(tmp_ + ": close failed (" + std::strerror(errno) + ")");
    }
    if (std::rename(tmp_.c_str(), out_.c_str()) != 0) {
      const std::string err = std::strerror(errno);
      std::remove(tmp_.c_str());
      throw std::runtime_error(out_ + ": rename failed (" + err + ")");
    }
  }

 private:
  void flush() {
    if (!buf_.empty() && std::fwrite(buf_.data(), 1, buf_.size(), file_) != buf_.size())
      fail("write failed");
    buf_.clear();
  }
  [[noreturn]] void fail(const char* what) {
    throw std::runtime_error(name_ + ": " + what + " (" + std::strerror(errno) + ")");
  }

  std::string out_, tmp_, name_, buf_;
  FILE* file_ = nullptr;
};

template <class T>
int run_trace(const TraceOptions& o, const problems::Problem& prob, const std::vector<double>& x0d,
              const optim::Optimizer& opt, const sched::Schedule& schedule) {
  const size_t n = x0d.size();
  std::vector<T> x0(n);
  for (size_t i = 0; i < n; ++i) x0[i] = static_cast<T>(x0d[i]);

  CsvSink sink(o.out);
  std::string line = "step,lr,loss";
  for (size_t i = 0; i < n; ++i) line += ",x" + std::to_string(i);
  sink.line(line);
  const train::Objective<T> f = [&](std::span<const T> x, std::span<T> g) {
    return problems::loss_and_grad<T>(prob, x, g);
  };
  const auto res = train::run_full_batch<T>(
      f, std::move(x0), opt, schedule,
      {.steps = o.steps, .explode_factor = train::kNoExplodeLimit},
      [&](const train::FullBatchPoint<T>& p) {
        line = std::to_string(p.t) + ",";
        if (p.lr) put(line, *p.lr);  // the LR is a double in both dtypes
        line += ",";
        put(line, p.loss);
        for (size_t i = 0; i < n; ++i) {
          line += ",";
          put(line, p.x[i]);
        }
        sink.line(line);
      });
  sink.commit();
  if (res.diverged_at) {
    std::cerr << "lrbench trace: diverged at step " << *res.diverged_at
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
      ("out", po::value(&o.out),
       "write the CSV to this file instead of stdout: streamed into a hidden .FILE.tmp.PID "
       "beside it and renamed into place when the run ends, so FILE is old or complete");
  po::variables_map vm;
  if (!parse_options("trace", "[options]",
                     "Runs an optimizer and LR schedule on a built-in problem and writes the\n"
                     "trajectory as CSV: step,lr,loss,x0,x1,...  Row 0 is the start; row t has\n"
                     "the LR update t used and the loss and parameters after it.  A run whose\n"
                     "loss becomes non-finite stops, keeps its rows and exits with status 4.\n"
                     "Rows are written as they are computed (memory does not grow with --steps).\n"
                     "Schedule-free optimizers: the rows hold the average x and f(x), the point\n"
                     "the method returns; its gradients are taken at y.\n\n"
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
  // As PyTorch 1.13 raises: e.g. cyclic_lr's default cycle_momentum with Adam
  // (checked before any output, as run_full_batch checks again).
  sched::check_momentum_support(schedule, optim::has_momentum(opt), optim::has_beta1(opt));

  return o.dtype == "float32" ? run_trace<float>(o, prob, x0, opt, schedule)
                              : run_trace<double>(o, prob, x0, opt, schedule);
}

}  // namespace lrb::cli
