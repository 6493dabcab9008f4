#include "records/train_records.hpp"

#include <algorithm>

#include "records/results_dir.hpp"

namespace lrb::records {
namespace fs = std::filesystem;

std::string record_json_text(const json& record) { return record.dump(1) + "\n"; }

void write_record(const fs::path& path, const json& record) { write_atomic(path, record_json_text(record)); }

namespace {
bool numeric_array(const json& j) {
  return j.is_array() && std::all_of(j.begin(), j.end(), [](const json& v) { return v.is_number() || v.is_null(); });
}
}  // namespace

json read_lr_find(const fs::path& path) {
  json j = read_json(path, "an LR range test of `lrbench lr-find` (lrbench.lr_find/1)");
  const Fields f(j, path.string());
  if (f.has("schema") && f.any("schema") != kLrFindSchema)
    f.fail("schema", std::string("expected \"") + kLrFindSchema + "\", found " + excerpt(f.any("schema")));
  const std::string hint = " (expected {\"lr\":[...], \"loss\":[...], \"smoothed\":[...], \"suggested_lr\": x, "
                           "\"rule\": \"...\"}); rerun `lrbench lr-find` to rewrite it";
  for (const char* k : {"lr", "loss"})
    if (!numeric_array(f.any(k))) f.fail(k, "must be an array of numbers" + hint);
  if (j["lr"].size() != j["loss"].size())
    f.fail("loss", "has " + std::to_string(j["loss"].size()) + " values but \"lr\" has " +
                       std::to_string(j["lr"].size()) + hint);
  if (f.has("smoothed") && (!numeric_array(j["smoothed"]) || j["smoothed"].size() != j["lr"].size()))
    f.fail("smoothed", "must be an array of numbers as long as \"lr\"" + hint);
  return j;
}

std::vector<std::pair<std::string, json>> load_lr_find(const std::string& results_dir) {
  std::vector<std::pair<std::string, json>> out;
  const fs::path dir = fs::path(results_dir) / kLrFindFolder;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return out;
  std::vector<fs::path> files;
  fs::directory_iterator it(dir, ec), end;
  if (ec) throw FormatError(dir.string(), "", "cannot be listed (" + ec.message() + ")");
  for (; it != end; it.increment(ec)) {
    if (ec) throw FormatError(dir.string(), "", "cannot be listed (" + ec.message() + ")");
    const auto name = it->path().filename().string();
    if (!name.empty() && name[0] != '.' && it->path().extension() == ".json") files.push_back(it->path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& p : files) out.emplace_back(p.string(), read_lr_find(p));
  return out;
}

}  // namespace lrb::records
