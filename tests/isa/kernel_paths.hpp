#pragma once
// The kernel paths (core/isa) a test runs.  `make test` runs avx2 and the
// 16-lane source emulated on two AVX2 halves, on every machine: the default
// suite never runs the AVX-512 kernels, whatever the CPU, so it cannot fail
// on a CI machine for a path nobody has run on hardware yet.  `make test-isa`
// (tests/isa/test_isa.sh) sets LRBENCH_TEST_REAL_AVX512=1, which adds the
// real avx512 path where the CPU and OS support it.
#include <cstdlib>
#include <string_view>
#include <vector>

#include "core/isa/isa.hpp"

namespace lrb::test {

inline constexpr const char* kRealAvx512EnvVar = "LRBENCH_TEST_REAL_AVX512";

// Whether this run executes real AVX-512 kernels: asked for (make test-isa)
// and supported by this CPU and OS.
inline bool real_avx512_enabled() {
  const char* v = std::getenv(kRealAvx512EnvVar);
  return v != nullptr && std::string_view(v) == "1" && isa::supported(isa::Isa::avx512);
}

// Why the real avx512 path does not run here (for GTEST_SKIP).
inline const char* real_avx512_skip_reason() {
  return isa::supported(isa::Isa::avx512)
             ? "the real avx512 path runs only in `make test-isa` (LRBENCH_TEST_REAL_AVX512=1)"
             : "this CPU (or its OS) lacks AVX-512F: the real avx512 path cannot run here";
}

// avx2, the emulated 512-bit source, and the real avx512 path where enabled.
inline std::vector<isa::Isa> kernel_paths() {
  std::vector<isa::Isa> v{isa::Isa::avx2, isa::Isa::avx512_emulated};
  if (real_avx512_enabled()) v.push_back(isa::Isa::avx512);
  return v;
}

}  // namespace lrb::test
