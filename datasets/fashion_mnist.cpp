#include "datasets/fashion_mnist.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <system_error>

#include "datasets/byte_source.hpp"
#include "datasets/error.hpp"

namespace lrb::data {

namespace {

constexpr std::array<const char*, 4> kStems = {
    "train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte"};

constexpr std::size_t kChunk = 1 << 20;  // bytes read and converted at a time

const char* kMissingHint =
    "install Debian's dataset-fashion-mnist (apt-get install dataset-fashion-mnist), or pass "
    "--data-dir DIR / set LRBENCH_DATA_DIR to a directory holding the four IDX files "
    "(raw or .gz)";

// "train-images-idx3-ubyte" -> "train-images.idx3-ubyte" (the other common spelling).
std::string dotted(const std::string& stem) {
  std::string s = stem;
  const auto at = s.find("-idx");
  if (at != std::string::npos) s[at] = '.';
  return s;
}

std::vector<std::string> candidates(const std::string& stem) {
  return {stem, stem + ".gz", dotted(stem), dotted(stem) + ".gz"};
}

std::string list_dir(const std::filesystem::path& dir) {
  std::error_code ec;
  std::vector<std::string> names;
  for (auto it = std::filesystem::directory_iterator(dir, ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec))
    names.push_back(it->path().filename().string());
  if (ec) return "it cannot be listed";
  if (names.empty()) return "the directory is empty";
  std::sort(names.begin(), names.end());
  std::string s = "the directory holds: ";
  const std::size_t shown = std::min<std::size_t>(names.size(), 12);
  for (std::size_t i = 0; i < shown; ++i) s += (i ? ", " : "") + names[i];
  if (names.size() > shown) s += fmt::format(", and {} more", names.size() - shown);
  return s;
}

std::filesystem::path find_file(const std::filesystem::path& dir, const std::string& stem) {
  std::error_code ec;
  for (const auto& name : candidates(stem)) {
    const auto p = dir / name;
    if (std::filesystem::is_regular_file(p, ec)) return p;
  }
  std::string expected = "the IDX files ";
  for (std::size_t i = 0; i < kStems.size(); ++i)
    expected += fmt::format("{}{}[.gz]", i ? ", " : "", kStems[i]);
  throw DataError(dir.string(), expected,
                  fmt::format("no {} (nor {}.gz, {}, {}.gz); {}", stem, stem, dotted(stem),
                              dotted(stem), list_dir(dir)),
                  kMissingHint);
}

void check_counts_agree(const IdxReader& images, const IdxReader& labels) {
  if (images.records() != labels.records())
    throw DataError(labels.path(),
                    fmt::format("one label per image ({} images in {})", images.records(),
                                images.path()),
                    fmt::format("{} labels", labels.records()),
                    "the images and labels files do not belong together; check --data-dir");
}

// The first `max` examples of one half, pixels converted to floats as they
// arrive (no second copy of the bytes); the rest of both files is still read
// to check and hash it, in a fixed buffer.
ImageSet read_half(IdxReader& images, IdxReader& labels, std::size_t max, int num_classes,
                   FileProvenance& images_provenance, FileProvenance& labels_provenance) {
  ImageSet s;
  s.n = static_cast<std::size_t>(std::min<std::uint64_t>(images.records(), max));
  s.rows = static_cast<int>(images.dims()[1]);  // payload <= IdxLimits: fits an int
  s.cols = static_cast<int>(images.dims()[2]);
  s.num_classes = num_classes;
  const auto pixels = static_cast<std::size_t>(s.n * images.record_bytes());
  if (images.size_verified()) s.x.reserve(pixels);
  std::vector<std::uint8_t> buf(std::min<std::size_t>(pixels, kChunk));
  for (std::size_t done = 0; done < pixels;) {
    const std::size_t k = std::min(pixels - done, buf.size());
    images.read({buf.data(), k});
    detail::reserve_as_data_arrives(s.x, k, pixels);
    for (std::size_t i = 0; i < k; ++i) s.x.push_back(static_cast<float>(buf[i]) / 255.0f);
    done += k;
  }
  images_provenance = images.finish();

  if (labels.size_verified()) s.y.reserve(s.n);
  for (std::size_t done = 0; done < s.n;) {
    const std::size_t k = std::min(s.n - done, buf.size());
    labels.read({buf.data(), k});
    check_labels(labels.path(), {buf.data(), k}, done, num_classes);
    detail::reserve_as_data_arrives(s.y, k, s.n);
    s.y.insert(s.y.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(k));
    done += k;
  }
  labels_provenance = labels.finish([&](std::span<const std::uint8_t> rest, std::uint64_t at) {
    check_labels(labels.path(), rest, at, num_classes);
  });
  return s;
}

}  // namespace

DataDirChoice resolve_data_dir(const std::optional<std::string>& cli_value,
                               const std::optional<std::string>& env_value) {
  if (cli_value && !cli_value->empty()) return {*cli_value, "--data-dir"};
  if (env_value && !env_value->empty()) return {*env_value, "LRBENCH_DATA_DIR"};
  return {kDefaultDataDir, "default"};
}

ImageDataset load_fashion_mnist(const std::filesystem::path& dir, const ImageLoadOptions& options) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec))
    throw DataError(dir.string(), "a directory holding the Fashion-MNIST / MNIST IDX files",
                    std::filesystem::exists(dir, ec) ? "a file, not a directory" : "no such directory",
                    kMissingHint);
  // Resolve all four names first, so a missing file fails before any decompression.
  std::array<std::filesystem::path, 4> paths;
  for (std::size_t i = 0; i < 4; ++i) paths[i] = find_file(dir, kStems[i]);

  if (options.num_classes < 1 || options.num_classes > 256)
    throw std::invalid_argument(fmt::format(
        "load_fashion_mnist: num_classes must be in [1, 256], got {}", options.num_classes));
  // Every header first: files that do not belong together fail before any
  // payload is decompressed or allocated.
  IdxReader train_im(paths[0], kIdxUint8, 3, options.limits);
  IdxReader train_lab(paths[1], kIdxUint8, 1, options.limits);
  IdxReader test_im(paths[2], kIdxUint8, 3, options.limits);
  IdxReader test_lab(paths[3], kIdxUint8, 1, options.limits);
  check_counts_agree(train_im, train_lab);
  check_counts_agree(test_im, test_lab);
  if (test_im.dims()[1] != train_im.dims()[1] || test_im.dims()[2] != train_im.dims()[2])
    throw DataError(test_im.path(),
                    fmt::format("{} x {} images, like {}", train_im.dims()[1], train_im.dims()[2],
                                train_im.path()),
                    fmt::format("{} x {} images", test_im.dims()[1], test_im.dims()[2]),
                    "the train and test files come from different data sets; check --data-dir");

  ImageDataset ds;
  ds.dir = dir.string();
  ds.files.resize(4);
  ds.train = read_half(train_im, train_lab, options.max_train, options.num_classes, ds.files[0],
                       ds.files[1]);
  ds.test = read_half(test_im, test_lab, options.max_test, options.num_classes, ds.files[2],
                      ds.files[3]);
  bool known = true;
  for (std::size_t i = 0; i < 4; ++i) known = known && ds.files[i].sha256 == kFashionMnistSha256[i];
  ds.name = known ? "fashion-mnist" : "idx";
  return ds;
}

}  // namespace lrb::data
