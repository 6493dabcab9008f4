#pragma once
// This machine's limits, measured in-run: what a kernel's rate is compared to.
//
//   BM_calib_fma_peak      FP32 FMA throughput: 8 independent AVX2 FMA chains
//                          per thread (enough to cover the FMA latency x
//                          ports), all OpenMP threads; counter "flops" = FLOP/s.
//   BM_calib_stream_copy   a[i] = b[i]                 8 bytes/element
//   BM_calib_stream_triad  a[i] = b[i] + s * c[i]     12 bytes/element
//                          (STREAM's byte counting: no write-allocate traffic),
//                          64 Mi elements per array, far beyond any cache.
#include <cstddef>

namespace lrb::bench {

// STREAM triad bandwidth in bytes/s with the current OpenMP thread count,
// the median of `reps` runs over `n` floats per array.  For in-process
// fractions ("this update ran at 87 % of triad").
double measure_triad_bytes_per_second(size_t n = size_t(1) << 24, int reps = 5);

}  // namespace lrb::bench
