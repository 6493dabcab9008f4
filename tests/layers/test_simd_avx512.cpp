// F16 (core/layers/simd_avx512.hpp, the AVX-512 mapping of the kernels'
// vector operations) compiled against a software model of the intrinsics it
// calls (avx512_model.hpp), so that on any machine the kernels of
// kernels.hpp run through F16's exact code and are compared bit for bit
// with the AVX2 kernels.  Together with the emulated 16-lane path (F16e,
// same kernel source, tests/models) this covers everything of the avx512
// path except the instructions themselves; where the CPU has AVX-512,
// tests/models also runs the real one.
#include <gtest/gtest.h>
#include <immintrin.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "core/layers/kernels.hpp"
#include "datasets/rng.hpp"

namespace model512 {
#include "tests/layers/avx512_model.hpp"
inline void keep_zmm(__m512&) {}
using F8 = lrb::layers::simd::F8;
#include "core/layers/simd_avx512.hpp"
}  // namespace model512

namespace {

using lrb::layers::Kernels;
using lrb::layers::make_kernels;

std::vector<float> random_floats(size_t n, uint64_t seed, double lo, double hi) {
  auto r = lrb::data::make_rng(seed, "avx512-model", 0);
  std::vector<float> v(n);
  for (auto& x : v) x = static_cast<float>(lrb::data::uniform(r, lo, hi));
  return v;
}

const Kernels<float> kF8 = make_kernels<lrb::layers::simd::F8>();
const Kernels<float> kF16 = make_kernels<model512::F16>();

}  // namespace

TEST(Avx512Mapping, ConvBlockMatchesAvx2BitForBit) {
  for (int B : {1, 3}) {
    auto x = random_floats(size_t(B) * 784, 1, 0, 1), W = random_floats(288, 2, -0.5, 0.5),
         b = random_floats(32, 3, -0.1, 0.1), dp = random_floats(size_t(B) * 5408, 4, -1, 1);
    x[5] = -0.0f;  // an exact zero and a tie in a window: first maximum wins
    x[30] = x[31] = 0.75f;
    for (size_t i = 100; i < 300; i += 3) x[i] = -x[i];  // negative inputs
    // Channel 0 all-zero taps and bias -0: outputs +-0 (which zero wins is
    // operand order); channel 1 a NaN tap; channel 2 bias +inf.
    for (int t = 0; t < 9; ++t) W[t * 32] = 0.0f;
    b[0] = -0.0f;
    W[4 * 32 + 1] = std::nanf("");
    b[2] = INFINITY;
    std::vector<float> p8(size_t(B) * 5408), p16(p8.size()), dW8(288, 0.125f), dW16(dW8),
        db8(32, -0.25f), db16(db8);
    std::vector<uint8_t> a8(p8.size()), a16(p8.size());
    kF8.convpool_forward(p8.data(), a8.data(), x.data(), W.data(), b.data(), B, 28, 28);
    kF16.convpool_forward(p16.data(), a16.data(), x.data(), W.data(), b.data(), B, 28, 28);
    EXPECT_EQ(0, std::memcmp(p8.data(), p16.data(), p8.size() * 4)) << B;
    EXPECT_EQ(a8, a16) << B;
    kF8.convpool_backward(dW8.data(), db8.data(), dp.data(), p8.data(), a8.data(), x.data(), B, 28, 28);
    kF16.convpool_backward(dW16.data(), db16.data(), dp.data(), p8.data(), a8.data(), x.data(), B, 28, 28);
    EXPECT_EQ(0, std::memcmp(dW8.data(), dW16.data(), dW8.size() * 4)) << B;
    EXPECT_EQ(0, std::memcmp(db8.data(), db16.data(), db8.size() * 4)) << B;
  }
}

TEST(Avx512Mapping, DenseKernelsMatchAvx2BitForBit) {
  struct Shape {
    int B, in, out;
  };
  for (const Shape s : {Shape{8, 5408, 10}, Shape{13, 300, 10}, Shape{7, 20, 10}, Shape{5, 10, 1},
                        Shape{9, 37, 23}, Shape{4, 17, 33}, Shape{1, 1, 1}}) {
    auto x = random_floats(size_t(s.B) * s.in, 5, -1, 1), WT = random_floats(size_t(s.in) * s.out, 6, -1, 1),
         b = random_floats(s.out, 7, -1, 1), dy = random_floats(size_t(s.B) * s.out, 8, -1, 1);
    std::vector<float> y8(size_t(s.B) * s.out), y16(y8.size()), dx8(size_t(s.B) * s.in),
        dx16(dx8.size()), dW8(WT.size(), 0.5f), dW16(dW8);
    kF8.dense_forward_t(y8.data(), x.data(), WT.data(), b.data(), s.B, s.in, s.out);
    kF16.dense_forward_t(y16.data(), x.data(), WT.data(), b.data(), s.B, s.in, s.out);
    EXPECT_EQ(0, std::memcmp(y8.data(), y16.data(), y8.size() * 4)) << s.B << "x" << s.in << "x" << s.out;
    kF8.dense_forward_t(y8.data(), x.data(), WT.data(), nullptr, s.B, s.in, s.out);
    kF16.dense_forward_t(y16.data(), x.data(), WT.data(), nullptr, s.B, s.in, s.out);
    EXPECT_EQ(0, std::memcmp(y8.data(), y16.data(), y8.size() * 4)) << "no bias";
    kF8.dense_backward_input_t(dx8.data(), dy.data(), WT.data(), s.B, s.in, s.out);
    kF16.dense_backward_input_t(dx16.data(), dy.data(), WT.data(), s.B, s.in, s.out);
    EXPECT_EQ(0, std::memcmp(dx8.data(), dx16.data(), dx8.size() * 4)) << s.B << "x" << s.in << "x" << s.out;
    for (int i0 = 0; i0 < s.in; i0 += 29) {
      const int i1 = std::min(s.in, i0 + 29);
      kF8.dense_backward_weight_rows(dW8.data(), dy.data(), x.data(), s.B, s.in, s.out, i0, i1);
      kF16.dense_backward_weight_rows(dW16.data(), dy.data(), x.data(), s.B, s.in, s.out, i0, i1);
    }
    EXPECT_EQ(0, std::memcmp(dW8.data(), dW16.data(), dW8.size() * 4)) << s.B << "x" << s.in << "x" << s.out;
  }
}
