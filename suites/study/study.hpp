#pragma once
// Studies: a whole experiment declared in one TOML file (docs/study-files.md)
// and run as a suite -- the same plain Suite data (plan, execute, claims,
// texts) through the same runner, cache, shards, merge, manifests, verdicts,
// Slurm scripts and report as the built-in suites.
//
//   parse_study(text, path)  TOML -> StudySpec (parse.cpp): every problem is a
//                            StudyError "FILE:LINE:COLUMN: KEY: PROBLEM; valid ...";
//                            bounded (file size, key and value nesting) before any
//                            recursion can see the input
//   Study                    a spec plus its data (files hashed once, paths by content)
//   plan / choose            arms x seeds -> runs (expand.cpp); tuning runs first,
//                            then, once their records exist, the chosen value goes
//                            into the final runs' params (two stages; see below)
//   to_suite(study, choices) the Suite the runner, claims and manifests take
//
// Tuning in two stages.  An arm with a `tune` table is planned as trials
// ("<arm>/tune/<param>=<value>" on the validation split with the tuning
// budget, or LR range tests "<arm>/tune/lr_range") until every trial has a
// record; then choose() picks the value (recorded in the manifest with the
// scores and the budget) and the arm's final runs, whose params contain the
// chosen value, join the plan.  `lrbench run --study` does both stages in one
// call; a shard cannot (it holds a share of the trials), so sharded runs do
// stage 1, merge, and run the rest with `--batch-of MERGED --shard I/N` (Slurm:
// `lrbench slurm-script` chains both stages in one submission).
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "records/results_dir.hpp"
#include "suites/suite.hpp"
#include "suites/train_run.hpp"

namespace lrb::suites::study {

// A mistake in a study file (or a plan it cannot make): exit status 2.
struct StudyError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Input bounds, checked before the TOML parser or any walk of its tree sees
// deeper input (their recursion is bounded by these).
inline constexpr size_t kMaxFileBytes = size_t{1} << 20;  // 1 MiB
inline constexpr int kMaxKeyDepth = 8;       // segments of one dotted key or table header
inline constexpr int kMaxValueDepth = 8;     // arrays / inline tables inside each other
inline constexpr int64_t kRunLimit = 10000;  // planned runs without --allow-large
inline constexpr int64_t kHardRunLimit = 1000000;  // planned runs, ever
inline constexpr int kMaxValues = 10000;     // values of one factor or generator

struct Where {
  std::string file;
  int line = 0, column = 0;
};
std::string to_string(const Where& w);  // "file:line:column"

// One setting (see setting_defs() in parse.cpp) with where it was set and
// its layer (0 the study, 1 its [quick], 2 the arm or grid, 3 their quick, 4
// a tuning trial's budget): where epochs and steps are both set, the higher
// layer's wins.
struct Setting {
  json value;
  Where where;
  int layer = 0;
};
using Settings = std::map<std::string, Setting>;

struct Tune {
  Where where;
  std::string by = "grid";        // grid | lr_range
  std::string param = "lr";       // the numeric setting chosen
  std::vector<double> values;     // grid
  std::string values_text;        // as written ("logspace(1e-4, 1, 9)" or the list)
  std::string metric = "val_loss";
  bool lower_is_better = true;
  int seeds = 1;                  // trials per value, seeds 10000, 10001, ...
  Settings budget;                // epochs or steps of each grid trial (empty: the arm's)
  double lr_min = 1e-7, lr_max = 10.0, smoothing = 0.98, stop_factor = 4.0;
  int range_steps = 100;          // lr_range: batches of the range test
};

struct Arm {
  std::string name;
  Where where;
  std::string grid;               // the [[grid]] it came from ("" = an [[arm]])
  Settings settings, quick;       // its own settings over the study's; --quick overrides
  Factors factors;                // what the manifest and report show it as
  std::optional<Tune> tune;
};

struct ClaimSpec {
  Where where;
  std::string id, statement, source, metric_text, test_text;
  std::string kind;  // better | equivalent | not_worse | threshold | ratio | edge | check
  std::string metric;                          // a metric name or a JSON pointer "/final/..."
  bool lower_is_better = true;
  std::vector<std::string> baseline;           // better: one or more (all must be beaten); not_worse: one
  std::string contender;                       // better, not_worse
  std::vector<std::string> labels;             // better with several baselines: their names
  std::string a, b;                            // equivalent; ratio: numerator, denominator
  double band = 0.0;                           // better / equivalent / not_worse: relative to the baseline mean
  std::string arm, op;                         // threshold: arm op value
  double value = 0.0;                          // threshold: the value; not_worse: the absolute margin
  std::string sweep, param = "lr";             // edge: a group of arms differing in `param`
  std::optional<std::pair<double, double>> range;  // edge: expected interval of the edge; ratio: of the ratio
  std::string fail_if;                         // edge: a metric condition that also fails a run
  std::string check;                           // check: a built-in check's name
  json args = json::object();                  // check: its arguments
  std::vector<std::string> also;               // extra evidence: more metrics of the operands
};

struct StudySpec {
  std::string path;                   // the study file
  std::filesystem::path folder;       // relative data paths resolve against it
  std::string id, title, question, source;
  std::vector<std::string> deviations;
  std::vector<records::Section> sections;  // [[section]], in file order
  int seeds = 5;
  std::optional<int> quick_seeds;
  bool has_quick = false;
  Settings defaults, quick;           // [data] + [train]; [quick]
  std::vector<Arm> arms;              // [[arm]]s and expanded [[grid]]s, in file order
  std::vector<ClaimSpec> claims;
  // Grids as written, for the texts: name, factors, runs.
  std::vector<std::string> grid_texts;
};

// Parses a study from text; `path` names it in messages and sets the folder
// relative paths resolve against.  Throws StudyError; never recurses deeper
// than the bounds above whatever the input.
StudySpec parse_study(std::string_view text, const std::string& path);
// Reads and parses a file (StudyError for an unreadable or oversized file).
StudySpec load_study(const std::string& path);

// ---- plans -------------------------------------------------------------------------

// The data an arm's settings name, resolved: TrainParams' data fields
// (generator, sizes, SHA-256s, fractions, limits) and its shape.
struct DataInfo {
  TrainParams fields;
  size_t features = 0, image_rows = 0, image_cols = 0;
  bool labels = false;
  std::string text;  // for the manifest: what the data is
};

// A spec with its data: files are hashed once per Study and found again by
// their SHA-256 when a run executes.  Thread-safe.
class Study {
 public:
  explicit Study(StudySpec spec) : spec_(std::move(spec)) {}
  const StudySpec& spec() const { return spec_; }
  // The data of an arm's settings; reads a CSV or IDX files the first time
  // (data::DataError when missing or corrupt: exit 3; StudyError for a bad spec).
  DataInfo data(const Settings& settings) const;
  DataFiles files() const;

