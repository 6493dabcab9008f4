// Study files: the parser and every error class (each names file:line:column
// and the key), grid expansion, the tuning protocol, each claim kind, the
// built-in suite 004 written as a study file reproducing its records, and
// suite 005's plan and claims.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <string>

#include "datasets/error.hpp"
#include "records/address.hpp"
#include "records/results_dir.hpp"
#include "records/run_record.hpp"
#include "suites/runner.hpp"
#include "suites/study/internal.hpp"
#include "suites/study/study.hpp"

namespace fs = std::filesystem;
using namespace lrb::suites;
using namespace lrb::suites::study;
namespace records = lrb::records;

namespace {

// A minimal valid study; tests append or replace parts of it.
const std::string kHead = R"(id = "t"
title = "a test study"
seeds = 2
[data]
dataset = "teacher20:n=200,sigma=0.1"
[train]
model = "mlp004"
optimizer = "sgd:lr=0.01"
epochs = 2
batch = 32
)";

// The message of the StudyError parsing `text` throws ("" when none).
std::string error_of(const std::string& text, const std::string& path = "s.toml") {
  try {
    parse_study(text, path);
  } catch (const StudyError& e) {
    return e.what();
  }
  return "";
}

// The message of planning `text` (a StudyError at plan time).
std::string plan_error_of(const std::string& text, bool allow_large = false) {
  try {
    const auto s = std::make_shared<const Study>(parse_study(text, "s.toml"));
    plan(*s, {}, {}, allow_large);
  } catch (const StudyError& e) {
    return e.what();
  }
  return "";
}

