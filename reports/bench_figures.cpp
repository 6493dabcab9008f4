// Throughput and roofline figures from Google Benchmark JSON (tools/bench.sh).
// Rates are the median aggregate of each benchmark (its plain runs when the
// file has no aggregates); peaks are the in-run calibration benchmarks
// (bench/calibration: BM_calib_fma_peak "flops", BM_calib_stream_* bytes/s).
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <set>

#include "core/stats/stats.hpp"
#include "records/benchmarks.hpp"
#include "reports/report.hpp"

namespace lrb::reports {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

struct Point {
  std::string name;  // run name without "/real_time" and "/threads:N"
  double threads = 1;
  double items = kNaN, bytes = kNaN, flops = kNaN;  // per second
  std::string file;
};

double counter(const records::BenchmarkRun& r, const char* k) {
  const auto it = r.counters.find(k);
  return it != r.counters.end() ? it->second : kNaN;
}

// The display name; a "/threads:N" part (Google Benchmark's ->Threads(N))
// sets `threads`.  N must be a whole number >= 1: anything else names the
// file and field (records::BenchmarkFileError).
std::string strip(std::string name, double& threads, const std::string& file, size_t index) {
  for (const std::string tail : {"/real_time", "/process_time", "/manual_time"}) {
    const auto p = name.find(tail);
    if (p != std::string::npos) name.erase(p, tail.size());
  }
  if (const auto p = name.find("/threads:"); p != std::string::npos) {
    const char* first = name.data() + p + 9;
    const char* last = name.data() + name.size();
    if (const char* slash = std::find(first, last, '/'); slash != last) last = slash;
    int64_t n = 0;
    const auto [end, ec] = std::from_chars(first, last, n);
    if (ec != std::errc() || end != last || n < 1)
      throw records::BenchmarkFileError(
          file, "benchmarks[" + std::to_string(index) + "].name",
          "benchmarks[" + std::to_string(index) + "] (" + name +
              "): \"/threads:\" is not followed by a whole number >= 1");
    threads = static_cast<double>(n);
    name.erase(p);
  }
  if (name.rfind("lrb::bench::", 0) == 0) name.erase(0, 12);
  if (name.rfind("BM_", 0) == 0) name.erase(0, 3);
  // A trailing power-of-two size argument reads better as Ki/Mi: ".../16777216" -> ".../16Mi".
  if (const auto p = name.rfind('/'); p != std::string::npos) {
    const std::string arg = name.substr(p + 1);
    if (!arg.empty() && arg.find_first_not_of("0123456789") == std::string::npos && arg.size() < 12) {
      const long long v = std::stoll(arg);
      if (v >= 1024 && (v & (v - 1)) == 0)
        name = name.substr(0, p + 1) + (v >= (1 << 20) ? std::to_string(v >> 20) + "Mi" : std::to_string(v >> 10) + "Ki");
    }
  }
  return name;
}

// Google Benchmark JSON through the one reader (records/benchmarks.hpp):
// a malformed file is a records::BenchmarkFileError (a FormatError) naming
// the file and the field.
std::vector<Point> points(const std::vector<JsonFile>& files) {
  std::vector<Point> out;
  for (const auto& jf : files) {
    const records::BenchmarkFile f = records::parse_benchmark_json(jf.data, jf.path);
    auto is_median = [](const records::BenchmarkRun& r) {
      return r.type == records::RunType::aggregate && r.aggregate_name == "median";
    };
    const bool aggregates = std::any_of(f.runs.begin(), f.runs.end(), is_median);
    std::map<std::string, std::vector<const records::BenchmarkRun*>> runs;
    for (const auto& r : f.runs) {
      if (r.errored) continue;
      const bool take = aggregates ? is_median(r) : r.type == records::RunType::iteration;
      if (take) runs[r.run_name].push_back(&r);
    }
    for (const auto& run_entries : runs) {
      // Not a structured binding: clang 14 cannot capture one in the lambda below.
      const std::string& run = run_entries.first;
      const auto& es = run_entries.second;
      Point p;
      // OpenMP team size from the benchmarks' omp_threads counter; Google
      // Benchmark's own "threads" (its benchmark threads) otherwise.
      p.threads = counter(*es[0], "omp_threads");
      if (!std::isfinite(p.threads)) p.threads = static_cast<double>(es[0]->threads);
      p.name = strip(run, p.threads, f.path, es[0]->index);
      p.file = f.path;
      auto med = [&](const char* k) {
        std::vector<double> v;
        for (const auto* e : es)
          if (double x = counter(*e, k); std::isfinite(x)) v.push_back(x);
        return v.empty() ? kNaN : stats::median(v);
      };
      p.items = med("items_per_second");
      p.bytes = med("bytes_per_second");
      p.flops = med("flops");
      out.push_back(p);
    }
  }
  return out;
}

bool is_calib(const Point& p) { return p.name.find("calib_") != std::string::npos; }

struct Peaks {
  double flops = kNaN;
  std::vector<std::pair<std::string, double>> bandwidth;  // name, bytes/s
};
Peaks peaks(const std::vector<Point>& pts) {
  Peaks k;
  std::map<std::string, double> bw;
  for (const auto& p : pts) {
    if (p.name.find("calib_fma_peak") != std::string::npos && std::isfinite(p.flops))
      k.flops = std::isfinite(k.flops) ? std::max(k.flops, p.flops) : p.flops;
    if (const auto q = p.name.find("calib_stream_"); q != std::string::npos && std::isfinite(p.bytes)) {
      const std::string n = "STREAM " + p.name.substr(q + 13);
      bw[n] = std::max(bw[n], p.bytes);
    }
  }
  k.bandwidth.assign(bw.begin(), bw.end());
  return k;
}

std::string threads_text(const std::set<double>& t) {
  std::string s;
  for (double v : t) s += (s.empty() ? "" : ", ") + fmt::format("{:g}", v);
  return s;
}

}  // namespace

