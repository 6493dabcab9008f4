// tools/perfcheck without the binary: what compare decides from in-memory
// benchmark files and run records, and the exact bytes render writes.
// (tests/stats/test_perf_check.cpp drives the command end to end.)
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "tools/perfcheck/perfcheck.hpp"

namespace {

using namespace lrb;
using namespace lrb::perfcheck;
using nlohmann::json;

const std::vector<double> kNoiseA = {1.000, 1.004, 0.996, 1.008, 0.992, 1.002, 0.998, 1.006, 0.994};
const std::vector<double> kNoiseB = {0.997, 1.001, 1.007, 0.993, 1.003, 0.999, 1.005, 0.995, 1.000};

struct Bench {
  std::string name;
  double us;
  std::string counter;  // "", "flops", "bytes_per_second"
};

// One Google Benchmark file in memory: `reps` repetitions per benchmark.
records::BenchmarkFile file(const std::string& path, const std::vector<Bench>& benches,
                            const std::vector<double>& noise, double scale = 1.0, size_t reps = 9,
                            const std::string& host = "box") {
  json list = json::array();
  for (const Bench& b : benches)
    for (size_t i = 0; i < reps; ++i) {
      const double t = b.us * scale * noise[i % noise.size()];
      json e = {{"name", b.name}, {"run_name", b.name}, {"run_type", "iteration"},
                {"repetition_index", i}, {"real_time", t}, {"cpu_time", t}, {"time_unit", "us"}};
      if (!b.counter.empty()) e[b.counter] = 1e9 / t;
      list.push_back(e);
    }
  return records::parse_benchmark_json({{"context", {{"host_name", host}}}, {"benchmarks", list}}, path);
}

std::vector<Bench> kernels(double adam = 1.0) {
  return {{"BM_adam", 1200 * adam, "bytes_per_second"}, {"BM_sgd", 400, "bytes_per_second"},
          {"BM_matmul", 2500, "flops"}};
}
std::vector<Bench> with_calibration(std::vector<Bench> b) {
  b.push_back({"lrb::bench::BM_calib_fma_peak/real_time", 10000, "flops"});
  b.push_back({"lrb::bench::BM_calib_stream_triad/real_time", 80000, "bytes_per_second"});
  return b;
}

Side side(const std::string& label, std::vector<records::BenchmarkFile> files) {
  return side_from_files(label, std::move(files));
}

const BenchRow& row(const BenchComparison& c, const std::string& name) {
  for (const auto& r : c.rows)
    if (r.name == name) return r;
  throw std::runtime_error("no row " + name);
}

TEST(PerfCheckLib, NamePatternsAreRe2Searches) {
  EXPECT_TRUE(NamePattern("adam").search("BM_adam_update/1024"));
  EXPECT_FALSE(NamePattern("^adam").search("BM_adam_update/1024"));
  EXPECT_TRUE(NamePattern("update/[0-9]+$").search("BM_adam_update/1024"));
  EXPECT_THROW(NamePattern("("), PatternError);
  EXPECT_THROW(NamePattern("(a)\\1"), PatternError);  // backreferences: not RE2
  // libstdc++'s recursive std::regex overflowed its stack here (30,000 characters).
  EXPECT_TRUE(NamePattern(".*").search(std::string(30000, 'x')));
  EXPECT_TRUE(NamePattern("(x|y)*z").search(std::string(100000, 'x') + "z"));
}

TEST(PerfCheckLib, CalibrationKindFromTheName) {
  EXPECT_EQ(calibration_kind("lrb::bench::BM_calib_fma_peak/real_time"), Calib::fma);
  EXPECT_EQ(calibration_kind("BM_calib_stream_triad"), Calib::triad);
  EXPECT_EQ(calibration_kind("BM_calib_stream_copy/16777216"), Calib::copy);
  EXPECT_EQ(calibration_kind("BM_calib_stream_triad_extra"), Calib::none);
  EXPECT_EQ(calibration_kind("BM_adam"), Calib::none);
}

TEST(PerfCheckLib, ReadRulesOnTopOfTheFormat) {
  const json aggregates_only = {{"benchmarks", {{{"name", "BM_x_mean"}, {"run_name", "BM_x"},
                                                 {"run_type", "aggregate"}, {"aggregate_name", "mean"},
                                                 {"real_time", 1}, {"cpu_time", 1}, {"time_unit", "ns"}}}}};
  EXPECT_THROW(side("b", {records::parse_benchmark_json(aggregates_only, "agg.json")}), InputError);
  EXPECT_THROW(side("b", {records::parse_benchmark_json({{"benchmarks", json::array()}}, "e.json")}),
               InputError);
  const Side s = side("b", {file("a.json", kernels(), kNoiseA), file("a2.json", kernels(), kNoiseB)});
  EXPECT_EQ(s.order, (std::vector<std::string>{"BM_adam", "BM_sgd", "BM_matmul"}));
  EXPECT_EQ(s.keys.at("BM_adam").repetitions, 18u);  // pooled over both files
  EXPECT_EQ(s.paths(), "a.json, a2.json");
  EXPECT_EQ(side_samples(s, "BM_sgd", false, Calib::none).size(), 18u);
}

TEST(PerfCheckLib, TwentyPercentSlowerIsARegression) {
  const Side a = side("baseline", {file("a.json", kernels(), kNoiseA)});
  const Side b = side("contender", {file("b.json", kernels(1.2), kNoiseB)});
  const BenchComparison c = compare_benchmarks(a, b, {});
  EXPECT_TRUE(c.regression());
  EXPECT_EQ(c.slower, 1u);
  EXPECT_EQ(c.unchanged, 2u);
  const BenchRow& adam = row(c, "BM_adam");
  EXPECT_EQ(adam.verdict, Verdict::slower);
  EXPECT_NEAR(adam.comparison.median_ratio, 1.2, 0.01);
  EXPECT_EQ(adam.n_baseline, 9u);
  // Swapped: faster, never a failure.
  const BenchComparison f = compare_benchmarks(b, a, {});
  EXPECT_FALSE(f.regression());
  EXPECT_EQ(row(f, "BM_adam").verdict, Verdict::faster);
  // A threshold above the change: not a regression.
  Options o;
  o.threshold = 0.25;
  EXPECT_FALSE(compare_benchmarks(a, b, o).regression());
}

TEST(PerfCheckLib, FilterSelectsAndMustSelectSomething) {
  const Side a = side("baseline", {file("a.json", kernels(), kNoiseA)});
  const Side b = side("contender", {file("b.json", kernels(1.2), kNoiseB)});
  Options o;
  o.filter.emplace("sgd|matmul");
  const BenchComparison c = compare_benchmarks(a, b, o);
  EXPECT_EQ(c.rows.size(), 2u);
  EXPECT_FALSE(c.regression());
  o.filter.emplace("nothing");
  EXPECT_THROW(compare_benchmarks(a, b, o), FilterMatchesNothing);
  // Nothing in common without a filter is the files' fault.
  const Side other = side("contender", {file("o.json", {{"BM_other", 5, ""}}, kNoiseB)});
  EXPECT_THROW(compare_benchmarks(a, other, {}), InputError);
}

TEST(PerfCheckLib, CalibrationCancelsAMachineTwiceAsSlow) {
  const Side a = side("baseline", {file("a.json", with_calibration(kernels()), kNoiseA, 1.0, 9, "fast")});
  const Side b = side("contender", {file("b.json", with_calibration(kernels()), kNoiseB, 2.0, 9, "slow")});
  const BenchComparison raw = compare_benchmarks(a, b, {});
  EXPECT_EQ(raw.slower, 3u);
  EXPECT_EQ(raw.calibration, 2u);  // counted apart, never a failure
  EXPECT_NE(raw.warnings.back().find("different hosts"), std::string::npos);
  Options o;
  o.normalize = true;
  const BenchComparison norm = compare_benchmarks(a, b, o);
  EXPECT_FALSE(norm.regression());
  EXPECT_EQ(norm.unchanged, 3u);
  EXPECT_EQ(row(norm, "BM_matmul").normalized_by, Calib::fma);
  EXPECT_EQ(row(norm, "BM_adam").normalized_by, Calib::triad);
  EXPECT_EQ(row(norm, "lrb::bench::BM_calib_fma_peak/real_time").verdict, Verdict::slower);
  // An explicit rule wins over the counters.
  o.calib_rules.push_back({NamePattern("adam"), Calib::fma});
  EXPECT_EQ(row(compare_benchmarks(a, b, o), "BM_adam").normalized_by, Calib::fma);
}

TEST(PerfCheckLib, NormalizationUsesTheCalibrationsRatesNotTheirTimes) {
  // The contender's commit makes one calibration iteration do 1.5x the work
  // (its time steps, its FLOP/s and B/s do not) on the same machine, with the
  // kernels unchanged: normalized by the rates nothing changed; by the times
  // every kernel would look 1.5x faster.
  const Side a = side("baseline", {file("a.json", with_calibration(kernels()), kNoiseA)});
  records::BenchmarkFile redefined = file("b.json", with_calibration(kernels()), kNoiseB);
  for (auto& r : redefined.runs)
    if (calibration_kind(r.run_name) != Calib::none) r.real_ns *= 1.5, r.cpu_ns *= 1.5;
  const Side b = side("contender", {redefined});
  Options o;
  o.normalize = true;
  const BenchComparison norm = compare_benchmarks(a, b, o);
  EXPECT_EQ(norm.unchanged, 3u);
  EXPECT_EQ(norm.faster, 0u);
  EXPECT_EQ(row(norm, "lrb::bench::BM_calib_fma_peak/real_time").verdict, Verdict::slower);
}

TEST(PerfCheckLib, ErrorsAndTooFewRepetitions) {
  const Side a = side("baseline", {file("a.json", kernels(), kNoiseA, 1.0, 3)});
  const Side b = side("contender", {file("b.json", kernels(1.5), kNoiseB, 1.0, 3)});
  const BenchComparison c = compare_benchmarks(a, b, {});
  EXPECT_EQ(c.untestable, 3u);
  EXPECT_FALSE(c.regression());  // untestable is not passing evidence, but not a failure either
  EXPECT_NE(c.warnings.front().find("too few repetitions"), std::string::npos);

  json broken = {{"benchmarks", json::array()}};
  for (const auto& r : file("b.json", kernels(), kNoiseB).runs)
    broken["benchmarks"].push_back({{"name", r.name}, {"run_type", "iteration"}, {"real_time", r.real_time},
                                    {"cpu_time", r.cpu_time}, {"time_unit", "us"},
                                    {"error_occurred", r.name == "BM_sgd"},
                                    {"error_message", "NaN in the update"}});
  const Side e = side("contender", {records::parse_benchmark_json(broken, "e.json")});
  const BenchComparison ce = compare_benchmarks(side("baseline", {file("a.json", kernels(), kNoiseA)}), e, {});
  EXPECT_TRUE(ce.regression());
  EXPECT_EQ(ce.errored, 1u);
  EXPECT_EQ(row(ce, "BM_sgd").verdict, Verdict::error);
  EXPECT_EQ(row(ce, "BM_sgd").error_message, "NaN in the update");
}

// A comparison built by hand: render's bytes do not depend on the statistics.
BenchComparison hand_made() {
  BenchComparison c;
  c.baseline = {"a.json"};
  c.contender = {"b.json"};
  c.threshold = 0.05;
  c.alpha = 0.05;
  BenchRow slow;
  slow.name = "BM_adam|x";
  slow.verdict = Verdict::slower;
  slow.n_baseline = slow.n_contender = 9;
  slow.baseline_median_ns = 1.2e6;
  slow.contender_median_ns = 1.44e6;
  slow.comparison.median_ratio = 1.2;
  slow.comparison.ratio.estimate = 1.19;
  slow.comparison.ratio.ci_low = 1.18;
  slow.comparison.ratio.ci_high = 1.22;
  slow.comparison.ratio.confidence = 0.95;
  slow.comparison.test.p = 4.1e-5;
  slow.comparison.has_power = true;
  BenchRow err;
  err.name = "BM_sgd";
  err.verdict = Verdict::error;
  err.error_message = "NaN";
  c.rows = {slow, err};
  c.slower = 1;
  c.errored = 1;
  c.warnings = {"only in the contender (new): BM_new"};
  c.only_in_contender = {"BM_new"};
  return c;
}

TEST(PerfCheckLib, RendersTextMarkdownAndJsonExactly) {
  const BenchComparison c = hand_made();
  EXPECT_EQ(render(c, Format::text),
            "perf-check: 1 slower, 0 faster, 0 unchanged, 1 errored (real_time, threshold 5%, alpha 0.05, "
            "normalize none)\n\n"
            "benchmark  baseline  contender  ratio  95% CI               p  reps  verdict\n"
            "BM_adam|x  1.200 ms   1.440 ms  1.200  1.180 - 1.220  4.1e-05   9/9  SLOWER\n"
            "BM_sgd                                                               error: NaN\n"
            "\nwarning: only in the contender (new): BM_new\n");
  EXPECT_EQ(render(c, Format::markdown),
            "**perf-check: 1 slower, 0 faster, 0 unchanged, 1 errored** (real_time, threshold 5%, alpha "
            "0.05, normalize none)\n\n"
            "| benchmark | baseline | contender | ratio | 95% CI | p | reps | verdict |\n"
            "|:---|---:|---:|---:|:---|---:|---:|:---|\n"
            "| `BM_adam\\|x` | 1.200 ms | 1.440 ms | 1.200 | 1.180 - 1.220 | 4.1e-05 | 9/9 | **slower** |\n"
            "| `BM_sgd` |  |  |  |  |  |  | error: NaN |\n"
            "\n- warning: only in the contender (new): BM_new\n");
  const json j = json::parse(render(c, Format::json));
  EXPECT_EQ(j["mode"], "benchmarks");
  EXPECT_EQ(j["summary"]["regression"], true);
  EXPECT_EQ(j["summary"]["only_in_contender"], 1);
  EXPECT_EQ(j["benchmarks"][0]["ratio_ci"], json({1.18, 1.22}));
  EXPECT_EQ(j["benchmarks"][1], json({{"name", "BM_sgd"}, {"calibration", false}, {"verdict", "error"},
                                      {"error_message", "NaN"}}));
  // Keys in the order written (mode first), and an unbounded interval is null.
  const std::string text = render(c, Format::json);
  EXPECT_EQ(text.rfind("{\n  \"mode\": \"benchmarks\",\n  \"metric\": \"real_time\",", 0), 0u) << text;
  BenchComparison u = hand_made();
  u.rows[0].comparison.ratio.ci_high = INFINITY;
  EXPECT_NE(render(u, Format::text).find("unbounded"), std::string::npos);
  EXPECT_EQ(json::parse(render(u, Format::json))["benchmarks"][0]["ratio_ci"], json({nullptr, nullptr}));
}

TEST(PerfCheckLib, NormalizedRenderHasACalibColumn) {
  BenchComparison c = hand_made();
  c.normalize = true;
  c.rows[0].normalized_by = Calib::triad;
  const std::string t = render(c, Format::text);
  EXPECT_NE(t.find("  contender  calib  ratio  "), std::string::npos) << t;
  EXPECT_NE(t.find("  triad  "), std::string::npos) << t;
  EXPECT_NE(t.find("normalize calibration)"), std::string::npos);
}

TEST(PerfCheckLib, Formats) {
  EXPECT_EQ(format_time(999), "999.0 ns");
  EXPECT_EQ(format_time(1500), "1.500 us");
  EXPECT_EQ(format_time(2.5e9), "2.500 s");
  EXPECT_EQ(format_time(NAN), "n/a");
  EXPECT_EQ(format_p(0.0123), "0.012");
  EXPECT_EQ(format_p(1e-7), "1.0e-07");
  EXPECT_EQ(format_num(-INFINITY), "-inf");
  EXPECT_EQ(format_num(0.123456), "0.1235");
}

// ---- convergence -------------------------------------------------------------------------

RunRecord record(const std::string& suite, const std::string& config, int64_t seed,
                 const std::string& status, std::map<std::string, double> final_metrics) {
  RunRecord r;
  r.file = suite + std::to_string(seed) + ".json";
  r.suite = suite;
  r.config = config;
  r.seed = seed;
  r.status = status;
  r.final_metrics = std::move(final_metrics);
  return r;
}

RecordSide records_of(const std::vector<RunRecord>& rs) {
  RecordSide s;
  for (const auto& r : rs) {
    const GroupKey k{r.suite, r.config};
    auto [it, fresh] = s.groups.try_emplace(k);
    if (fresh) s.order.push_back(k), it->second.suite = r.suite, it->second.config = r.config;
    it->second.by_seed.emplace(r.seed, r);
    ++s.records;
  }
  return s;
}

const double kAcc[] = {0.91, 0.90, 0.92, 0.89, 0.905};

TEST(PerfCheckLib, ConvergenceJudgesEachMetricByItsDirection) {
  std::vector<RunRecord> base, drop;
  for (int s = 0; s < 5; ++s) {
    base.push_back(record("lr", "adam", s, "ok", {{"test_accuracy", kAcc[s]}, {"train_loss", 0.3 - 0.01 * s}}));
    drop.push_back(record("lr", "adam", s, s == 4 ? "diverged" : "ok",
                          {{"test_accuracy", kAcc[s] - 0.03 + 0.002 * s}, {"train_loss", 0.2 - 0.01 * s}}));
  }
  Options o;
  o.threshold = 0;
  const ConvComparison c = compare_convergence(records_of(base), records_of(drop), o);
  ASSERT_EQ(c.rows.size(), 3u);
  EXPECT_TRUE(c.rows[0].status_row);
  EXPECT_EQ(c.rows[0].verdict, ConvVerdict::worse);  // 4/5 ok vs 5/5
  EXPECT_EQ(c.rows[1].metric, "test_accuracy");
  EXPECT_EQ(c.rows[1].verdict, ConvVerdict::worse);
  EXPECT_FALSE(c.rows[1].paired);  // the diverged seed is missing on one side: Welch
  EXPECT_EQ(c.rows[2].verdict, ConvVerdict::better);  // lower loss
  EXPECT_EQ(c.worse, 2u);
  EXPECT_TRUE(c.regression());
  const std::string t = render(c, Format::text);
  EXPECT_EQ(t.substr(0, t.find('\n')),
            "perf-check: 2 worse, 1 better, 0 unchanged (final metrics over seeds; worse = the 95% CI of "
            "the difference excludes 0)");
  EXPECT_NE(t.find("runs with status ok  5/5"), std::string::npos) << t;
  EXPECT_NE(t.find("welch t"), std::string::npos);
}

TEST(PerfCheckLib, HugeMetricValuesAreComparedNotCalledUnchanged) {
  // +-1e308: the sums overflow a double; compared scaled, the drop is found.
  std::vector<RunRecord> base, cont;
  for (int s = 0; s < 5; ++s) {
    base.push_back(record("s", "c", s, "ok", {{"test_accuracy", 1e308 * (1 - 0.01 * s)}}));
    cont.push_back(record("s", "c", s, "ok", {{"test_accuracy", -1e308 * (1 - 0.01 * s)}}));
  }
  const ConvComparison c = compare_convergence(records_of(base), records_of(cont), {});
  ASSERT_EQ(c.rows.size(), 1u);
  EXPECT_EQ(c.rows[0].verdict, ConvVerdict::worse);
  EXPECT_TRUE(std::isinf(c.rows[0].comparison.diff));  // -2e308 does not fit a double
  EXPECT_NO_THROW(render(c, Format::json));
  // Same values on both sides: unchanged (and a real interval).
  const ConvComparison same = compare_convergence(records_of(base), records_of(base), {});
  EXPECT_EQ(same.rows[0].verdict, ConvVerdict::unchanged);
  EXPECT_EQ(same.rows[0].comparison.ci_low, 0.0);
}

TEST(PerfCheckLib, CompareMetricScalingChangesNoVerdict) {
  // Scaling by a power of two is exact: the same data 2^600 times larger
  // gives the same p, relative change and change.
  const std::vector<double> x = {1.0, 1.1, 0.9, 1.05, 0.95}, y = {1.2, 1.3, 1.15, 1.25, 1.22};
  std::vector<double> bx, by;
  for (double v : x) bx.push_back(std::ldexp(v, 600));
  for (double v : y) by.push_back(std::ldexp(v, 600));
  for (bool paired : {false, true}) {
    const auto small = compare_metric(x, y, 0.05, 0.05, paired);
    const auto big = compare_metric(bx, by, 0.05, 0.05, paired);
    EXPECT_EQ(small.p, big.p);
    EXPECT_EQ(small.change, big.change);
    EXPECT_EQ(small.relative_change, big.relative_change);
    EXPECT_EQ(std::ldexp(small.diff, 600), big.diff);
    EXPECT_EQ(std::ldexp(small.ci_low, 600), big.ci_low);
    EXPECT_EQ(std::ldexp(small.baseline.mean, 600), big.baseline.mean);
  }
}

TEST(PerfCheckLib, ConvergenceNeedsSomethingInCommon) {
  const RecordSide a = records_of({record("s", "a", 0, "ok", {{"loss", 1}})});
  const RecordSide b = records_of({record("s", "b", 0, "ok", {{"loss", 1}})});
  EXPECT_THROW(compare_convergence(a, b, {}), InputError);
  const ConvComparison one = compare_convergence(a, a, {});
  EXPECT_EQ(one.untestable, 1u);  // one seed: no interval
  EXPECT_NE(one.warnings[0].find("needs at least 2 seeds"), std::string::npos);
}

}  // namespace
