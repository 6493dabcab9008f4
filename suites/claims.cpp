// Claims evaluation, its rows as plain verdicts, and the verdict files.
#include <algorithm>

#include "datasets/sha256.hpp"
#include "records/results_dir.hpp"
#include "suites/runner.hpp"

namespace lrb::suites {

std::vector<ClaimRow> evaluate_claims(const records::LoadedResults& loaded, const std::vector<RunSpec>& plan,
                                      const std::vector<std::string>& suite_ids) {
  return evaluate_claims(loaded, plan, select_suites(suite_ids));
}

std::vector<ClaimRow> evaluate_claims(const records::LoadedResults& loaded, const std::vector<RunSpec>& plan,
                                      const std::vector<const Suite*>& suites) {
  const auto sets = records::select(loaded, plan);
  const ResultSet empty;
  std::vector<ClaimRow> rows;
  for (const Suite* sp : suites) {
    const Suite& s = *sp;
    std::vector<RunSpec> mine;
    for (const auto& r : plan)
      if (r.suite == s.id) mine.push_back(r);
    const auto it = sets.find(s.id);
    const ResultSet& rs = it == sets.end() ? empty : it->second;
    for (const auto& c : s.claims) {
      ClaimRow row{s.id, &s, &c, {}, {}};
      try {
        row.result = c.check(rs, mine);
      } catch (const std::exception& e) {
        row.error = e.what();
      }
      rows.push_back(std::move(row));
    }
  }
  return rows;
}

std::vector<records::ClaimVerdict> verdicts(const std::vector<ClaimRow>& rows) {
  std::vector<records::ClaimVerdict> out;
  for (const auto& r : rows)
    out.push_back({.suite = r.suite,
                   .claim = {r.claim->id, r.claim->statement, r.claim->source, r.claim->metric, r.claim->test},
                   .verdict = r.error.empty() ? to_string(r.result.verdict) : "error",
                   .summary = r.result.summary,
                   .error = r.error,
                   .expected = r.result.expected,
                   .missing = r.result.missing,
                   .diverged = r.result.diverged,
                   .evidence = r.result.evidence});
  return out;
}

std::string format_claims(const std::vector<ClaimRow>& rows, records::ClaimsFormat format) {
  return records::format_claims(verdicts(rows), format);
}

void record_claims(const std::string& dir, const records::LoadedResults& loaded, const std::vector<ClaimRow>& rows,
                   const Budget& budget) {
  const auto all = verdicts(rows);
  std::vector<const Suite*> suites;
  for (const auto& r : rows)
    if (std::find(suites.begin(), suites.end(), r.owner) == suites.end()) suites.push_back(r.owner);
  for (const Suite* owner : suites) {
    const std::string& id = owner->id;
    const auto m = manifest(*owner, budget);
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
