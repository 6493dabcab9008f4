#include "tools/lrbench/environment.hpp"

#include <cstdlib>
#include <filesystem>

namespace lrb::cli {
namespace fs = std::filesystem;

namespace {
std::optional<std::string> variable(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return std::nullopt;
  return std::string(v);
}
}  // namespace

std::optional<std::string> data_dir_from_environment() { return variable(kDataDirEnvVar); }
std::optional<std::string> isa_from_environment() { return variable(kIsaEnvVar); }

std::string this_executable() {
  std::error_code ec;
  const auto p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string() : p.string();
}

std::string web_dir(const std::string& flag) {
  if (!flag.empty()) return flag;
  if (auto env = variable(kWebDirEnvVar)) return *env;
  // Installed layout: <prefix>/bin/lrbench and <prefix>/share/lrbench/web/uplot/dist/.
  if (const std::string exe = this_executable(); !exe.empty()) {
    const fs::path installed = fs::path(exe).parent_path().parent_path() / "share" / "lrbench" / "web";
    std::error_code ec;
    if (fs::is_directory(installed / "uplot" / "dist", ec)) return installed.string();
  }
  return LRBENCH_SOURCE_WEB_DIR;
}

}  // namespace lrb::cli
