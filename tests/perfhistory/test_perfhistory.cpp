// The performance history end to end on real files: the store (add, merge,
// the index's parent order, machines and generations, corrupt and
// inconsistent files), the analysis (calibration normalization, a change
// point, the newest-commit gate on a planted regression and on noise), the
// check's three formats, the report page and figures, and the `lrbench
// perf-history` command's exit statuses.  Histories are seeded synthetic
// Google Benchmark files (tests/changepoint/synthetic.hpp's noise model).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "datasets/rng.hpp"
#include "records/json_file.hpp"
#include "records/perf_history.hpp"
#include "tests/changepoint/synthetic.hpp"
#include "tools/perfhistory/perfhistory.hpp"

namespace fs = std::filesystem;
namespace ph = lrb::records::perf_history;
namespace phl = lrb::perfhistory;
using nlohmann::json;
using lrb::records::FormatError;

namespace {

// ---- synthetic inputs ----------------------------------------------------------------

struct Machine {
  std::string cpu = "Test CPU 9000 (R) @ 2.00GHz";
  int64_t cpus = 2;
  double slowdown = 1.0;  // the whole machine (calibration and benchmarks) this much slower
  double calib_work = 1.0;  // the calibrations' work per iteration (a redefined calibration: same rates)
};

// A commit id from a number: 40 hex digits.
std::string sha(int k) {
  char buf[41];
  std::snprintf(buf, sizeof buf, "%040x", k + 0xabc000);
  return buf;
}

// One Google Benchmark 1.7 JSON: the calibrations (3 repetitions each) and
// each benchmark's repetitions; BM_mem reports bytes_per_second (normalized by
// the triad), BM_flop flops (the FMA peak), BM_raw nothing.  An aggregate row
// is appended to check it is dropped.
json bench_file(const Machine& m, const std::map<std::string, std::vector<double>>& times_ns) {
  json rows = json::array();
  auto row = [&](const std::string& name, double t, int i, int n, json counters) {
    json r{{"name", name},        {"run_name", name},     {"run_type", "iteration"}, {"repetitions", n},
           {"repetition_index", i}, {"threads", 1},       {"iterations", 10},        {"real_time", t},
           {"cpu_time", t},        {"time_unit", "ns"}};
    for (auto it = counters.begin(); it != counters.end(); ++it) r[it.key()] = it.value();
    rows.push_back(r);
  };
  for (int i = 0; i < 3; ++i) {
    const double wobble = 1.0 + 0.001 * i;
    row("lrb::bench::BM_calib_fma_peak", 1e7 * m.calib_work * m.slowdown * wobble, i, 3,
        {{"flops", 1e11 / (m.slowdown * wobble)}, {"omp_threads", 2}});
    row("lrb::bench::BM_calib_stream_triad", 5e7 * m.calib_work * m.slowdown * wobble, i, 3,
        {{"bytes_per_second", 2e10 / (m.slowdown * wobble)}, {"omp_threads", 2}});
  }
  for (const auto& [name, ts] : times_ns)
    for (size_t i = 0; i < ts.size(); ++i) {
      json c = json::object();
      if (name.rfind("BM_mem", 0) == 0 || name.find("stream_update") != std::string::npos) c["bytes_per_second"] = 1e9 / ts[i];
      if (name.rfind("BM_flop", 0) == 0) c["flops"] = 1e9 / ts[i];
      row(name, ts[i] * m.slowdown, static_cast<int>(i), static_cast<int>(ts.size()), c);
    }
  rows.push_back({{"name", "BM_mem_mean"}, {"run_name", "BM_mem"}, {"run_type", "aggregate"},
                  {"aggregate_name", "mean"}, {"real_time", 1.0}, {"cpu_time", 1.0}, {"time_unit", "ns"},
                  {"iterations", 3}});
  return {{"context",
           {{"date", "2026-12-06T10:00:00+00:00"}, {"host_name", "runner-" + std::to_string(rows.size())},
            {"executable", "bench_fake"}, {"num_cpus", m.cpus}, {"mhz_per_cpu", 2000},
            {"cpu_scaling_enabled", false}, {"cpu_model", m.cpu},
            {"caches", json::array({{{"type", "Unified"}, {"level", 2}, {"size", 524288}, {"num_sharing", 1}},
                                    {{"type", "Data"}, {"level", 1}, {"size", 32768}, {"num_sharing", 1}}})},
            {"library_build_type", "release"}}},
          {"benchmarks", rows}};
}

class Scratch : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::path(LRBENCH_BINARY_DIR) / "test_perfhistory_tmp" /
           (std::string(info->test_suite_name()) + "." + info->name() + "." + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    if (!HasFailure()) fs::remove_all(dir_);
  }
  std::string store() const { return (dir_ / "store").string(); }
  std::string write(const std::string& name, const json& j) {
    const fs::path p = dir_ / "in" / name;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << j.dump();
    return p.string();
  }
  // add() one commit k (parent k - 1 unless k is 0 or `parent` says otherwise).
  phl::AddResult add(int k, const std::map<std::string, std::vector<double>>& times, const Machine& m = {},
                     std::optional<int> parent = std::nullopt, bool replace = false) {
    phl::AddRequest r;
    r.store = store();
    r.commit = sha(k);
    if (parent) r.parent = sha(*parent);
    else if (k > 0) r.parent = sha(k - 1);
    r.time = "2026-12-0" + std::to_string(1 + k / 24 % 9) + "T" + (k % 24 < 10 ? "0" : "") + std::to_string(k % 24) +
             ":00:00+01:00";
    r.subject = "commit " + std::to_string(k);
    r.replace = replace;
    r.files = {write(sha(k).substr(0, 8) + "-" + std::to_string(counter_++) + ".json", bench_file(m, times))};
    return phl::add(r);
  }
  // Writes a whole history: per commit the values of each benchmark.
  void add_history(const std::map<std::string, std::vector<std::vector<double>>>& series,
                   const std::vector<double>& machine_slowdown = {}) {
    const size_t n = series.begin()->second.size();
    for (size_t c = 0; c < n; ++c) {
      std::map<std::string, std::vector<double>> t;
      for (const auto& [name, s] : series) t[name] = s[c];
      Machine m;
      if (c < machine_slowdown.size()) m.slowdown = machine_slowdown[c];
      add(static_cast<int>(c), t, m);
    }
  }
  // Every file under the store with its bytes: nothing may change on a failure.
  std::map<std::string, std::string> snapshot() const {
    std::map<std::string, std::string> out;
    for (const auto& e : fs::recursive_directory_iterator(store()))
      if (e.is_regular_file()) out[e.path().string()] = lrb::records::read_text(e.path());
    return out;
  }
  fs::path dir_;
  int counter_ = 0;
};

