// Layer kernels: fast vs naive, and gradients vs central finite differences.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <tuple>
#include <vector>

#include "core/isa/isa.hpp"
#include "core/layers/layers.hpp"
#include "datasets/rng.hpp"
#include "tests/isa/kernel_paths.hpp"

using namespace lrb::layers;

namespace {

template <class T>
std::vector<T> random_vec(size_t n, uint64_t seed, double lo = -1, double hi = 1) {
  auto r = lrb::data::make_rng(seed, "test", 0);
  std::vector<T> v(n);
  for (auto& x : v) x = static_cast<T>(lrb::data::uniform(r, lo, hi));
  return v;
}

// max |a - b| / max(1, |b|): stable near zero.
template <class A, class B>
double max_rel_err(const A& a, const B& b) {
  double e = 0;
  for (size_t i = 0; i < a.size(); ++i)
    e = std::max(e, std::fabs(double(a[i]) - double(b[i])) / std::max(1.0, std::fabs(double(b[i]))));
  return e;
}

// Central-difference gradient of scalar f wrt v, in double.
std::vector<double> numeric_grad(std::vector<double>& v, const std::function<double()>& f) {
  std::vector<double> g(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    const double h = 1e-6 * std::max(1.0, std::fabs(v[i])), old = v[i];
    v[i] = old + h;
    const double fp = f();
    v[i] = old - h;
    const double fm = f();
    v[i] = old;
    g[i] = (fp - fm) / (2 * h);
  }
  return g;
}

}  // namespace

// Fast and naive dense kernels run the same fma chains in the same order:
// bit-equal, for shapes that hit every tail (out not a multiple of the
// vector width, batch not a multiple of 4, rows not a multiple of 16).
template <class T>
void check_dense_bits(int B, int in, int out) {
  const DenseDims d{B, in, out};
  auto x = random_vec<T>(size_t(B) * in, 1), W = random_vec<T>(size_t(in) * out, 2),
       b = random_vec<T>(out, 3), dy = random_vec<T>(size_t(B) * out, 4);
  std::vector<T> y(size_t(B) * out), yn(y.size()), dx(size_t(B) * in), dxn(dx.size()),
      dW(W.size(), T(0.5)), dWn(W.size(), T(0.5)), db(out, T(0.25)), dbn(out, T(0.25));
  dense_forward<T>(y, x, W, b, d);
  naive::dense_forward<T>(yn, x, W, b, d);
  EXPECT_EQ(y, yn) << B << "x" << in << "x" << out;
  dense_forward<T>(y, x, W, {}, d);
  naive::dense_forward<T>(yn, x, W, {}, d);
  EXPECT_EQ(y, yn) << "no bias";
  dense_backward<T>(dx, dW, db, dy, x, W, d);
  naive::dense_backward<T>(dxn, dWn, dbn, dy, x, W, d);
  EXPECT_EQ(dx, dxn);
  EXPECT_EQ(dW, dWn);
  EXPECT_EQ(db, dbn);
  // The split form the model uses: dx from W^T, dW by row blocks.
  std::vector<T> WT(W.size()), dx2(dx.size()), dW2(W.size(), T(0.5));
  transpose_rows<T>(WT, W, in, out, 0, in / 2);
  transpose_rows<T>(WT, W, in, out, in / 2, in);
  for (int i = 0; i < in; ++i)
    for (int j = 0; j < out; ++j) ASSERT_EQ(WT[size_t(j) * in + i], W[size_t(i) * out + j]);
  // dense_forward_t sums in 8 (4) interleaved lanes + a tree: not naive's
  // order.  Both are within (terms) * eps * sum|x w| of the exact value, so
  // they differ by at most (in + in / lanes + 4) * eps * (sum|x w| + |b|).
  naive::dense_forward<T>(yn, x, W, b, d);
  dense_forward_t<T>(y, x, WT, b, d);
  const double eps = std::numeric_limits<T>::epsilon() / 2;
  for (int n = 0; n < B; ++n)
    for (int j = 0; j < out; ++j) {
      double mag = std::fabs(double(b[j]));
      for (int i = 0; i < in; ++i) mag += std::fabs(double(x[size_t(n) * in + i]) * W[size_t(i) * out + j]);
      EXPECT_LE(std::fabs(double(y[size_t(n) * out + j]) - yn[size_t(n) * out + j]),
                (in + in / 4 + 4) * eps * mag) << n << "," << j;
    }
  dense_backward_input_t<T>(dx2, dy, WT, d);
  EXPECT_EQ(dx2, dxn);
  if (in <= kSmallMax && out <= kSmallMax) {  // the small-layer kernels: the same bits from W
    std::vector<T> ys(y.size()), dxs(dx.size());
    dense_forward_small<T>(ys, x, W, b, d);
    EXPECT_EQ(0, std::memcmp(ys.data(), y.data(), y.size() * sizeof(T))) << "small forward";
    dense_forward_small<T>(ys, x, W, {}, d);
    dense_forward_t<T>(y, x, WT, {}, d);
    EXPECT_EQ(0, std::memcmp(ys.data(), y.data(), y.size() * sizeof(T))) << "small forward, no bias";
    dense_backward_input_small<T>(dxs, dy, W, d);
    EXPECT_EQ(dxs, dxn) << "small dx";
  }
  for (int i0 = 0; i0 < in; i0 += 7) dense_backward_weight_rows<T>(dW2, dy, x, d, i0, std::min(in, i0 + 7));
  EXPECT_EQ(dW2, dWn);
}

