#include "datasets/csv.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "datasets/byte_source.hpp"
#include "datasets/error.hpp"
#include "datasets/sha256.hpp"

namespace lrb::data {

namespace {

const char* kCsvHint =
    "the CSV needs a header row of column names and one numeric value per column in every "
    "row, e.g. 'x1,x2,y' then '0.5,1.2,3.4'";

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// A cell for an error message: quoted, at most 40 bytes of it, control and
// non-ASCII bytes as \xNN so a message never carries terminal escapes.
std::string show(std::string_view s) {
  std::string out = "'";
  for (const char c : s.substr(0, 40)) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7f) out += fmt::format("\\x{:02x}", u);
    else out += c;
  }
  if (s.size() <= 40) return out + "'";
  return fmt::format("{}...' ({} characters)", out, s.size());
}

enum class Split { ok, malformed, too_many_fields };

// Splits one line into fields; stops as soon as there would be more than
// max_fields, so a line of two million commas never holds two million strings.
Split split_line(std::string_view line, char delim, std::size_t max_fields,
                 std::vector<std::string>& fields, std::string& problem) {
  fields.clear();
  std::size_t i = 0;
  while (true) {
    if (fields.size() == max_fields) return Split::too_many_fields;
    std::string field;
    // skip leading blanks
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    if (i < line.size() && line[i] == '"') {
      ++i;
      bool closed = false;
      while (i < line.size()) {
        if (line[i] == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            field += '"';
            i += 2;
            continue;
          }
          ++i;
          closed = true;
          break;
        }
        field += line[i++];
      }
      if (!closed) {
        problem = fmt::format("an unterminated quote in field {}", fields.size() + 1);
        return Split::malformed;
      }
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
      if (i < line.size() && line[i] != delim) {
        problem = fmt::format("text after the closing quote of field {}", fields.size() + 1);
        return Split::malformed;
      }
      fields.push_back(std::move(field));
    } else {
      const std::size_t end = line.find(delim, i);
      const std::size_t stop = end == std::string_view::npos ? line.size() : end;
      fields.emplace_back(trim(line.substr(i, stop - i)));
      i = stop;
    }
    if (i >= line.size()) break;
    ++i;  // the delimiter
    if (i == line.size()) {  // a trailing delimiter ends with an empty field
      if (fields.size() == max_fields) return Split::too_many_fields;
      fields.emplace_back();
      break;
    }
  }
  return Split::ok;
}

// The lines of a (possibly gzip) file, read in 64 KiB pieces: memory is one
// line plus a piece, whatever the file's size.  Hashes every byte it reads and
// refuses a file over max_bytes or a line over max_line_bytes.
class LineReader {
 public:
  LineReader(detail::ByteSource& src, const CsvOptions& o) : src_(src), o_(o) {}

  // The next line without its '\n' (and without a '\r' before it); false at the end.
  bool next(std::string_view& line) {
    while (true) {
      const std::size_t nl = buf_.find('\n', scan_);
      if (nl != std::string::npos) {
        check_length(nl - start_, true);
        line = std::string_view(buf_).substr(start_, nl - start_);
        start_ = scan_ = nl + 1;
        break;
      }
      check_length(buf_.size() - start_, eof_);
      if (eof_) {
        if (start_ == buf_.size()) return false;
        line = std::string_view(buf_).substr(start_);
        start_ = scan_ = buf_.size();
        break;
      }
      fill();
    }
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    ++returned_;
    return true;
  }

  std::uint64_t bytes() const { return bytes_; }
  std::string sha256() { return sha_.hex_digest(); }

 private:
  // n: the bytes of the line so far; complete: its end has been seen.
  void check_length(std::size_t n, bool complete) const {
    if (n > o_.max_line_bytes)
      throw DataError(src_.path(), fmt::format("lines of at most {} bytes", o_.max_line_bytes),
                      fmt::format("a line of {}{} bytes (line {})", complete ? "" : "more than ",
                                  complete ? n : o_.max_line_bytes, returned_ + 1),
                      "is this a CSV file? raise CsvOptions::max_line_bytes if this line is "
                      "really meant to be read");
  }
  void fill() {
    // Drop what has been handed out; keep the unfinished line.
    buf_.erase(0, start_);
    start_ = 0;
    scan_ = buf_.size();
    chunk_.resize(1 << 16);
    const std::size_t k = src_.read(chunk_.data(), chunk_.size());
    if (k == 0) {
      eof_ = true;
      return;
    }
    if (bytes_ + k > o_.max_bytes)
      throw DataError(src_.path(), fmt::format("a CSV file of at most {} bytes", o_.max_bytes),
                      fmt::format("more than {} bytes", o_.max_bytes),
                      "raise CsvOptions::max_bytes if this file is really meant to be read");
    bytes_ += k;
    sha_.update({chunk_.data(), k});
    buf_.append(reinterpret_cast<const char*>(chunk_.data()), k);
  }

