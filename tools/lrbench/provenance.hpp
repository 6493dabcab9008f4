#pragma once
// The context block every results file starts with (STYLE.md 12): what
// produced the numbers, so a figure can be cited and a run re-created.
#include <nlohmann/json.hpp>
#include <string>

namespace lrb::cli {

// schema, lrbench version, commit, compiler, flags, build type, CPU model,
// logical cores, OpenMP threads, library versions, host, UTC time.
// Dataset hashes and seeds are added by the command that knows them.
nlohmann::json provenance(int threads);

// "Intel(R) Xeon(R) ..." from /proc/cpuinfo, or "unknown".
std::string cpu_model();

// Current UTC time as ISO 8601, e.g. "2026-11-22T22:24:34Z".
std::string utc_now();

}  // namespace lrb::cli
