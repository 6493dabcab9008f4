#include "tools/lrbench/progress.hpp"

#include <unistd.h>

#include <algorithm>
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

namespace {

std::string bar_text(double frac, int width) {
  const int filled = static_cast<int>(std::clamp(frac, 0.0, 1.0) * width + 1e-9);
  std::string bar(static_cast<size_t>(filled), '#');
  bar.resize(static_cast<size_t>(width), '.');
  return bar;
}

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

RunsProgress::RunsProgress(int64_t total, int workers, Progress::Mode mode)
    : total_(total > 0 ? total : 1),
      mode_(mode == Progress::Mode::bar && !isatty(STDERR_FILENO) ? Progress::Mode::lines : mode),
      slots_(static_cast<size_t>(std::max(1, workers))),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_ - std::chrono::hours(1)) {}  // the first update prints at once

void RunsProgress::run_progress(int worker, const std::string& run, double fraction,
                                const std::string& status) {
  if (mode_ == Progress::Mode::quiet) return;
  std::lock_guard lock(mu_);
  Slot& s = slots_.at(static_cast<size_t>(worker));
  if (s.run != run) {
    s.run = run;
    s.start = std::chrono::steady_clock::now();
  }
  s.fraction = fraction;
  s.status = status;
  draw_locked(false);
}

void RunsProgress::run_done(int worker, int64_t done, const std::string& run,
                            const std::string& what) {
  std::lock_guard lock(mu_);
  done_ = done;
  if (what == "cached") ++cached_;
  if (mode_ == Progress::Mode::quiet) return;
  if (worker >= 0 && static_cast<size_t>(worker) < slots_.size()) slots_[static_cast<size_t>(worker)] = {};
  if (what == "failed") {
    // Worth a permanent line: print it above the block.  A diverged run is an
    // expected result of an LR sweep; the final summary counts those.
    if (mode_ == Progress::Mode::bar && drawn_lines_)
      std::fprintf(stderr, "\033[%dA\r\033[J", drawn_lines_);
    std::fprintf(stderr, "run %s: %s\n", run.c_str(), what.c_str());
    drawn_lines_ = 0;
  }
  draw_locked(false);
}

void RunsProgress::finish(const std::string& summary) {
  if (mode_ == Progress::Mode::quiet) return;
  std::lock_guard lock(mu_);
  if (mode_ == Progress::Mode::bar && drawn_lines_)
    std::fprintf(stderr, "\033[%dA\r\033[J", drawn_lines_);
  drawn_lines_ = 0;
  std::fprintf(stderr, "runs %lld/%lld %s %s\n", static_cast<long long>(done_),
               static_cast<long long>(total_), summary.c_str(),
               Progress::format_duration(seconds_since(start_)).c_str());
  std::fflush(stderr);
}

std::string RunsProgress::overall_line() const {
  const double frac = static_cast<double>(done_) / static_cast<double>(total_);
  // Cached runs take no time: the ETA extrapolates from the computed ones.
  const int64_t computed = done_ - cached_, left = total_ - done_;
  const double elapsed = seconds_since(start_);
  const double eta = computed > 0 ? elapsed * static_cast<double>(left) / static_cast<double>(computed) : -1;
  char buf[200];
  std::snprintf(buf, sizeof buf, "runs [%s] %lld/%lld (%.0f%%, %lld cached) %s ETA %s",
                bar_text(frac, 24).c_str(), static_cast<long long>(done_),
                static_cast<long long>(total_), 100 * frac, static_cast<long long>(cached_),
                Progress::format_duration(elapsed).c_str(), Progress::format_duration(eta).c_str());
  return buf;
}

void RunsProgress::draw_locked(bool force) {
  const auto now = std::chrono::steady_clock::now();
  const double since = std::chrono::duration<double>(now - last_draw_).count();
  if (!force && since < (mode_ == Progress::Mode::bar ? 0.1 : 10.0)) return;
  last_draw_ = now;
  if (mode_ == Progress::Mode::lines) {
    std::string line = overall_line();
    for (const auto& s : slots_)
      if (!s.run.empty())
        line += "; " + s.run + " " + std::to_string(static_cast<int>(100 * s.fraction)) + "%";
    std::fprintf(stderr, "%s\n", line.c_str());
    std::fflush(stderr);
    return;
  }
  std::string block;
  if (drawn_lines_) block += "\033[" + std::to_string(drawn_lines_) + "A";
  block += "\r\033[K" + overall_line() + "\n";
  int lines = 1;
  for (size_t w = 0; w < slots_.size(); ++w) {
    const Slot& s = slots_[w];
    block += "\r\033[K";
    if (!s.run.empty()) {
      const double el = seconds_since(s.start);
      const double eta = s.fraction > 0 ? el * (1 - s.fraction) / s.fraction : -1;
      char buf[300];
      std::snprintf(buf, sizeof buf, "  [%zu] %-36.36s [%s] %3.0f%% %-28.28s %s ETA %s", w,
                    s.run.c_str(), bar_text(s.fraction, 16).c_str(), 100 * s.fraction,
                    s.status.c_str(), Progress::format_duration(el).c_str(),
                    Progress::format_duration(eta).c_str());
      block += buf;
    }
    block += "\n";
    ++lines;
  }
  std::fputs(block.c_str(), stderr);
  std::fflush(stderr);
  drawn_lines_ = lines;
}

}  // namespace lrb::cli
