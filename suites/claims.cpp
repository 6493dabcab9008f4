// Claims evaluation and its three sinks (text, markdown, JSON).
#include <fmt/format.h>

#include "suites/common.hpp"
#include "suites/runner.hpp"

namespace lrb::suites {

std::vector<ClaimRow> evaluate_claims(const LoadedResults& loaded, const std::vector<RunSpec>& plan,
                                      const std::vector<std::string>& suite_ids) {
  const auto sets = select(loaded, plan);
  std::vector<ClaimRow> rows;
  for (const auto& s : registry()) {
    if (!suite_ids.empty() && std::find(suite_ids.begin(), suite_ids.end(), s.id) == suite_ids.end())
      continue;
    std::vector<RunSpec> mine;
    for (const auto& r : plan)
      if (r.suite == s.id) mine.push_back(r);
    static const ResultSet empty;
    const auto it = sets.find(s.id);
    const ResultSet& rs = it == sets.end() ? empty : it->second;
    for (const auto& c : s.claims) {
      ClaimRow row{s.id, &c, {}, {}};
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

namespace {
std::string verdict_text(const ClaimRow& r) {
  return r.error.empty() ? to_string(r.result.verdict) : "ERROR";
}
std::string detail(const ClaimRow& r) { return r.error.empty() ? r.result.summary : r.error; }
}  // namespace

std::string format_claims(const std::vector<ClaimRow>& rows, ClaimsFormat format) {
  std::string out;
  if (format == ClaimsFormat::json) {
    json a = json::array();
    for (const auto& r : rows)
      a.push_back({{"suite", r.suite},
                   {"id", r.claim->id},
                   {"statement", r.claim->statement},
                   {"source", r.claim->source},
                   {"metric", r.claim->metric},
                   {"test", r.claim->test},
                   {"verdict", r.error.empty() ? json(to_string(r.result.verdict)) : json("error")},
                   {"summary", r.result.summary},
                   {"error", r.error.empty() ? json() : json(r.error)},
                   {"expected_runs", r.result.expected},
                   {"missing_runs", r.result.missing},
                   {"diverged_runs", r.result.diverged},
                   {"evidence", r.result.evidence}});
    return a.dump(1) + "\n";
  }
  if (format == ClaimsFormat::markdown) {
    out += "| claim | verdict | statement | evidence |\n|---|---|---|---|\n";
    for (const auto& r : rows) {
      auto esc = [](std::string s) {
        for (size_t i = 0; (i = s.find('|', i)) != std::string::npos; i += 2) s.replace(i, 1, "\\|");
        return s;
      };
      out += fmt::format("| {} | **{}** | {} | {} |\n", r.claim->id, verdict_text(r),
                         esc(r.claim->statement), esc(detail(r)));
    }
    return out;
  }
  int counts[4] = {0, 0, 0, 0};
  for (const auto& r : rows) {
    ++counts[r.error.empty() ? static_cast<int>(r.result.verdict) : 3];
    out += fmt::format("{:<7} {:<12} {}\n{:20}{}\n", r.claim->id, verdict_text(r), r.claim->statement,
                       "", detail(r));
  }
  out += fmt::format("{} claims: {} supported, {} refuted, {} inconclusive, {} errors\n", rows.size(),
                     counts[0], counts[1], counts[2], counts[3]);
  return out;
}

}  // namespace lrb::suites
