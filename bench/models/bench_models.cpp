// Model and kernel throughput: samples/s (items_per_second) and FLOP/s
// (counter "flops", 2 x multiply-adds) for cnn001 and mlp004 at batch 32 and
// 256 — forward only, forward+backward, and a full training step with Adam —
// plus cnn001's conv block alone, fast and naive, forward and backward.
// Read the FLOP/s against BM_calib_fma_peak in the same JSON for the
// roofline; the "omp_threads" counter is OpenMP's team size (OMP_NUM_THREADS);
// each label names the kernel path (core/isa: auto = avx2 until the AVX-512
// kernels are verified on hardware; LRBENCH_ISA=avx2|avx512 forces one, as
// for lrbench).
// bytes_per_second counts compulsory traffic (every tensor that lives between
// phases written once and read once, nothing credited to cache reuse), so
// FLOP / byte is an upper bound of the arithmetic intensity: a kernel left of
// the ridge by that bound is memory-bound for certain.
//
// FLOP counts (models::forward_macs_per_sample / train_macs_per_sample):
// cnn001 forward = 26*26*9*32 (conv) + 5408*10 (dense) = 248,768 MACs;
// forward_backward adds the same again for the weight gradients and 54,080
// for the dense input gradient = 551,616 MACs.  The conv weight gradient is
// counted in full although 3 of its 4 window positions multiply zeros.
#include <benchmark/benchmark.h>
#include <omp.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/isa/isa.hpp"
#include "core/layers/layers.hpp"
#include "core/models/model.hpp"
#include "core/optim/optim.hpp"
#include "datasets/rng.hpp"

