#pragma once
// Progress on stderr: a redrawn bar with ETA when stderr is a terminal, plain
// periodic lines when it is not (CI logs, pipes), nothing with --quiet.
#include <chrono>
#include <cstdint>
#include <string>

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

}  // namespace lrb::cli
