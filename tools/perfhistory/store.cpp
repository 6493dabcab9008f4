// `perf-history add`: which machine a commit's runs belong to, and the one
// merged record of (machine, commit).  The files' format is records/perf_history's.
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fmt/format.h>
#include <set>

#include "core/stats/stats.hpp"
#include "records/json_file.hpp"
#include "records/provenance.hpp"
#include "tools/perfhistory/perfhistory.hpp"

namespace lrb::perfhistory {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string commit_arg(const char* flag, std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (!ph::is_commit_id(s))
    throw UsageError(std::string(flag) + " must be a full commit id (40 or 64 hex digits, `git rev-parse`), got '" +
                     s + "'");
  return s;
}

// One input file: its rows as written and as read.
struct Input {
  records::BenchmarkFile file;
  json rows = json::array();  // its "iteration" rows, as written
  ph::MachineIdentity identity;
};

Input read_input(const std::string& path, const std::optional<std::string>& cpu_model) {
  Input in;
  json j = records::read_json(path, "Google Benchmark JSON (--benchmark_out_format=json)");
  if (cpu_model && j.is_object() && j.contains("context") && j["context"].is_object()) {
    json& c = j["context"];
    if (!c.contains("cpu_model") || !c["cpu_model"].is_string() || c["cpu_model"].get<std::string>().empty())
      c["cpu_model"] = *cpu_model;
  }
  in.file = records::parse_benchmark_json(j, path);
  for (const auto& r : in.file.runs)
    if (r.type == records::RunType::iteration) in.rows.push_back(j["benchmarks"][r.index]);
  if (in.rows.empty())
    throw records::FormatError(path, "benchmarks",
                               "holds no repetitions (\"run_type\": \"iteration\"), only aggregates or nothing: "
                               "run the benchmark with --benchmark_repetitions=N and without "
                               "--benchmark_report_aggregates_only");
  in.identity = ph::machine_identity(in.file.context, path);
  return in;
}

std::string rates(const ph::MachineCalibration& c) {
  return fmt::format("FMA peak {:.4g} FLOP/s, triad {:.4g} B/s", c.fma_peak_flops, c.stream_triad_bytes_per_second);
}

// Holds an exclusive flock on the store directory while alive.
class StoreLock {
 public:
  explicit StoreLock(const fs::path& dir) : fd_(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) {
    if (fd_ < 0) throw std::runtime_error(dir.string() + ": cannot open the store (" + std::strerror(errno) + ")");
    while (::flock(fd_, LOCK_EX) != 0) {
      if (errno == EINTR) continue;
      const std::string err = std::strerror(errno);
      ::close(fd_);
      throw std::runtime_error(dir.string() + ": cannot lock the store (" + err + ")");
    }
  }
  ~StoreLock() { ::close(fd_); }
  StoreLock(const StoreLock&) = delete;
  StoreLock& operator=(const StoreLock&) = delete;

 private:
  int fd_;
};

// The generation of a machine directory named <prefix><n>, 0 if it is not one.
int generation_of(const std::string& name, const std::string& prefix) {
  if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) return 0;
  const std::string n = name.substr(prefix.size());
  if (n.size() > 6 || !std::all_of(n.begin(), n.end(), [](char c) { return c >= '0' && c <= '9'; })) return 0;
  return std::stoi(n);
}

}  // namespace

