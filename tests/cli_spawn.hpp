#pragma once
// The lrbench command line as the end-to-end tests run it: `lrbench ARGS 2>&1`
// through the shell (ARGS may quote and redirect), with its exit status and
// everything it printed.  LRBENCH_EXE, the binary's path, is a compile
// definition of the test program (its CMakeLists.txt).
#include <sys/wait.h>

#include <cstdio>
#include <string>

namespace lrb::tests {

struct CliOut {
  int rc;            // the exit status; -1 when a signal ended it
  std::string text;  // stdout and stderr, interleaved as printed
};

inline CliOut run_lrbench(const std::string& args) {
  const std::string cmd = std::string(LRBENCH_EXE) + " " + args + " 2>&1";
  std::FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return {-1, "cannot start: " + cmd};
  std::string text;
  char buf[4096];
  while (const size_t n = std::fread(buf, 1, sizeof buf, p)) text.append(buf, n);
  const int st = ::pclose(p);
  return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, text};
}

}  // namespace lrb::tests
