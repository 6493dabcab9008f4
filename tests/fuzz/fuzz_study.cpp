// Study files (suites/study) on hostile TOML: what `lrbench study check`
// and `run / claims --study` do with a file before anything trains.
//
// Input: the file's bytes, written as study.toml in a scratch folder that
// also holds data/macro.csv (a small table with the example study's target
// column), so relative data paths resolve the way they do beside a real file.
// The harness parses it (toml++ behind the bounded prescan), plans both
// budgets (the quick one when the file has [quick], and a --seeds 2
// override), builds the manifest (texts, claims, plan), decides the tuning
// choices from made-up trial records, plans the final runs, and checks every
// claim against made-up records for every run (values derived from the run,
// some diverged; a claim that cannot read them counts as not evaluated, as
// in `lrbench claims`).
//
// Only what the CLI maps to exit 2 or 3 may escape: StudyError, SpecError
// (a spec inside the file), DataError (its data cannot be read).  Anything
// else -- and any stack overflow, whatever the nesting -- is a crash.
// Invariant: a plan never holds more runs than the hard limit.
#include <cstdint>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>

#include "core/spec/spec.hpp"
#include "datasets/error.hpp"
#include "fuzz_util.hpp"
#include "records/address.hpp"
#include "suites/study/study.hpp"
#include "suites/suite.hpp"

namespace {

using namespace lrb;
namespace study = suites::study;
using fuzz::check;

// Plans larger than this are planned (and their size checked) but their
// claims are not evaluated: a few thousand runs already cover every path.
constexpr size_t kMaxRunsToJudge = 2000;

// The example study's CSV in small: its 12 columns (`realinv` the target,
// 11 features), 40 rows of made-up values.
std::string macro_csv() {
  const char* const columns[] = {"realgdp", "realcons", "realinv", "realgovt", "realdpi", "cpi",
                                 "m1",      "tbilrate", "unemp",   "pop",      "infl",    "realint"};
  std::string s;
  for (const char* c : columns) s += std::string(s.empty() ? "" : ",") + c;
  s += "\n";
  for (int i = 0; i < 40; ++i) {
    for (int c = 0; c < 12; ++c) s += (c ? "," : "") + std::to_string(100 * (c + 1) + (i * (c + 3)) % 17) + ".5";
    s += "\n";
  }
  return s;
}

// A deterministic stand-in for a run's record: losses and accuracies drawn
// from the run's config and seed, one seed in five diverged.
nlohmann::json made_up_record(const suites::RunSpec& r) {
  std::uint64_t h = 1469598103934665603ull;  // FNV-1a of config and seed
  for (const char c : r.config + "#" + std::to_string(r.seed)) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  auto next = [&h]() {
    h = h * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<double>(h >> 11) / 9007199254740992.0;  // [0, 1)
  };
  nlohmann::json final = nlohmann::json::object(), epochs = nlohmann::json::array();
  for (const char* k : {"train_loss", "val_loss", "test_loss"}) final[k] = 0.1 + next();
  for (const char* k : {"train_accuracy", "val_accuracy", "test_accuracy"}) final[k] = next();
  for (int e = 1; e <= 3; ++e)
    epochs.push_back({{"epoch", e}, {"steps", 10 * e}, {"train_loss", next()}, {"val_loss", next()},
                      {"test_loss", next()}, {"val_accuracy", next()}, {"test_accuracy", next()}});
  return {{"status", r.seed % 5 == 4 ? "diverged" : "ok"},
          {"final", final},
          {"curves", {{"epochs", epochs}}},
          {"timing", {{"samples_per_second", 1000 * next()}, {"wall_seconds", next()},
                      {"epoch_wall_seconds", {next(), next(), next()}}}}};
}

void judge(const suites::Suite& suite, const std::vector<suites::RunSpec>& runs) {
  if (runs.size() > kMaxRunsToJudge) return;
  suites::ResultSet rs;
  for (const auto& r : runs) rs.by_config[r.config][r.seed] = made_up_record(r);
  for (const auto& c : suite.claims) {
    try {
      const auto result = c.check(rs, runs);
      check(result.missing >= 0 && result.missing <= result.expected, "a claim counts more missing runs than it expects");
    } catch (const std::runtime_error&) {
      // A built-in check (kind = "check") reading a field the made-up records
      // lack: `claims` reports such a claim as not evaluated (suites/claims.cpp).
    } catch (const nlohmann::json::exception&) {
    }
  }
}

void plan_budget(const std::shared_ptr<const study::Study>& s, const records::Budget& b) {
  const auto first = study::to_suite(s, {});
  const auto runs = first.plan(b);
  check(static_cast<int64_t>(runs.size()) <= study::kRunLimit, "a plan over the run limit without --allow-large");
  (void)suites::manifest(first, b);
  // Stage 2: the tuning trials "ran"; their records decide the choices.
  std::map<std::string, nlohmann::json> trials;
  for (const auto& r : runs)
    if (r.config.find("/tune/") != std::string::npos) trials[records::run_address(r)] = made_up_record(r);
  const auto choices = study::choose(*s, b, [&trials](const suites::RunSpec& r) -> const nlohmann::json* {
    const auto it = trials.find(records::run_address(r));
    return it == trials.end() ? nullptr : &it->second;
  });
  const auto final_suite = study::to_suite(s, choices);
  const auto all = final_suite.plan(b);
  (void)study::sections(*s, b, choices);
  judge(final_suite, all);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bool setup = [] {
    fuzz::silence_standard_streams();
    fuzz::write_file(fuzz::scratch_dir() / "study" / "data" / "macro.csv", macro_csv());
    return true;
  }();
  (void)setup;
  const auto path = (fuzz::scratch_dir() / "study" / "study.toml").string();
  try {
    const auto s = std::make_shared<const study::Study>(study::parse_study(fuzz::as_text(data, size), path));
    const auto& spec = s->spec();
    plan_budget(s, {.quick = false, .seeds = 0});
    if (spec.has_quick) plan_budget(s, {.quick = true, .seeds = 0});
    plan_budget(s, {.quick = false, .seeds = 2});
  } catch (const study::StudyError&) {
  } catch (const spec::SpecError&) {
  } catch (const data::DataError&) {
  }
  return 0;
}
