// Multiple-testing adjustments.  Formulas and the choice of default in
// multiplicity.hpp.
#include "core/stats/multiplicity.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>

namespace lrb::stats {

const char* to_string(Multiplicity m) {
  switch (m) {
    case Multiplicity::kNone: return "none";
    case Multiplicity::kBonferroni: return "bonferroni";
    case Multiplicity::kBenjaminiHochberg: return "bh";
    case Multiplicity::kHolm: break;
  }
  return "holm";
}

Multiplicity parse_multiplicity(std::string_view name) {
  if (name == "none") return Multiplicity::kNone;
  if (name == "bonferroni") return Multiplicity::kBonferroni;
  if (name == "holm") return Multiplicity::kHolm;
  if (name == "bh" || name == "fdr_bh" || name == "benjamini-hochberg")
    return Multiplicity::kBenjaminiHochberg;
  throw std::invalid_argument("unknown multiple-testing procedure '" + std::string(name) +
                              "' (expected holm, bh, bonferroni or none)");
}

std::vector<double> adjust_p_values(std::span<const double> p, Multiplicity method) {
  for (double v : p)
    if (!(v >= 0.0 && v <= 1.0))
      throw std::invalid_argument("adjust_p_values: p-values must be in [0, 1], got " +
                                  std::to_string(v));
  const std::size_t m = p.size();
  std::vector<double> adj(p.begin(), p.end());
  if (m == 0 || method == Multiplicity::kNone) return adj;
  const double md = static_cast<double>(m);
  if (method == Multiplicity::kBonferroni) {
    for (double& v : adj) v = std::min(1.0, md * v);
    return adj;
  }
  std::vector<std::size_t> order(m);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return p[a] < p[b]; });
  if (method == Multiplicity::kHolm) {
    double running = 0.0;
    for (std::size_t i = 0; i < m; ++i) {  // rank i + 1, multiplier m - i
      running = std::max(running, static_cast<double>(m - i) * p[order[i]]);
      adj[order[i]] = std::min(1.0, running);
    }
  } else {  // Benjamini-Hochberg
    double running = 1.0;
    for (std::size_t i = m; i-- > 0;) {  // rank i + 1
      running = std::min(running, md * p[order[i]] / static_cast<double>(i + 1));
      adj[order[i]] = running;
    }
  }
  return adj;
}

double family_confidence(Multiplicity method, std::size_t m, std::size_t rejected, double alpha) {
  if (!(alpha > 0.0 && alpha < 1.0))
    throw std::invalid_argument("family_confidence: alpha must be in (0, 1), got " +
                                std::to_string(alpha));
  if (m == 0) throw std::invalid_argument("family_confidence: the family is empty");
  if (rejected > m)
    throw std::invalid_argument("family_confidence: more rejections than claims");
  const double md = static_cast<double>(m);
  switch (method) {
    case Multiplicity::kNone: return 1.0 - alpha;
    case Multiplicity::kBonferroni:
    case Multiplicity::kHolm: return 1.0 - alpha / md;
    case Multiplicity::kBenjaminiHochberg:
      return 1.0 - static_cast<double>(std::max<std::size_t>(rejected, 1)) * alpha / md;
  }
  return 1.0 - alpha / md;
}

FamilyDecision decide_family(std::span<const double> p, double alpha, Multiplicity method) {
  if (!(alpha > 0.0 && alpha < 1.0))
    throw std::invalid_argument("decide_family: alpha must be in (0, 1), got " +
                                std::to_string(alpha));
  if (p.empty()) throw std::invalid_argument("decide_family: the family is empty");
  FamilyDecision d;
  d.method = method;
  d.alpha = alpha;
  d.adjusted = adjust_p_values(p, method);
  d.reject.resize(p.size());
  for (std::size_t i = 0; i < p.size(); ++i) {
    d.reject[i] = d.adjusted[i] <= alpha;
    if (d.reject[i]) ++d.rejected;
  }
  d.confidence = family_confidence(method, p.size(), d.rejected, alpha);
  return d;
}

}  // namespace lrb::stats
