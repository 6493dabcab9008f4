// The built-in suites written as study files, parsed from their compiled-in
// text (builtin_study_files(), generated from suites/*.toml).
#include <algorithm>

#include "suites/study/study.hpp"

namespace lrb::suites::study {

std::vector<Suite> builtin_suites() {
  std::vector<Suite> out;
  for (const auto& [name, text] : builtin_study_files())
    out.push_back(to_suite(std::make_shared<const Study>(parse_study(text, name)), {}));
  std::sort(out.begin(), out.end(), [](const Suite& a, const Suite& b) { return a.id < b.id; });
  return out;
}

}  // namespace lrb::suites::study
