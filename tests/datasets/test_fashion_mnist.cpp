// The real Fashion-MNIST from Debian's dataset-fashion-mnist, directory
// resolution, and the loader's directory-level errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>

#include "datasets/error.hpp"
#include "datasets/fashion_mnist.hpp"
#include "helpers.hpp"

namespace lrb::data::test {
namespace {

namespace fs = std::filesystem;

const char* const kNames[4] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                               "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};

class FashionMnist : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!fs::exists(fs::path(kDefaultDataDir) / "train-images-idx3-ubyte.gz")) return;
    ds_ = new ImageDataset(load_fashion_mnist(kDefaultDataDir));
  }
  static void TearDownTestSuite() {
    delete ds_;
    ds_ = nullptr;
  }
  void SetUp() override {
    if (ds_ == nullptr)
      GTEST_SKIP() << "Debian's dataset-fashion-mnist is not installed in " << kDefaultDataDir;
  }
  static ImageDataset* ds_;
};
ImageDataset* FashionMnist::ds_ = nullptr;

void expect_valid_half(const ImageSet& s, std::size_t n) {
  EXPECT_EQ(s.n, n);
  EXPECT_EQ(s.rows, 28);
  EXPECT_EQ(s.cols, 28);
  EXPECT_EQ(s.num_classes, 10);
  ASSERT_EQ(s.x.size(), n * 28 * 28);
  ASSERT_EQ(s.y.size(), n);
  const auto [lo, hi] = std::minmax_element(s.x.begin(), s.x.end());
  EXPECT_EQ(*lo, 0.0f);
  EXPECT_EQ(*hi, 1.0f);
  // Fashion-MNIST is balanced: n / 10 of every class.
  std::array<std::size_t, 10> count{};
  for (auto y : s.y) {
    ASSERT_GE(y, 0);
    ASSERT_LT(y, 10);
    ++count[static_cast<std::size_t>(y)];
  }
  for (auto c : count) EXPECT_EQ(c, n / 10);
}

TEST_F(FashionMnist, LoadsTrainAndTestWithTheRightShapeAndRange) {
  expect_valid_half(ds_->train, 60000);
  expect_valid_half(ds_->test, 10000);
  EXPECT_EQ(ds_->name, "fashion-mnist");
  // Pixel scaling is exactly p / 255.0f: every value is one of the 256 levels.
  for (std::size_t i = 0; i < 28 * 28 * 50; ++i) {
    const float v = ds_->train.x[i];
    const float level = static_cast<float>(static_cast<int>(v * 255.0f + 0.5f)) / 255.0f;
    ASSERT_EQ(v, level) << i;
  }
  // First training label of Fashion-MNIST is 9 (ankle boot), first test label 9 too.
  EXPECT_EQ(ds_->train.y[0], 9);
  EXPECT_EQ(ds_->test.y[0], 9);
}

TEST_F(FashionMnist, RecordsProvenanceOfTheDecompressedContent) {
  ASSERT_EQ(ds_->files.size(), 4u);
  const std::uint64_t sizes[4] = {47040016, 60008, 7840016, 10008};
  for (std::size_t i = 0; i < 4; ++i) {
    const FileProvenance& f = ds_->files[i];
    EXPECT_EQ(f.sha256, kFashionMnistSha256[i]) << f.path;
    EXPECT_EQ(f.path, (fs::path(kDefaultDataDir) / (std::string(kNames[i]) + ".gz")).string());
    EXPECT_TRUE(f.gzip);
    EXPECT_EQ(f.bytes, sizes[i]);
    EXPECT_EQ(f.file_bytes, fs::file_size(f.path));
  }
}

// The Debian files are recompressed archives: the hash must be of the content,
// so a decompressed copy of the same data carries the same SHA-256.
TEST_F(FashionMnist, HashIsOfContentSoRawAndGzipAgree) {
  TempDir t;
  for (const char* name : kNames)
    write_file(t / name, gunzip_file(fs::path(kDefaultDataDir) / (std::string(name) + ".gz")));
  const ImageDataset raw = load_fashion_mnist(t.path);
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_FALSE(raw.files[i].gzip);
    EXPECT_EQ(raw.files[i].sha256, ds_->files[i].sha256);
    EXPECT_EQ(raw.files[i].path, (t / kNames[i]).string());
  }
  EXPECT_EQ(raw.name, "fashion-mnist");
  EXPECT_TRUE(raw.train.x == ds_->train.x);
  EXPECT_TRUE(raw.test.y == ds_->test.y);
}

