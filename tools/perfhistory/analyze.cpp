// The history's change points per benchmark and the newest commit's verdict:
// core/changepoint over the series load_history built.
#include <cmath>
#include <limits>

#include "core/stats/stats.hpp"
#include "tools/perfhistory/perfhistory.hpp"

namespace lrb::perfhistory {

namespace cp = changepoint;

const char* to_string(NewestState s) {
  switch (s) {
    case NewestState::unchanged: return "unchanged";
    case NewestState::regression: return "regression";
    case NewestState::improvement: return "improvement";
    case NewestState::insufficient_history: return "insufficient-history";
    case NewestState::absent: return "absent";
    case NewestState::error: return "error";
  }
  return "?";
}

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

NewestState state_of(cp::NewestVerdict v) {
  switch (v) {
    case cp::NewestVerdict::kUnchanged: return NewestState::unchanged;
    case cp::NewestVerdict::kRegression: return NewestState::regression;
    case cp::NewestVerdict::kImprovement: return NewestState::improvement;
    case cp::NewestVerdict::kInsufficientHistory: return NewestState::insufficient_history;
  }
  return NewestState::unchanged;
}

// Per commit exp(level); per commit the level of its segment (the median of
// the levels of the commits with data between two change points).
void levels(const BenchmarkSeries& s, const cp::Analysis& a, std::vector<double>& level,
            std::vector<double>& segment_level) {
  const size_t n = s.values.size();
  level.assign(n, kNaN);
  segment_level.assign(n, kNaN);
  std::vector<double> y(n, kNaN);
  for (size_t c = 0; c < n; ++c) {
    if (s.values[c].empty()) continue;
    std::vector<double> u;
    for (double v : s.values[c]) u.push_back(std::log(v));
    y[c] = cp::commit_level(u);
    level[c] = std::exp(y[c]);
  }
  std::vector<size_t> bounds{0};
  for (const auto& p : a.change_points) bounds.push_back(p.index);
  bounds.push_back(n);
  for (size_t k = 0; k + 1 < bounds.size(); ++k) {
    std::vector<double> seg;
    for (size_t c = bounds[k]; c < bounds[k + 1]; ++c)
      if (!std::isnan(y[c])) seg.push_back(y[c]);
    if (seg.empty()) continue;
    const double m = std::exp(stats::median(seg));
    for (size_t c = bounds[k]; c < bounds[k + 1]; ++c) segment_level[c] = m;
  }
}

}  // namespace

HistoryAnalysis analyze(History history, const AnalysisOptions& options) {
  cp::validate(options.detect);
  cp::validate(options.newest);
  HistoryAnalysis out;
  out.history = std::move(history);
  out.options = options;
  const auto& h = out.history;
  for (size_t b = 0; b < h.benchmarks.size(); ++b) {
    const BenchmarkSeries& s = h.benchmarks[b];
    BenchmarkAnalysis a;
    a.series = b;
    a.analysis = cp::detect(s.values, options.detect);
    a.raw_noise = cp::estimate_noise(s.raw, options.detect.noise_floor);
    levels(s, a.analysis, a.level, a.segment_level);
    if (s.values.empty() || s.values.back().empty()) {
      a.newest_state = !s.errored.empty() && s.errored.back() > 0 ? NewestState::error : NewestState::absent;
    } else {
      a.newest = cp::check_newest(s.values, options.newest);
      a.newest_state = state_of(a.newest.verdict);
    }
    if (!s.calibration) {
      switch (a.newest_state) {
        case NewestState::unchanged: ++out.unchanged; break;
        case NewestState::regression: ++out.regressions; break;
        case NewestState::improvement: ++out.improvements; break;
        case NewestState::insufficient_history: ++out.insufficient; break;
        case NewestState::absent: ++out.absent; break;
        case NewestState::error: ++out.errors; break;
      }
    }
    out.benchmarks.push_back(std::move(a));
  }
  return out;
}

}  // namespace lrb::perfhistory
