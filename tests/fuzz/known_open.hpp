#pragma once
// Crashes a harness found whose fix belongs to another change and is not
// merged yet (regressions/README.md, "Open").  Under libFuzzer
// (LRBENCH_FUZZ_SKIP_OPEN) a predicate here recognizes the inputs of one open
// crash so that a campaign goes on past it instead of stopping at it again;
// the replay builds never skip, so the input kept in
// regressions/<harness>/open/ keeps failing (its test is DISABLED) until the
// fix is merged.  Then delete the predicate and its call, and move the input
// up one folder.
//
// None is open today: every crash found so far is fixed and replayed by
// fuzz.<harness>.regressions.

namespace lrb::fuzz::open {

inline constexpr bool kSkip =
#ifdef LRBENCH_FUZZ_SKIP_OPEN
    true;
#else
    false;
#endif

}  // namespace lrb::fuzz::open
