#include "suites/study/builtins.hpp"

namespace lrb::suites::study {

namespace {

const std::vector<RunKind>& kinds() {
  static const std::vector<RunKind> k = run_kinds_001();
  return k;
}

const std::vector<Check>& checks() {
  static const std::vector<Check> c = [] {
    auto v = checks_001();
    for (auto& x : checks_004()) v.push_back(std::move(x));
    return v;
  }();
  return c;
}

}  // namespace

const RunKind* find_run_kind(std::string_view name) {
  for (const auto& k : kinds())
    if (k.name == name) return &k;
  return nullptr;
}

std::vector<std::string> run_kind_names() {
  std::vector<std::string> out;
  for (const auto& k : kinds()) out.push_back(k.name);
  return out;
}

const Check* find_check(std::string_view name) {
  for (const auto& c : checks())
    if (c.name == name) return &c;
  return nullptr;
}

std::vector<std::string> check_names() {
  std::vector<std::string> out;
  for (const auto& c : checks()) out.push_back(c.name);
  return out;
}

}  // namespace lrb::suites::study
