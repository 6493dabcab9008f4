#pragma once
// A results directory as `lrbench run`, `claims` and `merge` leave it:
//
//   DIR/<suite>/<address>.json           run records (run_record.hpp)
//   DIR/manifests/<suite>.<budget>.json  the plan of one suite and budget (manifest.hpp)
//   DIR/verdicts/<suite>.<budget>.json   its claim verdicts (verdicts.hpp)
//   DIR/seeds/<suite>.<budget>.json      seeds added by --until-conclusive (seed_plan.hpp)
//   DIR/lr-find/*.json                   LR range tests of `lrbench lr-find` (lr_find.hpp)
//
// Record folders are the suite ids: all-digit names (the built-in suites) and
// every suite a manifest names.  Files starting with '.' are temp files of
// write_atomic and are never read.
#include <cstdint>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "records/address.hpp"
#include "records/error.hpp"

namespace lrb::records {

inline constexpr const char* kManifestsFolder = "manifests";
inline constexpr const char* kVerdictsFolder = "verdicts";
inline constexpr const char* kLrFindFolder = "lr-find";

std::string record_path(const std::string& dir, const RunSpec& run);

// Every record under DIR/<suite>/*.json, checked (run_record.hpp): bounded
// JSON, schema, identity fields, status, address = SHA-256 of the identity =
// file name, suite = folder.  Bad files (and unreadable entries, symlink
// loops) are listed in `errors`, never thrown; a DIR that is not a directory
// is one error.
struct LoadedResults {
  std::map<std::string, json> by_address;         // address -> record
  std::map<std::string, std::string> path_of;     // address -> file
  std::map<std::string, std::string> sha256_of;   // address -> SHA-256 of the file's bytes
  std::vector<FormatError> errors;
};
LoadedResults load_results(const std::string& dir);

// The records of one suite, by (config, seed): what claim checks read.
struct ResultSet {
  std::map<std::string, std::map<int64_t, json>> by_config;  // config -> seed -> record
  // When set, find() notes every config it is asked for: the configs a claim
  // check read, whose seeds its verdict quotes.
  std::set<std::string>* reads = nullptr;
  const json* find(const std::string& config, int64_t seed) const;
};
// The records of `plan` (matched by address) as one ResultSet per suite.
std::map<std::string, ResultSet> select(const LoadedResults& loaded, const std::vector<RunSpec>& plan);

struct SuiteStatus {
  std::string suite;
  int expected = 0, ok = 0, diverged = 0, missing = 0;
  int other = 0;  // records of this suite outside the plan (other budget or numerics)
};
std::vector<SuiteStatus> status(const LoadedResults& loaded, const std::vector<RunSpec>& plan);

// SHA-256 over "<address> <file SHA-256>\n" of those `addresses` that have a
// record, in sorted order: changes when a record appears, disappears or is
// rewritten.  Verdicts store it so the report can tell stale verdicts.
std::string records_digest(const LoadedResults& loaded, std::vector<std::string> addresses);

// Combines results directories into `out`: every record, every manifest
// (DIR/manifests: all shards of one plan write the same one) and every seed
// plan (DIR/seeds, seed_plan.hpp).  The same address in two inputs (or
// already in `out`) must hold the same record once provenance and timing are
// removed, and one manifest or seed plan name the same bytes;
// else FormatError naming both files, and nothing is written.  Verdicts are
// not copied: they belong to the records they were computed from (run
// `lrbench claims` on the merged directory).  Returns the records written.
int64_t merge(const std::vector<std::string>& inputs, const std::string& out);

// Temp files of write_atomic (".<name>.tmp.<pid>.<n>") in DIR's folders left
// by a process that was killed mid-write: removed when that process is gone.
void remove_stale_temp_files(const std::string& dir);

// Is `name` a valid suite id: [A-Za-z0-9][A-Za-z0-9_-]* (no '.', which
// separates suite and budget in manifest names), at most 64 characters.
bool valid_suite_id(const std::string& name);

}  // namespace lrb::records
