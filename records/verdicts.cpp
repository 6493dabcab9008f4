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
              {"raw_verdict", r.raw_verdict.empty() ? json() : json(r.raw_verdict)},
              {"seeds", r.seeds},
              {"statistics", r.statistics},
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
  const bool v1 = f.any("schema") == kVerdictsSchemaV1;
  if (f.any("schema") != kVerdictsSchema && !v1)
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
    if (!v1) {
      if (!c.any("raw_verdict").is_null()) {
        r.raw_verdict = c.str("raw_verdict");
        if (std::find(std::begin(kVerdictNames), std::end(kVerdictNames), r.raw_verdict) == std::end(kVerdictNames))
          c.fail("raw_verdict", "expected supported, refuted, inconclusive or error, found \"" + r.raw_verdict + "\"");
      }
      r.seeds = c.object("seeds");
      for (const auto& [config, n] : r.seeds.items())
        if (!n.is_number_integer() || n.get<int64_t>() < 0) c.fail("seeds", "\"" + config + "\" must be a count");
      r.statistics = c.any("statistics");
      if (!r.statistics.is_null()) {
        const Fields st = c.sub("statistics");
        st.sub("procedure");
        for (size_t k = 0; k < st.array("tests").size(); ++k) {
          const Fields t = st.element("tests", k);
          t.str("kind");
          t.integer("n");
          t.sub("p");
          t.sub("verdict");
        }
      }
    }
    v.claims.push_back(std::move(r));
  }
  const std::string want = v.suite + "." + budget_key(v.budget) + ".json";
  if (path.filename().string() != want)
    throw FormatError(path.string(), "", "verdicts of suite " + v.suite + ", budget " + budget_key(v.budget) +
                                             " must be named " + want);
  return v;
}

namespace {

// JSON number -> "%.4g" text ("n/a" for null).
std::string g4(const json& v) {
  if (!v.is_number()) return "n/a";
  return fmt::format("{:.4g}", v.get<double>());
}
std::string pct(double confidence) { return fmt::format("{:.4g} %", 100 * confidence); }
std::string interval(const json& ci) {
  return ci.is_array() && ci.size() == 2 ? "[" + g4(ci[0]) + ", " + g4(ci[1]) + "]" : "n/a";
}
const json& field(const json& j, const char* key) {
  static const json null;
  return j.is_object() && j.contains(key) ? j[key] : null;
}

std::string basis_text(const std::string& basis) {
  if (basis == "exact") return "exact: deterministic runs, a value compared with a threshold";
  if (basis == "count") return "count: a property checked on every run";
  if (basis == "descriptive") return "descriptive: a fixed rule over medians, no error model";
  return "a fixed rule over the records";
}

std::string test_line(const json& t, const json& procedure) {
  const std::string label = field(t, "label").is_string() && !t["label"].get<std::string>().empty()
                                ? "[" + t["label"].get<std::string>() + "] "
                                : "";
  const json& p = field(t, "p");
  const json& v = field(t, "verdict");
  const json& seq = field(t, "sequential");
  std::string s = fmt::format("{}{}, n={}: ", label, field(t, "kind").is_string() ? t["kind"].get<std::string>() : "?",
                              field(t, "n").is_number() ? t["n"].dump() : "?");
  auto why = [&](const char* key) {
    const json& w = field(v, key);
    return w.is_string() && !w.get<std::string>().empty() ? " (" + w.get<std::string>() + ")" : std::string();
  };
  const std::string raw = field(v, "raw").is_string() ? v["raw"].get<std::string>() : "?";
  const std::string adj = field(v, "adjusted").is_string() ? v["adjusted"].get<std::string>() : "?";
  if (seq.is_object()) {
    std::string looks;
    for (const auto& l : field(seq, "looks")) looks += (looks.empty() ? "" : ", ") + field(l, "n").dump();
    s += fmt::format("raw p {} -> {}{}; sequential ({}, alpha {}, cap {}) looks at {}: {} at n={} -> {}{}", g4(field(p, "raw")),
                     raw, why("raw_why"), field(seq, "spending").is_string() ? seq["spending"].get<std::string>() : "?",
                     g4(field(seq, "alpha")), field(seq, "max_seeds").dump(), looks.empty() ? "none" : looks,
                     field(seq, "state").is_string() ? seq["state"].get<std::string>() : "?", field(seq, "n").dump(), adj,
                     why("adjusted_why"));
  } else {
    s += fmt::format("p {} raw -> {} adjusted: {}{}", g4(field(p, "raw")), g4(field(p, "adjusted")), adj,
                     why("adjusted_why"));
    if (raw != adj) s += fmt::format(" (raw {}{})", raw, why("raw_why"));
  }
  const json& ci = field(t, "ci");
  if (ci.is_object())
    s += fmt::format("; {} CI {}", field(ci, "family_confidence").is_number() ? pct(ci["family_confidence"].get<double>()) : "?",
                     interval(field(ci, "family")));
  const json& mde = field(t, "mde");
  if (mde.is_object())
    s += fmt::format("; MDE {} at 80 % power ({} at 95 %)", g4(field(mde, "family")), g4(field(mde, "raw")));
  if (field(t, "power_at_band").is_number())
    s += fmt::format("; power {} at the band +-{}", g4(t["power_at_band"]), g4(field(t, "band")));
  if (field(t, "skew_warning") == true)
    s += fmt::format("; skewness {} (|G1| > 1: t-based verdicts may err)", g4(field(t, "skewness")));
  if (field(t, "kind") == "sign test")
    s += fmt::format("; {} wins, {} losses, {} ties", field(t, "wins").dump(), field(t, "losses").dump(),
                     field(t, "ties").dump());
  const json& d = field(t, "diagnosis");
  if (d.is_object() && field(d, "text").is_string()) s += "; " + d["text"].get<std::string>();
  (void)procedure;
  return s;
}

}  // namespace

