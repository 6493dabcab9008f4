// Layer kernels: fast vs naive, and gradients vs central finite differences.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <vector>

#include "core/layers/layers.hpp"
#include "datasets/rng.hpp"

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

TEST(Dense, FastMatchesNaive) {
  const DenseDims d{7, 33, 5};
  auto x = random_vec<float>(7 * 33, 1), W = random_vec<float>(33 * 5, 2), b = random_vec<float>(5, 3);
  auto dy = random_vec<float>(7 * 5, 4);
  std::vector<float> y(35), yn(35), dx(7 * 33), dxn(7 * 33), dW(33 * 5, 0.5f), dWn(33 * 5, 0.5f),
      db(5, 0.25f), dbn(5, 0.25f);
  dense_forward<float>(y, x, W, b, d);
  naive::dense_forward<float>(yn, x, W, b, d);
  dense_backward<float>(dx, dW, db, dy, x, W, d);
  naive::dense_backward<float>(dxn, dWn, dbn, dy, x, W, d);
  // Eigen's GEMM blocks the sums differently: 33-term float sums, |terms| <= 1.
  EXPECT_LT(max_rel_err(y, yn), 1e-5);
  EXPECT_LT(max_rel_err(dx, dxn), 1e-5);
  EXPECT_LT(max_rel_err(dW, dWn), 1e-5);
  EXPECT_EQ(db, dbn);  // same order: bit-equal
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
