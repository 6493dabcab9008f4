#include "records/seed_plan.hpp"

#include <algorithm>
#include <set>

#include "records/json_file.hpp"
#include "records/results_dir.hpp"

namespace lrb::records {
namespace fs = std::filesystem;

namespace {
const char* const kStates[] = {"decided", "continue", "stopped at cap"};
}

const SeedPlanTest* SeedPlan::find(const std::string& claim, const std::string& label) const {
  for (const auto& t : tests)
    if (t.claim == claim && t.label == label) return &t;
  return nullptr;
}

SeedPlanTest* SeedPlan::find(const std::string& claim, const std::string& label) {
  for (auto& t : tests)
    if (t.claim == claim && t.label == label) return &t;
  return nullptr;
}

fs::path seed_plan_path(const std::string& dir, const std::string& suite, const Budget& budget) {
  return fs::path(dir) / kSeedPlansFolder / (suite + "." + budget_key(budget) + ".json");
}

std::string seed_plan_text(const SeedPlan& p) {
  using oj = nlohmann::ordered_json;
  oj j;
  j["schema"] = kSeedPlanSchema;
  j["suite"] = p.suite;
  j["budget"] = {{"key", budget_key(p.budget)}, {"quick", p.budget.quick}, {"seeds", p.budget.seeds}};
  j["design"] = {{"alpha", p.design.alpha},
                 {"family_size", p.design.family_size},
                 {"spending", p.design.spending},
                 {"max_seeds", p.design.max_seeds},
                 {"batch", p.design.batch}};
  oj configs = oj::array();
  for (const auto& [c, n] : p.configs) configs.push_back({{"config", c}, {"seeds", n}});
  j["configs"] = configs;
  oj tests = oj::array();
  for (const auto& t : p.tests)
    tests.push_back({{"claim", t.claim},
                     {"label", t.label},
                     {"configs", t.configs},
                     {"max_seeds", t.max_seeds},
                     {"looks", t.looks},
                     {"state", t.state}});
  j["tests"] = tests;
  return j.dump(1) + "\n";
}

void write_seed_plan(const std::string& dir, const SeedPlan& p) {
  write_atomic(seed_plan_path(dir, p.suite, p.budget), seed_plan_text(p));
}

SeedPlan read_seed_plan(const fs::path& path) {
  const json j = read_json(path, "a seed plan of `lrbench run --until-conclusive` (lrbench.seed_plan/1)");
  const Fields f(j, path.string());
  if (f.any("schema") != kSeedPlanSchema)
    f.fail("schema", std::string("expected \"") + kSeedPlanSchema + "\", found " + excerpt(f.any("schema")));
  SeedPlan p;
  p.path = path.string();
  p.suite = f.str("suite");
  if (!valid_suite_id(p.suite)) f.fail("suite", "\"" + p.suite + "\" is not a suite id");
  const Fields b = f.sub("budget");
  p.budget.quick = b.boolean("quick");
  const int64_t seeds = b.integer("seeds");
  if (seeds < 0 || seeds > 1000) b.fail("seeds", "must be in [0, 1000], got " + std::to_string(seeds));
  p.budget.seeds = static_cast<int>(seeds);
  if (b.str("key") != budget_key(p.budget))
    b.fail("key", "\"" + b.str("key") + "\" does not match quick/seeds (\"" + budget_key(p.budget) + "\")");
  const Fields d = f.sub("design");
  p.design.alpha = d.number("alpha");
  if (!(p.design.alpha > 0 && p.design.alpha < 1)) d.fail("alpha", "must be in (0, 1)");
  p.design.family_size = static_cast<int>(d.integer("family_size"));
  if (p.design.family_size < 1 || p.design.family_size > 100000) d.fail("family_size", "must be in [1, 100000]");
  p.design.spending = d.str("spending");
  if (p.design.spending != "obrien-fleming" && p.design.spending != "pocock")
    d.fail("spending", "expected \"obrien-fleming\" or \"pocock\", found \"" + p.design.spending + "\"");
  const int64_t cap = d.integer("max_seeds"), batch = d.integer("batch");
  if (cap < 2 || cap > 1000) d.fail("max_seeds", "must be in [2, 1000], got " + std::to_string(cap));
  if (batch < 1 || batch > 1000) d.fail("batch", "must be in [1, 1000], got " + std::to_string(batch));
  p.design.max_seeds = static_cast<int>(cap);
  p.design.batch = static_cast<int>(batch);
  for (size_t i = 0; i < f.array("configs").size(); ++i) {
    const Fields c = f.element("configs", i);
    const int64_t n = c.integer("seeds");
    if (n < 1 || n > 1000) c.fail("seeds", "must be in [1, 1000], got " + std::to_string(n));
    if (!p.configs.emplace(c.str("config"), static_cast<int>(n)).second)
      c.fail("config", "\"" + c.str("config") + "\" is listed twice");
  }
  for (size_t i = 0; i < f.array("tests").size(); ++i) {
    const Fields t = f.element("tests", i);
    SeedPlanTest st;
    st.claim = t.str("claim");
    st.label = t.str("label");
    st.configs = t.strings("configs");
    const int64_t tcap = t.integer("max_seeds");
    if (tcap < 2 || tcap > 1000) t.fail("max_seeds", "must be in [2, 1000], got " + std::to_string(tcap));
    st.max_seeds = static_cast<int>(tcap);
    const json& looks = t.array("looks");
    for (size_t k = 0; k < looks.size(); ++k) {
      if (!looks[k].is_number_integer()) t.fail("looks", "expected integers");
      const int64_t n = looks[k].get<int64_t>();
      if (n < 0 || n > st.max_seeds || (!st.looks.empty() && n <= st.looks.back()))
        t.fail("looks", "must increase strictly within [0, max_seeds], got " + looks.dump());
      st.looks.push_back(static_cast<int>(n));
    }
    st.state = t.str("state");
    if (std::find(std::begin(kStates), std::end(kStates), st.state) == std::end(kStates))
      t.fail("state", "expected decided, continue or stopped at cap, found \"" + st.state + "\"");
    if (p.find(st.claim, st.label)) t.fail("claim", "test " + st.claim + " \"" + st.label + "\" is listed twice");
    p.tests.push_back(std::move(st));
  }
  const std::string want = p.suite + "." + budget_key(p.budget) + ".json";
  if (path.filename().string() != want)
    throw FormatError(path.string(), "", "a seed plan of suite " + p.suite + ", budget " + budget_key(p.budget) +
                                             " must be named " + want);
  return p;
}

std::map<std::string, SeedPlan> load_seed_plans(const std::string& dir, const Budget& budget) {
  std::map<std::string, SeedPlan> out;
  const fs::path folder = fs::path(dir) / kSeedPlansFolder;
  std::error_code ec;
  if (!fs::exists(folder, ec)) return out;
  if (!fs::is_directory(folder, ec))
    throw FormatError(folder.string(), "", ec ? "cannot be read (" + ec.message() + ")" : "is not a directory");
  const std::string suffix = "." + budget_key(budget) + ".json";
  std::vector<fs::path> files;
  fs::directory_iterator it(folder, ec), end;
  if (ec) throw FormatError(folder.string(), "", "cannot be listed (" + ec.message() + ")");
  for (; it != end; it.increment(ec)) {
    if (ec) throw FormatError(folder.string(), "", "cannot be listed (" + ec.message() + ")");
    const std::string name = it->path().filename().string();
    if (name.empty() || name[0] == '.' || name.size() <= suffix.size() ||
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)
      continue;
    // "<suite>.<key>.json": the suite part has no dot.
    if (name.substr(0, name.size() - suffix.size()).find('.') != std::string::npos) continue;
    files.push_back(it->path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& p : files) {
    SeedPlan s = read_seed_plan(p);
    out.emplace(s.suite, std::move(s));
  }
  return out;
}

std::vector<RunSpec> extend_plan(std::vector<RunSpec> plan, const SeedPlan& p) {
  for (const auto& [config, want] : p.configs) {
    const RunSpec* first = nullptr;
    std::set<int64_t> seeds;
    for (const auto& r : plan) {
      if (r.suite != p.suite || r.config != config) continue;
      if (!first) first = &r;
      else if (r.params != first->params)
        throw FormatError(p.path, "configs", "config \"" + config +
                                                 "\" has runs with different params: no seed can be added to it");
      seeds.insert(r.seed);
    }
    if (!first)
      throw FormatError(p.path, "configs", "config \"" + config + "\" is not in suite " + p.suite +
                                               "'s plan (the plan changed since the seeds were added?)");
    if (*seeds.begin() != 0 || *seeds.rbegin() != static_cast<int64_t>(seeds.size()) - 1)
      throw FormatError(p.path, "configs", "config \"" + config + "\" is not planned with seeds 0 .. k-1");
    const RunSpec base = *first;
    for (int64_t s = static_cast<int64_t>(seeds.size()); s < want; ++s) {
      RunSpec r = base;
      r.seed = s;
      plan.push_back(std::move(r));
    }
  }
  return plan;
}

}  // namespace lrb::records