std::string procedure_text(const ClaimVerdict& row) {
  const json& pr = field(row.statistics, "procedure");
  if (!pr.is_object()) return "";
  const json& tests = field(row.statistics, "tests");
  if (!tests.is_array() || tests.empty()) return "";  // not in the family: no procedure applies
  if (field(pr, "sequential") == true) {
    size_t k = 0;
    while (k + 1 < tests.size() && !field(tests[k], "sequential").is_object()) ++k;  // a sign test is judged once
    const json& seq = field(tests[k], "sequential");
    return fmt::format("sequential ({}, cap {}), alpha {} / {} tests",
                       field(seq, "spending").is_string() ? seq["spending"].get<std::string>() : "fixed",
                       field(seq, "max_seeds").dump(), g4(field(pr, "alpha")), field(pr, "family_size").dump());
  }
  return fmt::format("{}, {} tests, alpha {}",
                     field(pr, "multiplicity").is_string() ? pr["multiplicity"].get<std::string>() : "?",
                     field(pr, "family_size").dump(), g4(field(pr, "alpha")));
}

std::vector<std::string> statistics_lines(const ClaimVerdict& row) {
  std::vector<std::string> out;
  if (!row.statistics.is_object()) return out;
  const json& tests = field(row.statistics, "tests");
  if (!tests.is_array() || tests.empty()) {
    const json& b = field(row.statistics, "basis");
    out.push_back("no sampling test (" + basis_text(b.is_string() ? b.get<std::string>() : "") +
                  "): not in the family, no p-value");
    return out;
  }
  out.push_back(fmt::format("verdict {} ({}); raw {}", row.verdict, procedure_text(row),
                            row.raw_verdict.empty() ? "n/a" : row.raw_verdict));
  for (const auto& t : tests) out.push_back(test_line(t, field(row.statistics, "procedure")));
  return out;
}

std::string seeds_text(const ClaimVerdict& row) {
  const json& tests = field(row.statistics, "tests");
  int first = -1, last = -1;
  if (tests.is_array())
    for (const auto& t : tests) {
      const json& seq = field(t, "sequential");
      const json& looks = field(seq, "looks");
      if (!looks.is_array() || looks.empty()) continue;
      const int a = field(looks[0], "n").get<int>(), b = field(seq, "n").get<int>();
      first = first < 0 ? a : std::min(first, a);
      last = std::max(last, b);
    }
  if (first >= 0) return first == last ? std::to_string(first) : fmt::format("{} -> {}", first, last);
  int lo = -1, hi = -1;
  for (const auto& [config, n] : row.seeds.items()) {
    const int v = n.get<int>();
    lo = lo < 0 ? v : std::min(lo, v);
    hi = std::max(hi, v);
  }
  if (lo < 0) return "n/a";
  return lo == hi ? std::to_string(lo) : fmt::format("{}-{}", lo, hi);
}

