#pragma once
// The context block every results file starts with: what produced the
// numbers, so a figure can be cited and a run re-created.  One function for
// every record kind (run, train, lr-find); add a field here and every results
// file gets it.
#include <nlohmann/json.hpp>
#include <string>

namespace lrb::records {

// lrbench version, commit, compiler, flags, build type, CPU model, logical
// cores, OpenMP threads, host, UTC time, library versions.  Dataset hashes
// and seeds are added by whoever knows them (run_record adds seed and dataset).
nlohmann::json provenance(int threads);

// "AMD EPYC ..." from /proc/cpuinfo, or "unknown".
std::string cpu_model();

// Current UTC time as ISO 8601, e.g. "2026-11-22T22:24:34Z".
std::string utc_now();

}  // namespace lrb::records