namespace {

using namespace lrb;

struct Fixture {
  models::Model<float> m;
  std::vector<float> x, t;
  std::vector<int32_t> labels;
  Fixture(const char* spec, int batch)
      : m(models::make_model<float>(models::model_from_spec(spec::parse(spec)), batch)) {
    models::init_params(m, models::init_from_spec(spec::parse("keras")), 1);
    auto r = data::make_rng(2, "bench", 0);
    x.resize(batch * m.input_size());
    for (auto& v : x) v = static_cast<float>(data::uniform01(r));
    t.resize(batch * m.output_size());
    for (auto& v : t) v = static_cast<float>(data::uniform(r, -1, 1));
    labels.resize(batch);
    for (auto& l : labels) l = static_cast<int32_t>(data::uniform_below(r, m.output_size()));
  }
  std::span<const int32_t> lab() const {
    return m.config.head == models::Head::softmax_ce ? std::span<const int32_t>(labels)
                                                     : std::span<const int32_t>();
  }
  std::span<const float> tgt() const {
    return m.config.head == models::Head::mse ? std::span<const float>(t) : std::span<const float>();
  }
};

// Compulsory bytes of one step (see the top): mode 0 reads x and the
// parameters and writes every activation level (cnn001: the pooled map and
// its argmax bytes too); mode 1 also reads those back and writes the
// gradients; mode 2 adds Adam's update, 4 * (2 + 2) bytes read and 4 * 3
// written per parameter.
double step_bytes(const models::Model<float>& m, int batch, int mode) {
  const auto& w = m.config.widths;
  const bool conv = m.config.conv_c > 0;
  double acts = conv ? w[0] : 0;  // floats per sample stored between layers
  for (size_t k = 1; k < w.size(); ++k) acts += w[k];
  const double masks = conv ? double(w[0]) * batch : 0;  // uint8 argmax
  const double P = double(m.params.size()), B = batch;
  double bytes = 4 * (B * double(m.input_size()) + P + B * acts) + masks;
  if (mode >= 1) bytes += 4 * (B * acts + P) + masks;
  if (mode == 2) bytes += 28 * P;
  return bytes;
}

// mode 0: forward; 1: forward + backward; 2: + Adam update (a training step)
void BM_model(benchmark::State& state, const char* spec, int mode) {
  const int batch = static_cast<int>(state.range(0));
  Fixture f(spec, batch);
  const auto adam = optim::optimizer_from_spec(spec::parse("adam:lr=0.001,convention=keras"));
  auto st = optim::make_state<float>(adam, f.m.params.size());
  for (auto _ : state) {
    if (mode == 0) {
      benchmark::DoNotOptimize(models::evaluate<float>(f.m, f.x, f.lab(), f.tgt(), batch));
    } else {
      benchmark::DoNotOptimize(models::forward_backward<float>(f.m, f.x, f.lab(), f.tgt(), batch));
      if (mode == 2) optim::update<float>(f.m.params, f.m.grads, st, adam, adam.lr, {}, f.m.tensor_offsets);
    }
  }
  const double macs = mode == 0 ? models::forward_macs_per_sample(f.m.config)
                                : models::train_macs_per_sample(f.m.config);
  state.SetItemsProcessed(int64_t(state.iterations()) * batch);
  state.SetBytesProcessed(int64_t(step_bytes(f.m, batch, mode) * double(state.iterations())));
  state.counters["omp_threads"] = omp_get_max_threads();
  state.counters["flops"] = benchmark::Counter(2 * macs * batch * double(state.iterations()),
                                               benchmark::Counter::kIsRate);
  state.SetLabel(isa::name(isa::active()));
}

struct ConvData {
  std::vector<float> x, W, b, pooled, dpooled, dW, db;
  std::vector<uint8_t> arg;
  explicit ConvData(int batch)
      : x(batch * 784), W(288), b(32), pooled(batch * 5408), dpooled(batch * 5408), dW(288),
        db(32), arg(batch * 5408) {
    auto r = data::make_rng(3, "bench-conv", 0);
    for (auto& v : x) v = static_cast<float>(data::uniform01(r));
    for (auto& v : W) v = static_cast<float>(data::uniform(r, -0.3, 0.3));
    for (auto& v : b) v = static_cast<float>(data::uniform(r, -0.1, 0.1));
    for (auto& v : dpooled) v = static_cast<float>(data::uniform(r, -1, 1));
  }
};

// Compulsory bytes of cnn001's conv block (see the top).  Forward: read x,
// W, b; write the pooled map and its argmax bytes.  Backward: read the
// pooled map, its gradient, the argmax and x; write dW, db.  The plain conv
// (no pool) writes the full 26x26x32 map.
enum class ConvKind { block_forward, block_backward, conv_only };
void conv_counters(benchmark::State& state, int batch, ConvKind kind) {
  const double B = batch, x = 4 * B * 784, params = 4 * 320.0, pooled = 4 * B * 5408, arg = B * 5408;
  const double bytes = kind == ConvKind::block_forward    ? x + params + pooled + arg
                       : kind == ConvKind::block_backward ? 2 * pooled + arg + x + params
                                                          : x + params + 4 * B * 26 * 26 * 32;
  state.SetBytesProcessed(int64_t(bytes * double(state.iterations())));
  state.SetItemsProcessed(int64_t(state.iterations()) * batch);
  state.counters["flops"] = benchmark::Counter(2.0 * 26 * 26 * 9 * 32 * batch * double(state.iterations()),
                                               benchmark::Counter::kIsRate);
  state.SetLabel(isa::name(isa::active()));
}

// cnn001's conv block (conv 3x3 + bias + ReLU + max-pool 2x2, 32 channels),
// forward, one thread.  Built twice: bench_models runs the fused AVX2 kernel;
// bench_models_slowed (LRBENCH_SLOWED_FOR_TESTS, used only by tests/perf)
// runs the composed naive kernels under the same name, a real 10x+ slowdown
// that `lrbench perf-check` must catch.
void BM_cnn001_conv_block(benchmark::State& state) {
  const int batch = static_cast<int>(state.range(0));
  ConvData c(batch);
#ifdef LRBENCH_SLOWED_FOR_TESTS
  const layers::Conv2dDims cd{batch, 28, 28, 1, 32, 3, 3, 1, 0};
  const layers::PoolDims pd{batch, 26, 26, 32};
  std::vector<float> conv(batch * 26 * 26 * 32);
  for (auto _ : state) {
    layers::naive::conv2d_forward<float>(conv, c.x, c.W, c.b, cd);
    layers::naive::relu_forward<float>(conv, conv);
    layers::naive::maxpool2x2_forward<float>(c.pooled, c.arg, conv, pd);
    benchmark::ClobberMemory();
  }
#else
  const layers::ConvPoolDims d{batch, 28, 28, 32};
  for (auto _ : state) {
    layers::conv3x3_relu_pool_forward<float>(c.pooled, c.arg, c.x, c.W, c.b, d);
    benchmark::ClobberMemory();
  }
#endif
  conv_counters(state, batch, ConvKind::block_forward);
}

// The same block, fast vs naive (naive.cpp: one channel at a time), forward
// and backward (weight gradient over the batch; flops count all 4 window
// positions, as the fast kernel computes them).
template <bool kNaive, bool kBackward>
void BM_conv_block(benchmark::State& state) {
  const int batch = static_cast<int>(state.range(0));
  ConvData c(batch);
  const layers::ConvPoolDims d{batch, 28, 28, 32};
  layers::conv3x3_relu_pool_forward<float>(c.pooled, c.arg, c.x, c.W, c.b, d);
  for (auto _ : state) {
    if constexpr (kBackward) {
      if constexpr (kNaive)
        layers::naive::conv3x3_relu_pool_backward<float>(c.dW, c.db, c.dpooled, c.pooled, c.arg, c.x, d);
      else
        layers::conv3x3_relu_pool_backward<float>(c.dW, c.db, c.dpooled, c.pooled, c.arg, c.x, d);
    } else {
      if constexpr (kNaive)
        layers::naive::conv3x3_relu_pool_forward<float>(c.pooled, c.arg, c.x, c.W, c.b, d);
      else
        layers::conv3x3_relu_pool_forward<float>(c.pooled, c.arg, c.x, c.W, c.b, d);
    }
    benchmark::ClobberMemory();
  }
  conv_counters(state, batch, kBackward ? ConvKind::block_backward : ConvKind::block_forward);
}

// General conv2d (stride 1, no padding, 28x28x1 -> 26x26x32): fast
// (vectorized over Cout) vs naive, forward.
template <bool kNaive>
void BM_conv2d_forward(benchmark::State& state) {
  const int batch = static_cast<int>(state.range(0));
  ConvData c(batch);
  const layers::Conv2dDims cd{batch, 28, 28, 1, 32, 3, 3, 1, 0};
  std::vector<float> y(batch * 26 * 26 * 32);
  for (auto _ : state) {
    if constexpr (kNaive)
      layers::naive::conv2d_forward<float>(y, c.x, c.W, c.b, cd);
    else
      layers::conv2d_forward<float>(y, c.x, c.W, c.b, cd);
    benchmark::ClobberMemory();
  }
  conv_counters(state, batch, ConvKind::conv_only);
}

// LRBENCH_ISA=avx2|avx512 forces a kernel path, as it does for lrbench; a
// path this CPU lacks ends the run with a message (exit 2).
void select_isa_from_env() {
  const char* env = std::getenv("LRBENCH_ISA");
  if (!env || !*env || std::string(env) == "auto") return;
  const auto which = isa::from_name(env);
  if (!which || !isa::supported(*which)) {
    std::fprintf(stderr, "bench_models: LRBENCH_ISA=%s: not auto, avx2 or avx512 supported here\n", env);
    std::exit(2);
  }
  isa::select(*which);
}

int register_all() {
  select_isa_from_env();
  for (const char* spec : {"cnn001", "mlp004"})
    for (int mode = 0; mode < 3; ++mode) {
      static const char* kMode[] = {"forward", "forward_backward", "train_step_adam"};
      benchmark::RegisterBenchmark(("BM_" + std::string(spec) + "/" + kMode[mode]).c_str(),
                                   [spec, mode](benchmark::State& s) { BM_model(s, spec, mode); })
          ->Arg(32)->Arg(256)->UseRealTime()->Unit(benchmark::kMicrosecond);
    }
  return 0;
}
const int registered = register_all();

}  // namespace

BENCHMARK(BM_cnn001_conv_block)->Arg(32)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_conv_block<false, false>)->Name("BM_conv_block/forward/fast")->Arg(32)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_conv_block<true, false>)->Name("BM_conv_block/forward/naive")->Arg(32)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_conv_block<false, true>)->Name("BM_conv_block/backward/fast")->Arg(32)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_conv_block<true, true>)->Name("BM_conv_block/backward/naive")->Arg(32)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_conv2d_forward<false>)->Name("BM_conv2d_forward/fast")->Arg(32)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_conv2d_forward<true>)->Name("BM_conv2d_forward/naive")->Arg(32)->UseRealTime()->Unit(benchmark::kMicrosecond);
