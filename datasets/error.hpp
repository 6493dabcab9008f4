#pragma once
// The one exception every datasets/ reader throws for bad input.
//
// what() is one sentence a user can act on:
//   "<path>: expected <what was expected>; found <what was found>. hint: <hint>"
// The parts are kept as fields too, so a caller (the CLI maps DataError to
// exit status 3) or a test can look at them without parsing the sentence.
// Caller mistakes that are not about data (batch size 0, k < 2 folds) are
// std::invalid_argument instead: they are usage errors, not data errors.
#include <stdexcept>
#include <string>

namespace lrb::data {

struct DataError : std::runtime_error {
  DataError(std::string path, std::string expected, std::string found,
            std::string hint);

  std::string path;      // the file or directory the problem is in
  std::string expected;  // what the reader needed
  std::string found;     // what was there
  std::string hint;      // what the user can do about it
};

// The hint used for the Debian Fashion-MNIST files and other IDX inputs.
inline constexpr const char* kIdxHint =
    "the file may be truncated or corrupt; reinstall dataset-fashion-mnist "
    "(apt-get install --reinstall dataset-fashion-mnist) or point --data-dir "
    "/ LRBENCH_DATA_DIR at a good copy";

}  // namespace lrb::data