struct TempDir {
  fs::path path;
  TempDir() {
    static int n = 0;
    path = fs::temp_directory_path() / ("lrbench-study-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

}  // namespace

// ---- parsing and errors -------------------------------------------------------------

TEST(StudyParse, AMinimalStudyHasItsArmsSettingsAndDefaults) {
  const auto s = parse_study(kHead + "[[arm]]\nname = \"a\"\n[[arm]]\nname = \"b\"\nlr = 0.1\n", "dir/s.toml");
  EXPECT_EQ(s.id, "t");
  EXPECT_EQ(s.seeds, 2);
  EXPECT_EQ(s.folder, fs::path("dir"));
  ASSERT_EQ(s.arms.size(), 2u);
  EXPECT_EQ(s.arms[1].name, "b");
  EXPECT_EQ(s.arms[1].settings.at("lr").value.get<double>(), 0.1);
  EXPECT_EQ(s.arms[1].settings.at("lr").where.line, 15);
  EXPECT_EQ(s.defaults.at("epochs").value.get<int64_t>(), 2);
}

TEST(StudyParse, AnUnknownKeyNamesFileLineColumnKeyAndTheValidKeys) {
  const auto e = error_of(kHead + "[[arm]]\nname = \"a\"\nepoch = 3\n");
  EXPECT_NE(e.find("s.toml:13:1: arm[0].epoch: unknown key; valid keys here:"), std::string::npos) << e;
  EXPECT_NE(e.find("epochs"), std::string::npos) << e;
  const auto top = error_of("idd = \"x\"\n" + kHead);
  EXPECT_NE(top.find("s.toml:1:1: idd: unknown key"), std::string::npos) << top;
}

TEST(StudyParse, AWrongTypeOrAValueOutOfRangeNamesTheKey) {
  auto e = error_of(std::regex_replace(kHead, std::regex("epochs = 2"), "epochs = \"two\""));
  EXPECT_NE(e.find("s.toml:9:10: train.epochs: expected an integer, got a string"), std::string::npos) << e;
  e = error_of(std::regex_replace(kHead, std::regex("batch = 32"), "batch = 100000"));
  EXPECT_NE(e.find("train.batch: must be in [1, 4096], got 100000"), std::string::npos) << e;
  e = error_of(kHead + "[[arm]]\nname = \"a\"\nlr = -1\n");
  EXPECT_NE(e.find("arm[0].lr: must be in (0"), std::string::npos) << e;
  e = error_of(kHead + "[[arm]]\nname = \"a\"\ndtype = \"float16\"\n");
  EXPECT_NE(e.find("'float16' is not valid; valid: float32, float64"), std::string::npos) << e;
}

TEST(StudyParse, TomlSyntaxErrorsAndMissingPartsNameTheirPlace) {
  auto e = error_of("id = \"t\"\ntitle = \n");
  EXPECT_EQ(e.rfind("s.toml:2:", 0), 0u) << e;
  e = error_of("title = \"x\"\n[[arm]]\nname = \"a\"\n");
  EXPECT_NE(e.find("id: missing"), std::string::npos) << e;
  e = error_of(kHead);
  EXPECT_NE(e.find("at least one [[arm]] or [[grid]]"), std::string::npos) << e;
  e = error_of(std::regex_replace(kHead, std::regex("id = \"t\""), "id = \"../x\"") + "[[arm]]\nname = \"a\"\n");
  EXPECT_NE(e.find("id: '../x' is not valid"), std::string::npos) << e;
  e = error_of(kHead + "[[arm]]\nname = \"a\"\n[[arm]]\nname = \"a\"\n");
  EXPECT_NE(e.find("s.toml:13:1: arm 'a' is declared twice (first at s.toml:11:1)"), std::string::npos) << e;
}

TEST(StudyParse, DeepNestingAndHugeFilesAreRejectedBeforeTheParserRecurses) {
  std::string deep = kHead + "[[arm]]\nname = \"a\"\noptions = " + std::string(100000, '[') + "\n";
  auto e = error_of(deep);
  EXPECT_NE(e.find("nested more than 8 deep"), std::string::npos) << e.substr(0, 200);
  e = error_of(kHead + "a.b.c.d.e.f.g.h.i.j = 1\n");
  EXPECT_NE(e.find("more than 8 dotted parts"), std::string::npos) << e;
  e = error_of(kHead + "[x.y.z.a.b.c.d.e.f]\n");
  EXPECT_NE(e.find("more than 8 dotted parts"), std::string::npos) << e;
  e = error_of(kHead + "# " + std::string(kMaxFileBytes, 'x') + "\n");
  EXPECT_NE(e.find("a study file may hold at most"), std::string::npos) << e.substr(0, 200);
  // Brackets inside strings and comments are not nesting.
  EXPECT_EQ(error_of(kHead + "# [[[[[[[[[[[[\n[[arm]]\nname = \"a[[[[[[[[[[[[[\"\n"), "");
}

// Every way TOML nests, 100,000 deep: inline tables, arrays of inline
// tables, dotted keys inside an inline table, table headers and arrays of
// tables.  Each is rejected by the scan, naming the limit and its place,
// before toml++ (recursive) sees it.
TEST(StudyParse, EveryKindOfNestingIsBoundedBeforeTheParser) {
  const std::string arm = kHead + "[[arm]]\nname = \"a\"\n";
  const int n = 100000;
  auto repeat = [](const std::string& s, int k) {
    std::string out;
    for (int i = 0; i < k; ++i) out += s;
    return out;
  };
  const std::string values = "nested more than 8 deep (arrays / inline tables)", keys = "more than 8 dotted parts";
  for (const auto& [text, message] : std::vector<std::pair<std::string, std::string>>{
           {arm + "options = " + repeat("{a=", n) + "1" + repeat("}", n) + "\n", "s.toml:13:35: values " + values},
           {arm + "options = " + repeat("[{a=", n) + "1" + repeat("}]", n) + "\n", "s.toml:13:27: values " + values},
           {arm + "options = [" + repeat("[", n) + "\n", "s.toml:13:19: values " + values},  // never closed
           {arm + "options = {" + repeat("a.", n) + "b = 1}\n", "s.toml:13:27: a key of " + keys},
           {kHead + "[" + repeat("a.", n) + "b]\n", "s.toml:11:17: a key of " + keys},
           {kHead + "[[" + repeat("a.", n) + "b]]\n", "s.toml:11:18: a key of " + keys}}) {
    const auto e = error_of(text);
    EXPECT_NE(e.find(message), std::string::npos) << e.substr(0, 200);
  }
  // Eight levels are allowed (and then refused by the reader as a bad value, not a crash).
  EXPECT_EQ(error_of(arm + "options = " + repeat("[", 8) + repeat("]", 8) + "\n").find("nested more than"),
            std::string::npos);
}

// A control character (TOML allows none but tab, newline, carriage return)
// where toml++ 3.3 asserts on it: after a table header's `[[` (fuzz_study).
TEST(StudyParse, AControlCharacterIsAnErrorNamingItsPlace) {
  auto e = error_of(kHead + "[[\x1d]]\n");
  EXPECT_NE(e.find("s.toml:11:3: a control character (byte 0x1d)"), std::string::npos) << e;
  e = error_of(kHead + "# a comment \x01\n");
  EXPECT_NE(e.find("s.toml:11:13: a control character (byte 0x01)"), std::string::npos) << e;
  EXPECT_EQ(error_of(kHead + "[[arm]]\r\nname = \"a\tb\"\r\n"), "");
  // Any other character that cannot start a key after `[[` or `[`: toml++ asserts on it too.
  e = error_of(kHead + "[[:ection]]\n");
  EXPECT_NE(e.find("s.toml:11:3: a table header must start with a key"), std::string::npos) << e;
  e = error_of(kHead + "[ =]\n");
  EXPECT_NE(e.find("s.toml:11:3: a table header must start with a key"), std::string::npos) << e;
}

TEST(StudyParse, BadSpecsAreStudyErrorsAtPlanTime) {
  auto e = plan_error_of(kHead + "[[arm]]\nname = \"a\"\noptimizer = \"sgd:lr=0.1,momentun=0.9\"\n");
  EXPECT_NE(e.find("s.toml:13:13 (arm 'a'): optimizer:"), std::string::npos) << e;
  EXPECT_NE(e.find("momentun"), std::string::npos) << e;
  e = plan_error_of(kHead + "[[arm]]\nname = \"a\"\nschedule = \"step_lr\"\n");
  EXPECT_NE(e.find("schedule:"), std::string::npos) << e;
  e = plan_error_of(kHead + "[[arm]]\nname = \"a\"\nmodel = \"cnn001\"\n");
  EXPECT_NE(e.find("model:"), std::string::npos) << e;
  e = plan_error_of(std::regex_replace(kHead, std::regex("teacher20:n=200,sigma=0.1"), "teacher21") + "[[arm]]\nname = \"a\"\n");
  EXPECT_NE(e.find("s.toml:5:11: dataset: unknown dataset 'teacher21'"), std::string::npos) << e;
}

TEST(StudyParse, AClaimNamingNoArmOrAWrongMetricIsAnError) {
  const std::string arms = "[[arm]]\nname = \"a\"\n[[arm]]\nname = \"b\"\n";
  auto e = error_of(kHead + arms +
                    "[[claim]]\nstatement = \"s\"\nkind = \"better\"\nmetric = \"test_loss\"\nbaseline = \"a\"\n"
                    "contender = \"c\"\n");
  EXPECT_NE(e.find("claim t.1: no arm or grid named 'c'; arms: a, b"), std::string::npos) << e;
  e = error_of(kHead + arms + "[[claim]]\nstatement = \"s\"\nkind = \"better\"\nmetric = \"tset_loss\"\n"
                              "baseline = \"a\"\ncontender = \"b\"\n");
  EXPECT_NE(e.find("claim[0].metric:"), std::string::npos) << e;
  EXPECT_NE(e.find("valid metrics"), std::string::npos) << e;
  e = error_of(kHead + arms + "[[claim]]\nstatement = \"s\"\nkind = \"bigger\"\n");
  EXPECT_NE(e.find("'bigger' is not valid; valid: better, equivalent, not_worse, threshold, ratio, edge, check"), std::string::npos) << e;
  e = error_of(kHead + arms + "[[claim]]\nstatement = \"s\"\nkind = \"equivalent\"\nmetric = \"test_loss\"\n"
                              "a = \"a\"\nb = \"b\"\n");
  EXPECT_NE(e.find("needs `band`"), std::string::npos) << e;
  e = error_of(kHead + arms + "[[claim]]\nstatement = \"s\"\nkind = \"threshold\"\nmetric = \"test_loss\"\n"
                              "arm = \"a\"\nop = \"=<\"\nvalue = 1\n");
  EXPECT_NE(e.find("'=<' is not valid; valid: <, <=, >, >="), std::string::npos) << e;
}

TEST(StudyParse, AGridOverTheRunLimitNeedsAllowLarge) {
  const std::string big = kHead + "[[grid]]\nname = \"g\"\nlr = \"logspace(1e-4, 1, 100)\"\n"
                                  "batch = [8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096]\n"
                                  "epochs = [1, 2, 3, 4, 5, 6]\n";  // 6000 arms x 2 seeds
  const auto e = plan_error_of(big);
  EXPECT_NE(e.find("the plan has 12000 runs"), std::string::npos) << e;
  EXPECT_NE(e.find("--allow-large"), std::string::npos) << e;
  // A grid of more arms than any study may plan fails while parsing.
  const auto huge = error_of(kHead + "[[grid]]\nname = \"g\"\nlr = \"logspace(1e-4, 1, 10000)\"\n"
                                     "epochs = \"linspace(1, 200, 200)\"\n");
  EXPECT_NE(huge.find("expands to more than 1000000 arms"), std::string::npos) << huge;
}

TEST(StudyParse, AMissingDataFileIsADataError) {
  const auto s = std::make_shared<const Study>(
      parse_study(std::regex_replace(kHead, std::regex("teacher20:n=200,sigma=0.1"), "csv:path=nope.csv") +
                      "[[arm]]\nname = \"a\"\n",
                  "/tmp/lrbench-no-such-dir/s.toml"));
  try {
    plan(*s, {}, {});
    FAIL() << "no DataError";
  } catch (const lrb::data::DataError& e) {
    EXPECT_NE(std::string(e.what()).find("/tmp/lrbench-no-such-dir/nope.csv"), std::string::npos) << e.what();
  }
}

// ---- grids ------------------------------------------------------------------------------

TEST(StudyGrid, ListsCrossInFileOrderWithTheLastFastestAndKeepTheirFactors) {
  const auto s = parse_study(kHead + "[[grid]]\nname = \"g\"\noptimizer = [\"sgd\", \"adam\"]\n"
                                     "lr = \"logspace(1e-3, 1e-1, 3)\"\n", "s.toml");
  ASSERT_EQ(s.arms.size(), 6u);
  EXPECT_EQ(s.arms[0].name, "g/optimizer=sgd,lr=0.001");
  EXPECT_EQ(s.arms[1].name, "g/optimizer=sgd,lr=0.01");
  EXPECT_EQ(s.arms[5].name, "g/optimizer=adam,lr=0.1");
  EXPECT_EQ(s.arms[1].settings.at("lr").value.get<double>(), 0.01);  // rounded to 12 digits: exactly 0.01
  ASSERT_EQ(s.arms[4].factors.size(), 2u);
  EXPECT_EQ(s.arms[4].factors[1].name, "lr");
  EXPECT_EQ(s.arms[4].factors[1].value.get<double>(), 0.01);
  EXPECT_EQ(s.grid_texts.at(0), "grid g: optimizer (2 values) x lr (3 values) = 6 arms");
  // Selectors pick arms by factor values; a grid's name picks all of them.
  EXPECT_EQ(select_arms(s, "g[optimizer=adam]").size(), 3u);
  EXPECT_EQ(select_arms(s, "g[optimizer=adam,lr=0.01]").at(0)->name, "g/optimizer=adam,lr=0.01");
  EXPECT_EQ(select_arms(s, "g").size(), 6u);
  EXPECT_THROW(select_arms(s, "g[beta=1]"), std::invalid_argument);
}

TEST(StudyGrid, ZippedSettingsVaryTogether) {
  const auto s = parse_study(kHead + "[[grid]]\nname = \"scale\"\nbatch = [16, 32, 64]\nlr = [0.005, 0.01, 0.02]\n"
                                     "zip = [\"batch\", \"lr\"]\n", "s.toml");
  ASSERT_EQ(s.arms.size(), 3u);
  EXPECT_EQ(s.arms[2].name, "scale/batch=64,lr=0.02");
  const auto e = error_of(kHead + "[[grid]]\nname = \"z\"\nbatch = [16, 32]\nlr = [0.005, 0.01, 0.02]\n"
                                  "zip = [\"batch\", \"lr\"]\n");
  EXPECT_NE(e.find("zipped settings need equal lengths"), std::string::npos) << e;
}

TEST(StudyGrid, ThePlanHasArmsTimesSeedsWithCanonicalParams) {
  const auto s = std::make_shared<const Study>(
      parse_study(kHead + "[quick]\nseeds = 1\nepochs = 1\n[[grid]]\nname = \"g\"\nlr = [0.01, 0.1]\n", "s.toml"));
  const auto full = plan(*s, {}, {});
  ASSERT_EQ(full.size(), 4u);
  EXPECT_EQ(full[1].config, "g/lr=0.01");
  EXPECT_EQ(full[1].seed, 1);
  EXPECT_EQ(full[2].params.at("optimizer").get<std::string>().find("sgd:lr=0.1,"), 0u) << full[2].params.dump();
  EXPECT_EQ(full[0].params.at("epochs"), 2);
  const auto quick = plan(*s, {.quick = true, .seeds = 0}, {});
  ASSERT_EQ(quick.size(), 2u);
  EXPECT_EQ(quick[0].params.at("epochs"), 1);
  EXPECT_NE(records::run_address(quick[0]), records::run_address(full[0]));
  // --quick without a [quick] table is a mistake in the file's use.
  const auto plain = std::make_shared<const Study>(parse_study(kHead + "[[arm]]\nname = \"a\"\n", "s.toml"));
  EXPECT_THROW(plan(*plain, {.quick = true, .seeds = 0}, {}), StudyError);
}

// A budget in updates: training stops mid-epoch after `steps` updates, and
// that partial epoch is evaluated as the last.
TEST(StudyGrid, AStepsBudgetStopsAfterThatManyUpdates) {
  // teacher20 n=200, test 0.2: 160 training rows = 5 updates of 32 per epoch.
  const auto s = std::make_shared<const Study>(parse_study(
      std::regex_replace(kHead, std::regex("epochs = 2"), "steps = 7") + "[[arm]]\nname = \"a\"\n", "s.toml"));
  const auto runs = plan(*s, {}, {});
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].params.at("steps"), 7);
  const auto rec = to_suite(s, {}).execute(runs[0], RunContext{});
  EXPECT_EQ(rec.at("status"), "ok");
  EXPECT_EQ(rec.at("steps"), 7);
  const auto& epochs = rec.at("curves").at("epochs");
  ASSERT_EQ(epochs.size(), 2u);
  EXPECT_EQ(epochs[1].at("steps"), 7);
  EXPECT_TRUE(epochs[1].at("test_loss").is_number());  // the partial last epoch is evaluated
  EXPECT_EQ(rec.at("curves").at("lr_per_step").size(), 7u);
}