TEST(DataDir, CliBeatsEnvironmentBeatsDefault) {
  EXPECT_EQ(resolve_data_dir("/a", "/b").dir, fs::path("/a"));
  EXPECT_EQ(resolve_data_dir("/a", "/b").source, "--data-dir");
  EXPECT_EQ(resolve_data_dir(std::nullopt, "/b").dir, fs::path("/b"));
  EXPECT_EQ(resolve_data_dir(std::nullopt, "/b").source, "LRBENCH_DATA_DIR");
  EXPECT_EQ(resolve_data_dir("", "/b").source, "LRBENCH_DATA_DIR");  // empty means unset
  EXPECT_EQ(resolve_data_dir(std::nullopt, std::nullopt).dir, fs::path(kDefaultDataDir));
  EXPECT_EQ(resolve_data_dir(std::nullopt, "").source, "default");
}

// A small MNIST-format directory: n_train / n_test images of 28 x 28.
void write_small_dir(const TempDir& t, std::uint32_t n_train, std::uint32_t n_train_labels,
                     bool gz) {
  const std::string ext = gz ? ".gz" : "";
  auto put = [&](const char* name, const Bytes& b) {
    write_file(t / (std::string(name) + ext), gz ? gzip(b) : b);
  };
  put(kNames[0], idx_images(n_train, 28, 28));
  put(kNames[1], idx_labels(n_train_labels, 10));
  put(kNames[2], idx_images(5, 28, 28));
  put(kNames[3], idx_labels(5, 10));
}

TEST(FashionMnistErrors, LoadsAnyMnistFormatDirectory) {
  TempDir t;
  write_small_dir(t, 12, 12, true);
  const ImageDataset ds = load_fashion_mnist(t.path);
  EXPECT_EQ(ds.train.n, 12u);
  EXPECT_EQ(ds.test.n, 5u);
  EXPECT_EQ(ds.name, "idx");  // not the Fashion-MNIST content
  EXPECT_EQ(ds.dir, t.path.string());
}

TEST(FashionMnistErrors, AcceptsTheDottedFileNames) {
  TempDir t;
  write_file(t / "train-images.idx3-ubyte", idx_images(3, 28, 28));
  write_file(t / "train-labels.idx1-ubyte", idx_labels(3, 10));
  write_file(t / "t10k-images.idx3-ubyte", idx_images(2, 28, 28));
  write_file(t / "t10k-labels.idx1-ubyte", idx_labels(2, 10));
  EXPECT_EQ(load_fashion_mnist(t.path).train.n, 3u);
}

TEST(FashionMnistErrors, ImageLabelCountMismatchIsAnError) {
  TempDir t;
  write_small_dir(t, 12, 11, false);
  expect_data_error([&] { load_fashion_mnist(t.path); },
                    {(t / kNames[1]).string(), "one label per image (12 images in", "found 11 labels"});
}

TEST(FashionMnistErrors, MissingFileListsDirectoryAndExpectedNames) {
  TempDir t;
  write_small_dir(t, 4, 4, true);
  fs::remove(t / "t10k-labels-idx1-ubyte.gz");
  expect_data_error([&] { load_fashion_mnist(t.path); },
                    {t.path.string(), "train-images-idx3-ubyte[.gz]", "train-labels-idx1-ubyte[.gz]",
                     "t10k-images-idx3-ubyte[.gz]", "t10k-labels-idx1-ubyte[.gz]",
                     "no t10k-labels-idx1-ubyte", "the directory holds: t10k-images-idx3-ubyte.gz",
                     "--data-dir", "LRBENCH_DATA_DIR"});
}

TEST(FashionMnistErrors, MissingDirectoryIsAnError) {
  TempDir t;
  expect_data_error([&] { load_fashion_mnist(t / "nowhere"); },
                    {(t / "nowhere").string(), "no such directory", "dataset-fashion-mnist"});
}

