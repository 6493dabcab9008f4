// A study made ready for one results directory: its tuning choices read from
// the records there, and the Suite the runner, claims and manifests take.
#include "records/address.hpp"
#include "suites/study/study.hpp"

namespace lrb::suites::study {

Prepared prepare(std::shared_ptr<const Study> study, const Budget& budget, const records::LoadedResults* loaded,
                 bool allow_large) {
  Prepared p;
  p.study = study;
  if (loaded) {
    p.choices = choose(*study, budget, [loaded](const RunSpec& run) -> const json* {
      const auto it = loaded->by_address.find(records::run_address(run));
      return it == loaded->by_address.end() ? nullptr : &it->second;
    });
  }
  for (const auto& a : study->spec().arms) {
    if (!a.tune) continue;
    const auto it = p.choices.find(a.name);
    if (it == p.choices.end() || !it->second.decided) p.undecided = true;
  }
  p.suite = to_suite(study, p.choices, allow_large);
  return p;
}

}  // namespace lrb::suites::study