// ---- the tuning protocol -------------------------------------------------------------------

TEST(StudyTuning, TrialsFirstThenTheBestValueOnValidationJoinsThePlan) {
  const std::string text = std::regex_replace(kHead, std::regex("\\[train\\]"), "val_fraction = 0.2\n[train]") +
                           "[[arm]]\nname = \"adam\"\noptimizer = \"adam\"\n"
                           "tune = { values = [0.001, 0.01, 0.1], metric = \"val_loss\", epochs = 1, seeds = 2 }\n";
  const auto s = std::make_shared<const Study>(parse_study(text, "s.toml"));
  const auto stage1 = plan(*s, {}, {});
  ASSERT_EQ(stage1.size(), 6u);  // 3 values x 2 trial seeds; no final runs yet
  EXPECT_EQ(stage1[0].config, "adam/tune/lr=0.001");
  EXPECT_EQ(stage1[0].seed, kTuneSeed0);
  EXPECT_EQ(stage1[0].params.at("epochs"), 1);  // the tuning budget
  // Records: lr 0.01 has the lowest mean validation loss; 0.1 diverged once.
  std::map<std::string, json> recs;
  auto rec = [](double val_loss, const char* status = "ok") {
    return json{{"status", status}, {"final", {{"val_loss", val_loss}, {"test_loss", 1.0}}}};
  };
  const std::map<std::string, std::vector<json>> by_config = {
      {"adam/tune/lr=0.001", {rec(0.5), rec(0.7)}},
      {"adam/tune/lr=0.01", {rec(0.3), rec(0.4)}},
      {"adam/tune/lr=0.1", {rec(0.01), rec(NAN, "diverged")}}};
  for (const auto& r : stage1)
    recs[records::run_address(r)] = by_config.at(r.config).at(static_cast<size_t>(r.seed - kTuneSeed0));
  auto lookup_all = [&](const RunSpec& r) -> const json* {
    const auto it = recs.find(records::run_address(r));
    return it == recs.end() ? nullptr : &it->second;
  };
  const auto choices = choose(*s, {}, lookup_all);
  ASSERT_TRUE(choices.at("adam").decided) << choices.at("adam").text;
  EXPECT_EQ(choices.at("adam").value, 0.01);  // a diverged trial never wins
  EXPECT_NE(choices.at("adam").text.find("lr = 0.01 chosen from [0.001, 0.01, 0.1] by the mean val_loss over 2 seeds"),
            std::string::npos)
      << choices.at("adam").text;
  const auto stage2 = plan(*s, {}, choices);
  ASSERT_EQ(stage2.size(), 8u);
  EXPECT_EQ(stage2[6].config, "adam");
  EXPECT_EQ(stage2[6].params.at("optimizer").get<std::string>().find("adam:lr=0.01,"), 0u);
  EXPECT_EQ(stage2[6].params.at("epochs"), 2);  // the arm's own budget again
  // One trial without a record: undecided, and the text says what it waits for.
  recs.erase(records::run_address(stage1[3]));
  const auto waiting = choose(*s, {}, lookup_all);
  EXPECT_FALSE(waiting.at("adam").decided);
  EXPECT_NE(waiting.at("adam").text.find("waiting for 1 of 6 tuning runs"), std::string::npos);
}

