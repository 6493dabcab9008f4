// Exact penalized segmentation with the biweight cost (changepoint.hpp, step 2).
#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "core/changepoint/changepoint.hpp"

namespace lrb::changepoint {
namespace {

constexpr std::size_t kNever = std::numeric_limits<std::size_t>::max();

// sum (v - mean)^2, two passes (no cancellation).
double sum_of_squares(std::span<const double> v) {
  if (v.empty()) return 0.0;
  double s = 0.0;
  for (double x : v) s += x;
  const double mean = s / static_cast<double>(v.size());
  double ss = 0.0;
  for (double x : v) ss += (x - mean) * (x - mean);
  return ss;
}

// The biweight cost of values already sorted ascending.  As mu slides from
// -inf to +inf the points strictly within `cap` of mu form the window
// [lo, hi) of the sorted values; lo advances when mu passes v[lo] + cap, hi
// when mu passes v[hi] - cap.  Every such window W gives the upper bound
// SS(W) + cap^2 (n - |W|) (take mu = mean W), and the cost at each mu is at
// least the bound of its own window, so the minimum over the windows met is
// the exact minimum.  Equal event positions are taken "drop lo first", which
// visits the windows of both sides of the tie.
double biweight_sorted(std::span<const double> v, double cap) {
  const std::size_t n = v.size();
  if (n == 0) return 0.0;
  if (std::isinf(cap)) return sum_of_squares(v);
  const double h2 = cap * cap;
  double best = h2 * static_cast<double>(n);  // the empty window: mu far from every point
  std::size_t lo = 0, hi = 0;
  double s1 = 0.0, s2 = 0.0;  // sum and sum of squares of v[lo, hi)
  while (hi < n || lo < hi) {
    if (hi < n && (lo == hi || v[hi] - cap < v[lo] + cap)) {
      s1 += v[hi];
      s2 += v[hi] * v[hi];
      ++hi;
    } else {
      ++lo;
      if (lo == hi) {  // empty again: restart the sums exactly
        s1 = s2 = 0.0;
        continue;
      }
      s1 -= v[lo - 1];
      s2 -= v[lo - 1] * v[lo - 1];
    }
    const double k = static_cast<double>(hi - lo);
    const double ss = std::max(0.0, s2 - s1 * s1 / k);
    best = std::min(best, ss + h2 * (static_cast<double>(n) - k));
  }
  return best;
}

void check_options(const SegmentOptions& o) {
  if (!(o.penalty > 0.0) || !std::isfinite(o.penalty))
    throw std::invalid_argument("segment: penalty must be finite and > 0, got " +
                                std::to_string(o.penalty));
  if (!(o.cap > 0.0))
    throw std::invalid_argument("segment: cap must be > 0, got " + std::to_string(o.cap));
  if (o.min_segment < 1) throw std::invalid_argument("segment: min_segment must be >= 1, got 0");
}

// Where the biweight cost ties, the boundary goes to the side whose level is
// nearer.  A commit further than cap from both neighbouring levels (a noisy
// run next to a real step) costs cap^2 in either segment, so the
// optimal-partition recursion alone would put the boundary on either side of
// it ("ties to the earlier start"), naming the wrong first bad commit.  Each
// boundary, between its neighbours, moves to the position of least L2 cost
// among those of equal biweight cost: the total cost is unchanged.
void break_ties(std::span<const double> z, const SegmentOptions& o, std::vector<std::size_t>& starts) {
  const std::size_t l = o.min_segment;
  for (std::size_t i = 0; i < starts.size(); ++i) {
    const std::size_t a = i == 0 ? 0 : starts[i - 1];
    const std::size_t b = i + 1 == starts.size() ? z.size() : starts[i + 1];
    auto biweight = [&](std::size_t s) {
      return biweight_cost(z.subspan(a, s - a), o.cap) + biweight_cost(z.subspan(s, b - s), o.cap);
    };
    auto l2 = [&](std::size_t s) {
      return biweight_cost(z.subspan(a, s - a), kNoCap) + biweight_cost(z.subspan(s, b - s), kNoCap);
    };
    const double here = biweight(starts[i]);
    const double tie = 1e-12 * std::max(1.0, std::fabs(here));
    std::size_t best = starts[i];
    double best_l2 = l2(best);
    for (std::size_t s = a + l; s + l <= b; ++s) {
      if (s == starts[i] || std::fabs(biweight(s) - here) > tie) continue;
      const double v = l2(s);
      if (v < best_l2) {
        best_l2 = v;
        best = s;
      }
    }
    starts[i] = best;
  }
}

}  // namespace

double biweight_cost(std::span<const double> z, double cap) {
  if (!(cap > 0.0)) throw std::invalid_argument("biweight_cost: cap must be > 0");
  std::vector<double> v(z.begin(), z.end());
  for (double x : v)
    if (!std::isfinite(x)) throw std::invalid_argument("biweight_cost: values must be finite");
  std::sort(v.begin(), v.end());
  return biweight_sorted(v, cap);
}

Segmentation segment(std::span<const double> z, const SegmentOptions& o) {
  check_options(o);
  for (double x : z)
    if (!std::isfinite(x)) throw std::invalid_argument("segment: values must be finite");
  const std::size_t m = z.size(), l = o.min_segment;
  if (m < 2 * l) return {{}, biweight_cost(z, o.cap)};

  // F[t]: the best cost of z[0, t) (penalty per change point included);
  // last[t]: the start of its last segment.  Only t = 0 and t >= l are reachable.
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<double> F(m + 1, inf);
  std::vector<std::size_t> last(m + 1, 0);
  F[0] = -o.penalty;
  std::vector<std::size_t> candidates{0};       // ascending
  std::vector<std::size_t> drop_at(m + 1, kNever);  // pruned: ignore from this t on
  std::vector<double> sorted;                   // z[s, t), ascending
  std::vector<double> value;                    // F[s] + C(s, t) per candidate
  sorted.reserve(m);
  value.reserve(m);

  for (std::size_t t = l; t <= m; ++t) {
    if (t - l >= l) candidates.push_back(t - l);  // its segment [t - l, t) is now long enough
    std::erase_if(candidates, [&](std::size_t s) { return drop_at[s] <= t; });
    sorted.clear();
    value.assign(candidates.size(), inf);
    std::size_t next = t;  // z[next, t) are in `sorted`
    double best = inf;
    std::size_t arg = 0;
    for (std::size_t i = candidates.size(); i-- > 0;) {  // latest start first
      const std::size_t s = candidates[i];
      while (next > s) {
        --next;
        sorted.insert(std::upper_bound(sorted.begin(), sorted.end(), z[next]), z[next]);
      }
      value[i] = F[s] + biweight_sorted(sorted, o.cap);
      const double total = value[i] + o.penalty;
      // Ties go to the earlier start (fewer change points).
      if (total <= best) {
        best = total;
        arg = s;
      }
    }
    F[t] = best;
    last[t] = arg;
    // PELT (Killick et al. 2012, K = 0): a start that is already worse than
    // F(t) stays worse for every end t' >= t + l (C(s, t') >= C(s, t) + C(t, t')).
    for (std::size_t i = 0; i < candidates.size(); ++i)
      if (value[i] > F[t] && drop_at[candidates[i]] == kNever) drop_at[candidates[i]] = t + l;
  }

  Segmentation out;
  out.cost = F[m];
  for (std::size_t t = m; t > 0;) {
    const std::size_t s = last[t];
    if (s > 0) out.starts.push_back(s);
    t = s;
  }
  std::reverse(out.starts.begin(), out.starts.end());
  break_ties(z, o, out.starts);
  return out;
}

}  // namespace lrb::changepoint
