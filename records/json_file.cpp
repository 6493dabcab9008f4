#include "records/json_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

namespace lrb::records {
namespace fs = std::filesystem;

std::string read_text(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw FormatError(path.string(), "", std::string("cannot be read (") + std::strerror(errno) + ")");
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw FormatError(path.string(), "", "is not a regular file");
  }
  std::string text;
  text.reserve(static_cast<size_t>(st.st_size));
  char buf[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      const std::string err = std::strerror(errno);
      ::close(fd);
      throw FormatError(path.string(), "", "read failed (" + err + ")");
    }
    text.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return text;
}

int json_depth(const std::string& text, int limit) {
  int depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > deepest && (deepest = depth) > limit) return deepest;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return deepest;
}

json parse_json(const std::string& text, const std::string& path, const std::string& what) {
  if (json_depth(text) > kMaxJsonDepth)
    throw FormatError(path, "",
                      "nested deeper than " + std::to_string(kMaxJsonDepth) +
                          " levels (the limit for results files; expected " + what + ")");
  try {
    return json::parse(text);
  } catch (const json::exception& e) {
    throw FormatError(path, "", std::string("not valid JSON (") + e.what() + "); expected " + what);
  }
}

json read_json(const fs::path& path, const std::string& what) {
  return parse_json(read_text(path), path.string(), what);
}

namespace {
std::atomic<uint64_t> g_tmp_counter{0};  // unique temp names across threads
}  // namespace

void write_atomic(const fs::path& path, const std::string& content) {
  if (path.has_parent_path()) {
    std::error_code ec;
    fs::create_directories(path.parent_path(), ec);
    if (ec) throw std::runtime_error(path.parent_path().string() + ": cannot create the folder (" + ec.message() + ")");
  }
  const fs::path tmp = path.parent_path() /
                       ("." + path.filename().string() + ".tmp." + std::to_string(::getpid()) + "." +
                        std::to_string(g_tmp_counter++));
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error(tmp.string() + ": cannot create (" + std::strerror(errno) + ")");
  auto fail = [&](const std::string& what) {
    const std::string err = std::strerror(errno);
    ::close(fd);
    ::unlink(tmp.c_str());
    throw std::runtime_error(path.string() + ": " + what + " (" + err + ")");
  };
  size_t off = 0;
  while (off < content.size()) {
    const ssize_t w = ::write(fd, content.data() + off, content.size() - off);
    if (w < 0) {
      if (errno == EINTR) continue;
      fail("write failed");
    }
    off += static_cast<size_t>(w);
  }
  if (::fsync(fd) != 0) fail("fsync failed");
  if (::close(fd) != 0) {
    const std::string err = std::strerror(errno);
    ::unlink(tmp.c_str());
    throw std::runtime_error(path.string() + ": close failed (" + err + ")");
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string err = std::strerror(errno);
    ::unlink(tmp.c_str());
    throw std::runtime_error(path.string() + ": rename failed (" + err + ")");
  }
}

std::string excerpt(const json& v) {
  std::string s = v.dump();
  if (s.size() > 60) s = s.substr(0, 57) + "...";
  return s;
}

// ---- Fields ------------------------------------------------------------------

Fields::Fields(const json& value, std::string path, std::string where)
    : value_(&value), path_(std::move(path)), where_(std::move(where)) {
  if (!value.is_object())
    throw FormatError(path_, where_, std::string("expected a JSON object, found ") + value.type_name());
}

std::string Fields::where(const std::string& key) const { return where_.empty() ? key : where_ + "." + key; }

void Fields::fail(const std::string& key, const std::string& problem) const {
  throw FormatError(path_, where(key), problem);
}

bool Fields::has(const char* key) const { return value_->contains(key); }

const json& Fields::any(const char* key) const {
  const auto it = value_->find(key);
  if (it == value_->end()) fail(key, "missing");
  return *it;
}

namespace {
std::string found(const json& v) { return std::string(v.type_name()) + " " + excerpt(v); }
}  // namespace

const std::string& Fields::str(const char* key) const {
  const json& v = any(key);
  if (!v.is_string()) fail(key, "expected a string, found " + found(v));
  return v.get_ref<const std::string&>();
}

int64_t Fields::integer(const char* key) const {
  const json& v = any(key);
  if (!v.is_number_integer()) fail(key, "expected an integer, found " + found(v));
  if (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX))
    fail(key, "integer out of range: " + excerpt(v));
  return v.get<int64_t>();
}

double Fields::number(const char* key) const {
  const json& v = any(key);
  if (!v.is_number()) fail(key, "expected a number, found " + found(v));
  return v.get<double>();
}

bool Fields::boolean(const char* key) const {
  const json& v = any(key);
  if (!v.is_boolean()) fail(key, "expected true or false, found " + found(v));
  return v.get<bool>();
}

const json& Fields::object(const char* key) const {
  const json& v = any(key);
  if (!v.is_object()) fail(key, "expected an object, found " + found(v));
  return v;
}

const json& Fields::array(const char* key) const {
  const json& v = any(key);
  if (!v.is_array()) fail(key, "expected an array, found " + found(v));
  return v;
}

std::vector<std::string> Fields::strings(const char* key) const {
  const json& a = array(key);
  std::vector<std::string> out;
  for (size_t i = 0; i < a.size(); ++i) {
    if (!a[i].is_string()) fail(std::string(key) + "[" + std::to_string(i) + "]", "expected a string, found " + found(a[i]));
    out.push_back(a[i].get<std::string>());
  }
  return out;
}

Fields Fields::sub(const char* key) const { return Fields(object(key), path_, where(key)); }

Fields Fields::element(const char* key, size_t i) const {
  return Fields(array(key).at(i), path_, where(key) + "[" + std::to_string(i) + "]");
}

}  // namespace lrb::records
