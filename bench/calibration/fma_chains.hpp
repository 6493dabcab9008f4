#pragma once
// The FMA-peak loops of BM_calib_fma_peak, one per vector width: kChains
// independent chains acc = acc * m + a, so that latency x pipes (4 cycles x 2
// FMA units on the CPUs this runs on: 8 in flight) is covered with margin.
// Each returns a value depending on every chain (so nothing is optimized
// away).  fma_chains_avx512 is compiled with -mavx512f in its own file: call
// it only where lrb::isa::supported(avx512).
#include <cstdint>

namespace lrb::bench {

constexpr int kChains = 12;

float fma_chains_avx2(std::int64_t iters);    // kChains x 8 lanes x 2 FLOP per iteration
float fma_chains_avx512(std::int64_t iters);  // kChains x 16 lanes x 2 FLOP per iteration

}  // namespace lrb::bench
