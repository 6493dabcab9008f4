// Performance profiles, AlgoPerf scores, bootstrap bands.  Definitions in
// profiles.hpp.
#include "core/stats/profiles.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace lrb::stats {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

void check_cost(double v, const char* what) {
  if (!(v > 0.0))  // rejects NaN, 0, negatives and -inf; +inf passes
    throw std::invalid_argument(std::string(what) + ": costs must be > 0 or +inf (failed), got " +
                                std::to_string(v));
}

void check_r_max(double r_max, const char* what) {
  if (!(r_max > 1.0) || !std::isfinite(r_max))
    throw std::invalid_argument(std::string(what) + ": r_max must be finite and > 1, got " +
                                std::to_string(r_max));
}

void check_taus(std::span<const double> taus) {
  if (taus.empty()) throw std::invalid_argument("performance profile: no taus");
  for (double t : taus)
    if (!(t >= 1.0)) throw std::invalid_argument("performance profile: taus must be >= 1, got " +
                                                 std::to_string(t));
}

void check_ratios(std::span<const double> ratios, std::size_t problems, std::size_t solvers) {
  if (problems == 0 || solvers == 0 || ratios.size() != problems * solvers)
    throw std::invalid_argument("performance ratios: expected " + std::to_string(problems) +
                                " x " + std::to_string(solvers) + " values, got " +
                                std::to_string(ratios.size()));
}

}  // namespace

std::vector<double> performance_ratios(const CostMatrix& c) {
  if (c.problems == 0 || c.solvers == 0 || c.cost.size() != c.problems * c.solvers)
    throw std::invalid_argument("performance_ratios: expected " + std::to_string(c.problems) +
                                " x " + std::to_string(c.solvers) + " costs, got " +
                                std::to_string(c.cost.size()));
  for (double v : c.cost) check_cost(v, "performance_ratios");
  std::vector<double> r(c.cost.size());
  for (std::size_t p = 0; p < c.problems; ++p) {
    double best = kInf;
    for (std::size_t s = 0; s < c.solvers; ++s) best = std::min(best, c.at(p, s));
    for (std::size_t s = 0; s < c.solvers; ++s) {
      const double t = c.at(p, s);
      r[p * c.solvers + s] = std::isinf(t) || std::isinf(best) ? kInf : t / best;
    }
  }
  return r;
}

std::vector<double> profile_from_ratios(std::span<const double> ratios, std::size_t problems,
                                        std::size_t solvers, std::span<const double> taus) {
  check_ratios(ratios, problems, solvers);
  check_taus(taus);
  std::vector<double> rho(solvers * taus.size(), 0.0);
  for (std::size_t s = 0; s < solvers; ++s)
    for (std::size_t i = 0; i < taus.size(); ++i) {
      std::size_t count = 0;
      for (std::size_t p = 0; p < problems; ++p)
        if (ratios[p * solvers + s] <= taus[i]) ++count;
      rho[s * taus.size() + i] = static_cast<double>(count) / static_cast<double>(problems);
    }
  return rho;
}

std::vector<double> performance_profile(const CostMatrix& c, std::span<const double> taus) {
  return profile_from_ratios(performance_ratios(c), c.problems, c.solvers, taus);
}

std::vector<double> algoperf_scores_from_ratios(std::span<const double> ratios,
                                                std::size_t problems, std::size_t solvers,
                                                double r_max) {
  check_ratios(ratios, problems, solvers);
  check_r_max(r_max, "algoperf_scores");
  std::vector<double> score(solvers, 0.0);
  for (std::size_t s = 0; s < solvers; ++s) {
    double sum = 0.0;
    for (std::size_t p = 0; p < problems; ++p) {
      const double r = ratios[p * solvers + s];
      if (r < r_max) sum += (r_max - r) / (r_max - 1.0);
    }
    score[s] = sum / static_cast<double>(problems);
  }
  return score;
}

std::vector<double> algoperf_scores(const CostMatrix& c, double r_max) {
  return algoperf_scores_from_ratios(performance_ratios(c), c.problems, c.solvers, r_max);
}

