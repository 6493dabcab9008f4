// The report's inputs on hostile JSON: run records, LR range test files and
// Google Benchmark files, through the report model and its figures
// (adapters.hpp build_report).  Slow (~10 inputs/s): every call addresses
// every suite's plans, as `lrbench report` does.
//
// Input: the file's bytes.  A JSON object with a "benchmarks" key goes to the
// benchmark folder as bench.json; anything else into the results folder where
// the commands look for it (record_path.hpp).
// Only ReportDataError (report: exit 3) may escape.
#include <nlohmann/json.hpp>

#include "adapters.hpp"
#include "fuzz_util.hpp"
#include "record_path.hpp"
#include "reports/report.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace lrb;
  static const bool quiet = (fuzz::silence_standard_streams(), true);
  (void)quiet;
  const std::string_view text = fuzz::as_text(data, size);
  const auto results = fuzz::scratch_dir() / "results", bench = fuzz::scratch_dir() / "bench";
  fuzz::reset_dir(results);
  fuzz::reset_dir(bench);
  const auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_object() && j.contains("benchmarks"))
    fuzz::write_file(bench / "bench.json", text);
  else
    fuzz::write_file(results / fuzz::results_path(text), text);
  try {
    fuzz::build_report(results, bench);
  } catch (const records::FormatError&) {
  }
  return 0;
}
