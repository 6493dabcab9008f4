// IDX reader (datasets/idx.hpp, datasets/fashion_mnist.hpp) on hostile files.
//
// Input: two control bytes, then the file.  Bits 0-1 of the first pick the
// reader: 0 read_idx_images, 1 read_idx_labels (1 + second byte classes),
//   2 read_idx expecting type (second byte & 0x0f) and 1 + (second byte >> 4
//     & 3) dimensions (any type, any rank), 3 load_fashion_mnist on a folder
//     of four files cut from the input at the separator "\n--\n";
// bits 2-7 of the first: keep only that many records (0: all).
// Built twice: fuzz_idx writes the files as they are (raw IDX, or gzip when
// they start with 1f 8b); fuzz_idx_gzip (FUZZ_IDX_GZIP) deflates each file
// first, in one gzip member or, when bit 7 of the second control byte is set,
// in two (split in the middle), so mutations explore IDX headers behind zlib.
//
// Invariants besides "only DataError": what is returned matches what the
// header declared (sizes, record counts), and every label is in range.
#include <string>
#include <vector>

#include "datasets/error.hpp"
#include "datasets/fashion_mnist.hpp"
#include "datasets/idx.hpp"
#include "fuzz_util.hpp"

namespace {

using namespace lrb;
namespace fs = std::filesystem;
using fuzz::check;

std::string file_bytes(std::uint8_t param, std::string_view raw) {
#ifdef FUZZ_IDX_GZIP
  if ((param & 0x80) != 0 && raw.size() >= 2) {
    const std::size_t half = raw.size() / 2;
    return fuzz::gzip_member(raw.substr(0, half)) + fuzz::gzip_member(raw.substr(half));
  }
  return fuzz::gzip_member(raw);
#else
  (void)param;
  return std::string(raw);
#endif
}

void read_one(std::uint8_t control, std::uint8_t param, std::string_view body) {
  const fs::path path = fuzz::scratch_dir() / "file";
  fuzz::write_file(path, file_bytes(param, body));
  const std::size_t keep = control >> 2 ? control >> 2 : data::kAllRecords;
  switch (control & 3) {
    case 0: {
      const auto im = data::read_idx_images(path, {}, keep);
      check(im.pixels.size() == im.count * static_cast<std::size_t>(im.rows) * im.cols,
            "images: pixels != count x rows x cols");
      check(keep == data::kAllRecords || im.count <= keep, "images: more than asked for");
      break;
    }
    case 1: {
      const int classes = 1 + param;
      const auto lab = data::read_idx_labels(path, classes, {}, keep);
      check(lab.labels.size() == lab.count, "labels: size != count");
      for (const auto l : lab.labels) check(l < classes, "labels: out of range label returned");
      break;
    }
    default: {
      const auto type = static_cast<std::uint8_t>(param & 0x0f);
      const int ndims = 1 + ((param >> 4) & 3);
      const auto a = data::read_idx(path, type, ndims, {}, keep);
      check(a.dims.size() == static_cast<std::size_t>(ndims), "read_idx: wrong rank");
      check(a.provenance.bytes >= 4 + 4 * a.dims.size() + a.data.size(), "read_idx: bytes");
      break;
    }
  }
}

void read_folder(std::uint8_t control, std::uint8_t param, std::string_view body) {
  static const char* const kNames[4] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                        "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};
  const fs::path dir = fuzz::scratch_dir() / "mnist";
  fuzz::reset_dir(dir);
  for (int i = 0; i < 4; ++i) {
    const std::size_t cut = body.find("\n--\n");
    const std::string_view part = i < 3 ? body.substr(0, cut) : body;
    fuzz::write_file(dir / kNames[i], file_bytes(param, part));
    body = cut == std::string_view::npos || i == 3 ? std::string_view() : body.substr(cut + 4);
  }
  data::ImageLoadOptions o;
  if (control >> 2) o.max_train = o.max_test = control >> 2;
  const auto ds = data::load_fashion_mnist(dir, o);
  for (const auto* half : {&ds.train, &ds.test}) {
    check(half->x.size() == half->n * static_cast<std::size_t>(half->rows) * half->cols,
          "folder: pixels != n x rows x cols");
    check(half->y.size() == half->n, "folder: labels != n");
    for (const auto y : half->y) check(y >= 0 && y < 10, "folder: label out of range");
    for (const auto x : half->x) check(x >= 0.0f && x <= 1.0f, "folder: pixel outside [0, 1]");
  }
  check(ds.test.rows == ds.train.rows && ds.test.cols == ds.train.cols, "folder: sizes differ");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::uint8_t control = data[0];
  const std::string_view body = lrb::fuzz::as_text(data + 2, size - 2);
  try {
    if ((control & 3) == 3) read_folder(control, data[1], body);
    else read_one(control, data[1], body);
  } catch (const lrb::data::DataError&) {
    // the documented answer to a bad file
  }
  return 0;
}