TEST(FashionMnistLimits, KeepsTheFirstExamplesAndRecordsTheWholeFiles) {
  TempDir t;
  write_small_dir(t, 12, 12, true);
  const ImageDataset all = load_fashion_mnist(t.path);
  const ImageDataset some = load_fashion_mnist(t.path, {.max_train = 3, .max_test = 2});
  EXPECT_EQ(some.train.n, 3u);
  EXPECT_EQ(some.test.n, 2u);
  EXPECT_EQ(some.train.x, std::vector<float>(all.train.x.begin(), all.train.x.begin() + 3 * 784));
  EXPECT_EQ(some.train.y, std::vector<std::int32_t>(all.train.y.begin(), all.train.y.begin() + 3));
  EXPECT_EQ(some.test.y, std::vector<std::int32_t>(all.test.y.begin(), all.test.y.begin() + 2));
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(some.files[i].sha256, all.files[i].sha256);
    EXPECT_EQ(some.files[i].bytes, all.files[i].bytes);
  }
}

// gzip file: IDX header `head`, then `pad` incompressible bytes, so the file
// is big enough for deflate's 1032:1 ratio to allow the header's claim.
void write_claiming_gz(const fs::path& p, const Bytes& head, std::size_t pad) {
  Bytes b = head;
  const Bytes r = random_bytes(pad, 99);
  b.insert(b.end(), r.begin(), r.end());
  write_file(p, gzip(b));
}

// A 1.1 MB labels .gz claiming 2^30 labels, and two 1.1 MB image .gz files
// claiming 1 GiB each, next to files that disagree with them: refused from
// the headers alone, before anything is inflated or allocated.
TEST(FashionMnistLimits, HeadersThatDisagreeFailBeforeAnyPayloadIsRead) {
  TempDir t;
  write_small_dir(t, 12, 12, true);
  write_claiming_gz(t / "train-labels-idx1-ubyte.gz", idx_bytes(0x08, {1u << 30}, {}), 1100 << 10);
  reset_max_allocation();
  expect_data_error([&] { load_fashion_mnist(t.path); },
                    {"one label per image (12 images in", "found 1073741824 labels"});
  EXPECT_LT(max_allocation(), std::size_t{1} << 20);

  write_small_dir(t, 12, 12, true);
  for (const char* name : {"train-images-idx3-ubyte.gz", "t10k-images-idx3-ubyte.gz"})
    write_claiming_gz(t / name, idx_bytes(0x08, {1369568, 28, 28}, {}), 1100 << 10);
  reset_max_allocation();
  expect_data_error([&] { load_fashion_mnist(t.path); },
                    {"one label per image (1369568 images in", "found 12 labels"});
  EXPECT_LT(max_allocation(), std::size_t{1} << 20);
}

// Four consistent bombs (two 256 MiB image files, labels to match, each a few
// hundred KB of gzip): with limits, memory follows the examples kept.
TEST(FashionMnistLimits, ConsistentGzipBombsCostOnlyTheExamplesKept) {
  TempDir t;
  const std::uint32_t n = 1u << 18;  // 32 x 32 images: 256 MiB
  for (const char* name : {"train-images-idx3-ubyte.gz", "t10k-images-idx3-ubyte.gz"})
    write_file(t / name, gzip_head_then_zeros(idx_bytes(0x08, {n, 32, 32}, {}), 256));
  for (const char* name : {"train-labels-idx1-ubyte.gz", "t10k-labels-idx1-ubyte.gz"})
    write_file(t / name, gzip(idx_bytes(0x08, {n}, Bytes(n, 0))));
  reset_max_allocation();
  const ImageDataset ds = load_fashion_mnist(t.path, {.max_train = 64, .max_test = 16});
  EXPECT_EQ(ds.train.n, 64u);
  EXPECT_EQ(ds.test.n, 16u);
  EXPECT_EQ(ds.train.x, std::vector<float>(64 * 1024, 0.0f));
  EXPECT_EQ(ds.files[0].bytes, 16 + (std::uint64_t{1} << 28));
  EXPECT_LT(max_allocation(), std::size_t{1} << 20);
}

TEST(FashionMnistErrors, TrainAndTestImageSizesMustAgree) {
  TempDir t;
  write_small_dir(t, 4, 4, false);
  write_file(t / kNames[2], idx_images(5, 32, 32));
  expect_data_error([&] { load_fashion_mnist(t.path); }, {"28 x 28 images, like", "32 x 32"});
}

}  // namespace
}  // namespace lrb::data::test
