#pragma once
// The content-addressed runner and the claims evaluation.  No argv and no
// terminal here: tools/lrbench parses flags and draws progress; tests call
// these directly.  What the files look like (records, manifests, verdicts,
// the results-directory layout, merge) is records/'s business.
//
// A record is written once, atomically (records::write_atomic), so a killed
// run leaves either nothing or a complete record; a record with status ok or
// diverged is final and is never recomputed unless `force`; a run that threw
// leaves no record.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "records/seed_plan.hpp"
#include "records/verdicts.hpp"
#include "suites/suite.hpp"
#include "suites/verdict_stats.hpp"

namespace lrb::suites {

// Seed plans by suite (records/seed_plan.hpp): the seeds `run
// --until-conclusive` added, and its looks.
using SeedPlans = std::map<std::string, records::SeedPlan>;

// The built-in suites `suite_ids` names (every one when empty), in id order.
// Throws std::invalid_argument for an unknown suite.
std::vector<const Suite*> select_suites(const std::vector<std::string>& suite_ids);

// The runs of `suites` for the budget, with the extra seeds of `seed_plans`,
// sorted by address: the stable order shards split.  A study is a Suite too
// (suites/study/study.hpp: to_suite).  Throws records::FormatError for a seed
// plan that does not fit the suite's plan.
std::vector<RunSpec> plan_runs(const std::vector<const Suite*>& suites, const Budget& budget,
                               const SeedPlans& seed_plans = {});
// The same for built-in suites by id (all when empty); std::invalid_argument
// for an unknown suite.
std::vector<RunSpec> plan_runs(const std::vector<std::string>& suite_ids, const Budget& budget,
                               const SeedPlans& seed_plans = {});
// Run k of the sorted plan goes to shard k mod count.
std::vector<RunSpec> shard(const std::vector<RunSpec>& plan, int index, int count);

// Writes DIR/manifests/<suite>.<budget>.json of every suite in `suite_ids`
// (all when empty).  Throws std::runtime_error on a write failure.
void write_manifests(const std::string& results_dir, const std::vector<const Suite*>& suites, const Budget& budget,
                     const SeedPlans& seed_plans = {});
void write_manifests(const std::string& results_dir, const std::vector<std::string>& suite_ids, const Budget& budget,
                     const SeedPlans& seed_plans = {});

struct RunOptions {
  std::string results_dir;
  int threads = 1;            // runs in parallel (each run single-threaded)
  bool force = false;         // recompute even when a final record exists
  json provenance;            // the context block; seed and dataset are added per run
  // What every run's RunContext gets (progress is set per run).
  std::filesystem::path data_dir = RunContext{}.data_dir;
  std::string data_dir_source = RunContext{}.data_dir_source;
  DatasetCache* datasets = nullptr;  // shared by the runs; run_all makes one when null
  // Whose execute() computes a run: the suite of its id among these, else the
  // built-in one (registry()).
  std::vector<const Suite*> suites;
  // Called after every run (cached or computed), serialized: done of total.
  std::function<void(int64_t done, int64_t total, const RunSpec& run, const std::string& what)>
      on_progress;
  // Called from the worker computing `run` (not serialized) with what its
  // execute() reports through RunContext::report; worker in [0, threads).
  std::function<void(int worker, const RunSpec& run, double fraction, const std::string& status)>
      on_run_progress;
};
struct RunSummary {
  int64_t total = 0, cached = 0, computed = 0, diverged = 0, failed = 0;
  std::vector<std::string> errors;  // one line per failed run
};
RunSummary run_all(const std::vector<RunSpec>& runs, const RunOptions& options);

// ---- claims -----------------------------------------------------------------
struct ClaimsOptions {
  VerdictOptions verdicts;  // alpha, multiplicity, power
  // Suites with a seed plan are judged over its sequential looks.
  const SeedPlans* seed_plans = nullptr;
};

struct ClaimRow {
  std::string suite;
  const Suite* owner = nullptr;  // the suite the claim belongs to
  const Claim* claim = nullptr;
  ClaimResult result;  // result.verdict: the verdict that counts (adjusted / sequential)
  std::string error;   // non-empty: the check could not be evaluated
  Verdict raw = Verdict::inconclusive;  // each test alone at 1 - alpha, no adjustment
  json statistics;                      // verdict_stats.hpp's block (null on error)
  std::map<std::string, int> seeds;     // configs the check read -> seeds with a record
};
// Every claim of the suites, each suite's claims judged as one family
// (suites/verdict_stats.hpp).
std::vector<ClaimRow> evaluate_claims(const records::LoadedResults& loaded, const std::vector<RunSpec>& plan,
                                      const std::vector<const Suite*>& suites, const ClaimsOptions& options = {});
std::vector<ClaimRow> evaluate_claims(const records::LoadedResults& loaded, const std::vector<RunSpec>& plan,
                                      const std::vector<std::string>& suite_ids, const ClaimsOptions& options = {});
// The rows as plain verdicts (what records/verdicts.hpp stores and prints).
std::vector<records::ClaimVerdict> verdicts(const std::vector<ClaimRow>& rows);
std::string format_claims(const std::vector<ClaimRow>& rows, records::ClaimsFormat format);

// Writes, for each suite the rows belong to, its manifest and its verdicts
// (DIR/verdicts/<suite>.<budget>.json) with the digest of the records the
// rows were computed from.  Throws std::runtime_error on a write failure.
void record_claims(const std::string& results_dir, const records::LoadedResults& loaded,
                   const std::vector<ClaimRow>& rows, const Budget& budget, const SeedPlans& seed_plans = {});

}  // namespace lrb::suites
