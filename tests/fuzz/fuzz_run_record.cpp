// Run records (a results folder) on hostile JSON: what `status`, `claims`,
// `merge` and `perf-check --convergence` read (adapters.hpp).  fuzz_report
// takes the same inputs through the report.
//
// Input: the file's bytes, filed where the commands look (record_path.hpp).
// Only ResultsError (merge: exit 3) may escape.
#include "adapters.hpp"
#include "fuzz_util.hpp"
#include "record_path.hpp"
#include "suites/runner.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace lrb;
  static const bool quiet = (fuzz::silence_standard_streams(), true);
  (void)quiet;
  const std::string_view text = fuzz::as_text(data, size);
  const auto dir = fuzz::scratch_dir() / "results";
  fuzz::reset_dir(dir);
  fuzz::write_file(dir / fuzz::results_path(text), text);
  try {
    fuzz::read_results_folder(dir);
  } catch (const records::FormatError&) {
  }
  return 0;
}
