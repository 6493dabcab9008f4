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
                    {"a column named 'y'", "the columns a, b, c"});
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

TEST(Csv, MissingFileIsAnError) {
  TempDir t;
  expect_data_error([&] { load_csv_regression(t / "none.csv"); }, {"no such file"});
}

}  // namespace
}  // namespace lrb::data::test
