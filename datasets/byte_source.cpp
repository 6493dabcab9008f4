#include "datasets/byte_source.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <system_error>

#include "datasets/error.hpp"

namespace lrb::data::detail {

namespace {
constexpr std::size_t kInChunk = 256 * 1024;
}

ByteSource::ByteSource(const std::filesystem::path& path, const std::string& hint)
    : path_(path.string()), hint_(hint) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status))
    throw DataError(path_, "a readable file", "no such file", hint_);
  if (std::filesystem::is_directory(status))
    throw DataError(path_, "a regular file", "a directory", hint_);
  // Devices, FIFOs and sockets could block or never end: refuse them up front.
  if (!std::filesystem::is_regular_file(status))
    throw DataError(path_, "a regular file", "a device, FIFO or socket", hint_);
  file_ = std::fopen(path_.c_str(), "rb");
  if (file_ == nullptr)
    throw DataError(path_, "a readable file",
                    fmt::format("it cannot be opened ({})", std::strerror(errno)), hint_);
  const auto size = std::filesystem::file_size(path, ec);
  file_bytes_ = ec ? 0 : size;

  unsigned char magic[2] = {0, 0};
  const std::size_t got = std::fread(magic, 1, 2, file_);
  gzip_ = got == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
  if (!gzip_) {
    std::rewind(file_);
    return;
  }
  in_.resize(kInChunk);
  in_[0] = magic[0];
  in_[1] = magic[1];
  const std::size_t more = std::fread(in_.data() + 2, 1, kInChunk - 2, file_);
  if (std::ferror(file_)) corrupt(fmt::format("a read error ({})", std::strerror(errno)));
  file_eof_ = more < kInChunk - 2;
  z_.next_in = in_.data();
  z_.avail_in = static_cast<uInt>(2 + more);
  // 15 + 16: a gzip wrapper (not zlib, not raw deflate), 32 KiB window.
  if (inflateInit2(&z_, 15 + 16) != Z_OK)
    throw DataError(path_, "a gzip stream zlib can open", "zlib refused to start (out of memory?)",
                    hint_);
  z_ready_ = true;
}

ByteSource::~ByteSource() {
  if (z_ready_) inflateEnd(&z_);
  if (file_ != nullptr) std::fclose(file_);
}

void ByteSource::corrupt(const std::string& found) const {
  throw DataError(path_, "a complete, valid gzip stream", found, hint_);
}

std::size_t ByteSource::read(std::uint8_t* dst, std::size_t n) {
  return gzip_ ? read_gzip(dst, n) : read_raw(dst, n);
}

std::size_t ByteSource::read_raw(std::uint8_t* dst, std::size_t n) {
  const std::size_t got = std::fread(dst, 1, n, file_);
  if (got < n && std::ferror(file_))
    throw DataError(path_, "a readable file", fmt::format("a read error ({})", std::strerror(errno)),
                    hint_);
  return got;
}

void ByteSource::refill() {
  if (file_eof_) return;
  const std::size_t keep = z_.avail_in;
  if (keep > 0 && z_.next_in != in_.data()) std::memmove(in_.data(), z_.next_in, keep);
  const std::size_t got = std::fread(in_.data() + keep, 1, in_.size() - keep, file_);
  if (std::ferror(file_)) corrupt(fmt::format("a read error ({})", std::strerror(errno)));
  if (got < in_.size() - keep) file_eof_ = true;
  z_.next_in = in_.data();
  z_.avail_in = static_cast<uInt>(keep + got);
}

std::size_t ByteSource::read_gzip(std::uint8_t* dst, std::size_t n) {
  std::size_t produced = 0;
  while (produced < n) {
    if (member_done_) {
      // Another gzip member may follow (gzip -d reads concatenations); anything
      // else is garbage.  Two bytes are needed to tell.
      if (z_.avail_in < 2) refill();
      if (z_.avail_in == 0) break;  // clean end of the last member
      if (z_.avail_in < 2 || z_.next_in[0] != 0x1f || z_.next_in[1] != 0x8b)
        corrupt(fmt::format("{} or more bytes that are not gzip data after the end of the "
                            "gzip stream (at compressed offset {})",
                            z_.avail_in, compressed_consumed_));
      if (inflateReset(&z_) != Z_OK) corrupt("a gzip member zlib cannot restart on");
      member_done_ = false;
    }
    if (z_.avail_in == 0) refill();
    const uInt in_before = z_.avail_in;
    const std::size_t want = std::min<std::size_t>(n - produced, 1u << 30);
    z_.next_out = dst + produced;
    z_.avail_out = static_cast<uInt>(want);
    const int rc = inflate(&z_, Z_NO_FLUSH);
    const std::size_t out_now = want - z_.avail_out;
    produced += out_now;
    compressed_consumed_ += in_before - z_.avail_in;
    if (rc == Z_STREAM_END) {
      member_done_ = true;
      continue;
    }
    if (rc == Z_OK) continue;
    if (rc == Z_BUF_ERROR) {
      // No progress was possible: zlib needs input we do not have.
      if (z_.avail_in == 0 && file_eof_)
        corrupt(fmt::format("the gzip stream ends early, after {} compressed bytes, before its "
                            "end marker and checksum (truncated file)",
                            compressed_consumed_));
      if (out_now == 0 && in_before == z_.avail_in)
        corrupt("a gzip stream zlib cannot make progress on");
      continue;
    }
    const char* msg = z_.msg != nullptr ? z_.msg : "unknown zlib error";
    if (rc == Z_DATA_ERROR || rc == Z_NEED_DICT)
      corrupt(fmt::format("corrupt gzip data near compressed offset {} (zlib: {})",
                          compressed_consumed_, msg));
    corrupt(fmt::format("a zlib failure (code {}: {})", rc, msg));
  }
  return produced;
}

}  // namespace lrb::data::detail