// A flat noisy series of n commits with 5 repetitions (CV 1 %), seeded.
std::vector<std::vector<double>> noise(size_t n, uint64_t seed, double level = 1e5, double step = 0,
                                       size_t step_at = 0) {
  lrb::changepoint::testing::HistorySpec s;
  s.commits = n;
  s.repetitions = 5;
  s.cv = 0.01;
  s.level = level;
  s.step = step;
  s.step_at = step_at;
  return lrb::changepoint::testing::make_history(s, seed);
}

phl::LoadOptions load_options(const std::string& store, const std::string& machine = "") {
  phl::LoadOptions o;
  o.store = store;
  o.machine = machine;
  return o;
}

phl::HistoryAnalysis load_and_analyze(const std::string& store, const std::string& machine = "") {
  return phl::analyze(phl::load_history(load_options(store, machine)), {});
}

const phl::BenchmarkAnalysis& bench(const phl::HistoryAnalysis& a, const std::string& name) {
  for (const auto& b : a.benchmarks)
    if (a.history.benchmarks[b.series].name == name) return b;
  throw std::runtime_error("no benchmark " + name);
}

// ---- the machine id --------------------------------------------------------------------

TEST(MachineId, CanonicalIdentityKeyAndSlug) {
  ph::MachineIdentity m;
  m.cpu_model = "AMD EPYC 7763 64-Core Processor";
  m.num_cpus = 2;
  m.caches = {{"Data", 1, 32768, 1}, {"Unified", 2, 524288, 1}};
  EXPECT_EQ(ph::canonical_identity(m),
            R"({"caches":[["Data",1,32768,1],["Unified",2,524288,1]],"cpu_model":"AMD EPYC 7763 64-Core Processor","num_cpus":2})");
  // The slug is cut at 32 characters, then the core count.
  EXPECT_EQ(ph::machine_slug(m), "amd-epyc-7763-64-core-processor-2cpu");
  EXPECT_EQ(ph::machine_key(m).size(), 8u);
  EXPECT_EQ(ph::machine_id(m, 3), "amd-epyc-7763-64-core-processor-2cpu-" + ph::machine_key(m) + "-g3");
  m.cpu_model = "Intel(R) Xeon(R) Platinum 8370C CPU @ 2.80GHz, a very long name indeed";
  EXPECT_EQ(ph::machine_slug(m), "intel-r-xeon-r-platinum-8370c-cp-2cpu");
  m.cpu_model = "unknown";
  EXPECT_EQ(ph::machine_slug(m), "unknown-cpu-2cpu");
  ph::MachineIdentity other = m;
  other.num_cpus = 4;
  EXPECT_NE(ph::machine_key(m), ph::machine_key(other));
}

TEST(MachineId, Iso8601AndCommitIds) {
  EXPECT_EQ(*ph::parse_iso8601("1970-01-01T00:00:00Z"), 0.0);
  EXPECT_EQ(*ph::parse_iso8601("2026-12-01T10:02:11+01:00"), *ph::parse_iso8601("2026-12-01T09:02:11Z"));
  EXPECT_NEAR(*ph::parse_iso8601("2026-12-01T09:02:11.25Z") - *ph::parse_iso8601("2026-12-01T09:02:11Z"), 0.25, 1e-9);
  for (const char* bad : {"2026-12-01", "2026-12-01 10:02:11Z", "2026-13-01T00:00:00Z", "2025-02-29T00:00:00Z",
                          "2026-12-01T10:02:11", "2026-12-01T10:02:11+0100", "2026-12-01T10:02:11Zjunk", ""})
    EXPECT_FALSE(ph::parse_iso8601(bad)) << bad;
  EXPECT_TRUE(ph::parse_iso8601("2024-02-29T23:59:59-08:00"));
  EXPECT_TRUE(ph::is_commit_id(sha(1)));
  EXPECT_TRUE(ph::is_commit_id(std::string(64, 'f')));
  EXPECT_FALSE(ph::is_commit_id(std::string(39, 'a')));
  EXPECT_FALSE(ph::is_commit_id(std::string(40, 'A')));
  EXPECT_FALSE(ph::is_commit_id(std::string(40, 'g')));
}

// ---- add ------------------------------------------------------------------------------------

