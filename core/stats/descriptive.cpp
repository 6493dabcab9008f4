// Descriptive statistics, Student-t intervals, Welch's t, Cohen's d.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string>

#include "core/stats/stats.hpp"
#include "core/stats/validate.hpp"

namespace lrb::stats {
namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();
}  // namespace

double mean(std::span<const double> x) {
  detail::check_sample(x, "mean");
  // Fixed left-to-right order: the same sample gives the same bits.
  double s = 0.0;
  for (double v : x) s += v;
  return s / static_cast<double>(x.size());
}

double variance(std::span<const double> x) {
  detail::check_sample(x, "variance");
  if (x.size() < 2) return kNaN;
  const double m = mean(x);
  double ss = 0.0;
  for (double v : x) ss += (v - m) * (v - m);
  return ss / static_cast<double>(x.size() - 1);
}

double sd(std::span<const double> x) { return std::sqrt(variance(x)); }

double quantile(std::span<const double> x, double p) {
  detail::check_sample(x, "quantile");
  if (!(p >= 0.0 && p <= 1.0))
    throw std::invalid_argument("quantile: p must be in [0, 1], got " + std::to_string(p));
  std::vector<double> s(x.begin(), x.end());
  std::sort(s.begin(), s.end());
  const double h = static_cast<double>(s.size() - 1) * p;
  const size_t lo = static_cast<size_t>(std::floor(h));
  if (lo + 1 >= s.size()) return s.back();
  return s[lo] + (h - static_cast<double>(lo)) * (s[lo + 1] - s[lo]);
}

double median(std::span<const double> x) { return quantile(x, 0.5); }

double skewness(std::span<const double> x) {
  detail::check_sample(x, "skewness");
  if (x.size() < 3)
    throw std::invalid_argument("skewness: needs at least 3 values, got " + std::to_string(x.size()));
  const double n = static_cast<double>(x.size()), m = mean(x);
  double m2 = 0.0, m3 = 0.0;
  for (double v : x) {
    const double d = v - m;
    m2 += d * d;
    m3 += d * d * d;
  }
  m2 /= n;
  m3 /= n;
  if (m2 == 0.0) return std::numeric_limits<double>::quiet_NaN();
  return std::sqrt(n * (n - 1.0)) / (n - 2.0) * m3 / std::pow(m2, 1.5);
}

std::vector<double> average_ranks(std::span<const double> x) {
  detail::check_sample(x, "average_ranks");
  std::vector<size_t> order(x.size());
  std::iota(order.begin(), order.end(), size_t(0));
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return x[a] < x[b]; });
  std::vector<double> ranks(x.size());
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    while (j + 1 < order.size() && x[order[j + 1]] == x[order[i]]) ++j;
    const double r = 0.5 * static_cast<double>(i + j) + 1.0;  // mean of ranks i+1..j+1
    for (size_t k = i; k <= j; ++k) ranks[order[k]] = r;
    i = j + 1;
  }
  return ranks;
}

Interval mean_ci(std::span<const double> x, double confidence) {
  detail::check_confidence(confidence);
  detail::check_sample(x, "mean_ci");
  const double m = mean(x);
  if (x.size() < 2) return {-kInf, kInf};
  const double n = static_cast<double>(x.size());
  const double half = student_t_quantile(0.5 * (1.0 + confidence), n - 1.0) * sd(x) / std::sqrt(n);
  return {m - half, m + half};
}

Summary summarize(std::span<const double> x, double confidence) {
  detail::check_confidence(confidence);
  detail::check_sample(x, "summarize");
  Summary s;
  s.n = x.size();
  s.mean = mean(x);
  s.sd = sd(x);
  s.median = median(x);
  const Interval ci = mean_ci(x, confidence);
  s.ci_low = ci.low;
  s.ci_high = ci.high;
  s.confidence = confidence;
  return s;
}