TEST(StudyTuning, AGridIsScoredOnAValidationSplit) {
  const auto e = plan_error_of(kHead + "[[arm]]\nname = \"a\"\ntune = { values = [0.01, 0.1] }\n");
  EXPECT_NE(e.find("scored on the validation split"), std::string::npos) << e;
}

// ---- claims -------------------------------------------------------------------------------

namespace {
// A study over arms a, b (and a sweep grid) with records given per config and seed.
struct ClaimFixture {
  std::shared_ptr<const Study> study;
  std::vector<RunSpec> runs;
  ResultSet rs;
  explicit ClaimFixture(const std::string& claims) {
    study = std::make_shared<const Study>(
        parse_study(std::regex_replace(kHead, std::regex("seeds = 2"), "seeds = 4") +
                        "[[arm]]\nname = \"a\"\n[[arm]]\nname = \"b\"\n[[grid]]\nname = \"sweep\"\n"
                        "lr = [0.01, 0.1, 1, 10]\n" + claims,
                    "s.toml"));
    runs = plan(*study, {}, {});
  }
  void set(const std::string& config, std::vector<double> test_loss, const char* status = "ok") {
    for (size_t k = 0; k < test_loss.size(); ++k)
      rs.by_config[config][static_cast<int64_t>(k)] = {{"status", status}, {"final", {{"test_loss", test_loss[k]}}}};
  }
  ClaimResult verdict(size_t i = 0) {
    const auto suite = to_suite(study, {});
    return suite.claims.at(i).check(rs, runs);
  }
};
}  // namespace

