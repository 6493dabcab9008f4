#pragma once
// The one place lrbench reads its own environment and finds its own files.
// Only the CLI calls these; suites, reports and datasets receive the values
// as parameters.
#include <optional>
#include <string>

namespace lrb::cli {

inline constexpr const char* kDataDirEnvVar = "LRBENCH_DATA_DIR";  // Fashion-MNIST / IDX directory
inline constexpr const char* kWebDirEnvVar = "LRBENCH_WEB_DIR";    // folder holding uplot/dist
inline constexpr const char* kIsaEnvVar = "LRBENCH_ISA";           // kernel path: auto|avx2|avx512

// The variable's value, or nullopt when it is unset or empty.
std::optional<std::string> data_dir_from_environment();
std::optional<std::string> isa_from_environment();

// Where the report's web assets (uPlot) are, in this order: --web-dir
// (`flag`, when non-empty), $LRBENCH_WEB_DIR, <prefix>/share/lrbench/web when
// this executable runs from <prefix>/bin (an installed lrbench, found through
// /proc/self/exe, so any working directory works), else the source tree's
// tools/web/node_modules compiled into a build-tree binary.
std::string web_dir(const std::string& flag);

// This executable's path (/proc/self/exe), or "" when it cannot be read.
std::string this_executable();

}  // namespace lrb::cli
