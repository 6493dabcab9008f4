// perf-check's inputs: Google Benchmark files (through records/benchmarks)
// and run records, with the rules a comparison needs on top of the format.
#include <re2/re2.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tools/perfcheck/perfcheck.hpp"

namespace lrb::perfcheck {

namespace fs = std::filesystem;
// Ordered: a record's config object prints with its keys in file order.
using json = nlohmann::ordered_json;

// ---- names -------------------------------------------------------------------------------

NamePattern::NamePattern(const std::string& pattern) : text_(pattern) {
  RE2::Options opt;
  opt.set_log_errors(false);
  opt.set_max_mem(64 << 20);  // RE2's own bound on a compiled pattern's memory
  auto re = std::make_shared<re2::RE2>(pattern, opt);
  if (!re->ok()) throw PatternError(re->error());
  re_ = std::move(re);
}

bool NamePattern::search(std::string_view text) const {
  return RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), *re_);
}

const char* calib_name(Calib c) {
  switch (c) {
    case Calib::fma: return "fma";
    case Calib::triad: return "triad";
    case Calib::copy: return "copy";
    case Calib::none: break;
  }
  return "none";
}

const char* calib_benchmark(Calib c) {
  switch (c) {
    case Calib::fma: return "BM_calib_fma_peak";
    case Calib::triad: return "BM_calib_stream_triad";
    case Calib::copy: return "BM_calib_stream_copy";
    case Calib::none: break;
  }
  return "";
}

const char* calib_rate_counter(Calib c) { return c == Calib::fma ? "flops" : "bytes_per_second"; }

Calib calibration_kind(std::string_view name) {
  std::string_view base = name.substr(0, name.find('/'));
  if (const size_t ns = base.rfind("::"); ns != std::string_view::npos) base = base.substr(ns + 2);
  for (Calib c : {Calib::fma, Calib::triad, Calib::copy})
    if (base == calib_benchmark(c)) return c;
  return Calib::none;
}

bool is_calib_repetition(const records::BenchmarkRun& r, Calib c) {
  return r.type == records::RunType::iteration && !r.errored && calibration_kind(r.run_name) == c;
}

std::optional<double> calib_rate(const records::BenchmarkRun& r, Calib c) {
  const auto it = r.counters.find(calib_rate_counter(c));
  if (it == r.counters.end() || !(it->second > 0) || !std::isfinite(it->second)) return std::nullopt;
  return it->second;
}

std::vector<double> calib_rates(const records::BenchmarkFile& f, Calib c, size_t begin, size_t end) {
  std::vector<double> v;
  for (size_t i = begin; i < std::min(end, f.runs.size()); ++i)
    if (is_calib_repetition(f.runs[i], c))
      if (const auto rate = calib_rate(f.runs[i], c)) v.push_back(*rate);
  return v;
}

// ---- benchmark files -----------------------------------------------------------------------

std::string Side::paths() const {
  std::string out;
  for (size_t i = 0; i < files.size(); ++i) out += (i ? ", " : "") + files[i].path;
  return out;
}

Side side_from_files(const std::string& label, std::vector<records::BenchmarkFile> files) {
  Side s;
  s.label = label;
  for (const auto& f : files) {
    if (f.runs.empty()) throw InputError(f.path + ": \"benchmarks\" is empty");
    const bool any_repetition = std::any_of(f.runs.begin(), f.runs.end(), [](const auto& r) {
      return r.type == records::RunType::iteration;
    });
    if (!any_repetition)
      throw InputError(f.path + ": holds only aggregates (mean/median/stddev), no repetitions: the "
                                "rank test needs every repetition.  Rerun the benchmark with "
                                "--benchmark_repetitions=N (N >= 5) and without "
                                "--benchmark_report_aggregates_only");
  }
  s.files = std::move(files);
  for (const auto& f : s.files) {
    for (const auto& r : f.runs) {
      auto [it, fresh] = s.keys.try_emplace(r.run_name);
      if (fresh) s.order.push_back(r.run_name);
      KeyInfo& k = it->second;
      if (r.type == records::RunType::aggregate) {
        ++k.aggregates;
      } else if (r.errored) {
        ++k.errors;
        if (k.error_message.empty()) k.error_message = r.error_message;
      } else {
        ++k.repetitions;
        for (const auto& [name, value] : r.counters) k.counters.insert(name);
      }
    }
  }
  return s;
}

Side read_side(const std::string& label, const std::vector<std::string>& paths) {
  std::vector<records::BenchmarkFile> files;
  for (const auto& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec))
      throw InputError(p + ": is a directory, expected a Google Benchmark JSON file "
                           "(directories of run records need --convergence)");
    try {
      files.push_back(records::read_benchmark_file(p));
    } catch (const records::BenchmarkFileError& e) {
      throw InputError(e.what());
    }
  }
  return side_from_files(label, std::move(files));
}

std::optional<double> calibration_scale(const records::BenchmarkFile& f, Calib c) {
  std::vector<double> t, rate;
  for (const auto& r : f.runs) {
    if (!is_calib_repetition(r, c)) continue;
    t.push_back(r.real_ns);
    if (const auto v = calib_rate(r, c)) rate.push_back(*v);
  }
  if (t.empty()) return std::nullopt;
  if (rate.size() == t.size()) return 1.0 / stats::median(rate);
  const double m = stats::median(t);
  if (!(m > 0.0) || !std::isfinite(m))
    throw InputError(f.path + ": " + calib_benchmark(c) + " has a non-positive median time");
  return m;
}

