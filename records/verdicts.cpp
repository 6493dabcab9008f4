#include "records/verdicts.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "records/json_file.hpp"
#include "records/results_dir.hpp"

namespace lrb::records {
namespace fs = std::filesystem;

json to_json(const ClaimVerdict& r) {
  return json{{"suite", r.suite},
              {"id", r.claim.id},
              {"statement", r.claim.statement},
              {"source", r.claim.source},
              {"metric", r.claim.metric},
              {"test", r.claim.test},
              {"verdict", r.verdict},
              {"summary", r.summary},
              {"error", r.error.empty() ? json() : json(r.error)},
              {"expected_runs", r.expected},
              {"missing_runs", r.missing},
              {"diverged_runs", r.diverged},
              {"evidence", r.evidence}};
}

fs::path verdicts_path(const std::string& dir, const std::string& suite, const Budget& budget) {
  return fs::path(dir) / kVerdictsFolder / (suite + "." + budget_key(budget) + ".json");
}

std::string verdicts_text(const SuiteVerdicts& v) {
  using oj = nlohmann::ordered_json;
  oj j;
  j["schema"] = kVerdictsSchema;
  j["suite"] = v.suite;
  j["budget"] = {{"key", budget_key(v.budget)}, {"quick", v.budget.quick}, {"seeds", v.budget.seeds}};
  j["manifest_sha256"] = v.manifest_sha256;
  j["records"] = {{"planned", v.planned}, {"present", v.present}, {"digest", v.records_digest}};
  oj rows = oj::array();
  for (const auto& r : v.claims) rows.push_back(oj::parse(to_json(r).dump()));
  j["claims"] = rows;
  return j.dump(1) + "\n";
}

void write_verdicts(const std::string& dir, const SuiteVerdicts& v) {
  write_atomic(verdicts_path(dir, v.suite, v.budget), verdicts_text(v));
}

namespace {
const char* const kVerdictNames[] = {"supported", "refuted", "inconclusive", "error"};
}

SuiteVerdicts read_verdicts(const fs::path& path) {
  const json j = read_json(path, "claim verdicts of `lrbench claims` (lrbench.verdicts/1)");
  const Fields f(j, path.string());
  if (f.any("schema") != kVerdictsSchema)
    f.fail("schema", std::string("expected \"") + kVerdictsSchema + "\", found " + excerpt(f.any("schema")));
  SuiteVerdicts v;
  v.path = path.string();
  v.suite = f.str("suite");
  const Fields b = f.sub("budget");
  v.budget.quick = b.boolean("quick");
  const int64_t seeds = b.integer("seeds");
  if (seeds < 0 || seeds > 1000) b.fail("seeds", "must be in [0, 1000], got " + std::to_string(seeds));
  v.budget.seeds = static_cast<int>(seeds);
  v.manifest_sha256 = f.str("manifest_sha256");
  const Fields rec = f.sub("records");
  v.planned = static_cast<int>(rec.integer("planned"));
  v.present = static_cast<int>(rec.integer("present"));
  v.records_digest = rec.str("digest");
  for (size_t i = 0; i < f.array("claims").size(); ++i) {
    const Fields c = f.element("claims", i);
    ClaimVerdict r;
    r.suite = c.str("suite");
    r.claim = {c.str("id"), c.str("statement"), c.str("source"), c.str("metric"), c.str("test")};
    r.verdict = c.str("verdict");
    if (std::find(std::begin(kVerdictNames), std::end(kVerdictNames), r.verdict) == std::end(kVerdictNames))
      c.fail("verdict", "expected supported, refuted, inconclusive or error, found \"" + r.verdict + "\"");
    r.summary = c.str("summary");
    if (!c.any("error").is_null()) r.error = c.str("error");
    if ((r.verdict == "error") != !r.error.empty())
      c.fail("error", "must be a message exactly when the verdict is \"error\"");
    r.expected = static_cast<int>(c.integer("expected_runs"));
    r.missing = static_cast<int>(c.integer("missing_runs"));
    r.diverged = static_cast<int>(c.integer("diverged_runs"));
    r.evidence = c.any("evidence");
    v.claims.push_back(std::move(r));
  }
  const std::string want = v.suite + "." + budget_key(v.budget) + ".json";
  if (path.filename().string() != want)
    throw FormatError(path.string(), "", "verdicts of suite " + v.suite + ", budget " + budget_key(v.budget) +
                                             " must be named " + want);
  return v;
}

std::string format_claims(const std::vector<ClaimVerdict>& rows, ClaimsFormat format) {
  auto verdict_text = [](const ClaimVerdict& r) { return r.error.empty() ? r.verdict : std::string("ERROR"); };
  auto detail = [](const ClaimVerdict& r) { return r.error.empty() ? r.summary : r.error; };
  std::string out;
  if (format == ClaimsFormat::json) {
    json a = json::array();
    for (const auto& r : rows) a.push_back(to_json(r));
    return a.dump(1) + "\n";
  }
  if (format == ClaimsFormat::markdown) {
    out += "| claim | verdict | statement | evidence |\n|---|---|---|---|\n";
    auto esc = [](std::string s) {
      for (size_t i = 0; (i = s.find('|', i)) != std::string::npos; i += 2) s.replace(i, 1, "\\|");
      return s;
    };
    for (const auto& r : rows)
      out += fmt::format("| {} | **{}** | {} | {} |\n", r.claim.id, verdict_text(r), esc(r.claim.statement),
                         esc(detail(r)));
    return out;
  }
  int counts[4] = {0, 0, 0, 0};
  for (const auto& r : rows) {
    const auto k = std::find(std::begin(kVerdictNames), std::end(kVerdictNames), r.error.empty() ? r.verdict : "error");
    ++counts[std::min<ptrdiff_t>(k - std::begin(kVerdictNames), 3)];
    out += fmt::format("{:<7} {:<12} {}\n{:20}{}\n", r.claim.id, verdict_text(r), r.claim.statement, "", detail(r));
  }
  out += fmt::format("{} claims: {} supported, {} refuted, {} inconclusive, {} errors\n", rows.size(), counts[0],
                     counts[1], counts[2], counts[3]);
  return out;
}

}  // namespace lrb::records
