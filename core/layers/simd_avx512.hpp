// F16: AVX-512F, 16 float lanes -- the body of one struct, included by
// simd.hpp inside lrb::layers::simd (only where __AVX512F__) and by
// tests/layers/test_simd_avx512.cpp inside a namespace that provides a
// software model of each intrinsic below, so its mapping is checked bit for
// bit on machines without AVX-512.  No includes and no namespace here on
// purpose: the includer provides both (F8 and keep_zmm included).
//
// Each operation is the 512-bit form of F8's (simd.hpp documents them);
// masks are __mmask16 bit masks, the natural form.
struct F16 {
  using T = float;
  using R = __m512;
  using M = __mmask16;
  using I = __m512i;
  using Tab = __m512;  // the 8 entries in lanes 0..7 (indices stay < 8)
  static constexpr int W = 16, kGroup = 8, G = 2;
  static constexpr int kRegs = 32;

  static R zero() { return _mm512_setzero_ps(); }
  static R set1(float v) { return _mm512_set1_ps(v); }
  static R bcast(const float* p) { return _mm512_set1_ps(*p); }
  static R load(const float* p) { return _mm512_loadu_ps(p); }
  static void store(float* p, R v) { _mm512_storeu_ps(p, v); }
  static M first(int k) { return static_cast<M>(k >= 16 ? 0xFFFFu : (1u << k) - 1u); }
  static R loadm(const float* p, M m) { return _mm512_maskz_loadu_ps(m, p); }
  static void storem(float* p, M m, R v) { _mm512_mask_storeu_ps(p, m, v); }
  static R fma(R a, R b, R c) { return _mm512_fmadd_ps(a, b, c); }
  static R add(R a, R b) { return _mm512_add_ps(a, b); }
  static R mul(R a, R b) { return _mm512_mul_ps(a, b); }
  static R max(R a, R b) { return _mm512_max_ps(a, b); }
  static M gt(R a, R b) { return _mm512_cmp_ps_mask(a, b, _CMP_GT_OQ); }
  static R zero_unless(M m, R a) { return _mm512_maskz_mov_ps(m, a); }
  static void keep(R& r) { keep_zmm(r); }

  static I load_u8(const std::uint8_t* p) {
    return _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  }
  static void store_u8(std::uint8_t* p, I v) {  // lanes hold 0..255: truncation is exact
    _mm_storeu_si128(reinterpret_cast<__m128i*>(p), _mm512_cvtepi32_epi8(v));
  }
  static I iset1(int v) { return _mm512_set1_epi32(v); }
  static I izero() { return _mm512_setzero_si512(); }
  static I iadd(I a, I b) { return _mm512_add_epi32(a, b); }
  static I iand(I a, I b) { return _mm512_and_si512(a, b); }
  static I iandnot(I a, I b) { return _mm512_andnot_si512(a, b); }
  static I imax(I a, I b) { return _mm512_max_epi32(a, b); }
  static I ieq(I a, I b) {  // AVX-512F has no vpmovm2d: set the compared lanes to -1
    return _mm512_maskz_set1_epi32(_mm512_cmpeq_epi32_mask(a, b), -1);
  }
  static I same_bits(R a, R b) { return ieq(_mm512_castps_si512(a), _mm512_castps_si512(b)); }

  static Tab tab2x4(const float* r0, const float* r1) {
    return _mm512_castps256_ps512(F8::tab2x4(r0, r1));
  }
  static R lookup(Tab t, I i) { return _mm512_permutexvar_ps(i, t); }

  static R load_groups(const float* p, std::size_t s) {
    return _mm512_castpd_ps(_mm512_insertf64x4(_mm512_castpd256_pd512(_mm256_castps_pd(F8::load(p))),
                                               _mm256_castps_pd(F8::load(p + s)), 1));
  }
  static R loadm_groups(const float* p, std::size_t s, int k) {
    const __m256 m = F8::first(k);
    return _mm512_castpd_ps(
        _mm512_insertf64x4(_mm512_castpd256_pd512(_mm256_castps_pd(F8::loadm(p, m))),
                           _mm256_castps_pd(F8::loadm(p + s, m)), 1));
  }
  static R load_group_bcast(const float* p) {
    return _mm512_castpd_ps(_mm512_broadcast_f64x4(_mm256_castps_pd(F8::load(p))));
  }
  static R loadm_group_bcast(const float* p, int k) {
    return _mm512_castpd_ps(_mm512_broadcast_f64x4(_mm256_castps_pd(F8::loadm(p, F8::first(k)))));
  }
  static float hsum_group(R v, int g) {
    const __m256d h = g == 0 ? _mm512_castpd512_pd256(_mm512_castps_pd(v))
                             : _mm512_extractf64x4_pd(_mm512_castps_pd(v), 1);
    return F8::hsum8(_mm256_castpd_ps(h));
  }
};
