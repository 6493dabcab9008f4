// The kernels for the x86-64-v3 floor (F8, D4), and the 16-lane source on
// two 256-bit halves (F16e) that tests compare with F8 where no AVX-512 CPU
// is at hand.  Compiled with the project's flags only.
#include "core/layers/kernels.hpp"

namespace lrb::layers {

const Kernels<float>& kernels_avx2_float() {
  static const Kernels<float> k = make_kernels<simd::F8>();
  return k;
}
const Kernels<double>& kernels_avx2_double() {
  static const Kernels<double> k = make_kernels<simd::D4>();
  return k;
}
const Kernels<float>& kernels_avx512_emulated_float() {
  static const Kernels<float> k = make_kernels<simd::F16e>();
  return k;
}

}  // namespace lrb::layers
