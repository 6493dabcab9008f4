#include "core/isa/isa.hpp"

#include <cpuid.h>

#include <atomic>
#include <stdexcept>
#include <string>

namespace lrb::isa {
namespace {

// XCR0: which register state the OS saves on a context switch.
unsigned long long xgetbv0() {
  unsigned eax = 0, edx = 0;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (static_cast<unsigned long long>(edx) << 32) | eax;
}

// AVX-512F in cpuid leaf 7, and the OS saving the SSE, AVX, opmask, and both
// upper-zmm states (XCR0 bits 1, 2, 5, 6, 7): without the latter the
// instructions exist but fault.
bool detect_avx512() {
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return false;
  const bool osxsave = (c >> 27) & 1;
  if (!osxsave) return false;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return false;
  const bool avx512f = (b >> 16) & 1;
  return avx512f && (xgetbv0() & 0xE6) == 0xE6;
}

bool has_avx512() {
  static const bool yes = detect_avx512();
  return yes;
}

std::atomic<int>& selected() {  // -1: not selected yet (automatic())
  static std::atomic<int> s{-1};
  return s;
}

}  // namespace

bool supported(Isa isa) { return isa != Isa::avx512 || has_avx512(); }

Isa widest() { return has_avx512() ? Isa::avx512 : Isa::avx2; }

Isa automatic() { return kAvx512VerifiedOnHardware ? widest() : Isa::avx2; }

Isa active() {
  const int s = selected().load(std::memory_order_relaxed);
  return s < 0 ? automatic() : static_cast<Isa>(s);
}

void select(Isa isa) {
  if (!supported(isa))
    throw std::invalid_argument(std::string(name(isa)) +
                                " is not supported here: the CPU lacks AVX-512F or the OS does "
                                "not enable the zmm/opmask register state");
  selected().store(static_cast<int>(isa), std::memory_order_relaxed);
}

const char* name(Isa isa) {
  switch (isa) {
    case Isa::avx2: return "avx2";
    case Isa::avx512: return "avx512";
    case Isa::avx512_emulated: return "avx512_emulated";
  }
  return "unknown";
}

std::optional<Isa> from_name(std::string_view s) {
  for (Isa i : {Isa::avx2, Isa::avx512, Isa::avx512_emulated})
    if (s == name(i)) return i;
  return std::nullopt;
}

}  // namespace lrb::isa
