// Reading a machine's history into per-benchmark series, calibration-normalized.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>

#include "core/stats/stats.hpp"
#include "tools/perfhistory/perfhistory.hpp"

namespace lrb::perfhistory {

namespace fs = std::filesystem;
using perfcheck::Calib;

namespace {

constexpr Calib kKinds[] = {Calib::fma, Calib::triad, Calib::copy};

// The machine's speed as each calibration measured it over a range of rows:
// the median of its rate counter (FMA peak: "flops", STREAM: "bytes_per_second";
// 0 = none there).  Rates, not the calibration's own time per iteration: the
// work one iteration does is the calibration's definition, which a commit may
// change (this repository's be1d85e made the FMA loop 12 chains wide), and a
// time ratio across that commit would move every normalized benchmark with it.
struct CalibRates {
  double rate[4] = {0, 0, 0, 0};  // indexed by Calib
  double& operator[](Calib c) { return rate[static_cast<int>(c)]; }
  double operator[](Calib c) const { return rate[static_cast<int>(c)]; }
};

CalibRates calibration_rates(const records::BenchmarkFile& f, size_t begin, size_t end) {
  CalibRates t;
  for (const Calib c : kKinds) {
    const std::vector<double> v = perfcheck::calib_rates(f, c, begin, end);
    if (!v.empty()) t[c] = stats::median(v);
  }
  return t;
}

std::string list(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

fs::path choose_machine(const LoadOptions& o, std::vector<std::string>& ids) {
  const fs::path store(o.store);
  std::error_code ec;
  if (o.store.empty()) throw UsageError("expected the history directory STORE");
  if (!fs::is_directory(store, ec))
    throw UsageError("STORE " + o.store + " is not a directory (create one with `lrbench perf-history add`)");
  const auto dirs = ph::machine_dirs(store);
  for (const auto& d : dirs) ids.push_back(d.filename().string());
  if (dirs.empty())
    throw UsageError("STORE " + o.store + " holds no performance history (no <machine>/machine.json); record "
                     "commits with `lrbench perf-history add` or tools/ci/perf-history.sh");
  if (o.machine.empty()) {
    if (dirs.size() > 1)
      throw UsageError("STORE " + o.store + " holds the histories of " + std::to_string(dirs.size()) +
                       " machines; pick one with --machine: " + list(ids));
    return dirs[0];
  }
  for (const auto& d : dirs)
    if (d.filename() == o.machine) return d;
  throw UsageError("--machine " + o.machine + " is not in " + o.store + "; it holds: " + list(ids));
}

}  // namespace

History load_history(const LoadOptions& o) {
  History h;
  h.store = o.store;
  const fs::path dir = choose_machine(o, h.machines);
  const ph::StoredMachine m = ph::read_machine_dir(dir);
  h.machine = m.machine;
  for (const auto& u : m.unlisted)
    h.warnings.push_back(u + ": a record no index entry lists (an interrupted add?); ignored");
  if (m.order.empty())
    throw UsageError("machine " + m.machine.id + " in " + o.store + " has no recorded commit yet");
  const size_t first = o.last > 0 && o.last < m.order.size() ? m.order.size() - o.last : 0;

  std::vector<ph::StoredRecord> records;
  for (size_t k = first; k < m.order.size(); ++k) {
    const ph::IndexEntry& e = m.index.commits[m.order[k].entry];
    records.push_back(ph::read_record(m, e));
    h.commits.push_back({e.commit, e.parent, e.time, e.subject, records.back().path,
                         k > first && m.order[k].after_gap});
    h.records.push_back(records.back().path);
  }

  // Per record: the calibration medians of each source file and of the whole record.
  const size_t n = records.size();
  std::vector<CalibRates> whole(n);
  std::vector<std::vector<CalibRates>> per_source(n);
  std::vector<std::vector<size_t>> source_of(n);  // [commit][row]: its input file
  for (size_t c = 0; c < n; ++c) {
    const auto& f = records[c].file;
    whole[c] = calibration_rates(f, 0, f.runs.size());
    size_t row = 0;
    for (const int64_t rows : records[c].meta.source_rows) {
      per_source[c].push_back(calibration_rates(f, row, row + static_cast<size_t>(rows)));
      source_of[c].insert(source_of[c].end(), static_cast<size_t>(rows), per_source[c].size() - 1);
      row += static_cast<size_t>(rows);
    }
  }
  CalibRates typical;
  for (const Calib k : kKinds) {
    std::vector<double> v;
    for (const auto& w : whole)
      if (w[k] > 0) v.push_back(w[k]);
    if (!v.empty()) typical[k] = stats::median(v);
  }

  // The benchmarks, first seen first, and the counters each reports per commit.
  std::map<std::string, size_t> at;
  std::vector<std::vector<std::set<std::string>>> counters;  // [benchmark][commit]
  for (size_t c = 0; c < n; ++c)
    for (const auto& r : records[c].file.runs) {
      // Every BM_calib_ benchmark measures the machine, not the code (the
      // STREAM update one included, which normalizes nothing): kept raw, never gated.
      const bool calib = perfcheck::calibration_kind(r.run_name) != Calib::none ||
                         r.run_name.find("BM_calib_") != std::string::npos;
      if (!calib && o.filter && !o.filter->search(r.run_name)) continue;
      auto [it, fresh] = at.try_emplace(r.run_name, h.benchmarks.size());
      if (fresh) {
        BenchmarkSeries s;
        s.name = r.run_name;
        s.calibration = calib;
        s.raw.resize(n);
        s.values.resize(n);
        s.errored.resize(n);
        h.benchmarks.push_back(std::move(s));
        counters.emplace_back(n);
      }
      if (r.type != records::RunType::iteration) continue;
      BenchmarkSeries& s = h.benchmarks[it->second];
      if (r.errored) {
        ++s.errored[c];
        continue;
      }
      if (!(r.real_ns > 0) || !std::isfinite(r.real_ns))
        throw records::FormatError(records[c].path, "benchmarks[" + std::to_string(r.index) + "].real_time",
                                   r.run_name + ": a repetition's time must be positive and finite");
      s.raw[c].push_back(r.real_ns);
      for (const auto& [k, v] : r.counters) counters[it->second][c].insert(k);
    }
  if (o.filter && std::none_of(h.benchmarks.begin(), h.benchmarks.end(), [](const auto& s) { return !s.calibration; }))
    throw UsageError("--filter '" + o.filter->text() + "' matches no benchmark of machine " + m.machine.id);

  // Normalization: the rule of the newest commit that ran the benchmark.
  for (size_t b = 0; b < h.benchmarks.size(); ++b) {
    BenchmarkSeries& s = h.benchmarks[b];
    if (s.calibration) {
      s.values = s.raw;
      continue;
    }
    std::optional<size_t> newest;
    for (size_t c = n; c-- > 0;)
      if (!s.raw[c].empty()) {
        newest = c;
        break;
      }
    s.normalized_by = newest ? perfcheck::calibration_for_counters(counters[b][*newest]) : Calib::none;
    if (s.normalized_by != Calib::none && !(typical[s.normalized_by] > 0)) s.normalized_by = Calib::none;
    for (size_t c = 0; c < n; ++c)
      if (!s.raw[c].empty() && perfcheck::calibration_for_counters(counters[b][c]) != s.normalized_by) {
        h.warnings.push_back(s.name + ": its counters call for " +
                             perfcheck::calib_name(perfcheck::calibration_for_counters(counters[b][c])) +
                             " normalization at " + short_sha(h.commits[c].commit) + " but " +
                             perfcheck::calib_name(s.normalized_by) + " at the newest commit; " +
                             perfcheck::calib_name(s.normalized_by) + " is used throughout");
        break;
      }
    // Each repetition scaled by the machine speed its own input file measured.
    for (size_t c = 0; c < n; ++c) {
      if (s.normalized_by == Calib::none) {
        s.values[c] = s.raw[c];
        continue;
      }
      for (const auto& r : records[c].file.runs) {
        if (r.run_name != s.name || r.type != records::RunType::iteration || r.errored) continue;
        const size_t source = source_of[c][r.index];
        double rate = per_source[c][source][s.normalized_by];
        if (!(rate > 0)) rate = whole[c][s.normalized_by];
        if (!(rate > 0))
          throw records::FormatError(records[c].path, "",
                                     std::string("no ") + perfcheck::calib_benchmark(s.normalized_by) + " repetitions with a \"" +
                                         perfcheck::calib_rate_counter(s.normalized_by) + "\" counter to normalize " + s.name + " by");
        // Time on the typical machine: a run on a machine measured x % faster took x % less time.
        s.values[c].push_back(r.real_ns * rate / typical[s.normalized_by]);
      }
    }
  }
  return h;
}

}  // namespace lrb::perfhistory
