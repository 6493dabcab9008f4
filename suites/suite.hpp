#pragma once
// A reproduction suite is plain data plus two small functions:
//
//   Suite { id, title, tutorial (what the text says), we_run, deviations (what
//           we do differently and why), plan(budget) -> the runs,
//           execute(run, context) -> the run's result fields,
//           claims (each a check over results files) }
//
// A run (records::RunSpec: suite, config, seed, params, factors) and its
// content address are defined by records/address.hpp; the record a run
// leaves by records/run_record.hpp.  Every run declares its factors (the
// optimizer, LR, problem, ... it stands for): the manifest carries them to
// the report, which groups curves by them; they are not part of the address.
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "records/address.hpp"
#include "records/manifest.hpp"
#include "records/results_dir.hpp"
#include "records/run_record.hpp"
#include "records/seed_plan.hpp"
#include "suites/context.hpp"

namespace lrb::suites {

using nlohmann::json;
using records::Budget;
using records::Factor;
using records::Factors;
using records::ResultSet;
using records::RunResult;
using records::RunSpec;

enum class Verdict { supported, refuted, inconclusive };
const char* to_string(Verdict v);

// One statistical test inside a claim: what suites/verdict_stats.hpp needs to
// judge it alone (raw), inside its suite's family (adjusted) and over
// sequential looks.  A claim with no test (an exact or descriptive rule) has
// none; a composite claim ("on both problems") has one per part.
struct ClaimTest {
  enum class Kind {
    directional,  // paired t: "the contender is better"; diff > 0 is the claim's direction
    equivalence,  // TOST: "no difference that matters"; diff = contender - baseline
    sign,         // exact sign test over pairs (wins / losses); no interval, no power
  };
  Kind kind = Kind::directional;
  std::string label;                 // the part of a composite claim ("vs SGD"); "" when alone
  std::string baseline, contender;   // what the two sides are (config names)
  std::vector<std::string> configs;  // every configuration whose seeds it reads (seeds are added to these)
  std::string units;                 // what diff is measured in ("/final/test_loss", "log10 ratio")
  std::vector<int64_t> seeds;        // one per pair, ascending
  std::vector<double> diff;          // per pair (paired kinds)
  double threshold = 0;  // directional: "supported" needs a gain above this (0: any gain)
  double band = 0;       // >= 0: differences within +-band do not matter (0: none stated)
  int wins = 0, losses = 0, ties = 0;  // sign
};

// How a composite claim's tests make its verdict.
enum class Combine {
  all_agree,  // supported if every test supports it, refuted if every test refutes it
};

struct ClaimResult {
  Verdict verdict = Verdict::inconclusive;
  std::string summary;  // one sentence with the deciding numbers
  json evidence;        // per-seed values, means, CIs, effect sizes, counts
  int missing = 0;      // expected runs without a record
  int expected = 0;
  int diverged = 0;     // expected runs with status diverged
  // The claim's tests (empty: no sampling test; `basis` says what decides it).
  std::vector<ClaimTest> tests;
  Combine combine = Combine::all_agree;
  // Claims without tests: "exact" (deterministic runs, a value compared with a
  // threshold), "count" (a property checked on every run) or "descriptive" (a
  // fixed rule over medians; no error model).  Empty with tests.
  std::string basis;
};

struct Claim {
  std::string id;         // "002.1"
  std::string statement;  // what the tutorial claims, in our words
  std::string source;     // where: "tutorial 002 sec. 4.2"
  std::string metric;     // what is measured
  std::string test;       // how the verdict is decided
  // Evaluates from the records alone.  `plan` is the run list of the budget
  // the claims are checked for (to count missing runs).  Throws
  // std::runtime_error only for records that are malformed for this check.
  std::function<ClaimResult(const ResultSet& results, const std::vector<RunSpec>& plan)> check;
};

struct Suite {
  std::string id;                        // "002"
  std::string title;
  std::vector<std::string> tutorial;     // what the tutorial says and does
  std::vector<std::string> we_run;       // what we run
  std::vector<std::string> deviations;   // each deviation and why
  // A study's own titled texts for a budget (its question, what is run, the
  // tuning choices); when set, it replaces the three lists above.
  std::function<std::vector<records::Section>(const Budget&)> sections = nullptr;
  // The runs of a budget in declaration order, each with its factors.
  std::function<std::vector<RunSpec>(const Budget&)> plan;
  std::function<RunResult(const RunSpec&, const RunContext&)> execute;
  std::vector<Claim> claims;
};

// Every implemented suite, in id order.
const std::vector<Suite>& registry();
const Suite& find_suite(const std::string& id);  // throws std::invalid_argument

// The suite's plan for a budget, with the extra seeds of its seed plan when
// `seed_plans` holds one (records/seed_plan.hpp; FormatError if it does not fit).
std::vector<RunSpec> suite_plan(const Suite& suite, const Budget& budget,
                                const std::map<std::string, records::SeedPlan>& seed_plans = {});

// The suite's manifest for a budget (records/manifest.hpp): its texts, its
// claims' statements and its plan (with its seed plan's extra seeds).
records::Manifest manifest(const Suite& suite, const Budget& budget,
                           const std::map<std::string, records::SeedPlan>& seed_plans = {});

// One declaration file per tutorial: suites/<id>_<name>.cpp, or a study file
// suites/<id>_<name>.toml (001, 004; built into the binary, see study/).
Suite suite_000();
Suite suite_002();
Suite suite_003();

}  // namespace lrb::suites
