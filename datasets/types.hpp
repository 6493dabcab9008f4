#pragma once
// Plain data records produced by datasets/ and consumed by suites/.
// No behaviour here: loaders fill these, core/ reads them through spans.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace lrb::data {

// Where one input file came from, for the context block of results files.
struct FileProvenance {
  std::string path;              // the file as opened
  std::string sha256;            // lowercase hex SHA-256 of the DECOMPRESSED bytes
                                 // (equals `zcat FILE | sha256sum` for .gz)
  std::uint64_t bytes = 0;       // decompressed length in bytes
  std::uint64_t file_bytes = 0;  // size on disk
  bool gzip = false;             // true when the file was a gzip stream
};

// A classification image set, e.g. one half of Fashion-MNIST.
struct ImageSet {
  std::vector<float> x;         // (n, rows, cols) row-major, pixel / 255.0f in [0, 1];
                                // the same bytes as (N, C=1, H, W) NCHW
  std::vector<std::int32_t> y;  // (n) class index in [0, num_classes)
  std::size_t n = 0;
  int rows = 0;
  int cols = 0;
  int num_classes = 0;
};

// Train and test halves of an IDX image data set plus the files they came from.
struct ImageDataset {
  ImageSet train;
  ImageSet test;
  std::string name;  // "fashion-mnist" when the four content hashes match
                     // Debian's dataset-fashion-mnist, else "idx"
  std::string dir;   // the directory the files were found in
  std::vector<FileProvenance> files;  // train images, train labels,
                                      // test images, test labels (this order)
};

// A regression table: features and one target.
struct RegressionData {
  std::vector<double> x;  // (n, d) row-major
  std::vector<double> y;  // (n)
  std::size_t n = 0;
  std::size_t d = 0;
  std::vector<std::string> feature_names;  // (d)
  std::string target_name;
};

}  // namespace lrb::data
