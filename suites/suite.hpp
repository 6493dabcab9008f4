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
#include <string>
#include <vector>

#include "records/address.hpp"
#include "records/manifest.hpp"
#include "records/results_dir.hpp"
#include "records/run_record.hpp"
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

struct ClaimResult {
  Verdict verdict = Verdict::inconclusive;
  std::string summary;  // one sentence with the deciding numbers
  json evidence;        // per-seed values, means, CIs, effect sizes, counts
  int missing = 0;      // expected runs without a record
  int expected = 0;
  int diverged = 0;     // expected runs with status diverged
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

// The suite's manifest for a budget (records/manifest.hpp): its texts, its
// claims' statements and its plan.
records::Manifest manifest(const Suite& suite, const Budget& budget);

// One declaration file per tutorial: suites/<id>_<name>.cpp, or a study file
// suites/<id>_<name>.toml (001, 004; built into the binary, see study/).
Suite suite_000();
Suite suite_002();
Suite suite_003();

}  // namespace lrb::suites
