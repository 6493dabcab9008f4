#pragma once
// The committed reference values of the verdict statistics
// (tests/stats/reference/verdict_statistics.json, written by
// tests/stats/gen_verdict_references.py from scipy / statsmodels / mpmath;
// no Python at test time).
#include <cmath>
#include <fstream>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace lrb::test {

inline const nlohmann::json& verdict_reference() {
  static const nlohmann::json j = [] {
    const std::string path =
        std::string(LRBENCH_SOURCE_DIR) + "/tests/stats/reference/verdict_statistics.json";
    std::ifstream f(path);
    if (!f)
      throw std::runtime_error("cannot open " + path +
                               " (regenerate: /usr/bin/python3 tests/stats/gen_verdict_references.py)");
    return nlohmann::json::parse(f);
  }();
  return j;
}

// A number, or the string "inf" (JSON has no infinity).
inline double num(const nlohmann::json& v) {
  if (v.is_string()) {
    if (v.get<std::string>() == "inf") return std::numeric_limits<double>::infinity();
    throw std::runtime_error("reference: unexpected string " + v.get<std::string>());
  }
  return v.get<double>();
}

inline std::vector<double> nums(const nlohmann::json& v) {
  std::vector<double> out;
  for (const auto& e : v) out.push_back(num(e));
  return out;
}

}  // namespace lrb::test
