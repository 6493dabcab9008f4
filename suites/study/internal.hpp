#pragma once
// What the parts of suites/study share; not used outside it.
#include <optional>
#include <string>
#include <vector>

#include "core/spec/spec.hpp"
#include "suites/study/study.hpp"

namespace lrb::suites::study {

// ---- metrics (metrics.cpp) --------------------------------------------------------
//
// A metric names one number per run, computed from its record when a claim or
// a tuning choice is evaluated (so changing a metric never invalidates a run):
//   train_loss, val_loss, test_loss, train_accuracy, val_accuracy, test_accuracy
//                                the value at the end of training
//   best_<val|test>_<loss|accuracy>   the best over the evaluated epochs
//   steps_to(C), epochs_to(C), seconds_to(C)   first evaluation where the
//                                condition C ("test_accuracy >= 0.85") holds; a
//                                run that never gets there counts its whole budget
//   auc(<curve>)                 mean of the per-epoch curve (area under it per epoch)
//   samples_per_second, wall_seconds, diverged (1 or 0)
//   lr_window(<metric>, TOL)     groups only: decades of LR (log10 hi/lo) of the
//                                LRs next to the best one whose metric is within TOL
//                                of the best, per seed
//   best_of(<metric>)            groups only: the best value of the metric over the
//                                group's arms, per seed (the sweep tuned on that metric)
//   best_lr(<metric>)            groups only: the LR of that best arm, per seed
//   /a/json/pointer              any number in the record
struct Metric {
  enum class Type { pointer, final, best, to, auc, timing, diverged, window, best_of, best_lr };
  std::string text;
  Type type = Type::final;
  std::string key;     // final / best / auc: the curve or final key; pointer: the pointer; timing: its key
  std::string unit;    // to: steps | epochs | seconds
  std::string op;      // to: the condition's operator
  double target = 0;   // to: the condition's value; window: the tolerance
  bool lower = true;   // lower is better (window, best_of, best_lr: of the metric inside)
  bool group() const { return type == Type::window || type == Type::best_of || type == Type::best_lr; }
};
Metric parse_metric(const std::string& text);  // std::invalid_argument naming the valid forms
// Throws std::invalid_argument for a bad metric (or a group metric where one is not allowed).
void check_metric(const std::string& text, bool group_ok);
// True when lower is better: `direction` ("lower" | "higher") when given,
// else the metric's own; a JSON pointer needs `direction`.
bool metric_direction(const std::string& text, const std::optional<std::string>& direction);
// The value of a per-run metric for one record (nullopt: none).
std::optional<double> metric_value(const Metric& m, const json& record);
// The key a metric's values get in a claim's view ("test_loss", the pointer's last token).
std::string metric_key(const Metric& m);

// "METRIC OP VALUE" with a per-run metric, e.g. "test_loss > 1".
struct Condition {
  Metric metric;
  std::string op;
  double value = 0;
};
Condition parse_condition(const std::string& text);
void check_condition(const std::string& text);
bool holds(const Condition& c, const json& record);  // false when the metric has no value

// ---- arms (expand.cpp) ---------------------------------------------------------------
// The arms an operand names: an arm's name, a grid's name (all its arms), or a selector GRID[factor=value,...]
// ("*[...]": any arm) whose factors have those values (numbers compared as numbers).
// std::invalid_argument for a malformed selector.
std::vector<const Arm*> select_arms(const StudySpec& spec, const std::string& operand);

// The settings of an arm for a budget: study, [quick], the arm (grid values
// included), the arm's quick table; `options` tables merge key by key.
Settings layered(const StudySpec& spec, const Arm& arm, bool quick);
int final_seeds(const StudySpec& spec, const Budget& budget);

// Tuning trial configs of an arm: "<arm>/tune/<param>=<label>" or "<arm>/tune/lr_range".
inline constexpr int64_t kTuneSeed0 = 10000;  // trials use seeds 10000, 10001, ...

// ---- claims (claims.cpp) ------------------------------------------------------------------
ClaimResult evaluate_claim(const StudySpec& spec, const ClaimSpec& claim, const Choices& choices,
                           const ResultSet& rs, const std::vector<RunSpec>& plan);
std::string default_metric_text(const ClaimSpec& c);
std::string default_test_text(const ClaimSpec& c);

}  // namespace lrb::suites::study
