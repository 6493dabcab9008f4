#pragma once
// Shared plumbing of the `lrbench` subcommands: exit codes scripts can trust,
// option parsing that turns every mistake into one line naming the flag, and
// atomic file output.
#include <boost/program_options.hpp>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace lrb::cli {

// Exit statuses.  Documented in README.md; never reuse a number.
enum Exit : int {
  kOk = 0,
  kRunFailure = 1,   // an internal or I/O failure while running
  kUsage = 2,        // bad flag, bad value, bad spec
  kDataError = 3,    // unreadable, corrupt or inconsistent input data
  kDiverged = 4,     // the run finished its work but the loss became non-finite
};

// A usage mistake: printed as "lrbench CMD: MESSAGE", exit kUsage.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

namespace po = boost::program_options;

// Parses argv of one subcommand.  Returns false after printing --help (the
// caller then exits 0).  Throws UsageError for unknown flags, bad values and
// missing required options.
bool parse_options(const std::string& command, const std::string& usage_line,
                   const std::string& description, const po::options_description& options,
                   const po::positional_options_description& positional,
                   const std::vector<std::string>& args, po::variables_map& vm);

// "5%" or "5" -> 0.05; UsageError naming `flag` unless in (0, 100).
double parse_percentage(const std::string& flag, const std::string& text);

struct Command {
  const char* name;
  const char* summary;
  std::function<int(const std::vector<std::string>& args)> run;
};

int cmd_list(const std::vector<std::string>& args);
int cmd_trace(const std::vector<std::string>& args);
int cmd_perf_check(const std::vector<std::string>& args);
int cmd_perf_history(const std::vector<std::string>& args);
int cmd_train(const std::vector<std::string>& args);
int cmd_run(const std::vector<std::string>& args);
int cmd_status(const std::vector<std::string>& args);
int cmd_merge(const std::vector<std::string>& args);
int cmd_claims(const std::vector<std::string>& args);
int cmd_lr_find(const std::vector<std::string>& args);
int cmd_report(const std::vector<std::string>& args);
int cmd_profile(const std::vector<std::string>& args);
int cmd_slurm_script(const std::vector<std::string>& args);
int cmd_study(const std::vector<std::string>& args);

}  // namespace lrb::cli
