#pragma once
// Which instruction set the hot kernels run on, chosen at run time.
//
// The build floor is x86-64-v3 (AVX2 + FMA): every path runs there.  The
// kernels in core/layers also exist compiled for AVX-512 (512-bit registers,
// 16 float lanes), run where the CPU and OS support it and it is asked for
// by name: `auto` (and the default) stays avx2 until the avx512 path has
// passed `make test-isa` on an AVX-512 CPU (kAvx512VerifiedOnHardware).
// Its source is checked on every machine (the emulated path, and a software
// model of its intrinsics), but no AVX-512 CPU has run it yet.
// Every path gives the SAME BITS: each output is computed by the same chain
// of IEEE operations in the same order on every path (the kernels are
// vectorized across outputs, never across a sum, and the one lane-split sum
// keeps its 8-lane layout on every path), so a record does not depend on the
// path that produced it.  tests/layers and tests/models check it.
//
//   avx2             256-bit kernels (the floor; always supported)
//   avx512           512-bit kernels (AVX-512F and the OS saving zmm/opmask state)
//   avx512_emulated  the 512-bit kernels' source instantiated on a 16-lane
//                    type built from two 256-bit halves: runs anywhere, and
//                    lets a machine without AVX-512 test that source bit for
//                    bit against the avx2 path (tests only; not a CLI choice)
//
// The selection is process-wide (one atomic, like a BLAS's core type): the
// CLI sets it once from --isa / LRBENCH_ISA before any work starts; core code
// never reads the environment.  It picks among equivalent code, so it cannot
// change a result, only its speed.
#include <optional>
#include <string_view>

namespace lrb::isa {

enum class Isa { avx2, avx512, avx512_emulated };

// Whether the real avx512 kernels have passed `make test-isa` (bit for bit
// against avx2, tests/isa/test_isa.sh) on an AVX-512 CPU.  Set it to true
// only with that run's log: until then automatic() is avx2 on every CPU.
inline constexpr bool kAvx512VerifiedOnHardware = false;

// Whether this CPU and OS can run `isa` (cpuid + xgetbv; checked once).
bool supported(Isa isa);
// The widest supported real path: avx512 where supported, else avx2 (what
// the FMA-peak calibration measures).
Isa widest();
// What `auto` picks: widest() once the avx512 path is verified on hardware
// (kAvx512VerifiedOnHardware), avx2 until then.
Isa automatic();
// The path the kernels use now: automatic() until select() is called.
Isa active();
// Makes `isa` the active path; throws std::invalid_argument naming the
// missing feature if it is not supported here.
void select(Isa isa);

// "avx2" | "avx512" | "avx512_emulated" (what provenance records).
const char* name(Isa isa);
// The inverse of name(); nullopt for anything else.
std::optional<Isa> from_name(std::string_view s);

}  // namespace lrb::isa