TEST_F(Scratch, AddMergesFilesIntoOneRecordAndIndexesIt) {
  phl::AddRequest r;
  r.store = store();
  r.commit = sha(1);
  r.parent = sha(0);
  r.time = "2026-12-01T10:02:11+01:00";
  r.subject = "the first";
  json round1 = bench_file({}, {{"BM_mem", {100, 101, 102}}});
  round1["context"]["executable"] = "/srv/ci/builds/abc/bench/models/bench_models";
  r.files = {write("round1.json", round1),
             write("round2.json", bench_file({}, {{"BM_mem", {103, 104}}, {"BM_raw", {7}}}))};
  const phl::AddResult res = phl::add(r);
  EXPECT_TRUE(res.new_machine);
  EXPECT_EQ(res.benchmarks, 4u);  // BM_mem, BM_raw and the two calibrations
  EXPECT_EQ(res.rows, 3u + 6 + 2 + 1 + 6);  // iteration rows only: the aggregates are dropped
  const ph::MachineIdentity id = ph::machine_identity(
      lrb::records::parse_benchmark_json(bench_file({}, {}), "x").context, "x");
  EXPECT_EQ(res.machine, ph::machine_id(id, 1));
  EXPECT_EQ(res.machine.rfind("test-cpu-9000-r-2-00ghz-2cpu-", 0), 0u) << res.machine;

  const ph::StoredMachine m = ph::read_machine_dir(fs::path(store()) / res.machine);
  EXPECT_EQ(m.machine.calibration.fma_peak_flops, 1e11 / 1.001);
  ASSERT_EQ(m.index.commits.size(), 1u);
  const ph::IndexEntry& e = m.index.commits[0];
  EXPECT_EQ(e.commit, sha(1));
  EXPECT_EQ(e.parent, sha(0));
  EXPECT_EQ(e.subject, "the first");
  EXPECT_EQ(e.file, "commits/" + sha(1) + ".json");
  EXPECT_EQ(e.rows, static_cast<int64_t>(res.rows));
  const ph::StoredRecord rec = ph::read_record(m, e);
  EXPECT_EQ(rec.meta.sources, (std::vector<std::string>{"round1.json", "round2.json"}));
  // The runner's build folder is not kept: only the executable's name.
  EXPECT_EQ(rec.file.context.raw.at("executable"), "bench_models");
  EXPECT_EQ(rec.meta.source_rows, (std::vector<int64_t>{9, 9}));
  EXPECT_EQ(rec.file.runs[6].run_name, "BM_mem");  // input order: round 1's calibrations, then its rows
  EXPECT_EQ(rec.file.runs[6].real_time, 100);
  for (const auto& run : rec.file.runs) EXPECT_EQ(run.type, lrb::records::RunType::iteration);
  // The record is still a Google Benchmark file perf-check reads as is.
  EXPECT_EQ(lrb::perfcheck::read_side("b", {rec.path}).keys.at("BM_mem").repetitions, 5u);
}

TEST_F(Scratch, IndexOrderFollowsParentsNotTheOrderOfAdds) {
  add(3, {{"BM_raw", {1, 1}}}, {}, 2);
  add(1, {{"BM_raw", {1, 1}}}, {}, 0);
  add(0, {{"BM_raw", {1, 1}}});
  add(2, {{"BM_raw", {1, 1}}}, {}, 1);
  add(7, {{"BM_raw", {1, 1}}}, {}, 6);  // its parent 6 is not recorded: a gap
  const auto a = phl::load_history(load_options(store()));
  ASSERT_EQ(a.commits.size(), 5u);
  for (int k = 0; k < 4; ++k) {
    EXPECT_EQ(a.commits[k].commit, sha(k));
    EXPECT_FALSE(a.commits[k].after_gap);
  }
  EXPECT_EQ(a.commits[4].commit, sha(7));
  EXPECT_TRUE(a.commits[4].after_gap);
}

TEST_F(Scratch, ParentOrderRejectsBranchesCyclesAndDuplicates) {
  ph::IndexFile idx;
  auto entry = [](int k, std::optional<int> p, const std::string& t) {
    ph::IndexEntry e;
    e.commit = sha(k);
    if (p) e.parent = sha(*p);
    e.time = t;
    e.file = "commits/" + e.commit + ".json";
    return e;
  };
  idx.commits = {entry(1, 0, "2026-12-01T00:00:00Z"), entry(0, std::nullopt, "2026-12-02T00:00:00Z")};
  const auto o = ph::parent_order(idx, "index.json");  // chains, not times: 0 before 1
  EXPECT_EQ(idx.commits[o[0].entry].commit, sha(0));
  idx.commits.push_back(entry(2, 0, "2026-12-03T00:00:00Z"));
  EXPECT_THROW(ph::parent_order(idx, "index.json"), FormatError);  // 0 has two children
  idx.commits = {entry(1, 2, "2026-12-01T00:00:00Z"), entry(2, 1, "2026-12-01T00:00:00Z")};
  EXPECT_THROW(ph::parent_order(idx, "index.json"), FormatError);  // a cycle
  idx.commits = {entry(1, 0, "2026-12-01T00:00:00Z"), entry(1, 0, "2026-12-01T00:00:00Z")};
  EXPECT_THROW(ph::parent_order(idx, "index.json"), FormatError);  // listed twice
}

TEST_F(Scratch, RecordedCommitNeedsReplaceAndBranchesAreRefused) {
  add(0, {{"BM_raw", {1, 1}}});
  add(1, {{"BM_raw", {1, 1}}});
  const auto before = snapshot();
  try {
    add(1, {{"BM_raw", {2, 2}}});
    FAIL() << "a second add of one commit must fail";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("--replace"), std::string::npos) << e.what();
  }
  EXPECT_THROW(add(5, {{"BM_raw", {1, 1}}}, {}, 0), FormatError);  // 0 already has the child 1
  EXPECT_EQ(snapshot(), before);
  EXPECT_TRUE(add(1, {{"BM_raw", {2, 2}}}, {}, std::nullopt, true).replaced);
  const auto h = phl::load_history(load_options(store()));
  ASSERT_EQ(h.commits.size(), 2u);
  EXPECT_EQ(h.benchmarks[2].name, "BM_raw");
  EXPECT_EQ(h.benchmarks[2].raw[1], (std::vector<double>{2, 2}));
}

