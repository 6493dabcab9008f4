#pragma once
// Claim verdicts, schema lrbench.verdicts/2, at DIR/verdicts/<suite>.<budget>.json:
// what `lrbench claims` decided for one suite's plan (its manifest), from
// which records, so the report can show them without running any check and
// can tell when they are stale.
//
//   {"schema": "lrbench.verdicts/2", "suite": "002",
//    "budget": {"key", "quick", "seeds"},
//    "manifest_sha256": "...",                   (the bytes of the manifest checked against)
//    "records": {"planned": 31, "present": 31, "digest": "..."},   (records_digest)
//    "claims": [ one row per claim, as `lrbench claims --format json` prints it ]}
//
// A row: {"suite", "id", "statement", "source", "metric", "test",
//         "verdict": "supported" | "refuted" | "inconclusive" | "error",   (the one that counts:
//                     adjusted for the suite's family, or sequential)
//         "raw_verdict": the same values (each test alone at 95 %, no adjustment),
//         "summary", "error": null | "why the check could not be evaluated",
//         "expected_runs", "missing_runs", "diverged_runs",
//         "seeds": {"<config>": seeds with a record, ...}   (the configs the check read),
//         "statistics": null | {
//            "raw_verdict", "basis": "" | "exact" | "count" | "descriptive" | "rule",
//            "procedure": {"multiplicity": "holm" | "bh" | "bonferroni" | "none", "alpha",
//                          "family_size", "family_confidence", "sequential": bool},
//            "tests": [{"label", "kind": "paired t" | "equivalence (TOST)" | "sign test",
//                       "baseline", "contender", "configs", "units", "n", "seeds",
//                       "threshold", "band", "p": {"raw", "adjusted"},
//                       "verdict": {"raw", "adjusted", "raw_why", "adjusted_why"},
//                       paired kinds: "estimate", "se", "sd",
//                         "ci": {"raw", "raw_confidence", "family", "family_confidence"},
//                         "mde": {"raw", "family", "power"}, "power_at_band",
//                         "skewness", "skew_warning",
//                       sign: "wins", "losses", "ties",
//                       "diagnosis": null | {"kind", "text", "mde", "corrected_d",
//                                            "seeds_for_observed", "seeds_for_observed_reached",
//                                            "seeds_for_equivalence", "seeds_for_equivalence_reached",
//                                            "seeds_beyond_band", "seeds_beyond_band_reached"},
//                       "sequential": null | {"alpha", "spending", "max_seeds",
//                                             "looks": [{"n", "t_critical", "interval"}],
//                                             "state", "n"}}]},
//         "evidence": {...}}
// suites/verdict_stats.hpp defines every statistic.  Files of schema
// lrbench.verdicts/1 (before the statistics) are still read: their rows have
// no raw verdict, seeds or statistics.
#include <filesystem>
#include <string>
#include <vector>

#include "records/manifest.hpp"

namespace lrb::records {

inline constexpr const char* kVerdictsSchema = "lrbench.verdicts/2";
inline constexpr const char* kVerdictsSchemaV1 = "lrbench.verdicts/1";

struct ClaimVerdict {
  std::string suite;
  ClaimInfo claim;
  std::string verdict;  // "supported" | "refuted" | "inconclusive" | "error"
  std::string summary;  // one sentence with the deciding numbers
  std::string error;    // non-empty exactly when verdict == "error"
  int expected = 0, missing = 0, diverged = 0;  // runs
  json evidence;  // per-seed values, means, CIs, effect sizes, counts (null: none)
  std::string raw_verdict;  // each test alone, unadjusted (empty: not recorded)
  json seeds = json::object();  // config -> seeds with a record, of the configs the check read
  json statistics;          // the statistics block above (null: none)
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

// The sinks of `lrbench claims`: a text table with the totals, a Markdown
// table (results/claims.md), a JSON array of rows, and the README's verdict
// table (Markdown, one line per claim: verdict, raw verdict, seeds, an
// abridged summary).
enum class ClaimsFormat { text, markdown, json, readme };
std::string format_claims(const std::vector<ClaimVerdict>& rows, ClaimsFormat format);

// The statistics of a row in a few lines of plain text (empty without
// statistics): the procedure, then per test p raw -> adjusted, the family
// interval, the MDE, the diagnosis of an inconclusive test, skewness
// warnings, sequential looks.  What the text, Markdown and HTML sinks show.
std::vector<std::string> statistics_lines(const ClaimVerdict& row);
// The seeds a row used, in a few characters: "10", "3-10", "10 -> 25".
std::string seeds_text(const ClaimVerdict& row);
// "holm, 10 tests, alpha 0.05" / "sequential (obrien-fleming, cap 30), alpha 0.05 / 10".
std::string procedure_text(const ClaimVerdict& row);

}  // namespace lrb::records
