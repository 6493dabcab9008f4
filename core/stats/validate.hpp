#pragma once
// Argument checks shared by the stats sources (internal).
#include <cmath>
#include <span>
#include <stdexcept>
#include <string>

namespace lrb::stats::detail {

inline void check_sample(std::span<const double> x, const char* what) {
  if (x.empty()) throw std::invalid_argument(std::string(what) + ": empty sample");
  for (double v : x)
    if (std::isnan(v)) throw std::invalid_argument(std::string(what) + ": sample contains NaN");
}

inline void check_confidence(double c) {
  if (!(c > 0.0 && c < 1.0))
    throw std::invalid_argument("confidence must be in (0, 1), got " + std::to_string(c));
}

}  // namespace lrb::stats::detail
