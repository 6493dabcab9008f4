// lrbench perf-check: being written (issue 7).
#include "tools/lrbench/cli.hpp"
namespace lrb::cli {
int cmd_perf_check(const std::vector<std::string>&) {
  throw UsageError("perf-check is not built yet");
}
}  // namespace lrb::cli
