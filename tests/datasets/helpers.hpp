#pragma once
// Test helpers for tests/datasets: temp directories, IDX and gzip writers,
// DataError matchers, and the allocation high-water mark (alloc_tracker.cpp).
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <initializer_list>
#include <string>
#include <vector>

namespace lrb::data::test {

using Bytes = std::vector<std::uint8_t>;

// A fresh directory under <build>/test-tmp/, removed when the object dies.
struct TempDir {
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::filesystem::path path;
  std::filesystem::path operator/(const std::string& name) const { return path / name; }
};

void write_file(const std::filesystem::path& p, const Bytes& bytes);
void write_text(const std::filesystem::path& p, const std::string& text);
Bytes read_file(const std::filesystem::path& p);

// An IDX file: 00 00 type ndims, big-endian sizes, payload.
Bytes idx_bytes(std::uint8_t type, const std::vector<std::uint32_t>& dims, const Bytes& payload);
// `count` images of rows x cols with pseudo-random pixels (not compressible).
Bytes idx_images(std::uint32_t count, std::uint32_t rows, std::uint32_t cols);
Bytes idx_labels(std::uint32_t count, int num_classes);

Bytes gzip(const Bytes& raw);        // one gzip member (zlib deflate, level 6)
Bytes gunzip_file(const std::filesystem::path& p);  // via gzread, independent of the library
// A gzip bomb that is valid data: gzip(head) followed by gzip members of 1 MiB
// of zeros each, `zero_mib` of them (about 1 KB each): `zero_mib` MiB of zeros
// after `head` once inflated, as gzip -d reads concatenated members.
Bytes gzip_head_then_zeros(const Bytes& head, std::size_t zero_mib);
// `n` pseudo-random bytes (incompressible: gzip keeps their size).
Bytes random_bytes(std::size_t n, std::uint64_t seed);

// The largest single operator-new request since the last reset (alloc_tracker.cpp).
void reset_max_allocation();
std::size_t max_allocation();

// Runs fn, expects lrb::data::DataError, and checks its message holds every fragment.
void expect_data_error(const std::function<void()>& fn,
                       std::initializer_list<std::string> fragments);

}  // namespace lrb::data::test
