// Claims evaluation, its rows as plain verdicts, and the verdict files.
#include <algorithm>
#include <set>

#include "datasets/sha256.hpp"
#include "records/results_dir.hpp"
#include "suites/runner.hpp"

namespace lrb::suites {

namespace {

// Pairs in ascending seed order: sequential looks take the first n.
void sort_pairs(ClaimTest& t) {
  if (t.diff.size() != t.seeds.size() || std::is_sorted(t.seeds.begin(), t.seeds.end())) return;
  std::vector<size_t> idx(t.seeds.size());
  for (size_t i = 0; i < idx.size(); ++i) idx[i] = i;
  std::sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return t.seeds[a] < t.seeds[b]; });
  std::vector<int64_t> seeds;
  std::vector<double> diff;
  for (size_t i : idx) {
    seeds.push_back(t.seeds[i]);
    diff.push_back(t.diff[i]);
  }
  t.seeds = std::move(seeds);
  t.diff = std::move(diff);
}

// The sequential looks of the suite's tests, from its seed plan.
std::function<std::optional<SequentialLooks>(size_t, size_t)> looks_of(const records::SeedPlan& plan,
                                                                       const std::vector<ClaimRow*>& rows) {
  stats::SequentialDesign base;
  base.alpha = plan.design.alpha / std::max(1, plan.design.family_size);
  base.spending = plan.design.spending == "pocock" ? stats::Spending::kPocock : stats::Spending::kOBrienFleming;
  return [&plan, rows, base](size_t i, size_t j) -> std::optional<SequentialLooks> {
    const auto& t = rows[i]->result.tests[j];
    const records::SeedPlanTest* st = plan.find(rows[i]->claim->id, t.label);
    if (!st) return std::nullopt;
    SequentialLooks l{base, {}};
    l.design.max_n = static_cast<size_t>(st->max_seeds);
    for (int n : st->looks) l.looks.push_back(static_cast<size_t>(n));
    return l;
  };
}

}  // namespace

std::vector<ClaimRow> evaluate_claims(const records::LoadedResults& loaded, const std::vector<RunSpec>& plan,
                                      const std::vector<std::string>& suite_ids, const ClaimsOptions& options) {
  return evaluate_claims(loaded, plan, select_suites(suite_ids), options);
}

std::vector<ClaimRow> evaluate_claims(const records::LoadedResults& loaded, const std::vector<RunSpec>& plan,
                                      const std::vector<const Suite*>& suites, const ClaimsOptions& options) {
  auto sets = records::select(loaded, plan);
  ResultSet empty;
  std::vector<ClaimRow> rows;
  for (const Suite* suite : suites) {
    const Suite& s = *suite;
    std::vector<RunSpec> mine;
    for (const auto& r : plan)
      if (r.suite == s.id) mine.push_back(r);
    const auto it = sets.find(s.id);
    ResultSet& rs = it == sets.end() ? empty : it->second;
    const size_t first = rows.size();
    for (const auto& c : s.claims) {
      ClaimRow row;
      row.suite = s.id;
      row.owner = &s;
      row.claim = &c;
      std::set<std::string> read;
      rs.reads = &read;
      try {
        row.result = c.check(rs, mine);
        for (auto& t : row.result.tests) sort_pairs(t);
      } catch (const std::exception& e) {
        row.error = e.what();
        row.result = ClaimResult{};
      }
      rs.reads = nullptr;
      for (const auto& config : read) {
        int n = 0;
        for (const auto& r : mine)
          if (r.config == config && rs.find(config, r.seed)) ++n;
        row.seeds[config] = n;
      }
      rows.push_back(std::move(row));
    }
    // The suite's claims are one family.
    std::vector<const ClaimResult*> results;
    std::vector<ClaimRow*> family;
    for (size_t i = first; i < rows.size(); ++i) {
      results.push_back(rows[i].error.empty() ? &rows[i].result : nullptr);
      family.push_back(&rows[i]);
    }
    const records::SeedPlan* sp = nullptr;
    if (options.seed_plans)
      if (const auto p = options.seed_plans->find(s.id); p != options.seed_plans->end()) sp = &p->second;
    const FamilyOutcome f = judge_family(results, options.verdicts, sp ? looks_of(*sp, family) : nullptr);
    for (size_t i = 0; i < family.size(); ++i) {
      ClaimRow& row = *family[i];
      if (!row.error.empty()) continue;
      const ClaimResult& r = row.result;
      if (!r.tests.empty()) {
        row.raw = f.claims[i].raw;
        row.result.verdict = f.claims[i].adjusted;
      } else {
        row.raw = r.verdict;
      }
      row.statistics = statistics_json(r, f.claims[i], f);
    }
  }
  return rows;
}

std::vector<records::ClaimVerdict> verdicts(const std::vector<ClaimRow>& rows) {
  std::vector<records::ClaimVerdict> out;
  for (const auto& r : rows) {
    json seeds = json::object();
    for (const auto& [c, n] : r.seeds) seeds[c] = n;
    out.push_back({.suite = r.suite,
                   .claim = {r.claim->id, r.claim->statement, r.claim->source, r.claim->metric, r.claim->test},
                   .verdict = r.error.empty() ? to_string(r.result.verdict) : "error",
                   .summary = r.result.summary,
                   .error = r.error,
                   .expected = r.result.expected,
                   .missing = r.result.missing,
                   .diverged = r.result.diverged,
                   .evidence = r.result.evidence,
                   .raw_verdict = r.error.empty() ? to_string(r.raw) : "error",
                   .seeds = seeds,
                   .statistics = r.statistics});
  }
  return out;
}

std::string format_claims(const std::vector<ClaimRow>& rows, records::ClaimsFormat format) {
  return records::format_claims(verdicts(rows), format);
}

void record_claims(const std::string& dir, const records::LoadedResults& loaded, const std::vector<ClaimRow>& rows,
                   const Budget& budget, const SeedPlans& seed_plans) {
  const auto all = verdicts(rows);
  std::vector<const Suite*> suites;
  for (const auto& r : rows)
    if (std::find(suites.begin(), suites.end(), r.owner) == suites.end()) suites.push_back(r.owner);
  for (const Suite* owner : suites) {
    const std::string& id = owner->id;
    const auto m = manifest(*owner, budget, seed_plans);
    records::write_manifest(dir, m);
    const std::string text = records::manifest_text(m);
    records::SuiteVerdicts v;
    v.suite = id;
    v.budget = budget;
    v.manifest_sha256 = data::sha256_hex(
        std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
    std::vector<std::string> addresses;
    for (const auto& c : m.configs)
      for (const auto& r : c.runs) addresses.push_back(r.address);
    v.planned = static_cast<int>(addresses.size());
    for (const auto& a : addresses) v.present += loaded.by_address.count(a) ? 1 : 0;
    v.records_digest = records::records_digest(loaded, addresses);
    for (const auto& r : all)
      if (r.suite == id) v.claims.push_back(r);
    records::write_verdicts(dir, v);
  }
}

}  // namespace lrb::suites
