#pragma once
// Progress on stderr: a redrawn bar with ETA when stderr is a terminal, plain
// periodic lines when it is not (CI logs, pipes), nothing with --quiet.
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

namespace lrb::cli {

class Progress {
 public:
  enum class Mode { bar, lines, quiet };
  // Mode::bar is demoted to lines when stderr is not a terminal.
  Progress(std::string label, int64_t total, Mode mode);

  // Reports `done` of `total` units with a short status text ("loss 0.41").
  // Cheap to call every step: it redraws at most every 0.1 s (bar) or 10 s
  // (lines).
  void update(int64_t done, const std::string& status);
  // A line that stays (e.g. an epoch summary), printed above the bar.
  void note(const std::string& line);
  void finish(const std::string& status);

  static std::string format_duration(double seconds);  // "1:05", "2:03:04"

 private:
  void draw(int64_t done, const std::string& status, bool final);

  std::string label_;
  int64_t total_;
  Mode mode_;
  std::chrono::steady_clock::time_point start_, last_draw_;
  bool drawn_ = false;
};

// `lrbench run`: an overall bar (runs done of total, ETA) above one line per
// worker showing its current run's own bar and ETA.  On a terminal the block
// is redrawn in place (at most 10 times a second); otherwise one summary line
// every 10 s names the overall state and the runs in flight.  Thread-safe:
// workers call it directly.
class RunsProgress {
 public:
  RunsProgress(int64_t total, int workers, Progress::Mode mode);
  // A worker's run reports how far it is (suites::RunContext::report).
  void run_progress(int worker, const std::string& run, double fraction, const std::string& status);
  // A run finished (computed, cached, diverged or failed); `done` of total.
  void run_done(int worker, int64_t done, const std::string& run, const std::string& what);
  void finish(const std::string& summary);

 private:
  struct Slot {
    std::string run, status;
    double fraction = 0;
    std::chrono::steady_clock::time_point start;
  };
  void draw_locked(bool force);
  std::string overall_line() const;

  std::mutex mu_;
  int64_t total_, done_ = 0, cached_ = 0;
  Progress::Mode mode_;
  std::vector<Slot> slots_;
  std::chrono::steady_clock::time_point start_, last_draw_;
  int drawn_lines_ = 0;
};

}  // namespace lrb::cli