std::vector<double> linear_taus(double r_max, std::size_t points) {
  check_r_max(r_max, "linear_taus");
  if (points < 2) throw std::invalid_argument("linear_taus: at least 2 points");
  // As numpy.linspace: start + i * step, the last point set to stop exactly.
  std::vector<double> t(points);
  const double step = (r_max - 1.0) / static_cast<double>(points - 1);
  for (std::size_t i = 0; i < points; ++i) t[i] = 1.0 + static_cast<double>(i) * step;
  t.back() = r_max;
  return t;
}

std::vector<double> algoperf_scores_trapezoid(const CostMatrix& c, double r_max,
                                              std::size_t points) {
  const std::vector<double> taus = linear_taus(r_max, points);
  const std::vector<double> rho = performance_profile(c, taus);
  std::vector<double> score(c.solvers, 0.0);
  for (std::size_t s = 0; s < c.solvers; ++s) {
    double area = 0.0;
    for (std::size_t i = 0; i + 1 < points; ++i)
      area += (taus[i + 1] - taus[i]) * (rho[s * points + i] + rho[s * points + i + 1]) / 2.0;
    score[s] = area / (r_max - 1.0);
  }
  return score;
}

namespace {

void check_seed_costs(const SeedCosts& c) {
  if (c.problems == 0 || c.solvers == 0 || c.seeds == 0 ||
      c.cost.size() != c.problems * c.solvers * c.seeds)
    throw std::invalid_argument("seed costs: expected " + std::to_string(c.problems) + " x " +
                                std::to_string(c.solvers) + " x " + std::to_string(c.seeds) +
                                " values, got " + std::to_string(c.cost.size()));
  for (double v : c.cost) check_cost(v, "seed costs");
}

// Fill `out` (problems x solvers) with cell summaries over seeds picked by
// index_of(p, s, k).
template <class IndexOf>
CostMatrix summarize_with(const SeedCosts& c, Statistic st, IndexOf index_of) {
  CostMatrix m{c.problems, c.solvers, std::vector<double>(c.problems * c.solvers)};
  std::vector<double> cell(c.seeds);
  for (std::size_t p = 0; p < c.problems; ++p)
    for (std::size_t s = 0; s < c.solvers; ++s) {
      for (std::size_t k = 0; k < c.seeds; ++k) cell[k] = c.at(p, s, index_of(p, s, k));
      m.cost[p * c.solvers + s] = statistic_of(cell, st);
    }
  return m;
}

}  // namespace

CostMatrix summarize_cells(const SeedCosts& c, Statistic s) {
  check_seed_costs(c);
  return summarize_with(c, s, [](std::size_t, std::size_t, std::size_t k) { return k; });
}

CostMatrix resample_cells(const SeedCosts& c, Statistic st, Resampling r,
                          std::span<const std::uint32_t> index) {
  check_seed_costs(c);
  const bool paired = r == Resampling::kPairedSeeds;
  const std::size_t want = paired ? c.problems * c.seeds : c.problems * c.solvers * c.seeds;
  if (index.size() != want)
    throw std::invalid_argument("resample_cells: expected " + std::to_string(want) +
                                " seed indices, got " + std::to_string(index.size()));
  for (std::uint32_t i : index)
    if (i >= c.seeds)
      throw std::invalid_argument("resample_cells: seed index " + std::to_string(i) +
                                  " out of range [0, " + std::to_string(c.seeds) + ")");
  if (paired)
    return summarize_with(c, st, [&](std::size_t p, std::size_t, std::size_t k) {
      return index[p * c.seeds + k];
    });
  return summarize_with(c, st, [&](std::size_t p, std::size_t s, std::size_t k) {
    return index[(p * c.solvers + s) * c.seeds + k];
  });
}

