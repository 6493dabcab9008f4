#pragma once
// Equivalence by two one-sided tests (TOST; Schuirmann 1987, J.
// Pharmacokinetics and Biopharmaceutics 15(6)), paired or Welch.
//
// Is the true difference mu (contender - baseline) inside the band
// (lower, upper)?  H0: mu <= lower or mu >= upper;  H1: lower < mu < upper.
// With the estimate, its standard error se and df (stats.hpp MeanDifference):
//   t_lower = (estimate - lower) / se,   p_lower = P(T_df >= t_lower)   (H0: mu <= lower)
//   t_upper = (estimate - upper) / se,   p_upper = P(T_df <= t_upper)   (H0: mu >= upper)
//   p = max(p_lower, p_upper);  equivalent  iff  p <= alpha
// which is the same as the (1 - 2 alpha) two-sided interval
//   estimate +- t_{1-alpha, df} se
// lying inside [lower, upper] ("reject when p <= alpha", as statsmodels and
// multiplicity.hpp do).  It is an intersection-union test, so
// its size is alpha, not 2 alpha (Berger & Hsu 1996, Statistical Science
// 11(4)): a 90 % interval gives a 5 % test.  The margins need not be
// symmetric.  This is statsmodels.stats.weightstats.ttost_paired(contender,
// baseline, lower, upper) and ttost_ind(contender, baseline, lower, upper,
// usevar='unequal') term for term (statsmodels' x1 - x2 is our contender -
// baseline).  se = 0 (identical runs): t = +-inf, p = 0 when lower <
// estimate < upper, else 1.
//
// Claims that check "A beats B" with a 95 % interval and call it "practically
// equivalent" when that interval lies inside (-band, band) are doing TOST at
// alpha = 0.025 per side; verdict.hpp spells the whole table out.
#include <span>

#include "core/stats/stats.hpp"

namespace lrb::stats {

struct TostResult {
  double estimate = 0, se = 0, df = 0;
  double lower = 0, upper = 0;        // the band
  double t_lower = 0, p_lower = 1;    // H0: mu <= lower
  double t_upper = 0, p_upper = 1;    // H0: mu >= upper
  double p = 1;                       // max(p_lower, p_upper)
  double alpha = 0.05;
  Interval interval;                  // the (1 - 2 alpha) interval
  bool equivalent = false;            // p <= alpha
};

TostResult tost(const MeanDifference& d, double lower, double upper, double alpha = 0.05);
TostResult tost_paired(std::span<const double> baseline, std::span<const double> contender,
                       double lower, double upper, double alpha = 0.05);
TostResult tost_welch(std::span<const double> baseline, std::span<const double> contender,
                      double lower, double upper, double alpha = 0.05);

}  // namespace lrb::stats
