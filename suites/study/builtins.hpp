#pragma once
// What a study may name that is written in C++: run kinds (a measurement
// protocol a plain training run cannot express) and claim checks (a verdict
// rule a better / equivalent / threshold / edge claim cannot express).  Each
// says why it needs code.  The built-in suites 001 and 004 are study files
// that name some of these; a user's study may name them too.
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "suites/suite.hpp"
#include "suites/train_run.hpp"

namespace lrb::suites::study {

struct RunKind {
  std::string name, help;
  std::vector<std::string> options;  // valid keys of the `options` setting
  // The canonical params of one run from the arm's resolved settings (data
  // fields, model, init, optimizer with its LR, schedule, epochs, batch, dtype)
  // and its options.  Throws std::invalid_argument naming the setting.
  std::function<json(const TrainParams& settings, const json& options)> params;
  std::function<RunResult(const RunSpec&, const RunContext&)> execute;
};

struct Check {
  std::string name, help;
  std::vector<std::string> args, required;  // valid and required keys of `args`
  std::function<ClaimResult(const ResultSet&, const std::vector<RunSpec>&, const json& args)> check;
};

const RunKind* find_run_kind(std::string_view name);
std::vector<std::string> run_kind_names();
const Check* find_check(std::string_view name);
std::vector<std::string> check_names();

// Registered by the suites whose tutorials need them.
std::vector<RunKind> run_kinds_001();  // suites/001_adaptive_lr_cnn.cpp
std::vector<Check> checks_001();
std::vector<Check> checks_004();       // suites/004_lr_adjustment.cpp

}  // namespace lrb::suites::study
