// Interval verdicts and the diagnosis of inconclusive ones.  Rules in
// verdict.hpp.
#include "core/stats/verdict.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

namespace lrb::stats {

const char* to_string(Verdict v) {
  switch (v) {
    case Verdict::kSupported: return "supported";
    case Verdict::kRefuted: return "refuted";
    case Verdict::kEquivalent: return "equivalent";
    case Verdict::kInconclusive: break;
  }
  return "inconclusive";
}

const char* to_string(InconclusiveKind k) {
  return k == InconclusiveKind::kNoPracticalEffect ? "no effect of practical size"
                                                   : "too few seeds";
}

IntervalVerdict verdict_from_interval(Interval ci, double band) {
  if (std::isnan(ci.low) || std::isnan(ci.high) || ci.low > ci.high)
    throw std::invalid_argument("verdict_from_interval: the interval must be [low, high] with "
                                "low <= high, got [" + std::to_string(ci.low) + ", " +
                                std::to_string(ci.high) + "]");
  if (!(band >= 0.0) || !std::isfinite(band))
    throw std::invalid_argument("verdict_from_interval: band must be finite and >= 0, got " +
                                std::to_string(band));
  IntervalVerdict v;
  if (ci.low > 0.0) {
    v.verdict = Verdict::kSupported;
    v.negligible = band > 0.0 && ci.high < band;
  } else if (ci.high < 0.0) {
    v.verdict = Verdict::kRefuted;
  } else if (band > 0.0 && -band < ci.low && ci.high < band) {
    v.verdict = Verdict::kEquivalent;
  }
  return v;
}

InconclusiveDiagnosis diagnose_inconclusive(const MeanDifference& d, Interval ci, double band,
                                            double alpha, double power, std::size_t max_n) {
  if (!d.paired)
    throw std::invalid_argument("diagnose_inconclusive: needs a paired difference (Welch: use "
                                "welch_t_mde / welch_t_seeds_needed)");
  if (d.n_baseline < 3)
    throw std::invalid_argument("diagnose_inconclusive: needs at least 3 pairs, got " +
                                std::to_string(d.n_baseline));
  if (!(band >= 0.0) || !std::isfinite(band))
    throw std::invalid_argument("diagnose_inconclusive: band must be finite and >= 0, got " +
                                std::to_string(band));
  InconclusiveDiagnosis r;
  const double n = static_cast<double>(d.n_baseline);
  if (d.se == 0.0) {
    r.kind = InconclusiveKind::kNoPracticalEffect;
    r.seeds_for_observed = {2, 1.0, true};
    r.seeds_for_equivalence = band > 0.0 ? SampleSize{2, 1.0, true} : SampleSize{};
    if (band > 0.0 && std::fabs(d.estimate) > band) r.seeds_beyond_band = {2, 1.0, true};
    return r;
  }
  const double s = d.se * std::sqrt(n);
  r.mde = paired_t_mde(s, n, alpha, Sides::kTwoSided, power);
  r.observed_d = d.estimate / s;
  r.corrected_d = hedges_correction(n - 1.0) * r.observed_d;
  r.kind = (-r.mde < ci.low && ci.high < r.mde) ? InconclusiveKind::kNoPracticalEffect
                                                : InconclusiveKind::kTooFewSeeds;
  r.seeds_for_observed =
      paired_t_seeds_needed(r.corrected_d * s, s, alpha, Sides::kTwoSided, power, max_n);
  if (band > 0.0)
    r.seeds_for_equivalence =
        paired_tost_seeds_needed(d.estimate, -band, band, s, alpha / 2.0, power, max_n);
  if (band > 0.0 && std::fabs(d.estimate) > band) {
    const double excess = hedges_correction(n - 1.0) * (std::fabs(d.estimate) - band);
    r.seeds_beyond_band = paired_t_seeds_needed(excess, s, alpha, Sides::kTwoSided, power, max_n);
  }
  return r;
}

}  // namespace lrb::stats