 private:
  StudySpec spec_;
  mutable std::mutex mu_;
  mutable std::map<std::string, DataInfo> data_;  // by dataset spec and folder
  mutable DataFiles files_;
};

// What was chosen for one tuned arm.
struct Choice {
  bool decided = false;
  double value = 0;
  int trials = 0, missing = 0;  // trial runs planned / without a record
  std::string text;             // the choice, its score and the budget, in words
  json evidence;                // per value: score, seeds, diverged
};
using Choices = std::map<std::string, Choice>;  // by arm name

// A record by its run (nullptr: none).  The planner reads tuning records only.
using RecordLookup = std::function<const json*(const RunSpec&)>;

// Every run of the budget: tuning trials, then the final runs of the arms
// that are not tuned or whose choice is decided.  Throws StudyError (a setting
// that cannot be combined, the run limit) or data::DataError.
std::vector<RunSpec> plan(const Study& study, const Budget& budget, const Choices& choices, bool allow_large = false);
// The choices the records allow for the budget (an arm whose trials are not
// all recorded stays undecided).
Choices choose(const Study& study, const Budget& budget, const RecordLookup& lookup);
// Budget check: --quick needs a [quick] table.  Throws StudyError.
void check_budget(const StudySpec& spec, const Budget& budget);

// The suite of a study for one set of choices (plan(budget) uses them).
Suite to_suite(std::shared_ptr<const Study> study, Choices choices, bool allow_large = false);

// A study ready for one results directory and budget: the choices its
// tuning records allow (none when `loaded` is null) and its Suite.
struct Prepared {
  std::shared_ptr<const Study> study;
  Choices choices;
  Suite suite;
  bool undecided = false;  // a tuned arm still waits for its trials' records
};
Prepared prepare(std::shared_ptr<const Study> study, const Budget& budget, const records::LoadedResults* loaded,
                 bool allow_large = false);

// The texts a study's manifest shows (its sections, what is run, the tuning).
std::vector<records::Section> sections(const Study& study, const Budget& budget, const Choices& choices);

// The built-in suites written as study files (suites/*.toml, compiled in):
// 001, 004 and 005, in id order.
std::vector<Suite> builtin_suites();
// Their file names and texts (what `lrbench run --study suites/004_...toml` reads too).
const std::vector<std::pair<std::string, std::string>>& builtin_study_files();

// A commented starter study (`lrbench study init`).
std::string starter_text();

}  // namespace lrb::suites::study
