#pragma once
// What a run is, and its content address.
//
// A run is (suite, config, seed, params): `params` is the canonical JSON of
// every hyperparameter (optimizer and schedule as their to_spec_string forms,
// nothing left to a default), so two runs with equal params compute the same
// numbers.  Its content address is
//
//   address = sha256_hex( json{ "numerics": kNumericsVersion, "suite", "config",
//                               "seed", "params" }.dump() )
//
// (nlohmann::json with sorted keys, compact dump, shortest round-trip doubles).
// Bump kNumericsVersion when a change to core/ changes the numbers a run gives:
// every cached record then misses and is recomputed.
//
// `factors` are the run's declared design (optimizer "adam", lr 0.01, problem
// "mlp", ...): what the report groups and draws by.  They describe the run;
// they are NOT part of its identity, so declaring or renaming a factor never
// invalidates a record.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace lrb::records {

using nlohmann::json;

inline constexpr const char* kNumericsVersion = "lrbench-numerics/1";

// One declared factor of a run: a name and a scalar value (string, number, bool).
struct Factor {
  std::string name;
  json value;
  bool operator==(const Factor&) const = default;
};
using Factors = std::vector<Factor>;  // in declaration order

struct RunSpec {
  std::string suite;   // "002"
  std::string config;  // "tutorial/lr=0.01": groups the seeds of one setting
  int64_t seed = 0;
  json params;         // canonical, every hyperparameter explicit
  Factors factors{};   // declared design; not hashed
};

// Which budget: the full configuration, or the quick one (tests, smoke runs).
struct Budget {
  bool quick = false;
  int seeds = 0;  // 0: the suite's default for the budget
  bool operator==(const Budget&) const = default;
};
// "full", "quick", "full-seeds5", "quick-seeds2": names a suite's manifest and
// verdicts for this budget.
std::string budget_key(const Budget& b);

json identity_json(const RunSpec& run);  // what the address hashes
std::string run_address(const RunSpec& run);
// The address of a record's identity fields (numerics, suite, config, seed,
// params), exactly as run_address computes it for the run that wrote it.
std::string address_of_identity(const json& numerics, const json& suite, const json& config, const json& seed,
                                const json& params);

}  // namespace lrb::records