TEST(Dense, FastMatchesNaiveBitForBit) {
  const auto saved = lrb::isa::active();
  for (const auto path : lrb::test::kernel_paths()) {
    lrb::isa::select(path);
    SCOPED_TRACE(lrb::isa::name(path));
    for (auto [B, in, out] : {std::tuple{7, 33, 5}, {8, 5408, 10}, {13, 20, 10}, {3, 10, 1},
                              {5, 17, 19}, {4, 64, 33}, {1, 1, 1}, {9, 300, 21}, {32, 20, 10},
                              {16, 128, 9}, {11, 8, 128}}) {
      check_dense_bits<float>(B, in, out);
      check_dense_bits<double>(B, in, out);
    }
  }
  lrb::isa::select(saved);
}

// The per-block pieces with the ReLU folded in: the values of the row
// kernels followed by relu_forward / relu_backward, for K samples of a block.
template <class T>
void check_small_blocks(int in, int out) {
  constexpr int K = small_block<T>();
  const DenseDims d{K, in, out};
  auto x = random_vec<T>(size_t(K) * in, 41), W = random_vec<T>(size_t(in) * out, 42),
       b = random_vec<T>(out, 43), dy = random_vec<T>(size_t(K) * out, 44),
       act = random_vec<T>(size_t(K) * in, 45);
  act[3] = T(0), act[4] = T(-0.0);  // the ReLU mask at its edge
  std::vector<T> y(size_t(K) * out), dx(size_t(K) * in), xt(x.size()), yt(y.size()), dyt(dy.size()),
      dxt(dx.size()), actt(act.size()), yb(y.size()), dxb(dx.size());
  dense_forward_small<T>(y, x, W, b, d);
  relu_forward<T>(y, y);
  rows_to_block(xt.data(), x.data(), K, in, in);
  dense_forward_block(yt.data(), xt.data(), W.data(), b.data(), in, out, true);
  block_to_rows(yb.data(), yt.data(), K, out, out);
  EXPECT_EQ(0, std::memcmp(y.data(), yb.data(), y.size() * sizeof(T))) << in << "x" << out;
  dense_backward_input_small<T>(dx, dy, W, d);
  relu_backward<T>(dx, dx, act);
  rows_to_block(dyt.data(), dy.data(), K, out, out);
  rows_to_block(actt.data(), act.data(), K, in, in);
  dense_backward_input_block(dxt.data(), dyt.data(), W.data(), in, out, static_cast<const T*>(actt.data()));
  block_to_rows(dxb.data(), dxt.data(), K, in, in);
  EXPECT_EQ(0, std::memcmp(dx.data(), dxb.data(), dx.size() * sizeof(T))) << in << "x" << out;
}

TEST(Dense, SmallBlocksFoldTheReluExactly) {
  for (auto [in, out] : {std::pair{20, 10}, {10, 1}, {3, 17}, {64, 64}}) {
    check_small_blocks<float>(in, out);
    check_small_blocks<double>(in, out);
  }
}

