// datasets/rng.hpp: the documented algorithm pinned by values computed with an
// independent Python implementation of the same formulas (IEEE doubles, so the
// bits must match on every platform).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "datasets/rng.hpp"

namespace lrb::data {
namespace {

TEST(Rng, SeedDerivationIsPinned) {
  EXPECT_EQ(fnv1a64("shuffle"), 0x477c62bf680bf6aeULL);
  EXPECT_EQ(derive_seed(42, "shuffle", 0), 0xe7ab744732422c2aULL);
  EXPECT_EQ(derive_seed(42, "shuffle", 1), 0x2a0ba67c50d7fb71ULL);
  EXPECT_EQ(derive_seed(0, "", 0), 0xa6bbc8dcbe30928cULL);
  static_assert(derive_seed(1, "a", 0) != derive_seed(1, "b", 0));
  static_assert(derive_seed(1, "a", 0) != derive_seed(2, "a", 0));
  static_assert(derive_seed(1, "a", 0) != derive_seed(1, "a", 1));
}

TEST(Rng, TransformsArePinnedToTheBit) {
  Rng r = make_rng(42, "test", 7);
  EXPECT_EQ(r.next(), 6115598216394373551ULL);
  EXPECT_EQ(r.next(), 17252163395438503599ULL);
  r = make_rng(42, "test", 7);
  EXPECT_EQ(uniform01(r), 0x1.537be0b434cbep-2);
  EXPECT_EQ(uniform01(r), 0x1.ded7fe679037cp-1);
  EXPECT_EQ(uniform01(r), 0x1.d0159c225b312p-2);
  r = make_rng(42, "test", 7);
  EXPECT_EQ(normal(r), -0x1.841b4a698f849p-3);
  EXPECT_EQ(normal(r), -0x1.d75ab87e0678dp-6);
  EXPECT_EQ(normal(r), -0x1.d5a291e6adabfp-1);
}

TEST(Rng, DeterministicLogAndExpMatchLibmClosely) {
  for (double x : {1e-300, 1e-20, 0.001, 0.3, 0.5, 0.70710678, 0.9999999, 1.0, 1.0000001, 2.0,
                   3.14159, 1e10, 1e300}) {
    EXPECT_NEAR(det_log(x), std::log(x), 4e-16 * std::max(1.0, std::fabs(std::log(x)))) << x;
  }
  EXPECT_EQ(det_log(1.0), 0.0);
  for (double x : {-700.0, -20.0, -1.0, -1e-10, 0.0, 0.5, 1.0, 2.302585, 50.0, 700.0})
    EXPECT_NEAR(det_exp(x) / std::exp(x), 1.0, 8e-16) << x;
  EXPECT_NEAR(det_pow(100.0, -0.5), 0.1, 1e-16);
  EXPECT_THROW(det_exp(800.0), std::invalid_argument);
}

TEST(Rng, UniformBelowIsInRangeAndUnbiased) {
  Rng r{1};
  // n = 3: 2^64 mod 3 != 0, so a plain modulo would be biased (negligibly here,
  // but the rejection path must run and stay in range).
  std::size_t count[3] = {0, 0, 0};
  for (int i = 0; i < 300000; ++i) ++count[uniform_below(r, 3)];
  for (auto c : count) EXPECT_NEAR(static_cast<double>(c), 100000.0, 1500.0);  // ~5 sigma
  // A bound near 2^63 + 1 rejects about half the draws: results stay below it.
  const std::uint64_t big = (std::uint64_t{1} << 63) + 1;
  std::size_t upper = 0;
  for (int i = 0; i < 10000; ++i) {
    const std::uint64_t v = uniform_below(r, big);
    ASSERT_LT(v, big);
    upper += v >= big / 2;
  }
  EXPECT_NEAR(static_cast<double>(upper), 5000.0, 300.0);
  EXPECT_EQ(uniform_below(r, 1), 0u);
  EXPECT_THROW(uniform_below(r, 0), std::invalid_argument);
}

TEST(Rng, NormalHasUnitMomentsAndUniformIsHalfOpen) {
  Rng r{2024};
  const int n = 200000;
  double s = 0, s2 = 0;
  for (int i = 0; i < n; ++i) {
    const double z = normal(r);
    s += z;
    s2 += z * z;
  }
  EXPECT_NEAR(s / n, 0.0, 0.01);        // sd of the mean: 1/sqrt(n) = 0.0022
  EXPECT_NEAR(s2 / n, 1.0, 0.015);      // sd of the variance: sqrt(2/n) = 0.0032
  for (int i = 0; i < 100000; ++i) {
    const double u = uniform(r, -2.0, 3.0);
    ASSERT_GE(u, -2.0);
    ASSERT_LT(u, 3.0);
  }
}

}  // namespace
}  // namespace lrb::data
