#include "suites/suite.hpp"

#include <algorithm>
#include <stdexcept>

#include "suites/study/study.hpp"

namespace lrb::suites {

const char* to_string(Verdict v) {
  switch (v) {
    case Verdict::supported: return "supported";
    case Verdict::refuted: return "refuted";
    case Verdict::inconclusive: return "inconclusive";
  }
  return "?";
}

const std::vector<Suite>& registry() {
  static const std::vector<Suite> suites = [] {
    std::vector<Suite> v = {suite_000(), suite_002(), suite_003()};
    for (auto& s : study::builtin_suites()) v.push_back(std::move(s));
    std::sort(v.begin(), v.end(), [](const Suite& a, const Suite& b) { return a.id < b.id; });
    return v;
  }();
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

std::vector<RunSpec> suite_plan(const Suite& s, const Budget& budget,
                                const std::map<std::string, records::SeedPlan>& seed_plans) {
  auto plan = s.plan(budget);
  const auto it = seed_plans.find(s.id);
  return it == seed_plans.end() ? plan : records::extend_plan(std::move(plan), it->second);
}

records::Manifest manifest(const Suite& s, const Budget& budget,
                           const std::map<std::string, records::SeedPlan>& seed_plans) {
  records::Manifest m;
  m.suite = s.id;
  m.title = s.title;
  m.budget = budget;
  if (s.sections)
    m.sections = s.sections(budget);
  else
    m.sections = {{"What the tutorial says and does", s.tutorial},
                  {"What we run", s.we_run},
                  {"Deviations", s.deviations}};
  for (const auto& c : s.claims) m.claims.push_back({c.id, c.statement, c.source, c.metric, c.test});
  records::set_plan(m, suite_plan(s, budget, seed_plans));
  return m;
}

}  // namespace lrb::suites
