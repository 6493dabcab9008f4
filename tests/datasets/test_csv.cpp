// CSV regression loader: good files and one test per bad input.
#include <gtest/gtest.h>

#include "datasets/csv.hpp"
#include "datasets/error.hpp"
#include "datasets/sha256.hpp"
#include "helpers.hpp"

namespace lrb::data::test {
namespace {

TEST(Csv, LoadsFeaturesAndTheLastColumnAsTarget) {
  TempDir t;
  const std::string text = "x1,x2,y\n1,2,3\n4.5, -6e-1 ,+7\n";
  write_text(t / "d.csv", text);
  const CsvRegression c = load_csv_regression(t / "d.csv");
  EXPECT_EQ(c.data.n, 2u);
  EXPECT_EQ(c.data.d, 2u);
  EXPECT_EQ(c.data.x, (std::vector<double>{1, 2, 4.5, -0.6}));
  EXPECT_EQ(c.data.y, (std::vector<double>{3, 7}));
  EXPECT_EQ(c.data.feature_names, (std::vector<std::string>{"x1", "x2"}));
  EXPECT_EQ(c.data.target_name, "y");
  EXPECT_EQ(c.provenance.sha256, sha256_hex(Bytes(text.begin(), text.end())));
}

TEST(Csv, TargetChosenByNameQuotesCrlfAndBlankLines) {
  TempDir t;
  write_text(t / "d.csv", "\"price\",\"area, m2\",rooms\r\n\r\n10,50,2\r\n20,80,3\r\n\r\n");
  const CsvRegression c = load_csv_regression(t / "d.csv", {.target_column = "price"});
  EXPECT_EQ(c.data.target_name, "price");
  EXPECT_EQ(c.data.feature_names, (std::vector<std::string>{"area, m2", "rooms"}));
  EXPECT_EQ(c.data.x, (std::vector<double>{50, 2, 80, 3}));
  EXPECT_EQ(c.data.y, (std::vector<double>{10, 20}));
}

TEST(Csv, ReadsGzip) {
  TempDir t;
  const std::string text = "a;b\n1;2\n";
  write_file(t / "d.csv.gz", gzip(Bytes(text.begin(), text.end())));
  const CsvRegression c = load_csv_regression(t / "d.csv.gz", {.delimiter = ';'});
  EXPECT_EQ(c.data.y, std::vector<double>{2});
  EXPECT_TRUE(c.provenance.gzip);
}

TEST(Csv, EmptyFileIsAnError) {
  TempDir t;
  write_text(t / "e.csv", "");
  expect_data_error([&] { load_csv_regression(t / "e.csv"); },
                    {(t / "e.csv").string(), "a header row", "an empty file"});
  write_text(t / "b.csv", "\n  \n\r\n");
  expect_data_error([&] { load_csv_regression(t / "b.csv"); }, {"only blank lines"});
}

TEST(Csv, HeaderOnlyIsAnError) {
  TempDir t;
  write_text(t / "h.csv", "x,y\n");
  expect_data_error([&] { load_csv_regression(t / "h.csv"); },
                    {"at least one data row", "only the header (2 columns)"});
}

TEST(Csv, MissingHeaderIsAnError) {
  TempDir t;
  write_text(t / "n.csv", "1,2\n3,4\n");
  expect_data_error([&] { load_csv_regression(t / "n.csv"); },
                    {"a header row of column names", "the number '1' as the name of column 1"});
}

TEST(Csv, NonNumericCellNamesRowColumnAndText) {
  TempDir t;
  write_text(t / "d.csv", "x1,x2,y\n1,2,3\n4,abc,6\n");
  expect_data_error([&] { load_csv_regression(t / "d.csv"); },
                    {(t / "d.csv").string(), "the text 'abc' on line 3, column 2 ('x2')"});
  // from_chars must consume the whole cell: "1e-3x" is not 0.001.
  write_text(t / "x.csv", "x,y\n1e-3x,1\n");
  expect_data_error([&] { load_csv_regression(t / "x.csv"); }, {"'1e-3x' on line 2, column 1 ('x')"});
  write_text(t / "em.csv", "x,y\n1,\n");
  expect_data_error([&] { load_csv_regression(t / "em.csv"); }, {"an empty cell on line 2, column 2"});
  write_text(t / "nan.csv", "x,y\nnan,1\n");
  expect_data_error([&] { load_csv_regression(t / "nan.csv"); }, {"non-finite value 'nan'"});
  write_text(t / "big.csv", "x,y\n1e999,1\n");
  expect_data_error([&] { load_csv_regression(t / "big.csv"); }, {"out-of-range number '1e999'"});
  write_text(t / "pm.csv", "x,y\n+-1,1\n");
  expect_data_error([&] { load_csv_regression(t / "pm.csv"); }, {"'+-1' on line 2"});
}

TEST(Csv, RaggedRowIsAnError) {
  TempDir t;
  write_text(t / "r.csv", "x1,x2,y\n1,2,3\n\n4,5\n");
  expect_data_error([&] { load_csv_regression(t / "r.csv"); },
                    {"3 fields on every row", "2 field(s) on line 4", "ragged"});
  write_text(t / "r2.csv", "x1,y\n1,2,\n");
  expect_data_error([&] { load_csv_regression(t / "r2.csv"); }, {"3 field(s) on line 2"});
}

TEST(Csv, UnknownTargetColumnListsTheColumns) {
  TempDir t;
  write_text(t / "d.csv", "a,b,c\n1,2,3\n");
  expect_data_error([&] { load_csv_regression(t / "d.csv", {.target_column = "y"}); },
                    {"a column named 'y'", "the columns 'a', 'b', 'c'"});
}

TEST(Csv, MalformedHeaderIsAnError) {
  TempDir t;
  write_text(t / "dup.csv", "a,a\n1,2\n");
  expect_data_error([&] { load_csv_regression(t / "dup.csv"); }, {"'a' twice, in columns 1 and 2"});
  write_text(t / "one.csv", "y\n1\n");
  expect_data_error([&] { load_csv_regression(t / "one.csv"); }, {"at least two columns"});
  write_text(t / "q.csv", "\"a,b\n1,2\n");
  expect_data_error([&] { load_csv_regression(t / "q.csv"); }, {"unterminated quote", "line 1"});
}

// The header check used to compare every pair of names (2,000,000 columns:
// about 1.5 h).  A header over the column limit is refused before its names
// are stored; under it, duplicates are found by sorting.
TEST(Csv, WideHeadersAreBoundedAndCheckedInLinearithmicTime) {
  TempDir t;
  std::string wide;
  for (int j = 0; j < 2000000; ++j) wide += j ? ",a" : "a";
  write_text(t / "wide.csv", wide + "\n");
  reset_max_allocation();
  expect_data_error([&] { load_csv_regression(t / "wide.csv"); },
                    {"at most 100000 columns", "more than 100000 columns in the header on line 1"});
  EXPECT_LT(max_allocation(), std::size_t{16} << 20);

  // 200,000 distinct names, then one repeated: quadratic would be 2e10 compares.
  std::string header, row;
  for (int j = 0; j < 200000; ++j) {
    header += (j ? ",c" : "c") + std::to_string(j);
    row += j ? ",1" : "1";
  }
  write_text(t / "ok.csv", header + "\n" + row + "\n");
  const CsvRegression c = load_csv_regression(t / "ok.csv", {.max_columns = 200000});
  EXPECT_EQ(c.data.d, 199999u);
  EXPECT_EQ(c.data.target_name, "c199999");
  write_text(t / "dup.csv", header + ",c7,c3\n" + row + ",1,1\n");
  expect_data_error([&] { load_csv_regression(t / "dup.csv", {.max_columns = 200002}); },
                    {"'c7' twice, in columns 8 and 200001"});
  // Too many fields in a row: counted up to the limit only.
  write_text(t / "row.csv", "x,y\n" + row + "\n");
  expect_data_error([&] { load_csv_regression(t / "row.csv"); },
                    {"2 fields on every row", "more than 100000 fields on line 2"});
}

TEST(Csv, LongLinesAreRefusedAtTheLimit) {
  TempDir t;
  write_text(t / "l.csv", "x,y\n1,2\n1," + std::string(300, '7') + "\n");
  expect_data_error([&] { load_csv_regression(t / "l.csv", {.max_line_bytes = 100}); },
                    {"lines of at most 100 bytes", "a line of 302 bytes (line 3)"});
  // A line longer than what one read brings: refused before it is all in memory.
  write_text(t / "big.csv", "x,y\n" + std::string(1 << 20, '1') + ",2\n");
  reset_max_allocation();
  expect_data_error([&] { load_csv_regression(t / "big.csv", {.max_line_bytes = 1000}); },
                    {"a line of more than 1000 bytes (line 2)"});
  EXPECT_LT(max_allocation(), std::size_t{256} << 10);
  // The same file is fine under the default limit, with and without a final newline.
  EXPECT_EQ(load_csv_regression(t / "l.csv").data.n, 2u);
  write_text(t / "n.csv", "x,y\n1,2\n3,4");
  EXPECT_EQ(load_csv_regression(t / "n.csv").data.y, (std::vector<double>{2, 4}));
}

TEST(Csv, MessagesEscapeControlBytes) {
  TempDir t;
  write_text(t / "c.csv", "x,y\n1,\x1b[31mred\n");
  try {
    load_csv_regression(t / "c.csv");
    ADD_FAILURE() << "no error";
  } catch (const DataError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("'\\x1b[31mred'"), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\x1b'), std::string::npos) << msg;
  }
}

TEST(Csv, MissingFileIsAnError) {
  TempDir t;
  expect_data_error([&] { load_csv_regression(t / "none.csv"); }, {"no such file"});
}

}  // namespace
}  // namespace lrb::data::test
