#include "suites/suite.hpp"

#include <stdexcept>
#include <string_view>

#include "datasets/sha256.hpp"

namespace lrb::suites {

const json* ResultSet::find(const std::string& config, int64_t seed) const {
  const auto c = by_config.find(config);
  if (c == by_config.end()) return nullptr;
  const auto s = c->second.find(seed);
  return s == c->second.end() ? nullptr : &s->second;
}

const char* to_string(Verdict v) {
  switch (v) {
    case Verdict::supported: return "supported";
    case Verdict::refuted: return "refuted";
    case Verdict::inconclusive: return "inconclusive";
  }
  return "?";
}

const std::vector<Suite>& registry() {
  static const std::vector<Suite> suites = {suite_000(), suite_001(), suite_002(), suite_003(),
                                             suite_004()};
  return suites;
}

const Suite& find_suite(const std::string& id) {
  std::string valid;
  for (const auto& s : registry()) {
    if (s.id == id) return s;
    valid += (valid.empty() ? "" : ", ") + s.id;
  }
  throw std::invalid_argument("unknown suite '" + id + "' (implemented: " + valid + ")");
}

namespace {
thread_local ProgressSink progress_sink;
}  // namespace

void set_progress_sink(ProgressSink sink) { progress_sink = std::move(sink); }

void report_progress(double fraction, const std::string& status) {
  if (progress_sink) progress_sink(fraction, status);
}

json identity_json(const RunSpec& run) {
  return json{{"numerics", kNumericsVersion}, {"suite", run.suite}, {"config", run.config},
              {"seed", run.seed}, {"params", run.params}};
}

std::string run_address(const RunSpec& run) {
  const std::string text = identity_json(run).dump();
  return data::sha256_hex(std::span<const std::uint8_t>(
      reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

}  // namespace lrb::suites
