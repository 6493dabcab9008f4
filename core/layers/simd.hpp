#pragma once
// The vector types the kernels (kernels.hpp) are written against.  Each is a
// thin, one-intrinsic-per-operation mapping; the kernels never touch an
// intrinsic themselves, so one kernel source serves every instruction set.
//
//   F8    AVX2, 8 float lanes (__m256)            the x86-64-v3 floor
//   D4    AVX2, 4 double lanes (__m256d)
//   F16   AVX-512F, 16 float lanes (__m512)        only where __AVX512F__
//                                                  (kernels_avx512.cpp)
//   F16e  16 float lanes emulated by two F8 halves: every operation is the
//         F8 operation on each half.  It runs on any AVX2 machine and is the
//         F16 kernels' source instantiated lane for lane: a test comparing
//         F16e with F8 proves that source bit for bit where no AVX-512 CPU is
//         at hand; F16 itself only maps those operations to 512-bit
//         instructions.
//
// Operations (V = one of the types; lane-wise unless stated):
//   zero() set1(v) bcast(p)=set1(*p) load(p) store(p, r)
//   first(k)          mask of lanes [0, k)          (0 <= k <= W)
//   loadm(p, m)       masked lanes read as +0, and their memory is not touched
//   storem(p, m, r)   only masked lanes written
//   fma(a, b, c)      a*b + c, one rounding
//   add(a, b) mul(a, b)
//   max(a, b)         a > b ? a : b (NaN in either: b), i.e. vmaxps
//   gt(a, b)          mask a > b (ordered, quiet)
//   zero_unless(m, a) m ? a : +0
//   keep(r)           no operation; makes the compiler hold r in a register
//                     (so a value loaded once is not re-loaded for each use)
//   Integer lanes I (32 bits; pool window positions 0..3):
//   load_u8(p)        W bytes zero-extended;  store_u8(p, i): low byte of each lane
//   izero iset1 iadd iand imax (signed)
//   iandnot(a, b)     ~a & b
//   ieq(a, b)         -1 where equal, else 0
//   same_bits(a, b)   -1 where the float lanes have identical bits, else 0
//   Lookup in an 8-entry float table (a 2x4 patch of the input):
//   tab2x4(r0, r1)    the table r0[0..3], r1[0..3]
//   lookup(t, i)      t[i] per lane (0 <= i < 8)
//   Lane-split sums (dense_forward_t): a register holds G = W / kGroup groups
//   of kGroup lanes; each group is one output's kGroup partial sums:
//   load_groups(p, s)     group g <- p + g*s [0, kGroup)
//   loadm_groups(p, s, k) the same, lanes [k, kGroup) of each group +0
//   load_group_bcast(p)   every group <- p[0, kGroup);  loadm_…(p, k) masked
//   transpose(r[W])       W x W transpose in registers (F8, D4)
//   hsum_group(r, g)      group g's lanes added as a fixed tree:
//                         float ((l0+l4)+(l2+l6)) + ((l1+l5)+(l3+l7)),
//                         double (l0+l2) + (l1+l3)
#include <immintrin.h>

#include <cstddef>
#include <cstdint>

namespace lrb::layers::simd {
// Internal linkage: each translation unit compiles its own copy for its own
// target (kernels.hpp says why).
namespace {

struct F8 {
  using T = float;
  using R = __m256;
  using M = __m256;   // all-ones / all-zeros lanes
  using I = __m256i;
  using Tab = __m256;
  static constexpr int W = 8, kGroup = 8, G = 1;
  static constexpr int kRegs = 16;  // architectural vector registers (tiling)

  static R zero() { return _mm256_setzero_ps(); }
  static R set1(float v) { return _mm256_set1_ps(v); }
  static R bcast(const float* p) { return _mm256_broadcast_ss(p); }
  static R load(const float* p) { return _mm256_loadu_ps(p); }
  static void store(float* p, R v) { _mm256_storeu_ps(p, v); }
  static M first(int k) {
    return _mm256_castsi256_ps(
        _mm256_cmpgt_epi32(_mm256_set1_epi32(k), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)));
  }
  static R loadm(const float* p, M m) { return _mm256_maskload_ps(p, _mm256_castps_si256(m)); }
  static void storem(float* p, M m, R v) { _mm256_maskstore_ps(p, _mm256_castps_si256(m), v); }
  static R fma(R a, R b, R c) { return _mm256_fmadd_ps(a, b, c); }
  static R add(R a, R b) { return _mm256_add_ps(a, b); }
  static R mul(R a, R b) { return _mm256_mul_ps(a, b); }
  static R max(R a, R b) { return _mm256_max_ps(a, b); }
  static M gt(R a, R b) { return _mm256_cmp_ps(a, b, _CMP_GT_OQ); }
  static R zero_unless(M m, R a) { return _mm256_and_ps(m, a); }
  static void keep(R& r) { __asm__("" : "+x"(r)); }

