// Mann-Whitney U (exact and normal approximation) and the Hodges-Lehmann
// shift with its distribution-free interval.  Formulas in stats.hpp.
#include <algorithm>
#include <bit>
#include <cstdint>
#include <cmath>
#include <limits>
#include <map>
#include <stdexcept>
#include <string>

#include "core/stats/stats.hpp"
#include "core/stats/validate.hpp"

namespace lrb::stats {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
// scipy's 'auto' rule: exact when one sample has at most 8 values and no ties.
constexpr size_t kAutoExactMaxSmallSide = 8;
// Exact null distributions are built in one of two ways (see mwu_null_counts):
// Gaussian-binomial polynomial arithmetic in 128-bit integers while
// C(n1+n2, n1) < 1e36 and n1 n2 <= 1e6 (8 vs 100000 values, or 60 vs 60), else
// the additive recurrence in doubles while n1 n2 <= 10000 (about (n1 n2)^2 / 4
// additions).  Beyond both the normal approximation is the only option.
constexpr double kMaxExactCombinations = 1e36;
constexpr size_t kMaxPolynomialCells = 1000000;
constexpr size_t kMaxRecurrenceCells = 10000;

double log_binomial(size_t n, size_t k) {
  return std::lgamma(double(n) + 1) - std::lgamma(double(k) + 1) - std::lgamma(double(n - k) + 1);
}

bool polynomial_feasible(size_t n1, size_t n2) {
  return n1 * n2 <= kMaxPolynomialCells &&
         log_binomial(n1 + n2, std::min(n1, n2)) < std::log(kMaxExactCombinations);
}

bool exact_feasible(size_t n1, size_t n2) {
  return polynomial_feasible(n1, n2) || n1 * n2 <= kMaxRecurrenceCells;
}

// Doubles in their numeric order as unsigned integers (-0 just below +0), so
// that bisection over the integers visits every double between two values.
uint64_t order_key(double v) {
  const uint64_t bits = std::bit_cast<uint64_t>(v), sign = uint64_t{1} << 63;
  return (bits & sign) != 0 ? ~bits : bits | sign;
}
double from_order_key(uint64_t key) {
  const uint64_t sign = uint64_t{1} << 63;
  return std::bit_cast<double>((key & sign) != 0 ? key & ~sign : ~key);
}

// The k-th smallest (1-based) of the differences ys[j] - xs[i] as computed in
// doubles, for sorted xs and ys, in O((n1 + n2) * 64) time and no extra
// memory: the smallest double t with #{d <= t} >= k, found by bisection over
// order_key.  Counting is one merge-like pass because a rounded difference
// grows with ys[j] and shrinks with xs[i].  Exactly the value sorting every
// difference would give (a -0 result is returned as +0, its equal).
double kth_difference(const std::vector<double>& xs, const std::vector<double>& ys, size_t k) {
  auto count_at_most = [&](double t) {
    size_t count = 0, i = 0;  // xs[i..] are the x with ys[j] - x <= t
    for (const double yj : ys) {
      while (i < xs.size() && !(yj - xs[i] <= t)) ++i;
      count += xs.size() - i;
    }
    return count;
  };
  uint64_t lo = order_key(ys.front() - xs.back()), hi = order_key(ys.back() - xs.front());
  while (lo < hi) {  // invariant: the answer's key is in [lo, hi]
    const uint64_t mid = lo + (hi - lo) / 2;
    if (count_at_most(from_order_key(mid)) >= k) hi = mid;
    else lo = mid + 1;
  }
  const double t = from_order_key(lo);
  return t == 0.0 ? 0.0 : t;
}

struct TieInfo {
  double tie_term = 0;  // sum over tie groups of t^3 - t
  bool ties = false;
};

TieInfo tie_info(std::span<const double> x, std::span<const double> y) {
  std::map<double, size_t> groups;
  for (double v : x) ++groups[v];
  for (double v : y) ++groups[v];
  TieInfo info;
  for (const auto& [value, t] : groups) {
    if (t > 1) {
      info.ties = true;
      const double td = static_cast<double>(t);
      info.tie_term += td * td * td - td;
    }
  }
  return info;
}

// sd of U under H0 with the tie correction.
double u_sd(size_t n1, size_t n2, double tie_term) {
  const double a = static_cast<double>(n1), b = static_cast<double>(n2), n = a + b;
  const double var = a * b / 12.0 * ((n + 1.0) - (n > 1 ? tie_term / (n * (n - 1.0)) : 0.0));
  return std::sqrt(std::max(0.0, var));
}

}  // namespace

