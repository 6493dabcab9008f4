#include "records/manifest.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "records/json_file.hpp"
#include "records/results_dir.hpp"

namespace lrb::records {
namespace fs = std::filesystem;

size_t Manifest::run_count() const {
  size_t n = 0;
  for (const auto& c : configs) n += c.runs.size();
  return n;
}

size_t Manifest::max_seeds() const {
  size_t n = 0;
  for (const auto& c : configs) n = std::max(n, c.runs.size());
  return n;
}

std::vector<RunSpec> Manifest::plan() const {
  std::vector<RunSpec> out;
  for (const auto& c : configs)
    for (const auto& r : c.runs)
      out.push_back({suite, c.config, r.seed, r.params.is_null() ? c.params : r.params, c.factors});
  return out;
}

void set_plan(Manifest& m, const std::vector<RunSpec>& plan) {
  m.configs.clear();
  m.factors.clear();
  std::map<std::string, size_t> index;
  for (const auto& run : plan) {
    for (const auto& f : run.factors)
      if (std::find(m.factors.begin(), m.factors.end(), f.name) == m.factors.end()) m.factors.push_back(f.name);
    auto [it, fresh] = index.emplace(run.config, m.configs.size());
    if (fresh) m.configs.push_back({run.config, run.factors, run.params, {}});
    m.configs[it->second].runs.push_back({run.seed, run_address(run), run.params});
  }
  for (auto& c : m.configs) {
    const bool shared = std::all_of(c.runs.begin(), c.runs.end(), [&](const PlannedRun& r) { return r.params == c.params; });
    for (auto& r : c.runs)
      if (shared) r.params = nullptr;
    if (!shared) c.params = nullptr;
    // The manifest's factor order, whatever order this config declared them in.
    Factors ordered;
    for (const auto& name : m.factors)
      for (const auto& f : c.factors)
        if (f.name == name) ordered.push_back(f);
    c.factors = std::move(ordered);
  }
}

fs::path manifest_path(const std::string& dir, const std::string& suite, const Budget& budget) {
  return fs::path(dir) / kManifestsFolder / (suite + "." + budget_key(budget) + ".json");
}

std::string manifest_text(const Manifest& m) {
  using oj = nlohmann::ordered_json;
  auto strings = [](const std::vector<std::string>& v) {
    oj a = oj::array();
    for (const auto& s : v) a.push_back(s);
    return a;
  };
  auto plain = [](const json& j) { return oj::parse(j.dump()); };
  oj claims = oj::array();
  for (const auto& c : m.claims)
    claims.push_back({{"id", c.id}, {"statement", c.statement}, {"source", c.source}, {"metric", c.metric},
                      {"test", c.test}});
  oj configs = oj::array();
  for (const auto& c : m.configs) {
    oj factors = oj::object();
    for (const auto& f : c.factors) factors[f.name] = plain(f.value);
    oj runs = oj::array();
    for (const auto& r : c.runs) {
      oj run = {{"seed", r.seed}, {"address", r.address}};
      if (!r.params.is_null()) run["params"] = plain(r.params);
      runs.push_back(run);
    }
    configs.push_back({{"config", c.config}, {"factors", factors}, {"params", plain(c.params)}, {"runs", runs}});
  }
  oj j;
  j["schema"] = kManifestSchema;
  j["suite"] = m.suite;
  j["title"] = m.title;
  j["budget"] = {{"key", budget_key(m.budget)}, {"quick", m.budget.quick}, {"seeds", m.budget.seeds}};
  j["numerics"] = m.numerics;
  oj sections = oj::array();
  for (const auto& sec : m.sections) sections.push_back({{"title", sec.title}, {"items", strings(sec.items)}});
  j["sections"] = sections;
  j["factors"] = strings(m.factors);
  j["claims"] = claims;
  j["configs"] = configs;
  return j.dump(1) + "\n";
}

void write_manifest(const std::string& dir, const Manifest& m) {
  const fs::path p = manifest_path(dir, m.suite, m.budget);
  const std::string text = manifest_text(m);
  try {
    if (read_text(p) == text) return;
  } catch (const FormatError&) {
    // absent or unreadable: (re)write it
  }
  write_atomic(p, text);
}

namespace {

bool valid_factor_name(const std::string& s) {
  return !s.empty() && s.size() <= 64 &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::islower(c) || std::isdigit(c) || c == '_'; });
}

}  // namespace

