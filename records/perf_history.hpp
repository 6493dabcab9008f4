#pragma once
// The performance-history store's files (docs/perf-history.md §1): who a
// machine is, the index of its recorded commits, and one merged Google
// Benchmark JSON per commit.  This module owns the format -- strict readers
// that name the file and the field, writers through write_atomic, the machine
// id and the parent order; deciding what to record (calibration medians,
// tolerance matching, merging runs) is tools/perfhistory's.
//
//   STORE/<machine-id>/machine.json        MachineFile
//   STORE/<machine-id>/index.json          IndexFile (the commits, in any order)
//   STORE/<machine-id>/commits/<sha>.json  Google Benchmark JSON whose context
//                                          carries a RecordMeta block
//
// Every reader throws FormatError (a data error, exit 3) for a file that
// breaks the format or disagrees with another: a record of another commit or
// machine than its index entry says, a machine.json whose identity is not its
// directory's, a commit listed twice, two recorded children of one parent.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "records/benchmarks.hpp"
#include "records/error.hpp"

namespace lrb::records::perf_history {

inline constexpr int kSchema = 1;
// |ln(new / reference)| <= ln(1 + tolerance) for both calibrations: the same
// machine (this VM's calibration spreads by 6 % and 12 % between quiet runs).
inline constexpr double kDefaultTolerance = 0.25;
// The context key of a record's RecordMeta block.
inline constexpr const char* kMetaKey = "lrbench_perf_history";

// ---- who a machine is --------------------------------------------------------

// From a Google Benchmark context: cpu_model (the executable's custom context
// "cpu_model", else "unknown"), num_cpus, caches sorted.  The host name is not
// part of it: CI runners get a new one every run.
struct MachineIdentity {
  std::string cpu_model = "unknown";
  int64_t num_cpus = 0;
  std::vector<CacheInfo> caches;  // sorted by (type, level, size, num_sharing)
};
// Throws FormatError naming `path` when the context has no num_cpus.
MachineIdentity machine_identity(const BenchmarkContext& context, const std::string& path);
bool operator==(const MachineIdentity& a, const MachineIdentity& b);

// {"caches":[[type,level,size,num_sharing],...],"cpu_model":C,"num_cpus":N}:
// keys sorted, no whitespace -- the bytes the key is hashed from.
std::string canonical_identity(const MachineIdentity& m);
// First 8 hex digits of SHA-256(canonical_identity).
std::string machine_key(const MachineIdentity& m);
// cpu_model lower-cased, runs of [a-z0-9] joined by "-", at most 32
// characters ("unknown-cpu" if unknown), + "-" + num_cpus + "cpu".
std::string machine_slug(const MachineIdentity& m);
// "<slug>-<key>-g<generation>", e.g. "amd-epyc-2cpu-3fa94c1e-g1".
std::string machine_id(const MachineIdentity& m, int generation);

// The reference a record is matched against, as rates: the medians of
// BM_calib_fma_peak's "flops" counter and BM_calib_stream_triad's
// "bytes_per_second".
struct MachineCalibration {
  double fma_peak_flops = 0;
  double stream_triad_bytes_per_second = 0;
};
// Both within the tolerance of the reference (see kDefaultTolerance).
bool calibration_matches(const MachineCalibration& reference, const MachineCalibration& x, double tolerance);

// ---- machine.json --------------------------------------------------------------

struct MachineFile {
  std::string id;
  MachineIdentity identity;
  MachineCalibration calibration;  // of the generation's first record
  double tolerance = kDefaultTolerance;
  std::string created;             // UTC ISO 8601
};
nlohmann::json to_json(const MachineFile& m);
MachineFile read_machine_file(const std::filesystem::path& path);

// ---- index.json -----------------------------------------------------------------

struct IndexEntry {
  std::string commit;                 // 40 or 64 lowercase hex digits
  std::optional<std::string> parent;  // first parent; none for a root commit
  std::string time;                   // committer date, ISO 8601
  std::string subject;                // first line of the commit message ("" unknown)
  std::string file;                   // "commits/<commit>.json"
  std::string recorded;               // UTC ISO 8601 of the add
  int64_t benchmarks = 0, rows = 0;   // distinct benchmark names, iteration rows
};
struct IndexFile {
  std::string machine;
  std::vector<IndexEntry> commits;  // in the order they were added
};
nlohmann::json to_json(const IndexFile& index);
IndexFile read_index_file(const std::filesystem::path& path);

// ---- commits/<sha>.json -----------------------------------------------------------

// The block in a record's context: where the numbers came from.
struct RecordMeta {
  std::string commit;
  std::optional<std::string> parent;
  std::string time, subject, machine, recorded;
  std::vector<std::string> sources;   // input file names, in input order
  std::vector<int64_t> source_rows;   // rows each source contributed, in row order
};
nlohmann::json to_json(const RecordMeta& meta);
// The block from a parsed record (`path` names it in errors).
RecordMeta read_record_meta(const nlohmann::json& record, const std::string& path);

// ---- values ----------------------------------------------------------------------

// 40 or 64 lowercase hexadecimal digits.
bool is_commit_id(std::string_view s);
// YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM) as seconds since the Unix
// epoch (UTC); nullopt if malformed or out of range.
std::optional<double> parse_iso8601(std::string_view s);

// ---- the parent order (§1.3) ---------------------------------------------------------

struct Ordered {
  std::size_t entry = 0;   // index into IndexFile::commits
  bool after_gap = false;  // its parent is not the entry before it (not the first entry)
};
// Chains by parent (an entry follows its recorded parent), chains ordered by
// the time of their first entry, ties by commit id.  Throws FormatError
// naming `path` for a commit listed twice, a parent with two recorded
// children, a cycle, or a malformed time.
std::vector<Ordered> parent_order(const IndexFile& index, const std::string& path);

// ---- the store on disk -----------------------------------------------------------------

// The machine directories of a store: its subdirectories holding a
// machine.json, by name.  A subdirectory with an index.json or commits/ but
// no machine.json is a FormatError (a damaged machine, not something else).
std::vector<std::filesystem::path> machine_dirs(const std::filesystem::path& store);

struct StoredMachine {
  std::filesystem::path dir;
  MachineFile machine;
  IndexFile index;                   // empty if index.json does not exist yet
  std::vector<Ordered> order;
  std::vector<std::string> unlisted;  // commits/*.json no index entry names
};
// Reads and checks machine.json (schema, its id is the directory's name and
// its identity's) and index.json (schema, machine, each entry's commit and
// file name, the parent order).  Records are read by read_record.
StoredMachine read_machine_dir(const std::filesystem::path& dir);

struct StoredRecord {
  std::string path;
  RecordMeta meta;
  BenchmarkFile file;
  nlohmann::json raw_rows;  // the "benchmarks" array as stored
};
// Reads one entry's record and checks its block against the entry (commit,
// parent, machine) and its rows against source_rows.
StoredRecord read_record(const StoredMachine& m, const IndexEntry& entry);

// ---- writers (atomic; std::runtime_error naming the file on an OS error) ------------------

void write_machine_file(const std::filesystem::path& dir, const MachineFile& m);
void write_index_file(const std::filesystem::path& dir, const IndexFile& index);
// Writes dir/commits/<meta.commit>.json: `context` (the first input's)
// with the meta block added, and `rows` as its "benchmarks".
void write_record(const std::filesystem::path& dir, const nlohmann::json& context, const RecordMeta& meta,
                  const nlohmann::json& rows);

}  // namespace lrb::records::perf_history
