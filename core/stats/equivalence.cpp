// TOST equivalence tests.  Formulas in equivalence.hpp.
#include "core/stats/equivalence.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace lrb::stats {

TostResult tost(const MeanDifference& d, double lower, double upper, double alpha) {
  if (!std::isfinite(lower) || !std::isfinite(upper) || !(lower < upper))
    throw std::invalid_argument("tost: the band must be finite with lower < upper, got (" +
                                std::to_string(lower) + ", " + std::to_string(upper) + ")");
  if (!(alpha > 0.0 && alpha < 0.5))
    throw std::invalid_argument("tost: alpha must be in (0, 0.5), got " + std::to_string(alpha));
  if (!(d.se >= 0.0) || !(d.df > 0.0) || !std::isfinite(d.estimate))
    throw std::invalid_argument("tost: needs a finite estimate, se >= 0 and df > 0");
  TostResult r;
  r.estimate = d.estimate;
  r.se = d.se;
  r.df = d.df;
  r.lower = lower;
  r.upper = upper;
  r.alpha = alpha;
  if (d.se == 0.0) {
    constexpr double kInf = std::numeric_limits<double>::infinity();
    r.t_lower = d.estimate > lower ? kInf : (d.estimate < lower ? -kInf : 0.0);
    r.t_upper = d.estimate < upper ? -kInf : (d.estimate > upper ? kInf : 0.0);
    r.p_lower = d.estimate > lower ? 0.0 : 1.0;
    r.p_upper = d.estimate < upper ? 0.0 : 1.0;
    r.interval = {d.estimate, d.estimate};
  } else {
    r.t_lower = (d.estimate - lower) / d.se;
    r.t_upper = (d.estimate - upper) / d.se;
    r.p_lower = student_t_sf(r.t_lower, d.df);
    r.p_upper = student_t_cdf(r.t_upper, d.df);
    const double half = student_t_isf(alpha, d.df) * d.se;
    r.interval = {d.estimate - half, d.estimate + half};
  }
  r.p = std::max(r.p_lower, r.p_upper);
  r.equivalent = r.p <= alpha;
  return r;
}

TostResult tost_paired(std::span<const double> baseline, std::span<const double> contender,
                       double lower, double upper, double alpha) {
  return tost(paired_mean_difference(baseline, contender), lower, upper, alpha);
}

TostResult tost_welch(std::span<const double> baseline, std::span<const double> contender,
                      double lower, double upper, double alpha) {
  return tost(welch_mean_difference(baseline, contender), lower, upper, alpha);
}

}  // namespace lrb::stats
