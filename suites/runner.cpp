#include "suites/runner.hpp"

#include <fcntl.h>
#include <omp.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "datasets/sha256.hpp"

namespace lrb::suites {
namespace fs = std::filesystem;

namespace {

std::string sha_of(const std::string& text) {
  return data::sha256_hex(std::span<const std::uint8_t>(
      reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}


std::string read_text(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  if (!f) throw ResultsError(p.string() + ": cannot open (" + std::strerror(errno) + ")");
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Checks one record; returns "" or what is wrong.
std::string check_record(const json& r, const std::string& stem) {
  if (!r.is_object()) return "expected a JSON object (one run record)";
  if (r.value("schema", "") != kRecordSchema)
    return std::string("expected schema \"") + kRecordSchema + "\", found " +
           (r.contains("schema") ? r["schema"].dump() : "none");
  for (const char* k : {"address", "numerics", "suite", "config", "status"})
    if (!r.contains(k) || !r[k].is_string()) return std::string("\"") + k + "\" must be a string";
  if (!r.contains("seed") || !r["seed"].is_number_integer()) return "\"seed\" must be an integer";
  if (!r.contains("params") || !r["params"].is_object()) return "\"params\" must be an object";
  if (!r.contains("final") || !r["final"].is_object()) return "\"final\" must be an object";
  const auto st = r["status"].get<std::string>();
  if (st != "ok" && st != "diverged") return "status must be ok or diverged, found \"" + st + "\"";
  const json id = {{"numerics", r["numerics"]}, {"suite", r["suite"]}, {"config", r["config"]},
                   {"seed", r["seed"]}, {"params", r["params"]}};
  const std::string addr = sha_of(id.dump());
  if (addr != r["address"].get<std::string>())
    return "\"address\" " + r["address"].get<std::string>() +
           " is not the SHA-256 of the record's identity (" + addr + "): edited or corrupt";
  if (addr != stem) return "file name does not match the record's address " + addr;
  return "";
}

// A final record for `run` already at its path?
bool finished(const std::string& path, const std::string& address) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return false;
  try {
    const json r = json::parse(read_text(path));
    return check_record(r, address).empty();
  } catch (const std::exception&) {
    return false;  // unreadable: recompute and replace
  }
}

std::atomic<uint64_t> g_tmp_counter{0};  // unique temp names across threads

}  // namespace

void write_atomic(const fs::path& path, const std::string& content) {
  if (path.has_parent_path()) fs::create_directories(path.parent_path());
  const fs::path tmp = path.parent_path() /
                       ("." + path.filename().string() + ".tmp." + std::to_string(::getpid()) + "." +
                        std::to_string(g_tmp_counter++));
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) throw std::runtime_error(tmp.string() + ": cannot create (" + std::strerror(errno) + ")");
  size_t off = 0;
  while (off < content.size()) {
    const ssize_t w = ::write(fd, content.data() + off, content.size() - off);
    if (w < 0) {
      if (errno == EINTR) continue;
      const std::string err = std::strerror(errno);
      ::close(fd);
      ::unlink(tmp.c_str());
      throw std::runtime_error(tmp.string() + ": write failed (" + err + ")");
    }
    off += static_cast<size_t>(w);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    ::unlink(tmp.c_str());
    throw std::runtime_error(tmp.string() + ": fsync/close failed");
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string err = std::strerror(errno);
    ::unlink(tmp.c_str());
    throw std::runtime_error(path.string() + ": rename failed (" + err + ")");
  }
}

std::vector<RunSpec> plan_runs(const std::vector<std::string>& suite_ids, const Budget& budget) {
  std::vector<const Suite*> chosen;
  if (suite_ids.empty())
    for (const auto& s : registry()) chosen.push_back(&s);
  else
    for (const auto& id : suite_ids) chosen.push_back(&find_suite(id));
  std::vector<std::pair<std::string, RunSpec>> keyed;
  std::set<std::string> seen;
  for (const Suite* s : chosen)
    for (auto& r : s->plan(budget)) {
      auto a = run_address(r);
      if (!seen.insert(a).second) continue;  // a suite listed twice
      keyed.emplace_back(std::move(a), std::move(r));
    }
  std::sort(keyed.begin(), keyed.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<RunSpec> out;
  for (auto& k : keyed) out.push_back(std::move(k.second));
  return out;
}

std::vector<RunSpec> shard(const std::vector<RunSpec>& plan, int index, int count) {
  if (count < 1 || index < 0 || index >= count)
    throw std::invalid_argument("shard: need 0 <= index < count");
  std::vector<RunSpec> out;
  for (size_t k = 0; k < plan.size(); ++k)
    if (static_cast<int>(k % static_cast<size_t>(count)) == index) out.push_back(plan[k]);
  return out;
}

std::string record_path(const std::string& dir, const RunSpec& run) {
  return (fs::path(dir) / run.suite / (run_address(run) + ".json")).string();
}

namespace {
std::string record_text(const RunSpec& run, const RunResult& res, double wall, const json& prov) {
  // Same content as make_record, serialized in the documented key order.
  nlohmann::ordered_json p = nlohmann::ordered_json::parse(prov.dump());
  p["seed"] = run.seed;
  p["dataset"] = nlohmann::ordered_json::parse(res.value("dataset", json::object()).dump());
  nlohmann::ordered_json rec;
  rec["provenance"] = p;
  rec["schema"] = kRecordSchema;
  rec["address"] = run_address(run);
  rec["numerics"] = kNumericsVersion;
  rec["suite"] = run.suite;
  rec["config"] = run.config;
  rec["seed"] = run.seed;
  rec["params"] = nlohmann::ordered_json::parse(run.params.dump());
  for (const char* k : {"status", "diverged_at_step", "steps", "final"})
    rec[k] = nlohmann::ordered_json::parse(res.value(k, json()).dump());
  rec["timing"] = {{"wall_seconds", wall}};
  // A run may add its own volatile timings (e.g. epoch_wall_seconds, for
  // time-to-target in seconds); they stay out of the deterministic part.
  const json extra_timing = res.value("timing", json::object());
  for (const auto& [k, v] : extra_timing.items())
    rec["timing"][k] = nlohmann::ordered_json::parse(v.dump());
  for (const char* k : {"dataset", "curves"})
    rec[k] = nlohmann::ordered_json::parse(res.value(k, json::object()).dump());
  return rec.dump(1) + "\n";
}
}  // namespace

json make_record(const RunSpec& run, const RunResult& res, double wall_seconds,
                 const json& provenance) {
  return json::parse(record_text(run, res, wall_seconds, provenance));
}

namespace {

// Temp files of write_atomic (".<name>.tmp.<pid>.<n>") left by a process
// that was killed mid-write: removed when that process no longer exists.
void remove_stale_temp_files(const std::string& results_dir) {
  std::error_code ec;
  if (!fs::is_directory(results_dir, ec)) return;
  for (const auto& sd : fs::directory_iterator(results_dir, ec)) {
    if (!sd.is_directory(ec)) continue;
    for (const auto& f : fs::directory_iterator(sd.path(), ec)) {
      const std::string name = f.path().filename().string();
      const auto at = name.rfind(".tmp.");
      if (name.empty() || name[0] != '.' || at == std::string::npos) continue;
      const long pid = std::strtol(name.c_str() + at + 5, nullptr, 10);
      if (pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) fs::remove(f.path(), ec);
    }
  }
}

}  // namespace

RunSummary run_all(const std::vector<RunSpec>& runs, const RunOptions& o) {
  remove_stale_temp_files(o.results_dir);
  RunSummary sum;
  sum.total = static_cast<int64_t>(runs.size());
  std::mutex mu;
  std::atomic<size_t> next{0};
  int64_t done = 0;
  auto report = [&](const RunSpec& r, const std::string& what) {
    ++done;
    if (o.on_progress) o.on_progress(done, sum.total, r, what);
  };
  auto worker = [&](int index) {
    omp_set_num_threads(1);  // parallel over runs; each run's kernels single-threaded
    for (;;) {
      const size_t k = next++;
      if (k >= runs.size()) return;
      const RunSpec& run = runs[k];
      const std::string path = record_path(o.results_dir, run);
      if (!o.force && finished(path, run_address(run))) {
        std::lock_guard lock(mu);
        ++sum.cached;
        report(run, "cached");
        continue;
      }
      try {
        if (o.on_run_progress)
          set_progress_sink([&o, index, &run](double f, const std::string& status) {
            o.on_run_progress(index, run, f, status);
          });
        const auto t0 = std::chrono::steady_clock::now();
        const RunResult res = find_suite(run.suite).execute(run);
        set_progress_sink({});
        const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        write_atomic(path, record_text(run, res, wall, o.provenance));
        std::lock_guard lock(mu);
        ++sum.computed;
        const bool div = res.at("status") == "diverged";
        if (div) ++sum.diverged;
        report(run, div ? "diverged" : "ok");
      } catch (const std::exception& e) {
        set_progress_sink({});
        std::lock_guard lock(mu);
        ++sum.failed;
        sum.errors.push_back(run.suite + " " + run.config + " seed " + std::to_string(run.seed) +
                             ": " + e.what());
        report(run, "failed");
      }
    }
  };
  const int n = std::max(1, std::min<int>(o.threads, static_cast<int>(runs.size())));
  if (n == 1) {
    worker(0);
  } else {
    std::vector<std::thread> pool;
    for (int i = 0; i < n; ++i) pool.emplace_back(worker, i);
    for (auto& t : pool) t.join();
  }
  return sum;
}

LoadedResults load_results(const std::string& dir) {
  LoadedResults out;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    out.errors.push_back(dir + ": not a directory (expected a results directory DIR/<suite>/<address>.json)");
    return out;
  }
  std::vector<fs::path> files;
  for (const auto& sd : fs::directory_iterator(dir)) {
    // Run records live in DIR/<suite id>/ (digits); other folders such as
    // DIR/lr-find/ hold other tools' outputs and are not run records.
    const std::string sub = sd.path().filename().string();
    if (!sd.is_directory() || sub.empty() ||
        !std::all_of(sub.begin(), sub.end(), [](unsigned char c) { return std::isdigit(c); }))
      continue;
    for (const auto& f : fs::directory_iterator(sd.path())) {
      const auto name = f.path().filename().string();
      if (!f.is_regular_file() || name.empty() || name[0] == '.' || f.path().extension() != ".json")
        continue;
      files.push_back(f.path());
    }
  }
  std::sort(files.begin(), files.end());
  for (const auto& p : files) {
    json r;
    try {
      r = json::parse(read_text(p));
    } catch (const std::exception& e) {
      out.errors.push_back(p.string() + ": not valid JSON (" + e.what() +
                           "); delete it and rerun `lrbench run` to recompute it");
      continue;
    }
    const std::string stem = p.stem().string();
    if (auto why = check_record(r, stem); !why.empty()) {
      out.errors.push_back(p.string() + ": " + why);
      continue;
    }
    if (r["suite"].get<std::string>() != p.parent_path().filename().string()) {
      out.errors.push_back(p.string() + ": suite " + r["suite"].dump() + " in the folder of another suite");
      continue;
    }
    out.path_of[stem] = p.string();
    out.by_address[stem] = std::move(r);
  }
  return out;
}

std::map<std::string, ResultSet> select(const LoadedResults& loaded, const std::vector<RunSpec>& plan) {
  std::map<std::string, ResultSet> out;
  for (const auto& run : plan) {
    const auto it = loaded.by_address.find(run_address(run));
    if (it != loaded.by_address.end()) out[run.suite].by_config[run.config][run.seed] = it->second;
  }
  return out;
}

std::vector<SuiteStatus> status(const LoadedResults& loaded, const std::vector<RunSpec>& plan) {
  std::map<std::string, SuiteStatus> by;
  std::set<std::string> planned;
  for (const auto& run : plan) {
    auto& s = by[run.suite];
    s.suite = run.suite;
    ++s.expected;
    const auto a = run_address(run);
    planned.insert(a);
    const auto it = loaded.by_address.find(a);
    if (it == loaded.by_address.end()) ++s.missing;
    else if (it->second["status"] == "diverged") ++s.diverged;
    else ++s.ok;
  }
  for (const auto& [a, r] : loaded.by_address)
    if (!planned.count(a)) {
      auto& s = by[r["suite"].get<std::string>()];
      s.suite = r["suite"].get<std::string>();
      ++s.other;
    }
  std::vector<SuiteStatus> out;
  for (auto& [k, v] : by) out.push_back(v);
  return out;
}

json strip_volatile(const json& record) {
  json r = record;
  r.erase("provenance");
  r.erase("timing");
  return r;
}

int64_t merge(const std::vector<std::string>& inputs, const std::string& out) {
  std::map<std::string, std::pair<std::string, json>> chosen;  // address -> (file, record)
  auto add = [&](const LoadedResults& l, bool existing) {
    for (const auto& [a, r] : l.by_address) {
      const auto it = chosen.find(a);
      if (it == chosen.end()) {
        chosen.emplace(a, std::make_pair(existing ? std::string() : l.path_of.at(a), r));
        continue;
      }
      if (strip_volatile(it->second.second) != strip_volatile(r))
        throw ResultsError("merge: " + l.path_of.at(a) + " and " +
                           (it->second.first.empty() ? std::string("the record already in ") + out
                                                     : it->second.first) +
                           " have the same address but different results (nondeterminism, or "
                           "different numerics under one numerics version)");
    }
  };
  std::error_code ec;
  if (fs::exists(out, ec)) {
    const auto l = load_results(out);
    if (!l.errors.empty()) throw ResultsError("merge: output " + l.errors.front());
    add(l, true);
  }
  for (const auto& in : inputs) {
    const auto l = load_results(in);
    if (!l.errors.empty()) throw ResultsError("merge: " + l.errors.front());
    add(l, false);
  }
  int64_t written = 0;
  for (const auto& [a, fr] : chosen) {
    if (fr.first.empty()) continue;  // already in out
    const fs::path dst = fs::path(out) / fr.second["suite"].get<std::string>() / (a + ".json");
    write_atomic(dst, read_text(fr.first));
    ++written;
  }
  return written;
}

}  // namespace lrb::suites