TEST_F(Scratch, MachinesAndGenerationsNeverMix) {
  add(0, {{"BM_raw", {1, 1}}});
  Machine other;
  other.cpu = "Another CPU";
  const auto res = add(0, {{"BM_raw", {1, 1}}}, other);  // the same commit on another machine
  EXPECT_TRUE(res.new_machine);
  Machine slower;
  slower.slowdown = 2.0;  // same identity, half the speed: a new generation
  const auto g2 = add(0, {{"BM_raw", {1, 1}}}, slower);
  EXPECT_TRUE(g2.new_machine);
  EXPECT_EQ(g2.machine.substr(g2.machine.size() - 3), "-g2");
  ASSERT_EQ(g2.notes.size(), 1u);
  Machine bit_slower;
  bit_slower.slowdown = 1.1;  // within the tolerance of g1
  EXPECT_EQ(add(1, {{"BM_raw", {1, 1}}}, bit_slower).machine.substr(g2.machine.size() - 3), "-g1");
  EXPECT_EQ(ph::machine_dirs(store()).size(), 3u);
  try {
    phl::load_history(load_options(store()));
    FAIL() << "three machines and no --machine";
  } catch (const phl::UsageError& e) {
    EXPECT_NE(std::string(e.what()).find(g2.machine), std::string::npos) << e.what();
  }
  EXPECT_THROW(phl::load_history(load_options(store(), "nope")), phl::UsageError);
  EXPECT_EQ(phl::load_history(load_options(store(), res.machine)).commits.size(), 1u);

  // Two files of one add from different machines: refused, nothing written.
  const auto before = snapshot();
  phl::AddRequest r;
  r.store = store();
  r.commit = sha(9);
  r.files = {write("a.json", bench_file({}, {{"BM_raw", {1}}})), write("b.json", bench_file(other, {{"BM_raw", {1}}}))};
  EXPECT_THROW(phl::add(r), FormatError);
  r.files = {write("c.json", bench_file({}, {{"BM_raw", {1}}})), write("d.json", bench_file(slower, {{"BM_raw", {1}}}))};
  EXPECT_THROW(phl::add(r), FormatError);  // one machine by identity, but twice as slow in one file
  EXPECT_EQ(snapshot(), before);

  // A machine shared with other work swings that much: --tolerance 150 %
  // takes both files, and the machine it creates keeps that tolerance.
  r.store = (dir_ / "busy").string();
  r.tolerance = 1.5;
  const auto busy = phl::add(r);
  EXPECT_TRUE(busy.new_machine);
  EXPECT_EQ(ph::read_machine_dir(fs::path(r.store) / busy.machine).machine.tolerance, 1.5);
  r.commit = sha(10);
  r.parent = sha(9);
  r.tolerance.reset();  // later adds use the machine's own tolerance
  r.files = {write("e.json", bench_file(slower, {{"BM_raw", {1}}}))};
  EXPECT_EQ(phl::add(r).machine, busy.machine);
  r.tolerance = 0.0;
  EXPECT_THROW(phl::add(r), phl::UsageError);
}

TEST_F(Scratch, OlderFilesWithoutACpuModelJoinTheHostsHistory) {
  // Benchmarks built before the calibration put "cpu_model" into the context:
  // on their own an "unknown-cpu" machine; with the host's model (what
  // perf-history.sh passes) the same history as the newer commits.
  const Machine named;  // names its CPU
  auto older = [&](int k, std::optional<std::string> model) {
    json j = bench_file(named, {{"BM_raw", {1, 1}}});
    j["context"].erase("cpu_model");
    phl::AddRequest r;
    r.store = store();
    r.commit = sha(k);
    if (k > 0) r.parent = sha(k - 1);
    r.cpu_model = std::move(model);
    r.files = {write("older-" + std::to_string(k) + ".json", j)};
    return phl::add(r);
  };
  const auto unknown = older(0, std::nullopt);
  EXPECT_EQ(unknown.machine.rfind("unknown-cpu-", 0), 0u) << unknown.machine;
  fs::remove_all(store());
  const auto first = older(0, named.cpu);
  const auto second = older(1, named.cpu);
  const auto newer = add(2, {{"BM_raw", {1, 1}}}, named);
  EXPECT_EQ(first.machine, newer.machine);
  EXPECT_EQ(second.machine, newer.machine);
  EXPECT_EQ(ph::machine_dirs(store()).size(), 1u);
  EXPECT_EQ(phl::load_history(load_options(store())).commits.size(), 3u);  // its records read back
  // A file that names its model keeps it: another CPU is another machine.
  Machine other;
  other.cpu = "Another CPU";
  phl::AddRequest r;
  r.store = store();
  r.commit = sha(3);
  r.parent = sha(2);
  r.cpu_model = named.cpu;
  r.files = {write("other.json", bench_file(other, {{"BM_raw", {1, 1}}}))};
  EXPECT_TRUE(phl::add(r).new_machine);
}

TEST_F(Scratch, BadArgumentsAndInputs) {
  auto request = [&](const json& file) {
    phl::AddRequest r;
    r.store = store();
    r.commit = sha(1);
    r.files = {write("in.json", file)};
    return r;
  };
  phl::AddRequest r = request(bench_file({}, {{"BM_raw", {1}}}));
  r.commit = "HEAD";
  EXPECT_THROW(phl::add(r), phl::UsageError);
  r = request(bench_file({}, {{"BM_raw", {1}}}));
  r.parent = "abc";
  EXPECT_THROW(phl::add(r), phl::UsageError);
  r = request(bench_file({}, {{"BM_raw", {1}}}));
  r.time = "yesterday";
  EXPECT_THROW(phl::add(r), phl::UsageError);
  r.time = "";
  r.files.clear();
  EXPECT_THROW(phl::add(r), phl::UsageError);
  r = request(bench_file({}, {{"BM_raw", {1}}}));
  r.commit = std::string(40, 'A');  // upper case is folded
  EXPECT_EQ(phl::add(r).record.find(std::string(40, 'a')) != std::string::npos, true);

  // Data errors: no calibration, only aggregates, not JSON.
  json no_calib = bench_file({}, {{"BM_raw", {1}}});
  json rows = json::array();
  for (const auto& row : no_calib["benchmarks"])
    if (row["name"].get<std::string>().find("BM_calib_fma") == std::string::npos) rows.push_back(row);
  no_calib["benchmarks"] = rows;
  EXPECT_THROW(phl::add(request(no_calib)), FormatError);
  json aggregates = bench_file({}, {});
  aggregates["benchmarks"] = json::array({aggregates["benchmarks"].back()});
  EXPECT_THROW(phl::add(request(aggregates)), FormatError);
  r = request(bench_file({}, {}));
  std::ofstream(r.files[0]) << "{\"benchmarks\": [";
  EXPECT_THROW(phl::add(r), FormatError);
  json no_cpus = bench_file({}, {{"BM_raw", {1}}});
  no_cpus["context"].erase("num_cpus");
  EXPECT_THROW(phl::add(request(no_cpus)), FormatError);
}

