#include "datasets/csv.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
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

// Shortens a cell for an error message.
std::string show(std::string_view s) {
  if (s.size() <= 40) return fmt::format("'{}'", s);
  return fmt::format("'{}...' ({} characters)", s.substr(0, 40), s.size());
}

// Splits one line into fields; returns false (with the column reached) on a
// malformed quote.
bool split_line(std::string_view line, char delim, std::vector<std::string>& fields,
                std::string& problem) {
  fields.clear();
  std::size_t i = 0;
  while (true) {
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
        return false;
      }
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
      if (i < line.size() && line[i] != delim) {
        problem = fmt::format("text after the closing quote of field {}", fields.size() + 1);
        return false;
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
      fields.emplace_back();
      break;
    }
  }
  return true;
}

}  // namespace

CsvRegression load_csv_regression(const std::filesystem::path& path, const CsvOptions& options) {
  detail::ByteSource src(path, kCsvHint);
  const std::string& p = src.path();
  if (!src.gzip() && src.file_bytes() > options.max_bytes)
    throw DataError(p, fmt::format("a CSV file of at most {} bytes", options.max_bytes),
                    fmt::format("{} bytes", src.file_bytes()),
                    "raise CsvOptions::max_bytes if this file is really meant to be read");
  std::string text;
  {
    std::vector<std::uint8_t> buf(1 << 16);
    while (true) {
      const std::size_t k = src.read(buf.data(), buf.size());
      if (k == 0) break;
      if (text.size() + k > options.max_bytes)
        throw DataError(p, fmt::format("a CSV file of at most {} bytes", options.max_bytes),
                        fmt::format("more than {} bytes", options.max_bytes),
                        "raise CsvOptions::max_bytes if this file is really meant to be read");
      text.append(reinterpret_cast<const char*>(buf.data()), k);
    }
  }
  CsvRegression out;
  out.provenance.path = p;
  out.provenance.sha256 = sha256_hex(
      {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()});
  out.provenance.bytes = text.size();
  out.provenance.file_bytes = src.file_bytes();
  out.provenance.gzip = src.gzip();

  if (text.empty())
    throw DataError(p, "a header row of column names", "an empty file", kCsvHint);
  std::string_view all(text);
  if (all.substr(0, 3) == "\xEF\xBB\xBF") all.remove_prefix(3);  // UTF-8 byte-order mark

  std::vector<std::string> header, fields;
  std::vector<double> row_values;
  std::size_t target = 0, ncols = 0;
  bool have_header = false;
  std::size_t line_no = 0;
  std::string problem;
  RegressionData& d = out.data;

  std::size_t pos = 0;
  while (pos < all.size()) {
    std::size_t nl = all.find('\n', pos);
    if (nl == std::string_view::npos) nl = all.size();
    std::string_view line = all.substr(pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (trim(line).empty()) continue;
    if (!split_line(line, options.delimiter, fields, problem))
      throw DataError(p, "well-formed CSV fields", fmt::format("{} on line {}", problem, line_no),
                      kCsvHint);

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
        for (std::size_t k = 0; k < j; ++k)
          if (header[k] == header[j])
            throw DataError(p, "distinct column names",
                            fmt::format("{} twice, in columns {} and {}", show(header[j]), k + 1, j + 1),
                            kCsvHint);
      }
      if (ncols < 2)
        throw DataError(p, "at least two columns (features and a target)",
                        fmt::format("{} column on line {}", ncols, line_no), kCsvHint);
      if (options.target_column.empty()) {
        target = ncols - 1;
      } else {
        target = ncols;
        for (std::size_t j = 0; j < ncols; ++j)
          if (header[j] == options.target_column) target = j;
        if (target == ncols) {
          std::string names;
          for (std::size_t j = 0; j < ncols; ++j) names += (j ? ", " : "") + header[j];
          throw DataError(p, fmt::format("a column named '{}' for the target", options.target_column),
                          fmt::format("the columns {}", names),
                          "pick one of the column names in the header, or leave the target out "
                          "to use the last column");
        }
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
                        fmt::format("{} on line {}, column {} ('{}')", what, line_no, j + 1,
                                    header[j]),
                        kCsvHint);
      }
      row_values[j] = v;
    }
    for (std::size_t j = 0; j < ncols; ++j)
      if (j != target) d.x.push_back(row_values[j]);
    d.y.push_back(row_values[target]);
    ++d.n;
  }
  if (!have_header)
    throw DataError(p, "a header row of column names", "only blank lines", kCsvHint);
  if (d.n == 0)
    throw DataError(p, "at least one data row after the header",
                    fmt::format("only the header ({} columns)", ncols), kCsvHint);
  return out;
}

}  // namespace lrb::data
