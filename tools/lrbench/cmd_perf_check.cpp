// `lrbench perf-check`: is the contender slower than the baseline?  The
// command line around tools/perfcheck (read -> compare -> render); the
// --help text below is the user documentation.  Exit codes:
//   0 no regression, 1 a regression (or a benchmark that errors only in the
//   contender), 2 usage error or bad input (unreadable or inconsistent files).
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "core/spec/spec.hpp"
#include "tools/lrbench/cli.hpp"
#include "tools/perfcheck/perfcheck.hpp"

namespace lrb::cli {
namespace {

namespace fs = std::filesystem;
namespace pc = lrb::perfcheck;

// "A regression was found" shares its number with kRunFailure: main.cpp's
// summary promises "exit 1 on a slowdown".
constexpr int kRegression = 1;

struct PerfOptions {
  pc::Options compare;
  bool convergence = false;
  pc::Format format = pc::Format::text;
};

// ---- options -----------------------------------------------------------------------------

const char* kDescription = R"(Compares a contender against a baseline and exits 1 on a regression.

BENCHMARK MODE (default): A.json and B.json are Google Benchmark JSON files
(--benchmark_out=FILE --benchmark_out_format=json) run with
--benchmark_repetitions=N, N >= 5, and WITHOUT --benchmark_report_aggregates_only:
the test uses every repetition ("run_type": "iteration"); aggregates are
ignored.  Several files per side are pooled (e.g. interleaved rounds).
Benchmarks are matched by run_name (else name).  For each one:
  ratio    median(contender) / median(baseline) of --metric
  CI       Hodges-Lehmann ratio interval at 1 - alpha (distribution-free)
  p        two-sided Mann-Whitney U (exact without ties when one side has
           <= 8 repetitions, else normal approximation with tie and
           continuity corrections; as scipy.stats.mannwhitneyu)
  verdict  slower     p < alpha and ratio > 1 + threshold
           faster     p < alpha and ratio < 1 / (1 + threshold)
           untestable too few repetitions: the smallest reachable p,
                      2 / C(n1 + n2, n1), is >= alpha (n = 3 per side: 0.1)
           unchanged  otherwise
With many benchmarks about alpha x their number reach p < alpha by chance;
the threshold is what keeps such noise from failing the check.
--normalize calibration divides every repetition by the median real_time of
a calibration benchmark in the same file, so files from different machines
compare: BM_calib_fma_peak ("fma") for benchmarks with a "flops" counter,
else BM_calib_stream_triad ("triad") for those reporting bytes_per_second,
else none (reported raw, with a warning); --calibration-for 'REGEX=KIND'
(KIND fma|triad|copy|none, first match wins) overrides the rule.  Patterns
are RE2 regular expressions (linear time; no backreferences or lookaround),
searched anywhere in the name.  The
calibration benchmarks themselves are compared raw and never fail the check.

CONVERGENCE MODE (--convergence): each --baseline/--contender is a directory
of *.json run records (or a single record file), one run per file:
  {"suite": "s", "config": "c" or {...}, "seed": 3, "status": "ok",
   "final": {"test_accuracy": 0.91, "train_loss": 0.25}}
Runs are grouped by (suite, config).  Each final metric is compared over
seeds: the paired-t interval when both sides have the same seeds, else
Welch's interval of mean(contender) - mean(baseline) at 1 - alpha.  Metrics
ending in "accuracy"/"acc" must not drop, those ending in "loss"/"error"/
"perplexity" must not rise: worse = the interval excludes 0 on the bad side
(and, if --threshold is given, the relative change exceeds it).  Any status
other than "ok" is a failed run; a higher failure rate in the contender is
worse.  Other metrics are reported, never fail.

exit status: 0 no regression, 1 regression (or a benchmark that errors only
in the contender), 2 usage error or bad input (unreadable or invalid JSON,
only aggregates, no common benchmarks, missing fields or calibration).

examples:
  lrbench perf-check --baseline main.json --contender pr.json --format markdown
  lrbench perf-check --baseline nightly/*.json --contender run/*.json \
      --normalize calibration --threshold 10%
  lrbench perf-check --convergence --baseline results/main --contender results/pr)";

PerfOptions parse_perf_options(const std::vector<std::string>& args, bool& help) {
  PerfOptions po_;
  pc::Options& o = po_.compare;
  std::string threshold, alpha = "0.05", metric = "real_time", normalize = "none",
                         format = "text", filter;
  std::vector<std::string> calib;
  po::options_description opts("options");
  opts.add_options()
      ("baseline", po::value(&o.baseline)->multitoken()->required(),
       "baseline file(s): Google Benchmark JSON (--convergence: directories of run records)")
      ("contender", po::value(&o.contender)->multitoken()->required(),
       "contender file(s), same kind as --baseline")
      ("threshold", po::value(&threshold),
       "smallest change that counts, a percentage in (0, 100) (default 5%; with "
       "--convergence default none: the interval alone decides)")
      ("alpha", po::value(&alpha)->default_value(alpha),
       "significance level in (0, 0.5]; intervals are at 1 - alpha")
      ("metric", po::value(&metric)->default_value(metric), "real_time | cpu_time")
      ("normalize", po::value(&normalize)->default_value(normalize),
       "none | calibration (divide by this machine's calibration benchmark)")
      ("calibration-for", po::value(&calib)->composing(),
       "REGEX=fma|triad|copy|none: calibration of the benchmarks whose name matches "
       "(repeatable, first match wins; needs --normalize calibration)")
      ("format", po::value(&format)->default_value(format),
       "text | markdown (a pull-request comment) | json")
      ("filter", po::value(&filter),
       "compare only names matching this RE2 regex, searched anywhere in the name "
       "(--convergence: 'suite/config')")
      ("convergence", po::bool_switch(&po_.convergence),
       "compare final metrics of run records over seeds instead of benchmarks");
  po::variables_map vm;
  help = !parse_options("perf-check", "--baseline A.json... --contender B.json... [options]",
                        kDescription, opts, {}, args, vm);
  if (help) return po_;

  if (vm.count("threshold")) {
    o.threshold = parse_percentage("--threshold", threshold);
  } else if (po_.convergence) {
    o.threshold = 0.0;
  }
  const auto a = spec::to_double(alpha);
  if (!a || !(*a > 0.0 && *a <= 0.5))
    throw UsageError("--alpha must be in (0, 0.5], got '" + alpha + "'");
  o.alpha = *a;
  if (metric != "real_time" && metric != "cpu_time")
    throw UsageError("--metric must be real_time or cpu_time, got '" + metric + "'");
  o.cpu_time = metric == "cpu_time";
  if (normalize != "none" && normalize != "calibration")
    throw UsageError("--normalize must be none or calibration, got '" + normalize + "'");
  o.normalize = normalize == "calibration";
  if (format == "text") po_.format = pc::Format::text;
  else if (format == "markdown") po_.format = pc::Format::markdown;
  else if (format == "json") po_.format = pc::Format::json;
  else throw UsageError("--format must be text, markdown or json, got '" + format + "'");
  if (vm.count("filter")) {
    try {
      o.filter.emplace(filter);
    } catch (const pc::PatternError& e) {
      throw UsageError("--filter '" + filter + "' is not a valid regex (" + e.what() + ")");
    }
  }
  for (const auto& rule : calib) {
    const size_t eq = rule.rfind('=');
    if (eq == std::string::npos || eq == 0)
      throw UsageError("--calibration-for must be REGEX=KIND, got '" + rule + "'");
    const std::string kind = rule.substr(eq + 1);
    pc::Calib calib = pc::Calib::none;
    if (kind == "fma") calib = pc::Calib::fma;
    else if (kind == "triad") calib = pc::Calib::triad;
    else if (kind == "copy") calib = pc::Calib::copy;
    else if (kind == "none") calib = pc::Calib::none;
    else
      throw UsageError("--calibration-for '" + rule + "': KIND must be fma, triad, copy or none, got '" +
                       kind + "'");
    try {
      o.calib_rules.push_back({pc::NamePattern(rule.substr(0, eq)), calib});
    } catch (const pc::PatternError& e) {
      throw UsageError("--calibration-for '" + rule + "': invalid regex (" + e.what() + ")");
    }
  }
  if (!o.calib_rules.empty() && !o.normalize)
    throw UsageError("--calibration-for needs --normalize calibration");
  if (po_.convergence) {
    for (const char* flag : {"metric", "normalize"})
      if (!vm[flag].defaulted())
        throw UsageError(std::string("--") + flag + " applies to benchmarks, not --convergence");
    if (!o.calib_rules.empty())
      throw UsageError("--calibration-for applies to benchmarks, not --convergence");
  }
  return po_;
}

}  // namespace

int cmd_perf_check(const std::vector<std::string>& args) {
  bool help = false;
  const PerfOptions o = parse_perf_options(args, help);
  if (help) return kOk;
  try {
    if (o.convergence) {
      const pc::NamePattern* filter = o.compare.filter ? &*o.compare.filter : nullptr;
      const auto c = pc::compare_convergence(pc::read_records(o.compare.baseline, filter),
                                             pc::read_records(o.compare.contender, filter), o.compare);
      std::cout << pc::render(c, o.format) << std::flush;
      return c.regression() ? kRegression : kOk;
    }
    const pc::Side base = pc::read_side("baseline", o.compare.baseline);
    const pc::Side cont = pc::read_side("contender", o.compare.contender);
    const auto c = pc::compare_benchmarks(base, cont, o.compare);
    std::cout << pc::render(c, o.format) << std::flush;
    return c.regression() ? kRegression : kOk;
  } catch (const pc::FilterMatchesNothing& e) {
    throw UsageError(e.what());
  } catch (const pc::InputError& e) {
    // CI scripts read perf-check's statuses as 0 pass / 1 regression / 2
    // cannot compare (bad flag *or* bad input), as Google Benchmark's users
    // expect; the other commands keep 3 for data errors.
    std::cerr << "lrbench perf-check: " << e.what() << "\n";
    return kUsage;
  } catch (const fs::filesystem_error& e) {
    std::cerr << "lrbench perf-check: " << e.what() << "\n";
    return kUsage;
  }
}

}  // namespace lrb::cli