TEST(Dense, GradientMatchesFiniteDifferences) {
  const DenseDims d{3, 4, 2};
  auto x = random_vec<double>(12, 5), W = random_vec<double>(8, 6), b = random_vec<double>(2, 7);
  auto c = random_vec<double>(6, 8);  // f = sum(c * y)
  auto f = [&] {
    std::vector<double> y(6);
    dense_forward<double>(y, x, W, b, d);
    double s = 0;
    for (int i = 0; i < 6; ++i) s += c[i] * y[i];
    return s;
  };
  std::vector<double> dx(12), dW(8, 0), db(2, 0);
  dense_backward<double>(dx, dW, db, c, x, W, d);
  EXPECT_LT(max_rel_err(dx, numeric_grad(x, f)), 1e-7);
  EXPECT_LT(max_rel_err(dW, numeric_grad(W, f)), 1e-7);
  EXPECT_LT(max_rel_err(db, numeric_grad(b, f)), 1e-7);
}

TEST(Conv2d, GradientMatchesFiniteDifferencesWithStrideAndPadding) {
  const Conv2dDims d{2, 6, 5, 2, 3, 3, 2, 2, 1};
  const size_t ny = 2 * d.out_h() * d.out_w() * 3;
  auto x = random_vec<double>(2 * 6 * 5 * 2, 9), W = random_vec<double>(3 * 2 * 2 * 3, 10),
       b = random_vec<double>(3, 11), c = random_vec<double>(ny, 12);
  auto f = [&] {
    std::vector<double> y(ny);
    conv2d_forward<double>(y, x, W, b, d);
    double s = 0;
    for (size_t i = 0; i < ny; ++i) s += c[i] * y[i];
    return s;
  };
  std::vector<double> dx(x.size()), dW(W.size(), 0), db(3, 0);
  conv2d_backward<double>(dx, dW, db, c, x, W, d);
  EXPECT_LT(max_rel_err(dx, numeric_grad(x, f)), 1e-7);
  EXPECT_LT(max_rel_err(dW, numeric_grad(W, f)), 1e-7);
  EXPECT_LT(max_rel_err(db, numeric_grad(b, f)), 1e-7);
}

TEST(Conv2d, FastMatchesNaiveBitForBit) {
  for (const Conv2dDims d : {Conv2dDims{2, 6, 5, 2, 3, 3, 2, 2, 1}, Conv2dDims{3, 28, 28, 1, 32, 3, 3, 1, 0},
                             Conv2dDims{1, 9, 7, 3, 17, 2, 3, 1, 2}}) {
    const size_t nx = size_t(d.batch) * d.in_h * d.in_w * d.in_c, nw = size_t(d.k_h) * d.k_w * d.in_c * d.out_c,
                 ny = size_t(d.batch) * d.out_h() * d.out_w() * d.out_c;
    auto x = random_vec<float>(nx, 41), W = random_vec<float>(nw, 42), b = random_vec<float>(d.out_c, 43),
         dy = random_vec<float>(ny, 44);
    std::vector<float> y(ny), yn(ny), dx(nx), dxn(nx), dW(nw, 0.5f), dWn(nw, 0.5f), db(d.out_c, 1.f),
        dbn(d.out_c, 1.f);
    conv2d_forward<float>(y, x, W, b, d);
    naive::conv2d_forward<float>(yn, x, W, b, d);
    EXPECT_EQ(y, yn);
    conv2d_backward<float>(dx, dW, db, dy, x, W, d);
    naive::conv2d_backward<float>(dxn, dWn, dbn, dy, x, W, d);
    EXPECT_EQ(dx, dxn);
    EXPECT_EQ(dW, dWn);
    EXPECT_EQ(db, dbn);
  }
}

