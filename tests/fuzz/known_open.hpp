#pragma once
// Crashes the harnesses found in code outside datasets/ whose fixes belong to
// other changes (regressions/README.md, "Open").  Under libFuzzer
// (LRBENCH_FUZZ_SKIP_OPEN) each predicate recognizes the inputs of one open
// crash so that fuzzing goes on past it instead of stopping at it again; the
// replay builds never skip, so the input kept in regressions/<harness>/open/
// keeps failing (its test is DISABLED) until the fix is merged.  Then delete
// the predicate and its call, and move the input up one folder.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>

namespace lrb::fuzz::open {

inline constexpr bool kSkip =
#ifdef LRBENCH_FUZZ_SKIP_OPEN
    true;
#else
    false;
#endif

// perf-check's read_json catches json::parse_error only: a well-formed file
// with a number beyond double's range (1e999) throws json::out_of_range past
// it, and the command exits 1 instead of 2 (tools/lrbench/cmd_perf_check.cpp).
// regressions/bench_json/open/perf-check-number-overflow.json
inline bool perf_check_number_overflow(const std::filesystem::path& file) {
  std::ifstream f(file, std::ios::binary);
  const std::string text((std::istreambuf_iterator<char>(f)), {});
  return nlohmann::json::parse(text, nullptr, false).is_discarded() &&
         nlohmann::json::accept(text);
}

// The spec parser recurses once per '[' or '(' level (core/spec/spec.cpp):
// 40,000 levels overflow the stack of the Release binary, about 10,000 that
// of an ASan build.  regressions/spec/open/deep-nesting-40000-brackets
inline bool spec_nesting_overflows(std::string_view text) {
  std::size_t depth = 0, deepest = 0;
  for (const char c : text) {
    if (c == '[' || c == '(') deepest = std::max(deepest, ++depth);
    else if ((c == ']' || c == ')') && depth > 0) --depth;
  }
  return deepest > 2000;
}

}  // namespace lrb::fuzz::open
