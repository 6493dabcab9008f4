// The report's bench figures read Google Benchmark JSON through the one
// reader (records/benchmarks): medians per benchmark, threads from the
// OpenMP counter or a "/threads:N" name, and a malformed file as a
// ReportDataError naming the file and the field.
#include <gtest/gtest.h>

#include <string>

#include "records/error.hpp"
#include "reports/report.hpp"

namespace {

using namespace lrb::reports;
using nlohmann::json;

json run(const std::string& name, double items, double real_time = 10) {
  return {{"name", name}, {"run_name", name}, {"run_type", "iteration"}, {"threads", 1},
          {"real_time", real_time}, {"cpu_time", real_time}, {"time_unit", "us"},
          {"items_per_second", items}};
}

const Figure* find(const std::vector<Figure>& fs, const std::string& id) {
  for (const auto& f : fs)
    if (f.id == id) return &f;
  return nullptr;
}

TEST(BenchFigures, ThroughputByThreadsFromTheName) {
  const json j = {{"benchmarks", {run("BM_conv/threads:1", 100), run("BM_conv/threads:1", 120),
                                  run("BM_conv/threads:1", 110), run("BM_conv/threads:2", 200)}}};
  const auto figs = bench_figures({{"b", "b.json", j}});
  const Figure* f = find(figs, "bench-throughput-threads");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(f->series.size(), 1u);
  EXPECT_EQ(f->series[0].label, "conv");
  EXPECT_EQ(f->series[0].x, (std::vector<double>{1, 2}));
  EXPECT_EQ(f->series[0].y, (std::vector<double>{110, 200}));  // the median of the repetitions
}

TEST(BenchFigures, MalformedFilesNameTheFileAndField) {
  struct Case {
    json data;
    std::string message;
  };
  json bad_time = {{"benchmarks", {run("BM_a", 1)}}};
  bad_time["benchmarks"][0]["real_time"] = "fast";
  json big_threads = {{"benchmarks", {run("BM_a/threads:1e3", 1)}}};
  json no_number = {{"benchmarks", {run("BM_a/threads:", 1)}}};
  for (const Case& c : {Case{bad_time, "b.json: benchmarks[0] (BM_a): missing the number \"real_time\""},
                        Case{big_threads, "b.json: benchmarks[0] (BM_a/threads:1e3): \"/threads:\" is not "
                                          "followed by a whole number >= 1"},
                        Case{no_number, "\"/threads:\" is not followed by a whole number"}}) {
    try {
      bench_figures({{"b", "b.json", c.data}});
      ADD_FAILURE() << "no error for " << c.data.dump();
    } catch (const lrb::records::FormatError& e) {
      EXPECT_NE(std::string(e.what()).find(c.message), std::string::npos) << e.what();
    }
  }
}

}  // namespace
