#pragma once
// Fashion-MNIST (or any MNIST-format directory): four IDX files, pixels to [0, 1].
//
// Files looked for in the directory, for each of train images, train labels,
// test images, test labels, in this order of preference:
//   train-images-idx3-ubyte   train-images-idx3-ubyte.gz   train-images.idx3-ubyte[.gz]
//   train-labels-idx1-ubyte   ...                          train-labels.idx1-ubyte[.gz]
//   t10k-images-idx3-ubyte    ...                          t10k-images.idx3-ubyte[.gz]
//   t10k-labels-idx1-ubyte    ...                          t10k-labels.idx1-ubyte[.gz]
// (the names of both Zalando's Fashion-MNIST and LeCun's original MNIST, so a
// directory holding the original MNIST gives tutorial 001 its exact data).
// The uncompressed name wins when both exist; the content hash is the same.
//
// Pixels: x = float(p) / 255.0f, p in 0..255 (Keras' x_train / 255.0 in float32).
// Labels: int32 in [0, num_classes).  Image and label counts must agree, and
// train and test images must have the same rows x cols.
//
// Directory choice (resolve_data_dir): the --data-dir value if given and
// non-empty, else LRBENCH_DATA_DIR if set and non-empty, else
// /usr/share/datasets/fashion-mnist (Debian's dataset-fashion-mnist).  This
// function reads no environment: the CLI reads LRBENCH_DATA_DIR
// (tools/lrbench/environment.hpp) and passes it in.
#include <filesystem>
#include <optional>
#include <string>

#include "datasets/idx.hpp"
#include "datasets/types.hpp"

namespace lrb::data {

inline constexpr const char* kDefaultDataDir = "/usr/share/datasets/fashion-mnist";

struct DataDirChoice {
  std::filesystem::path dir;
  std::string source;  // "--data-dir", "LRBENCH_DATA_DIR" or "default"
};

DataDirChoice resolve_data_dir(const std::optional<std::string>& cli_value,
                               const std::optional<std::string>& env_value);

struct ImageLoadOptions {
  int num_classes = 10;
  IdxLimits limits{};
  // Keep only the first N examples of each half (`--limit-train/--limit-test`).
  // The rest of every file is still read, checked and hashed, in a fixed
  // buffer: the provenance names the whole file, and memory follows N.
  std::size_t max_train = kAllRecords;
  std::size_t max_test = kAllRecords;
};

// Loads train and test halves from dir; every problem is a DataError
// (a missing file names the directory and the file names looked for).
// All four headers are read and checked against each other (one label per
// image, the same image size in both halves) before any payload is read.
// Memory: the floats kept (4 bytes per pixel kept) plus fixed buffers.
ImageDataset load_fashion_mnist(const std::filesystem::path& dir,
                                const ImageLoadOptions& options = {});

// SHA-256 of the decompressed files of Debian's dataset-fashion-mnist
// (`zcat FILE | sha256sum`), in ImageDataset::files order.
inline constexpr const char* kFashionMnistSha256[4] = {
    "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"};

}  // namespace lrb::data
