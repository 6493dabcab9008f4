#pragma once
// What a suite's execute() may use besides its RunSpec, passed explicitly by
// the caller (the runner, a test): the data directory, a dataset cache shared
// by the runs of one process, where to report progress, and how many threads
// the run may use.  Suites read no environment, keep no static caches and no
// thread-local state: everything a run depends on is in (RunSpec, RunContext).
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "datasets/types.hpp"

namespace lrb::suites {

// Decoded image datasets by directory, loaded once and shared read-only by
// every run that asks for them (Fashion-MNIST decoded is 60k x 784 floats =
// 188 MB: one copy per run would not fit two workers).  Thread-safe; owned by
// whoever starts the runs, so its lifetime is theirs.
class DatasetCache {
 public:
  // The dataset of `dir`, loaded with `load` the first time (under the lock:
  // concurrent callers wait for the one load).  A load that throws caches
  // nothing and the exception reaches the caller.
  std::shared_ptr<const data::ImageDataset> images(
      const std::filesystem::path& dir, const std::function<data::ImageDataset(const std::filesystem::path&)>& load);

 private:
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<const data::ImageDataset>> images_;
};

// Per-run progress: fraction in [0, 1] and a short status such as
// "epoch 3/10 loss 0.41".  Call it at most every few milliseconds of work.
using ProgressSink = std::function<void(double fraction, const std::string& status)>;

struct RunContext {
  std::filesystem::path data_dir = "/usr/share/datasets/fashion-mnist";  // IDX files (suite 001)
  std::string data_dir_source = "default";  // how it was chosen, for messages: "--data-dir", ...
  DatasetCache* datasets = nullptr;  // shared cache; nullptr: each run loads its own copy
  ProgressSink progress;             // empty: nobody listens
  int threads = 1;                   // OpenMP threads the run may use

  void report(double fraction, const std::string& status) const {
    if (progress) progress(fraction, status);
  }
};

}  // namespace lrb::suites
