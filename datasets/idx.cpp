#include "datasets/idx.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <limits>
#include <string>

#include "datasets/byte_source.hpp"
#include "datasets/error.hpp"
#include "datasets/sha256.hpp"

namespace lrb::data {

namespace {

constexpr std::uint64_t kDeflateMaxRatio = 1032;  // deflate cannot expand more than this
constexpr std::size_t kReadChunk = 1 << 20;

// sizeof one element, 0 for a byte that is not an IDX type.
std::size_t element_size(std::uint8_t type) {
  switch (type) {
    case 0x08: case 0x09: return 1;
    case 0x0B: return 2;
    case 0x0C: case 0x0D: return 4;
    case 0x0E: return 8;
    default: return 0;
  }
}

std::string hex_bytes(const std::uint8_t* p, std::size_t n) {
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s += fmt::format("{}{:02x}", i ? " " : "", p[i]);
  return s;
}

std::string dims_text(const std::vector<std::uint32_t>& dims) {
  std::string s;
  for (std::size_t i = 0; i < dims.size(); ++i) s += fmt::format("{}{}", i ? " x " : "", dims[i]);
  return s;
}

std::string ndims_meaning(int ndims) {
  if (ndims == 3) return " (count, rows, cols)";
  if (ndims == 1) return " (count)";
  return "";
}

// Reads until n bytes or the end of data, hashing what it reads.
std::size_t read_full(detail::ByteSource& src, Sha256& sha, std::uint8_t* dst, std::size_t n) {
  std::size_t got = 0;
  while (got < n) {
    const std::size_t k = src.read(dst + got, n - got);
    if (k == 0) break;
    got += k;
  }
  sha.update({dst, got});
  return got;
}

}  // namespace

std::string idx_type_name(std::uint8_t type) {
  switch (type) {
    case 0x08: return "0x08 (unsigned byte)";
    case 0x09: return "0x09 (signed byte)";
    case 0x0B: return "0x0b (16-bit integer)";
    case 0x0C: return "0x0c (32-bit integer)";
    case 0x0D: return "0x0d (32-bit float)";
    case 0x0E: return "0x0e (64-bit float)";
    default: return fmt::format("0x{:02x} (not an IDX type)", type);
  }
}

IdxArray read_idx(const std::filesystem::path& path, std::uint8_t expected_type,
                  int expected_ndims, const IdxLimits& limits) {
  const std::string hint = kIdxHint;
  detail::ByteSource src(path, hint);
  const std::string& p = src.path();
  Sha256 sha;
  IdxArray out;

  std::array<std::uint8_t, 4> magic{};
  const std::size_t got_magic = read_full(src, sha, magic.data(), 4);
  if (got_magic < 4)
    throw DataError(p, "a 4-byte IDX magic number (00 00 type ndims)",
                    fmt::format("a file of only {} byte(s)", got_magic), hint);
  if (magic[0] != 0 || magic[1] != 0)
    throw DataError(p, fmt::format("IDX magic 00 00 {:02x} {:02x}", expected_type, expected_ndims),
                    fmt::format("bytes {}: this is not an IDX file", hex_bytes(magic.data(), 4)),
                    hint);
  const std::uint8_t type = magic[2];
  const std::string kind_hint =
      "this may be another kind of IDX file than the one expected (images have 3 dimensions, "
      "labels 1, both unsigned bytes); check the file names in --data-dir, or " + hint;
  if (type != expected_type)
    throw DataError(p, fmt::format("IDX element type {}", idx_type_name(expected_type)),
                    fmt::format("type {}", idx_type_name(type)), kind_hint);
  const int ndims = magic[3];
  if (ndims != expected_ndims)
    throw DataError(p, fmt::format("{} dimension(s){}", expected_ndims, ndims_meaning(expected_ndims)),
                    fmt::format("{} dimension(s) in the IDX header", ndims), kind_hint);
  out.type = type;

  std::vector<std::uint8_t> raw_dims(4 * static_cast<std::size_t>(ndims));
  const std::size_t got_dims = read_full(src, sha, raw_dims.data(), raw_dims.size());
  if (got_dims < raw_dims.size())
    throw DataError(p, fmt::format("{} bytes of dimension sizes after the magic", raw_dims.size()),
                    fmt::format("only {} (the file ends inside its header)", got_dims), hint);
  const std::uint64_t header_bytes = 4 + raw_dims.size();

  std::uint64_t payload = element_size(type);
  bool overflow = false;
  for (int i = 0; i < ndims; ++i) {
    const std::uint8_t* b = raw_dims.data() + 4 * i;
    const std::uint32_t d = (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) |
                            (std::uint32_t{b[2]} << 8) | std::uint32_t{b[3]};
    out.dims.push_back(d);
    if (d == 0)
      throw DataError(p, "every dimension size >= 1",
                      fmt::format("dimension {} of {} is 0", i, ndims), hint);
    if (payload > std::numeric_limits<std::uint64_t>::max() / d)
      overflow = true;
    else
      payload *= d;
  }
  if (overflow || payload > limits.max_payload_bytes)
    throw DataError(p, fmt::format("at most {} bytes of data (the reader's limit)",
                                   limits.max_payload_bytes),
                    fmt::format("a header declaring {} = {} bytes", dims_text(out.dims),
                                overflow ? std::string("more than 2^64") : std::to_string(payload)),
                    "the header is corrupt or this is not a data set lrbench can hold in memory; "
                    "check the file against the original");

  const std::uint64_t file_bytes = src.file_bytes();
  if (!src.gzip()) {
    // Raw file: its size is known exactly, so size mismatches fail before any payload is read.
    const std::uint64_t want = header_bytes + payload;
    if (file_bytes < want)
      throw DataError(p, fmt::format("{} bytes ({}-byte header + {} = {} bytes of data)", want,
                                     header_bytes, dims_text(out.dims), payload),
                      fmt::format("a file of {} bytes: it is too short", file_bytes), hint);
    if (file_bytes > want)
      throw DataError(p, fmt::format("{} bytes ({}-byte header + {} = {} bytes of data)", want,
                                     header_bytes, dims_text(out.dims), payload),
                      fmt::format("a file of {} bytes: {} trailing bytes after the data",
                                  file_bytes, file_bytes - want),
                      hint);
  } else if (file_bytes > 0 && payload > file_bytes * kDeflateMaxRatio) {
    throw DataError(p, fmt::format("{} bytes of data ({}), as its header declares", payload,
                                   dims_text(out.dims)),
                    fmt::format("a gzip file of {} bytes, which cannot hold more than {} bytes "
                                "(deflate's maximum ratio is 1032:1)",
                                file_bytes, file_bytes * kDeflateMaxRatio),
                    hint);
  }

  // Grow as data arrives: never more than a few times what has been read.
  out.data.reserve(static_cast<std::size_t>(
      std::min<std::uint64_t>(payload, 16 * file_bytes + (64 << 10))));
  while (out.data.size() < payload) {
    const std::size_t old = out.data.size();
    const std::size_t chunk = static_cast<std::size_t>(std::min<std::uint64_t>(payload - old, kReadChunk));
    out.data.resize(old + chunk);
    const std::size_t got = read_full(src, sha, out.data.data() + old, chunk);
    if (got < chunk) {
      throw DataError(p, fmt::format("{} bytes of data after the {}-byte header ({})", payload,
                                     header_bytes, dims_text(out.dims)),
                      fmt::format("only {} bytes{}: the data is too short", old + got,
                                  src.gzip() ? " after decompression" : ""),
                      hint);
    }
  }
  // Nothing may follow the data; for gzip this also runs zlib to the end of the
  // stream, which verifies the CRC-32 and length trailer.
  std::array<std::uint8_t, 4096> tail{};
  std::uint64_t extra = 0;
  constexpr std::uint64_t kCountCap = std::uint64_t{64} << 20;
  while (extra < kCountCap) {
    const std::size_t k = src.read(tail.data(), tail.size());
    if (k == 0) break;
    extra += k;
  }
  if (extra > 0)
    throw DataError(p, fmt::format("exactly {} bytes ({}-byte header + {} = {} bytes of data)",
                                   header_bytes + payload, header_bytes, dims_text(out.dims), payload),
                    fmt::format("{}{} trailing bytes after the data{}", extra >= kCountCap ? "at least " : "",
                                extra, src.gzip() ? " (after decompression)" : ""),
                    hint);

  out.provenance.path = p;
  out.provenance.sha256 = sha.hex_digest();
  out.provenance.bytes = header_bytes + payload;
  out.provenance.file_bytes = file_bytes;
  out.provenance.gzip = src.gzip();
  return out;
}

IdxImages read_idx_images(const std::filesystem::path& path, const IdxLimits& limits) {
  IdxArray a = read_idx(path, kIdxUint8, 3, limits);
  IdxImages im;
  im.count = a.dims[0];
  im.rows = static_cast<int>(a.dims[1]);
  im.cols = static_cast<int>(a.dims[2]);
  im.pixels = std::move(a.data);
  im.provenance = std::move(a.provenance);
  return im;
}

IdxLabels read_idx_labels(const std::filesystem::path& path, int num_classes,
                          const IdxLimits& limits) {
  if (num_classes < 1 || num_classes > 256)
    throw std::invalid_argument(
        fmt::format("read_idx_labels: num_classes must be in [1, 256], got {}", num_classes));
  IdxArray a = read_idx(path, kIdxUint8, 1, limits);
  for (std::size_t i = 0; i < a.data.size(); ++i) {
    if (a.data[i] >= num_classes)
      throw DataError(a.provenance.path,
                      fmt::format("labels in 0..{} ({} classes)", num_classes - 1, num_classes),
                      fmt::format("label {} at index {}", a.data[i], i),
                      "these may not be the labels of this data set; check --data-dir, or the "
                      "number of classes given");
  }
  IdxLabels lab;
  lab.count = a.dims[0];
  lab.labels = std::move(a.data);
  lab.provenance = std::move(a.provenance);
  return lab;
}

}  // namespace lrb::data