// ---- reading a damaged store ------------------------------------------------------------------

TEST_F(Scratch, CorruptStoreIsADataErrorAndNothingIsDeleted) {
  for (int k = 0; k < 3; ++k) add(k, {{"BM_raw", {1, 1}}});
  const fs::path mdir = ph::machine_dirs(store()).at(0);
  const fs::path rec = mdir / "commits" / (sha(1) + ".json");
  const std::string good = lrb::records::read_text(rec);
  auto expect_data_error = [&](const std::string& needle) {
    const auto before = snapshot();
    try {
      load_and_analyze(store());
      ADD_FAILURE() << "expected a data error mentioning " << needle;
    } catch (const FormatError& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
    EXPECT_THROW(add(3, {{"BM_raw", {1, 1}}}), FormatError) << "add into a damaged store";  // only if index is bad
    EXPECT_EQ(snapshot(), before);
  };
  // A corrupt record: load fails naming it (add still works: it reads the index only).
  std::ofstream(rec) << "{ not json";
  {
    const auto before = snapshot();
    EXPECT_THROW(load_and_analyze(store()), FormatError);
    EXPECT_EQ(snapshot(), before);
  }
  // A missing record.
  fs::rename(rec, dir_ / "aside.json");
  try {
    load_and_analyze(store());
    ADD_FAILURE();
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("missing"), std::string::npos) << e.what();
  }
  // A record of another commit under this one's name.
  fs::copy_file(mdir / "commits" / (sha(2) + ".json"), rec);
  try {
    load_and_analyze(store());
    ADD_FAILURE();
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("is of commit " + sha(2)), std::string::npos) << e.what();
  }
  std::ofstream(rec) << good;
  EXPECT_NO_THROW(load_and_analyze(store()));
  // A record that claims another machine.
  std::string other = good;
  const std::string id = mdir.filename().string();
  other.replace(other.find("\"machine\": \"" + id), 12 + id.size(), "\"machine\": \"x-g1");
  std::ofstream(rec) << other;
  try {
    load_and_analyze(store());
    ADD_FAILURE();
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("never mix"), std::string::npos) << e.what();
  }
  std::ofstream(rec) << good;
  // A corrupt index: load and add both refuse, nothing changes.
  const std::string index = lrb::records::read_text(mdir / "index.json");
  std::ofstream(mdir / "index.json") << index.substr(0, index.size() / 2);
  expect_data_error("index.json");
  std::ofstream(mdir / "index.json") << index;
  // A machine.json whose identity is not its directory's.
  const std::string machine = lrb::records::read_text(mdir / "machine.json");
  std::string moved = machine;
  moved.replace(moved.find("\"num_cpus\": 2"), 13, "\"num_cpus\": 3");
  std::ofstream(mdir / "machine.json") << moved;
  expect_data_error("identity");
  std::ofstream(mdir / "machine.json") << machine;
  // Records without a machine.json.
  fs::create_directories(fs::path(store()) / "stray" / "commits");
  expect_data_error("machine.json");
  fs::remove_all(fs::path(store()) / "stray");
  // An unlisted record is reported, not read.
  std::ofstream(mdir / "commits" / (sha(9) + ".json")) << "{}";
  const auto h = phl::load_history(load_options(store()));
  ASSERT_EQ(h.warnings.size(), 1u);
  EXPECT_NE(h.warnings[0].find(sha(9)), std::string::npos);
}

TEST_F(Scratch, EmptyOrMissingStoreIsAUsageError) {
  EXPECT_THROW(phl::load_history(load_options(store())), phl::UsageError);
  fs::create_directories(store());
  EXPECT_THROW(phl::load_history(load_options(store())), phl::UsageError);
  add(0, {{"BM_raw", {1}}});
  EXPECT_THROW(phl::load_history([&] {
    auto o = load_options(store());
    o.filter.emplace("nothing");
    return o;
  }()),
               phl::UsageError);
}

// ---- the analysis ------------------------------------------------------------------------------

