#include "records/results_dir.hpp"

#include <signal.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <set>

#include "datasets/sha256.hpp"
#include "records/json_file.hpp"
#include "records/run_record.hpp"
#include "records/seed_plan.hpp"

namespace lrb::records {
namespace fs = std::filesystem;

namespace {

std::string sha_of(const std::string& text) {
  return data::sha256_hex(
      std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

bool all_digits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

// The entries of `dir`, sorted by name; an unreadable directory is an error.
std::vector<fs::directory_entry> entries(const fs::path& dir, std::vector<FormatError>& errors) {
  std::vector<fs::directory_entry> out;
  std::error_code ec;
  fs::directory_iterator it(dir, ec), end;
  if (ec) {
    errors.emplace_back(dir.string(), "", "cannot be listed (" + ec.message() + ")");
    return out;
  }
  for (; it != end; it.increment(ec)) {
    if (ec) {
      errors.emplace_back(dir.string(), "", "cannot be listed (" + ec.message() + ")");
      break;
    }
    out.push_back(*it);
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.path() < b.path(); });
  return out;
}

// Suites named by DIR/manifests/<suite>.<budget>.json files.
std::set<std::string> manifest_suites(const fs::path& dir) {
  std::set<std::string> out;
  std::vector<FormatError> ignored;  // an unreadable manifests folder is reported by whoever reads manifests
  for (const auto& e : entries(dir / kManifestsFolder, ignored)) {
    const std::string name = e.path().filename().string();
    const auto dot = name.find('.');
    if (dot != std::string::npos && name[0] != '.' && valid_suite_id(name.substr(0, dot))) out.insert(name.substr(0, dot));
  }
  return out;
}

}  // namespace

bool valid_suite_id(const std::string& s) {
  if (s.empty() || s.size() > 64 || !std::isalnum(static_cast<unsigned char>(s[0]))) return false;
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isalnum(c) || c == '_' || c == '-'; });
}

std::string record_path(const std::string& dir, const RunSpec& run) {
  return (fs::path(dir) / run.suite / (run_address(run) + ".json")).string();
}

LoadedResults load_results(const std::string& dir) {
  LoadedResults out;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    out.errors.emplace_back(dir, "", "not a directory (expected a results directory DIR/<suite>/<address>.json)");
    return out;
  }
  const std::set<std::string> named = manifest_suites(dir);
  std::vector<fs::path> files;
  for (const auto& sd : entries(dir, out.errors)) {
    // Run records live in DIR/<suite id>/; other folders (lr-find, manifests,
    // verdicts, or another tool's) are not run records.
    const std::string sub = sd.path().filename().string();
    if (!all_digits(sub) && !named.count(sub)) continue;
    if (!sd.is_directory(ec)) {
      if (ec) out.errors.emplace_back(sd.path().string(), "", "cannot be read (" + ec.message() + ")");
      continue;
    }
    for (const auto& f : entries(sd.path(), out.errors)) {
      const auto name = f.path().filename().string();
      if (name.empty() || name[0] == '.' || f.path().extension() != ".json") continue;
      if (!f.is_regular_file(ec)) {
        out.errors.emplace_back(f.path().string(), "",
                                ec ? "cannot be read (" + ec.message() + ")" : std::string("is not a regular file"));
        continue;
      }
      files.push_back(f.path());
    }
  }
  for (const auto& p : files) {
    std::string text;
    json r;
    try {
      text = read_text(p);
      r = parse_json(text, p.string(), "a run record (lrbench.run/1); delete it and rerun `lrbench run` to recompute it");
    } catch (const FormatError& e) {
      out.errors.push_back(e);
      continue;
    }
    const std::string stem = p.stem().string();
    if (auto why = check_run_record(r, p.string(), stem)) {
      out.errors.push_back(*why);
      continue;
    }
    if (r["suite"].get<std::string>() != p.parent_path().filename().string()) {
      out.errors.emplace_back(p.string(), "suite", r["suite"].dump() + " in the folder of another suite");
      continue;
    }
    out.path_of[stem] = p.string();
    out.sha256_of[stem] = sha_of(text);
    out.by_address[stem] = std::move(r);
  }
  return out;
}

const json* ResultSet::find(const std::string& config, int64_t seed) const {
  if (reads) reads->insert(config);
  const auto c = by_config.find(config);
  if (c == by_config.end()) return nullptr;
  const auto s = c->second.find(seed);
  return s == c->second.end() ? nullptr : &s->second;
}

std::map<std::string, ResultSet> select(const LoadedResults& loaded, const std::vector<RunSpec>& plan) {
  std::map<std::string, ResultSet> out;
  for (const auto& run : plan) {
    const auto it = loaded.by_address.find(run_address(run));
    if (it != loaded.by_address.end()) out[run.suite].by_config[run.config][run.seed] = it->second;
  }
  return out;
}