TEST(StudyClaims, BetterEquivalentAndThresholdGiveTheBuiltInVerdicts) {
  ClaimFixture f(
      "[[claim]]\nstatement = \"b beats a\"\nkind = \"better\"\nmetric = \"test_loss\"\nbaseline = \"a\"\n"
      "contender = \"b\"\nband = 0.01\n"
      "[[claim]]\nstatement = \"a ~ b\"\nkind = \"equivalent\"\nmetric = \"test_loss\"\na = \"a\"\nb = \"b\"\n"
      "band = 0.05\n"
      "[[claim]]\nstatement = \"a fits\"\nkind = \"threshold\"\nmetric = \"test_loss\"\narm = \"a\"\nop = \"<\"\n"
      "value = 2\n");
  f.set("a", {1.0, 1.1, 0.9, 1.05});
  f.set("b", {0.5, 0.61, 0.4, 0.52});
  EXPECT_EQ(f.verdict(0).verdict, Verdict::supported) << f.verdict(0).summary;
  EXPECT_EQ(f.verdict(1).verdict, Verdict::refuted) << f.verdict(1).summary;
  EXPECT_EQ(f.verdict(2).verdict, Verdict::supported) << f.verdict(2).summary;
  f.set("b", {1.0, 1.1, 0.9, 1.05});  // the same numbers: not better, but equivalent
  EXPECT_EQ(f.verdict(0).verdict, Verdict::refuted) << f.verdict(0).summary;
  EXPECT_EQ(f.verdict(1).verdict, Verdict::supported) << f.verdict(1).summary;
  f.set("a", {3.0, 3.1, 2.9, 3.05});
  EXPECT_EQ(f.verdict(2).verdict, Verdict::refuted) << f.verdict(2).summary;
  f.rs.by_config.erase("a");
  const auto missing = f.verdict(2);
  EXPECT_EQ(missing.verdict, Verdict::inconclusive);
  EXPECT_EQ(missing.missing, 4);
}

TEST(StudyClaims, EdgeFindsWhereEveryLargerLrFails) {
  auto edge = [](const std::string& range) {
    return "[[claim]]\nstatement = \"e\"\nkind = \"edge\"\nsweep = \"sweep\"\nfail_if = \"test_loss > 10\"\n" +
           (range.empty() ? std::string() : "range = " + range + "\n");
  };
  ClaimFixture f(edge("[0.05, 2]") + edge("") + edge("[0.5, 5]") + edge("[2, 100]"));
  f.set("sweep/lr=0.01", {1, 1, 1, 1});
  f.set("sweep/lr=0.1", {0.5, 0.5, 0.5, 0.5});
  f.set("sweep/lr=1", {20, 30, 40, 0.5});  // 3 of 4 fail by fail_if: the value fails
  f.set("sweep/lr=10", {NAN, NAN, NAN, NAN}, "diverged");
  // Stable up to 0.1, failing from 1: the edge lies in (0.1, 1].
  EXPECT_EQ(f.verdict(0).verdict, Verdict::supported) << f.verdict(0).summary;  // inside [0.05, 2]
  EXPECT_EQ(f.verdict(1).verdict, Verdict::supported) << f.verdict(1).summary;  // an edge exists
  EXPECT_EQ(f.verdict(2).verdict, Verdict::inconclusive) << f.verdict(2).summary;  // overlaps [0.5, 5]
  EXPECT_EQ(f.verdict(3).verdict, Verdict::refuted) << f.verdict(3).summary;  // below [2, 100]
  EXPECT_NE(f.verdict(1).summary.find("sweep fails from lr 1 (3/4 failed, 0 diverged), stable up to 0.1"),
            std::string::npos)
      << f.verdict(1).summary;
  f.set("sweep/lr=1", {20, 0.4, 0.4, 0.4});  // 1 of 4: LR 1 is stable now, the edge is (1, 10]
  EXPECT_EQ(f.verdict(0).verdict, Verdict::inconclusive) << f.verdict(0).summary;
  f.set("sweep/lr=10", {0.3, 0.3, 0.3, 0.3});  // nothing fails: no edge
  EXPECT_EQ(f.verdict(1).verdict, Verdict::refuted) << f.verdict(1).summary;
  EXPECT_EQ(f.verdict(0).verdict, Verdict::refuted) << f.verdict(0).summary;  // stable beyond 2
}

