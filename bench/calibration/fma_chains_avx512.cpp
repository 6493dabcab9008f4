// BM_calib_fma_peak's 512-bit loop.  The only file of bench/ built with
// -mavx512f (bench/CMakeLists.txt); it includes nothing with shared inline
// code, so no AVX-512 instruction runs unless the caller checked the CPU.
#include <immintrin.h>

#include "bench/calibration/fma_chains.hpp"

namespace lrb::bench {

float fma_chains_avx512(std::int64_t iters) {
  __m512 acc[kChains];
  for (int k = 0; k < kChains; ++k) acc[k] = _mm512_set1_ps(0.001f * float(k + 1));
  const __m512 m = _mm512_set1_ps(0.999999f), add = _mm512_set1_ps(1e-7f);
  for (std::int64_t i = 0; i < iters; ++i)
    for (int k = 0; k < kChains; ++k) acc[k] = _mm512_fmadd_ps(acc[k], m, add);
  __m512 s = acc[0];
  for (int k = 1; k < kChains; ++k) s = _mm512_add_ps(s, acc[k]);
  float out[16];
  _mm512_storeu_ps(out, s);
  return out[0] + out[15];
}

}  // namespace lrb::bench
