// CSV regression loader (datasets/csv.hpp) on hostile files.
//
// Input: one control byte, then the file.  Control bits 0-1 pick the
// delimiter (, ; tab |); bit 2 asks for the target column "y" by name; bit 3
// uses tight limits (8 columns, 64-byte lines, 4 KiB files) so the limit
// paths are reached with short inputs; bit 4 gzips the file first.
//
// Invariants besides "only DataError": the table returned is rectangular
// (x holds n x d values, y n, d + 1 names), every value is finite, and the
// provenance counts the bytes the reader saw.
#include <cmath>
#include <string>

#include "datasets/csv.hpp"
#include "datasets/error.hpp"
#include "fuzz_util.hpp"

using namespace lrb;
using fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::uint8_t control = data[0];
  const std::string_view body = fuzz::as_text(data + 1, size - 1);
  const auto path = fuzz::scratch_dir() / "table.csv";
  fuzz::write_file(path, (control & 16) != 0 ? fuzz::gzip_member(body) : std::string(body));
  data::CsvOptions o;
  o.delimiter = ",;\t|"[control & 3];
  if ((control & 4) != 0) o.target_column = "y";
  if ((control & 8) != 0) {
    o.max_columns = 8;
    o.max_line_bytes = 64;
    o.max_bytes = 4096;
  }
  try {
    const auto c = data::load_csv_regression(path, o);
    const auto& d = c.data;
    check(d.n >= 1 && d.d >= 1, "empty table returned");
    check(d.x.size() == d.n * d.d && d.y.size() == d.n, "table is not rectangular");
    check(d.feature_names.size() == d.d, "feature names != d");
    for (const double v : d.x) check(std::isfinite(v), "non-finite feature returned");
    for (const double v : d.y) check(std::isfinite(v), "non-finite target returned");
    check(c.provenance.bytes <= o.max_bytes, "more bytes than the limit");
    check(c.provenance.gzip == ((control & 16) != 0), "gzip flag");
  } catch (const data::DataError&) {
    // the documented answer to a bad file
  }
  return 0;
}
