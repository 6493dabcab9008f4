#pragma once
// Multiple testing over a family of claims: adjusted p-values, rejections,
// and the confidence level the family's intervals should use.
//
// With the m p-values sorted p_(1) <= ... <= p_(m) (ties keep input order;
// tied p-values get equal adjusted values whatever their order):
//   Bonferroni          p~_(i) = min(1, m p_(i))
//   Holm (1979)         p~_(i) = min(1, max_{j <= i} (m - j + 1) p_(j))
//                       step-down: reject H_(1), H_(2), ... while
//                       p_(i) <= alpha / (m - i + 1); the first failure stops.
//   Benjamini-Hochberg  p~_(i) = min(1, min_{j >= i} m p_(j) / j)
//   (1995)              step-up: reject H_(1..k), k = max{i: p_(i) <= i alpha / m}.
// A hypothesis is rejected iff its adjusted p <= alpha.  These are
// statsmodels.stats.multitest.multipletests(p, alpha, method='bonferroni' /
// 'holm' / 'fdr_bh') term for term (its default method is 'hs', Holm-Sidak:
// always name the method).
//
// What each controls.  Bonferroni and Holm: the family-wise error rate
// P(any false rejection) <= alpha under ANY dependence between the tests.
// BH: the false discovery rate E[false rejections / rejections] <= alpha under
// independence or positive regression dependence (PRDS; Benjamini & Yekutieli
// 2001, Annals of Statistics 29(4)); under arbitrary dependence only with the
// sum_{i<=m} 1/i penalty (Benjamini-Yekutieli), which is not offered here.
//
// The default for lrbench is Holm, because a suite's claims are a
// confirmatory family, not a screen:
//   * each claim is a separate published statement ("Adam beats SGD on ...")
//     that a reader takes on its own; one wrong "supported" among 10 true ones
//     is a wrong statement in the README, not an acceptable share of a
//     discovery list -- that is the family-wise error Holm bounds and FDR
//     does not;
//   * the claims of a suite share runs (the same baseline arm appears in
//     several claims) and some are two-sided t tests, so their dependence is
//     neither independence nor provably PRDS: Holm's guarantee holds
//     regardless, BH's does not;
//   * families are small (3 to 12 claims), where Holm loses little: its
//     smallest p-value is compared with alpha / m, every later one with a
//     larger level, and it uniformly dominates Bonferroni.
// BH stays selectable for exploratory studies with many arms, where a bounded
// share of false leads is the right currency.
//
// Intervals.  Holm has no simple interval that agrees with its rejections
// (compatible simultaneous bounds, Strassburger & Bretz 2008, Statistics in
// Medicine 27(24), give a rejected claim only its sign unless all are
// rejected).  family_confidence() therefore returns:
//   none                1 - alpha
//   Bonferroni, Holm    1 - alpha / m   (Bonferroni intervals: joint coverage
//                       >= 1 - alpha under any dependence; a Holm-supported
//                       claim's Bonferroni interval may still touch 0, which
//                       the report should say rather than hide)
//   BH                  1 - R alpha / m for the R selected claims (false
//                       coverage-rate intervals, Benjamini & Yekutieli 2005,
//                       JASA 100(469)); 1 - alpha / m when R = 0.
// Šidák's 1 - (1 - alpha)^(1/m) is exact only for independent tests; claims
// sharing runs are not, so it is not used.
#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

namespace lrb::stats {

enum class Multiplicity { kNone, kBonferroni, kHolm, kBenjaminiHochberg };
inline constexpr Multiplicity kDefaultMultiplicity = Multiplicity::kHolm;

// "none", "bonferroni", "holm", "bh".
const char* to_string(Multiplicity m);
// Accepts the names above plus "fdr_bh" and "benjamini-hochberg"; anything
// else throws std::invalid_argument listing the accepted names.
Multiplicity parse_multiplicity(std::string_view name);

// Adjusted p-values in input order.  Every p must be in [0, 1].
std::vector<double> adjust_p_values(std::span<const double> p, Multiplicity method);

struct FamilyDecision {
  Multiplicity method = kDefaultMultiplicity;
  double alpha = 0.05;
  std::vector<double> adjusted;  // input order
  std::vector<bool> reject;      // adjusted <= alpha
  std::size_t rejected = 0;
  double confidence = 0.95;      // family_confidence(method, m, rejected, alpha)
};
FamilyDecision decide_family(std::span<const double> p, double alpha,
                             Multiplicity method = kDefaultMultiplicity);

// The confidence level for the family's intervals (see above); m >= 1.
double family_confidence(Multiplicity method, std::size_t m, std::size_t rejected, double alpha);

}  // namespace lrb::stats
