#pragma once
// The one place datasets/ reads the process environment.  Only the CLI calls
// this; everything else receives the value as a parameter (STYLE.md: nothing in
// core reads argv, files, environment or globals).
#include <optional>
#include <string>

namespace lrb::data {

inline constexpr const char* kDataDirEnvVar = "LRBENCH_DATA_DIR";

// The value of LRBENCH_DATA_DIR, or nullopt when it is unset.  Pass the
// result to resolve_data_dir() together with the --data-dir value.
std::optional<std::string> data_dir_from_environment();

}  // namespace lrb::data
