// Google Benchmark JSON on hostile input: what `perf-check` reads
// (adapters.hpp); fuzz_report takes the same inputs through the report's
// benchmark figures.
//
// Input: the file's bytes.  perf-check answers bad input with exit 2 by
// itself: no exception may escape.
#include "adapters.hpp"
#include "fuzz_util.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace lrb;
  static const bool quiet = (fuzz::silence_standard_streams(), true);
  (void)quiet;
  const auto file = fuzz::scratch_dir() / "bench.json";
  fuzz::write_file(file, fuzz::as_text(data, size));
  fuzz::read_benchmark_json(file);
  return 0;
}
