#include "records/benchmarks.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace lrb::records {

using nlohmann::json;

BenchmarkFileError::BenchmarkFileError(std::string file_, std::string field_,
                                       const std::string& message)
    : FormatError(file_, "", message), file(std::move(file_)), field(std::move(field_)) {}

namespace {

// Fields Google Benchmark (1.5 - 1.8) writes that are not user counters.
constexpr std::array<std::string_view, 24> kStandardFields = {
    "name", "family_index", "per_family_instance_index", "run_name", "run_type",
    "repetitions", "repetition_index", "threads", "iterations", "real_time", "cpu_time",
    "time_unit", "aggregate_name", "aggregate_unit", "error_occurred", "error_message",
    "skipped", "skip_message", "label", "big_o", "rms", "cpu_coefficient",
    "real_coefficient", "complexity_n"};

// One object's fields, each checked for its type; errors name the field.
class Fields {
 public:
  Fields(const json& object, const std::string& path, std::string where, std::string field_prefix)
      : j_(object), path_(path), where_(std::move(where)), prefix_(std::move(field_prefix)) {}

  [[noreturn]] void fail(const std::string& key, const std::string& message) const {
    throw BenchmarkFileError(path_, prefix_ + key, where_ + ": " + message);
  }
  const json* find(const char* key) const {
    const auto it = j_.find(key);
    return it == j_.end() ? nullptr : &*it;
  }
  std::optional<std::string> text(const char* key) const {
    const json* v = find(key);
    if (!v) return std::nullopt;
    if (!v->is_string()) fail(key, "\"" + std::string(key) + "\" is not a string");
    return v->get<std::string>();
  }
  std::optional<double> number(const char* key) const {
    const json* v = find(key);
    if (!v) return std::nullopt;
    if (!v->is_number()) fail(key, "\"" + std::string(key) + "\" is not a number");
    return v->get<double>();
  }
  std::optional<int64_t> integer(const char* key) const {
    const json* v = find(key);
    if (!v) return std::nullopt;
    if (!v->is_number_integer() ||
        (v->is_number_unsigned() && v->get<uint64_t>() > uint64_t(INT64_MAX)))
      fail(key, "\"" + std::string(key) + "\" is not a whole number");
    return v->get<int64_t>();
  }
  std::optional<bool> boolean(const char* key) const {
    const json* v = find(key);
    if (!v) return std::nullopt;
    if (!v->is_boolean()) fail(key, "\"" + std::string(key) + "\" is not true or false");
    return v->get<bool>();
  }

 private:
  const json& j_;
  const std::string& path_;
  std::string where_, prefix_;
};

BenchmarkContext read_context(const json& root, const std::string& path) {
  BenchmarkContext c;
  const auto it = root.find("context");
  if (it == root.end()) return c;
  if (!it->is_object())
    throw BenchmarkFileError(path, "context", "\"context\" is not an object");
  const Fields f(*it, path, "context", "context.");
  c.raw = *it;
  c.date = f.text("date").value_or("");
  c.host_name = f.text("host_name").value_or("");
  c.executable = f.text("executable").value_or("");
  c.library_build_type = f.text("library_build_type").value_or("");
  c.library_version = f.text("library_version").value_or("");
  c.num_cpus = f.integer("num_cpus");
  c.mhz_per_cpu = f.number("mhz_per_cpu");
  c.cpu_scaling_enabled = f.boolean("cpu_scaling_enabled");
  if (const json* caches = f.find("caches")) {
    if (!caches->is_array()) f.fail("caches", "\"caches\" is not an array");
    for (size_t i = 0; i < caches->size(); ++i) {
      const std::string where = "context.caches[" + std::to_string(i) + "]";
      if (!(*caches)[i].is_object())
        throw BenchmarkFileError(path, where, where + " is not an object");
      const Fields cf((*caches)[i], path, where, where + ".");
      c.caches.push_back({cf.text("type").value_or(""), cf.integer("level").value_or(0),
                          cf.integer("size").value_or(0), cf.integer("num_sharing").value_or(0)});
    }
  }
  return c;
}

BenchmarkRun read_run(const json& e, size_t index, const std::string& path) {
  const std::string at = "benchmarks[" + std::to_string(index) + "]";
  if (!e.is_object()) throw BenchmarkFileError(path, at, at + " is not an object");
  const auto name = e.find("name");
  if (name == e.end() || !name->is_string())
    throw BenchmarkFileError(path, at + ".name", at + " has no string \"name\"");
  BenchmarkRun r;
  r.index = index;
  r.name = name->get<std::string>();
  r.run_name = r.name;
  if (const auto rn = e.find("run_name"); rn != e.end() && rn->is_string())
    r.run_name = rn->get<std::string>();
  const Fields f(e, path, at + " (" + r.run_name + ")", at + ".");
  r.run_name = f.text("run_name").value_or(r.name);  // a non-string run_name fails here

  // Before 1.5 aggregates had no run_type, only an aggregate_name.
  const std::string type = f.text("run_type").value_or(f.find("aggregate_name") ? "aggregate" : "iteration");
  if (type == "aggregate") {
    r.type = RunType::aggregate;
    const auto agg = f.text("aggregate_name");
    if (!agg) f.fail("aggregate_name", "an aggregate without the string \"aggregate_name\"");
    r.aggregate_name = *agg;
    r.percentage = f.text("aggregate_unit").value_or("time") == "percentage";
  } else if (type != "iteration") {
    f.fail("run_type", "unknown run_type \"" + type + "\" (expected \"iteration\" or \"aggregate\")");
  }
  r.repetitions = f.integer("repetitions");
  r.repetition_index = f.integer("repetition_index");
  r.iterations = f.integer("iterations");
  // A user counter named "threads" (written after the standard fields, so
  // it is the duplicate key the parser keeps) shadows Google Benchmark's own
  // field: lrbench's calibrations did that before the counter became
  // "omp_threads".  It is a floating-point number then: kept as the counter,
  // and the run's thread count is unknown (1).
  const json* threads = f.find("threads");
  const bool shadowed = threads && threads->is_number_float();
  r.threads = shadowed ? 1 : f.integer("threads").value_or(1);
  if (shadowed) r.counters.emplace("threads", threads->get<double>());
  if (r.threads < 1) f.fail("threads", "\"threads\" must be >= 1, got " + std::to_string(r.threads));
  r.label = f.text("label").value_or("");

  // error_occurred: Google Benchmark <= 1.7; skipped: >= 1.8.
  const bool error = f.boolean("error_occurred").value_or(false);
  const std::string skipped = f.text("skipped").value_or("not_skipped");
  r.errored = error || skipped != "not_skipped";
  if (r.errored) {
    const std::string em = f.text("error_message").value_or("");
    r.error_message = !em.empty() ? em : f.text("skip_message").value_or("");
    r.time_unit = f.text("time_unit").value_or("");
    return r;  // an errored run's times mean nothing
  }

  for (const char* k : {"real_time", "cpu_time"})
    if (!f.find(k) || !f.find(k)->is_number())
      f.fail(k, "missing the number \"" + std::string(k) + "\"");
  const auto unit = f.find("time_unit");
  if (!unit || !unit->is_string()) f.fail("time_unit", "missing the string \"time_unit\"");
  r.time_unit = unit->get<std::string>();
  const auto scale = ns_per_unit(r.time_unit);
  if (!scale)
    f.fail("time_unit", "unknown time_unit \"" + r.time_unit + "\" (expected ns, us, ms or s)");
  r.real_time = *f.number("real_time");
  r.cpu_time = *f.number("cpu_time");
  if (!r.percentage) {
    r.real_ns = r.real_time * *scale;
    r.cpu_ns = r.cpu_time * *scale;
  }
  for (const auto& [k, v] : e.items())
    if (v.is_number() && !is_standard_field(k)) r.counters.emplace(k, v.get<double>());
  return r;
}

}  // namespace

