// records/: bounded JSON, strict field errors, the run record check, the
// results-directory loader (corrupt, deep, foreign-schema and looping files),
// manifests and verdicts (round trip, tampering), merge, atomic writes.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "records/address.hpp"
#include "records/json_file.hpp"
#include "records/manifest.hpp"
#include "records/results_dir.hpp"
#include "records/run_record.hpp"
#include "records/seed_plan.hpp"
#include "records/verdicts.hpp"

namespace fs = std::filesystem;
using namespace lrb::records;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    static int n = 0;
    path = fs::temp_directory_path() / ("lrbench-records-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string str() const { return path.string(); }
};

void put(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

RunSpec run(const std::string& config, int64_t seed, double lr) {
  return {"042", config, seed, json{{"lr", lr}, {"kind", "test"}}, {{"optimizer", "sgd"}, {"lr", lr}}};
}

json result(double loss) {
  return {{"status", "ok"}, {"diverged_at_step", nullptr}, {"steps", 10}, {"final", {{"loss", loss}}},
          {"curves", {{"loss", {1.0, loss}}}}, {"dataset", {{"generator", "test"}}}};
}

// Writes the record of `r` into DIR/<suite>/<address>.json.
std::string write_run(const std::string& dir, const RunSpec& r, double loss) {
  const std::string p = record_path(dir, r);
  write_atomic(p, record_text(r, result(loss), 0.5, {{"commit", "test"}}));
  return p;
}

std::string what_of(const std::vector<FormatError>& errors) {
  std::string s;
  for (const auto& e : errors) s += std::string(e.what()) + "\n";
  return s;
}

}  // namespace

// ---- bounded JSON --------------------------------------------------------------

