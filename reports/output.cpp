#include "reports/output.hpp"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace lrb::reports {
namespace fs = std::filesystem;

namespace {

fs::path resolved(const std::string& p) { return fs::weakly_canonical(fs::absolute(p)); }

// Is `inner` equal to `outer` or inside it (both resolved)?
bool within(const fs::path& inner, const fs::path& outer) {
  auto i = inner.begin();
  for (auto o = outer.begin(); o != outer.end(); ++o, ++i) {
    if (o->empty()) continue;  // a trailing separator
    if (i == inner.end() || *i != *o) return false;
  }
  return true;
}

std::string os_error() { return std::strerror(errno); }

const char* kStagingTag = ".lrbench-tmp-";

// Staging folders of `out` left by a killed report (their pid is gone).
void remove_stale_staging(const fs::path& out) {
  std::error_code ec;
  const fs::path parent = out.parent_path().empty() ? fs::path(".") : out.parent_path();
  const std::string prefix = "." + out.filename().string() + kStagingTag;
  for (fs::directory_iterator it(parent, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.rfind(prefix, 0) != 0) continue;
    const long pid = std::strtol(name.c_str() + prefix.size(), nullptr, 10);
    if (pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) {
      std::error_code rm;
      fs::remove_all(it->path(), rm);
    }
  }
}

}  // namespace

void check_out_path(const std::string& out, const std::string& results, const std::string& bench) {
  const fs::path o = resolved(out);
  if (o == o.root_path())
    throw std::invalid_argument("--out " + out + " is the root directory: the report would write " +
                                (o / "index.html").string() + "; name a folder of its own, e.g. results/report");
  auto refuse_overlap = [&](const std::string& input, const char* flag) {
    if (input.empty()) return;
    const fs::path in = resolved(input);
    if (within(o, in))
      throw std::invalid_argument("--out " + out + " is " + (o == in ? "" : "inside ") + "the " + flag +
                                  " directory " + input + ": the report must not write into its inputs");
    if (within(in, o / "figures"))
      throw std::invalid_argument("--out " + out + ": the " + std::string(flag) + " directory " + input +
                                  " lies in OUT/figures, which the report replaces");
  };
  refuse_overlap(results, "--results");
  refuse_overlap(bench, "--bench");
}

StagedReport::StagedReport(const fs::path& out) : out_(fs::absolute(out).lexically_normal()) {
  if (out_.filename().empty()) out_ = out_.parent_path();
  std::error_code ec;
  fs::create_directories(out_.parent_path(), ec);
  if (ec) throw std::runtime_error(out_.parent_path().string() + ": cannot create (" + ec.message() + ")");
  remove_stale_staging(out_);
  staging_ = out_.parent_path() / ("." + out_.filename().string() + kStagingTag + std::to_string(::getpid()));
  fs::remove_all(staging_, ec);
  fs::create_directories(staging_ / "figures", ec);
  if (ec) throw std::runtime_error(staging_.string() + ": cannot create the report's staging folder (" +
                                   ec.message() + ")");
}

StagedReport::~StagedReport() {
  std::error_code ec;
  if (!published_) fs::remove_all(staging_, ec);
}

void StagedReport::publish() {
  std::error_code ec;
  if (!fs::exists(out_, ec)) {
    if (::rename(staging_.c_str(), out_.c_str()) != 0)
      throw std::runtime_error(out_.string() + ": cannot move the report into place (" + os_error() + ")");
    published_ = true;
    return;
  }
  if (!fs::is_directory(out_, ec)) throw std::runtime_error(out_.string() + ": exists and is not a directory");
  const fs::path figs = out_ / "figures", new_figs = figures();
  const bool had_figures = fs::exists(figs, ec);
  // figures/: one atomic exchange (the old folder ends up in the staging
  // folder and is removed with it); a filesystem without RENAME_EXCHANGE
  // gets two renames.
  if (had_figures) {
    if (::renameat2(AT_FDCWD, new_figs.c_str(), AT_FDCWD, figs.c_str(), RENAME_EXCHANGE) != 0) {
      if (errno != EINVAL && errno != ENOSYS)
        throw std::runtime_error(figs.string() + ": cannot replace the figures (" + os_error() + ")");
      const fs::path old = dir() / "figures.old";
      if (::rename(figs.c_str(), old.c_str()) != 0 || ::rename(new_figs.c_str(), figs.c_str()) != 0)
        throw std::runtime_error(figs.string() + ": cannot replace the figures (" + os_error() + ")");
    }
  } else if (::rename(new_figs.c_str(), figs.c_str()) != 0) {
    throw std::runtime_error(figs.string() + ": cannot move the figures into place (" + os_error() + ")");
  }
  if (::rename(index().c_str(), (out_ / "index.html").c_str()) != 0) {
    const std::string err = os_error();
    if (had_figures) ::renameat2(AT_FDCWD, new_figs.c_str(), AT_FDCWD, figs.c_str(), RENAME_EXCHANGE);  // undo
    throw std::runtime_error((out_ / "index.html").string() + ": cannot move the page into place (" + err + ")");
  }
  fs::remove_all(staging_, ec);  // the old figures
  published_ = true;
}

}  // namespace lrb::reports
