#include "suites/runner.hpp"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>

#include "records/json_file.hpp"

namespace lrb::suites {

std::vector<const Suite*> select_suites(const std::vector<std::string>& suite_ids) {
  std::vector<const Suite*> chosen;
  if (suite_ids.empty())
    for (const auto& s : registry()) chosen.push_back(&s);
  else
    for (const auto& id : suite_ids) {
      const Suite* s = &find_suite(id);
      if (std::find(chosen.begin(), chosen.end(), s) == chosen.end()) chosen.push_back(s);
    }
  return chosen;
}

std::vector<RunSpec> plan_runs(const std::vector<std::string>& suite_ids, const Budget& budget,
                               const SeedPlans& seed_plans) {
  return plan_runs(select_suites(suite_ids), budget, seed_plans);
}

std::vector<RunSpec> plan_runs(const std::vector<const Suite*>& chosen, const Budget& budget,
                               const SeedPlans& seed_plans) {
  std::vector<std::pair<std::string, RunSpec>> keyed;
  std::set<std::string> seen;
  for (const Suite* s : chosen)
    for (auto& r : suite_plan(*s, budget, seed_plans)) {
      auto a = records::run_address(r);
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

void write_manifests(const std::string& results_dir, const std::vector<const Suite*>& suites, const Budget& budget,
                     const SeedPlans& seed_plans) {
  std::set<std::string> done;
  for (const Suite* s : suites)
    if (done.insert(s->id).second) records::write_manifest(results_dir, manifest(*s, budget, seed_plans));
}

void write_manifests(const std::string& results_dir, const std::vector<std::string>& suite_ids, const Budget& budget,
                     const SeedPlans& seed_plans) {
  write_manifests(results_dir, select_suites(suite_ids), budget, seed_plans);
}

namespace {

// A final record for `run` already at its path?
bool finished(const std::string& path, const std::string& address) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return false;
  try {
    const json r = records::read_json(path, "a run record");
    return !records::check_run_record(r, path, address).has_value();
  } catch (const records::FormatError&) {
    return false;  // unreadable: recompute and replace
  }
}

}  // namespace

RunSummary run_all(const std::vector<RunSpec>& runs, const RunOptions& o) {
  auto owner = [&o](const std::string& id) -> const Suite& {
    for (const Suite* s : o.suites)
      if (s->id == id) return *s;
    return find_suite(id);
  };
  records::remove_stale_temp_files(o.results_dir);
  DatasetCache own_cache;
  DatasetCache* cache = o.datasets ? o.datasets : &own_cache;
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
    RunContext ctx{.data_dir = o.data_dir, .data_dir_source = o.data_dir_source, .datasets = cache,
                   .progress = {}, .threads = 1};
    omp_set_num_threads(ctx.threads);  // parallel over runs; each run's kernels single-threaded
    for (;;) {
      const size_t k = next++;
      if (k >= runs.size()) return;
      const RunSpec& run = runs[k];
      const std::string path = records::record_path(o.results_dir, run);
      if (!o.force && finished(path, records::run_address(run))) {
        std::lock_guard lock(mu);
        ++sum.cached;
        report(run, "cached");
        continue;
      }
      try {
        if (o.on_run_progress)
          ctx.progress = [&o, index, &run](double f, const std::string& status) {
            o.on_run_progress(index, run, f, status);
          };
        const auto t0 = std::chrono::steady_clock::now();
        const RunResult res = owner(run.suite).execute(run, ctx);
        const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        records::write_atomic(path, records::record_text(run, res, wall, o.provenance));
        std::lock_guard lock(mu);
        ++sum.computed;
        const bool div = res.at("status") == "diverged";
        if (div) ++sum.diverged;
        report(run, div ? "diverged" : "ok");
      } catch (const std::exception& e) {
        std::lock_guard lock(mu);
        ++sum.failed;
        sum.errors.push_back(run.suite + " " + run.config + " seed " + std::to_string(run.seed) + ": " + e.what());
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

}  // namespace lrb::suites