// The paired and threshold kinds carry their tests (what the suite's Holm
// family adjusts, suites/verdict_stats.hpp); edge is decided by counts.
TEST(StudyClaims, StatisticalKindsCarryTheirTestsForTheFamily) {
  ClaimFixture f(
      "[[claim]]\nstatement = \"b beats both\"\nkind = \"better\"\nmetric = \"test_loss\"\n"
      "baseline = [\"a\", \"sweep/lr=0.01\"]\ncontender = \"b\"\n"
      "[[claim]]\nstatement = \"a fits\"\nkind = \"threshold\"\nmetric = \"test_loss\"\narm = \"a\"\nop = \"<\"\n"
      "value = 2\n"
      "[[claim]]\nstatement = \"e\"\nkind = \"edge\"\nsweep = \"sweep\"\n");
  f.set("a", {1.0, 1.1, 0.9, 1.05});
  f.set("b", {0.5, 0.61, 0.4, 0.52});
  for (const char* c : {"sweep/lr=0.01", "sweep/lr=0.1", "sweep/lr=1", "sweep/lr=10"}) f.set(c, {1, 1.2, 0.8, 1});
  const auto both = f.verdict(0);
  ASSERT_EQ(both.tests.size(), 2u);
  EXPECT_EQ(both.combine, Combine::all_agree);
  EXPECT_EQ(both.tests[0].label, "a");
  EXPECT_EQ(both.tests[1].label, "sweep/lr=0.01");
  EXPECT_EQ(both.tests[0].kind, ClaimTest::Kind::directional);
  EXPECT_DOUBLE_EQ(both.tests[0].diff[1], -(0.61 - 1.1));  // lower is better: the gain is a - b
  const auto th = f.verdict(1);
  ASSERT_EQ(th.tests.size(), 1u);
  EXPECT_EQ(th.tests[0].configs, std::vector<std::string>{"a"});
  EXPECT_EQ(th.tests[0].seeds, (std::vector<int64_t>{0, 1, 2, 3}));
  EXPECT_DOUBLE_EQ(th.tests[0].diff[0], 2 - 1.0);  // "< 2": how far below 2
  EXPECT_EQ(th.verdict, Verdict::supported);
  const auto edge = f.verdict(2);
  EXPECT_TRUE(edge.tests.empty());
  EXPECT_EQ(edge.basis, "count");
}

// not_worse: "matches or beats" -- non-inferiority within a margin, absolute
// or a share of the baseline's mean; its directional test is advantage + margin.
TEST(StudyClaims, NotWorseIsNonInferiorityWithinAMargin) {
  ClaimFixture f(
      "[[claim]]\nstatement = \"b matches a\"\nkind = \"not_worse\"\nmetric = \"test_loss\"\nbaseline = \"a\"\n"
      "contender = \"b\"\nmargin = 0.1\n"
      "[[claim]]\nstatement = \"b matches a (5%)\"\nkind = \"not_worse\"\nmetric = \"test_loss\"\n"
      "baseline = \"a\"\ncontender = \"b\"\nband = 0.05\n");
  f.set("a", {1.0, 1.1, 0.9, 1.05});
  f.set("b", {1.02, 1.13, 0.91, 1.07});  // worse by ~0.02: within 0.1 and within 5% of a (~0.05)
  EXPECT_EQ(f.verdict(0).verdict, Verdict::supported) << f.verdict(0).summary;
  ASSERT_EQ(f.verdict(0).tests.size(), 1u);
  EXPECT_EQ(f.verdict(0).tests[0].kind, ClaimTest::Kind::directional);
  EXPECT_NEAR(f.verdict(0).tests[0].diff[1], (1.1 - 1.13) + 0.1, 1e-12);  // lower is better: a - b, plus the margin
  EXPECT_EQ(f.verdict(1).verdict, Verdict::supported) << f.verdict(1).summary;
  f.set("b", {0.5, 0.6, 0.4, 0.52});  // better: still "not worse"
  EXPECT_EQ(f.verdict(0).verdict, Verdict::supported) << f.verdict(0).summary;
  f.set("b", {1.5, 1.62, 1.38, 1.56});  // worse by ~0.5, beyond either margin
  EXPECT_EQ(f.verdict(0).verdict, Verdict::refuted) << f.verdict(0).summary;
  EXPECT_EQ(f.verdict(1).verdict, Verdict::refuted) << f.verdict(1).summary;
  f.set("b", {1.0, 1.3, 0.8, 1.2});    // noisy around the margin: neither side
  EXPECT_EQ(f.verdict(1).verdict, Verdict::inconclusive) << f.verdict(1).summary;
}

// best_of / best_lr of a sweep, per seed, and the ratio claim on best LRs.
TEST(StudyClaims, BestOfBestLrAndRatioOfASweep) {
  ClaimFixture f(
      "[[claim]]\nstatement = \"best lr 3-30x the smallest\"\nkind = \"ratio\"\nmetric = \"best_lr(test_loss)\"\n"
      "numerator = \"sweep\"\ndenominator = \"sweep[lr=0.01]\"\nrange = [3, 30]\n"
      "[[claim]]\nstatement = \"best lr 20-100x the smallest\"\nkind = \"ratio\"\n"
      "metric = \"best_lr(test_loss)\"\nnumerator = \"sweep\"\ndenominator = \"sweep[lr=0.01]\"\n"
      "range = [20, 100]\n"
      "[[claim]]\nstatement = \"the tuned sweep fits\"\nkind = \"threshold\"\nmetric = \"best_of(test_loss)\"\n"
      "arm = \"sweep\"\nop = \"<\"\nvalue = 0.45\n");
  f.set("sweep/lr=0.01", {1, 1, 1, 1});
  f.set("sweep/lr=0.1", {0.3, 0.31, 0.29, 0.3});  // the best LR of every seed: 0.1 = 10 x 0.01
  f.set("sweep/lr=1", {0.5, 0.5, 0.5, 0.5});
  f.set("sweep/lr=10", {0.1, NAN, NAN, NAN}, "diverged");  // diverged: never the best
  const auto in = f.verdict(0);
  EXPECT_EQ(in.verdict, Verdict::supported) << in.summary;
  ASSERT_EQ(in.tests.size(), 1u);
  EXPECT_EQ(in.tests[0].kind, ClaimTest::Kind::equivalence);
  EXPECT_NEAR(in.tests[0].diff[0], 1.0 - (std::log10(3.0) + std::log10(30.0)) / 2, 1e-12);
  EXPECT_NE(in.summary.find("geometric mean ratio 10 "), std::string::npos) << in.summary;
  EXPECT_EQ(f.verdict(1).verdict, Verdict::refuted) << f.verdict(1).summary;
  EXPECT_EQ(f.verdict(2).verdict, Verdict::supported) << f.verdict(2).summary;  // best_of: 0.29-0.31 < 0.45
  f.set("sweep/lr=1", {0.2, 0.5, 0.2, 0.5});  // seeds 0 and 2 prefer 1 (ratio 100): the mean is uncertain
  EXPECT_EQ(f.verdict(0).verdict, Verdict::inconclusive) << f.verdict(0).summary;
}

