#pragma once
// IDX reader (the MNIST / Fashion-MNIST file format), raw or gzip.
//
// Format (big-endian):  00 00 TYPE NDIMS | NDIMS x uint32 size | payload
//   TYPE: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64
//   payload = product(sizes) * sizeof(TYPE) bytes, nothing after it.
//   A record is one index of the outermost size (one image, one label).
//
// A file is taken as gzip when it starts with 1f 8b (whatever its name) and is
// inflated through zlib in 256 KiB chunks; concatenated gzip members are read
// as one stream (as gzip -d does); anything else after the last member is an
// error.  The gzip CRC-32 and length trailer are checked: a truncated or
// corrupted stream is a DataError, never a hang.
//
// Checks, each a DataError naming the path, expectation, finding and a hint.
// On opening, before a single payload byte is read or allocated:
//   magic bytes 00 00; the type byte (the expected one, others named); NDIMS;
//   every size >= 1; product(sizes) * sizeof(TYPE) <= limits.max_payload_bytes
//   (overflow-checked); for raw files the file size equals header + payload;
//   for gzip files the payload is no larger than file size * 1032 (deflate's
//   maximum ratio).
// While reading: the data really is that long (too short); at the end
// (finish): nothing follows it (trailing bytes) and the gzip checksum holds.
//
// Memory is bounded by what the caller keeps, not by what the header claims:
// IdxReader hands out payload bytes in caller-sized pieces, and finish()
// hashes and checks the rest of the file in a fixed 64 KiB buffer.  read_idx
// and the image/label helpers keep at most `max_records` records; their
// buffer is sized exactly for a raw file (whose size was checked) and grown
// only as decompressed bytes arrive for a gzip file (never past what the
// header declares), so a tiny file whose header claims 2^31 images costs
// kilobytes, and a gzip bomb that really inflates to 1 GiB of labels costs
// nothing beyond a few fixed buffers when the caller keeps 100 of them.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "datasets/types.hpp"

namespace lrb::data {

inline constexpr std::uint8_t kIdxUint8 = 0x08;
inline constexpr std::size_t kAllRecords = std::numeric_limits<std::size_t>::max();

struct IdxLimits {
  // Largest payload accepted.  Fashion-MNIST's train images are 47,040,000 bytes.
  std::uint64_t max_payload_bytes = std::uint64_t{1} << 30;
};

// One IDX file read front to back.  The constructor opens the file and reads
// and checks the header (every check listed above that needs no payload).
class IdxReader {
 public:
  IdxReader(const std::filesystem::path& path, std::uint8_t expected_type, int expected_ndims,
            const IdxLimits& limits = {});
  ~IdxReader();
  IdxReader(IdxReader&&) noexcept;
  IdxReader& operator=(IdxReader&&) noexcept;

  const std::string& path() const;
  std::uint8_t type() const;
  const std::vector<std::uint32_t>& dims() const;  // as declared, outermost first
  std::uint64_t records() const { return dims()[0]; }
  std::uint64_t record_bytes() const;   // bytes of one record
  std::uint64_t payload_bytes() const;  // records() * record_bytes()
  std::uint64_t payload_read() const;   // payload bytes handed out so far
  // True for a raw file: its size was checked against the header, so the
  // payload is known to be there and may be allocated up front.
  bool size_verified() const;

  // Reads the next dst.size() payload bytes (at most payload_bytes() -
  // payload_read()).  Data that ends early is a DataError.
  void read(std::span<std::uint8_t> dst);

  // Reads the rest of the payload in a fixed buffer, handing every piece to
  // `visit` (with its payload offset) when given, checks that nothing
  // follows it (for gzip this runs zlib to the end of the stream, which
  // verifies the CRC-32 and length trailer), and returns the provenance of
  // the whole file.  Call once.
  FileProvenance finish(
      const std::function<void(std::span<const std::uint8_t> bytes, std::uint64_t offset)>& visit =
          {});

 private:
  struct State;
  std::unique_ptr<State> s_;
};

struct IdxArray {
  std::uint8_t type = kIdxUint8;
  std::vector<std::uint32_t> dims;  // as declared, outermost first
  std::size_t records = 0;          // records held in data: dims[0], or fewer when limited
  std::vector<std::uint8_t> data;   // payload bytes as stored (big-endian elements)
  FileProvenance provenance;        // sha256 covers header + the whole payload
};

// Reads one IDX file, requiring the given type byte and number of dimensions;
// keeps the first max_records records (the rest is still read, hashed and checked).
IdxArray read_idx(const std::filesystem::path& path, std::uint8_t expected_type,
                  int expected_ndims, const IdxLimits& limits = {},
                  std::size_t max_records = kAllRecords);

struct IdxImages {
  std::vector<std::uint8_t> pixels;  // (count, rows, cols) row-major, 0..255
  std::size_t count = 0;             // images held (the file's count unless limited)
  int rows = 0;
  int cols = 0;
  FileProvenance provenance;
};

struct IdxLabels {
  std::vector<std::uint8_t> labels;  // (count), each in [0, num_classes)
  std::size_t count = 0;             // labels held (the file's count unless limited)
  FileProvenance provenance;
};

// Unsigned-byte images: type 0x08, 3 dimensions (count, rows, cols).
IdxImages read_idx_images(const std::filesystem::path& path, const IdxLimits& limits = {},
                          std::size_t max_images = kAllRecords);

// Unsigned-byte labels: type 0x08, 1 dimension, every label in the file (also
// those past max_labels) < num_classes (1 <= num_classes <= 256).
IdxLabels read_idx_labels(const std::filesystem::path& path, int num_classes = 10,
                          const IdxLimits& limits = {}, std::size_t max_labels = kAllRecords);

// Throws the DataError for a label >= num_classes at payload index `index`.
void check_labels(const std::string& path, std::span<const std::uint8_t> labels,
                  std::uint64_t first_index, int num_classes);

// A human name for an IDX type byte: "0x08 (unsigned byte)", "0x07 (not an IDX type)".
std::string idx_type_name(std::uint8_t type);

}  // namespace lrb::data
