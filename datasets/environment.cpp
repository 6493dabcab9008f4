#include "datasets/environment.hpp"

#include <cstdlib>

namespace lrb::data {

std::optional<std::string> data_dir_from_environment() {
  const char* v = std::getenv(kDataDirEnvVar);
  if (v == nullptr) return std::nullopt;
  return std::string(v);
}

}  // namespace lrb::data