TEST(StudyParse, NewClaimKindsCheckTheirKeys) {
  const std::string arms = "[[arm]]\nname = \"a\"\n[[grid]]\nname = \"g\"\nlr = [0.01, 0.1]\n";
  auto e = error_of(kHead + arms + "[[claim]]\nstatement = \"s\"\nkind = \"not_worse\"\nmetric = \"test_loss\"\n"
                                   "baseline = \"a\"\ncontender = \"g\"\nmargin = 0.1\nband = 0.1\n");
  EXPECT_NE(e.find("exactly one of `margin`"), std::string::npos) << e;
  e = error_of(kHead + arms + "[[claim]]\nstatement = \"s\"\nkind = \"ratio\"\nmetric = \"best_lr(test_loss)\"\n"
                              "numerator = \"g\"\ndenominator = \"g\"\nrange = [0, 10]\n");
  EXPECT_NE(e.find("0 < LO < HI"), std::string::npos) << e;
  e = error_of(kHead + arms + "[[claim]]\nstatement = \"s\"\nkind = \"better\"\nmetric = \"best_lr(test_loss)\"\n"
                              "baseline = \"g\"\ncontender = \"g\"\n");
  EXPECT_NE(e.find("give direction"), std::string::npos) << e;
  e = error_of(kHead + arms + "[[claim]]\nstatement = \"s\"\nkind = \"ratio\"\nmetric = \"test_loss\"\n"
                              "numerator = \"g\"\ndenominator = \"a\"\nrange = [1, 10]\nbaseline = \"a\"\n");
  EXPECT_NE(e.find("baseline"), std::string::npos) << e;
  e = error_of(kHead + arms + "[[claim]]\nstatement = \"s\"\nkind = \"edge\"\nsweep = \"g\"\n"
                              "fail_if = \"best_of(test_loss) > 1\"\n");
  EXPECT_NE(e.find("per-run metric"), std::string::npos) << e;
}

// ---- built-in suites written as study files ------------------------------------------------

// Suite 005 parses and expands (both budgets) and its claims compute on
// synthetic records whose best LRs are known: Lion's 10^0.75 = 5.6x below
// AdamW's on both problems (ratio claims supported), the untuned methods at
// their defaults far below the tuned optimum (not_worse refuted).
TEST(StudyBuiltins, Suite005PlansAndItsClaimsCompute) {
  const auto s = std::make_shared<const Study>(load_study(std::string(LRBENCH_SOURCE_DIR) + "/suites/005_untuned_lr.toml"));
  const Suite suite = to_suite(s, {});
  const auto full = suite.plan({});
  const auto quick = suite.plan({.quick = true});
  EXPECT_EQ(full.size(), 145u * 5);
  EXPECT_EQ(quick.size(), 145u * 2);
  ASSERT_EQ(suite.claims.size(), 12u);
  // Synthetic records: a parabola in log10(lr) around each sweep's best LR.
  const std::map<std::string, double> best = {
      {"adam", 3e-3}, {"adamw_cosine", 1e-2}, {"adamw_wsd", 1e-2}, {"lion_cosine", std::pow(10.0, -2.75)},
      {"sgd_cosine", 0.1}, {"adamw_schedule_free", 0.025}, {"sgd_schedule_free", 1}, {"prodigy", 0.1},
      {"d_adapt_adam", 0.1}};
  ResultSet rs;
  for (const auto& run : quick) {
    const std::string sweep = run.config.substr(run.config.find('/') + 1, run.config.rfind('/') - run.config.find('/') - 1);
    const double lr = std::stod(run.config.substr(run.config.find("lr=") + 3));
    const double d = std::log10(lr / best.at(sweep)), noise = 0.001 * static_cast<double>(run.seed);
    rs.by_config[run.config][run.seed] = {
        {"status", "ok"},
        {"final", {{"test_accuracy", 0.9 - 0.05 * d * d + noise}, {"test_loss", 0.1 + 0.05 * d * d + noise}}}};
  }
  std::map<std::string, ClaimResult> by_id;
  for (const auto& c : suite.claims) by_id[c.id] = c.check(rs, quick);
  for (const char* id : {"005.4", "005.10"}) {
    EXPECT_EQ(by_id[id].verdict, Verdict::supported) << id << ": " << by_id[id].summary;
    EXPECT_NE(by_id[id].summary.find("geometric mean ratio 5.623"), std::string::npos) << by_id[id].summary;
  }
  // Prodigy at lr 1, a decade above its synthetic best: 0.05 below the tuned Adam (> the 1-point margin).
  EXPECT_EQ(by_id["005.2"].verdict, Verdict::refuted) << by_id["005.2"].summary;
  EXPECT_EQ(by_id["005.2"].tests.at(0).kind, ClaimTest::Kind::directional);
  EXPECT_EQ(by_id["005.6"].tests.at(0).kind, ClaimTest::Kind::directional);  // lr_window, paired
  for (const auto& [id, r] : by_id) EXPECT_EQ(r.missing, 0) << id;
}