std::vector<double> mwu_null_counts(size_t n1, size_t n2) {
  if (!exact_feasible(n1, n2))
    throw std::invalid_argument("mwu_null_counts: sample sizes " + std::to_string(n1) + " and " +
                                std::to_string(n2) + " are beyond the exact-distribution limits");
  const size_t m = std::min(n1, n2), n = std::max(n1, n2);
  if (polynomial_feasible(n1, n2)) {
    // The counts are the coefficients of the Gaussian binomial [m+n choose m]_q
    // (partitions of u into at most m parts, each <= n), built as
    //   [n+i choose i]_q = [n+i-1 choose i-1]_q (1 - q^(n+i)) / (1 - q^i),  i = 1..m.
    // Every value involved is bounded by C(m+n, m) < 1e36 < 2^127: exact.
    std::vector<__int128> c(1, 1);
    for (size_t i = 1; i <= m; ++i) {
      std::vector<__int128> d(c.size() + n + i, 0);
      for (size_t k = 0; k < c.size(); ++k) {
        d[k] += c[k];
        d[k + n + i] -= c[k];
      }
      for (size_t k = i; k < d.size(); ++k) d[k] += d[k - i];  // divide by 1 - q^i
      d.resize(i * n + 1);
      c = std::move(d);
    }
    return std::vector<double>(c.begin(), c.end());
  }
  // f(u; i, j) = f(u - j; i - 1, j) + f(u; i, j - 1): the largest of the i + j
  // values is either an x (above all j y's: adds j to U) or a y (adds 0).
  // Column j = 0 is f(.; i, 0) = [1]; sweep j upward, i upward, in place.
  std::vector<std::vector<double>> f(m + 1, std::vector<double>(1, 1.0));
  for (size_t j = 1; j <= n; ++j) {
    for (size_t i = 1; i <= m; ++i) {
      std::vector<double>& cur = f[i];
      const std::vector<double>& below = f[i - 1];  // already column j
      cur.resize(i * j + 1, 0.0);
      for (size_t u = 0; u < below.size(); ++u) cur[u + j] += below[u];
    }
  }
  return f[m];
}

double mwu_min_p_value(size_t n1, size_t n2) {
  if (n1 == 0 || n2 == 0) return 1.0;
  // C(N, k) by the multiplicative recurrence: after step i it is C(N-k+i, i),
  // an integer, so the result is exact while it stays below 2^53.
  const size_t k = std::min(n1, n2), n = n1 + n2;
  double c = 1.0;
  for (size_t i = 1; i <= k; ++i) c = c * static_cast<double>(n - k + i) / static_cast<double>(i);
  return std::min(1.0, 2.0 / c);
}

bool mwu_has_power(size_t n1, size_t n2, double alpha) { return mwu_min_p_value(n1, n2) < alpha; }

MannWhitneyResult mann_whitney_u(std::span<const double> x, std::span<const double> y,
                                 MwuMethod method, bool continuity) {
  detail::check_sample(x, "mann_whitney_u");
  detail::check_sample(y, "mann_whitney_u");
  const size_t n1 = x.size(), n2 = y.size();
  std::vector<double> xy(x.begin(), x.end());
  xy.insert(xy.end(), y.begin(), y.end());
  const std::vector<double> ranks = average_ranks(xy);
  double r1 = 0.0;
  for (size_t i = 0; i < n1; ++i) r1 += ranks[i];
  const double a = static_cast<double>(n1), b = static_cast<double>(n2);

  MannWhitneyResult r;
  r.u1 = r1 - a * (a + 1.0) / 2.0;
  const double u = std::max(r.u1, a * b - r.u1);
  const TieInfo ti = tie_info(x, y);
  r.ties = ti.ties;

  if (method == MwuMethod::kAuto) {
    const bool small = std::min(n1, n2) <= kAutoExactMaxSmallSide;
    method = (small && !ti.ties && exact_feasible(n1, n2)) ? MwuMethod::kExact
                                                            : MwuMethod::kAsymptotic;
  }
  r.method = method;
  if (method == MwuMethod::kExact) {
    const std::vector<double> counts = mwu_null_counts(n1, n2);
    const size_t k = static_cast<size_t>(std::floor(u));  // scipy: U.astype(int)
    double total = 0.0, tail = 0.0;
    for (size_t i = counts.size(); i-- > 0;) {  // smallest terms first
      total += counts[i];
      if (i >= k) tail += counts[i];
    }
    r.p = std::min(1.0, 2.0 * tail / total);
  } else {
    const double s = u_sd(n1, n2, ti.tie_term);
    if (s == 0.0) {
      r.p = 1.0;  // every value tied: no evidence either way
    } else {
      const double z = (u - a * b / 2.0 - (continuity ? 0.5 : 0.0)) / s;
      r.p = std::clamp(2.0 * normal_sf(z), 0.0, 1.0);
    }
  }
  return r;
}

