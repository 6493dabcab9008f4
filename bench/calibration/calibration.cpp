#include "bench/calibration/calibration.hpp"

#include "bench/calibration/fma_chains.hpp"
#include "core/isa/isa.hpp"
#include "core/memory/buffer.hpp"
#include "records/provenance.hpp"

#include <benchmark/benchmark.h>
#include <immintrin.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <vector>

namespace lrb::bench {
namespace {

// Arrays touched first by the threads that will stream them (first touch
// places pages on the right NUMA node), with the same static schedule.
struct Arrays {
  explicit Arrays(size_t n) : n(n), a(alloc.allocate(n)), b(alloc.allocate(n)), c(alloc.allocate(n)) {
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; ++i) {
      a[i] = 0.0f;
      b[i] = 1.0f;
      c[i] = 2.0f;
    }
  }
  ~Arrays() {
    alloc.deallocate(a, n);
    alloc.deallocate(b, n);
    alloc.deallocate(c, n);
  }
  Arrays(const Arrays&) = delete;
  Arrays& operator=(const Arrays&) = delete;
  // Huge pages, as lrbench's own arenas (core/memory/buffer.hpp).
  HugePageAllocator<float> alloc;
  size_t n;
  float *a, *b, *c;
};

void triad(Arrays& x, float s) {
  float* __restrict a = x.a;
  const float* __restrict b = x.b;
  const float* __restrict c = x.c;
#pragma omp parallel for schedule(static)
  for (size_t i = 0; i < x.n; ++i) a[i] = b[i] + s * c[i];
}

// In place, as every optimizer update is: the written line was just read,
// so there is no write-allocate traffic and the counted bytes are the real
// ones.  This is the roofline an optimizer update is measured against.
void update(Arrays& x, float s) {
  float* __restrict a = x.a;
  const float* __restrict b = x.b;
#pragma omp parallel for schedule(static)
  for (size_t i = 0; i < x.n; ++i) a[i] = a[i] + s * b[i];
}

void copy(Arrays& x) {
  float* __restrict a = x.a;
  const float* __restrict b = x.b;
#pragma omp parallel for schedule(static)
  for (size_t i = 0; i < x.n; ++i) a[i] = b[i];
}

constexpr size_t kStreamElems = size_t(1) << 26;  // 256 MiB per array

void BM_calib_stream_triad(benchmark::State& state) {
  Arrays x(kStreamElems);
  for (auto _ : state) {
    triad(x, 3.0f);
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(kStreamElems) * 12);
  state.counters["omp_threads"] = omp_get_max_threads();
}

void BM_calib_stream_update(benchmark::State& state) {
  Arrays x(kStreamElems);
  for (auto _ : state) {
    update(x, 1e-6f);
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(kStreamElems) * 12);
  state.counters["omp_threads"] = omp_get_max_threads();
}

void BM_calib_stream_copy(benchmark::State& state) {
  Arrays x(kStreamElems);
  for (auto _ : state) {
    copy(x);
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(kStreamElems) * 8);
  state.counters["omp_threads"] = omp_get_max_threads();
}

// The widest FMA this CPU has (AVX-512 where core/isa finds it, else AVX2),
// kChains independent chains per thread, all OpenMP threads.  Label: the
// vector ISA measured ("avx512" / "avx2"); counter vector_bits likewise.
void BM_calib_fma_peak(benchmark::State& state) {
  constexpr std::int64_t kIters = 1 << 20;
  const bool wide = isa::supported(isa::Isa::avx512);
  const int lanes = wide ? 16 : 8;
  const int threads = omp_get_max_threads();
  std::vector<float> sink(static_cast<size_t>(threads) * 16);
  for (auto _ : state) {
#pragma omp parallel
    sink[size_t(omp_get_thread_num()) * 16] = wide ? fma_chains_avx512(kIters) : fma_chains_avx2(kIters);
    benchmark::DoNotOptimize(sink.data());
  }
  const double flops = double(kIters) * kChains * lanes * 2 * threads;
  state.counters["flops"] =
      benchmark::Counter(flops * double(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["omp_threads"] = threads;
  state.counters["vector_bits"] = 32 * lanes;
  state.SetLabel(wide ? "avx512" : "avx2");
}

}  // namespace

float fma_chains_avx2(std::int64_t iters) {
  __m256 acc[kChains];
  for (int k = 0; k < kChains; ++k) acc[k] = _mm256_set1_ps(0.001f * float(k + 1));
  const __m256 m = _mm256_set1_ps(0.999999f), add = _mm256_set1_ps(1e-7f);
  for (std::int64_t i = 0; i < iters; ++i)
    for (int k = 0; k < kChains; ++k) acc[k] = _mm256_fmadd_ps(acc[k], m, add);
  __m256 s = acc[0];
  for (int k = 1; k < kChains; ++k) s = _mm256_add_ps(s, acc[k]);
  float out[8];
  _mm256_storeu_ps(out, s);
  return out[0] + out[7];
}

double measure_update_bytes_per_second(size_t n, int reps) {
  Arrays x(n);
  update(x, 1e-6f);  // warm up: page faults, frequency
  std::vector<double> rates;
  for (int r = 0; r < reps; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    update(x, 1e-6f);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    rates.push_back(double(n) * 12.0 / s);
  }
  std::sort(rates.begin(), rates.end());
  return rates[rates.size() / 2];
}

}  // namespace lrb::bench

// "cpu_model" in every JSON's context: the performance history tells machines
// apart by CPU model, core count and caches (docs/perf-history.md, 1.1).
[[maybe_unused]] static const bool kCpuModelInContext =
    (benchmark::AddCustomContext("cpu_model", lrb::records::cpu_model()), true);

BENCHMARK(lrb::bench::BM_calib_fma_peak)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(lrb::bench::BM_calib_stream_copy)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(lrb::bench::BM_calib_stream_triad)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(lrb::bench::BM_calib_stream_update)->UseRealTime()->Unit(benchmark::kMillisecond);