TEST(ReluPoolLosses, FastMatchesNaiveBitForBit) {
  auto x = random_vec<float>(2 * 6 * 4 * 3, 51), dy = random_vec<float>(x.size(), 52);
  std::vector<float> y(x.size()), yn(x.size()), dx(x.size()), dxn(x.size());
  relu_forward<float>(y, x);
  naive::relu_forward<float>(yn, x);
  EXPECT_EQ(y, yn);
  relu_backward<float>(dx, dy, y);
  naive::relu_backward<float>(dxn, dy, yn);
  EXPECT_EQ(dx, dxn);
  const PoolDims pd{2, 6, 4, 3};
  std::vector<float> p(2 * 3 * 2 * 3), pn(p.size()), dp = random_vec<float>(p.size(), 53);
  std::vector<uint8_t> a(p.size()), an(p.size());
  maxpool2x2_forward<float>(p, a, x, pd);
  naive::maxpool2x2_forward<float>(pn, an, x, pd);
  EXPECT_EQ(p, pn);
  EXPECT_EQ(a, an);
  maxpool2x2_backward<float>(dx, dp, a, pd);
  naive::maxpool2x2_backward<float>(dxn, dp, an, pd);
  EXPECT_EQ(dx, dxn);
  auto z = random_vec<float>(4 * 10, 54, -3, 3), t = random_vec<float>(40, 55);
  std::vector<int32_t> labels = {3, 0, 9, 5};
  std::vector<float> pr(40), prn(40), dz(40), dzn(40);
  int64_t c1 = 0, c2 = 0;
  EXPECT_EQ(softmax_cross_entropy_forward<float>(pr, z, labels, 4, 10, &c1),
            naive::softmax_cross_entropy_forward<float>(prn, z, labels, 4, 10, &c2));
  EXPECT_EQ(pr, prn);
  EXPECT_EQ(c1, c2);
  softmax_cross_entropy_backward<float>(dz, pr, labels, 4, 10, 0.25f);
  naive::softmax_cross_entropy_backward<float>(dzn, prn, labels, 4, 10, 0.25f);
  EXPECT_EQ(dz, dzn);
  EXPECT_EQ(mse_forward<float>(z, t, 4, 10), naive::mse_forward<float>(z, t, 4, 10));
  mse_backward<float>(dz, z, t, 4, 10, 0.25f);
  naive::mse_backward<float>(dzn, z, t, 4, 10, 0.25f);
  EXPECT_EQ(dz, dzn);
}

TEST(Relu, GradientMatchesFiniteDifferences) {
  auto x = random_vec<double>(40, 61);
  for (auto& v : x) v = v < 0 ? v - 0.1 : v + 0.1;  // |x| >= 0.1: away from the kink
  auto c = random_vec<double>(40, 62);
  auto f = [&] {
    std::vector<double> y(40);
    relu_forward<double>(y, x);
    double s = 0;
    for (size_t i = 0; i < 40; ++i) s += c[i] * y[i];
    return s;
  };
  std::vector<double> y(40), dx(40);
  relu_forward<double>(y, x);
  relu_backward<double>(dx, c, y);
  EXPECT_LT(max_rel_err(dx, numeric_grad(x, f)), 1e-7);
}

TEST(MaxPool, GradientMatchesFiniteDifferences) {
  const PoolDims d{2, 4, 6, 3};
  // Distinct values 0.01 apart (a shuffled ramp): no ties within h.
  std::vector<double> x(2 * 4 * 6 * 3);
  for (size_t i = 0; i < x.size(); ++i) x[i] = 0.01 * double((i * 37) % x.size());
  auto c = random_vec<double>(2 * 2 * 3 * 3, 63);
  std::vector<uint8_t> arg(c.size());
  auto f = [&] {
    std::vector<double> y(c.size());
    maxpool2x2_forward<double>(y, arg, x, d);
    double s = 0;
    for (size_t i = 0; i < y.size(); ++i) s += c[i] * y[i];
    return s;
  };
  std::vector<double> y(c.size()), dx(x.size());
  maxpool2x2_forward<double>(y, arg, x, d);
  maxpool2x2_backward<double>(dx, c, arg, d);
  EXPECT_LT(max_rel_err(dx, numeric_grad(x, f)), 1e-7);
}

TEST(MaxPool, RoutesGradientToTheFirstMaximum) {
  const PoolDims d{1, 2, 4, 1};
  std::vector<float> x = {1, 3, 5, 5, 2, 0, 5, 4}, y(2), dx(8);
  std::vector<uint8_t> arg(2);
  maxpool2x2_forward<float>(y, arg, x, d);
  EXPECT_EQ(y, (std::vector<float>{3, 5}));
  EXPECT_EQ(arg, (std::vector<uint8_t>{1, 0}));  // ties: first position wins
  std::vector<float> dy = {10, 20};
  maxpool2x2_backward<float>(dx, dy, arg, d);
  EXPECT_EQ(dx, (std::vector<float>{0, 10, 20, 0, 0, 0, 0, 0}));
}

