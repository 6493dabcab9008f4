#pragma once
// The run record, schema lrbench.run/1: one file per run of a suite,
// DIR/<suite>/<address>.json, written once (atomically) by `lrbench run`.
//
// Keys, in this order:
//   provenance {lrbench_version, commit, compiler, ..., threads, seed, dataset}
//   schema, address, numerics, suite, config, seed, params,
//   status ("ok" | "diverged"), diverged_at_step (null | int), steps,
//   final {metric: number | null, ...}, timing {wall_seconds, + what the run
//   returned under "timing", e.g. epoch_wall_seconds}, dataset {...},
//   curves {...}
// `provenance` and `timing` are the volatile part: merge ignores them when it
// compares two records of one address.  `address` must be the SHA-256 of the
// identity fields (address.hpp) and the file's name.
#include <optional>
#include <string>

#include "records/address.hpp"
#include "records/error.hpp"

namespace lrb::records {

inline constexpr const char* kRunSchema = "lrbench.run/1";

// What a run leaves besides its identity: status "ok" | "diverged",
// diverged_at_step (null or int), steps, "final" {metric: number|null},
// "curves" {...}, "dataset" {...}, optional "timing" {...} (volatile).
using RunResult = json;

// The record's text as written to disk (documented key order, dump(1), "\n").
std::string record_text(const RunSpec& run, const RunResult& result, double wall_seconds, const json& provenance);
// The same record parsed back (tests).
json make_record(const RunSpec& run, const RunResult& result, double wall_seconds, const json& provenance);

// Checks a parsed record against the schema and its file name (`stem`, the
// address it is stored under).  Returns the FormatError to throw or report,
// or nullopt when the record is sound.
std::optional<FormatError> check_run_record(const json& record, const std::string& path, const std::string& stem);

// The record without its volatile part (provenance, timing).
json strip_volatile(const json& record);

}  // namespace lrb::records
