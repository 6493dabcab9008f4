#include "datasets/fashion_mnist.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <system_error>

#include "datasets/error.hpp"

namespace lrb::data {

namespace {

constexpr std::array<const char*, 4> kStems = {
    "train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte"};

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

ImageSet to_image_set(const IdxImages& im, const IdxLabels& lab, int num_classes) {
  if (im.count != lab.count)
    throw DataError(lab.provenance.path,
                    fmt::format("one label per image ({} images in {})", im.count, im.provenance.path),
                    fmt::format("{} labels", lab.count),
                    "the images and labels files do not belong together; check --data-dir");
  ImageSet s;
  s.n = im.count;
  s.rows = im.rows;
  s.cols = im.cols;
  s.num_classes = num_classes;
  s.x.resize(im.pixels.size());
  for (std::size_t i = 0; i < im.pixels.size(); ++i)
    s.x[i] = static_cast<float>(im.pixels[i]) / 255.0f;
  s.y.assign(lab.labels.begin(), lab.labels.end());
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

  const IdxImages train_im = read_idx_images(paths[0], options.limits);
  const IdxLabels train_lab = read_idx_labels(paths[1], options.num_classes, options.limits);
  const IdxImages test_im = read_idx_images(paths[2], options.limits);
  const IdxLabels test_lab = read_idx_labels(paths[3], options.num_classes, options.limits);
  if (test_im.rows != train_im.rows || test_im.cols != train_im.cols)
    throw DataError(test_im.provenance.path,
                    fmt::format("{} x {} images, like {}", train_im.rows, train_im.cols,
                                train_im.provenance.path),
                    fmt::format("{} x {} images", test_im.rows, test_im.cols),
                    "the train and test files come from different data sets; check --data-dir");

  ImageDataset ds;
  ds.dir = dir.string();
  ds.train = to_image_set(train_im, train_lab, options.num_classes);
  ds.test = to_image_set(test_im, test_lab, options.num_classes);
  ds.files = {train_im.provenance, train_lab.provenance, test_im.provenance, test_lab.provenance};
  bool known = true;
  for (std::size_t i = 0; i < 4; ++i) known = known && ds.files[i].sha256 == kFashionMnistSha256[i];
  ds.name = known ? "fashion-mnist" : "idx";
  return ds;
}

}  // namespace lrb::data
