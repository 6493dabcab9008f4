#include "records/error.hpp"

namespace lrb::records {
namespace {
std::string sentence(const std::string& path, const std::string& field, const std::string& problem) {
  return path + ": " + (field.empty() ? std::string() : field + ": ") + problem;
}
}  // namespace

FormatError::FormatError(std::string p, std::string f, std::string what)
    : std::runtime_error(sentence(p, f, what)), path(std::move(p)), field(std::move(f)), problem(std::move(what)) {}

}  // namespace lrb::records