bool is_standard_field(std::string_view key) {
  return std::find(kStandardFields.begin(), kStandardFields.end(), key) != kStandardFields.end();
}

std::optional<double> ns_per_unit(std::string_view unit) {
  if (unit == "ns") return 1.0;
  if (unit == "us") return 1e3;
  if (unit == "ms") return 1e6;
  if (unit == "s") return 1e9;
  return std::nullopt;
}

BenchmarkFile parse_benchmark_json(const json& j, const std::string& path) {
  if (!j.is_object() || !j.contains("benchmarks") || !j["benchmarks"].is_array())
    throw BenchmarkFileError(path, "benchmarks",
                             "not a Google Benchmark JSON file: expected an object with a "
                             "\"benchmarks\" array (write it with --benchmark_out=FILE "
                             "--benchmark_out_format=json)");
  BenchmarkFile f;
  f.path = path;
  f.context = read_context(j, path);
  const json& list = j["benchmarks"];
  f.runs.reserve(list.size());
  for (size_t i = 0; i < list.size(); ++i) f.runs.push_back(read_run(list[i], i, path));
  return f;
}

BenchmarkFile parse_benchmark_text(std::string_view text, const std::string& path) {
  json j;
  try {
    // The parser itself is iterative; the limit keeps deeply nested values
    // (whose copies and destructors recurse) from being built at all.
    j = json::parse(text, [](int depth, json::parse_event_t, json&) {
      if (depth > kMaxBenchmarkJsonDepth)
        throw std::length_error("nests deeper than " + std::to_string(kMaxBenchmarkJsonDepth) + " levels");
      return true;
    });
  } catch (const json::out_of_range& e) {
    throw BenchmarkFileError(path, "", std::string("holds a number a double cannot (") + e.what() + ")");
  } catch (const json::exception& e) {
    throw BenchmarkFileError(path, "", std::string("not valid JSON (") + e.what() + ")");
  } catch (const std::length_error& e) {
    throw BenchmarkFileError(path, "", std::string("not a Google Benchmark JSON file: it ") + e.what());
  }
  return parse_benchmark_json(j, path);
}

BenchmarkFile read_benchmark_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw BenchmarkFileError(path, "", "is a directory, expected a Google Benchmark JSON file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw BenchmarkFileError(path, "", std::string("cannot open (") + std::strerror(errno) + ")");
  std::stringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw BenchmarkFileError(path, "", std::string("read failed (") + std::strerror(errno) + ")");
  return parse_benchmark_text(ss.str(), path);
}

}  // namespace lrb::records
