// The kernels for AVX-512F (F16).  This file alone is compiled with
// -mavx512f (core/layers/CMakeLists.txt); its kernels have internal linkage
// and it includes nothing that instantiates shared inline code, so no
// 512-bit instruction can run unless core/isa selected this path on a CPU
// that has it.
// GCC 12's own avx512fintrin.h trips -Wuninitialized on its
// _mm512_undefined_*() placeholders (GCC bug 105593, fixed in GCC 13).
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ < 13
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include "core/layers/kernels.hpp"

#ifndef __AVX512F__
#error "kernels_avx512.cpp must be compiled with -mavx512f"
#endif

namespace lrb::layers {

const Kernels<float>& kernels_avx512_float() {
  static const Kernels<float> k = make_kernels<simd::F16>();
  return k;
}

}  // namespace lrb::layers