ShiftEstimate hodges_lehmann(std::span<const double> x, std::span<const double> y,
                             double confidence) {
  detail::check_confidence(confidence);
  detail::check_sample(x, "hodges_lehmann");
  detail::check_sample(y, "hodges_lehmann");
  const size_t n1 = x.size(), n2 = y.size(), mn = n1 * n2;
  std::vector<double> xs(x.begin(), x.end()), ys(y.begin(), y.end());
  std::sort(xs.begin(), xs.end());
  std::sort(ys.begin(), ys.end());
  if ((xs.back() == kInf && ys.back() == kInf) || (xs.front() == -kInf && ys.front() == -kInf))
    throw std::invalid_argument("hodges_lehmann: both samples hold the same infinity; their difference is undefined");
  // The order statistics of the n1 n2 differences, selected without storing
  // them (n1 = n2 = 20,000 would be 3.2 GB).
  auto d = [&](size_t k) { return kth_difference(xs, ys, k + 1); };

  ShiftEstimate r;
  r.estimate = (mn % 2 == 1) ? d(mn / 2) : 0.5 * (d(mn / 2 - 1) + d(mn / 2));

  // k: the largest integer with P(U <= k - 1) <= (1 - c) / 2.
  const double half_alpha = 0.5 * (1.0 - confidence);
  size_t k = 0;
  double below = 0.0;  // P(U <= k - 1) for the chosen k
  if (exact_feasible(n1, n2)) {
    const std::vector<double> counts = mwu_null_counts(n1, n2);
    double total = 0.0;
    for (double c : counts) total += c;
    double cdf = 0.0;  // P(U <= k - 1) as k grows
    while (k < mn / 2 + 1) {
      const double next = cdf + counts[k] / total;  // P(U <= k)
      if (next > half_alpha) break;
      cdf = next;
      ++k;
      below = cdf;
    }
  } else {
    const double s = u_sd(n1, n2, tie_info(x, y).tie_term);
    const double z = normal_quantile(1.0 - half_alpha);
    const double kk = std::floor(double(mn) / 2.0 + 0.5 - z * s);
    if (kk >= 1.0 && s > 0.0) {
      k = static_cast<size_t>(kk);
      below = normal_cdf((double(k) - 0.5 - double(mn) / 2.0) / s);
    }
  }
  if (k == 0) {
    r.ci_low = -kInf;
    r.ci_high = kInf;
    r.confidence = 1.0;
  } else {
    r.ci_low = d(k - 1);
    r.ci_high = d(mn - k);
    r.confidence = 1.0 - 2.0 * below;
  }
  return r;
}

ShiftEstimate ratio_estimate(std::span<const double> x, std::span<const double> y,
                             double confidence) {
  detail::check_sample(x, "ratio_estimate");
  detail::check_sample(y, "ratio_estimate");
  std::vector<double> lx(x.size()), ly(y.size());
  for (size_t i = 0; i < x.size(); ++i) {
    if (!(x[i] > 0.0)) throw std::invalid_argument("ratio_estimate: values must be > 0");
    lx[i] = std::log(x[i]);
  }
  for (size_t i = 0; i < y.size(); ++i) {
    if (!(y[i] > 0.0)) throw std::invalid_argument("ratio_estimate: values must be > 0");
    ly[i] = std::log(y[i]);
  }
  ShiftEstimate r = hodges_lehmann(lx, ly, confidence);
  r.estimate = std::exp(r.estimate);
  r.ci_low = std::exp(r.ci_low);  // exp(-inf) = 0
  r.ci_high = std::exp(r.ci_high);
  return r;
}

}  // namespace lrb::stats
