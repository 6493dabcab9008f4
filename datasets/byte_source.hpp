#pragma once
// Internal to datasets/: a file read as plain bytes or, when it starts with the
// gzip magic 1f 8b, as the inflated content of its gzip members.  Used by the
// IDX and CSV readers so both see decompressed bytes and hash the same thing.
#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

namespace lrb::data::detail {

class ByteSource {
 public:
  // Opens the file; a missing or unreadable file is a DataError with `hint`.
  ByteSource(const std::filesystem::path& path, const std::string& hint);
  ~ByteSource();
  ByteSource(const ByteSource&) = delete;
  ByteSource& operator=(const ByteSource&) = delete;

  // Reads up to n bytes into dst and returns how many; fewer than n only at
  // the end of the data.  A truncated or corrupt gzip stream is a DataError.
  std::size_t read(std::uint8_t* dst, std::size_t n);

  bool gzip() const { return gzip_; }
  std::uint64_t file_bytes() const { return file_bytes_; }
  const std::string& path() const { return path_; }

 private:
  std::size_t read_raw(std::uint8_t* dst, std::size_t n);
  std::size_t read_gzip(std::uint8_t* dst, std::size_t n);
  void refill();  // moves unread input to the front and reads more from the file
  [[noreturn]] void corrupt(const std::string& found) const;

  std::string path_;
  std::string hint_;
  std::FILE* file_ = nullptr;
  std::uint64_t file_bytes_ = 0;
  bool gzip_ = false;
  // gzip state
  z_stream z_{};
  bool z_ready_ = false;
  bool member_done_ = false;  // the current gzip member has ended
  bool file_eof_ = false;
  std::vector<std::uint8_t> in_;  // compressed input buffer
  std::uint64_t compressed_consumed_ = 0;
};

// Makes room in v for `more` elements when the data that fills it has not
// been proven to exist (a gzip stream may end long before its header's claim):
// capacity doubles with what has actually arrived, starting at `first`, and
// never exceeds `total`, the most the caller will ever put in.  So the largest
// buffer is at most 1.5 x what arrived (the final step) and at most `total`.
template <class T>
void reserve_as_data_arrives(std::vector<T>& v, std::size_t more, std::size_t total,
                             std::size_t first = std::size_t{1} << 18) {
  const std::size_t need = v.size() + more;
  if (need <= v.capacity()) return;
  v.reserve(std::min(total, std::max({need, 2 * v.capacity(), first})));
}

}  // namespace lrb::data::detail