std::vector<SuiteStatus> status(const LoadedResults& loaded, const std::vector<RunSpec>& plan) {
  std::map<std::string, SuiteStatus> by;
  std::set<std::string> planned;
  for (const auto& run : plan) {
    auto& s = by[run.suite];
    s.suite = run.suite;
    ++s.expected;
    const auto a = run_address(run);
    planned.insert(a);
    const auto it = loaded.by_address.find(a);
    if (it == loaded.by_address.end()) ++s.missing;
    else if (it->second["status"] == "diverged") ++s.diverged;
    else ++s.ok;
  }
  for (const auto& [a, r] : loaded.by_address)
    if (!planned.count(a)) {
      auto& s = by[r["suite"].get<std::string>()];
      s.suite = r["suite"].get<std::string>();
      ++s.other;
    }
  std::vector<SuiteStatus> out;
  for (auto& [k, v] : by) out.push_back(v);
  return out;
}

std::string records_digest(const LoadedResults& loaded, std::vector<std::string> addresses) {
  std::sort(addresses.begin(), addresses.end());
  addresses.erase(std::unique(addresses.begin(), addresses.end()), addresses.end());
  std::string lines;
  for (const auto& a : addresses)
    if (const auto it = loaded.sha256_of.find(a); it != loaded.sha256_of.end()) lines += a + " " + it->second + "\n";
  return sha_of(lines);
}

namespace {

// DIR/<folder>/*.json by file name, with their bytes.
std::map<std::string, std::pair<std::string, std::string>> folder_files(const fs::path& dir, const char* folder) {
  std::map<std::string, std::pair<std::string, std::string>> out;  // name -> (path, bytes)
  std::error_code ec;
  if (!fs::is_directory(dir / folder, ec)) return out;
  std::vector<FormatError> errors;
  for (const auto& e : entries(dir / folder, errors)) {
    const std::string name = e.path().filename().string();
    if (name.empty() || name[0] == '.' || e.path().extension() != ".json") continue;
    out[name] = {e.path().string(), read_text(e.path())};
  }
  if (!errors.empty()) throw errors.front();
  return out;
}

}  // namespace

int64_t merge(const std::vector<std::string>& inputs, const std::string& out) {
  std::map<std::string, std::pair<std::string, json>> chosen;  // address -> (file, record)
  auto add = [&](const LoadedResults& l, bool existing) {
    for (const auto& [a, r] : l.by_address) {
      const auto it = chosen.find(a);
      if (it == chosen.end()) {
        chosen.emplace(a, std::make_pair(existing ? std::string() : l.path_of.at(a), r));
        continue;
      }
      if (strip_volatile(it->second.second) != strip_volatile(r))
        throw FormatError(l.path_of.at(a), "",
                          "has the same address as " +
                              (it->second.first.empty() ? std::string("the record already in ") + out
                                                        : it->second.first) +
                              " but different results (nondeterminism, or different numerics under one numerics "
                              "version); nothing was merged");
    }
  };
  // Manifests and seed plans (both plans: every shard holds the same bytes).
  // folder/name -> (path, bytes); path "" = in out
  std::map<std::string, std::pair<std::string, std::string>> manifests;
  auto add_manifests = [&](const std::string& dir, bool existing) {
    for (const char* folder : {kManifestsFolder, kSeedPlansFolder})
      for (const auto& [file, pb] : folder_files(dir, folder)) {
        const std::string name = std::string(folder) + "/" + file;
        const auto it = manifests.find(name);
        if (it == manifests.end()) {
          manifests.emplace(name, std::make_pair(existing ? std::string() : pb.first, pb.second));
        } else if (it->second.second != pb.second) {
          throw FormatError(pb.first, "",
                            "differs from " + (it->second.first.empty() ? out + "/" + name : it->second.first) +
                                ": the inputs were planned by different lrbench versions or options; nothing was "
                                "merged");
        }
      }
  };
  std::error_code ec;
  if (fs::exists(out, ec)) {
    auto l = load_results(out);
    if (!l.errors.empty()) throw l.errors.front();
    add(l, true);
    add_manifests(out, true);
  }
  for (const auto& in : inputs) {
    auto l = load_results(in);
    if (!l.errors.empty()) throw l.errors.front();
    add(l, false);
    add_manifests(in, false);
  }
  for (const auto& [name, pb] : manifests)
    if (!pb.first.empty()) write_atomic(fs::path(out) / name, pb.second);
  int64_t written = 0;
  for (const auto& [a, fr] : chosen) {
    if (fr.first.empty()) continue;  // already in out
    const fs::path dst = fs::path(out) / fr.second["suite"].get<std::string>() / (a + ".json");
    write_atomic(dst, read_text(fr.first));
    ++written;
  }
  return written;
}

void remove_stale_temp_files(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return;
  std::vector<FormatError> ignored;
  for (const auto& sd : entries(dir, ignored)) {
    if (!sd.is_directory(ec)) continue;
    for (const auto& f : entries(sd.path(), ignored)) {
      const std::string name = f.path().filename().string();
      const auto at = name.rfind(".tmp.");
      if (name.empty() || name[0] != '.' || at == std::string::npos) continue;
      const long pid = std::strtol(name.c_str() + at + 5, nullptr, 10);
      if (pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) fs::remove(f.path(), ec);
    }
  }
}

}  // namespace lrb::records
