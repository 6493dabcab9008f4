#include "datasets/idx.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <limits>
#include <stdexcept>
#include <string>

#include "datasets/byte_source.hpp"
#include "datasets/error.hpp"
#include "datasets/sha256.hpp"

namespace lrb::data {

namespace {

constexpr std::uint64_t kDeflateMaxRatio = 1032;  // deflate cannot expand more than this
constexpr std::size_t kReadChunk = 1 << 20;   // what read_idx asks for at a time
constexpr std::size_t kFinishChunk = 64 << 10;  // finish()'s fixed buffer

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

struct IdxReader::State {
  State(const std::filesystem::path& path, const std::string& hint) : src(path, hint) {}
  detail::ByteSource src;
  Sha256 sha;
  std::uint8_t type = kIdxUint8;
  std::vector<std::uint32_t> dims;
  std::uint64_t header_bytes = 0, payload = 0, record_bytes = 0, read = 0;
  bool finished = false;
};

IdxReader::IdxReader(const std::filesystem::path& path, std::uint8_t expected_type,
                     int expected_ndims, const IdxLimits& limits)
    : s_(std::make_unique<State>(path, kIdxHint)) {
  if (expected_ndims < 1 || expected_ndims > 255)
    throw std::invalid_argument("IdxReader: expected_ndims must be in [1, 255]");
  const std::string hint = kIdxHint;
  State& s = *s_;
  const std::string& p = s.src.path();

  std::array<std::uint8_t, 4> magic{};
  const std::size_t got_magic = read_full(s.src, s.sha, magic.data(), 4);
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
  s.type = type;

  std::vector<std::uint8_t> raw_dims(4 * static_cast<std::size_t>(ndims));
  const std::size_t got_dims = read_full(s.src, s.sha, raw_dims.data(), raw_dims.size());
  if (got_dims < raw_dims.size())
    throw DataError(p, fmt::format("{} bytes of dimension sizes after the magic", raw_dims.size()),
                    fmt::format("only {} (the file ends inside its header)", got_dims), hint);
  s.header_bytes = 4 + raw_dims.size();

  std::uint64_t payload = element_size(type);
  bool overflow = false;
  for (int i = 0; i < ndims; ++i) {
    const std::uint8_t* b = raw_dims.data() + 4 * i;
    const std::uint32_t d = (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) |
                            (std::uint32_t{b[2]} << 8) | std::uint32_t{b[3]};
    s.dims.push_back(d);
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
                    fmt::format("a header declaring {} = {} bytes", dims_text(s.dims),
                                overflow ? std::string("more than 2^64") : std::to_string(payload)),
                    "the header is corrupt or this is not a data set lrbench can hold in memory; "
                    "check the file against the original");
  s.payload = payload;
  s.record_bytes = payload / s.dims[0];

  const std::uint64_t file_bytes = s.src.file_bytes();
  if (!s.src.gzip()) {
    // Raw file: its size is known exactly, so size mismatches fail before any payload is read.
    const std::uint64_t want = s.header_bytes + payload;
    if (file_bytes < want)
      throw DataError(p, fmt::format("{} bytes ({}-byte header + {} = {} bytes of data)", want,
                                     s.header_bytes, dims_text(s.dims), payload),
                      fmt::format("a file of {} bytes: it is too short", file_bytes), hint);
    if (file_bytes > want)
      throw DataError(p, fmt::format("{} bytes ({}-byte header + {} = {} bytes of data)", want,
                                     s.header_bytes, dims_text(s.dims), payload),
                      fmt::format("a file of {} bytes: {} trailing bytes after the data",
                                  file_bytes, file_bytes - want),
                      hint);
  } else if (payload > file_bytes * kDeflateMaxRatio) {
    throw DataError(p, fmt::format("{} bytes of data ({}), as its header declares", payload,
                                   dims_text(s.dims)),
                    fmt::format("a gzip file of {} bytes, which cannot hold more than {} bytes "
                                "(deflate's maximum ratio is 1032:1)",
                                file_bytes, file_bytes * kDeflateMaxRatio),
                    hint);
  }
}

IdxReader::~IdxReader() = default;
IdxReader::IdxReader(IdxReader&&) noexcept = default;
IdxReader& IdxReader::operator=(IdxReader&&) noexcept = default;

const std::string& IdxReader::path() const { return s_->src.path(); }
std::uint8_t IdxReader::type() const { return s_->type; }
const std::vector<std::uint32_t>& IdxReader::dims() const { return s_->dims; }
std::uint64_t IdxReader::record_bytes() const { return s_->record_bytes; }
std::uint64_t IdxReader::payload_bytes() const { return s_->payload; }
std::uint64_t IdxReader::payload_read() const { return s_->read; }
bool IdxReader::size_verified() const { return !s_->src.gzip(); }

void IdxReader::read(std::span<std::uint8_t> dst) {
  State& s = *s_;
  if (s.finished || dst.size() > s.payload - s.read)
    throw std::invalid_argument(fmt::format("IdxReader::read: {} bytes asked, {} left", dst.size(),
                                            s.finished ? 0 : s.payload - s.read));
  const std::size_t got = read_full(s.src, s.sha, dst.data(), dst.size());
  if (got < dst.size())
    throw DataError(s.src.path(),
                    fmt::format("{} bytes of data after the {}-byte header ({})", s.payload,
                                s.header_bytes, dims_text(s.dims)),
                    fmt::format("only {} bytes{}: the data is too short", s.read + got,
                                s.src.gzip() ? " after decompression" : ""),
                    kIdxHint);
  s.read += got;
}

FileProvenance IdxReader::finish(
    const std::function<void(std::span<const std::uint8_t>, std::uint64_t)>& visit) {
  State& s = *s_;
  if (s.finished) throw std::invalid_argument("IdxReader::finish called twice");
  std::vector<std::uint8_t> buf(kFinishChunk);
  while (s.read < s.payload) {
    const std::uint64_t at = s.read;
    const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(s.payload - at, buf.size()));
    read({buf.data(), n});
    if (visit) visit({buf.data(), n}, at);
  }
  s.finished = true;
  // Nothing may follow the data; for gzip this also runs zlib to the end of the
  // stream, which verifies the CRC-32 and length trailer.
  const std::string& p = s.src.path();
  std::uint64_t extra = 0;
  constexpr std::uint64_t kCountCap = std::uint64_t{64} << 20;
  while (extra < kCountCap) {
    const std::size_t k = s.src.read(buf.data(), buf.size());
    if (k == 0) break;
    extra += k;
  }
  if (extra > 0)
    throw DataError(p, fmt::format("exactly {} bytes ({}-byte header + {} = {} bytes of data)",
                                   s.header_bytes + s.payload, s.header_bytes, dims_text(s.dims),
                                   s.payload),
                    fmt::format("{}{} trailing bytes after the data{}", extra >= kCountCap ? "at least " : "",
                                extra, s.src.gzip() ? " (after decompression)" : ""),
                    kIdxHint);
  FileProvenance out;
  out.path = p;
  out.sha256 = s.sha.hex_digest();
  out.bytes = s.header_bytes + s.payload;
  out.file_bytes = s.src.file_bytes();
  out.gzip = s.src.gzip();
  return out;
}

IdxArray read_idx(const std::filesystem::path& path, std::uint8_t expected_type,
                  int expected_ndims, const IdxLimits& limits, std::size_t max_records) {
  IdxReader r(path, expected_type, expected_ndims, limits);
  IdxArray out;
  out.type = r.type();
  out.dims = r.dims();
  out.records = static_cast<std::size_t>(std::min<std::uint64_t>(r.records(), max_records));
  // payload <= max_payload_bytes, so the product fits: records <= dims[0].
  const auto keep = static_cast<std::size_t>(out.records * r.record_bytes());
  if (r.size_verified()) out.data.reserve(keep);
  while (out.data.size() < keep) {
    const std::size_t old = out.data.size();
    const std::size_t chunk = std::min(keep - old, kReadChunk);
    detail::reserve_as_data_arrives(out.data, chunk, keep);
    out.data.resize(old + chunk);
    r.read({out.data.data() + old, chunk});
  }
  out.provenance = r.finish();
  return out;
}

void check_labels(const std::string& path, std::span<const std::uint8_t> labels,
                  std::uint64_t first_index, int num_classes) {
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] >= num_classes)
      throw DataError(path,
                      fmt::format("labels in 0..{} ({} classes)", num_classes - 1, num_classes),
                      fmt::format("label {} at index {}", labels[i], first_index + i),
                      "these may not be the labels of this data set; check --data-dir, or the "
                      "number of classes given");
  }
}