std::vector<double> paired_differences(std::span<const double> x, std::span<const double> y) {
  if (x.size() != y.size())
    throw std::invalid_argument("paired_differences: the samples differ in length (" +
                                std::to_string(x.size()) + " vs " + std::to_string(y.size()) + ")");
  detail::check_sample(x, "paired_differences");
  detail::check_sample(y, "paired_differences");
  std::vector<double> d(x.size());
  for (size_t i = 0; i < x.size(); ++i) d[i] = y[i] - x[i];
  return d;
}

double cohens_d(std::span<const double> x, std::span<const double> y) {
  detail::check_sample(x, "cohens_d");
  detail::check_sample(y, "cohens_d");
  const double n1 = static_cast<double>(x.size()), n2 = static_cast<double>(y.size());
  if (n1 + n2 < 3) throw std::invalid_argument("cohens_d: needs at least 3 values in all");
  const double v1 = x.size() > 1 ? variance(x) : 0.0, v2 = y.size() > 1 ? variance(y) : 0.0;
  const double pooled = std::sqrt(((n1 - 1) * v1 + (n2 - 1) * v2) / (n1 + n2 - 2));
  const double diff = mean(y) - mean(x);
  if (pooled == 0.0) return diff == 0.0 ? kNaN : std::copysign(kInf, diff);
  return diff / pooled;
}

MeanDifference paired_mean_difference(std::span<const double> differences) {
  detail::check_sample(differences, "paired_mean_difference");
  if (differences.size() < 2)
    throw std::invalid_argument("paired_mean_difference: needs at least 2 pairs, got " +
                                std::to_string(differences.size()));
  const double n = static_cast<double>(differences.size());
  MeanDifference r;
  r.estimate = mean(differences);
  r.se = sd(differences) / std::sqrt(n);
  r.df = n - 1.0;
  r.n_baseline = r.n_contender = differences.size();
  r.paired = true;
  return r;
}

MeanDifference paired_mean_difference(std::span<const double> baseline,
                                      std::span<const double> contender) {
  return paired_mean_difference(paired_differences(baseline, contender));
}

MeanDifference welch_mean_difference(std::span<const double> x, std::span<const double> y) {
  detail::check_sample(x, "welch_mean_difference");
  detail::check_sample(y, "welch_mean_difference");
  if (x.size() < 2 || y.size() < 2)
    throw std::invalid_argument("welch_mean_difference: needs at least 2 values per sample, got " +
                                std::to_string(x.size()) + " and " + std::to_string(y.size()));
  const double n1 = static_cast<double>(x.size()), n2 = static_cast<double>(y.size());
  const double a = variance(x) / n1, b = variance(y) / n2;
  MeanDifference r;
  r.estimate = mean(y) - mean(x);
  r.se = std::sqrt(a + b);
  r.n_baseline = x.size();
  r.n_contender = y.size();
  // Welch-Satterthwaite; a zero variance term drops out naturally.
  r.df = r.se == 0.0 ? n1 + n2 - 2 : (a + b) * (a + b) / (a * a / (n1 - 1) + b * b / (n2 - 1));
  return r;
}

WelchResult welch_t_test(std::span<const double> x, std::span<const double> y,
                         double confidence) {
  detail::check_confidence(confidence);
  const MeanDifference d = welch_mean_difference(x, y);
  WelchResult r;
  r.diff = d.estimate;
  r.df = d.df;
  if (d.se == 0.0) {
    r.ci_low = r.ci_high = r.diff;
    r.t = r.diff == 0.0 ? 0.0 : std::copysign(kInf, r.diff);
    r.p = r.diff == 0.0 ? 1.0 : 0.0;
    return r;
  }
  r.t = r.diff / d.se;
  r.p = std::min(1.0, 2.0 * student_t_sf(std::fabs(r.t), r.df));
  const double half = student_t_quantile(0.5 * (1.0 + confidence), r.df) * d.se;
  r.ci_low = r.diff - half;
  r.ci_high = r.diff + half;
  return r;
}

}  // namespace lrb::stats
