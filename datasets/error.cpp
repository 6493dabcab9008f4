#include "datasets/error.hpp"

#include <utility>

namespace lrb::data {

static std::string sentence(const std::string& path, const std::string& expected,
                            const std::string& found, const std::string& hint) {
  // Appends rather than operator+ chains: GCC 12 -O3 gives a false -Wrestrict
  // on the latter (GCC bug 105329).
  std::string s;
  s.reserve(path.size() + expected.size() + found.size() + hint.size() + 32);
  s.append(path).append(": expected ").append(expected).append("; found ").append(found).append(".");
  if (!hint.empty()) s.append(" hint: ").append(hint);
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
