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
#include <limits>
#include <string>
#include <string_view>

#include "core/spec/spec.hpp"

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

// Suite 004's claim "accuracy is meaningless for regression" reads
// final["test_loss"] with nlohmann's const operator[], which is undefined
// behaviour for a missing key (an assertion in builds without NDEBUG): a
// record whose "final" lacks it (the content address does not cover
// "final") breaks `claims` and `report` (suites/004_lr_adjustment.cpp).
// regressions/run_record/open/claim-004-final-without-test_loss.json
inline bool claim_004_final_without_test_loss(std::string_view text) {
  const auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object() || j.value("suite", nlohmann::json()) != "004") return false;
  const auto f = j.find("final");
  return f != j.end() && f->is_object() && !f->contains("test_loss");
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

// Walks every argument of `s` and its nested specs and lists.
template <class Fn>
void for_each_scalar(const spec::Spec& s, const Fn& fn) {
  struct Walk {
    const Fn& fn;
    void value(const std::string& key, const spec::Value& v) const {
      if (v.kind == spec::Value::Kind::scalar) fn(key, v.text);
      for (const auto& item : v.items) value(key, item);
      if (v.nested) spec(*v.nested);
    }
    void spec(const spec::Spec& s) const {
      for (const auto& [k, v] : s.args) value(k, v);
    }
  };
  Walk{fn}.spec(s);
}

// problem_from_spec and model_from_spec cast sizes to int before checking
// them: quadratic:dim=4294967298 runs a 2-D problem, mlp:widths=[4294967297,1]
// a 1-wide layer (core/problems/problems.cpp, core/models/model.cpp).
// regressions/spec_objects/open/{quadratic-dim,mlp-width}-*
inline bool integer_beyond_int(const spec::Spec& s) {
  bool found = false;
  for_each_scalar(s, [&](const std::string&, const std::string& text) {
    const auto v = spec::to_int(text);
    if (v && (*v > std::numeric_limits<int>::max() || *v < std::numeric_limits<int>::min()))
      found = true;
  });
  return found;
}

// cosine_annealing_warm_restarts multiplies its period by T_mult in int64
// without a check (core/schedules/schedule_eval.cpp): a huge T_mult overflows
// (undefined behaviour; the LR turns NaN in Release).  Real values are 1-4.
// regressions/spec_objects/open/warm-restarts-huge-T_mult
inline bool huge_t_mult(const spec::Spec& s) {
  bool found = false;
  for_each_scalar(s, [&](const std::string& key, const std::string& text) {
    const auto v = spec::to_double(text);
    if (key == "T_mult" && v && *v > 1000) found = true;
  });
  return found;
}

}  // namespace lrb::fuzz::open