std::vector<Figure> bench_figures(const std::vector<JsonFile>& files) {
  std::vector<Figure> out;
  if (files.empty()) return out;
  const auto pts = points(files);
  const Peaks pk = peaks(pts);
  std::vector<std::string> sources;
  for (const auto& f : files) sources.push_back(f.path);

  // ---- throughput vs threads --------------------------------------------------
  {
    std::map<std::string, std::map<double, double>> by;  // name -> threads -> items/s
    std::set<double> all_threads;
    for (const auto& p : pts)
      if (!is_calib(p) && std::isfinite(p.items)) {
        by[p.name][p.threads] = p.items;
        all_threads.insert(p.threads);
      }
    Figure f;
    f.id = "bench-throughput-threads";
    f.section = "bench";
    f.sources = sources;
    f.ylabel = "items/s (log scale)";
    f.logy = true;
    std::vector<std::pair<std::string, std::map<double, double>>> swept;
    for (const auto& [n, m] : by)
      if (m.size() >= 2) swept.push_back({n, m});
    if (!swept.empty()) {
      f.title = "Throughput vs threads (median of repetitions)";
      f.xlabel = "threads";
      for (const auto& [n, m] : swept) {
        Series s{.label = n, .style = Style::line};
        for (const auto& [t, v] : m) {
          s.x.push_back(t);
          s.y.push_back(v);
        }
        f.series.push_back(std::move(s));
      }
      f.note = fmt::format("Median items/s (samples for models, parameters for optimizer updates) of each benchmark "
                           "at each thread count found ({}).", threads_text(all_threads));
    } else if (!by.empty()) {
      f.title = fmt::format("Throughput at {} thread(s) (no thread sweep in the bench data)", threads_text(all_threads));
      f.xlabel = "benchmark";
      Series s{.label = "median items/s", .style = Style::bars};
      for (const auto& [n, m] : by) {
        s.x.push_back(double(f.categories.size()));
        s.y.push_back(m.begin()->second);
        f.categories.push_back(n);
      }
      f.series.push_back(std::move(s));
      f.note = fmt::format(
          "Median items/s (samples for models, parameters for optimizer updates). Threads as recorded: Google "
          "Benchmark's threads field, or the OpenMP threads counter where a benchmark sets one. The bench data "
          "has one thread count per benchmark ({}), so there is no throughput-vs-threads curve: this is what exists. To sweep, run `tools/bench.sh --out DIR/tN` with OMP_NUM_THREADS=N for several N "
          "and pass --bench DIR.",
          threads_text(all_threads));
    }
    if (!f.series.empty()) out.push_back(std::move(f));
  }

  // ---- roofline -------------------------------------------------------------------
  {
    Figure f;
    f.id = "bench-roofline";
    f.section = "bench";
    f.sources = sources;
    f.title = "Roofline: measured peaks of this machine and where the kernels sit";
    f.xlabel = "arithmetic intensity (FLOP/byte, log scale)";
    f.ylabel = "GFLOP/s (log scale)";
    f.logx = f.logy = true;
    const double x0 = 1.0 / 64, x1 = 64;
    if (std::isfinite(pk.flops))
      f.series.push_back({.label = fmt::format("FMA peak {:.1f} GFLOP/s", pk.flops / 1e9), .style = Style::dashed,
                          .x = {x0, x1}, .y = {pk.flops / 1e9, pk.flops / 1e9}});
    for (const auto& [n, bw] : pk.bandwidth) {
      const double ridge = std::isfinite(pk.flops) ? std::min(x1, pk.flops / bw) : x1;
      f.series.push_back({.label = fmt::format("{} {:.1f} GB/s", n, bw / 1e9), .style = Style::dashed,
                          .x = {x0, ridge}, .y = {bw * x0 / 1e9, bw * ridge / 1e9}});
    }
    const bool ceilings = !f.series.empty();
    // One labelled point per kernel, at its largest thread count (the thread
    // sweep's smaller counts are in bench-throughput-threads).
    std::map<std::string, const Point*> at_most_threads, best;  // best: flops-only, per family
    for (const auto& p : pts) {
      if (is_calib(p) || !std::isfinite(p.flops)) continue;
      if (std::isfinite(p.bytes) && p.bytes > 0) {
        auto& q = at_most_threads[p.name];
        if (!q || q->threads < p.threads) q = &p;
      } else {
        const std::string fam = p.name.substr(0, p.name.find('/'));
        if (!best.count(fam) || best[fam]->flops < p.flops) best[fam] = &p;
      }
    }
    for (const auto& [name, p] : at_most_threads)
      f.series.push_back({.label = fmt::format("{} ({:.3g} FLOP/B, {:.3g} GFLOP/s, {:g} thr)", name,
                                               p->flops / p->bytes, p->flops / 1e9, p->threads),
                          .style = Style::points, .x = {p->flops / p->bytes}, .y = {p->flops / 1e9}});
    const bool any_known = !at_most_threads.empty();
    const double ridge = std::isfinite(pk.flops) && !pk.bandwidth.empty() ? pk.flops / pk.bandwidth.back().second : 1;
    for (const auto& [fam, p] : best)
      f.series.push_back({.label = fmt::format("{}: {:.2f} GFLOP/s (bytes not reported)", p->name, p->flops / 1e9),
                          .style = Style::line, .x = {std::max(x0, ridge), x1}, .y = {p->flops / 1e9, p->flops / 1e9}});
    if (ceilings || any_known || !best.empty()) {
      f.note = "Ceilings are this machine's own in-run calibration (bench/calibration): the FP32 FMA peak and the "
               "STREAM bandwidths. Each kernel is a point at FLOP per compulsory byte (every tensor that lives "
               "between phases written once and read once; no credit for cache reuse), so its x is an upper bound "
               "of the true intensity, and its achieved GFLOP/s at the largest thread count measured. Kernels that "
               "report FLOP/s only are drawn as horizontal segments from the ridge point rightwards. Optimizer "
               "updates report bytes only: see bench-bandwidth.";
      if (!ceilings) f.note += " No calibration benchmark was found in the bench data, so no ceilings are drawn.";
      out.push_back(std::move(f));
    }
  }

  // ---- bandwidth of memory-bound kernels ----------------------------------------
  {
    Figure f;
    f.id = "bench-bandwidth";
    f.section = "bench";
    f.sources = sources;
    f.title = "Memory-bound kernels: achieved bandwidth vs the measured STREAM peaks";
    f.xlabel = "benchmark";
    f.ylabel = "GB/s (10^9 bytes/s)";
    Series s{.label = "median bytes/s of the benchmark", .style = Style::bars};
    for (const auto& p : pts)
      if (!is_calib(p) && std::isfinite(p.bytes) && !std::isfinite(p.flops)) {
        s.x.push_back(double(f.categories.size()));
        s.y.push_back(p.bytes / 1e9);
        f.categories.push_back(p.name);
      }
    if (!s.x.empty()) {
      f.series.push_back(s);
      const double n = double(f.categories.size());
      for (const auto& [name, bw] : pk.bandwidth)
        f.series.push_back({.label = fmt::format("{} {:.1f} GB/s", name, bw / 1e9), .style = Style::dashed,
                            .x = {-0.5, n - 0.5}, .y = {bw / 1e9, bw / 1e9}});
      f.note = "Bytes moved per second as the benchmark counts them (bench/optim: 4 bytes x (3 + 2 x state slots) "
               "per parameter), median of repetitions, against the STREAM bandwidths measured in the same process.";
      out.push_back(std::move(f));
    }
  }
  return out;
}

}  // namespace lrb::reports
