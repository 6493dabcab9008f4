#pragma once
// Seeds, one engine, and the uniform/normal transforms datasets/ uses.
//
// The C++ standard fixes engines but not distributions (std::normal_distribution
// gives different numbers under libstdc++, libc++ and MSVC), so the transforms
// are written out here.  Every number below is plain IEEE-754 double
// arithmetic (+ - * / sqrt, all correctly rounded; the project builds with
// -ffp-contract=off and no fast-math), and log() is our own det_log(), so a
// given seed gives the same bits on every platform and libm.
//
// Seed derivation (STYLE.md 9: derive seeds, never share a generator):
//
//   mix(z)        = z ^= z >> 30; z *= 0xbf58476d1ce4e5b9;
//                   z ^= z >> 27; z *= 0x94d049bb133111eb; z ^= z >> 31
//   splitmix64(x) = mix(x + 0x9e3779b97f4a7c15)        (all mod 2^64)
//   fnv1a64(name) = h = 0xcbf29ce484222325;
//                   for each byte c of name: h ^= c; h *= 0x100000001b3
//   derive_seed(base, name, index) =
//       splitmix64( splitmix64( splitmix64(base) ^ fnv1a64(name) ) ^ index )
//
// e.g. derive_seed(seed, "shuffle", epoch), derive_seed(seed, "noisy-linear/x", 0).
// core/nn/rng.hpp has a similar function; the lead will unify the two.
//
// Engine: SplitMix64 (Steele, Lea, Flood 2014), state s, period 2^64:
//   next() = s += 0x9e3779b97f4a7c15; return mix(s)
//
// Transforms:
//   uniform01(r)      = (next() >> 11) * 2^-53                  in [0, 1), 53 bits
//   uniform(r, a, b)  = a + (b - a) * uniform01(r)              in [a, b)
//   uniform_below(r,n): Lemire's nearly divisionless method (ACM TOMS 2019):
//       m = next() * n (128-bit); l = low 64 bits of m;
//       if l < n: t = (2^64 - n) mod n; while l < t: redraw
//       return high 64 bits of m                                 exactly uniform in [0, n)
//   normal(r): Marsaglia polar method, one value per accepted pair:
//       do u = 2*uniform01 - 1, v = 2*uniform01 - 1, s = u*u + v*v
//       while s >= 1 or s == 0
//       return u * sqrt(-2 * det_log(s) / s)                     N(0, 1)
//     (v's twin value is discarded so normal() carries no hidden state.)
//   det_log(x), x > 0 finite: x = m * 2^e with m in [sqrt(1/2), sqrt(2)) (frexp,
//       exact); s = (m-1)/(m+1); log m = 2 s sum_{k=0..11} s^(2k)/(2k+1)
//       (|s| <= 0.1716, so the series is below 2^-53 after 11 terms);
//       log x = e * ln2_hi + (log m + e * ln2_lo)   (fdlibm's split of ln 2).
//       Within a few ulp of the true log; what matters is that it is the same
//       everywhere.
//   det_exp(x), |x| <= 700: k = nearest integer to x / ln 2; r = (x - k*ln2_hi) - k*ln2_lo
//       (|r| <= 0.35); exp r = sum_{j=0..17} r^j / j! (Horner); exp x = ldexp(exp r, k).
//   det_pow(a, p), a > 0: det_exp(p * det_log(a)).
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string_view>

namespace lrb::data {

inline constexpr std::uint64_t kGolden64 = 0x9e3779b97f4a7c15ULL;

constexpr std::uint64_t mix64(std::uint64_t z) {
  z ^= z >> 30;
  z *= 0xbf58476d1ce4e5b9ULL;
  z ^= z >> 27;
  z *= 0x94d049bb133111ebULL;
  z ^= z >> 31;
  return z;
}

constexpr std::uint64_t splitmix64(std::uint64_t x) { return mix64(x + kGolden64); }

constexpr std::uint64_t fnv1a64(std::string_view name) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (char c : name) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

constexpr std::uint64_t derive_seed(std::uint64_t base, std::string_view name,
                                    std::uint64_t index) {
  return splitmix64(splitmix64(splitmix64(base) ^ fnv1a64(name)) ^ index);
}

// The engine: one 64-bit word of state, copyable, no globals.
struct Rng {
  std::uint64_t state = 0;
  std::uint64_t next() {
    state += kGolden64;
    return mix64(state);
  }
};

inline Rng make_rng(std::uint64_t base, std::string_view name, std::uint64_t index) {
  return Rng{derive_seed(base, name, index)};
}

inline double uniform01(Rng& r) {
  return static_cast<double>(r.next() >> 11) * 0x1.0p-53;
}

inline double uniform(Rng& r, double a, double b) { return a + (b - a) * uniform01(r); }

// Exactly uniform integer in [0, n); n must be >= 1.
inline std::uint64_t uniform_below(Rng& r, std::uint64_t n) {
  if (n == 0) throw std::invalid_argument("uniform_below: n must be >= 1, got 0");
  unsigned __int128 m = static_cast<unsigned __int128>(r.next()) * n;
  auto l = static_cast<std::uint64_t>(m);
  if (l < n) {
    const std::uint64_t t = (0 - n) % n;
    while (l < t) {
      m = static_cast<unsigned __int128>(r.next()) * n;
      l = static_cast<std::uint64_t>(m);
    }
  }
  return static_cast<std::uint64_t>(m >> 64);
}

// Natural log for finite x > 0 without libm transcendentals (see above).
inline double det_log(double x) {
  int e = 0;
  double m = std::frexp(x, &e);  // x = m * 2^e, m in [0.5, 1)
  if (m < 0.70710678118654752440) {
    m *= 2.0;
    e -= 1;
  }
  const double s = (m - 1.0) / (m + 1.0);
  const double s2 = s * s;
  double p = 1.0 / 23.0;
  for (int k = 10; k >= 0; --k) p = 1.0 / (2 * k + 1) + s2 * p;
  const double log_m = 2.0 * s * p;
  constexpr double ln2_hi = 6.93147180369123816490e-01;
  constexpr double ln2_lo = 1.90821492927058770002e-10;
  const double de = static_cast<double>(e);
  return de * ln2_hi + (log_m + de * ln2_lo);
}

// exp for |x| <= 700 without libm transcendentals (see above).
inline double det_exp(double x) {
  if (!(x >= -700.0 && x <= 700.0))
    throw std::invalid_argument("det_exp: argument must be in [-700, 700]");
  constexpr double ln2_hi = 6.93147180369123816490e-01;
  constexpr double ln2_lo = 1.90821492927058770002e-10;
  constexpr double inv_ln2 = 1.44269504088896338700e+00;
  const double kd = std::nearbyint(x * inv_ln2);
  const double r = (x - kd * ln2_hi) - kd * ln2_lo;
  double p = 1.0;
  for (int j = 17; j >= 1; --j) p = 1.0 + r * p / j;
  return std::ldexp(p, static_cast<int>(kd));
}

inline double det_pow(double a, double p) { return det_exp(p * det_log(a)); }

inline double normal(Rng& r) {
  double u = 0, v = 0, s = 0;
  do {
    u = 2.0 * uniform01(r) - 1.0;
    v = 2.0 * uniform01(r) - 1.0;
    s = u * u + v * v;
  } while (s >= 1.0 || s == 0.0);
  return u * std::sqrt(-2.0 * det_log(s) / s);
}

inline double normal(Rng& r, double mean, double stddev) { return mean + stddev * normal(r); }

}  // namespace lrb::data
