// Optimizer update throughput: every optimizer's update over 1 Mi and 16 Mi
// float32 parameters, its framework's defaults (PyTorch's where it has both),
// and two chains beside the built-ins they spell.
// An update is a stream: one pass reads p, g and every state slot and writes
// p and every slot, so
//   bytes/element = 4 * (2 + slots) reads + 4 * (1 + slots) writes
// and its ceiling is memory bandwidth.  Kernels with more passes or fewer
// reads say so in kCases (`words`: 4-byte reads + writes per element, every
// pass counted: the bytes they really move).  Counter `frac_bw` is the
// achieved bytes/s over this process's own in-place stream measurement (same
// threads, same huge-page buffers; see bench/calibration/calibration.hpp).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "bench/calibration/calibration.hpp"
#include "core/memory/buffer.hpp"
#include "core/optim/optim.hpp"

namespace {

double bandwidth() {
  static const double rate = lrb::bench::measure_update_bytes_per_second();
  return rate;
}

struct Case {
  const char* spec;
  double words = 0;        // 0: one pass, 3 + 2 * slots
  bool factored = false;   // Adafactor on one square matrix (sqrt(n) x sqrt(n))
};

void BM_optim_update(benchmark::State& state, const Case& c) {
  const size_t n = static_cast<size_t>(state.range(0));
  const auto opt = lrb::optim::optimizer_from_spec(lrb::spec::parse(c.spec));
  size_t side = 1;
  while (side * side < n) ++side;
  const std::vector<lrb::optim::FactorDims> dims = {{side, side}};
  const std::span<const lrb::optim::FactorDims> fd =
      c.factored ? std::span<const lrb::optim::FactorDims>(dims) : std::span<const lrb::optim::FactorDims>();
  lrb::Buffer<float> p(n), g(n);  // huge pages, like the model arenas
  // Values away from 0 and the denormal range; gradients of both signs.
  for (size_t i = 0; i < n; ++i) {
    p[i] = 0.5f + 1e-3f * float(i % 997);
    g[i] = 1e-2f * (float(i % 89) - 44.0f);
  }
  auto st = lrb::optim::make_state<float>(opt, n, {}, fd);
  lrb::optim::update<float>(p, g, st, opt, opt.lr, {}, {}, fd);  // first touch of the state
  const double words = c.words > 0 ? c.words : 3.0 + 2.0 * lrb::optim::state_slots(opt);
  const double bytes_per_update = 4.0 * double(n) * words;
  for (auto _ : state) {
    lrb::optim::update<float>(p, g, st, opt, opt.lr, {}, {}, fd);
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(int64_t(double(state.iterations()) * bytes_per_update));
  state.SetItemsProcessed(int64_t(state.iterations()) * int64_t(n));
  state.counters["frac_bw"] = benchmark::Counter(
      double(state.iterations()) * bytes_per_update / bandwidth(), benchmark::Counter::kIsRate);
}

const Case kCases[] = {
    {"gd:lr=0.01"},
    {"sgd:lr=0.01,momentum=0.9"},
    {"sgd:lr=0.01,momentum=0.9,nesterov=true"},
    {"ema_momentum"},
    {"rmsprop"},
    {"adagrad"},
    {"adam"},
    {"adam:convention=keras"},
    {"adamw"},
    {"nadam"},
    {"adamax"},
    {"adadelta"},
    // Schedule-free: y in the parameters, z (and v) in the state: one pass.
    {"sgd_schedule_free"},
    {"adamw_schedule_free"},
    // One pass with the two sums (after the first step with progress).
    {"d_adapt_adam"},
    // Reads p, g, s, x0; writes p, s (x0 is read-only after step 1): 6 words.
    {"d_adapt_sgd", 6},
    // Pass 1 (sums, m, v, s) reads p, g, p0, s, m, v and writes s, m, v;
    // pass 2 (the step needs the new d) reads p, m, v and writes p: 13 words.
    {"prodigy", 13},
    {"radam"},
    {"rprop"},
    // At the default t0 the average is a copy: ax is written, never read.
    {"asgd", 4},
    {"lion"},
    // Pass 1 reads p, g, m, v and writes m, v (with the two norms); pass 2
    // recomputes the step from m, v and writes p: 10 words (one pass: 7).
    {"lamb", 10},
    // A flat span is one vector: v unfactored.  Pass 1 (v and the two RMS
    // sums) reads p, g, v, writes v; pass 2 reads p, g, v, writes p: 8 words.
    {"adafactor", 8},
    // One sqrt(n) x sqrt(n) matrix: row sums (g), column sums (g), RMS sums
    // (p, g), apply (p, g; writes p): 7 words; r and c are O(sqrt(n)).
    {"adafactor", 7, true},
    {"ftrl"},
    // chain (core/optim/chain.hpp): the general path beside the fused
    // built-in it spells (same math).  Blocked, u in a stack buffer: one
    // pass over g, p and the slots, as the built-in (5 and 7 words).
    {"chain:lr=0.01,transforms=[trace(decay=0.9),scale_by_lr]"},
    {"chain:transforms=[scale_by_adam,add_decayed_weights(weight_decay=0.01),scale_by_lr]"},
};

int register_all() {
  for (const Case& c : kCases) {
    const std::string name = std::string(c.factored ? "BM_optim_update_factored/"
                                                    : "BM_optim_update/") + c.spec;
    benchmark::RegisterBenchmark(name.c_str(),
                                 [&c](benchmark::State& s) { BM_optim_update(s, c); })
        ->Arg(1 << 20)
        ->Arg(1 << 24)
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond);
  }
  return 0;
}
const int registered = register_all();

}  // namespace
