// A software model of the AVX-512F intrinsics that core/layers/simd_avx512.hpp
// uses, each written from the Intel Intrinsics Guide's pseudo-code (cited
// per function by its instruction), one lane at a time.  Included INSIDE a
// test's namespace, after <immintrin.h>, <cmath>, <cstdint> and <cstring>:
// unqualified names in F16 then find these instead of the real intrinsics,
// so F16's mapping (which intrinsic, which operand order, which immediate)
// runs and is checked here, on a machine without AVX-512.
//
// "Undefined" upper lanes of the 256 -> 512 casts are filled with NaN bytes,
// so a kernel that read them would change its results.

// The real headers define the immediate-operand intrinsics as macros in some
// builds (GCC without optimization, clang always).
#undef _mm512_cmp_ps_mask
#undef _mm512_insertf64x4
#undef _mm512_extractf64x4_pd

struct __m512 { float f[16]; };
struct __m512i { std::int32_t i[16]; };
struct __m512d { double d[8]; };
using __mmask16 = std::uint16_t;

template <class To, class From>
inline To bits(const From& v) {
  static_assert(sizeof(To) == sizeof(From));
  To t;
  std::memcpy(&t, &v, sizeof t);
  return t;
}
inline bool lane(__mmask16 k, int l) { return (k >> l) & 1u; }