  static I load_u8(const std::uint8_t* p) {
    return _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)));
  }
  static void store_u8(std::uint8_t* p, I v) {  // lanes hold 0..255
    const __m128i w = _mm_packus_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    _mm_storel_epi64(reinterpret_cast<__m128i*>(p), _mm_packus_epi16(w, w));
  }
  static I iset1(int v) { return _mm256_set1_epi32(v); }
  static I izero() { return _mm256_setzero_si256(); }
  static I iadd(I a, I b) { return _mm256_add_epi32(a, b); }
  static I iand(I a, I b) { return _mm256_and_si256(a, b); }
  static I iandnot(I a, I b) { return _mm256_andnot_si256(a, b); }
  static I imax(I a, I b) { return _mm256_max_epi32(a, b); }
  static I ieq(I a, I b) { return _mm256_cmpeq_epi32(a, b); }
  static I same_bits(R a, R b) {
    return _mm256_cmpeq_epi32(_mm256_castps_si256(a), _mm256_castps_si256(b));
  }

  static Tab tab2x4(const float* r0, const float* r1) {
    return _mm256_insertf128_ps(_mm256_castps128_ps256(_mm_loadu_ps(r0)), _mm_loadu_ps(r1), 1);
  }
  static R lookup(Tab t, I i) { return _mm256_permutevar8x32_ps(t, i); }

  static R load_groups(const float* p, std::size_t) { return load(p); }
  static R loadm_groups(const float* p, std::size_t, int k) { return loadm(p, first(k)); }
  static R load_group_bcast(const float* p) { return load(p); }
  static R loadm_group_bcast(const float* p, int k) { return loadm(p, first(k)); }
  static float hsum8(__m256 v) {  // ((l0+l4)+(l2+l6)) + ((l1+l5)+(l3+l7))
    const __m128 h = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    const __m128 q = _mm_add_ps(h, _mm_movehl_ps(h, h));
    return _mm_cvtss_f32(_mm_add_ss(q, _mm_movehdup_ps(q)));
  }
  static float hsum_group(R v, int) { return hsum8(v); }
  static void transpose(R (&r)[8]) {  // 8x8 in registers: unpack / shuffle / permute
    const __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
    const __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
    const __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
    const __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
    const __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
    const __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
    const __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE);
    const __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
    r[0] = _mm256_permute2f128_ps(u0, u4, 0x20);
    r[1] = _mm256_permute2f128_ps(u1, u5, 0x20);
    r[2] = _mm256_permute2f128_ps(u2, u6, 0x20);
    r[3] = _mm256_permute2f128_ps(u3, u7, 0x20);
    r[4] = _mm256_permute2f128_ps(u0, u4, 0x31);
    r[5] = _mm256_permute2f128_ps(u1, u5, 0x31);
    r[6] = _mm256_permute2f128_ps(u2, u6, 0x31);
    r[7] = _mm256_permute2f128_ps(u3, u7, 0x31);
  }
};

struct D4 {
  using T = double;
  using R = __m256d;
  using M = __m256d;
  static constexpr int W = 4, kGroup = 4, G = 1;
  static constexpr int kRegs = 16;

  static R zero() { return _mm256_setzero_pd(); }
  static R set1(double v) { return _mm256_set1_pd(v); }
  static R bcast(const double* p) { return _mm256_broadcast_sd(p); }
  static R load(const double* p) { return _mm256_loadu_pd(p); }
  static void store(double* p, R v) { _mm256_storeu_pd(p, v); }
  static M first(int k) {
    return _mm256_castsi256_pd(
        _mm256_cmpgt_epi64(_mm256_set1_epi64x(k), _mm256_setr_epi64x(0, 1, 2, 3)));
  }
  static R loadm(const double* p, M m) { return _mm256_maskload_pd(p, _mm256_castpd_si256(m)); }
  static void storem(double* p, M m, R v) { _mm256_maskstore_pd(p, _mm256_castpd_si256(m), v); }
  static R fma(R a, R b, R c) { return _mm256_fmadd_pd(a, b, c); }
  static R add(R a, R b) { return _mm256_add_pd(a, b); }
  static R mul(R a, R b) { return _mm256_mul_pd(a, b); }
  static R max(R a, R b) { return _mm256_max_pd(a, b); }
  static M gt(R a, R b) { return _mm256_cmp_pd(a, b, _CMP_GT_OQ); }
  static R zero_unless(M m, R a) { return _mm256_and_pd(m, a); }
  static void keep(R& r) { __asm__("" : "+x"(r)); }

  static R load_groups(const double* p, std::size_t) { return load(p); }
  static R loadm_groups(const double* p, std::size_t, int k) { return loadm(p, first(k)); }
  static R load_group_bcast(const double* p) { return load(p); }
  static R loadm_group_bcast(const double* p, int k) { return loadm(p, first(k)); }
  static double hsum_group(R v, int) {  // (l0+l2) + (l1+l3)
    const __m128d h = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
    return _mm_cvtsd_f64(_mm_add_sd(h, _mm_unpackhi_pd(h, h)));
  }
  static void transpose(R (&r)[4]) {  // 4x4 in registers
    const __m256d t0 = _mm256_unpacklo_pd(r[0], r[1]), t1 = _mm256_unpackhi_pd(r[0], r[1]);
    const __m256d t2 = _mm256_unpacklo_pd(r[2], r[3]), t3 = _mm256_unpackhi_pd(r[2], r[3]);
    r[0] = _mm256_permute2f128_pd(t0, t2, 0x20);
    r[1] = _mm256_permute2f128_pd(t1, t3, 0x20);
    r[2] = _mm256_permute2f128_pd(t0, t2, 0x31);
    r[3] = _mm256_permute2f128_pd(t1, t3, 0x31);
  }
};