std::vector<double> side_samples(const Side& s, const std::string& name, bool cpu_time, Calib norm) {
  std::vector<double> out;
  for (const auto& f : s.files) {
    std::optional<double> scale;
    for (const auto& r : f.runs) {
      if (r.run_name != name || r.type != records::RunType::iteration || r.errored) continue;
      const double v = cpu_time ? r.cpu_ns : r.real_ns;
      if (!(v > 0.0) || !std::isfinite(v))
        throw InputError(f.path + ": " + name + " has a repetition with " +
                         (cpu_time ? "cpu_time " : "real_time ") + format_num(v) +
                         " (times must be positive and finite)");
      if (norm != Calib::none) {
        if (!scale) {
          scale = calibration_scale(f, norm);
          if (!scale)
            throw InputError(f.path + ": has no " + calib_benchmark(norm) + " repetitions to "
                             "normalize " + name + " by (" + calib_name(norm) + " calibration); "
                             "run the executable without filtering the calibration benchmarks "
                             "out, map the benchmark to another kind with --calibration-for, or "
                             "use --normalize none");
        }
        out.push_back(v / *scale);
      } else {
        out.push_back(v);
      }
    }
  }
  return out;
}

// ---- run records ---------------------------------------------------------------------------

namespace {

json read_json(const std::string& path) {
  if (fs::is_directory(path))
    throw InputError(path + ": is a directory, expected a JSON file");
  std::ifstream f(path, std::ios::binary);
  if (!f) throw InputError(path + ": cannot open (" + std::strerror(errno) + ")");
  std::stringstream ss;
  ss << f.rdbuf();
  try {
    return json::parse(ss.str(), [](int depth, json::parse_event_t, json&) {
      if (depth > records::kMaxBenchmarkJsonDepth)
        throw std::length_error("nests deeper than " + std::to_string(records::kMaxBenchmarkJsonDepth) +
                                " levels");
      return true;
    });
  } catch (const json::out_of_range& e) {
    throw InputError(path + ": holds a number a double cannot (" + e.what() + ")");
  } catch (const json::exception& e) {
    throw InputError(path + ": not valid JSON (" + e.what() + ")");
  } catch (const std::length_error& e) {
    throw InputError(path + ": not a run record: it " + e.what());
  }
}

std::vector<std::string> record_files(const std::string& path) {
  std::vector<std::string> files;
  if (fs::is_directory(path)) {
    for (const auto& e : fs::directory_iterator(path))
      if (e.is_regular_file() && e.path().extension() == ".json") files.push_back(e.path().string());
    std::sort(files.begin(), files.end());
    if (files.empty()) throw InputError(path + ": holds no *.json run records");
  } else if (fs::exists(path)) {
    files.push_back(path);
  } else {
    throw InputError(path + ": no such file or directory");
  }
  return files;
}

}  // namespace

RunRecord read_run_record(const std::string& path) {
  const json j = read_json(path);
  if (!j.is_object()) throw InputError(path + ": expected a JSON object (one run record)");
  RunRecord r;
  r.file = path;
  auto need = [&](const char* key) -> const json& {
    if (!j.contains(key))
      throw InputError(path + ": run record has no \"" + key +
                       "\" (needs suite, config, seed, status, final)");
    return j[key];
  };
  const json& suite = need("suite");
  if (!suite.is_string() || suite.get<std::string>().empty())
    throw InputError(path + ": \"suite\" must be a non-empty string");
  r.suite = suite;
  const json& config = need("config");
  r.config = config.is_string() ? config.get<std::string>() : config.dump();
  const json& seed = need("seed");
  if (!seed.is_number_integer()) throw InputError(path + ": \"seed\" must be an integer");
  r.seed = seed.get<int64_t>();
  const json& status = need("status");
  if (!status.is_string()) throw InputError(path + ": \"status\" must be a string");
  r.status = status;
  if (j.contains("final") && !j["final"].is_null()) {
    if (!j["final"].is_object()) throw InputError(path + ": \"final\" must be an object");
    for (const auto& [k, v] : j["final"].items()) {
      if (v.is_null()) continue;
      if (!v.is_number())
        throw InputError(path + ": final." + k + " must be a number or null, got " + v.dump());
      const double x = v.get<double>();
      if (!std::isfinite(x)) throw InputError(path + ": final." + k + " is not finite");
      r.final_metrics[k] = x;
    }
  } else if (r.status == "ok") {
    throw InputError(path + ": a run with status \"ok\" needs a \"final\" object");
  }
  return r;
}

RecordSide read_records(const std::vector<std::string>& paths, const NamePattern* filter) {
  RecordSide s;
  for (const auto& p : paths) {
    for (const auto& f : record_files(p)) {
      RunRecord r = read_run_record(f);
      if (filter && !filter->search(r.suite + "/" + r.config)) continue;
      const GroupKey key{r.suite, r.config};
      auto [it, fresh] = s.groups.try_emplace(key);
      if (fresh) {
        s.order.push_back(key);
        it->second.suite = r.suite;
        it->second.config = r.config;
      }
      const auto dup = it->second.by_seed.find(r.seed);
      if (dup != it->second.by_seed.end())
        throw InputError(f + ": seed " + std::to_string(r.seed) + " of " + r.suite + " / " +
                         r.config + " is already in " + dup->second.file +
                         " (one record per seed)");
      it->second.by_seed.emplace(r.seed, std::move(r));
      ++s.records;
    }
  }
  return s;
}

}  // namespace lrb::perfcheck
