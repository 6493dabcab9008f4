#pragma once
// IDX reader (the MNIST / Fashion-MNIST file format), raw or gzip.
//
// Format (big-endian):  00 00 TYPE NDIMS | NDIMS x uint32 size | payload
//   TYPE: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64
//   payload = product(sizes) * sizeof(TYPE) bytes, nothing after it.
//
// A file is taken as gzip when it starts with 1f 8b (whatever its name) and is
// inflated through zlib in 256 KiB chunks; concatenated gzip members are read
// as one stream (as gzip -d does); anything else after the last member is an
// error.  The gzip CRC-32 and length trailer are checked: a truncated or
// corrupted stream is a DataError, never a hang.
//
// Checks, each a DataError naming the path, expectation, finding and a hint:
//   magic bytes 00 00; the type byte (the expected one, others named);
//   NDIMS; every size >= 1; product(sizes) * sizeof(TYPE) <= limits.max_payload_bytes
//   (overflow-checked); for raw files the file size equals header + payload
//   (checked before any payload is allocated); for gzip files the payload is
//   no larger than file size * 1032 (deflate's maximum ratio); the data really
//   is that long (too short) and nothing follows it (trailing bytes).
// Allocation: the payload buffer starts at min(payload, 16 * file size + 64 KiB)
// and then grows 1 MiB at a time as decompressed bytes arrive, so the largest
// buffer is at most max(16 * file size + 64 KiB, 2 * (bytes read + 1 MiB)):
// a tiny file whose header claims 2^31 images costs kilobytes, not gigabytes.
#include <cstdint>
#include <filesystem>
#include <vector>

#include "datasets/types.hpp"

namespace lrb::data {

inline constexpr std::uint8_t kIdxUint8 = 0x08;

struct IdxLimits {
  // Largest payload accepted.  Fashion-MNIST's train images are 47,040,000 bytes.
  std::uint64_t max_payload_bytes = std::uint64_t{1} << 30;
};

struct IdxArray {
  std::uint8_t type = kIdxUint8;
  std::vector<std::uint32_t> dims;  // as declared, outermost first
  std::vector<std::uint8_t> data;   // payload bytes as stored (big-endian elements)
  FileProvenance provenance;        // sha256 covers header + payload
};

// Reads one IDX file, requiring the given type byte and number of dimensions.
IdxArray read_idx(const std::filesystem::path& path, std::uint8_t expected_type,
                  int expected_ndims, const IdxLimits& limits = {});

struct IdxImages {
  std::vector<std::uint8_t> pixels;  // (count, rows, cols) row-major, 0..255
  std::size_t count = 0;
  int rows = 0;
  int cols = 0;
  FileProvenance provenance;
};

struct IdxLabels {
  std::vector<std::uint8_t> labels;  // (count), each in [0, num_classes)
  std::size_t count = 0;
  FileProvenance provenance;
};

// Unsigned-byte images: type 0x08, 3 dimensions (count, rows, cols).
IdxImages read_idx_images(const std::filesystem::path& path, const IdxLimits& limits = {});

// Unsigned-byte labels: type 0x08, 1 dimension, every label < num_classes
// (1 <= num_classes <= 256).
IdxLabels read_idx_labels(const std::filesystem::path& path, int num_classes = 10,
                          const IdxLimits& limits = {});

// A human name for an IDX type byte: "0x08 (unsigned byte)", "0x07 (not an IDX type)".
std::string idx_type_name(std::uint8_t type);

}  // namespace lrb::data
