// Verdicts over two samples: ratios of times (perf-check), differences of
// means over seeds (convergence checks, claims).  Rules in stats.hpp.
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "core/stats/stats.hpp"
#include "core/stats/validate.hpp"

namespace lrb::stats {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

void check_threshold_alpha(double threshold, double alpha, bool allow_zero_threshold) {
  const bool ok = allow_zero_threshold ? threshold >= 0.0 : threshold > 0.0;
  if (!ok || !std::isfinite(threshold))
    throw std::invalid_argument("threshold must be a finite fraction " +
                                std::string(allow_zero_threshold ? ">= 0" : "> 0") + ", got " +
                                std::to_string(threshold));
  if (!(alpha > 0.0 && alpha < 1.0))
    throw std::invalid_argument("alpha must be in (0, 1), got " + std::to_string(alpha));
}

}  // namespace

const char* to_string(Change c) {
  switch (c) {
    case Change::kIncrease: return "increase";
    case Change::kDecrease: return "decrease";
    case Change::kNone: break;
  }
  return "none";
}

RatioComparison compare_ratio(std::span<const double> baseline, std::span<const double> contender,
                              double threshold, double alpha) {
  check_threshold_alpha(threshold, alpha, false);
  RatioComparison r;
  r.n_baseline = baseline.size();
  r.n_contender = contender.size();
  r.baseline_median = median(baseline);
  r.contender_median = median(contender);
  if (!(r.baseline_median > 0.0) || !(r.contender_median > 0.0))
    throw std::invalid_argument("compare_ratio: medians must be > 0");
  r.median_ratio = r.contender_median / r.baseline_median;
  r.ratio = ratio_estimate(baseline, contender, 1.0 - alpha);
  r.test = mann_whitney_u(baseline, contender);
  r.has_power = mwu_has_power(r.n_baseline, r.n_contender, alpha);
  if (r.test.p < alpha) {
    if (r.median_ratio > 1.0 + threshold) r.change = Change::kIncrease;
    else if (r.median_ratio < 1.0 / (1.0 + threshold)) r.change = Change::kDecrease;
  }
  return r;
}

MeanComparison compare_means(std::span<const double> baseline, std::span<const double> contender,
                             double threshold, double alpha, bool paired) {
  check_threshold_alpha(threshold, alpha, true);
  const double confidence = 1.0 - alpha;
  MeanComparison r;
  r.paired = paired;
  r.baseline = summarize(baseline, confidence);
  r.contender = summarize(contender, confidence);
  r.diff = r.contender.mean - r.baseline.mean;
  const double scale = std::fabs(r.baseline.mean);
  r.relative_change = scale > 0.0 ? r.diff / scale : (r.diff == 0.0 ? 0.0 : std::copysign(kInf, r.diff));
  r.cohens_d = baseline.size() + contender.size() >= 3 ? cohens_d(baseline, contender) : kNaN;

  if (paired) {
    const std::vector<double> d = paired_differences(baseline, contender);
    r.has_power = d.size() >= 2;
    if (r.has_power) {
      const Summary s = summarize(d, confidence);
      r.df = static_cast<double>(d.size() - 1);
      r.ci_low = s.ci_low;
      r.ci_high = s.ci_high;
      const double se = s.sd / std::sqrt(static_cast<double>(d.size()));
      if (se == 0.0) {
        r.ci_low = r.ci_high = r.diff;
        r.p = r.diff == 0.0 ? 1.0 : 0.0;
      } else {
        r.p = std::min(1.0, 2.0 * student_t_sf(std::fabs(s.mean / se), r.df));
      }
    }
  } else {
    r.has_power = baseline.size() >= 2 && contender.size() >= 2;
    if (r.has_power) {
      const WelchResult w = welch_t_test(baseline, contender, confidence);
      r.ci_low = w.ci_low;
      r.ci_high = w.ci_high;
      r.df = w.df;
      r.p = w.p;
    }
  }
  if (!r.has_power) {
    r.ci_low = -kInf;
    r.ci_high = kInf;
    r.p = 1.0;
    r.df = 0.0;
    return r;
  }
  const bool beyond = std::fabs(r.relative_change) > threshold;
  if (r.ci_low > 0.0 && beyond) r.change = Change::kIncrease;
  else if (r.ci_high < 0.0 && beyond) r.change = Change::kDecrease;
  return r;
}

}  // namespace lrb::stats
