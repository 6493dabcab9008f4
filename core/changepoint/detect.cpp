// Noise model, permutation test, the whole analysis and the newest-commit
// check (changepoint.hpp, steps 1 and 3-5).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <numbers>
#include <stdexcept>
#include <string>
#include <utility>

#include "core/changepoint/changepoint.hpp"
#include "core/stats/stats.hpp"
#include "datasets/rng.hpp"
#include "datasets/sampling.hpp"

namespace lrb::changepoint {
namespace {

constexpr double kMadToSigma = 1.4826;  // 1 / Phi^-1(3/4)
// Standard error of a commit's level = factor * sigma / sqrt(r) (Gaussian,
// large r): sqrt(pi / 3) for the Hodges-Lehmann estimate, sqrt(pi / 2) for
// the median.
constexpr double kWalshSeFactor = 1.0233267079464885;
constexpr double kMedianSeFactor = 1.2533141373155003;
constexpr std::size_t kWalshMinimum = 4;  // fewer values: the median

std::string num(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", x);
  return buf;
}

void require(bool ok, const std::string& what) {
  if (!ok) throw std::invalid_argument(what);
}

double median_of(std::span<const double> x) { return stats::median(x); }

// log of one commit's values; throws naming the commit and repetition.
std::vector<double> log_values(const std::vector<double>& values, std::size_t commit) {
  std::vector<double> u(values.size());
  for (std::size_t j = 0; j < values.size(); ++j) {
    const double v = values[j];
    require(v > 0.0 && std::isfinite(v),
            "commit " + std::to_string(commit) + " repetition " + std::to_string(j) +
                ": values must be positive and finite (times), got " + num(v));
    u[j] = std::log(v);
  }
  return u;
}

NoiseModel noise_of(Series series, const CommitLevels& lv, double floor) {
  NoiseModel n;
  n.commits = lv.y.size();
  std::vector<double> pair_diffs, reps;
  for (std::size_t c = 0; c < series.size(); ++c) {
    if (series[c].empty()) continue;
    reps.push_back(static_cast<double>(series[c].size()));
    const std::vector<double> u = log_values(series[c], c);
    for (std::size_t j = 0; j < u.size(); ++j)
      for (std::size_t k = j + 1; k < u.size(); ++k) pair_diffs.push_back(std::fabs(u[j] - u[k]));
  }
  if (!reps.empty()) n.repetitions = static_cast<std::size_t>(median_of(reps));
  if (!pair_diffs.empty()) {
    n.sigma_within = kMadToSigma * median_of(pair_diffs) / std::numbers::sqrt2;
    const double factor = n.repetitions >= kWalshMinimum ? kWalshSeFactor : kMedianSeFactor;
    n.se_within = factor * n.sigma_within / std::sqrt(static_cast<double>(n.repetitions));
  }
  if (lv.y.size() >= 2) {
    std::vector<double> diffs(lv.y.size() - 1);
    for (std::size_t i = 0; i + 1 < lv.y.size(); ++i) diffs[i] = std::fabs(lv.y[i + 1] - lv.y[i]);
    n.sigma_commit = kMadToSigma * median_of(diffs) / std::numbers::sqrt2;
  }
  n.sigma = std::max({n.sigma_commit, n.se_within, floor});
  return n;
}

// max over splits s in [l, N - l] of |S_s - S s / N| sqrt(N / (s (N - s))),
// S_s = w_1 + ... + w_s, S = S_N: the two-sample mean difference of the split
// times sqrt(s (N - s) / N).
double max_standardized_split(std::span<const double> w, std::size_t l) {
  const std::size_t n = w.size();
  double total = 0.0;
  for (double x : w) total += x;
  const double dn = static_cast<double>(n);
  double prefix = 0.0, best = 0.0;
  for (std::size_t s = 1; s < n; ++s) {
    prefix += w[s - 1];
    if (s < l || n - s < l) continue;
    const double ds = static_cast<double>(s);
    const double t = std::fabs(prefix - total * ds / dn) * std::sqrt(dn / (ds * (dn - ds)));
    best = std::max(best, t);
  }
  return best;
}
std::uint64_t interval_seed(std::uint64_t seed, std::size_t a, std::size_t b, std::size_t m) {
  return data::derive_seed(seed, "changepoint/permutation",
                           static_cast<std::uint64_t>(a) * (m + 1) + b);
}

// One candidate's numbers over [a, b) of the compressed series (the commits with data).
struct Candidate {
  std::size_t a = 0, t = 0, b = 0;
  PermutationTest test;
  double before = 0, after = 0, change = 0;  // log-scale medians; change = exp(after - before) - 1
};

}  // namespace

const char* to_string(Direction d) {
  return d == Direction::kRegression ? "regression" : "improvement";
}

const char* to_string(NewestVerdict v) {
  switch (v) {
    case NewestVerdict::kUnchanged: return "unchanged";
    case NewestVerdict::kRegression: return "regression";
    case NewestVerdict::kImprovement: return "improvement";
    case NewestVerdict::kInsufficientHistory: return "insufficient-history";
  }
  return "?";
}

CommitLevels commit_levels(Series series) {
  CommitLevels lv;
  for (std::size_t c = 0; c < series.size(); ++c) {
    if (series[c].empty()) continue;
    lv.y.push_back(commit_level(log_values(series[c], c)));
    lv.commit.push_back(c);
  }
  return lv;
}

double commit_level(std::span<const double> u) {
  require(!u.empty(), "commit_level: no values");
  if (u.size() < kWalshMinimum) return median_of(u);
  std::vector<double> walsh;
  walsh.reserve(u.size() * (u.size() + 1) / 2);
  for (std::size_t i = 0; i < u.size(); ++i)
    for (std::size_t j = i; j < u.size(); ++j) walsh.push_back((u[i] + u[j]) / 2);
  return median_of(walsh);
}

NoiseModel estimate_noise(Series series, double noise_floor) {
  require(noise_floor > 0.0 && std::isfinite(noise_floor),
          "noise_floor must be finite and > 0, got " + num(noise_floor));
  return noise_of(series, commit_levels(series), noise_floor);
}

PermutationTest step_permutation_test(std::span<const double> z, const PermutationOptions& o) {
  require(o.max_permutations >= 1, "max_permutations must be >= 1");
  require(o.stop_exceedances >= 1, "stop_exceedances must be >= 1");
  require(o.min_segment >= 1, "min_segment must be >= 1");
  require(o.cap > 0.0, "cap must be > 0, got " + num(o.cap));
  for (double x : z) require(std::isfinite(x), "step_permutation_test: values must be finite");
  if (z.size() < 2 * o.min_segment) return {};
  // Winsorizing about the median is a function of the values, not of their
  // order, so the permuted w are exchangeable exactly when the z are.
  std::vector<double> w(z.begin(), z.end());
  const double med = median_of(w);
  for (double& x : w) x = std::clamp(x - med, -o.cap, o.cap);

  PermutationTest t;
  t.statistic = max_standardized_split(w, o.min_segment);
  // A permuted statistic equal to the observed one up to rounding counts as
  // an exceedance (conservative: such ties are exact ties in real arithmetic).
  const double bar = t.statistic * (1.0 - 1e-12);
  data::Rng rng{o.seed};
  std::size_t exceed = 0;
  for (std::size_t draw = 1; draw <= o.max_permutations; ++draw) {
    data::shuffle(std::span<double>(w), rng);
    if (max_standardized_split(w, o.min_segment) >= bar && ++exceed == o.stop_exceedances) {
      t.permutations = draw;
      t.p_value = static_cast<double>(exceed) / static_cast<double>(draw);
      return t;
    }
  }
  t.permutations = o.max_permutations;
  t.p_value = static_cast<double>(exceed + 1) / static_cast<double>(o.max_permutations + 1);
  return t;
}

void validate(const DetectOptions& o) {
  require(o.alpha > 0.0 && o.alpha < 1.0, "alpha must be in (0, 1), got " + num(o.alpha));
  require(o.min_relative_change >= 0.0 && std::isfinite(o.min_relative_change),
          "min_relative_change must be finite and >= 0, got " + num(o.min_relative_change));
  require(o.penalty_factor > 0.0 && std::isfinite(o.penalty_factor),
          "penalty_factor must be finite and > 0, got " + num(o.penalty_factor));
  require(o.cap > 0.0, "cap must be > 0, got " + num(o.cap));
  require(o.min_segment >= 1, "min_segment must be >= 1, got 0");
  require(o.max_permutations >= 1, "max_permutations must be >= 1, got 0");
  require(o.stop_exceedances >= 1, "stop_exceedances must be >= 1, got 0");
  require(o.noise_floor > 0.0 && std::isfinite(o.noise_floor),
          "noise_floor must be finite and > 0, got " + num(o.noise_floor));
  require(o.confidence > 0.0 && o.confidence < 1.0,
          "confidence must be in (0, 1), got " + num(o.confidence));
}

Analysis detect(Series series, const DetectOptions& o) {
  validate(o);
  const CommitLevels lv = commit_levels(series);
  Analysis out;
  out.noise = noise_of(series, lv, o.noise_floor);
  const std::size_t m = lv.y.size();
  out.penalty = o.penalty_factor * std::log(static_cast<double>(std::max<std::size_t>(m, 2)));
  if (m < 2 * o.min_segment) return out;

  const double center = median_of(lv.y);
  std::vector<double> z(m);
  for (std::size_t i = 0; i < m; ++i) z[i] = (lv.y[i] - center) / out.noise.sigma;
  std::vector<std::size_t> starts =
      segment(z, {.penalty = out.penalty, .cap = o.cap, .min_segment = o.min_segment}).starts;
  out.candidates = starts.size();

  // The test of an interval depends only on [a, b): cache it across retests.
  std::map<std::pair<std::size_t, std::size_t>, PermutationTest> tests;
  auto evaluate = [&](std::size_t k) {
    Candidate c;
    c.t = starts[k];
    c.a = k == 0 ? 0 : starts[k - 1];
    c.b = k + 1 == starts.size() ? m : starts[k + 1];
    auto [it, fresh] = tests.try_emplace({c.a, c.b});
    if (fresh)
      it->second = step_permutation_test(
          std::span<const double>(z).subspan(c.a, c.b - c.a),
          {.max_permutations = o.max_permutations, .stop_exceedances = o.stop_exceedances,
           .min_segment = o.min_segment, .cap = o.cap, .seed = interval_seed(o.seed, c.a, c.b, m)});
    c.test = it->second;
    const std::span<const double> y(lv.y);
    c.before = median_of(y.subspan(c.a, c.t - c.a));
    c.after = median_of(y.subspan(c.t, c.b - c.t));
    c.change = std::exp(c.after - c.before) - 1.0;
    return c;
  };
  auto fails = [&](const Candidate& c) {
    return c.test.p_value > o.alpha || std::fabs(c.change) < o.min_relative_change;
  };

  std::vector<Candidate> cands;
  for (;;) {
    cands.clear();
    for (std::size_t k = 0; k < starts.size(); ++k) cands.push_back(evaluate(k));
    std::size_t worst = starts.size();
    for (std::size_t k = 0; k < cands.size(); ++k) {
      if (!fails(cands[k])) continue;
      if (worst == starts.size()) {
        worst = k;
        continue;
      }
      const Candidate& w = cands[worst];
      const Candidate& c = cands[k];
      if (c.test.p_value > w.test.p_value ||
          (c.test.p_value == w.test.p_value && std::fabs(c.change) < std::fabs(w.change)))
        worst = k;
    }
    if (worst == starts.size()) break;
    starts.erase(starts.begin() + static_cast<std::ptrdiff_t>(worst));
  }

  for (const Candidate& c : cands) {
    ChangePoint cp;
    cp.index = lv.commit[c.t];
    cp.last_before = lv.commit[c.t - 1];
    const bool slower = o.polarity == Polarity::kLowerIsBetter ? c.change > 0 : c.change < 0;
    cp.direction = slower ? Direction::kRegression : Direction::kImprovement;
    cp.before = std::exp(c.before);
    cp.after = std::exp(c.after);
    cp.relative_change = c.change;
    const std::span<const double> y(lv.y);
    const stats::ShiftEstimate hl = stats::hodges_lehmann(y.subspan(c.a, c.t - c.a),
                                                          y.subspan(c.t, c.b - c.t), o.confidence);
    cp.ci_low = std::exp(hl.ci_low) - 1.0;
    cp.ci_high = std::exp(hl.ci_high) - 1.0;
    cp.ci_coverage = hl.confidence;
    cp.p_value = c.test.p_value;
    cp.permutations = c.test.permutations;
    cp.segment_begin = lv.commit[c.a];
    cp.segment_end = c.b == m ? series.size() : lv.commit[c.b];
    cp.commits_before = c.t - c.a;
    cp.commits_after = c.b - c.t;
    out.change_points.push_back(cp);
  }
  return out;
}

void validate(const NewestOptions& o) {
  require(o.alpha > 0.0 && o.alpha < 1.0, "alpha must be in (0, 1), got " + num(o.alpha));
  require(o.min_relative_change >= 0.0 && std::isfinite(o.min_relative_change),
          "min_relative_change must be finite and >= 0, got " + num(o.min_relative_change));
  require(o.min_history >= 2, "min_history must be >= 2, got " + std::to_string(o.min_history));
  require(o.max_reference >= 1, "max_reference must be >= 1, got 0");
  validate(o.detect);
}

NewestCheck check_newest(Series series, const NewestOptions& o) {
  validate(o);
  require(!series.empty(), "check_newest: the series has no commits");
  const std::size_t n = series.size() - 1;
  require(!series[n].empty(), "check_newest: the newest commit (index " + std::to_string(n) +
                                  ") has no values");
  NewestCheck r;
  r.newest = n;
  r.value = std::exp(commit_level(log_values(series[n], n)));
  const Series history = series.first(n);
  const CommitLevels lv = commit_levels(history);
  const std::size_t hc = lv.y.size();
  r.history_commits = hc;
  if (hc < o.min_history) return r;

  const Analysis a = detect(history, o.detect);
  std::size_t begin = 0;  // compressed index of the reference's first commit
  if (!a.change_points.empty()) {
    const std::size_t first = a.change_points.back().index;
    begin = static_cast<std::size_t>(std::lower_bound(lv.commit.begin(), lv.commit.end(), first) -
                                     lv.commit.begin());
  }
  begin = std::max(begin, hc > o.max_reference ? hc - o.max_reference : 0);
  const std::span<const double> ref = std::span<const double>(lv.y).subspan(begin);
  r.reference_begin = lv.commit[begin];
  r.reference_end = lv.commit.back() + 1;
  r.reference_commits = ref.size();
  const double level = median_of(ref);
  r.reference = std::exp(level);
  r.sigma = a.noise.sigma;

  const double d = std::log(r.value) - level;
  const double scale =
      r.sigma * std::sqrt(1.0 + (std::numbers::pi / 2.0) / static_cast<double>(ref.size()));
  const bool higher_is_slower = o.detect.polarity == Polarity::kLowerIsBetter;
  r.z = (higher_is_slower ? d : -d) / scale;
  r.p_value = stats::normal_sf(std::fabs(r.z));
  r.relative_change = std::exp(d) - 1.0;
  r.verdict = NewestVerdict::kUnchanged;
  if (r.p_value <= o.alpha && std::fabs(r.relative_change) >= o.min_relative_change)
    r.verdict = r.z > 0 ? NewestVerdict::kRegression : NewestVerdict::kImprovement;
  return r;
}

}  // namespace lrb::changepoint
