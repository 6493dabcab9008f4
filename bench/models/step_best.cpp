// step_best: training-step times on a shared machine.  Google Benchmark's
// means (bench_models) measure what a loaded machine gives; this prints the
// BEST of many repetitions of each measurement -- the time of a repetition
// nothing else interrupted -- next to the FMA peak measured the same way,
// so the percentages hold on a machine that other jobs keep busy.  (On an
// idle machine the best and the median agree.)
//
//   step_best [--reps N]      markdown table on stdout; OMP_NUM_THREADS and
//                             LRBENCH_ISA as for bench_models
//
// Rows: the FMA peak (bench/calibration's loop, widest ISA); cnn001
// forward+backward and training step (+ Adam, Keras eps) at batch 32 and 256;
// mlp004 training step at batch 32.  FLOPs = 2 x models::train_macs_per_sample.
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "bench/calibration/fma_chains.hpp"
#include "core/isa/isa.hpp"
#include "core/models/model.hpp"
#include "core/optim/optim.hpp"
#include "datasets/rng.hpp"

namespace {

using namespace lrb;

// Best (smallest) seconds of one call of f over `reps` repetitions, each
// repetition timing `inner` calls.
template <class F>
double best_seconds(int reps, int inner, const F& f) {
  double best = 1e30;
  for (int r = 0; r < reps; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    for (int k = 0; k < inner; ++k) f();
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / inner);
  }
  return best;
}

double fma_peak_flops(int reps) {
  constexpr std::int64_t kIters = 1 << 16;
  const bool wide = isa::supported(isa::Isa::avx512);
  const int threads = omp_get_max_threads(), lanes = wide ? 16 : 8;
  std::vector<float> sink(static_cast<size_t>(threads) * 16);
  const double s = best_seconds(reps, 1, [&] {
#pragma omp parallel
    sink[size_t(omp_get_thread_num()) * 16] = wide ? bench::fma_chains_avx512(kIters) : bench::fma_chains_avx2(kIters);
  });
  return double(kIters) * bench::kChains * lanes * 2 * threads / s;
}

struct Case {
  const char* spec;
  int batch;
  bool adam;
};

double step_seconds(const Case& c, int reps) {
  auto m = models::make_model<float>(models::model_from_spec(spec::parse(c.spec)), c.batch);
  models::init_params(m, models::init_from_spec(spec::parse("keras")), 1);
  auto r = data::make_rng(2, "bench", 0);
  std::vector<float> x(c.batch * m.input_size()), t(c.batch * m.output_size());
  std::vector<int32_t> labels(c.batch);
  for (auto& v : x) v = static_cast<float>(data::uniform01(r));
  for (auto& v : t) v = static_cast<float>(data::uniform(r, -1, 1));
  for (auto& l : labels) l = static_cast<int32_t>(data::uniform_below(r, m.output_size()));
  const bool ce = m.config.head == models::Head::softmax_ce;
  const auto adam = optim::optimizer_from_spec(spec::parse("adam:lr=0.001,convention=keras"));
  auto st = optim::make_state<float>(adam, m.params.size());
  const std::span<const int32_t> lab = ce ? std::span<const int32_t>(labels) : std::span<const int32_t>();
  const std::span<const float> tgt = ce ? std::span<const float>() : std::span<const float>(t);
  const int inner = std::max(1, int(2e6 / (c.batch * m.macs_per_sample)));  // ~ms per repetition
  return best_seconds(reps, inner, [&] {
    models::forward_backward<float>(m, x, lab, tgt, c.batch);
    if (c.adam) optim::update<float>(m.params, m.grads, st, adam, adam.lr, {}, m.tensor_offsets);
  });
}

}  // namespace

int main(int argc, char** argv) {
  int reps = 300;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--reps") && i + 1 < argc) {
      reps = std::atoi(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: step_best [--reps N]   (N >= 1; default 300)\n");
      return 2;
    }
  }
  if (reps < 1) {
    std::fprintf(stderr, "step_best: --reps must be >= 1, got %d\n", reps);
    return 2;
  }
  if (const char* env = std::getenv("LRBENCH_ISA"); env && *env && std::string(env) != "auto") {
    const auto which = isa::from_name(env);
    if (!which || !isa::supported(*which)) {
      std::fprintf(stderr, "step_best: LRBENCH_ISA=%s: not auto, avx2 or avx512 supported here\n", env);
      return 2;
    }
    isa::select(*which);
  }
  const int threads = omp_get_max_threads();
  const double peak = fma_peak_flops(reps);
  std::printf("best of %d repetitions, %d thread(s), kernels %s, peak loop %s\n\n", reps, threads,
              isa::name(isa::active()), isa::supported(isa::Isa::avx512) ? "avx512" : "avx2");
  std::printf("| measurement | batch | best us/step | samples/s | GFLOP/s | of FMA peak |\n");
  std::printf("|---|---:|---:|---:|---:|---:|\n");
  std::printf("| FMA peak (%d chains) | | | | %.1f | 100 %% |\n", bench::kChains, peak / 1e9);
  for (const Case& c : {Case{"cnn001", 32, false}, Case{"cnn001", 32, true}, Case{"cnn001", 256, false},
                        Case{"cnn001", 256, true}, Case{"mlp004", 32, true}}) {
    const double s = step_seconds(c, reps);
    const double macs = models::train_macs_per_sample(models::model_from_spec(spec::parse(c.spec)));
    const double flops = 2 * macs * c.batch / s;
    std::printf("| %s %s | %d | %.2f | %.0f | %.1f | %.0f %% |\n", c.spec,
                c.adam ? "training step (+ Adam)" : "forward+backward", c.batch, s * 1e6,
                c.batch / s, flops / 1e9, 100 * flops / peak);
  }
}