  detail::ByteSource& src_;
  const CsvOptions& o_;
  Sha256 sha_;
  std::string buf_;          // unread bytes from start_ on
  std::vector<std::uint8_t> chunk_;
  std::size_t start_ = 0;    // where the next line starts in buf_
  std::size_t scan_ = 0;     // buf_ holds no '\n' in [start_, scan_)
  std::size_t returned_ = 0;  // lines handed out
  std::uint64_t bytes_ = 0;
  bool eof_ = false;
};

// Throws for the first name that appears twice, as "'a' twice, in columns 1
// and 2" (the earliest second occurrence).  Sorting keeps it O(n log n) in the
// number of columns, with no hash an input could flood.
void check_distinct(const std::string& path, const std::vector<std::string>& header) {
  std::vector<std::size_t> order(header.size());
  for (std::size_t j = 0; j < order.size(); ++j) order[j] = j;
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return header[a] < header[b]; });
  std::size_t first = 0, second = header.size();
  for (std::size_t k = 1; k < order.size(); ++k)
    if (header[order[k]] == header[order[k - 1]] && order[k] < second &&
        (k < 2 || header[order[k - 2]] != header[order[k]])) {
      first = order[k - 1];
      second = order[k];
    }
  if (second < header.size())
    throw DataError(path, "distinct column names",
                    fmt::format("{} twice, in columns {} and {}", show(header[first]), first + 1,
                                second + 1),
                    kCsvHint);
}

// "a, b, c" for a message, at most the first 20 names.
std::string some_names(const std::vector<std::string>& header) {
  std::string names;
  const std::size_t shown = std::min<std::size_t>(header.size(), 20);
  for (std::size_t j = 0; j < shown; ++j) names += (j ? ", " : "") + show(header[j]);
  if (header.size() > shown) names += fmt::format(" and {} more", header.size() - shown);
  return names;
}

}  // namespace

