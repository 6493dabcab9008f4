#pragma once
// The seeds `lrbench run --until-conclusive` added to a suite's plan, and the
// looks its sequential procedure took, schema lrbench.seed_plan/1, at
// DIR/seeds/<suite>.<budget key>.json.  With it the plan is reproducible:
// `run`, `status`, `claims` and the manifest (so the report) all see the
// extra runs, and `claims` judges the suite's tests over the recorded looks.
//
//   {"schema": "lrbench.seed_plan/1", "suite": "001",
//    "budget": {"key": "full", "quick": false, "seeds": 0},
//    "design": {"alpha": 0.05, "family_size": 8, "spending": "obrien-fleming",
//               "max_seeds": 30, "batch": 5},          (fixed at the first look)
//    "configs": [{"config": "tuned/adam", "seeds": 15}, ...],
//                 (seeds 0 .. seeds-1 of each listed config: the extra ones
//                  copy the params and factors of the config's planned runs)
//    "tests": [{"claim": "001.4", "label": "", "configs": ["tuned/sgd", "tuned/adam"],
//               "max_seeds": 30, "looks": [5, 10], "state": "continue"}]}
//
// `looks` are the pairs the test had at each look (increasing; the first is
// the suite's own seeds); `state` is "decided", "continue" or "stopped at
// cap" after the last look.  records/ knows no statistics: the design is
// plain data that suites/verdict_stats.hpp interprets.
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "records/address.hpp"

namespace lrb::records {

inline constexpr const char* kSeedPlanSchema = "lrbench.seed_plan/1";
inline constexpr const char* kSeedPlansFolder = "seeds";

struct SeedPlanDesign {
  double alpha = 0.05;           // the family's, two-sided
  int family_size = 0;           // tests sharing alpha (each gets alpha / family_size)
  std::string spending;          // "obrien-fleming" | "pocock"
  int max_seeds = 30;            // the cap, fixed at the first look
  int batch = 5;                 // seeds added per look
  bool operator==(const SeedPlanDesign&) const = default;
};

struct SeedPlanTest {
  std::string claim, label;
  std::vector<std::string> configs;
  int max_seeds = 0;           // this test's cap (>= its first look)
  std::vector<int> looks;      // pairs at each look
  std::string state;           // "decided" | "continue" | "stopped at cap"
};

struct SeedPlan {
  std::string suite;
  Budget budget;
  SeedPlanDesign design;
  std::map<std::string, int> configs;  // config -> seeds (0 .. n-1)
  std::vector<SeedPlanTest> tests;
  std::string path;  // the file it was read from (not written)

  const SeedPlanTest* find(const std::string& claim, const std::string& label) const;
  SeedPlanTest* find(const std::string& claim, const std::string& label);
};

std::filesystem::path seed_plan_path(const std::string& dir, const std::string& suite, const Budget& budget);
std::string seed_plan_text(const SeedPlan& p);
void write_seed_plan(const std::string& dir, const SeedPlan& p);  // atomic; std::runtime_error
// Strict: FormatError naming the file and field.
SeedPlan read_seed_plan(const std::filesystem::path& path);
// The seed plans of DIR for `budget`, by suite (none: empty).
std::map<std::string, SeedPlan> load_seed_plans(const std::string& dir, const Budget& budget);

// `plan` with the extra seeds of `p` (runs of other suites untouched): for
// each listed config, the seeds from its planned count up to p.configs[c] - 1,
// each a copy of the config's planned runs but for the seed.  FormatError
// naming p.path when a listed config is not planned, its planned seeds are not
// 0 .. k-1, or its runs differ in params (nothing to copy).
std::vector<RunSpec> extend_plan(std::vector<RunSpec> plan, const SeedPlan& p);

}  // namespace lrb::records
