// Group-sequential boundaries (Lan-DeMets spending, recursive integration)
// and the look-by-look decision.  Method and choices in sequential.hpp.
#include "core/stats/sequential.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <stdexcept>
#include <string>

namespace lrb::stats {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
// Simpson nodes per look (odd).  801 and 1601 give boundaries equal to 1e-9.
constexpr int kNodes = 801;
// The sub-densities are integrated over |s| < min(c_k, 12) sqrt(t_k): beyond
// 12 standard deviations the normal density is below 1e-31.
constexpr double kTruncSd = 12.0;

double phi(double x) { return std::exp(-0.5 * x * x) / std::sqrt(2.0 * std::numbers::pi); }

void check_alpha(double alpha, const char* what) {
  if (!(alpha > 0.0 && alpha < 1.0))
    throw std::invalid_argument(std::string(what) + ": alpha must be in (0, 1), got " +
                                std::to_string(alpha));
}

// A sub-density on an equally spaced grid with Simpson weights.
struct GridDensity {
  std::vector<double> s, f, w;  // nodes, density values, Simpson weights (h/3 * 1,4,2,...,4,1)
};

GridDensity make_grid(double half_width) {
  GridDensity g;
  g.s.resize(kNodes);
  g.w.resize(kNodes);
  g.f.assign(kNodes, 0.0);
  const double h = 2.0 * half_width / (kNodes - 1);
  for (int j = 0; j < kNodes; ++j) {
    g.s[j] = -half_width + h * j;
    g.w[j] = h / 3.0 * (j == 0 || j == kNodes - 1 ? 1.0 : (j % 2 == 1 ? 4.0 : 2.0));
  }
  return g;
}

// P(|S_k| >= c sqrt(t_k), continuing until k - 1) for boundary c.
double crossing_probability(const GridDensity& prev, double c, double t_k, double delta) {
  const double b = c * std::sqrt(t_k), sd = std::sqrt(delta);
  double p = 0.0;
  for (int j = 0; j < kNodes; ++j) {
    if (prev.f[j] == 0.0) continue;
    const double u = prev.s[j];
    p += prev.w[j] * prev.f[j] * (normal_cdf((-b - u) / sd) + normal_sf((b - u) / sd));
  }
  return p;
}

// Solve crossing_probability(c) = target for c (decreasing in c).
double solve_boundary(const GridDensity& prev, double target, double t_k, double delta) {
  double lo = 0.0, hi = 1.0;
  while (crossing_probability(prev, hi, t_k, delta) > target) {
    lo = hi;
    hi *= 2.0;
    if (hi > 1e3) return kInf;
  }
  for (int it = 0; it < 200 && hi - lo > 1e-12 * hi; ++it) {
    const double mid = 0.5 * (lo + hi);
    if (crossing_probability(prev, mid, t_k, delta) > target) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

}  // namespace

const char* to_string(Spending s) {
  return s == Spending::kPocock ? "pocock" : "obrien-fleming";
}

const char* to_string(SequentialVerdict v) {
  switch (v) {
    case SequentialVerdict::kSupported: return "supported";
    case SequentialVerdict::kRefuted: return "refuted";
    case SequentialVerdict::kEquivalent: return "equivalent";
    case SequentialVerdict::kStoppedAtCap: return "stopped at cap";
    case SequentialVerdict::kContinue: break;
  }
  return "continue";
}

double alpha_spent(Spending spending, double alpha, double t) {
  check_alpha(alpha, "alpha_spent");
  if (!(t >= 0.0 && t <= 1.0))
    throw std::invalid_argument("alpha_spent: information fraction must be in [0, 1], got " +
                                std::to_string(t));
  if (t == 0.0) return 0.0;
  if (spending == Spending::kPocock) return alpha * std::log1p((std::numbers::e - 1.0) * t);
  // alpha / 2 per side, each side 2 (1 - Phi(z_{1 - (alpha/2)/2} / sqrt t)).
  return 4.0 * normal_sf(normal_isf(alpha / 4.0) / std::sqrt(t));
}

std::vector<double> spending_boundaries(Spending spending, double alpha,
                                        std::span<const double> information) {
  check_alpha(alpha, "spending_boundaries");
  if (information.empty()) throw std::invalid_argument("spending_boundaries: no looks");
  for (std::size_t k = 0; k < information.size(); ++k) {
    const double t = information[k];
    if (!(t > 0.0 && t <= 1.0) || (k > 0 && !(t > information[k - 1])))
      throw std::invalid_argument("spending_boundaries: information fractions must increase "
                                  "strictly within (0, 1], got " + std::to_string(t));
  }
  std::vector<double> c(information.size());
  GridDensity prev;
  double spent_before = 0.0, t_prev = 0.0;
  for (std::size_t k = 0; k < information.size(); ++k) {
    const double t = information[k];
    const double spent = alpha_spent(spending, alpha, t);
    const double increment = spent - spent_before;
    spent_before = spent;
    if (k == 0) {
      c[0] = increment > 1e-300 ? normal_isf(increment / 2.0) : kInf;
    } else {
      c[k] = increment > 1e-300 ? solve_boundary(prev, increment, t, t - t_prev) : kInf;
    }
    if (k + 1 == information.size()) break;
    // The sub-density of S_k on the continuation region |s| < c_k sqrt(t_k).
    GridDensity next = make_grid(std::min(c[k], kTruncSd) * std::sqrt(t));
    if (k == 0) {
      for (int j = 0; j < kNodes; ++j) next.f[j] = phi(next.s[j] / std::sqrt(t)) / std::sqrt(t);
    } else {
      const double sd = std::sqrt(t - t_prev);
      for (int j = 0; j < kNodes; ++j) {
        double v = 0.0;
        for (int i = 0; i < kNodes; ++i)
          if (prev.f[i] != 0.0) v += prev.w[i] * prev.f[i] * phi((next.s[j] - prev.s[i]) / sd);
        next.f[j] = v / sd;
      }
    }
    prev = std::move(next);
    t_prev = t;
  }
  return c;
}

std::vector<LookBoundary> sequential_boundaries(const SequentialDesign& design,
                                                std::span<const std::size_t> look_sizes) {
  check_alpha(design.alpha, "sequential_boundaries");
  if (design.max_n < 2)
    throw std::invalid_argument("sequential_boundaries: the cap must be >= 2 seeds, got " +
                                std::to_string(design.max_n));
  if (look_sizes.empty()) throw std::invalid_argument("sequential_boundaries: no looks");
  std::vector<double> t(look_sizes.size());
  for (std::size_t k = 0; k < look_sizes.size(); ++k) {
    const std::size_t n = look_sizes[k];
    if (n < 2 || n > design.max_n || (k > 0 && n <= look_sizes[k - 1]))
      throw std::invalid_argument("sequential_boundaries: look sizes must increase strictly "
                                  "within [2, " + std::to_string(design.max_n) + "], got " +
                                  std::to_string(n) + " at look " + std::to_string(k + 1));
    t[k] = static_cast<double>(n) / static_cast<double>(design.max_n);
  }
  const std::vector<double> c = spending_boundaries(design.spending, design.alpha, t);
  std::vector<LookBoundary> b(look_sizes.size());
  for (std::size_t k = 0; k < b.size(); ++k) {
    b[k].n = look_sizes[k];
    b[k].information = t[k];
    b[k].alpha_spent = alpha_spent(design.spending, design.alpha, t[k]);
    b[k].z = c[k];
    b[k].nominal_p = std::isinf(c[k]) ? 0.0 : normal_sf(c[k]);
  }
  return b;
}

SequentialPlan plan_sequential(const SequentialDesign& design,
                               std::span<const std::size_t> look_sizes) {
  SequentialPlan plan{design, sequential_boundaries(design, look_sizes), {}};
  for (const LookBoundary& b : plan.boundaries)
    plan.paired_t_critical.push_back(
        b.nominal_p <= 0.0 ? kInf : student_t_isf(b.nominal_p, static_cast<double>(b.n) - 1.0));
  return plan;
}

SequentialResult sequential_decide(const SequentialPlan& plan,
                                   std::span<const MeanDifference> looks, double band) {
  if (looks.empty()) throw std::invalid_argument("sequential_decide: no looks");
  if (looks.size() > plan.boundaries.size())
    throw std::invalid_argument("sequential_decide: " + std::to_string(looks.size()) +
                                " looks but the plan has " +
                                std::to_string(plan.boundaries.size()));
  SequentialResult r;
  for (std::size_t k = 0; k < looks.size(); ++k) {
    const MeanDifference& d = looks[k];
    const LookBoundary& b = plan.boundaries[k];
    if (d.n_baseline != b.n || d.n_contender != b.n)
      throw std::invalid_argument("sequential_decide: look " + std::to_string(k + 1) + " has " +
                                  std::to_string(d.n_baseline) + " and " +
                                  std::to_string(d.n_contender) + " seeds, the plan expects " +
                                  std::to_string(b.n));
    SequentialLook look;
    look.boundary = b;
    look.estimate = d;
    if (b.nominal_p <= 0.0) {
      look.t_critical = kInf;  // nothing spent: this look cannot decide
      look.interval = {-kInf, kInf};
    } else {
      // se = 0 (identical runs): the interval is the point whatever the
      // critical value; use the Z boundary so it stays finite.
      const bool cached = d.paired && d.df == static_cast<double>(b.n) - 1.0 &&
                          k < plan.paired_t_critical.size();
      look.t_critical = d.se == 0.0 ? b.z
                        : cached    ? plan.paired_t_critical[k]
                                    : student_t_isf(b.nominal_p, d.df);
      const double half = look.t_critical * d.se;
      look.interval = {d.estimate - half, d.estimate + half};
    }
    look.verdict = verdict_from_interval(look.interval, band);
    r.looks.push_back(look);
    r.n = b.n;
    r.level = 2.0 * b.nominal_p;
    switch (look.verdict.verdict) {
      case Verdict::kSupported:
        r.verdict = SequentialVerdict::kSupported;
        r.negligible = look.verdict.negligible;
        return r;
      case Verdict::kRefuted: r.verdict = SequentialVerdict::kRefuted; return r;
      case Verdict::kEquivalent: r.verdict = SequentialVerdict::kEquivalent; return r;
      case Verdict::kInconclusive: break;
    }
  }
  r.verdict = r.n == plan.design.max_n ? SequentialVerdict::kStoppedAtCap
                                       : SequentialVerdict::kContinue;
  return r;
}

SequentialResult sequential_decide_paired(std::span<const double> differences,
                                          std::span<const std::size_t> look_sizes,
                                          const SequentialDesign& design, double band) {
  if (!look_sizes.empty() && look_sizes.back() > differences.size())
    throw std::invalid_argument("sequential_decide_paired: a look at " +
                                std::to_string(look_sizes.back()) + " seeds but only " +
                                std::to_string(differences.size()) + " differences");
  const SequentialPlan plan = plan_sequential(design, look_sizes);
  std::vector<MeanDifference> looks;
  looks.reserve(look_sizes.size());
  for (std::size_t n : look_sizes) looks.push_back(paired_mean_difference(differences.first(n)));
  return sequential_decide(plan, looks, band);
}

}  // namespace lrb::stats