Manifest parse_manifest(const json& j, const std::string& path) {
  const Fields f(j, path);
  if (f.any("schema") != kManifestSchema)
    f.fail("schema", std::string("expected \"") + kManifestSchema + "\", found " + excerpt(f.any("schema")));
  Manifest m;
  m.path = path;
  m.suite = f.str("suite");
  if (!valid_suite_id(m.suite)) f.fail("suite", "\"" + m.suite + "\" is not a suite id ([A-Za-z0-9][A-Za-z0-9_-]*)");
  m.title = f.str("title");
  const Fields b = f.sub("budget");
  m.budget.quick = b.boolean("quick");
  const int64_t seeds = b.integer("seeds");
  if (seeds < 0 || seeds > 1000) b.fail("seeds", "must be in [0, 1000], got " + std::to_string(seeds));
  m.budget.seeds = static_cast<int>(seeds);
  if (b.str("key") != budget_key(m.budget))
    b.fail("key", "\"" + b.str("key") + "\" does not match quick/seeds (\"" + budget_key(m.budget) + "\")");
  m.numerics = f.str("numerics");
  for (size_t i = 0; i < f.array("sections").size(); ++i) {
    const Fields sec = f.element("sections", i);
    m.sections.push_back({sec.str("title"), sec.strings("items")});
  }
  m.factors = f.strings("factors");
  for (size_t i = 0; i < m.factors.size(); ++i)
    if (!valid_factor_name(m.factors[i]))
      f.fail("factors[" + std::to_string(i) + "]", "\"" + m.factors[i] + "\" is not a factor name ([a-z0-9_]+)");
  for (size_t i = 0; i < f.array("claims").size(); ++i) {
    const Fields c = f.element("claims", i);
    m.claims.push_back({c.str("id"), c.str("statement"), c.str("source"), c.str("metric"), c.str("test")});
  }
  std::set<std::string> configs;
  for (size_t i = 0; i < f.array("configs").size(); ++i) {
    const Fields c = f.element("configs", i);
    PlannedConfig pc;
    pc.config = c.str("config");
    if (!configs.insert(pc.config).second) c.fail("config", "\"" + pc.config + "\" is listed twice");
    const Fields fac = c.sub("factors");
    for (const auto& name : m.factors)
      if (fac.has(name.c_str())) {
        const json& v = fac.any(name.c_str());
        if (!v.is_string() && !v.is_number() && !v.is_boolean())
          fac.fail(name, "a factor value must be a string, number or boolean, found " + excerpt(v));
        pc.factors.push_back({name, v});
      }
    if (pc.factors.size() != fac.value().size())
      for (const auto& [k, v] : fac.value().items())
        if (std::find(m.factors.begin(), m.factors.end(), k) == m.factors.end())
          fac.fail(k, "not one of the manifest's factors");
    pc.params = c.any("params");
    if (!pc.params.is_null() && !pc.params.is_object()) c.fail("params", "expected an object or null");
    std::set<int64_t> seeds_seen;
    for (size_t k = 0; k < c.array("runs").size(); ++k) {
      const Fields r = c.element("runs", k);
      PlannedRun pr{r.integer("seed"), r.str("address"), r.has("params") ? r.object("params") : json(nullptr)};
      if (!seeds_seen.insert(pr.seed).second) r.fail("seed", std::to_string(pr.seed) + " is listed twice");
      const json& params = pr.params.is_null() ? pc.params : pr.params;
      if (!params.is_object()) r.fail("params", "missing: neither the config nor the run has params");
      const std::string want = address_of_identity(m.numerics, m.suite, pc.config, pr.seed, params);
      if (pr.address != want)
        r.fail("address", pr.address + " is not the SHA-256 of the run's identity (" + want + "): edited or corrupt");
      pc.runs.push_back(std::move(pr));
    }
    m.configs.push_back(std::move(pc));
  }
  return m;
}

Manifest read_manifest(const fs::path& path) {
  return parse_manifest(read_json(path, "a suite manifest (lrbench.manifest/1)"), path.string());
}

std::vector<Manifest> load_manifests(const std::string& dir) {
  std::vector<Manifest> out;
  const fs::path folder = fs::path(dir) / kManifestsFolder;
  std::error_code ec;
  if (!fs::exists(folder, ec)) return out;
  if (!fs::is_directory(folder, ec))
    throw FormatError(folder.string(), "", ec ? "cannot be read (" + ec.message() + ")" : "is not a directory");
  std::vector<fs::path> files;
  fs::directory_iterator it(folder, ec), end;
  if (ec) throw FormatError(folder.string(), "", "cannot be listed (" + ec.message() + ")");
  for (; it != end; it.increment(ec)) {
    if (ec) throw FormatError(folder.string(), "", "cannot be listed (" + ec.message() + ")");
    const std::string name = it->path().filename().string();
    if (!name.empty() && name[0] != '.' && it->path().extension() == ".json") files.push_back(it->path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& p : files) {
    Manifest m = read_manifest(p);
    const std::string want = m.suite + "." + budget_key(m.budget) + ".json";
    if (p.filename().string() != want)
      throw FormatError(p.string(), "", "a manifest of suite " + m.suite + ", budget " + budget_key(m.budget) +
                                            " must be named " + want);
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace lrb::records