// The fused cnn001 block equals conv2d -> relu -> maxpool composed from the
// general kernels, bit for bit (same sum order), forward and backward.
template <class T>
void check_fused(int channels) {
  const int B = 3, H = 28, W = 28;
  const ConvPoolDims d{B, H, W, channels};
  const Conv2dDims cd{B, H, W, 1, channels, 3, 3, 1, 0};
  const PoolDims pd{B, cd.out_h(), cd.out_w(), channels};
  auto x = random_vec<T>(B * H * W, 13, 0, 1), K = random_vec<T>(9 * channels, 14, -0.5, 0.5),
       bias = random_vec<T>(channels, 15, -0.1, 0.1);
  const size_t nconv = size_t(B) * cd.out_h() * cd.out_w() * channels;
  const size_t npool = size_t(B) * d.pool_h() * d.pool_w() * channels;
  std::vector<T> conv(nconv), relu(nconv), pooled_ref(npool), pooled(npool);
  std::vector<uint8_t> arg_ref(npool), arg(npool);
  conv2d_forward<T>(conv, x, K, bias, cd);
  relu_forward<T>(relu, conv);
  maxpool2x2_forward<T>(pooled_ref, arg_ref, relu, pd);
  conv3x3_relu_pool_forward<T>(pooled, arg, x, K, bias, d);
  EXPECT_EQ(pooled, pooled_ref);
  EXPECT_EQ(arg, arg_ref);

  auto dpooled = random_vec<T>(npool, 16);
  std::vector<T> drelu(nconv), dconv(nconv), dK_ref(K.size(), 0), db_ref(channels, 0),
      dK(K.size(), 0), db(channels, 0);
  maxpool2x2_backward<T>(drelu, dpooled, arg_ref, pd);
  relu_backward<T>(dconv, drelu, relu);
  conv2d_backward<T>({}, dK_ref, db_ref, dconv, x, K, cd);
  conv3x3_relu_pool_backward<T>(dK, db, dpooled, pooled, arg, x, d);
  // Both sum the same terms in a different order (the reference walks conv
  // positions, the fused kernel pooled cells): ~|26*26*3| terms in float.
  const double tol = std::is_same_v<T, float> ? 2e-5 : 1e-12;
  EXPECT_LT(max_rel_err(dK, dK_ref), tol);
  EXPECT_LT(max_rel_err(db, db_ref), tol);
}

// Fast fused block vs its naive reference: bit-equal forward and backward.
template <class T>
void check_fused_vs_naive(int channels, int B) {
  const ConvPoolDims d{B, 28, 28, channels};
  const size_t npool = size_t(B) * d.pool_h() * d.pool_w() * channels;
  auto x = random_vec<T>(size_t(B) * 784, 21, 0, 1), K = random_vec<T>(9 * channels, 22, -0.5, 0.5),
       bias = random_vec<T>(channels, 23, -0.1, 0.1), dp = random_vec<T>(npool, 24);
  if (channels >= 3) {  // +-0 outputs (zero taps, bias -0, negative x), a NaN tap, +inf bias
    for (size_t i = 100; i < 300; i += 3) x[i] = -x[i];
    for (int t = 0; t < 9; ++t) K[size_t(t) * channels] = T(0);
    bias[0] = T(-0.0);
    K[size_t(4) * channels + 1] = std::numeric_limits<T>::quiet_NaN();
    bias[2] = std::numeric_limits<T>::infinity();
  }
  std::vector<T> p(npool), pn(npool), dK(K.size(), T(0.125)), dKn(K.size(), T(0.125)),
      db(channels, T(0.5)), dbn(channels, T(0.5));
  std::vector<uint8_t> a(npool), an(npool);
  conv3x3_relu_pool_forward<T>(p, a, x, K, bias, d);
  naive::conv3x3_relu_pool_forward<T>(pn, an, x, K, bias, d);
  EXPECT_EQ(0, std::memcmp(p.data(), pn.data(), p.size() * sizeof(T)));  // bits: -0 vs +0
  EXPECT_EQ(a, an);
  conv3x3_relu_pool_backward<T>(dK, db, dp, p, a, x, d);
  naive::conv3x3_relu_pool_backward<T>(dKn, dbn, dp, pn, an, x, d);
  // Same terms in the same order: bit-equal (NaN taps do not reach dK).
  EXPECT_EQ(0, std::memcmp(dK.data(), dKn.data(), dK.size() * sizeof(T)));
  EXPECT_EQ(0, std::memcmp(db.data(), dbn.data(), db.size() * sizeof(T)));
}
TEST(ConvReluPool, FastMatchesNaiveBitForBit) {
  const auto saved = lrb::isa::active();
  for (const auto path : lrb::test::kernel_paths()) {
    lrb::isa::select(path);
    SCOPED_TRACE(lrb::isa::name(path));
    check_fused_vs_naive<float>(32, 3);
    check_fused_vs_naive<float>(5, 2);
    check_fused_vs_naive<double>(32, 2);
  }
  lrb::isa::select(saved);
}