ProfileBands bootstrap_profiles(const SeedCosts& c, const ProfileBootstrapOptions& o) {
  check_seed_costs(c);
  if (o.replicates < 100)
    throw std::invalid_argument("bootstrap_profiles: at least 100 replicates, got " +
                                std::to_string(o.replicates));
  if (!(o.confidence > 0.0 && o.confidence < 1.0))
    throw std::invalid_argument("bootstrap_profiles: confidence must be in (0, 1), got " +
                                std::to_string(o.confidence));
  ProfileBands r;
  r.taus = o.taus.empty() ? linear_taus(o.r_max, 301) : o.taus;
  r.replicates = o.replicates;
  r.confidence = o.confidence;
  const std::size_t n_tau = r.taus.size(), S = c.solvers, P = c.problems;

  const CostMatrix observed = summarize_cells(c, o.statistic);
  const std::vector<double> ratios = performance_ratios(observed);
  r.profile = profile_from_ratios(ratios, P, S, r.taus);
  r.score = algoperf_scores_from_ratios(ratios, P, S, o.r_max);

  // rho* only takes the values k / P: keep, per (solver, tau), how many
  // replicates gave each k -- exact percentiles without storing replicates.
  std::vector<std::size_t> hist(S * n_tau * (P + 1), 0);
  std::vector<double> scores(S * o.replicates);  // (solver, replicate)
  std::vector<double> wins(S, 0.0);
  const bool paired = o.resampling == Resampling::kPairedSeeds;
  std::vector<std::uint32_t> index(paired ? P * c.seeds : P * S * c.seeds);
  for (std::size_t b = 0; b < o.replicates; ++b) {
    draw_indices(index, static_cast<std::uint32_t>(c.seeds), o.seed, "profile-bootstrap", b);
    const CostMatrix m = resample_cells(c, o.statistic, o.resampling, index);
    const std::vector<double> rb = performance_ratios(m);
    const std::vector<double> sb = algoperf_scores_from_ratios(rb, P, S, o.r_max);
    for (std::size_t s = 0; s < S; ++s) {
      scores[s * o.replicates + b] = sb[s];
      for (std::size_t i = 0; i < n_tau; ++i) {
        std::size_t k = 0;
        for (std::size_t p = 0; p < P; ++p)
          if (rb[p * S + s] <= r.taus[i]) ++k;
        ++hist[(s * n_tau + i) * (P + 1) + k];
      }
    }
    const double top = *std::max_element(sb.begin(), sb.end());
    for (std::size_t s = 0; s < S; ++s)
      if (sb[s] == top) wins[s] += 1.0;
  }

  const double lo_p = 0.5 * (1.0 - o.confidence), hi_p = 0.5 * (1.0 + o.confidence);
  const double B = static_cast<double>(o.replicates);
  // Inverted-cdf percentile from a histogram over k = 0..P: the smallest k
  // whose cumulative count reaches ceil(p B) (bootstrap.hpp's rule).
  auto hist_percentile = [&](const std::size_t* h, double p) {
    const double need = std::clamp(std::ceil(p * B - 1e-9), 1.0, B);
    double cum = 0.0;
    for (std::size_t k = 0; k <= P; ++k) {
      cum += static_cast<double>(h[k]);
      if (cum >= need) return static_cast<double>(k) / static_cast<double>(P);
    }
    return 1.0;
  };
  r.low.resize(S * n_tau);
  r.high.resize(S * n_tau);
  for (std::size_t j = 0; j < S * n_tau; ++j) {
    r.low[j] = hist_percentile(&hist[j * (P + 1)], lo_p);
    r.high[j] = hist_percentile(&hist[j * (P + 1)], hi_p);
  }
  r.score_low.resize(S);
  r.score_high.resize(S);
  r.prob_best.resize(S);
  for (std::size_t s = 0; s < S; ++s) {
    std::span<double> col(scores.data() + s * o.replicates, o.replicates);
    std::sort(col.begin(), col.end());
    r.score_low[s] = percentile_sorted(col, lo_p);
    r.score_high[s] = percentile_sorted(col, hi_p);
    r.prob_best[s] = wins[s] / B;
  }
  return r;
}

}  // namespace lrb::stats