inline __m512 _mm512_setzero_ps() { return {}; }                        // vxorps
inline __m512i _mm512_setzero_si512() { return {}; }                    // vpxord
inline __m512 _mm512_set1_ps(float a) {                                 // vbroadcastss
  __m512 r;
  for (float& x : r.f) x = a;
  return r;
}
inline __m512i _mm512_set1_epi32(int a) {                               // vpbroadcastd
  __m512i r;
  for (auto& x : r.i) x = a;
  return r;
}
inline __m512i _mm512_maskz_set1_epi32(__mmask16 k, int a) {           // vpbroadcastd {z}
  __m512i r;
  for (int l = 0; l < 16; ++l) r.i[l] = lane(k, l) ? a : 0;
  return r;
}
inline __m512 _mm512_loadu_ps(const void* p) {                         // vmovups
  __m512 r;
  std::memcpy(r.f, p, 64);
  return r;
}
inline void _mm512_storeu_ps(void* p, __m512 a) { std::memcpy(p, a.f, 64); }
inline __m512 _mm512_maskz_loadu_ps(__mmask16 k, const void* p) {      // vmovups {z}: masked
  __m512 r;                                                             // lanes not accessed
  for (int l = 0; l < 16; ++l)
    r.f[l] = lane(k, l) ? static_cast<const float*>(p)[l] : 0.0f;
  return r;
}
inline void _mm512_mask_storeu_ps(void* p, __mmask16 k, __m512 a) {    // vmovups {k}
  for (int l = 0; l < 16; ++l)
    if (lane(k, l)) static_cast<float*>(p)[l] = a.f[l];
}
inline __m512 _mm512_fmadd_ps(__m512 a, __m512 b, __m512 c) {          // vfmadd: one rounding
  for (int l = 0; l < 16; ++l) a.f[l] = std::fma(a.f[l], b.f[l], c.f[l]);
  return a;
}
inline __m512 _mm512_add_ps(__m512 a, __m512 b) {                      // vaddps
  for (int l = 0; l < 16; ++l) a.f[l] = a.f[l] + b.f[l];
  return a;
}
inline __m512 _mm512_mul_ps(__m512 a, __m512 b) {                      // vmulps
  for (int l = 0; l < 16; ++l) a.f[l] = a.f[l] * b.f[l];
  return a;
}
inline __m512 _mm512_max_ps(__m512 a, __m512 b) {                      // vmaxps: MAX(a, b) =
  for (int l = 0; l < 16; ++l) a.f[l] = a.f[l] > b.f[l] ? a.f[l] : b.f[l];  // a > b ? a : b
  return a;
}
inline __mmask16 _mm512_cmp_ps_mask(__m512 a, __m512 b, int imm) {     // vcmpps
  if (imm != _CMP_GT_OQ) throw "avx512 model: only _CMP_GT_OQ is modelled";
  __mmask16 k = 0;
  for (int l = 0; l < 16; ++l) k |= static_cast<__mmask16>((a.f[l] > b.f[l]) << l);
  return k;
}
inline __m512 _mm512_maskz_mov_ps(__mmask16 k, __m512 a) {             // vmovaps {z}
  for (int l = 0; l < 16; ++l) a.f[l] = lane(k, l) ? a.f[l] : 0.0f;
  return a;
}
inline __m512i _mm512_cvtepu8_epi32(__m128i a) {                       // vpmovzxbd
  const auto b = bits<std::array<std::uint8_t, 16>>(a);
  __m512i r;
  for (int l = 0; l < 16; ++l) r.i[l] = b[l];
  return r;
}
inline __m128i _mm512_cvtepi32_epi8(__m512i a) {                       // vpmovdb: truncate
  std::array<std::uint8_t, 16> b;
  for (int l = 0; l < 16; ++l) b[l] = static_cast<std::uint8_t>(a.i[l] & 0xFF);
  return bits<__m128i>(b);
}
inline __m512i _mm512_add_epi32(__m512i a, __m512i b) {                // vpaddd (wrapping)
  for (int l = 0; l < 16; ++l)
    a.i[l] = static_cast<std::int32_t>(static_cast<std::uint32_t>(a.i[l]) + static_cast<std::uint32_t>(b.i[l]));
  return a;
}
inline __m512i _mm512_and_si512(__m512i a, __m512i b) {                // vpandd
  for (int l = 0; l < 16; ++l) a.i[l] &= b.i[l];
  return a;
}
inline __m512i _mm512_andnot_si512(__m512i a, __m512i b) {             // vpandnd: ~a & b
  for (int l = 0; l < 16; ++l) a.i[l] = ~a.i[l] & b.i[l];
  return a;
}
inline __m512i _mm512_max_epi32(__m512i a, __m512i b) {                // vpmaxsd (signed)
  for (int l = 0; l < 16; ++l) a.i[l] = a.i[l] > b.i[l] ? a.i[l] : b.i[l];
  return a;
}
inline __mmask16 _mm512_cmpeq_epi32_mask(__m512i a, __m512i b) {       // vpcmpeqd
  __mmask16 k = 0;
  for (int l = 0; l < 16; ++l) k |= static_cast<__mmask16>((a.i[l] == b.i[l]) << l);
  return k;
}
inline __m512 _mm512_permutexvar_ps(__m512i idx, __m512 a) {           // vpermps: dst[l] =
  __m512 r;                                                             // a[idx[l] & 15]
  for (int l = 0; l < 16; ++l) r.f[l] = a.f[idx.i[l] & 15];
  return r;
}
inline __m512i _mm512_castps_si512(__m512 a) { return bits<__m512i>(a); }
inline __m512 _mm512_castpd_ps(__m512d a) { return bits<__m512>(a); }
inline __m512d _mm512_castps_pd(__m512 a) { return bits<__m512d>(a); }
inline __m512 _mm512_castps256_ps512(__m256 a) {                       // upper: undefined
  std::array<unsigned char, 64> b;
  b.fill(0xFF);
  std::memcpy(b.data(), &a, 32);
  return bits<__m512>(b);
}
inline __m512d _mm512_castpd256_pd512(__m256d a) {                     // upper: undefined
  std::array<unsigned char, 64> b;
  b.fill(0xFF);
  std::memcpy(b.data(), &a, 32);
  return bits<__m512d>(b);
}
inline __m256d _mm512_castpd512_pd256(__m512d a) {                     // the low 256 bits
  __m256d r;
  std::memcpy(&r, &a, 32);
  return r;
}
inline __m512d _mm512_insertf64x4(__m512d a, __m256d b, int imm) {     // vinsertf64x4:
  std::memcpy(reinterpret_cast<unsigned char*>(&a) + 32 * (imm & 1), &b, 32);  // half imm[0]
  return a;
}
inline __m256d _mm512_extractf64x4_pd(__m512d a, int imm) {            // vextractf64x4
  __m256d r;
  std::memcpy(&r, reinterpret_cast<const unsigned char*>(&a) + 32 * (imm & 1), 32);
  return r;
}
inline __m512d _mm512_broadcast_f64x4(__m256d a) {                     // vbroadcastf64x4
  __m512d r;
  std::memcpy(&r, &a, 32);
  std::memcpy(reinterpret_cast<unsigned char*>(&r) + 32, &a, 32);
  return r;
}