TEST(ConvReluPool, GradientMatchesFiniteDifferences) {
  // Double, 6 channels, one sample: the fused block is piecewise linear in
  // (W, b); the check holds while no conv output crosses 0 and no window's
  // maximum changes, so h is tiny and the loss is a smooth sum c * pooled.
  const int C = 6;
  const ConvPoolDims d{1, 12, 10, C};
  const size_t np = size_t(d.pool_h()) * d.pool_w() * C;
  auto x = random_vec<double>(120, 31, 0, 1), K = random_vec<double>(9 * C, 32, -0.5, 0.5),
       bias = random_vec<double>(C, 33, -0.2, 0.4), c = random_vec<double>(np, 34);
  std::vector<uint8_t> arg(np);
  auto f = [&] {
    std::vector<double> p(np);
    conv3x3_relu_pool_forward<double>(p, arg, x, K, bias, d);
    double s = 0;
    for (size_t i = 0; i < np; ++i) s += c[i] * p[i];
    return s;
  };
  std::vector<double> p(np), dK(K.size(), 0), db(C, 0);
  conv3x3_relu_pool_forward<double>(p, arg, x, K, bias, d);
  conv3x3_relu_pool_backward<double>(dK, db, c, p, arg, x, d);
  EXPECT_LT(max_rel_err(dK, numeric_grad(K, f)), 1e-7);
  EXPECT_LT(max_rel_err(db, numeric_grad(bias, f)), 1e-7);
}

TEST(ConvReluPool, FusedMatchesComposedFloat32Channels) { check_fused<float>(32); }
TEST(ConvReluPool, FusedMatchesComposedFloatOddChannels) { check_fused<float>(5); }
TEST(ConvReluPool, FusedMatchesComposedDouble) { check_fused<double>(32); }

TEST(SoftmaxCrossEntropy, StableAndCorrectGradient) {
  const int B = 4, K = 5;
  auto z = random_vec<double>(B * K, 17, -3, 3);
  z[0] = 800;  // exp(800) overflows: log-sum-exp must not
  std::vector<int32_t> labels = {0, 4, 2, 1};
  std::vector<double> p(B * K), dz(B * K);
  int64_t correct = 0;
  const double loss = softmax_cross_entropy_forward<double>(p, z, labels, B, K, &correct);
  EXPECT_TRUE(std::isfinite(loss));
  softmax_cross_entropy_backward<double>(dz, p, labels, B, K, 1.0 / B);
  auto f = [&] {
    std::vector<double> q(B * K);
    return softmax_cross_entropy_forward<double>(q, z, labels, B, K, nullptr) / B;
  };
  EXPECT_LT(max_rel_err(dz, numeric_grad(z, f)), 1e-6);
  EXPECT_GE(correct, 1);  // sample 0: logit 800 on its label
}

TEST(Mse, GradientMatchesFiniteDifferences) {
  auto y = random_vec<double>(6, 18), t = random_vec<double>(6, 19);
  std::vector<double> dy(6);
  mse_backward<double>(dy, y, t, 3, 2, 1.0 / 3);
  auto f = [&] { return mse_forward<double>(y, t, 3, 2) / 3; };
  EXPECT_LT(max_rel_err(dy, numeric_grad(y, f)), 1e-7);
}