TEST_F(Scratch, CalibrationNormalizationRemovesTheMachine) {
  // The machine is 20 % slower for commits 12-21 (calibration and benchmark
  // alike, as a busy neighbour or a lower clock would make it): BM_mem is
  // normalized by the triad and shows nothing; BM_raw shows a (false) step.
  const size_t n = 30;
  std::vector<double> slow(n, 1.0);
  for (size_t c = 12; c < 22; ++c) slow[c] = 1.2;
  add_history({{"BM_mem", noise(n, 1)}, {"BM_raw", noise(n, 2)}, {"lrb::bench::BM_calib_stream_update", noise(n, 3)}},
              slow);
  const auto a = load_and_analyze(store());
  const auto& mem = bench(a, "BM_mem");
  const auto& raw = bench(a, "BM_raw");
  EXPECT_EQ(a.history.benchmarks[mem.series].normalized_by, lrb::perfcheck::Calib::triad);
  // A calibration benchmark that normalizes nothing is still the machine's, not gated.
  const auto& update = a.history.benchmarks[bench(a, "lrb::bench::BM_calib_stream_update").series];
  EXPECT_TRUE(update.calibration);
  EXPECT_EQ(update.normalized_by, lrb::perfcheck::Calib::none);
  EXPECT_EQ(a.history.benchmarks[raw.series].normalized_by, lrb::perfcheck::Calib::none);
  EXPECT_TRUE(mem.analysis.change_points.empty());
  ASSERT_EQ(raw.analysis.change_points.size(), 2u);
  EXPECT_EQ(raw.analysis.change_points[0].index, 12u);
  EXPECT_EQ(raw.analysis.change_points[1].index, 22u);
  // What the normalization removed: BM_mem's raw times have the same two steps.
  const auto& s = a.history.benchmarks[mem.series];
  EXPECT_EQ(lrb::changepoint::detect(s.raw).change_points.size(), 2u);
  // Normalized values are in ns at the history's typical calibration: the
  // quiet commits keep their raw times.
  EXPECT_NEAR(s.values[0][0] / s.raw[0][0], 1.0, 0.002);
}

TEST_F(Scratch, NormalizationSurvivesARedefinedCalibration) {
  // From commit 12 on the calibrations do 1.5x the work per iteration (as
  // this repository's be1d85e widened the FMA loop to 12 chains): their times
  // step, their rates (FLOP/s, B/s) and the machine do not.  Normalizing by
  // the rates leaves BM_flop and BM_mem flat; by the times both would step.
  const size_t n = 30;
  const auto flop = noise(n, 4), mem = noise(n, 5);
  for (size_t c = 0; c < n; ++c) {
    Machine m;
    if (c >= 12) m.calib_work = 1.5;
    add(static_cast<int>(c), {{"BM_flop", flop[c]}, {"BM_mem", mem[c]}}, m);
  }
  const auto a = load_and_analyze(store());
  for (const char* name : {"BM_flop", "BM_mem"}) {
    const auto& b = bench(a, name);
    EXPECT_TRUE(b.analysis.change_points.empty()) << name;
    const auto& s = a.history.benchmarks[b.series];
    EXPECT_NEAR(s.values[20][0] / s.raw[20][0], s.values[5][0] / s.raw[5][0], 0.01) << name;
  }
  EXPECT_EQ(lrb::changepoint::detect(a.history.benchmarks[bench(a, "lrb::bench::BM_calib_fma_peak").series].raw)
                .change_points.size(),
            1u);  // the calibration's own time did step
}

TEST_F(Scratch, StepInTheMiddleIsAChangePointWithItsRange) {
  add_history({{"BM_flop", noise(30, 3, 2e6, 0.15, 14)}});
  const auto a = load_and_analyze(store());
  const auto& b = bench(a, "BM_flop");
  EXPECT_EQ(a.history.benchmarks[b.series].normalized_by, lrb::perfcheck::Calib::fma);
  ASSERT_EQ(b.analysis.change_points.size(), 1u);
  const auto& p = b.analysis.change_points[0];
  EXPECT_EQ(a.history.commits[p.index].commit, sha(14));
  EXPECT_EQ(a.history.commits[p.last_before].commit, sha(13));
  EXPECT_NEAR(p.relative_change, 0.15, 0.03);
  EXPECT_EQ(p.direction, lrb::changepoint::Direction::kRegression);
  EXPECT_FALSE(a.regression());  // the newest commit is on the new level: not its fault
  EXPECT_EQ(b.newest_state, phl::NewestState::unchanged);
  EXPECT_DOUBLE_EQ(b.segment_level[0], b.segment_level[13]);
  EXPECT_GT(b.segment_level[14], b.segment_level[13] * 1.1);
}

