// The --until-conclusive loop.  Procedure in until_conclusive.hpp, statistics
// in verdict_stats.hpp.
#include "suites/until_conclusive.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <stdexcept>

namespace lrb::suites {
namespace {

// Seeds per config of a plan, and whether the config can take more (its runs
// share params and are seeds 0 .. k-1).
struct ConfigSeeds {
  int seeds = 0;
  bool extendable = true;
};
std::map<std::string, ConfigSeeds> config_seeds(const std::vector<RunSpec>& plan) {
  std::map<std::string, ConfigSeeds> out;
  std::map<std::string, const RunSpec*> first;
  std::map<std::string, std::set<int64_t>> seeds;
  for (const auto& r : plan) {
    auto& c = out[r.config];
    ++c.seeds;
    const auto [it, fresh] = first.emplace(r.config, &r);
    if (!fresh && it->second->params != r.params) c.extendable = false;
    seeds[r.config].insert(r.seed);
  }
  for (auto& [config, c] : out) {
    const auto& s = seeds[config];
    if (*s.begin() != 0 || *s.rbegin() != static_cast<int64_t>(s.size()) - 1) c.extendable = false;
  }
  return out;
}

records::SeedPlanDesign design_of(const SequentialOptions& o, int family_size) {
  return {.alpha = o.alpha,
          .family_size = std::max(1, family_size),
          .spending = stats::to_string(o.spending),
          .max_seeds = o.max_seeds,
          .batch = o.batch};
}

}  // namespace

std::vector<RunSpec> missing_runs(const records::LoadedResults& loaded, const std::vector<std::string>& suite_ids,
                                  const Budget& budget, const SeedPlans& plans) {
  std::vector<RunSpec> out;
  for (auto& r : plan_runs(suite_ids, budget, plans))
    if (!loaded.by_address.count(records::run_address(r))) out.push_back(std::move(r));
  return out;
}

std::vector<LookSummary> take_look(const records::LoadedResults& loaded, const std::vector<std::string>& suite_ids,
                                   const Budget& budget, const SequentialOptions& o, SeedPlans& plans) {
  return take_look(loaded, select_suites(suite_ids), budget, o, plans);
}

std::vector<LookSummary> take_look(const records::LoadedResults& loaded, const std::vector<const Suite*>& suites,
                                   const Budget& budget, const SequentialOptions& o, SeedPlans& plans) {
  if (o.max_seeds < 2 || o.max_seeds > 1000)
    throw std::invalid_argument(fmt::format("--max-seeds must be in [2, 1000], got {}", o.max_seeds));
  if (o.batch < 1 || o.batch > 1000)
    throw std::invalid_argument(fmt::format("--batch must be in [1, 1000], got {}", o.batch));
  std::vector<LookSummary> out;
  for (const Suite* s : suites) {
    const std::vector<RunSpec> plan = suite_plan(*s, budget, plans);
    int missing = 0;
    for (const auto& r : plan) missing += loaded.by_address.count(records::run_address(r)) ? 0 : 1;
    if (missing)
      throw std::runtime_error(fmt::format("suite {}: {} of {} planned runs have no record; run them before a look",
                                           s->id, missing, plan.size()));
    // The tests as the checks see them now (no seed plan: no sequential judging yet).
    const auto rows = evaluate_claims(loaded, plan, std::vector<const Suite*>{s});
    int family = 0;
    for (const auto& r : rows) family += static_cast<int>(r.result.tests.size());
    auto [it, fresh] = plans.try_emplace(s->id);
    records::SeedPlan& sp = it->second;
    if (fresh) {
      sp.suite = s->id;
      sp.budget = budget;
      sp.design = design_of(o, family);
    } else if (!(sp.design == design_of(o, sp.design.family_size))) {
      throw std::invalid_argument(fmt::format(
          "suite {}: its first look fixed the design (alpha {}, {} spending, cap {} seeds, batch {}); "
          "a look with alpha {}, {}, cap {}, batch {} would change it and void the error control "
          "(remove {} to start over)",
          s->id, sp.design.alpha, sp.design.spending, sp.design.max_seeds, sp.design.batch, o.alpha,
          stats::to_string(o.spending), o.max_seeds, o.batch,
          sp.path.empty() ? "its seed plan" : sp.path));
    }
    const auto seeds = config_seeds(plan);
    // 2. A look at every undecided paired test's current pairs.
    for (const auto& row : rows)
      for (const auto& t : row.result.tests) {
        if (t.kind == ClaimTest::Kind::sign) continue;
        records::SeedPlanTest* st = sp.find(row.claim->id, t.label);
        if (!st) {
          sp.tests.push_back({.claim = row.claim->id, .label = t.label, .configs = t.configs,
                              .max_seeds = std::max(o.max_seeds, static_cast<int>(t.diff.size())),
                              .looks = {}, .state = "continue"});
          st = &sp.tests.back();
        }
        if (st->state != "continue") continue;
        const int n = static_cast<int>(t.diff.size());
        if (n >= 2 && n <= st->max_seeds && (st->looks.empty() || n > st->looks.back())) st->looks.push_back(n);
      }
    // 3. Judge over the looks; grow the configs of the tests that continue.
    const auto judged = evaluate_claims(loaded, plan, std::vector<const Suite*>{s},
                                        {.verdicts = {.alpha = o.alpha}, .seed_plans = &plans});
    LookSummary sum;
    sum.suite = s->id;
    std::map<std::string, int> grow;
    for (const auto& row : judged) {
      if (!row.error.empty() || !row.statistics.is_object()) continue;
      const auto& tests = row.statistics["tests"];
      for (size_t j = 0; j < row.result.tests.size(); ++j) {
        const ClaimTest& t = row.result.tests[j];
        if (t.kind == ClaimTest::Kind::sign) continue;
        records::SeedPlanTest* st = sp.find(row.claim->id, t.label);
        if (!st) continue;
        ++sum.tests;
        if (st->state == "continue") {
          const auto& seq = tests[j]["sequential"];
          std::string state = seq.is_object() ? seq["state"].get<std::string>() : "continue";
          if (state == "continue") {
            bool can_grow = false;
            for (const auto& c : t.configs) {
              const auto cs = seeds.find(c);
              if (cs != seeds.end() && cs->second.extendable && cs->second.seeds < st->max_seeds) can_grow = true;
            }
            if (!can_grow) state = "stopped at cap";
          }
          st->state = state;
        }
        if (st->state == "decided") ++sum.decided;
        else if (st->state == "stopped at cap") ++sum.capped;
        else {
          ++sum.continuing;
          for (const auto& c : t.configs) {
            const auto cs = seeds.find(c);
            if (cs == seeds.end() || !cs->second.extendable) continue;
            const int target = std::min(st->max_seeds, cs->second.seeds + o.batch);
            if (target > cs->second.seeds) grow[c] = std::max(grow[c], target);
          }
        }
      }
    }
    for (const auto& [c, n] : grow) {
      int& have = sp.configs[c];
      if (n > have) {
        have = n;
        ++sum.configs_grown;
      }
    }
    const auto next = suite_plan(*s, budget, plans);
    sum.new_runs = static_cast<int64_t>(next.size() - plan.size());
    out.push_back(sum);
  }
  return out;
}

UntilConclusiveResult run_until_conclusive(const std::vector<std::string>& suite_ids, const Budget& budget,
                                           const SequentialOptions& options, const RunOptions& run,
                                           const UntilConclusiveHooks& hooks) {
  return run_until_conclusive(select_suites(suite_ids), budget, options, run, hooks);
}

UntilConclusiveResult run_until_conclusive(const std::vector<const Suite*>& suites, const Budget& budget,
                                           const SequentialOptions& options, const RunOptions& run_options,
                                           const UntilConclusiveHooks& hooks) {
  UntilConclusiveResult res;
  RunOptions run = run_options;
  run.suites = suites;
  SeedPlans all = records::load_seed_plans(run.results_dir, budget), plans;
  for (const Suite* s : suites)
    if (const auto it = all.find(s->id); it != all.end()) plans.insert(*it);
  const int64_t own = static_cast<int64_t>(plan_runs(suites, budget).size());
  for (;;) {
    const auto plan = plan_runs(suites, budget, plans);
    write_manifests(run.results_dir, suites, budget, plans);
    if (hooks.before_batch) hooks.before_batch(static_cast<int64_t>(plan.size()));
    const RunSummary sum = run_all(plan, run);
    if (hooks.after_batch) hooks.after_batch(sum);
    res.runs.total += sum.total;
    res.runs.cached += sum.cached;
    res.runs.computed += sum.computed;
    res.runs.diverged += sum.diverged;
    res.runs.failed += sum.failed;
    res.runs.errors.insert(res.runs.errors.end(), sum.errors.begin(), sum.errors.end());
    res.runs_added = static_cast<int64_t>(plan.size()) - own;
    if (sum.failed) return res;
    const auto loaded = records::load_results(run.results_dir);
    if (!loaded.errors.empty()) throw loaded.errors.front();
    res.last = take_look(loaded, suites, budget, options, plans);
    ++res.looks;
    for (const auto& [id, sp] : plans) records::write_seed_plan(run.results_dir, sp);
    if (hooks.on_look) hooks.on_look(res.looks, res.last);
    int64_t more = 0;
    for (const auto& l : res.last) more += l.new_runs;
    if (more == 0) break;
  }
  write_manifests(run.results_dir, suites, budget, plans);
  return res;
}

}  // namespace lrb::suites
