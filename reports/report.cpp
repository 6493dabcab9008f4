// Loading the report's inputs: records (suites::load_results), the budget
// each suite's records match, claims, lr-find and bench files, provenance.
#include "reports/report.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "datasets/sha256.hpp"

namespace lrb::reports {
namespace fs = std::filesystem;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ReportDataError(path + ": cannot be read (" + std::strerror(errno) + ")");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string files_sha256(const std::vector<std::string>& paths) {
  data::Sha256 h;
  for (const auto& p : paths) {
    const std::string bytes = read_file(p);
    h.update(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
  }
  return h.hex_digest();
}

namespace {

int count_matches(const suites::LoadedResults& loaded, const std::vector<suites::RunSpec>& plan) {
  int n = 0;
  for (const auto& r : plan) n += loaded.by_address.count(suites::run_address(r)) > 0;
  return n;
}

// The budget whose plan the suite's records match best (see report.hpp).
void choose_budget(SuiteReport& s, const suites::LoadedResults& loaded, const ReportOptions& o) {
  int64_t max_seed = -1;
  int records = 0;
  for (const auto& [addr, rec] : loaded.by_address)
    if (rec.value("suite", "") == s.id) {
      ++records;
      max_seed = std::max<int64_t>(max_seed, rec.value("seed", int64_t{0}));
    }
  const int seeds = o.seeds > 0 ? o.seeds : (max_seed >= 0 ? static_cast<int>(std::min<int64_t>(max_seed + 1, 1000)) : 0);
  const std::string seeds_why = o.seeds > 0       ? fmt::format("{} seeds (--seeds)", seeds)
                                : max_seed >= 0 ? fmt::format("{} seeds (1 + the largest seed found)", seeds)
                                                : "the default seeds";
  if (o.quick) {
    s.budget = {.quick = *o.quick, .seeds = seeds};
    s.plan = suites::plan_runs({s.id}, s.budget);
    s.budget_note = fmt::format("{} budget ({}), {}", *o.quick ? "quick" : "full",
                                *o.quick ? "--quick" : "forced", seeds_why);
    return;
  }
  const suites::Budget full{.quick = false, .seeds = seeds}, quick{.quick = true, .seeds = seeds};
  auto pf = suites::plan_runs({s.id}, full), pq = suites::plan_runs({s.id}, quick);
  const int mf = count_matches(loaded, pf), mq = count_matches(loaded, pq);
  const bool use_quick = mq > mf || (mq == mf && pq.size() < pf.size());
  s.budget = use_quick ? quick : full;
  s.plan = use_quick ? std::move(pq) : std::move(pf);
  s.budget_note = records == 0
                      ? fmt::format("no records: showing the {} budget's plan", use_quick ? "quick" : "full")
                      : fmt::format("{} budget, inferred: {} of the {} records match its plan ({} match the "
                                    "{} plan); {}; pass --quick / --seeds to force",
                                    use_quick ? "quick" : "full", use_quick ? mq : mf, records,
                                    use_quick ? mf : mq, use_quick ? "full" : "quick", seeds_why);
}

void fill_records(SuiteReport& s, const suites::LoadedResults& loaded) {
  for (const auto& run : s.plan) {
    if (std::find(s.config_order.begin(), s.config_order.end(), run.config) == s.config_order.end())
      s.config_order.push_back(run.config);
    const auto addr = suites::run_address(run);
    const auto it = loaded.by_address.find(addr);
    if (it == loaded.by_address.end()) continue;
    s.by_config[run.config].push_back({&it->second, loaded.path_of.at(addr)});
  }
  for (auto& [config, refs] : s.by_config)
    std::sort(refs.begin(), refs.end(), [](const RecordRef& a, const RecordRef& b) {
      return a.record->value("seed", int64_t{0}) < b.record->value("seed", int64_t{0});
    });
}

// *.json files of `dir` (recursively when `recursive`), sorted by path.
std::vector<fs::path> json_files(const fs::path& dir, bool recursive) {
  std::vector<fs::path> out;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return out;
  auto take = [&](const fs::directory_entry& e) {
    const auto name = e.path().filename().string();
    if (e.is_regular_file() && !name.empty() && name[0] != '.' && e.path().extension() == ".json")
      out.push_back(e.path());
  };
  if (recursive)
    for (const auto& e : fs::recursive_directory_iterator(dir)) take(e);
  else
    for (const auto& e : fs::directory_iterator(dir)) take(e);
  std::sort(out.begin(), out.end());
  return out;
}

json parse_json_file(const fs::path& p, const char* what) {
  try {
    return json::parse(read_file(p.string()));
  } catch (const json::exception& e) {
    throw ReportDataError(p.string() + ": not valid JSON (" + e.what() + "); expected " + what);
  }
}

bool numeric_array(const json& j) {
  if (!j.is_array()) return false;
  for (const auto& v : j)
    if (!v.is_number() && !v.is_null()) return false;
  return true;
}

std::vector<JsonFile> load_lr_find(const std::string& results_dir) {
  std::vector<JsonFile> out;
  for (const auto& p : json_files(fs::path(results_dir) / "lr-find", false)) {
    json j = parse_json_file(p, "an LR range test from `lrbench lr-find`");
    std::string why;
    if (!j.is_object()) why = "not a JSON object";
    else if (!numeric_array(j.value("lr", json())) || !numeric_array(j.value("loss", json())))
      why = "\"lr\" and \"loss\" must be arrays of numbers";
    else if (j["lr"].size() != j["loss"].size())
      why = fmt::format("\"lr\" has {} values but \"loss\" has {}", j["lr"].size(), j["loss"].size());
    else if (j.contains("smoothed") && (!numeric_array(j["smoothed"]) || j["smoothed"].size() != j["lr"].size()))
      why = "\"smoothed\" must be an array of numbers as long as \"lr\"";
    if (!why.empty())
      throw ReportDataError(p.string() + ": " + why +
                            " (expected {\"lr\":[...], \"loss\":[...], \"smoothed\":[...], \"suggested_lr\": x, "
                            "\"rule\": \"...\"}); rerun `lrbench lr-find` to rewrite it");
    out.push_back({p.stem().string(), p.string(), std::move(j)});
  }
  return out;
}

std::vector<JsonFile> load_bench(const std::string& bench_dir) {
  std::vector<JsonFile> out;
  if (bench_dir.empty()) return out;
  std::error_code ec;
  if (!fs::is_directory(bench_dir, ec))
    throw ReportDataError(bench_dir + ": not a directory (--bench expects the folder `make bench` writes, "
                          "results/bench)");
  for (const auto& p : json_files(bench_dir, true)) {
    json j = parse_json_file(p, "Google Benchmark JSON (--benchmark_out_format=json)");
    if (!j.is_object() || !j.contains("benchmarks")) continue;  // another tool's JSON: not ours to judge
    if (!j["benchmarks"].is_array())
      throw ReportDataError(p.string() + ": \"benchmarks\" is not an array (expected Google Benchmark JSON)");
    const auto rel = fs::relative(p, bench_dir).replace_extension("").string();
    out.push_back({rel, p.string(), std::move(j)});
  }
  return out;
}

void collect_sha(const json& j, const std::string& where, std::set<std::pair<std::string, std::string>>& out) {
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      const std::string k = it.key();
      if (it->is_string() && k.find("sha256") != std::string::npos) {
        std::string what = where;
        if (j.contains("path") && j["path"].is_string()) what += " " + j["path"].get<std::string>();
        else if (j.contains("file") && j["file"].is_string()) what += " " + j["file"].get<std::string>();
        else if (j.contains("name") && j["name"].is_string()) what += " " + j["name"].get<std::string>();
        if (k != "sha256") what += " (" + k + ")";
        out.insert({what, it->get<std::string>()});
      } else {
        collect_sha(*it, where.empty() ? k : where + "." + k, out);
      }
    }
  } else if (j.is_array()) {
    for (size_t i = 0; i < j.size(); ++i) collect_sha(j[i], where + "[" + std::to_string(i) + "]", out);
  }
}

std::string scalar_text(const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

}  // namespace

json summarize_provenance(const Report& r) {
  std::set<std::string> commits, compilers, flags, cpus, threads, versions, hosts;
  std::map<std::string, std::set<std::string>> libs;
  std::set<std::pair<std::string, std::string>> sha;
  std::string first, last;
  int n = 0;
  for (const auto& s : r.suites)
    for (const auto& [config, refs] : s.by_config)
      for (const auto& ref : refs) {
        const json& rec = *ref.record;
        if (!rec.contains("provenance") || !rec["provenance"].is_object()) continue;
        const json& p = rec["provenance"];
        ++n;
        auto put = [&](std::set<std::string>& set, const char* key) {
          if (p.contains(key) && !p[key].is_null()) set.insert(scalar_text(p[key]));
        };
        put(commits, "commit");
        put(compilers, "compiler");
        put(flags, "cxx_flags");
        put(cpus, "cpu");
        put(versions, "lrbench_version");
        put(hosts, "host");
        if (p.contains("threads"))
          threads.insert(scalar_text(p["threads"]) + (p.contains("logical_cores")
                                                          ? " of " + scalar_text(p["logical_cores"]) + " logical cores"
                                                          : ""));
        if (p.contains("libraries") && p["libraries"].is_object())
          for (auto it = p["libraries"].begin(); it != p["libraries"].end(); ++it)
            libs[it.key()].insert(scalar_text(*it));
        if (p.contains("date_utc") && p["date_utc"].is_string()) {
          const auto d = p["date_utc"].get<std::string>();
          if (first.empty() || d < first) first = d;
          if (last.empty() || d > last) last = d;
        }
        if (p.contains("dataset")) collect_sha(p["dataset"], s.id + " " + rec.value("config", ""), sha);
        if (rec.contains("dataset")) collect_sha(rec["dataset"], s.id + " " + rec.value("config", ""), sha);
      }
  // Datasets: one row per distinct hash (the first place it was seen).
  json datasets = json::array();
  std::set<std::string> seen;
  for (const auto& [what, h] : sha)
    if (seen.insert(h).second) datasets.push_back({{"what", what}, {"sha256", h}});
  json lib = json::object();
  for (const auto& [k, v] : libs) lib[k] = v;
  return {{"records", n},          {"commits", commits},   {"compilers", compilers}, {"cxx_flags", flags},
          {"cpus", cpus},          {"threads", threads},   {"hosts", hosts},         {"lrbench_versions", versions},
          {"libraries", lib},      {"date_first", first},  {"date_last", last},      {"datasets", datasets}};
}

Report load_report(const ReportOptions& o) {
  Report r;
  r.results_dir = o.results_dir;
  r.bench_dir = o.bench_dir;
  std::error_code ec;
  if (!fs::is_directory(o.results_dir, ec))
    throw ReportDataError(o.results_dir + ": not a directory (expected a results directory DIR/<suite>/<address>.json "
                          "written by `lrbench run`)");
  r.loaded = suites::load_results(o.results_dir);
  const auto& errors = r.loaded.errors;  // DIR/lr-find/ is not read as run records: checked below
  if (!errors.empty()) {
    std::string msg = "corrupt results file" + std::string(errors.size() > 1 ? "s" : "") + ":";
    for (const auto& e : errors) msg += "\n  " + e;
    throw ReportDataError(msg);
  }
  for (const auto& suite : suites::registry()) {
    SuiteReport s;
    s.id = suite.id;
    s.title = suite.title;
    s.suite = &suite;
    choose_budget(s, r.loaded, o);
    fill_records(s, r.loaded);
    const auto st = suites::status(r.loaded, s.plan);
    for (const auto& x : st)
      if (x.suite == s.id) {
        s.expected = x.expected;
        s.ok = x.ok;
        s.diverged = x.diverged;
        s.missing = x.missing;
        s.other = x.other;
      }
    if (st.empty() || s.expected == 0) {
      s.expected = static_cast<int>(s.plan.size());
      int other = 0;
      for (const auto& [a, rec] : r.loaded.by_address) other += rec.value("suite", "") == s.id;
      s.other = other;
    }
    s.claims = suites::evaluate_claims(r.loaded, s.plan, {s.id});
    r.suites.push_back(std::move(s));
  }
  r.lr_find = load_lr_find(o.results_dir);
  // Range tests that are suite runs (curves.lr_range, e.g. suite 001's
  // lr_find/<opt>): the lowest seed of each config, in the same shape.
  for (const auto& s : r.suites)
    for (const auto& config : s.config_order) {
      const auto it = s.by_config.find(config);
      if (it == s.by_config.end() || it->second.empty()) continue;
      const json& rec = *it->second.front().record;
      const json* c = rec.contains("curves") ? &rec["curves"] : nullptr;
      if (!c || !c->is_object() || !c->contains("lr_range") || !rec.contains("final")) continue;
      json j = (*c)["lr_range"];
      for (const char* k : {"suggested_lr", "min_loss_lr", "min_over_ten_lr", "rule"})
        if (rec["final"].contains(k)) j[k] = rec["final"][k];
      r.lr_find.push_back({s.id + " " + config + " seed " + std::to_string(rec.value("seed", 0)),
                           it->second.front().path, std::move(j)});
    }
  r.bench = load_bench(o.bench_dir);
  r.provenance = summarize_provenance(r);
  return r;
}

std::vector<std::string> gaps(const Report& r) {
  std::vector<std::string> out;
  for (const auto& s : r.suites) {
    if (s.plan.empty()) {
      out.push_back(s.id + ": no runs planned yet (the suite declares none)");
      continue;
    }
    if (s.missing > 0)
      out.push_back(fmt::format("{}: {} of {} runs missing", s.id, s.missing, s.expected));
    if (s.other > 0)
      out.push_back(fmt::format("{}: {} record{} outside the {} plan (another budget or numerics version) not shown",
                                s.id, s.other, s.other > 1 ? "s" : "", s.budget.quick ? "quick" : "full"));
  }
  if (r.lr_find.empty()) out.push_back("lr-find: no LR range test in " + r.results_dir + "/lr-find (run `lrbench lr-find`)");
  if (r.bench.empty())
    out.push_back(r.bench_dir.empty() ? "bench: no --bench directory given (run `make bench`, then pass "
                                        "--bench results/bench)"
                                      : "bench: no Google Benchmark JSON in " + r.bench_dir);
  return out;
}

}  // namespace lrb::reports
