#pragma once
// Percentile bootstrap (Efron & Tibshirani 1993, An Introduction to the
// Bootstrap, ch. 13): resample the seeds with replacement, recompute the
// statistic, and read the interval off the replicates' percentiles.
//
// Determinism (STYLE.md 9): replicate b draws from its own engine,
//   make_rng(seed, stream, b)   (datasets/rng.hpp: SplitMix64, derived seeds)
// and indices with Lemire's exactly uniform uniform_below(), so a result
// depends only on (data, seed, replicates) -- not on the platform, the
// standard library or how replicates are scheduled.
//
// Percentile rule: the inverted empirical cdf ("type 1"; Efron & Tibshirani's
// "B alpha-th value of the ordered replicates"): q(p) = the smallest
// replicate r_(j) with j / B >= p, j = ceil(p B) clamped to [1, B].  It
// always returns a value the bootstrap distribution takes -- what a
// performance profile, a step function of 1 / n_problems, should show.
//
// Statistics of samples that contain failures (+inf, a run that never
// reached its target): the mean is +inf as soon as one value is; the median
// is numpy's (type 7) with +inf sorting last, +inf when the middle reaches a
// failure.  So "median time to target" tolerates up to half failed seeds,
// the mean none.  NaN is rejected.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "core/stats/stats.hpp"

namespace lrb::stats {

enum class Statistic { kMean, kMedian };
const char* to_string(Statistic s);  // "mean", "median"

// The statistic of x (non-empty, no NaN, +inf allowed as above).
double statistic_of(std::span<const double> x, Statistic s);

// Inverted-cdf percentile of a sorted sample, p in [0, 1].
double percentile_sorted(std::span<const double> sorted, double p);

// Percentile bootstrap interval of the mean or median of x at `confidence`:
// [q((1 - c) / 2), q((1 + c) / 2)] over `replicates` resamples (>= 100).
Interval bootstrap_ci(std::span<const double> x, Statistic s, double confidence,
                      std::size_t replicates, std::uint64_t seed);

// n indices uniform in [0, n), from the replicate's own engine.
void draw_indices(std::span<std::uint32_t> out, std::uint32_t n, std::uint64_t seed,
                  std::string_view stream, std::uint64_t replicate);

}  // namespace lrb::stats
