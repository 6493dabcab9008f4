#pragma once
// This machine's limits, measured in-run: what a kernel's rate is compared to.
//
//   BM_calib_fma_peak      FP32 FMA throughput of the widest vector FMA the
//                          CPU has (AVX-512 where present, else AVX2; label
//                          and counter vector_bits say which): 12 independent
//                          chains per thread (FMA latency x pipes is 8 on
//                          these CPUs), all OpenMP threads; counter "flops".
//   BM_calib_stream_copy   a[i] = b[i]                 8 bytes/element
//   BM_calib_stream_triad  a[i] = b[i] + s * c[i]     12 bytes/element
//                          (STREAM's byte counting: no write-allocate traffic),
//   BM_calib_stream_update a[i] = a[i] + s * b[i]     12 bytes/element, in
//                          place like every optimizer update: no
//                          write-allocate traffic, so the counted bytes are
//                          the real ones (triad really moves 16, counts 12).
//                          64 Mi elements per array, far beyond any cache,
//                          on huge pages as lrbench's arenas are.
#include <cstddef>

namespace lrb::bench {

// In-place update bandwidth (BM_calib_stream_update's kernel) in bytes/s with
// the current OpenMP thread count, the median of `reps` runs over `n` floats
// per array.  For in-process fractions ("Adam ran at 91 % of the bandwidth").
double measure_update_bytes_per_second(size_t n = size_t(1) << 26, int reps = 9);

}  // namespace lrb::bench