AddResult add(const AddRequest& req) {
  // ---- arguments (usage errors) ----
  const std::string commit = commit_arg("--commit", req.commit);
  std::optional<std::string> parent;
  if (req.parent) parent = commit_arg("--parent", *req.parent);
  if (parent == commit) throw UsageError("--parent must differ from --commit");
  const std::string time = req.time.empty() ? records::utc_now() : req.time;
  if (!ph::parse_iso8601(time))
    throw UsageError("--time must be an ISO 8601 time such as 2026-12-01T10:02:11+01:00 (`git log -1 --format=%cI`), got '" +
                     req.time + "'");
  if (req.files.empty()) throw UsageError("expected one or more Google Benchmark JSON files");
  if (req.subject.find('\n') != std::string::npos) throw UsageError("--subject must be one line");
  if (req.tolerance && !(*req.tolerance > 0 && *req.tolerance < 10))
    throw UsageError("--tolerance must be a percentage in (0, 1000), got " + fmt::format("{:g}", *req.tolerance * 100));
  const double tolerance = req.tolerance.value_or(ph::kDefaultTolerance);
  const fs::path store(req.store);
  std::error_code ec;
  if (req.store.empty()) throw UsageError("expected the history directory STORE");
  if (fs::exists(store, ec) && !fs::is_directory(store, ec))
    throw UsageError("STORE " + req.store + " exists and is not a directory");

  // ---- the inputs (data errors; nothing is written yet) ----
  std::vector<Input> inputs;
  for (const auto& f : req.files) inputs.push_back(read_input(f, req.cpu_model));
  for (size_t i = 1; i < inputs.size(); ++i)
    if (!(inputs[i].identity == inputs[0].identity))
      throw records::FormatError(req.files[i], "context",
                                 "its machine " + ph::canonical_identity(inputs[i].identity) + " is not " +
                                     req.files[0] + "'s " + ph::canonical_identity(inputs[0].identity) +
                                     ": the files come from different machines (record each machine's runs "
                                     "separately)");
  std::vector<std::vector<double>> fma_of, triad_of;  // per input file
  std::vector<double> fma, triad;
  for (const auto& in : inputs) {
    fma_of.push_back(perfcheck::calib_rates(in.file, perfcheck::Calib::fma));
    triad_of.push_back(perfcheck::calib_rates(in.file, perfcheck::Calib::triad));
    fma.insert(fma.end(), fma_of.back().begin(), fma_of.back().end());
    triad.insert(triad.end(), triad_of.back().begin(), triad_of.back().end());
  }
  if (fma.empty() || triad.empty()) {
    std::string files;
    for (const auto& f : req.files) files += (files.empty() ? "" : ", ") + f;
    throw records::FormatError(files, "",
                               std::string("no ") + (fma.empty() ? "BM_calib_fma_peak repetitions with a \"flops\" counter" : "BM_calib_stream_triad repetitions with a \"bytes_per_second\" counter") +
                                   ": the store identifies the machine and normalizes every benchmark by the "
                                   "in-run calibration, so run the executables without filtering BM_calib_ out");
  }
  const ph::MachineCalibration calib{stats::median(fma), stats::median(triad)};
  // The files of one record were measured on one machine in one session.
  for (size_t i = 0; i < inputs.size(); ++i) {
    const auto& a = fma_of[i];
    const auto& b = triad_of[i];
    const ph::MachineCalibration own{a.empty() ? calib.fma_peak_flops : stats::median(a),
                                     b.empty() ? calib.stream_triad_bytes_per_second : stats::median(b)};
    if (!ph::calibration_matches(calib, own, tolerance))
      throw records::FormatError(req.files[i], "",
                                 "its calibration (" + rates(own) + ") is more than " +
                                     fmt::format("{:g}", tolerance * 100) +
                                     " % away from the record's median (" + rates(calib) +
                                     "): the files come from different machines, or the machine was far "
                                     "busier during one of them; rerun it (or raise --tolerance on a "
                                     "machine shared with other work)");
  }

  // ---- the store (under its lock) ----
  fs::create_directories(store, ec);
  if (ec) throw std::runtime_error(req.store + ": cannot create the store (" + ec.message() + ")");
  const StoreLock lock(store);
  const ph::MachineIdentity& identity = inputs[0].identity;
  const std::string prefix = ph::machine_slug(identity) + "-" + ph::machine_key(identity) + "-g";
  AddResult result;
  result.calibration = calib;
  std::optional<ph::StoredMachine> target;
  int highest = 0;
  std::vector<std::string> refs;
  for (const auto& dir : ph::machine_dirs(store)) {
    const int g = generation_of(dir.filename().string(), prefix);
    if (g == 0) continue;
    ph::StoredMachine m = ph::read_machine_dir(dir);  // checks it: a corrupt store is exit 3
    highest = std::max(highest, g);
    refs.push_back(m.machine.id + ": " + rates(m.machine.calibration));
    if (ph::calibration_matches(m.machine.calibration, calib, m.machine.tolerance) &&
        (!target || generation_of(target->machine.id, prefix) > g))
      target = std::move(m);
  }
  if (!target) {
    ph::StoredMachine m;
    m.machine.id = prefix + std::to_string(highest + 1);
    m.machine.identity = identity;
    m.machine.calibration = calib;
    m.machine.tolerance = tolerance;
    m.machine.created = records::utc_now();
    m.dir = store / m.machine.id;
    m.index.machine = m.machine.id;
    if (highest > 0) {
      std::string list;
      for (const auto& r : refs) list += "; " + r;
      result.notes.push_back("opened generation " + std::to_string(highest + 1) + ": this record's calibration (" +
                             rates(calib) + ") matches no generation of this CPU within its tolerance" + list);
    }
    result.new_machine = true;
    target = std::move(m);
  }
  ph::StoredMachine& m = *target;

  ph::IndexFile index = m.index;
  auto existing = std::find_if(index.commits.begin(), index.commits.end(),
                               [&](const ph::IndexEntry& e) { return e.commit == commit; });
  const std::string index_path = (m.dir / "index.json").string();
  if (existing != index.commits.end() && !req.replace)
    throw records::FormatError(index_path, "",
                               "commit " + commit + " is already recorded for machine " + m.machine.id +
                                   " (recorded " + existing->recorded + "); pass --replace to rewrite its record");
  if (parent)
    for (const auto& e : index.commits)
      if (e.parent == parent && e.commit != commit)
        throw records::FormatError(index_path, "",
                                   "commit " + *parent + " already has the recorded child " + e.commit + ", so " +
                                       commit + " is on another branch: the store holds one first-parent "
                                       "line (record branches in another store)");

  ph::RecordMeta meta;
  meta.commit = commit;
  meta.parent = parent;
  meta.time = time;
  meta.subject = req.subject;
  meta.machine = m.machine.id;
  meta.recorded = records::utc_now();
  json rows = json::array();
  std::set<std::string> names;
  for (size_t i = 0; i < inputs.size(); ++i) {
    meta.sources.push_back(fs::path(req.files[i]).filename().string());
    meta.source_rows.push_back(static_cast<int64_t>(inputs[i].rows.size()));
    for (auto& r : inputs[i].rows) rows.push_back(std::move(r));
    for (const auto& r : inputs[i].file.runs)
      if (r.type == records::RunType::iteration) names.insert(r.run_name);
  }
  ph::IndexEntry entry{.commit = commit,
                       .parent = parent,
                       .time = time,
                       .subject = req.subject,
                       .file = "commits/" + commit + ".json",
                       .recorded = meta.recorded,
                       .benchmarks = static_cast<int64_t>(names.size()),
                       .rows = static_cast<int64_t>(rows.size())};
  result.replaced = existing != index.commits.end();
  if (result.replaced) *existing = entry;
  else index.commits.push_back(entry);
  ph::parent_order(index, index_path);  // the new index must still be one line (no cycle)

  if (result.new_machine) ph::write_machine_file(m.dir, m.machine);
  // The record keeps the executable's name, not the directory it ran from: a
  // build folder of one runner (a temp dir, a CI workspace) means nothing to
  // the next reader of a store that is shared and committed.
  json context = inputs[0].file.context.raw;
  if (context.is_object() && context.contains("executable") && context["executable"].is_string())
    context["executable"] = fs::path(context["executable"].get<std::string>()).filename().string();
  ph::write_record(m.dir, context, meta, rows);
  ph::write_index_file(m.dir, index);
  result.machine = m.machine.id;
  result.record = (m.dir / entry.file).string();
  result.benchmarks = names.size();
  result.rows = rows.size();
  return result;
}

}  // namespace lrb::perfhistory
