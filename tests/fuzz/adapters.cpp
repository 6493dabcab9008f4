#include "adapters.hpp"

#include <map>
#include <string>
#include <vector>

#include "fuzz_util.hpp"
#include "records/results_dir.hpp"
#include "records/run_record.hpp"
#include "records/verdicts.hpp"
#include "reports/report.hpp"
#include "suites/runner.hpp"
#include "tools/lrbench/cli.hpp"

namespace lrb::fuzz {

namespace fs = std::filesystem;

namespace {

// perf-check maps bad input to exit 2 itself; an exception escaping it would
// reach main() as a run failure (exit 1).
void perf_check(const std::vector<std::string>& args) {
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
  const records::LoadedResults loaded = records::load_results(dir.string());
  std::vector<std::string> ids;
  for (const auto& [address, record] : loaded.by_address) {
    records::strip_volatile(record);
    const std::string id = record["suite"].get<std::string>();  // checked by load_results
    if (known_suite(id) && (ids.empty() || ids.back() != id)) ids.push_back(id);
  }
  for (const auto& id : ids) {
    const auto& plan = quick_plan(id);
    records::status(loaded, plan);
    const auto rows = suites::evaluate_claims(loaded, plan, {id});
    for (const auto format : {records::ClaimsFormat::text, records::ClaimsFormat::markdown,
                              records::ClaimsFormat::json})
      suites::format_claims(rows, format);
    records::SuiteVerdicts v;  // what `claims` writes for the report
    v.suite = id;
    v.claims = suites::verdicts(rows);
    records::verdicts_text(v);
  }
  const fs::path merged = scratch_dir() / "merged";
  reset_dir(merged);
  records::merge({dir.string()}, merged.string());
  perf_check({"--convergence", "--baseline", dir.string(), "--contender", dir.string()});
}

void read_benchmark_json(const fs::path& file) {
  perf_check({"--baseline", file.string(), "--contender", file.string(), "--format", "json"});
  perf_check({"--baseline", file.string(), "--contender", file.string(), "--normalize",
              "calibration", "--metric", "cpu_time"});
}

void build_report(const fs::path& results_dir, const fs::path& bench_dir) {
  reports::ReportOptions o;
  o.results_dir = results_dir.string();
  o.bench_dir = bench_dir.string();
  const reports::Report r = reports::load_report(o);
  reports::build_figures(r);
  reports::gaps(r);
  reports::claim_errors(r);
  for (const auto& s : r.suites) records::format_claims(s.claims, records::ClaimsFormat::json);
}

}  // namespace lrb::fuzz
