#include "tools/lrbench/progress.hpp"

#include <unistd.h>

#include <cstdio>

namespace lrb::cli {

Progress::Progress(std::string label, int64_t total, Mode mode)
    : label_(std::move(label)),
      total_(total > 0 ? total : 1),
      mode_(mode == Mode::bar && !isatty(STDERR_FILENO) ? Mode::lines : mode),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

std::string Progress::format_duration(double s) {
  if (!(s >= 0) || s > 1e7) return "--:--";
  const long t = static_cast<long>(s + 0.5);
  char buf[32];
  if (t >= 3600)
    std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
  else
    std::snprintf(buf, sizeof buf, "%ld:%02ld", t / 60, t % 60);
  return buf;
}

void Progress::update(int64_t done, const std::string& status) {
  if (mode_ == Mode::quiet) return;
  const auto now = std::chrono::steady_clock::now();
  const double since = std::chrono::duration<double>(now - last_draw_).count();
  if (drawn_ && since < (mode_ == Mode::bar ? 0.1 : 10.0)) return;
  last_draw_ = now;
  draw(done, status, false);
}

void Progress::note(const std::string& line) {
  if (mode_ == Mode::quiet) return;
  if (mode_ == Mode::bar && drawn_) std::fputs("\r\033[K", stderr);
  std::fprintf(stderr, "%s\n", line.c_str());
  drawn_ = false;
}

void Progress::finish(const std::string& status) {
  if (mode_ == Mode::quiet) return;
  draw(total_, status, true);
}

void Progress::draw(int64_t done, const std::string& status, bool final) {
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double frac = static_cast<double>(done) / static_cast<double>(total_);
  const double eta = done > 0 ? elapsed * (1.0 - frac) / frac : -1.0;
  const std::string times =
      final ? format_duration(elapsed) : format_duration(elapsed) + " ETA " + format_duration(eta);
  if (mode_ == Mode::bar) {
    constexpr int kWidth = 24;
    const int filled = static_cast<int>(frac * kWidth + 1e-9);
    std::string bar(static_cast<size_t>(filled), '#');
    bar.resize(kWidth, '.');
    std::fprintf(stderr, "\r\033[K%s [%s] %3.0f%% %s %s%s", label_.c_str(), bar.c_str(),
                 100.0 * frac, status.c_str(), times.c_str(), final ? "\n" : "");
  } else {
    std::fprintf(stderr, "%s %lld/%lld (%.0f%%) %s %s\n", label_.c_str(),
                 static_cast<long long>(done), static_cast<long long>(total_), 100.0 * frac,
                 status.c_str(), times.c_str());
  }
  std::fflush(stderr);
  drawn_ = !final;
}

}  // namespace lrb::cli
