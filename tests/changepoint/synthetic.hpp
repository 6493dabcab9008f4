#pragma once
// Synthetic benchmark histories for the change-point tests: per commit,
// `repetitions` values exp(level_c + b_c + e_cj) times outlier factors, with
//   level_c  = drift * c / (n - 1) + (c >= step_at ? ln(1 + step) : 0)
//   b_c      ~ N(0, between^2)    the machine state of that commit's run
//   e_cj     ~ N(0, s^2), s^2 = ln(1 + cv^2)   (lognormal with CV cv)
//   with probability outlier_commit, the whole commit x (1 + U(0.05, 0.30))
//   (a noisy neighbour during that run), and with probability outlier_rep
//   one repetition x (1 + U(0.1, 1.0)).
// All draws from one Rng (datasets/rng.hpp), so a seed fixes the series.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "datasets/rng.hpp"

namespace lrb::changepoint::testing {

struct HistorySpec {
  std::size_t commits = 40;
  std::size_t repetitions = 5;
  double cv = 0.03;          // per repetition
  double between = 0.0;      // sd of the per-commit machine state, log units
  double outlier_commit = 0.0;
  double outlier_rep = 0.0;
  double drift = 0.0;        // total log drift over the series
  std::size_t step_at = 0;   // 0: no step
  double step = 0.0;         // relative: 0.03 = 3 % slower from step_at on
  double level = 1.0;        // value of commit 0 without noise
};

inline std::vector<std::vector<double>> make_history(const HistorySpec& s, std::uint64_t seed) {
  data::Rng rng{seed};
  const double sd = std::sqrt(std::log(1.0 + s.cv * s.cv));
  std::vector<std::vector<double>> out(s.commits);
  for (std::size_t c = 0; c < s.commits; ++c) {
    double level = std::log(s.level) +
                   (s.commits > 1 ? s.drift * static_cast<double>(c) / static_cast<double>(s.commits - 1)
                                  : 0.0);
    if (s.step_at > 0 && c >= s.step_at) level += std::log(1.0 + s.step);
    const double b = s.between > 0 ? data::normal(rng, 0.0, s.between) : 0.0;
    const double commit_factor =
        data::uniform01(rng) < s.outlier_commit ? 1.0 + data::uniform(rng, 0.05, 0.30) : 1.0;
    for (std::size_t j = 0; j < s.repetitions; ++j) {
      double v = std::exp(level + b + (sd > 0 ? data::normal(rng, 0.0, sd) : 0.0)) * commit_factor;
      if (data::uniform01(rng) < s.outlier_rep) v *= 1.0 + data::uniform(rng, 0.1, 1.0);
      out[c].push_back(v);
    }
  }
  return out;
}

// The realistic mix of the validation study: 30-60 commits, 5 repetitions,
// CV 2-5 % per repetition, machine state sd 0-1 %, 3 % outlier commits,
// 2 % outlier repetitions, a drift of up to +-1 % over the series, and (if
// step != 0) a step at a commit in [10, n - 10].
inline HistorySpec realistic_spec(std::uint64_t seed, double step) {
  data::Rng rng = data::make_rng(seed, "realistic-spec", 0);
  HistorySpec s;
  s.commits = 30 + static_cast<std::size_t>(data::uniform_below(rng, 31));
  s.repetitions = 5;
  s.cv = data::uniform(rng, 0.02, 0.05);
  s.between = data::uniform(rng, 0.0, 0.01);
  s.outlier_commit = 0.03;
  s.outlier_rep = 0.02;
  s.drift = data::uniform(rng, -0.01, 0.01);
  s.level = data::uniform(rng, 0.5, 2.0);
  if (step != 0.0) {
    s.step_at = 10 + static_cast<std::size_t>(data::uniform_below(rng, s.commits - 19));
    s.step = step;
  }
  return s;
}

}  // namespace lrb::changepoint::testing
