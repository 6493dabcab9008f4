#pragma once
// Claim verdicts, schema lrbench.verdicts/1, at DIR/verdicts/<suite>.<budget>.json:
// what `lrbench claims` decided for one suite's plan (its manifest), from
// which records, so the report can show them without running any check and
// can tell when they are stale.
//
//   {"schema": "lrbench.verdicts/1", "suite": "002",
//    "budget": {"key", "quick", "seeds"},
//    "manifest_sha256": "...",                   (the bytes of the manifest checked against)
//    "records": {"planned": 31, "present": 31, "digest": "..."},   (records_digest)
//    "claims": [ one row per claim, as `lrbench claims --format json` prints it ]}
//
// A row: {"suite", "id", "statement", "source", "metric", "test",
//         "verdict": "supported" | "refuted" | "inconclusive" | "error",
//         "summary", "error": null | "why the check could not be evaluated",
//         "expected_runs", "missing_runs", "diverged_runs", "evidence": {...}}
#include <filesystem>
#include <string>
#include <vector>

#include "records/manifest.hpp"

namespace lrb::records {

inline constexpr const char* kVerdictsSchema = "lrbench.verdicts/1";

struct ClaimVerdict {
  std::string suite;
  ClaimInfo claim;
  std::string verdict;  // "supported" | "refuted" | "inconclusive" | "error"
  std::string summary;  // one sentence with the deciding numbers
  std::string error;    // non-empty exactly when verdict == "error"
  int expected = 0, missing = 0, diverged = 0;  // runs
  json evidence;  // per-seed values, means, CIs, effect sizes, counts (null: none)
};
json to_json(const ClaimVerdict& v);

struct SuiteVerdicts {
  std::string suite;
  Budget budget;
  std::string manifest_sha256;
  int planned = 0, present = 0;  // runs of the plan, records found
  std::string records_digest;
  std::vector<ClaimVerdict> claims;
  std::string path;  // the file it was read from (not written)
};

std::filesystem::path verdicts_path(const std::string& dir, const std::string& suite, const Budget& budget);
std::string verdicts_text(const SuiteVerdicts& v);
void write_verdicts(const std::string& dir, const SuiteVerdicts& v);  // atomic; std::runtime_error
// Strict: FormatError naming the file and field.  The file name must be
// "<suite>.<budget key>.json" of its content.
SuiteVerdicts read_verdicts(const std::filesystem::path& path);

// The three sinks of `lrbench claims`: a text table with the totals, a
// Markdown table (results/claims.md), a JSON array of rows.
enum class ClaimsFormat { text, markdown, json };
std::string format_claims(const std::vector<ClaimVerdict>& rows, ClaimsFormat format);

}  // namespace lrb::records
