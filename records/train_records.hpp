#pragma once
// The records of single runs outside the suites:
//
//   lrbench.train/1     `lrbench train --out FILE`: one training run (config,
//                       per-epoch curves, LR and loss per step, throughput,
//                       status, provenance)
//   lrbench.lr_find/1   `lrbench lr-find --out FILE`: one LR range test
//                       {"lr": [...], "loss": [...], "smoothed": [...],
//                        "suggested_lr": x, "min_loss_lr": x, "rule": "...", ...};
//                       the report draws every DIR/lr-find/*.json
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "records/json_file.hpp"

namespace lrb::records {

inline constexpr const char* kTrainSchema = "lrbench.train/1";
inline constexpr const char* kLrFindSchema = "lrbench.lr_find/1";

// Writes a record (train or lr-find) as `lrbench` prints it: dump(1) + "\n",
// atomically.  Throws std::runtime_error naming the file.
void write_record(const std::filesystem::path& path, const json& record);
std::string record_json_text(const json& record);

// An LR range test file, checked: an object whose "lr" and "loss" are arrays
// of numbers (null = not finite) of one length, "smoothed" (optional) too.
// FormatError naming the file and the field.  Files written before the schema
// field existed are accepted; a "schema" other than lrbench.lr_find/1 is not.
json read_lr_find(const std::filesystem::path& path);
// DIR/lr-find/*.json, sorted by name: (path, content).
std::vector<std::pair<std::string, json>> load_lr_find(const std::string& results_dir);

}  // namespace lrb::records
