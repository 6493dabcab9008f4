// Loading the report's inputs through records/: manifests, records, verdicts,
// lr-find and bench files, and the provenance summary.
#include "reports/report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "datasets/sha256.hpp"
#include "records/json_file.hpp"
#include "records/train_records.hpp"

namespace lrb::reports {
namespace fs = std::filesystem;

namespace {

std::string sha_of(const std::string& bytes) {
  return data::sha256_hex(
      std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
}

std::vector<std::string> addresses(const records::Manifest& m) {
  std::vector<std::string> out;
  for (const auto& c : m.configs)
    for (const auto& r : c.runs) out.push_back(r.address);
  return out;
}

int count_matches(const records::LoadedResults& loaded, const records::Manifest& m) {
  int n = 0;
  for (const auto& a : addresses(m)) n += loaded.by_address.count(a) > 0;
  return n;
}

bool wanted(const records::Manifest& m, const ReportOptions& o) {
  if (o.quick && m.budget.quick != *o.quick) return false;
  if (o.seeds > 0 && m.budget.seeds != o.seeds && !(m.budget.seeds == 0 && static_cast<int>(m.max_seeds()) == o.seeds))
    return false;
  return true;
}

std::string budget_words(const records::Manifest& m) {
  return fmt::format("{} budget{}", m.budget.quick ? "quick" : "full",
                     m.budget.seeds > 0 ? fmt::format(" with {} seeds", m.budget.seeds) : std::string());
}

// The manifest the suite's records match best among `candidates` (see report.hpp).
const records::Manifest* choose(const std::vector<const records::Manifest*>& candidates,
                                const records::LoadedResults& loaded) {
  const records::Manifest* best = nullptr;
  int best_n = -1;
  for (const auto* m : candidates) {
    const int n = count_matches(loaded, *m);
    if (n > best_n || (n == best_n && m->run_count() < best->run_count())) {
      best = m;
      best_n = n;
    }
  }
  return best;
}

void fill_records(SuiteReport& s, const records::LoadedResults& loaded) {
  for (const auto& c : s.manifest.configs) {
    s.config_order.push_back(c.config);
    s.factors[c.config] = c.factors;
    for (const auto& run : c.runs) {
      ++s.expected;
      const auto it = loaded.by_address.find(run.address);
      if (it == loaded.by_address.end()) {
        ++s.missing;
        continue;
      }
      (it->second.value("status", "") == "diverged" ? s.diverged : s.ok)++;
      s.by_config[c.config].push_back({&it->second, loaded.path_of.at(run.address)});
    }
  }
  for (auto& [config, refs] : s.by_config)
    std::sort(refs.begin(), refs.end(), [](const RecordRef& a, const RecordRef& b) {
      return a.record->value("seed", int64_t{0}) < b.record->value("seed", int64_t{0});
    });
  const auto planned = addresses(s.manifest);
  const std::set<std::string> mine(planned.begin(), planned.end());
  for (const auto& [a, rec] : loaded.by_address)
    s.other += rec.value("suite", "") == s.id && !mine.count(a);
}

// The suite's verdicts, and whether they belong to this plan and these records.
void fill_claims(SuiteReport& s, const records::LoadedResults& loaded, const std::string& dir) {
  const fs::path p = records::verdicts_path(dir, s.id, s.manifest.budget);
  std::error_code ec;
  const std::string rerun = fmt::format("run `lrbench claims {}{}{}`", dir, s.manifest.budget.quick ? " --quick" : "",
                                        s.manifest.budget.seeds ? fmt::format(" --seeds {}", s.manifest.budget.seeds)
                                                                : std::string());
  if (!fs::exists(p, ec)) {
    s.claims_note = "claims not evaluated (no " + p.string() + "): " + rerun;
    return;
  }
  const records::SuiteVerdicts v = records::read_verdicts(p);
  if (v.suite != s.id) throw records::FormatError(p.string(), "suite", "\"" + v.suite + "\" in the file of suite " + s.id);
  s.claims = v.claims;
  if (v.manifest_sha256 != sha_of(records::read_text(s.manifest.path)))
    s.claims_note = "verdicts are stale: checked against another plan than " + s.manifest.path + "; " + rerun;
  else if (v.records_digest != records::records_digest(loaded, addresses(s.manifest)))
    s.claims_note = fmt::format("verdicts are stale: computed from {} records, {} of the plan are present now; {}",
                                v.present, s.ok + s.diverged, rerun);
}

std::vector<JsonFile> load_bench(const std::string& bench_dir) {
  std::vector<JsonFile> out;
  if (bench_dir.empty()) return out;
  std::error_code ec;
  if (!fs::is_directory(bench_dir, ec))
    throw records::FormatError(bench_dir, "",
                               "not a directory (--bench expects the folder `make bench` writes, results/bench)");
  std::vector<fs::path> files;
  for (auto it = fs::recursive_directory_iterator(bench_dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    const auto name = it->path().filename().string();
    if (!name.empty() && name[0] != '.' && it->path().extension() == ".json" && it->is_regular_file(ec))
      files.push_back(it->path());
  }
  if (ec) throw records::FormatError(bench_dir, "", "cannot be listed (" + ec.message() + ")");
  std::sort(files.begin(), files.end());
  for (const auto& p : files) {
    json j = records::read_json(p, "Google Benchmark JSON (--benchmark_out_format=json)");
    if (!j.is_object() || !j.contains("benchmarks")) continue;  // another tool's JSON: not ours to judge
    if (!j["benchmarks"].is_array())
      throw records::FormatError(p.string(), "benchmarks", "is not an array (expected Google Benchmark JSON)");
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

std::string files_sha256(const std::vector<std::string>& paths) {
  data::Sha256 h;
  for (const auto& p : paths) {
    const std::string bytes = records::read_text(p);
    h.update(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
  }
  return h.hex_digest();
}

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
    throw records::FormatError(o.results_dir, "",
                               "not a directory (expected a results directory of `lrbench run`: "
                               "DIR/manifests/, DIR/<suite>/<address>.json)");
  r.loaded = records::load_results(o.results_dir);
  if (!r.loaded.errors.empty()) throw r.loaded.errors.front();  // DIR/lr-find/ is checked below
  const auto manifests = records::load_manifests(o.results_dir);

  std::set<std::string> ids;
  for (const auto& m : manifests) ids.insert(m.suite);
  std::map<std::string, int> records_of;
  for (const auto& [a, rec] : r.loaded.by_address) ++records_of[rec.value("suite", "")];
  for (const auto& [id, n] : records_of) ids.insert(id);

  for (const auto& id : ids) {
    std::vector<const records::Manifest*> all, candidates;
    for (const auto& m : manifests)
      if (m.suite == id) {
        all.push_back(&m);
        if (wanted(m, o)) candidates.push_back(&m);
      }
    const int n_records = records_of.count(id) ? records_of[id] : 0;
    if (candidates.empty()) {
      r.unplanned.push_back(
          all.empty() ? fmt::format("{}: {} record{} but no manifest in {}/{} (`lrbench run` and `lrbench claims` "
                                    "write it): not shown",
                                    id, n_records, n_records == 1 ? "" : "s", o.results_dir, records::kManifestsFolder)
                      : fmt::format("{}: no manifest of the requested budget ({} found): not shown", id, all.size()));
      continue;
    }
    const records::Manifest* m = choose(candidates, r.loaded);
    SuiteReport s;
    s.id = id;
    s.title = m->title;
    s.manifest = *m;
    fill_records(s, r.loaded);
    std::string others;
    for (const auto* c : candidates)
      if (c != m) others += fmt::format("; the {} matches {}", budget_words(*c), count_matches(r.loaded, *c));
    s.budget_note = fmt::format("{} ({}): {} of the {} records of suite {} match its plan{}{}", budget_words(*m),
                                m->path, s.ok + s.diverged, n_records, id, others,
                                o.quick || o.seeds ? " (chosen by --quick/--full/--seeds)" : "");
    fill_claims(s, r.loaded, o.results_dir);
    r.suites.push_back(std::move(s));
  }
  for (const auto& [path, j] : records::load_lr_find(o.results_dir))
    r.lr_find.push_back({fs::path(path).stem().string(), path, j});
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
  if (r.suites.empty() && r.unplanned.empty())
    out.push_back("no suite: " + r.results_dir + " holds no manifest and no run record (run `lrbench run --results " +
                  r.results_dir + "`)");
  for (const auto& s : r.suites) {
    if (s.expected == 0) {
      out.push_back(s.id + ": no runs planned (the manifest lists none)");
      continue;
    }
    if (s.missing > 0) out.push_back(fmt::format("{}: {} of {} runs missing", s.id, s.missing, s.expected));
    if (s.other > 0)
      out.push_back(fmt::format("{}: {} record{} outside the {} plan (another budget or numerics version) not shown",
                                s.id, s.other, s.other > 1 ? "s" : "", budget_words(s.manifest)));
    if (!s.claims_note.empty()) out.push_back(s.id + ": " + s.claims_note);
  }
  for (const auto& u : r.unplanned) out.push_back(u);
  if (r.lr_find.empty())
    out.push_back("lr-find: no LR range test in " + r.results_dir + "/lr-find (run `lrbench lr-find`)");
  if (r.bench.empty())
    out.push_back(r.bench_dir.empty() ? "bench: no --bench directory given (run `make bench`, then pass "
                                        "--bench results/bench)"
                                      : "bench: no Google Benchmark JSON in " + r.bench_dir);
  return out;
}

int claim_errors(const Report& r) {
  int n = 0;
  for (const auto& s : r.suites)
    for (const auto& c : s.claims) n += c.verdict == "error";
  return n;
}

}  // namespace lrb::reports