// Two F8 halves, lanes 0..7 in lo and 8..15 in hi: every operation below is
// the F8 operation applied to each half (so its lane semantics are F8's).
struct F16e {
  using T = float;
  struct R { __m256 lo, hi; };
  using M = R;
  struct I { __m256i lo, hi; };
  using Tab = __m256;
  static constexpr int W = 16, kGroup = 8, G = 2;
  static constexpr int kRegs = 32;  // tiles as F16 does: the same source

  static R zero() { return {F8::zero(), F8::zero()}; }
  static R set1(float v) { return {F8::set1(v), F8::set1(v)}; }
  static R bcast(const float* p) { return {F8::bcast(p), F8::bcast(p)}; }
  static R load(const float* p) { return {F8::load(p), F8::load(p + 8)}; }
  static void store(float* p, R v) { F8::store(p, v.lo), F8::store(p + 8, v.hi); }
  static M first(int k) { return {F8::first(k < 8 ? k : 8), F8::first(k > 8 ? k - 8 : 0)}; }
  static R loadm(const float* p, M m) { return {F8::loadm(p, m.lo), F8::loadm(p + 8, m.hi)}; }
  static void storem(float* p, M m, R v) { F8::storem(p, m.lo, v.lo), F8::storem(p + 8, m.hi, v.hi); }
  static R fma(R a, R b, R c) { return {F8::fma(a.lo, b.lo, c.lo), F8::fma(a.hi, b.hi, c.hi)}; }
  static R add(R a, R b) { return {F8::add(a.lo, b.lo), F8::add(a.hi, b.hi)}; }
  static R mul(R a, R b) { return {F8::mul(a.lo, b.lo), F8::mul(a.hi, b.hi)}; }
  static R max(R a, R b) { return {F8::max(a.lo, b.lo), F8::max(a.hi, b.hi)}; }
  static M gt(R a, R b) { return {F8::gt(a.lo, b.lo), F8::gt(a.hi, b.hi)}; }
  static R zero_unless(M m, R a) { return {F8::zero_unless(m.lo, a.lo), F8::zero_unless(m.hi, a.hi)}; }
  static void keep(R& r) { F8::keep(r.lo), F8::keep(r.hi); }

  static I load_u8(const std::uint8_t* p) { return {F8::load_u8(p), F8::load_u8(p + 8)}; }
  static void store_u8(std::uint8_t* p, I v) { F8::store_u8(p, v.lo), F8::store_u8(p + 8, v.hi); }
  static I iset1(int v) { return {F8::iset1(v), F8::iset1(v)}; }
  static I izero() { return {F8::izero(), F8::izero()}; }
  static I iadd(I a, I b) { return {F8::iadd(a.lo, b.lo), F8::iadd(a.hi, b.hi)}; }
  static I iand(I a, I b) { return {F8::iand(a.lo, b.lo), F8::iand(a.hi, b.hi)}; }
  static I iandnot(I a, I b) { return {F8::iandnot(a.lo, b.lo), F8::iandnot(a.hi, b.hi)}; }
  static I imax(I a, I b) { return {F8::imax(a.lo, b.lo), F8::imax(a.hi, b.hi)}; }
  static I ieq(I a, I b) { return {F8::ieq(a.lo, b.lo), F8::ieq(a.hi, b.hi)}; }
  static I same_bits(R a, R b) { return {F8::same_bits(a.lo, b.lo), F8::same_bits(a.hi, b.hi)}; }

  static Tab tab2x4(const float* r0, const float* r1) { return F8::tab2x4(r0, r1); }
  static R lookup(Tab t, I i) { return {F8::lookup(t, i.lo), F8::lookup(t, i.hi)}; }

  static R load_groups(const float* p, std::size_t s) { return {F8::load(p), F8::load(p + s)}; }
  static R loadm_groups(const float* p, std::size_t s, int k) {
    return {F8::loadm(p, F8::first(k)), F8::loadm(p + s, F8::first(k))};
  }
  static R load_group_bcast(const float* p) { return {F8::load(p), F8::load(p)}; }
  static R loadm_group_bcast(const float* p, int k) {
    return {F8::loadm(p, F8::first(k)), F8::loadm(p, F8::first(k))};
  }
  static float hsum_group(R v, int g) { return F8::hsum8(g == 0 ? v.lo : v.hi); }
};

#ifdef __AVX512F__
// F16 lives in its own file so that a test can compile it against a software
// model of the AVX-512 intrinsics (tests/layers/test_simd_avx512.cpp).
inline void keep_zmm(__m512& r) { __asm__("" : "+v"(r)); }  // F16::keep
#include "core/layers/simd_avx512.hpp"
#endif

}  // namespace
}  // namespace lrb::layers::simd