TEST_F(Scratch, PlantedRegressionAtTheNewestCommitFailsTheGate) {
  auto hist = noise(25, 4);
  for (double& v : hist.back()) v *= 1.20;
  add_history({{"BM_mem", hist}, {"BM_flop", noise(25, 5)}});
  const auto a = load_and_analyze(store());
  EXPECT_TRUE(a.regression());
  EXPECT_EQ(a.regressions, 1u);
  EXPECT_EQ(bench(a, "BM_mem").newest_state, phl::NewestState::regression);
  EXPECT_NEAR(bench(a, "BM_mem").newest.relative_change, 0.20, 0.03);
  EXPECT_EQ(bench(a, "BM_flop").newest_state, phl::NewestState::unchanged);

  const phl::Links links{"https://example.org/c/{sha}"};
  const std::string text = phl::render_check(a, lrb::perfcheck::Format::text, links);
  EXPECT_NE(text.find("1 regression at the newest commit " + sha(24).substr(0, 12) + " (range " +
                      sha(23).substr(0, 12) + ".." + sha(24).substr(0, 12) + ")"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("REGRESSION"), std::string::npos) << text;
  const std::string md = phl::render_check(a, lrb::perfcheck::Format::markdown, links);
  EXPECT_NE(md.find("| `BM_mem` |"), std::string::npos) << md;
  EXPECT_NE(md.find("**regression**"), std::string::npos) << md;
  EXPECT_NE(md.find("](https://example.org/c/" + sha(24) + ")"), std::string::npos) << md;
  EXPECT_NE(md.find("<details><summary>1 unchanged</summary>"), std::string::npos) << md;
  const json j = json::parse(phl::render_check(a, lrb::perfcheck::Format::json, links));
  EXPECT_EQ(j["verdict"], "regression");
  EXPECT_EQ(j["newest"]["commit"], sha(24));
  EXPECT_EQ(j["newest"]["previous_recorded"], sha(23));
  EXPECT_EQ(j["counts"]["regression"], 1);
  bool found = false;
  for (const auto& b : j["benchmarks"])
    if (b["name"] == "BM_mem") {
      found = true;
      EXPECT_EQ(b["newest"], "regression");
      EXPECT_LT(b["p_value"].get<double>(), 0.001);
    }
  EXPECT_TRUE(found);
}

TEST_F(Scratch, NoiseAloneNeverFailsTheGate) {
  // Ten independent noisy histories (CV 1 % per repetition): none fails.
  for (int seed = 0; seed < 10; ++seed) {
    fs::remove_all(store());
    add_history({{"BM_mem", noise(15, 100 + seed)}, {"BM_flop", noise(15, 200 + seed)}});
    const auto a = load_and_analyze(store());
    EXPECT_FALSE(a.regression()) << "seed " << seed << ":\n"
                                 << phl::render_check(a, lrb::perfcheck::Format::text, {});
  }
}

TEST_F(Scratch, ErroredOrMissingBenchmarkAtTheNewestCommit) {
  add_history({{"BM_mem", noise(12, 6)}, {"BM_raw", noise(12, 7)}});
  json f = bench_file({}, {{"BM_raw", {1e5, 1e5, 1e5}}});  // BM_mem not run
  f["benchmarks"].push_back({{"name", "BM_mem"}, {"run_name", "BM_mem"}, {"run_type", "iteration"},
                             {"error_occurred", true}, {"error_message", "out of memory"}, {"iterations", 0},
                             {"real_time", 0}, {"cpu_time", 0}, {"time_unit", "ns"}});
  phl::AddRequest r;
  r.store = store();
  r.commit = sha(12);
  r.parent = sha(11);
  r.time = "2026-12-09T00:00:00Z";
  r.files = {write("err.json", f)};
  phl::add(r);
  const auto a = load_and_analyze(store());
  EXPECT_EQ(bench(a, "BM_mem").newest_state, phl::NewestState::error);
  EXPECT_TRUE(a.regression());
  // Not run at all: absent, not a failure.
  r.commit = sha(13);
  r.parent = sha(12);
  r.time = "2026-12-09T01:00:00Z";
  r.files = {write("absent.json", bench_file({}, {{"BM_raw", {1e5, 1e5, 1e5}}}))};
  phl::add(r);
  const auto b = load_and_analyze(store());
  EXPECT_EQ(bench(b, "BM_mem").newest_state, phl::NewestState::absent);
  EXPECT_FALSE(b.regression());
}

// ---- the report --------------------------------------------------------------------------------

TEST_F(Scratch, FiguresAndPage) {
  add_history({{"BM_flop", noise(24, 8, 2e6, 0.3, 10)}, {"BM_raw", noise(24, 9)}});
  const auto a = load_and_analyze(store());
  const auto figs = phl::history_figures(a);
  ASSERT_EQ(figs.size(), a.benchmarks.size());
  const lrb::reports::Figure* flop = nullptr;
  for (const auto& f : figs)
    if (f.title == "BM_flop") flop = &f;
  ASSERT_NE(flop, nullptr);
  EXPECT_EQ(flop->id, "history-bm-flop");
  EXPECT_EQ(flop->section, "benchmarks");
  ASSERT_EQ(flop->markers.size(), 1u);
  EXPECT_EQ(flop->markers[0].x, 10.0);
  // The marker names the change point's size (a planted +30 %).
  const auto& point = bench(a, "BM_flop").analysis.change_points.at(0);
  EXPECT_NEAR(point.relative_change, 0.30, 0.03);
  EXPECT_NE(flop->markers[0].label.find(phl::format_change(point.relative_change)), std::string::npos)
      << flop->markers[0].label;
  EXPECT_EQ(flop->series.size(), 3u);
  EXPECT_EQ(flop->series[0].x.size(), 24u * 5);
  EXPECT_EQ(flop->ylabel, "real time (ms), normalized by fma");
  EXPECT_EQ(flop->sources.size(), 24u);

  const lrb::reports::WebAssets assets{"/*uplot js*/", "/*uplot css*/", "1.6.x"};
  const lrb::reports::PageInfo info{"0.1.0", "abc", "lrbench perf-history report STORE --out OUT"};
  const std::string page = phl::render_history_page(a, figs, assets, info, {"https://example.org/c/{sha}"});
  const size_t regressions = page.find("id=\"regressions\""), benchmarks = page.find("id=\"benchmarks\"");
  ASSERT_NE(regressions, std::string::npos);
  EXPECT_LT(regressions, benchmarks);  // the regressions come first
  const std::string table = page.substr(regressions, page.find("id=\"newest\"") - regressions);
  EXPECT_NE(table.find("href=\"https://example.org/c/" + sha(10) + "\""), std::string::npos) << table;
  EXPECT_NE(table.find("href=\"https://example.org/c/" + sha(9) + "\""), std::string::npos) << table;
  EXPECT_NE(table.find("#fig-history-bm-flop"), std::string::npos);
  EXPECT_EQ(table.find("BM_raw"), std::string::npos);  // regressions only
  EXPECT_NE(page.find("/*uplot js*/"), std::string::npos);
  EXPECT_NE(page.find("default-src 'none'"), std::string::npos);
  EXPECT_EQ(page.find("<script src"), std::string::npos);
  EXPECT_EQ(page.find("<link "), std::string::npos);
  EXPECT_NE(page.find("figures/history-bm-flop.svg"), std::string::npos);
  // Every commit is listed with its subject.
  EXPECT_NE(page.find("commit 23"), std::string::npos);
}

// ---- the command -------------------------------------------------------------------------------

struct CmdRun {
  int status = -1;
  std::string out, err;
};

CmdRun lrbench(const std::string& args, const fs::path& dir) {
  const std::string base = (dir / "cmd").string();
  const std::string cmd = std::string(LRBENCH_EXE) + " perf-history " + args + " >" + base + ".out 2>" + base + ".err";
  const int raw = std::system(cmd.c_str());
  CmdRun r;
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  r.out = lrb::records::read_text(base + ".out");
  r.err = lrb::records::read_text(base + ".err");
  return r;
}

TEST_F(Scratch, CommandExitStatuses) {
  const std::string s = store();
  const std::string f0 = write("f0.json", bench_file({}, {{"BM_mem", {1e5, 1.01e5, 0.99e5}}}));
  // add: 0, then 3 for the same commit, 2 for a malformed one.
  CmdRun r = lrbench("add " + s + " --commit " + sha(0) + " --time 2026-12-01T00:00:00Z --subject 'first one' " + f0, dir_);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("recorded " + sha(0).substr(0, 12)), std::string::npos) << r.out;
  EXPECT_EQ(lrbench("add " + s + " --commit " + sha(0) + " " + f0, dir_).status, 3);
  r = lrbench("add " + s + " --commit main " + f0, dir_);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("--commit must be a full commit id"), std::string::npos) << r.err;
  EXPECT_EQ(lrbench("add " + s + " --commit " + sha(1), dir_).status, 2);                       // no FILE
  EXPECT_EQ(lrbench("add " + s + " --commit " + sha(1) + " " + s + "/nope.json", dir_).status, 3);  // unreadable
  EXPECT_EQ(lrbench("add " + s + " --commit " + sha(1) + " --time soon " + f0, dir_).status, 2);
  EXPECT_EQ(lrbench("add " + s + " --commit " + sha(1) + " --tolerance 0% " + f0, dir_).status, 2);
  EXPECT_EQ(lrbench("add " + s + " --commit " + sha(1) + " --tolerance lots " + f0, dir_).status, 2);
  EXPECT_EQ(lrbench("add --help", dir_).status, 0);
  EXPECT_EQ(lrbench("--help", dir_).status, 0);
  EXPECT_EQ(lrbench("", dir_).status, 2);
  EXPECT_EQ(lrbench("bisect", dir_).status, 2);

  // A history whose newest commit is 20 % slower.
  auto hist = noise(16, 10, 1e5);
  for (double& v : hist.back()) v *= 1.2;
  for (size_t c = 1; c < hist.size(); ++c) {
    const std::string f = write("h" + std::to_string(c) + ".json", bench_file({}, {{"BM_mem", hist[c]}}));
    r = lrbench("add " + s + " --commit " + sha(static_cast<int>(c)) + " --parent " + sha(static_cast<int>(c) - 1) +
                    " --time 2026-12-02T" + (c < 10 ? "0" : "") + std::to_string(c) + ":00:00Z " + f,
                dir_);
    ASSERT_EQ(r.status, 0) << r.err;
  }
  r = lrbench("check " + s, dir_);
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("REGRESSION"), std::string::npos) << r.out;
  r = lrbench("check " + s + " --format json --threshold 30%", dir_);  // 20 % is below the threshold
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_EQ(json::parse(r.out)["verdict"], "ok");
  r = lrbench("check " + s + " --last 15 --format markdown --commit-url 'https://x.org/{sha}'", dir_);
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("**perf-history: 1 regression"), std::string::npos) << r.out;
  EXPECT_EQ(lrbench("check " + s + " --format yaml", dir_).status, 2);
  EXPECT_EQ(lrbench("check " + s + " --commit-url https://x.org/", dir_).status, 2);
  EXPECT_EQ(lrbench("check " + s + " --threshold 0", dir_).status, 2);
  EXPECT_EQ(lrbench("check " + s + " --filter '('", dir_).status, 2);
  EXPECT_EQ(lrbench("check " + (dir_ / "nowhere").string(), dir_).status, 2);

  // report: every figure in five files, a self-contained page.
  const fs::path out = dir_ / "report";
  r = lrbench("report " + s + " --out " + out.string() + " --commit-url 'https://x.org/{sha}'", dir_);
  ASSERT_EQ(r.status, 0) << r.err;
  const std::string page = lrb::records::read_text(out / "index.html");
  EXPECT_NE(page.find("uPlot"), std::string::npos);
  EXPECT_EQ(page.find("<script src"), std::string::npos);
  for (const char* ext : {".png", ".svg", ".pdf", ".csv", ".gp"})
    for (const char* id : {"history-bm-mem", "history-lrb-bench-bm-calib-fma-peak"})
      EXPECT_GT(fs::file_size(out / "figures" / (std::string(id) + ext)), 0u) << id << ext;
  EXPECT_EQ(lrbench("report " + s + " --out " + s + "/inside", dir_).status, 2);

  // A corrupt store: check and report answer 3 and delete nothing.
  const fs::path mdir = ph::machine_dirs(s).at(0);
  std::ofstream(mdir / "commits" / (sha(5) + ".json")) << "[1, 2";
  const auto before = snapshot();
  r = lrbench("check " + s, dir_);
  EXPECT_EQ(r.status, 3) << r.err;
  EXPECT_NE(r.err.find(sha(5) + ".json"), std::string::npos) << r.err;
  EXPECT_EQ(lrbench("report " + s + " --out " + out.string(), dir_).status, 3);
  EXPECT_EQ(snapshot(), before);
  EXPECT_TRUE(fs::exists(out / "index.html"));  // the old report stays

  // Two machines: check needs --machine and lists both.
  Machine other;
  other.cpu = "Another CPU";
  const std::string f1 = write("other.json", bench_file(other, {{"BM_mem", {1, 1}}}));
  ASSERT_EQ(lrbench("add " + s + " --commit " + sha(0) + " " + f1, dir_).status, 0);
  r = lrbench("check " + s, dir_);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("another-cpu-2cpu-"), std::string::npos) << r.err;
}

}  // namespace
