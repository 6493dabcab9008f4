#pragma once
// What the suite tests share (one binary, test_suites): a scratch folder, run
// options and a run context, and a claim by its id.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>

#include "records/results_dir.hpp"
#include "records/run_record.hpp"
#include "suites/runner.hpp"
#include "suites/suite.hpp"

namespace lrb::suites::test_util {

namespace records = lrb::records;

// The Fashion-MNIST directory the tests use: $LRBENCH_DATA_DIR (as the CLI
// reads it), else Debian's.
inline std::filesystem::path data_dir() {
  const char* v = std::getenv("LRBENCH_DATA_DIR");
  return v && *v ? std::filesystem::path(v) : RunContext{}.data_dir;
}

// A context for calling a suite's execute() directly.
inline RunContext context(DatasetCache* cache = nullptr) {
  RunContext c;
  c.data_dir = data_dir();
  c.data_dir_source = "test";
  c.datasets = cache;
  return c;
}

// A fresh, empty folder, removed with the object; unique per process and object.
struct TempDir {
  std::filesystem::path path;
  explicit TempDir(const std::string& tag = "suites") {
    static int counter = 0;
    path = std::filesystem::temp_directory_path() /
           ("lrbench-" + tag + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string str() const { return path.string(); }
};

// Runs into `dir` on `threads` workers, with a fixed provenance.
inline RunOptions run_options(const std::string& dir, int threads = 2) {
  RunOptions o;
  o.results_dir = dir;
  o.threads = threads;
  o.provenance = {{"schema", "test"}};
  o.data_dir = data_dir();
  o.data_dir_source = "test";
  return o;
}

// The claim with this id ("001.9"), from the suite its prefix names.
inline const Claim& claim(const std::string& id) {
  for (const auto& c : find_suite(id.substr(0, id.find('.'))).claims)
    if (c.id == id) return c;
  throw std::runtime_error("no claim " + id);
}

}  // namespace lrb::suites::test_util