// ---- built-in suites written as study files (records) ---------------------------------------

TEST(StudyBuiltins, TheStudyFilesInSuitesPlanWhatTheBuiltInSuitesPlan) {
  for (const auto& [name, text] : builtin_study_files()) {
    const auto s = std::make_shared<const Study>(load_study(std::string(LRBENCH_SOURCE_DIR) + "/" + name));
    EXPECT_EQ(text.size(), fs::file_size(std::string(LRBENCH_SOURCE_DIR) + "/" + name)) << name << " is compiled in";
    const Suite from_file = to_suite(s, {});
    for (const records::Budget b : {records::Budget{}, records::Budget{.quick = true, .seeds = 2}}) {
      const auto a = from_file.plan(b), built_in = find_suite(s->spec().id).plan(b);
      ASSERT_EQ(a.size(), built_in.size()) << name;
      for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(records::run_address(a[i]), records::run_address(built_in[i]));
    }
  }
}

// Suite 004's claims from its study file keep what decided them in C++: the
// LR-shape checks are exact, the accuracy check a count, the MSE comparisons
// one paired test each in the suite's family.
TEST(StudyBuiltins, Suite004ClaimsCarryTheirBasisAndTests) {
  const auto loaded = records::load_results(std::string(LRBENCH_SOURCE_DIR) + "/tests/fixtures/results");
  const auto s = std::make_shared<const Study>(load_study(std::string(LRBENCH_SOURCE_DIR) + "/suites/004_lr_adjustment.toml"));
  const Suite suite = to_suite(s, {});
  const auto plan = plan_runs(std::vector<const Suite*>{&suite}, {.quick = true, .seeds = 2});
  const auto rows = evaluate_claims(loaded, plan, std::vector<const Suite*>{&suite});
  ASSERT_EQ(rows.size(), 10u);
  for (const auto& r : rows) {
    ASSERT_TRUE(r.error.empty()) << r.claim->id << ": " << r.error;
    const std::string& id = r.claim->id;
    if (id == "004.1" || id == "004.2" || id == "004.3") {
      EXPECT_EQ(r.result.basis, "exact") << id;
    } else if (id == "004.10") {
      EXPECT_EQ(r.result.basis, "count") << id;
    } else {
      EXPECT_EQ(r.result.tests.size(), 1u) << id;
      EXPECT_EQ(r.statistics.at("procedure").at("family_size"), 6) << id;
    }
  }
}

// Suite 004 run from its study file gives the report fixture's records bit
// for bit (they were made by the C++ suite 004 before it became a study file;
// tests/fixtures/results/regenerate.sh).
TEST(StudyBuiltins, Suite004FromItsStudyFileReproducesTheFixtureRecords) {
  const std::string fixture = std::string(LRBENCH_SOURCE_DIR) + "/tests/fixtures/results";
  const auto loaded = records::load_results(fixture);
  const auto s = std::make_shared<const Study>(load_study(std::string(LRBENCH_SOURCE_DIR) + "/suites/004_lr_adjustment.toml"));
  const Suite suite = to_suite(s, {});
  const auto runs = suite.plan({.quick = true, .seeds = 2});
  int compared = 0;
  RunContext ctx;
  for (const auto& run : runs) {
    if (run.seed != 1) continue;  // one seed of every config: the same code paths, half the time
    const auto it = loaded.by_address.find(records::run_address(run));
    ASSERT_NE(it, loaded.by_address.end()) << run.config;
    const auto res = suite.execute(run, ctx);
    const json rec = json::parse(records::record_text(run, res, 0.0, json::object()));
    EXPECT_EQ(records::strip_volatile(rec), records::strip_volatile(it->second)) << run.config;
    ++compared;
  }
  EXPECT_EQ(compared, 8);
}

// Suite 001 likewise, for one CNN run of its study file (Fashion-MNIST, the
// quick budget): the fixture record, bit for bit once timing and provenance
// are removed.
TEST(StudyBuiltins, Suite001FromItsStudyFileReproducesAFixtureRecord) {
  RunContext ctx;
  if (const char* v = std::getenv("LRBENCH_DATA_DIR"); v && *v) ctx.data_dir = v;
  if (!fs::exists(ctx.data_dir / "train-images-idx3-ubyte.gz") && !fs::exists(ctx.data_dir / "train-images-idx3-ubyte"))
    GTEST_SKIP() << "no Fashion-MNIST in " << ctx.data_dir;
  const auto loaded = records::load_results(std::string(LRBENCH_SOURCE_DIR) + "/tests/fixtures/results");
  const auto s = std::make_shared<const Study>(load_study(std::string(LRBENCH_SOURCE_DIR) + "/suites/001_adaptive_lr_cnn.toml"));
  const Suite suite = to_suite(s, {});
  for (const auto& run : suite.plan({.quick = true, .seeds = 2})) {
    if (run.config != "tutorial/adam" || run.seed != 1) continue;
    const auto it = loaded.by_address.find(records::run_address(run));
    ASSERT_NE(it, loaded.by_address.end());
    const json rec = json::parse(records::record_text(run, suite.execute(run, ctx), 0.0, json::object()));
    EXPECT_EQ(records::strip_volatile(rec), records::strip_volatile(it->second));
    return;
  }
  FAIL() << "no tutorial/adam seed 1 in the quick plan";
}