std::string format_claims(const std::vector<ClaimVerdict>& rows, ClaimsFormat format) {
  auto verdict_text = [](const ClaimVerdict& r) { return r.error.empty() ? r.verdict : std::string("ERROR"); };
  auto detail = [](const ClaimVerdict& r) { return r.error.empty() ? r.summary : r.error; };
  auto esc = [](std::string s) {
    for (size_t i = 0; (i = s.find('|', i)) != std::string::npos; i += 2) s.replace(i, 1, "\\|");
    for (size_t i = 0; (i = s.find('\n', i)) != std::string::npos;) s.replace(i, 1, " ");
    return s;
  };
  std::string out;
  if (format == ClaimsFormat::json) {
    json a = json::array();
    for (const auto& r : rows) a.push_back(to_json(r));
    return a.dump(1) + "\n";
  }
  if (format == ClaimsFormat::markdown) {
    out += "| claim | verdict | raw | seeds | statement | evidence | statistics |\n|---|---|---|---|---|---|---|\n";
    for (const auto& r : rows) {
      std::string st;
      for (const auto& l : statistics_lines(r)) st += (st.empty() ? "" : "<br>") + esc(l);
      out += fmt::format("| {} | **{}** | {} | {} | {} | {} | {} |\n", r.claim.id, verdict_text(r),
                         r.raw_verdict.empty() ? "n/a" : r.raw_verdict, seeds_text(r), esc(r.claim.statement),
                         esc(detail(r)), st.empty() ? "n/a" : st);
    }
    return out;
  }
  if (format == ClaimsFormat::readme) {
    out += "| claim | verdict | raw | seeds | statement | evidence (abridged; the statistics are in `results/claims.md`) |\n"
           "|---|---|---|---|---|---|\n";
    for (const auto& r : rows) {
      std::string ev = detail(r);
      // The diagnosis of an inconclusive verdict is what a reader needs first.
      if (r.verdict == "inconclusive")
        for (const auto& t : field(r.statistics, "tests"))
          if (field(field(t, "diagnosis"), "text").is_string()) {
            ev = (field(t, "label").is_string() && !t["label"].get<std::string>().empty()
                      ? "[" + t["label"].get<std::string>() + "] "
                      : "") +
                 t["diagnosis"]["text"].get<std::string>() + ". " + ev;
            break;
          }
      if (ev.size() > 260) {
        size_t cut = 257;
        while (cut > 0 && (static_cast<unsigned char>(ev[cut]) & 0xC0) == 0x80) --cut;  // UTF-8 boundary
        ev = ev.substr(0, cut) + " …";
      }
      out += fmt::format("| {} | **{}** | {} | {} | {} | {} |\n", r.claim.id, verdict_text(r),
                         r.raw_verdict.empty() ? "n/a" : r.raw_verdict, seeds_text(r), esc(r.claim.statement), esc(ev));
    }
    return out;
  }
  int counts[4] = {0, 0, 0, 0};
  for (const auto& r : rows) {
    const auto k = std::find(std::begin(kVerdictNames), std::end(kVerdictNames), r.error.empty() ? r.verdict : "error");
    ++counts[std::min<ptrdiff_t>(k - std::begin(kVerdictNames), 3)];
    out += fmt::format("{:<7} {:<12} {}\n{:20}{}\n", r.claim.id, verdict_text(r), r.claim.statement, "", detail(r));
    for (const auto& l : statistics_lines(r)) out += fmt::format("{:20}{}\n", "", l);
  }
  out += fmt::format("{} claims: {} supported, {} refuted, {} inconclusive, {} errors\n", rows.size(), counts[0],
                     counts[1], counts[2], counts[3]);
  return out;
}

}  // namespace lrb::records
