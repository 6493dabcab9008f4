#pragma once
// Where the commands would look for a results file with this content:
// <suite>/<address>.json when it holds a digits-only "suite" and a
// 64-hex-digit "address" (so a mutated record whose identity still matches
// its address is read all the way to claims and figures), lr-find/x.json
// when it is an object with an "lr" key and no "suite", else 001/x.json.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <string>
#include <string_view>

namespace lrb::fuzz {

inline std::filesystem::path results_path(std::string_view text) {
  auto all = [](const std::string& s, int (*pred)(int)) {
    return std::all_of(s.begin(), s.end(), [&](unsigned char c) { return pred(c) != 0; });
  };
  const auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_object()) {
    const auto suite = j.find("suite"), address = j.find("address");
    if (suite != j.end() && suite->is_string() && address != j.end() && address->is_string()) {
      const auto s = suite->get<std::string>(), a = address->get<std::string>();
      if (!s.empty() && s.size() <= 8 && all(s, ::isdigit) && a.size() == 64 && all(a, ::isxdigit))
        return std::filesystem::path(s) / (a + ".json");
    }
    if (j.contains("lr") && suite == j.end()) return std::filesystem::path("lr-find") / "x.json";
  }
  return std::filesystem::path("001") / "x.json";
}

}  // namespace lrb::fuzz
