#pragma once
// Getting a report onto disk safely: everything is rendered into a private
// staging folder next to --out (".<name>.lrbench-tmp-<pid>"), and only a
// complete report is moved into place -- figures/ swapped in one rename
// (renameat2 RENAME_EXCHANGE), then index.html renamed over the old one -- so
// a failure at any point (gnuplot, a full disk, a kill) leaves the previous
// report as it was and no temp folder behind (a killed process's staging
// folder is removed by the next report into the same --out).  Files of OUT
// other than index.html and figures/ are never touched; figures of an older
// report that the new one no longer draws are gone with the old figures/.
#include <filesystem>
#include <string>

namespace lrb::reports {

// Throws std::invalid_argument (a usage error) when `out` resolves to "/",
// is the results (or bench) directory or lies inside it, or when the results
// (or bench) directory lies inside OUT/figures, which the report replaces.
void check_out_path(const std::string& out, const std::string& results, const std::string& bench);

class StagedReport {
 public:
  // Creates the staging folder and its figures/ (std::runtime_error naming the OS error).
  explicit StagedReport(const std::filesystem::path& out);
  ~StagedReport();  // removes the staging folder unless published
  StagedReport(const StagedReport&) = delete;
  StagedReport& operator=(const StagedReport&) = delete;

  const std::filesystem::path& dir() const { return staging_; }
  std::filesystem::path figures() const { return staging_ / "figures"; }
  std::filesystem::path index() const { return staging_ / "index.html"; }

  // Moves the staged index.html and figures/ into OUT (created if absent).
  // Throws std::runtime_error naming the OS error; OUT then keeps its old report.
  void publish();

 private:
  std::filesystem::path out_, staging_;
  bool published_ = false;
};

}  // namespace lrb::reports