CsvRegression load_csv_regression(const std::filesystem::path& path, const CsvOptions& options) {
  detail::ByteSource src(path, kCsvHint);
  const std::string& p = src.path();
  if (!src.gzip() && src.file_bytes() > options.max_bytes)
    throw DataError(p, fmt::format("a CSV file of at most {} bytes", options.max_bytes),
                    fmt::format("{} bytes", src.file_bytes()),
                    "raise CsvOptions::max_bytes if this file is really meant to be read");
  if (options.max_columns < 2)
    throw std::invalid_argument("load_csv_regression: max_columns must be >= 2");
  LineReader lines(src, options);
  CsvRegression out;
  std::vector<std::string> header, fields;
  std::vector<double> row_values;
  std::size_t target = 0, ncols = 0;
  bool have_header = false;
  std::size_t line_no = 0;
  std::string problem;
  RegressionData& d = out.data;

  std::string_view line;
  while (lines.next(line)) {
    ++line_no;
    if (line_no == 1 && line.substr(0, 3) == "\xEF\xBB\xBF") line.remove_prefix(3);  // UTF-8 byte-order mark
    if (trim(line).empty()) continue;
    switch (split_line(line, options.delimiter, options.max_columns, fields, problem)) {
      case Split::ok: break;
      case Split::malformed:
        throw DataError(p, "well-formed CSV fields", fmt::format("{} on line {}", problem, line_no),
                        kCsvHint);
      case Split::too_many_fields:
        if (have_header)
          throw DataError(p, fmt::format("{} fields on every row, as in the header", ncols),
                          fmt::format("more than {} fields on line {}", options.max_columns, line_no),
                          "the row is ragged: a value is missing or there is an extra delimiter");
        throw DataError(p, fmt::format("at most {} columns (the reader's limit)", options.max_columns),
                        fmt::format("more than {} columns in the header on line {}",
                                    options.max_columns, line_no),
                        "is the delimiter right? raise CsvOptions::max_columns if this table is "
                        "really meant to be read");
    }

    if (!have_header) {
      header = fields;
      ncols = header.size();
      for (std::size_t j = 0; j < ncols; ++j) {
        if (header[j].empty())
          throw DataError(p, "a header row naming every column",
                          fmt::format("an empty name for column {} on line {}", j + 1, line_no),
                          kCsvHint);
        double probe = 0;
        const auto r = std::from_chars(header[j].data(), header[j].data() + header[j].size(), probe);
        if (r.ec == std::errc() && r.ptr == header[j].data() + header[j].size())
          throw DataError(p, "a header row of column names as the first line",
                          fmt::format("the number {} as the name of column {} on line {}",
                                      show(header[j]), j + 1, line_no),
                          "add a header row such as 'x1,x2,y'");
      }
      check_distinct(p, header);
      if (ncols < 2)
        throw DataError(p, "at least two columns (features and a target)",
                        fmt::format("{} column on line {}", ncols, line_no), kCsvHint);
      if (options.target_column.empty()) {
        target = ncols - 1;
      } else {
        target = ncols;
        for (std::size_t j = 0; j < ncols; ++j)
          if (header[j] == options.target_column) target = j;
        if (target == ncols)
          throw DataError(p, fmt::format("a column named {} for the target", show(options.target_column)),
                          fmt::format("the columns {}", some_names(header)),
                          "pick one of the column names in the header, or leave the target out "
                          "to use the last column");
      }
      for (std::size_t j = 0; j < ncols; ++j)
        if (j != target) d.feature_names.push_back(header[j]);
      d.target_name = header[target];
      d.d = ncols - 1;
      have_header = true;
      row_values.resize(ncols);
      continue;
    }

    if (fields.size() != ncols)
      throw DataError(p, fmt::format("{} fields on every row, as in the header", ncols),
                      fmt::format("{} field(s) on line {}", fields.size(), line_no),
                      "the row is ragged: a value is missing or there is an extra delimiter");
    for (std::size_t j = 0; j < ncols; ++j) {
      const std::string& cell = fields[j];
      double v = 0.0;
      const char* b = cell.data();
      const char* e = b + cell.size();
      // from_chars refuses a leading '+'; accept "+1.5" but not "+-1.5"
      const bool plus = e - b >= 2 && b[0] == '+' && ((b[1] >= '0' && b[1] <= '9') || b[1] == '.');
      const char* start = plus ? b + 1 : b;
      const auto r = std::from_chars(start, e, v);
      const bool ok = !cell.empty() && r.ec == std::errc() && r.ptr == e && std::isfinite(v);
      if (!ok) {
        std::string what = cell.empty() ? "an empty cell" : fmt::format("the text {}", show(cell));
        if (!cell.empty() && r.ec == std::errc::result_out_of_range)
          what = fmt::format("the out-of-range number {}", show(cell));
        else if (!cell.empty() && r.ec == std::errc() && r.ptr == e)
          what = fmt::format("the non-finite value {}", show(cell));
        throw DataError(p, "a finite number in every cell",
                        fmt::format("{} on line {}, column {} ({})", what, line_no, j + 1,
                                    show(header[j])),
                        kCsvHint);
      }
      row_values[j] = v;
    }
    for (std::size_t j = 0; j < ncols; ++j)
      if (j != target) d.x.push_back(row_values[j]);
    d.y.push_back(row_values[target]);
    ++d.n;
  }
  if (lines.bytes() == 0)
    throw DataError(p, "a header row of column names", "an empty file", kCsvHint);
  if (!have_header)
    throw DataError(p, "a header row of column names", "only blank lines", kCsvHint);
  if (d.n == 0)
    throw DataError(p, "at least one data row after the header",
                    fmt::format("only the header ({} columns)", ncols), kCsvHint);
  out.provenance.path = p;
  out.provenance.sha256 = lines.sha256();
  out.provenance.bytes = lines.bytes();
  out.provenance.file_bytes = src.file_bytes();
  out.provenance.gzip = src.gzip();
  return out;
}

}  // namespace lrb::data