TEST(Json, DepthIsCountedOutsideStringsOnly) {
  EXPECT_EQ(json_depth(R"({"a": [1, {"b": [2]}]})"), 4);
  EXPECT_EQ(json_depth(R"({"a": "[[[[[[[[[[", "b": "\"[[["})"), 1);
  EXPECT_EQ(json_depth("[]"), 1);
}

TEST(Json, TooDeepIsAFormatErrorNamingTheLimitNotACrash) {
  const std::string deep = "{\"final\": " + std::string(1'000'000, '[') + std::string(1'000'000, ']') + "}";
  try {
    parse_json(deep, "x.json", "a run record");
    FAIL() << "expected a FormatError";
  } catch (const FormatError& e) {
    EXPECT_EQ(e.path, "x.json");
    EXPECT_NE(std::string(e.what()).find(std::to_string(kMaxJsonDepth) + " levels"), std::string::npos) << e.what();
  }
  std::string ok = std::string(kMaxJsonDepth, '[') + std::string(kMaxJsonDepth, ']');
  EXPECT_NO_THROW(parse_json(ok, "ok.json", "x"));
  EXPECT_THROW(parse_json("[" + ok + "]", "deep.json", "x"), FormatError);
}

TEST(Json, InvalidJsonAndUnreadableFilesNameTheFile) {
  TempDir d;
  put(d.path / "bad.json", "{\"a\": tru");
  try {
    read_json(d.path / "bad.json", "a thing");
    FAIL();
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("bad.json: not valid JSON"), std::string::npos) << e.what();
  }
  try {
    read_text(d.path / "absent.json");
    FAIL();
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("No such file"), std::string::npos) << e.what();
  }
  EXPECT_THROW(read_text(d.path), FormatError);  // a directory
}

TEST(Json, FieldsNameTheFieldAndWhatWasFound) {
  const json j = {{"a", {{"b", {1, "x"}}}}, {"n", "3"}};
  const Fields f(j, "f.json");
  try {
    f.integer("n");
    FAIL();
  } catch (const FormatError& e) {
    EXPECT_EQ(e.field, "n");
    EXPECT_NE(e.problem.find("expected an integer, found string \"3\""), std::string::npos) << e.what();
  }
  try {
    f.sub("a").strings("b");
    FAIL();
  } catch (const FormatError& e) {
    EXPECT_EQ(e.field, "a.b[0]");
    EXPECT_EQ(std::string(e.what()).rfind("f.json: a.b[0]: expected a string", 0), 0u) << e.what();
  }
  try {
    f.str("missing");
    FAIL();
  } catch (const FormatError& e) {
    EXPECT_STREQ(e.what(), "f.json: missing: missing");
  }
  EXPECT_THROW(Fields(json::array(), "arr.json"), FormatError);
}

TEST(Json, WriteAtomicNamesTheOsError) {
  TempDir d;
  put(d.path / "file", "x");
  try {
    write_atomic(d.path / "file" / "sub" / "r.json", "{}");
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("Not a directory"), std::string::npos) << e.what();
  }
  write_atomic(d.path / "a" / "r.json", "{}\n");
  EXPECT_EQ(read_text(d.path / "a" / "r.json"), "{}\n");
  for (const auto& e : fs::directory_iterator(d.path / "a")) EXPECT_EQ(e.path().filename(), "r.json");
}

// ---- the run record and the results directory --------------------------------

TEST(RunRecord, FactorsAreNotPartOfTheAddress) {
  RunSpec a = run("c", 0, 0.1), b = a;
  b.factors = {{"something", "else"}};
  EXPECT_EQ(run_address(a), run_address(b));
  b.params["lr"] = 0.2;
  EXPECT_NE(run_address(a), run_address(b));
  EXPECT_EQ(run_address(a), address_of_identity(kNumericsVersion, a.suite, a.config, a.seed, a.params));
}

TEST(RunRecord, KeyOrderAndCheck) {
  const RunSpec r = run("c", 3, 0.1);
  const std::string text = record_text(r, result(0.5), 1.0, {{"commit", "x"}});
  EXPECT_EQ(text.rfind("{\n \"provenance\": {", 0), 0u) << text.substr(0, 80);
  const json j = json::parse(text);
  EXPECT_EQ(j["provenance"]["seed"], 3);
  EXPECT_FALSE(check_run_record(j, "p.json", run_address(r)).has_value());
  auto why = check_run_record(j, "p.json", "elsewhere");
  ASSERT_TRUE(why.has_value());
  EXPECT_NE(std::string(why->what()).find("file name does not match"), std::string::npos);
  json five = j;
  five["schema"] = 5;
  why = check_run_record(five, "p.json", run_address(r));
  ASSERT_TRUE(why.has_value());
  EXPECT_EQ(why->field, "schema");
  EXPECT_NE(why->problem.find("found 5"), std::string::npos) << why->what();
  EXPECT_EQ(strip_volatile(j).count("provenance"), 0u);
  EXPECT_EQ(strip_volatile(j).count("timing"), 0u);
}

TEST(ResultsDir, BadFilesAreListedByNameAndGoodOnesLoad) {
  TempDir d;
  const std::string good = write_run(d.str(), run("c", 0, 0.1), 0.5);
  const std::string deep = write_run(d.str(), run("c", 1, 0.1), 0.5);
  const std::string five = write_run(d.str(), run("c", 2, 0.1), 0.5);
  {  // final holds a 1,000,000-deep array: the address does not cover it, the depth check does
    json j = json::parse(read_text(deep));
    std::string t = j.dump();
    const auto at = t.find("\"final\":") + 8;
    const auto end = t.find('}', at) + 1;
    t = t.substr(0, at) + std::string(1'000'000, '[') + std::string(1'000'000, ']') + t.substr(end);
    put(deep, t);
  }
  {
    json j = json::parse(read_text(five));
    j["schema"] = 5;
    put(five, j.dump());
  }
  const fs::path loop = d.path / "042" / "loop.json";
  fs::create_symlink(d.path / "042" / "loop2.json", loop);
  fs::create_symlink(loop, d.path / "042" / "loop2.json");
  put(d.path / "042" / ".tmp-ignored.json", "{");
  put(d.path / "notes" / "x.json", "not a record, not a suite folder");

  const auto l = load_results(d.str());
  EXPECT_EQ(l.by_address.size(), 1u);
  EXPECT_TRUE(l.by_address.count(fs::path(good).stem().string()));
  EXPECT_EQ(l.sha256_of.size(), 1u);
  const std::string all = what_of(l.errors);
  ASSERT_EQ(l.errors.size(), 4u) << all;
  EXPECT_NE(all.find(deep + ": nested deeper than 64 levels"), std::string::npos) << all;
  EXPECT_NE(all.find(five + ": schema: expected \"lrbench.run/1\""), std::string::npos) << all;
  EXPECT_NE(all.find("loop.json: cannot be read (Too many levels of symbolic links)"), std::string::npos) << all;
  EXPECT_NE(all.find("loop2.json: cannot be read"), std::string::npos) << all;
  EXPECT_EQ(load_results((d.path / "absent").string()).errors.size(), 1u);
}

TEST(ResultsDir, DigestFollowsTheRecordsBytes) {
  TempDir d;
  const RunSpec a = run("c", 0, 0.1), b = run("c", 1, 0.1);
  write_run(d.str(), a, 0.5);
  const std::vector<std::string> plan = {run_address(a), run_address(b)};
  const auto d1 = records_digest(load_results(d.str()), plan);
  write_run(d.str(), b, 0.5);
  const auto d2 = records_digest(load_results(d.str()), plan);
  EXPECT_NE(d1, d2);
  EXPECT_EQ(d2, records_digest(load_results(d.str()), {plan[1], plan[0]}));  // order does not matter
  write_atomic(record_path(d.str(), b), record_text(b, result(0.5), 9.0, {{"commit", "other"}}));
  EXPECT_NE(records_digest(load_results(d.str()), plan), d2);  // rewritten
}

// ---- manifests ----------------------------------------------------------------

Manifest sample_manifest() {
  Manifest m;
  m.suite = "042";
  m.title = "A test suite";
  m.budget = {.quick = true, .seeds = 2};
  m.sections = {{"What it says", {"it says", "and more"}}, {"Deviations", {}}};
  m.claims = {{"042.1", "a claim", "sec. 1", "loss", "paired t"}};
  std::vector<RunSpec> plan;
  for (double lr : {0.1, 0.01})
    for (int s = 0; s < 2; ++s) plan.push_back(run("sweep/lr=" + std::to_string(lr), s, lr));
  RunSpec odd = run("odd", 0, 1.0);
  odd.factors = {{"schedule", "cosine"}, {"optimizer", "adam"}};
  plan.push_back(odd);
  RunSpec odd1 = odd;
  odd1.seed = 1;
  odd1.params["lr"] = 2.0;  // params differ between seeds: stored per run
  plan.push_back(odd1);
  set_plan(m, plan);
  return m;
}

TEST(Manifest, RoundTripKeepsThePlanFactorsAndOrder) {
  TempDir d;
  const Manifest m = sample_manifest();
  EXPECT_EQ(m.factors, (std::vector<std::string>{"optimizer", "lr", "schedule"}));
  ASSERT_EQ(m.configs.size(), 3u);
  EXPECT_EQ(m.configs[2].factors, (Factors{{"optimizer", "adam"}, {"schedule", "cosine"}}));  // manifest order
  EXPECT_TRUE(m.configs[2].params.is_null());
  write_manifest(d.str(), m);
  const auto all = load_manifests(d.str());
  ASSERT_EQ(all.size(), 1u);
  const Manifest& r = all[0];
  EXPECT_EQ(r.path, manifest_path(d.str(), "042", m.budget).string());
  EXPECT_EQ(manifest_text(r), manifest_text(m));
  EXPECT_EQ(r.run_count(), 6u);
  EXPECT_EQ(r.max_seeds(), 2u);
  const auto plan = r.plan();
  ASSERT_EQ(plan.size(), 6u);
  EXPECT_EQ(plan[5].params["lr"], 2.0);
  for (const auto& p : plan) EXPECT_EQ(record_path(d.str(), p).find(run_address(p)) != std::string::npos, true);
  EXPECT_EQ(manifest_path(d.str(), "042", m.budget).filename(), "042.quick-seeds2.json");
}

TEST(Manifest, TamperingAndForeignFilesAreFormatErrors) {
  TempDir d;
  const Manifest m = sample_manifest();
  const fs::path p = manifest_path(d.str(), m.suite, m.budget);
  auto expect_error = [&](const std::string& text, const std::string& want) {
    put(p, text);
    try {
      load_manifests(d.str());
      ADD_FAILURE() << "accepted: " << want;
    } catch (const FormatError& e) {
      EXPECT_NE(std::string(e.what()).find(want), std::string::npos) << e.what();
    }
  };
  json j = json::parse(manifest_text(m));
  json t = j;
  t["configs"][0]["runs"][1]["address"] = std::string(64, 'a');
  expect_error(t.dump(), "configs[0].runs[1].address: " + std::string(64, 'a') + " is not the SHA-256");
  t = j;
  t["configs"][1]["factors"]["colour"] = "red";
  expect_error(t.dump(), "configs[1].factors.colour: not one of the manifest's factors");
  t = j;
  t["configs"][1]["factors"]["lr"] = json::array({1});
  expect_error(t.dump(), "configs[1].factors.lr: a factor value must be a string, number or boolean");
  t = j;
  t["budget"]["seeds"] = 3;
  expect_error(t.dump(), "budget.key");
  t = j;
  t["schema"] = 5;
  expect_error(t.dump(), "schema: expected \"lrbench.manifest/1\", found 5");
  expect_error(std::string(100, '[') + std::string(100, ']'), "nested deeper than 64 levels");
  fs::remove(p);
  put(fs::path(d.str()) / kManifestsFolder / "042.full.json", manifest_text(m));
  expect_error(manifest_text(m), "must be named 042.quick-seeds2.json");
}

// ---- verdicts -------------------------------------------------------------------

TEST(Verdicts, RoundTripAndTheThreeSinks) {
  TempDir d;
  SuiteVerdicts v;
  v.suite = "042";
  v.budget = {.quick = false, .seeds = 0};
  v.manifest_sha256 = "m";
  v.planned = 4;
  v.present = 3;
  v.records_digest = "r";
  v.claims.push_back({.suite = "042", .claim = {"042.1", "a | claim", "s", "m", "t"}, .verdict = "supported",
                      .summary = "x", .error = "", .expected = 4, .missing = 1, .diverged = 0,
                      .evidence = {{"ci95", {1, 2}}}, .raw_verdict = "", .seeds = json::object(), .statistics = nullptr});
  v.claims.push_back({.suite = "042", .claim = {"042.2", "b", "s", "m", "t"}, .verdict = "error", .summary = "",
                      .error = "boom", .expected = 0, .missing = 0, .diverged = 0, .evidence = nullptr,
                      .raw_verdict = "", .seeds = json::object(), .statistics = nullptr});
  write_verdicts(d.str(), v);
  const auto r = read_verdicts(verdicts_path(d.str(), "042", v.budget));
  EXPECT_EQ(verdicts_text(r), verdicts_text(v));
  EXPECT_EQ(format_claims(r.claims, ClaimsFormat::markdown),
            "| claim | verdict | raw | seeds | statement | evidence | statistics |\n|---|---|---|---|---|---|---|\n"
            "| 042.1 | **supported** | n/a | n/a | a \\| claim | x | n/a |\n"
            "| 042.2 | **ERROR** | n/a | n/a | b | boom | n/a |\n");
  const std::string text = format_claims(r.claims, ClaimsFormat::text);
  EXPECT_NE(text.find("2 claims: 1 supported, 0 refuted, 0 inconclusive, 1 errors"), std::string::npos) << text;
  EXPECT_EQ(json::parse(format_claims(r.claims, ClaimsFormat::json))[1]["error"], "boom");

  json bad = json::parse(verdicts_text(v));
  bad["claims"][0]["verdict"] = "maybe";
  put(verdicts_path(d.str(), "042", v.budget), bad.dump());
  EXPECT_THROW(read_verdicts(verdicts_path(d.str(), "042", v.budget)), FormatError);
}

// ---- merge ----------------------------------------------------------------------

TEST(Merge, CopiesRecordsAndManifestsRefusesConflicts) {
  TempDir a, b, out;
  const Manifest m = sample_manifest();
  write_run(a.str(), run("c", 0, 0.1), 0.5);
  write_run(b.str(), run("c", 1, 0.1), 0.5);
  write_manifest(a.str(), m);
  write_manifest(b.str(), m);
  SuiteVerdicts v;
  v.suite = "042";
  write_verdicts(a.str(), v);
  EXPECT_EQ(merge({a.str(), b.str()}, out.str()), 2);
  EXPECT_EQ(load_manifests(out.str()).size(), 1u);
  EXPECT_FALSE(fs::exists(out.path / kVerdictsFolder));  // verdicts belong to the records they saw
  EXPECT_EQ(merge({a.str()}, out.str()), 0);

  Manifest other = m;
  other.title = "changed";
  write_manifest(b.str(), other);
  try {
    merge({a.str(), b.str()}, (out.path / "x").string());
    FAIL();
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("differs from"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(out.path / "x"));  // nothing written
  write_atomic(record_path(b.str(), run("c", 0, 0.1)), record_text(run("c", 0, 0.1), result(0.7), 1, {}));
  write_manifest(b.str(), m);
  EXPECT_THROW(merge({a.str(), b.str()}, (out.path / "y").string()), FormatError);  // same address, other result
}

// ---- verdicts with statistics, seed plans -------------------------------------

TEST(Verdicts, StatisticsRoundTripAndRender) {
  TempDir d;
  SuiteVerdicts v;
  v.suite = "042";
  v.manifest_sha256 = "m";
  const json stats = {
      {"raw_verdict", "supported"},
      {"basis", ""},
      {"procedure", {{"multiplicity", "holm"}, {"alpha", 0.05}, {"family_size", 3}, {"family_confidence", 1 - 0.05 / 3},
                     {"sequential", false}}},
      {"tests", json::array({{{"label", ""}, {"kind", "paired t"}, {"n", 10},
                              {"p", {{"raw", 0.0292}, {"adjusted", 0.0584}}},
                              {"verdict", {{"raw", "supported"}, {"adjusted", "inconclusive"}, {"raw_why", "the gain"},
                                           {"adjusted_why", ""}}},
                              {"ci", {{"family", {-0.0285, 0.4585}}, {"family_confidence", 1 - 0.05 / 3}}},
                              {"mde", {{"raw", 0.26}, {"family", 0.32}}},
                              {"diagnosis", {{"kind", "too few seeds"}, {"text", "too few seeds: about 22 would"}}},
                              {"sequential", nullptr}}})}};
  v.claims.push_back({.suite = "042", .claim = {"042.1", "b", "s", "m", "t"}, .verdict = "inconclusive",
                      .summary = "x", .error = "", .expected = 20, .missing = 0, .diverged = 0, .evidence = nullptr,
                      .raw_verdict = "supported", .seeds = {{"a", 10}, {"b", 10}}, .statistics = stats});
  write_verdicts(d.str(), v);
  const auto r = read_verdicts(verdicts_path(d.str(), "042", v.budget));
  EXPECT_EQ(verdicts_text(r), verdicts_text(v));
  EXPECT_EQ(r.claims[0].raw_verdict, "supported");
  EXPECT_EQ(seeds_text(r.claims[0]), "10");
  EXPECT_EQ(procedure_text(r.claims[0]), "holm, 3 tests, alpha 0.05");
  const auto lines = statistics_lines(r.claims[0]);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], "verdict inconclusive (holm, 3 tests, alpha 0.05); raw supported");
  EXPECT_NE(lines[1].find("p 0.0292 raw -> 0.0584 adjusted: inconclusive (raw supported (the gain))"),
            std::string::npos) << lines[1];
  EXPECT_NE(lines[1].find("98.33 % CI [-0.0285, 0.4585]; MDE 0.32 at 80 % power (0.26 at 95 %)"), std::string::npos)
      << lines[1];
  EXPECT_NE(lines[1].find("too few seeds: about 22 would"), std::string::npos) << lines[1];
  const std::string readme = format_claims(r.claims, ClaimsFormat::readme);
  EXPECT_NE(readme.find("| 042.1 | **inconclusive** | supported | 10 | b | too few seeds: about 22 would. x |"),
            std::string::npos) << readme;
  // A bad raw verdict or a negative seed count is a FormatError naming the field.
  json bad = json::parse(verdicts_text(v));
  bad["claims"][0]["seeds"]["a"] = -1;
  put(verdicts_path(d.str(), "042", v.budget), bad.dump());
  EXPECT_THROW(read_verdicts(verdicts_path(d.str(), "042", v.budget)), FormatError);
  // Files of schema 1 are still read (no raw verdict, seeds or statistics).
  json v1 = json::parse(verdicts_text(v));
  v1["schema"] = "lrbench.verdicts/1";
  for (auto& c : v1["claims"]) c.erase("raw_verdict"), c.erase("seeds"), c.erase("statistics");
  put(verdicts_path(d.str(), "042", v.budget), v1.dump());
  const auto old = read_verdicts(verdicts_path(d.str(), "042", v.budget));
  EXPECT_TRUE(old.claims[0].raw_verdict.empty());
  EXPECT_TRUE(statistics_lines(old.claims[0]).empty());
}

TEST(SeedPlan, RoundTripExtendAndMerge) {
  TempDir d, out;
  SeedPlan p;
  p.suite = "042";
  p.budget = {.quick = true, .seeds = 2};
  p.design = {.alpha = 0.05, .family_size = 2, .spending = "obrien-fleming", .max_seeds = 6, .batch = 2};
  p.configs = {{"a", 4}};
  p.tests.push_back({.claim = "042.1", .label = "", .configs = {"a", "b"}, .max_seeds = 6, .looks = {2, 4},
                     .state = "continue"});
  write_seed_plan(d.str(), p);
  const auto path = seed_plan_path(d.str(), "042", p.budget);
  EXPECT_EQ(path.filename(), "042.quick-seeds2.json");
  const SeedPlan r = read_seed_plan(path);
  EXPECT_EQ(seed_plan_text(r), seed_plan_text(p));
  EXPECT_EQ(load_seed_plans(d.str(), p.budget).size(), 1u);
  EXPECT_TRUE(load_seed_plans(d.str(), {}).empty());  // another budget

  // The extra seeds copy the config's runs; other configs are untouched.
  const std::vector<RunSpec> plan = {run("a", 0, 0.1), run("a", 1, 0.1), run("b", 0, 0.2), run("b", 1, 0.2)};
  const auto grown = extend_plan(plan, r);
  ASSERT_EQ(grown.size(), 6u);
  EXPECT_EQ(grown[4].config, "a");
  EXPECT_EQ(grown[4].seed, 2);
  EXPECT_EQ(grown[5].seed, 3);
  EXPECT_EQ(grown[5].params, plan[0].params);
  SeedPlan unknown = r;
  unknown.configs = {{"zzz", 4}};
  EXPECT_THROW(extend_plan(plan, unknown), FormatError);

  // Strict reader: looks must increase, states are known.
  json bad = json::parse(seed_plan_text(p));
  bad["tests"][0]["looks"] = {4, 2};
  put(path, bad.dump());
  EXPECT_THROW(read_seed_plan(path), FormatError);
  bad = json::parse(seed_plan_text(p));
  bad["tests"][0]["state"] = "maybe";
  put(path, bad.dump());
  EXPECT_THROW(read_seed_plan(path), FormatError);

  // merge copies seed plans like manifests, and refuses two that differ.
  write_seed_plan(d.str(), p);
  merge({d.str()}, out.str());
  EXPECT_EQ(seed_plan_text(read_seed_plan(seed_plan_path(out.str(), "042", p.budget))), seed_plan_text(p));
  TempDir other;
  SeedPlan q = p;
  q.configs = {{"a", 6}};
  write_seed_plan(other.str(), q);
  EXPECT_THROW(merge({other.str()}, out.str()), FormatError);
}
