#pragma once
// A user's own regression data from CSV.
//
// Format: the first non-blank line is a header of column names; every later
// non-blank line is one row with exactly as many fields.  Fields are separated
// by `delimiter`; a field may be wrapped in double quotes ("" inside quotes is
// one quote; quoted fields may not span lines).  Spaces and tabs around a field
// are ignored.  \r\n line ends are accepted; blank lines are skipped.  A file
// starting with 1f 8b is read as gzip.
// Cells are parsed with std::from_chars (no locale, no "1e-3x" -> 0.001): the
// whole cell must be a finite decimal or scientific number.
// The target is the column named `target_column`, or the last column when empty;
// every other column is a feature, in file order.
// Every problem is a DataError whose message names the path, the line (1-based,
// counting the header and blank lines, as an editor shows it), the column (name
// and 1-based position) and the offending text (at most 40 bytes of it, control
// and non-ASCII bytes written as \xNN).
// The file is read as a stream of lines (memory: one line, the rows kept, and
// fixed buffers); every check is linear in the input (duplicate column names:
// n log n in the number of columns), and nothing recurses.
#include <cstdint>
#include <filesystem>
#include <string>

#include "datasets/types.hpp"

namespace lrb::data {

struct CsvOptions {
  std::string target_column{};  // empty: the last column
  char delimiter = ',';
  // Refuse (decompressed) files larger than this; a gzip bomb stops here.
  std::uint64_t max_bytes = std::uint64_t{256} << 20;
  // Refuse a header of more columns, before their names are stored.
  std::size_t max_columns = 100000;
  // Refuse a longer line: the reader holds one line at a time, so this and
  // max_columns bound its memory whatever the file's size.
  std::size_t max_line_bytes = std::size_t{16} << 20;
};

struct CsvRegression {
  RegressionData data;
  FileProvenance provenance;  // sha256 of the (decompressed) bytes
};

CsvRegression load_csv_regression(const std::filesystem::path& path, const CsvOptions& options = {});

}  // namespace lrb::data