// ---- today's bits, pinned --------------------------------------------------
// FNV-1a 64 of every output of the kernels the models run, on fixed inputs,
// as produced by the kernels when these values were recorded.  Every speedup
// and every ISA path must reproduce them: suite records are cached by
// content address, so a kernel change that moved a single bit would silently
// make cached and fresh results disagree.  (If the numerics are changed on
// purpose, bump the records' numerics version and update these values.)
// Only IEEE basic operations are involved (no libm), so the values hold on
// any x86-64-v3 machine and compiler that honours -ffp-contract=off.
namespace {

uint64_t fnv1a(const void* p, size_t n, uint64_t h = 1469598103934665603ull) {
  const auto* b = static_cast<const unsigned char*>(p);
  for (size_t i = 0; i < n; ++i) h = (h ^ b[i]) * 1099511628211ull;
  return h;
}
template <class V>
uint64_t fnv1a(const V& v, uint64_t h = 1469598103934665603ull) {
  return fnv1a(v.data(), v.size() * sizeof(v[0]), h);
}
template <class T>
std::vector<T> fingerprint_vec(size_t n, uint64_t seed, double lo, double hi) {
  auto r = lrb::data::make_rng(seed, "fingerprint", 0);
  std::vector<T> v(n);
  for (auto& x : v) x = static_cast<T>(lrb::data::uniform(r, lo, hi));
  return v;
}

// The fused conv block, forward then backward, B samples of 28x28, 32 channels.
template <class T>
uint64_t conv_block_fingerprint(int B) {
  const ConvPoolDims d{B, 28, 28, 32};
  auto x = fingerprint_vec<T>(size_t(B) * 784, 1, 0, 1), W = fingerprint_vec<T>(288, 2, -0.5, 0.5),
       b = fingerprint_vec<T>(32, 3, -0.1, 0.1), dp = fingerprint_vec<T>(size_t(B) * 5408, 4, -1, 1);
  std::vector<T> pooled(size_t(B) * 5408), dW(288, T(0.125)), db(32, T(-0.25));
  std::vector<uint8_t> arg(size_t(B) * 5408);
  conv3x3_relu_pool_forward<T>(pooled, arg, x, W, b, d);
  conv3x3_relu_pool_backward<T>(dW, db, dp, pooled, arg, x, d);
  return fnv1a(db, fnv1a(dW, fnv1a(arg, fnv1a(pooled))));
}

// The dense pieces in the model's split form: W^T, forward from W^T, input
// gradient from W^T, weight gradient by rows, bias gradient.
template <class T>
uint64_t dense_fingerprint(int B, int in, int out) {
  const DenseDims d{B, in, out};
  auto x = fingerprint_vec<T>(size_t(B) * in, 5, -1, 1), W = fingerprint_vec<T>(size_t(in) * out, 6, -1, 1),
       b = fingerprint_vec<T>(out, 7, -1, 1), dy = fingerprint_vec<T>(size_t(B) * out, 8, -1, 1);
  std::vector<T> WT(W.size()), y(size_t(B) * out), dx(size_t(B) * in), dW(W.size(), T(0.5)),
      db(out, T(0.25));
  transpose_rows<T>(WT, W, in, out, 0, in);
  dense_forward_t<T>(y, x, WT, b, d);
  dense_backward_input_t<T>(dx, dy, WT, d);
  dense_backward_weight_rows<T>(dW, dy, x, d, 0, in);
  dense_backward_bias<T>(db, dy, d);
  return fnv1a(db, fnv1a(dW, fnv1a(dx, fnv1a(y, fnv1a(WT)))));
}

}  // namespace

TEST(Fingerprint, KernelsReproduceTheRecordedBits) {
  const auto saved = lrb::isa::active();
  for (const auto path : lrb::test::kernel_paths()) {
  lrb::isa::select(path);
  SCOPED_TRACE(lrb::isa::name(path));
  EXPECT_EQ(conv_block_fingerprint<float>(13), 0xeb7ab6652603ab3bull);
  EXPECT_EQ(conv_block_fingerprint<double>(5), 0x872f9356942b7770ull);
  struct Case {
    int B, in, out;
    uint64_t f32, f64;
  };
  for (const Case& c : {Case{13, 5408, 10, 0xe75ef5365f106c19ull, 0x90a3596062ec8a11ull},
                        Case{29, 100, 40, 0x84f26a7a3b772265ull, 0x726a912b3d87c1e3ull},
                        Case{7, 20, 10, 0xc976f630a96a6584ull, 0x45e9b16f50f22fe3ull},
                        Case{7, 10, 1, 0xcdf89839523409daull, 0x5a086de1c5a239abull},
                        Case{33, 10, 10, 0x0c0c386f77daea35ull, 0x2e5a47825b1541fcull},
                        Case{5, 37, 23, 0xf75d3cfc14d4a47bull, 0x5a447b84a168cc31ull}}) {
    EXPECT_EQ(dense_fingerprint<float>(c.B, c.in, c.out), c.f32) << c.B << "x" << c.in << "x" << c.out;
    EXPECT_EQ(dense_fingerprint<double>(c.B, c.in, c.out), c.f64) << c.B << "x" << c.in << "x" << c.out;
  }
  }
  lrb::isa::select(saved);
}
