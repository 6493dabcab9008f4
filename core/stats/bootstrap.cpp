// Percentile bootstrap with derived, per-replicate engines.  Rules in
// bootstrap.hpp.
#include "core/stats/bootstrap.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "core/stats/validate.hpp"
#include "datasets/rng.hpp"

namespace lrb::stats {
namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();
}  // namespace

const char* to_string(Statistic s) { return s == Statistic::kMedian ? "median" : "mean"; }

double statistic_of(std::span<const double> x, Statistic s) {
  detail::check_sample(x, "statistic_of");
  for (double v : x)
    if (v == -kInf) throw std::invalid_argument("statistic_of: -inf in the sample");
  if (s == Statistic::kMean) {
    double sum = 0.0;
    for (double v : x) {
      if (std::isinf(v)) return kInf;
      sum += v;
    }
    return sum / static_cast<double>(x.size());
  }
  std::vector<double> v(x.begin(), x.end());
  std::sort(v.begin(), v.end());
  const double h = 0.5 * static_cast<double>(v.size() - 1);
  const std::size_t lo = static_cast<std::size_t>(std::floor(h));
  const double frac = h - static_cast<double>(lo);
  if (frac == 0.0) return v[lo];
  if (std::isinf(v[lo + 1])) return kInf;
  return v[lo] + frac * (v[lo + 1] - v[lo]);
}

double percentile_sorted(std::span<const double> sorted, double p) {
  if (sorted.empty()) throw std::invalid_argument("percentile_sorted: empty sample");
  if (!(p >= 0.0 && p <= 1.0))
    throw std::invalid_argument("percentile_sorted: p must be in [0, 1], got " + std::to_string(p));
  const double b = static_cast<double>(sorted.size());
  // ceil(p B) with a guard against p B landing a rounding error above an
  // integer (0.025 * 2000 = 50.000000000000007 must give 50).
  double j = std::ceil(p * b - 1e-9);
  j = std::clamp(j, 1.0, b);
  return sorted[static_cast<std::size_t>(j) - 1];
}

void draw_indices(std::span<std::uint32_t> out, std::uint32_t n, std::uint64_t seed,
                  std::string_view stream, std::uint64_t replicate) {
  if (n == 0) throw std::invalid_argument("draw_indices: nothing to draw from");
  data::Rng rng = data::make_rng(seed, stream, replicate);
  for (std::uint32_t& i : out) i = static_cast<std::uint32_t>(data::uniform_below(rng, n));
}

Interval bootstrap_ci(std::span<const double> x, Statistic s, double confidence,
                      std::size_t replicates, std::uint64_t seed) {
  detail::check_sample(x, "bootstrap_ci");
  detail::check_confidence(confidence);
  if (replicates < 100)
    throw std::invalid_argument("bootstrap_ci: at least 100 replicates, got " +
                                std::to_string(replicates));
  std::vector<double> stats(replicates), sample(x.size());
  std::vector<std::uint32_t> idx(x.size());
  for (std::size_t b = 0; b < replicates; ++b) {
    draw_indices(idx, static_cast<std::uint32_t>(x.size()), seed, "bootstrap_ci", b);
    for (std::size_t i = 0; i < idx.size(); ++i) sample[i] = x[idx[i]];
    stats[b] = statistic_of(sample, s);
  }
  std::sort(stats.begin(), stats.end());
  return {percentile_sorted(stats, 0.5 * (1.0 - confidence)),
          percentile_sorted(stats, 0.5 * (1.0 + confidence))};
}

}  // namespace lrb::stats
