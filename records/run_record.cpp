#include "records/run_record.hpp"

#include "records/json_file.hpp"

namespace lrb::records {

std::string record_text(const RunSpec& run, const RunResult& res, double wall, const json& prov) {
  // Serialized in the documented key order (ordered_json keeps insertion order).
  nlohmann::ordered_json p = nlohmann::ordered_json::parse(prov.dump());
  p["seed"] = run.seed;
  p["dataset"] = nlohmann::ordered_json::parse(res.value("dataset", json::object()).dump());
  nlohmann::ordered_json rec;
  rec["provenance"] = p;
  rec["schema"] = kRunSchema;
  rec["address"] = run_address(run);
  rec["numerics"] = kNumericsVersion;
  rec["suite"] = run.suite;
  rec["config"] = run.config;
  rec["seed"] = run.seed;
  rec["params"] = nlohmann::ordered_json::parse(run.params.dump());
  for (const char* k : {"status", "diverged_at_step", "steps", "final"})
    rec[k] = nlohmann::ordered_json::parse(res.value(k, json()).dump());
  rec["timing"] = {{"wall_seconds", wall}};
  // A run may add its own volatile timings (e.g. epoch_wall_seconds, for
  // time-to-target in seconds); they stay out of the deterministic part.
  const json extra_timing = res.value("timing", json::object());
  for (const auto& [k, v] : extra_timing.items()) rec["timing"][k] = nlohmann::ordered_json::parse(v.dump());
  for (const char* k : {"dataset", "curves"})
    rec[k] = nlohmann::ordered_json::parse(res.value(k, json::object()).dump());
  return rec.dump(1) + "\n";
}

json make_record(const RunSpec& run, const RunResult& res, double wall_seconds, const json& provenance) {
  return json::parse(record_text(run, res, wall_seconds, provenance));
}

std::optional<FormatError> check_run_record(const json& r, const std::string& path, const std::string& stem) {
  try {
    const Fields f(r, path);
    const json& schema = f.any("schema");
    if (schema != kRunSchema)
      f.fail("schema", std::string("expected \"") + kRunSchema + "\" (a run record of `lrbench run`), found " +
                           excerpt(schema));
    for (const char* k : {"address", "numerics", "suite", "config"}) f.str(k);
    f.integer("seed");
    f.object("params");
    f.object("final");
    const std::string& st = f.str("status");
    if (st != "ok" && st != "diverged") f.fail("status", "expected \"ok\" or \"diverged\", found \"" + st + "\"");
    const std::string addr = address_of_identity(r["numerics"], r["suite"], r["config"], r["seed"], r["params"]);
    const std::string& claimed = f.str("address");
    if (addr != claimed)
      f.fail("address", claimed + " is not the SHA-256 of the record's identity (" + addr + "): edited or corrupt");
    if (addr != stem) return FormatError(path, "", "file name does not match the record's address " + addr);
  } catch (const FormatError& e) {
    return e;
  }
  return std::nullopt;
}

json strip_volatile(const json& record) {
  json r = record;
  r.erase("provenance");
  r.erase("timing");
  return r;
}

}  // namespace lrb::records
