#include "adapters.hpp"

#include <map>
#include <string>
#include <vector>

#include "fuzz_util.hpp"
#include "known_open.hpp"
#include "reports/report.hpp"
#include "suites/runner.hpp"
#include "tools/lrbench/cli.hpp"

namespace lrb::fuzz {

namespace fs = std::filesystem;

namespace {

// perf-check maps bad input to exit 2 itself; an exception escaping it would
// reach main() as a run failure (exit 1).
// `files`: the JSON files it will read.
void perf_check(const std::vector<std::string>& args, const std::vector<fs::path>& files) {
  if (open::kSkip)
    for (const auto& f : files)
      if (open::perf_check_number_overflow(f)) return;
  const int rc = cli::cmd_perf_check(args);
  if (rc < 0 || rc > 2) fail("perf-check returned " + std::to_string(rc));
}

// The quick plan of one suite, addressed once per process (addressing every
// suite's plan costs ~0.1 s, too slow to repeat per input).
const std::vector<suites::RunSpec>& quick_plan(const std::string& suite) {
  static std::map<std::string, std::vector<suites::RunSpec>> plans;
  auto it = plans.find(suite);
  if (it == plans.end()) it = plans.emplace(suite, suites::plan_runs({suite}, {.quick = true})).first;
  return it->second;
}

bool known_suite(const std::string& id) {
  for (const auto& s : suites::registry())
    if (s.id == id) return true;
  return false;
}

}  // namespace

void read_results_folder(const fs::path& dir) {
  const suites::LoadedResults loaded = suites::load_results(dir.string());
  std::vector<std::string> ids;
  for (const auto& [address, record] : loaded.by_address) {
    suites::strip_volatile(record);
    const std::string id = record["suite"].get<std::string>();  // checked by load_results
    if (known_suite(id) && (ids.empty() || ids.back() != id)) ids.push_back(id);
  }
  for (const auto& id : ids) {
    const auto& plan = quick_plan(id);
    suites::status(loaded, plan);
    const auto rows = suites::evaluate_claims(loaded, plan, {id});
    for (const auto format : {suites::ClaimsFormat::text, suites::ClaimsFormat::markdown,
                              suites::ClaimsFormat::json})
      suites::format_claims(rows, format);
  }
  const fs::path merged = scratch_dir() / "merged";
  reset_dir(merged);
  suites::merge({dir.string()}, merged.string());
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file()) files.push_back(e.path());
  perf_check({"--convergence", "--baseline", dir.string(), "--contender", dir.string()}, files);
}

void read_benchmark_json(const fs::path& file) {
  perf_check({"--baseline", file.string(), "--contender", file.string(), "--format", "json"},
             {file});
  perf_check({"--baseline", file.string(), "--contender", file.string(), "--normalize",
              "calibration", "--metric", "cpu_time"},
             {file});
}

void build_report(const fs::path& results_dir, const fs::path& bench_dir) {
  reports::ReportOptions o;
  o.results_dir = results_dir.string();
  o.bench_dir = bench_dir.string();
  const reports::Report r = reports::load_report(o);
  reports::build_figures(r);
  reports::gaps(r);
  for (const auto& s : r.suites) suites::format_claims(s.claims, suites::ClaimsFormat::json);
}

}  // namespace lrb::fuzz
