#include "datasets/error.hpp"

#include <utility>

namespace lrb::data {

static std::string sentence(const std::string& path, const std::string& expected,
                            const std::string& found, const std::string& hint) {
  std::string s = path + ": expected " + expected + "; found " + found + ".";
  if (!hint.empty()) s += " hint: " + hint;
  return s;
}

DataError::DataError(std::string path_, std::string expected_, std::string found_,
                     std::string hint_)
    : std::runtime_error(sentence(path_, expected_, found_, hint_)),
      path(std::move(path_)),
      expected(std::move(expected_)),
      found(std::move(found_)),
      hint(std::move(hint_)) {}

}  // namespace lrb::data