IdxImages read_idx_images(const std::filesystem::path& path, const IdxLimits& limits,
                          std::size_t max_images) {
  IdxArray a = read_idx(path, kIdxUint8, 3, limits, max_images);
  IdxImages im;
  im.count = a.records;
  im.rows = static_cast<int>(a.dims[1]);  // <= max_payload_bytes: fits an int
  im.cols = static_cast<int>(a.dims[2]);
  im.pixels = std::move(a.data);
  im.provenance = std::move(a.provenance);
  return im;
}

namespace {
void check_num_classes(int num_classes) {
  if (num_classes < 1 || num_classes > 256)
    throw std::invalid_argument(
        fmt::format("read_idx_labels: num_classes must be in [1, 256], got {}", num_classes));
}
}  // namespace

IdxLabels read_idx_labels(const std::filesystem::path& path, int num_classes,
                          const IdxLimits& limits, std::size_t max_labels) {
  check_num_classes(num_classes);
  IdxReader r(path, kIdxUint8, 1, limits);
  IdxLabels lab;
  lab.count = static_cast<std::size_t>(std::min<std::uint64_t>(r.records(), max_labels));
  if (r.size_verified()) lab.labels.reserve(lab.count);
  while (lab.labels.size() < lab.count) {
    const std::size_t old = lab.labels.size();
    const std::size_t chunk = std::min(lab.count - old, kReadChunk);
    detail::reserve_as_data_arrives(lab.labels, chunk, lab.count);
    lab.labels.resize(old + chunk);
    r.read({lab.labels.data() + old, chunk});
    check_labels(r.path(), {lab.labels.data() + old, chunk}, old, num_classes);
  }
  // The labels past max_labels are checked too: the verdict on a file does not
  // depend on how much of it a run uses.
  lab.provenance = r.finish([&](std::span<const std::uint8_t> rest, std::uint64_t offset) {
    check_labels(r.path(), rest, offset, num_classes);
  });
  return lab;
}

}  // namespace lrb::data
