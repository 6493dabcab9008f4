#pragma once
// Reading and writing results files: bounded JSON parsing, strict field
// access that names the file and the field, and atomic writes.
//
// Depth: nlohmann's parser is iterative, but copying, comparing and dumping a
// json value recurse once per nesting level, so a file holding a 1,000,000-deep
// array would overflow the stack long after parsing.  Every results file is
// therefore checked for its nesting depth before it is parsed: lrbench writes
// at most ~6 levels, and anything deeper than kMaxJsonDepth is a FormatError
// naming the file and the limit.
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "records/error.hpp"

namespace lrb::records {

using nlohmann::json;

inline constexpr int kMaxJsonDepth = 64;

// The bytes of `path`.  Throws FormatError naming the OS error (missing file,
// permission, symlink loop, a directory).
std::string read_text(const std::filesystem::path& path);

// Deepest nesting of arrays/objects in `text` (strings skipped), scanning at
// most until it exceeds `limit`.  Linear time, no recursion.
int json_depth(const std::string& text, int limit = kMaxJsonDepth);

// Parses `text` (read from `path`, named in errors): FormatError when it is
// nested deeper than kMaxJsonDepth or is not valid JSON.  `what` says what the
// file was expected to be ("a run record (lrbench.run/1)").
json parse_json(const std::string& text, const std::string& path, const std::string& what);
json read_json(const std::filesystem::path& path, const std::string& what);

// Writes `content` to a temp file in path's folder (created), fsyncs it and
// renames it over `path`: readers see the old file or the new one, never a
// torn one, even when the process is killed.  Temp names are
// ".<name>.tmp.<pid>.<n>" (remove_stale_temp_files cleans them up after a
// kill).  Throws std::runtime_error naming the file and the OS error.
void write_atomic(const std::filesystem::path& path, const std::string& content);

// "<dump of v>" cut to about 60 characters, for messages.
std::string excerpt(const json& v);

// Strict access to one JSON object of a file: every accessor throws a
// FormatError naming the file and the field path (e.g. configs[2].runs[0].seed)
// when the field is missing or has the wrong type.
class Fields {
 public:
  // Throws when `value` is not an object.
  Fields(const json& value, std::string path, std::string where = "");

  bool has(const char* key) const;
  const json& any(const char* key) const;  // present, any type
  const std::string& str(const char* key) const;
  int64_t integer(const char* key) const;
  double number(const char* key) const;  // a JSON number (null is not one)
  bool boolean(const char* key) const;
  const json& object(const char* key) const;
  const json& array(const char* key) const;
  std::vector<std::string> strings(const char* key) const;  // an array of strings
  Fields sub(const char* key) const;                        // a nested object
  Fields element(const char* key, size_t i) const;          // array(key)[i], an object

  std::string where(const std::string& key) const;  // "<where>.<key>"
  [[noreturn]] void fail(const std::string& key, const std::string& problem) const;
  const std::string& path() const { return path_; }
  const json& value() const { return *value_; }

 private:
  const json* value_;
  std::string path_, where_;
};

}  // namespace lrb::records
