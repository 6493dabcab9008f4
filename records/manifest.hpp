#pragma once
// The manifest of one suite and budget, schema lrbench.manifest/1, at
// DIR/manifests/<suite>.<budget key>.json: everything the report needs to
// know about a suite without running or linking it -- what the suite is
// (title, and its texts as titled sections: for a tutorial suite what the
// tutorial says, what is run, the deviations; a study names its own), its
// claims' statements, and its plan: every configuration in plan order with its
// declared factors, params and the (seed, address) of each run.
//
// `lrbench run` writes it before running (every shard writes the same bytes:
// nothing volatile is in it); `lrbench claims` writes it too, so results made
// before manifests existed get one.  A study defined by data (a suite with no
// C++ of its own) is described by the same file.
//
//   {"schema": "lrbench.manifest/1", "suite": "002", "title": "...",
//    "budget": {"key": "quick-seeds2", "quick": true, "seeds": 2},
//    "numerics": "lrbench-numerics/1",
//    "sections": [{"title": "What we run", "items": ["...", ...]}, ...],
//    "factors": ["experiment", "lr"],                      (names, declaration order)
//    "claims": [{"id", "statement", "source", "metric", "test"}],
//    "configs": [{"config": "lr_sweep/lr=0.1", "factors": {"experiment": "lr_sweep", "lr": 0.1},
//                 "params": {...} | null, "runs": [{"seed": 0, "address": "...", ["params": {...}]}]}]}
//
// `params` sits on the config when all its runs share them (every built-in
// suite), else on each run.  Readers check every field and that every address
// is the SHA-256 of its run's identity.
#include <filesystem>
#include <string>
#include <vector>

#include "records/address.hpp"

namespace lrb::records {

inline constexpr const char* kManifestSchema = "lrbench.manifest/1";

struct ClaimInfo {
  std::string id;         // "002.1"
  std::string statement;  // what the tutorial claims, in our words
  std::string source;     // where: "tutorial 002 sec. 4.2"
  std::string metric;     // what is measured
  std::string test;       // how the verdict is decided
};

// A titled list of sentences about the suite, shown as a heading and a list.
struct Section {
  std::string title;
  std::vector<std::string> items;
  bool operator==(const Section&) const = default;
};

struct PlannedRun {
  int64_t seed = 0;
  std::string address;
  json params = nullptr;  // only when the config's runs differ in params
};

struct PlannedConfig {
  std::string config;
  Factors factors;        // in the manifest's factor order
  json params = nullptr;  // shared by every run, or null (then on each run)
  std::vector<PlannedRun> runs;
};

struct Manifest {
  std::string suite, title;
  Budget budget;
  std::string numerics = kNumericsVersion;
  std::vector<Section> sections;     // in display order
  std::vector<std::string> factors;  // every factor name, first declaration first
  std::vector<ClaimInfo> claims;
  std::vector<PlannedConfig> configs;  // plan order
  std::string path;                    // the file it was read from (not written)

  size_t run_count() const;
  // Largest number of seeds of one config (what `--seeds K` asked for).
  size_t max_seeds() const;
  std::vector<RunSpec> plan() const;  // the runs again, with params and factors
};

// Fills m.configs and m.factors from `plan` (runs in the suite's declaration
// order; configs keep the order of their first run).
void set_plan(Manifest& m, const std::vector<RunSpec>& plan);

std::filesystem::path manifest_path(const std::string& dir, const std::string& suite, const Budget& budget);
std::string manifest_text(const Manifest& m);  // what write_manifest writes
// Writes DIR/manifests/<suite>.<key>.json atomically unless it already holds
// these bytes.  Throws std::runtime_error naming the file on a write failure.
void write_manifest(const std::string& dir, const Manifest& m);

// Strict readers: FormatError naming the file and the field.
Manifest parse_manifest(const json& j, const std::string& path);
Manifest read_manifest(const std::filesystem::path& path);
// Every DIR/manifests/*.json, sorted by file name (none: empty).  The file
// name must be "<suite>.<budget key>.json" of its content.
std::vector<Manifest> load_manifests(const std::string& dir);

}  // namespace lrb::records
