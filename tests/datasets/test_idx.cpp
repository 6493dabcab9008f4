// IDX reader: good files (raw, gzip, multi-member) and one test per bad input.
// Every bad file is generated here into a fresh temp directory.
#include <gtest/gtest.h>

#include "datasets/error.hpp"
#include "datasets/idx.hpp"
#include "datasets/rng.hpp"
#include "datasets/sha256.hpp"
#include "helpers.hpp"

namespace lrb::data::test {
namespace {

TEST(Idx, ReadsRawAndGzipToTheSameContentAndHash) {
  TempDir t;
  const Bytes raw = idx_images(7, 5, 3);
  write_file(t / "im", raw);
  write_file(t / "im.gz", gzip(raw));
  const IdxImages a = read_idx_images(t / "im");
  const IdxImages b = read_idx_images(t / "im.gz");
  EXPECT_EQ(a.count, 7u);
  EXPECT_EQ(a.rows, 5);
  EXPECT_EQ(a.cols, 3);
  EXPECT_EQ(a.pixels, Bytes(raw.begin() + 16, raw.end()));
  EXPECT_EQ(a.pixels, b.pixels);
  EXPECT_EQ(a.provenance.sha256, sha256_hex(raw));
  EXPECT_EQ(b.provenance.sha256, sha256_hex(raw));
  EXPECT_FALSE(a.provenance.gzip);
  EXPECT_TRUE(b.provenance.gzip);
  EXPECT_EQ(b.provenance.bytes, raw.size());
}

TEST(Idx, ReadsConcatenatedGzipMembersLikeGzipDoes) {
  TempDir t;
  const Bytes raw = idx_labels(1000, 10);
  const Bytes first(raw.begin(), raw.begin() + 300), second(raw.begin() + 300, raw.end());
  Bytes gz = gzip(first);
  const Bytes gz2 = gzip(second);
  gz.insert(gz.end(), gz2.begin(), gz2.end());
  write_file(t / "lab.gz", gz);
  const IdxLabels l = read_idx_labels(t / "lab.gz");
  EXPECT_EQ(l.count, 1000u);
  EXPECT_EQ(l.labels, Bytes(raw.begin() + 8, raw.end()));
}

TEST(Idx, TruncatedGzipIsAnError) {
  TempDir t;
  const Bytes gz = gzip(idx_images(50, 28, 28));
  write_file(t / "im.gz", Bytes(gz.begin(), gz.begin() + gz.size() / 2));
  expect_data_error([&] { read_idx_images(t / "im.gz"); },
                    {(t / "im.gz").string(), "truncated", "gzip"});
  // Cut inside the 8-byte CRC/length trailer: all data is there, the checksum is not.
  write_file(t / "im2.gz", Bytes(gz.begin(), gz.end() - 3));
  expect_data_error([&] { read_idx_images(t / "im2.gz"); }, {"truncated"});
  // Cut inside the 10-byte gzip header.
  write_file(t / "im3.gz", Bytes(gz.begin(), gz.begin() + 5));
  expect_data_error([&] { read_idx_images(t / "im3.gz"); }, {"truncated"});
}

TEST(Idx, CorruptGzipIsAnError) {
  TempDir t;
  const Bytes gz = gzip(idx_images(50, 28, 28));
  // Flip bytes in the middle of the deflate stream: zlib either rejects the
  // block structure or the CRC-32 catches the changed output.
  for (std::size_t at : {gz.size() / 3, gz.size() / 2, gz.size() - 40}) {
    Bytes bad = gz;
    for (std::size_t i = at; i < at + 4; ++i) bad[i] ^= 0xA5;
    write_file(t / "im.gz", bad);
    expect_data_error([&] { read_idx_images(t / "im.gz"); },
                      {(t / "im.gz").string(), "gzip", "corrupt"});
  }
  // A flipped CRC byte alone.
  Bytes bad = gz;
  bad[bad.size() - 6] ^= 0x01;
  write_file(t / "crc.gz", bad);
  expect_data_error([&] { read_idx_images(t / "crc.gz"); }, {"incorrect data check"});
}

TEST(Idx, GarbageAfterTheGzipStreamIsAnError) {
  TempDir t;
  Bytes gz = gzip(idx_labels(100, 10));
  gz.insert(gz.end(), {'j', 'u', 'n', 'k'});
  write_file(t / "lab.gz", gz);
  expect_data_error([&] { read_idx_labels(t / "lab.gz"); }, {"not gzip data after the end"});
}

TEST(Idx, WrongMagicIsAnError) {
  TempDir t;
  Bytes raw = idx_labels(10, 10);
  raw[0] = 'P';
  raw[1] = 'K';
  write_file(t / "lab", raw);
  expect_data_error([&] { read_idx_labels(t / "lab"); },
                    {(t / "lab").string(), "IDX magic 00 00 08 01", "50 4b 08 01", "not an IDX file"});
}

TEST(Idx, WrongTypeByteIsNamed) {
  TempDir t;
  Bytes raw = idx_images(2, 4, 4);
  raw[2] = 0x0D;
  write_file(t / "im", raw);
  expect_data_error([&] { read_idx_images(t / "im"); },
                    {"0x08 (unsigned byte)", "0x0d (32-bit float)"});
  raw[2] = 0x07;
  write_file(t / "im", raw);
  expect_data_error([&] { read_idx_images(t / "im"); }, {"0x07 (not an IDX type)"});
}

TEST(Idx, WrongNumberOfDimensionsIsAnError) {
  TempDir t;
  // A labels file (1 dim) where images (3 dims) are expected, and the reverse.
  write_file(t / "lab", idx_labels(10, 10));
  expect_data_error([&] { read_idx_images(t / "lab"); },
                    {"3 dimension(s) (count, rows, cols)", "found 1 dimension(s)"});
  write_file(t / "im", idx_images(2, 4, 4));
  expect_data_error([&] { read_idx_labels(t / "im"); }, {"1 dimension(s) (count)", "found 3"});
}

TEST(Idx, TooShortIsAnError) {
  TempDir t;
  const Bytes raw = idx_images(10, 28, 28);
  const Bytes cut(raw.begin(), raw.end() - 100);
  write_file(t / "im", cut);
  expect_data_error([&] { read_idx_images(t / "im"); },
                    {"7856 bytes", "10 x 28 x 28 = 7840 bytes of data", "a file of 7756 bytes",
                     "too short"});
  write_file(t / "im.gz", gzip(cut));
  expect_data_error([&] { read_idx_images(t / "im.gz"); },
                    {"7840 bytes of data", "only 7740 bytes after decompression", "too short"});
  // A file that ends inside its header.
  write_file(t / "hdr", Bytes(raw.begin(), raw.begin() + 9));
  expect_data_error([&] { read_idx_images(t / "hdr"); }, {"ends inside its header"});
  write_file(t / "tiny", Bytes{0, 0});
  expect_data_error([&] { read_idx_images(t / "tiny"); }, {"only 2 byte(s)"});
}

TEST(Idx, EmptyFileIsAnError) {
  TempDir t;
  write_file(t / "empty", {});
  expect_data_error([&] { read_idx_labels(t / "empty"); }, {"only 0 byte(s)"});
}

TEST(Idx, TrailingBytesAreAnError) {
  TempDir t;
  Bytes raw = idx_labels(100, 10);
  raw.insert(raw.end(), 5, 0);
  write_file(t / "lab", raw);
  expect_data_error([&] { read_idx_labels(t / "lab"); }, {"5 trailing bytes"});
  write_file(t / "lab.gz", gzip(raw));
  expect_data_error([&] { read_idx_labels(t / "lab.gz"); },
                    {"5 trailing bytes after the data (after decompression)"});
}

TEST(Idx, ZeroDimensionIsAnError) {
  TempDir t;
  write_file(t / "im", idx_bytes(0x08, {0, 28, 28}, {}));
  expect_data_error([&] { read_idx_images(t / "im"); }, {"dimension 0 of 3 is 0"});
}

// A 16-byte file whose header claims 2^31 images of 28 x 28 (1.7 TB).
TEST(Idx, HugeDeclaredSizeFailsFastWithoutAllocating) {
  TempDir t;
  const Bytes raw = idx_bytes(0x08, {0x80000000u, 28, 28}, Bytes(64, 1));
  write_file(t / "im", raw);
  write_file(t / "im.gz", gzip(raw));
  for (const char* name : {"im", "im.gz"}) {
    reset_max_allocation();
    expect_data_error([&] { read_idx_images(t / name); },
                      {"2147483648 x 28 x 28 = 1683627180032 bytes", "at most 1073741824 bytes"});
    EXPECT_LT(max_allocation(), std::size_t{4} << 20) << name;
  }
  // Product overflowing 64 bits.
  write_file(t / "ovf", idx_bytes(0x0E, {0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu}, {}));
  expect_data_error([&] { read_idx(t / "ovf", 0x0E, 3); }, {"more than 2^64"});
}

// Within the 1 GiB limit but far beyond what the file can hold.
TEST(Idx, DeclaredSizeBeyondTheFileIsCaughtBeforeAllocating) {
  TempDir t;
  const Bytes raw = idx_bytes(0x08, {1000000, 28, 28}, Bytes(1000, 7));  // claims 784 MB
  write_file(t / "im", raw);
  write_file(t / "im.gz", gzip(raw));
  reset_max_allocation();
  expect_data_error([&] { read_idx_images(t / "im"); }, {"784000016 bytes", "too short"});
  expect_data_error([&] { read_idx_images(t / "im.gz"); },
                    {"784000000 bytes of data", "cannot hold more than", "1032:1"});
  EXPECT_LT(max_allocation(), std::size_t{4} << 20);
}

// Passes the deflate-ratio check but is still short: the buffer grows with the
// bytes that arrive instead of trusting the header.
TEST(Idx, ShortGzipAllocatesOnlyWhatArrives) {
  TempDir t;
  Bytes payload(3u << 20, 0);  // 3 MiB present, 40 MB claimed
  Rng r{7};
  for (std::size_t i = 0; i < 200000; ++i) payload[i] = static_cast<std::uint8_t>(r.next());
  write_file(t / "im.gz", gzip(idx_bytes(0x08, {40, 1000, 1000}, payload)));
  // About 200 KB compressed: 1032 x 200 KB is well above 40 MB, so only the
  // arriving data can tell.
  ASSERT_GT(std::filesystem::file_size(t / "im.gz") * 1032, 40000000u);
  reset_max_allocation();
  expect_data_error([&] { read_idx_images(t / "im.gz"); },
                    {"40000000 bytes of data", "only 3145728 bytes after decompression"});
  EXPECT_LT(max_allocation(), std::size_t{16} << 20);
}

// A full gzip read allocates at most what the header declares: the buffer
// grows with the data that arrives but never past the declared payload (a
// vector grown by doubling would reach up to twice that).
TEST(Idx, FullGzipReadAllocatesAtMostThePayload) {
  TempDir t;
  const Bytes raw = idx_images(3000, 28, 28);  // 2,352,000 bytes of pixels
  write_file(t / "im.gz", gzip(raw));
  reset_max_allocation();
  const IdxImages im = read_idx_images(t / "im.gz");
  EXPECT_EQ(im.pixels, Bytes(raw.begin() + 16, raw.end()));
  EXPECT_LE(max_allocation(), std::size_t{3000 * 28 * 28});
}

TEST(Idx, KeepsOnlyTheFirstRecordsButHashesAndChecksTheWholeFile) {
  TempDir t;
  const Bytes raw = idx_images(50, 6, 5);
  write_file(t / "im", raw);
  write_file(t / "im.gz", gzip(raw));
  for (const char* name : {"im", "im.gz"}) {
    reset_max_allocation();
    const IdxImages im = read_idx_images(t / name, {}, 4);
    EXPECT_EQ(im.count, 4u) << name;
    EXPECT_EQ(im.pixels, Bytes(raw.begin() + 16, raw.begin() + 16 + 4 * 30)) << name;
    EXPECT_EQ(im.provenance.sha256, sha256_hex(raw)) << name;
    EXPECT_EQ(im.provenance.bytes, raw.size()) << name;
  }
  // More than the file holds: all of it.
  EXPECT_EQ(read_idx_images(t / "im", {}, 1000).count, 50u);
  // What is not kept is still checked: a short file, trailing bytes.
  const Bytes cut(raw.begin(), raw.end() - 7);
  write_file(t / "cut.gz", gzip(cut));
  expect_data_error([&] { read_idx_images(t / "cut.gz", {}, 1); },
                    {"1500 bytes of data", "only 1493 bytes after decompression"});
  Bytes longer = raw;
  longer.push_back(0);
  write_file(t / "long.gz", gzip(longer));
  expect_data_error([&] { read_idx_images(t / "long.gz", {}, 1); }, {"1 trailing bytes"});
}

TEST(Idx, LabelsPastTheLimitAreCheckedToo) {
  TempDir t;
  Bytes raw = idx_labels(100, 10);
  raw[8 + 50] = 12;
  write_file(t / "lab.gz", gzip(raw));
  expect_data_error([&] { read_idx_labels(t / "lab.gz", 10, {}, 10); }, {"label 12 at index 50"});
}

// The reproducer of a 1.2 MB labels .gz that inflates to 2^30 valid labels
// (concatenated gzip members of zeros): asking for 100 of them costs fixed
// buffers, not the gigabyte the file holds; the whole file is still hashed.
TEST(Idx, GzipBombOfValidLabelsCostsOnlyWhatIsKept) {
  TempDir t;
  const Bytes head = idx_bytes(0x08, {1u << 30}, {});
  const Bytes bomb = gzip_head_then_zeros(head, 1024);
  ASSERT_LT(bomb.size(), std::size_t{1200} << 10);
  write_file(t / "lab.gz", bomb);
  reset_max_allocation();
  const IdxLabels lab = read_idx_labels(t / "lab.gz", 10, {}, 100);
  EXPECT_EQ(lab.count, 100u);
  EXPECT_EQ(lab.labels, Bytes(100, 0));
  EXPECT_EQ(lab.provenance.bytes, 8 + (std::uint64_t{1} << 30));
  EXPECT_LT(max_allocation(), std::size_t{1} << 20);
}

TEST(Idx, LabelsOutOfRangeAreAnError) {
  TempDir t;
  Bytes raw = idx_labels(100, 10);
  raw[8 + 42] = 12;
  write_file(t / "lab", raw);
  expect_data_error([&] { read_idx_labels(t / "lab"); },
                    {"labels in 0..9 (10 classes)", "label 12 at index 42"});
  // A caller-given class count.
  EXPECT_NO_THROW(read_idx_labels(t / "lab", 13));
  expect_data_error([&] { read_idx_labels(t / "lab", 5); }, {"labels in 0..4", "label 5 at index 5"});
  EXPECT_THROW(read_idx_labels(t / "lab", 0), std::invalid_argument);
}

TEST(Idx, MissingFileAndDirectoryAreErrors) {
  TempDir t;
  expect_data_error([&] { read_idx_labels(t / "nope"); }, {(t / "nope").string(), "no such file"});
  expect_data_error([&] { read_idx_labels(t.path); }, {"a directory"});
  // A device would never end (or block): refused before reading.
  expect_data_error([&] { read_idx_labels("/dev/zero"); }, {"a device, FIFO or socket"});
}

}  // namespace
}  // namespace lrb::data::test
