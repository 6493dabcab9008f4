// lrbench slurm-script: one tutorial-suite run spread over a Slurm job array.
//
// Writes two plain bash scripts into --out (default RESULTS/slurm):
//   lrbench-array.sh  #SBATCH --array=0-(N-1); task i runs
//                     `lrbench run --shard i/N --results RESULTS/shards/i`
//   lrbench-merge.sh  `lrbench merge RESULTS/shards/{0..N-1} --out RESULTS/merged`,
//                     then `lrbench claims` (verdicts into RESULTS/merged/verdicts,
//                     the table into RESULTS/claims.md) and
//                     `lrbench report --results RESULTS/merged --out RESULTS/report`
// and creates RESULTS/slurm-logs (Slurm does not create --output folders).
// With --submit it also runs `sbatch --parsable` on the array and
// `sbatch --parsable --dependency=afterok:<array> --kill-on-invalid-dep=yes`
// on the merge, and prints one machine-readable line
//   array_job=<id> merge_job=<id>
//
// A study with tuned arms (suites/study/study.hpp: two stages) needs the
// tuning trials' records of every shard before the chosen values' runs can
// be planned, so its pipeline has two more jobs between the two above:
//   lrbench-tuning-merge.sh   merges the shard folders into RESULTS/tuning
//                             (afterok: the array)
//   lrbench-final-array.sh    task i runs `lrbench run --batch-of RESULTS/tuning
//                             --shard i/N --results RESULTS/shards/i`: the runs
//                             the choices add (afterok: the tuning merge)
// and the merge job waits for the final array instead.  --submit submits all
// four, each afterok the one before, and prints
//   array_job=<id> tuning_merge_job=<id> final_array_job=<id> merge_job=<id>
//
// Resubmitting the same scripts after a failed or cancelled task reruns only
// the missing runs: every shard folder is a content-addressed results
// directory, so a run that already has a record is "cached".
//
// Exit statuses (cli.hpp): 0 scripts written (and submitted), 1 sbatch missing
// or failed, or a file could not be written, 2 usage error.
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/buildinfo/buildinfo.hpp"
#include "records/json_file.hpp"
#include "suites/runner.hpp"
#include "tools/lrbench/cli.hpp"
#include "tools/lrbench/cmd_study_plan.hpp"

extern char** environ;

namespace lrb::cli {
namespace {

namespace fs = std::filesystem;

struct SlurmOptions {
  std::vector<std::string> suites;
  std::vector<std::string> studies;  // study files (made absolute in the scripts)
  bool allow_large = false;
  bool quick = false;
  int seeds = 0;
  int shards = 0;
  std::string results = "results";
  std::string lrbench;  // empty: this executable
  std::string out;      // empty: RESULTS/slurm
  std::string job_name = "lrbench";
  std::string partition, time, mem, account;
  int cpus_per_task = 1;
  std::vector<std::string> extra_sbatch;
  bool no_report = false;
  bool submit = false;
  std::string sbatch = "sbatch";
};

// Plain scans, no std::regex: these read user input (paths, options, what
// sbatch printed), and libstdc++'s regex recurses per character.
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_space(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }  // \s of the C locale
// Skips a run of digits from i; returns how many.
size_t skip_digits(std::string_view s, size_t& i) {
  const size_t start = i;
  while (i < s.size() && is_digit(s[i])) ++i;
  return i - start;
}

// [A-Za-z0-9_@%+=:,./-]+: characters bash never treats specially.
bool is_shell_plain(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || is_digit(c) ||
           std::string_view("_@%+=:,./-").find(c) != std::string_view::npos;
  });
}

// A Slurm time limit: [D-]N[:N[:N]] (MM, MM:SS, HH:MM:SS, D-HH, D-HH:MM,
// D-HH:MM:SS) or UNLIMITED / INFINITE (either case).
bool is_slurm_time(std::string_view s) {
  for (std::string_view word : {"UNLIMITED", "unlimited", "INFINITE", "infinite"})
    if (s == word) return true;
  size_t i = 0;
  if (const size_t dash = s.find('-'); dash != std::string_view::npos) {
    if (skip_digits(s, i) == 0 || i != dash) return false;
    ++i;
  }
  if (skip_digits(s, i) == 0) return false;
  for (int parts = 0; i < s.size() && parts < 2; ++parts) {
    if (s[i] != ':') return false;
    ++i;
    if (skip_digits(s, i) == 0) return false;
  }
  return i == s.size();
}

// A Slurm memory size: digits with an optional unit K, M, G or T (either case).
bool is_slurm_mem(std::string_view s) {
  size_t i = 0;
  if (skip_digits(s, i) == 0) return false;
  if (i < s.size() && std::string_view("KMGTkmgt").find(s[i]) != std::string_view::npos) ++i;
  return i == s.size();
}

// The job id of `sbatch --parsable`: "\s*ID[;CLUSTER]\s*"; nullopt otherwise.
std::optional<std::string> parsable_job_id(std::string_view out) {
  size_t i = 0;
  while (i < out.size() && is_space(out[i])) ++i;
  const size_t start = i;
  if (skip_digits(out, i) == 0) return std::nullopt;
  const std::string id(out.substr(start, i - start));
  if (i < out.size() && out[i] == ';')
    while (i < out.size() && !is_space(out[i])) ++i;
  while (i < out.size() && is_space(out[i])) ++i;
  if (i != out.size()) return std::nullopt;
  return id;
}

// A word for bash: single-quoted unless it only holds characters bash never
// treats specially.
std::string sh_quote(const std::string& s) {
  if (is_shell_plain(s)) return s;
  std::string q = "'";
  for (const char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// A value on an `#SBATCH --output=` line: sbatch reads these lines with its
// own tokenizer (double quotes, backslash escapes, '#' starts a comment
// outside quotes), and expands %A/%a/%j in file names ("%%" is a literal %).
std::string sbatch_path(const std::string& path, const std::string& pattern) {
  std::string q = "\"";
  for (const char c : path) {
    if (c == '"' || c == '\\') q += '\\';
    q += c;
    if (c == '%') q += '%';
  }
  return q + pattern + "\"";
}

// Rejects values that would break or inject into an `#SBATCH` line.
void check_token(const char* flag, const std::string& v) {
  if (v.empty()) throw UsageError(std::string(flag) + " must not be empty");
  for (const char c : v)
    if (std::isspace(static_cast<unsigned char>(c)) || std::iscntrl(static_cast<unsigned char>(c)) ||
        c == '"' || c == '\'' || c == '\\' || c == '#')
      throw UsageError(std::string(flag) + " must be one word without quotes, '#' or '\\', got '" + v + "'");
}

std::string this_executable() {
  std::error_code ec;
  const auto p = fs::read_symlink("/proc/self/exe", ec);
  if (ec) throw std::runtime_error("cannot find this executable's path (/proc/self/exe): " + ec.message() +
                                   "; pass --lrbench PATH");
  return p.string();
}

fs::path absolute_path(const std::string& p) { return fs::absolute(fs::path(p)).lexically_normal(); }

// The plan-selecting flags of `lrbench run`, as shell words.
std::string plan_flags(const SlurmOptions& o) {
  std::string s;
  for (const auto& id : o.suites) s += " --suite " + sh_quote(id);
  for (const auto& f : o.studies) s += " --study " + sh_quote(absolute_path(f).string());
  if (o.allow_large) s += " --allow-large";
  if (o.quick) s += " --quick";
  if (o.seeds) s += " --seeds " + std::to_string(o.seeds);
  return s;
}

std::string header(const std::string& what, const std::vector<std::string>& args) {
  std::string cmd = "lrbench slurm-script";
  for (const auto& a : args) cmd += " " + sh_quote(a);
  for (char& c : cmd)  // a newline would end the comment
    if (std::iscntrl(static_cast<unsigned char>(c))) c = '?';
  std::ostringstream h;
  h << "#!/bin/bash\n"
    << "# " << what << "\n"
    << "# Generated by lrbench " << buildinfo::version() << " (" << buildinfo::commit() << "):\n"
    << "#   " << cmd << "\n"
    << "# Edit the flags of that command and regenerate rather than editing this file.\n";
  return h.str();
}

std::string common_sbatch(const SlurmOptions& o) {
  std::string s;
  if (!o.partition.empty()) s += "#SBATCH --partition=" + o.partition + "\n";
  if (!o.account.empty()) s += "#SBATCH --account=" + o.account + "\n";
  if (!o.time.empty()) s += "#SBATCH --time=" + o.time + "\n";
  if (!o.mem.empty()) s += "#SBATCH --mem=" + o.mem + "\n";
  for (const auto& e : o.extra_sbatch) s += "#SBATCH " + e + "\n";
  return s;
}

// The array of stage 1 (`final` false: the plan; with tuned arms, their
// trials and the untuned arms) or of stage 2 (`final`: the runs of the chosen
// values, planned from the merged trials in RESULTS/tuning).
std::string array_script(const SlurmOptions& o, const std::vector<std::string>& args,
                         const fs::path& lrbench, const fs::path& results, int64_t planned, bool tuned,
                         bool final) {
  const int n = o.shards;
  std::ostringstream s;
  s << header(std::string(final ? "Slurm job array, stage 2" : tuned ? "Slurm job array, stage 1" : "Slurm job array") +
                  ": task i of " + std::to_string(n) + " computes shard i/" + std::to_string(n) + " of " +
                  std::to_string(planned) +
                  (final ? " runs of the tuned arms' chosen values (planned from RESULTS/tuning)."
                   : tuned ? " runs (the tuning trials and the untuned arms)."
                           : " runs."),
              args);
  if (tuned)
    s << "# Submit the four jobs in order, each --dependency=afterok on the one before:\n"
      << "# lrbench-array.sh, lrbench-tuning-merge.sh, lrbench-final-array.sh,\n"
      << "# lrbench-merge.sh; `lrbench slurm-script ... --submit` does that.  Resubmitting\n"
      << "# reruns only runs without a record.\n";
  else
    s << "# Submit: sbatch lrbench-array.sh, then lrbench-merge.sh (see there); `lrbench\n"
      << "# slurm-script ... --submit` does both.  Resubmitting reruns only runs without a\n"
      << "# record; one task alone: sbatch --array=I lrbench-array.sh.\n";
  s << "#SBATCH --job-name=" << o.job_name << (final ? "-final" : "") << "\n"
    << "#SBATCH --array=0-" << (n - 1) << "\n"
    << "#SBATCH --cpus-per-task=" << o.cpus_per_task << "\n"
    << "#SBATCH --output=" << sbatch_path((results / "slurm-logs").string() + "/", "%A_%a.out") << "\n"
    << common_sbatch(o) << "set -euo pipefail\n\n"
    << "lrbench=" << sh_quote(lrbench.string()) << "\n"
    << "results=" << sh_quote(results.string()) << "\n"
    << "shards=" << n << "\n"
    << "task=\"${SLURM_ARRAY_TASK_ID:?not a Slurm array task: submit this script with sbatch}\"\n"
    << "shard_dir=\"$results/shards/$task\"\n\n"
    << "# Fails at once (before any training) when the shard folder cannot be created.\n"
    << "mkdir -p -- \"$shard_dir\"\n"
    << "echo \"lrbench " << (final ? "stage 2 " : "") << "shard $task/$shards on $(hostname) with "
    << "${SLURM_CPUS_PER_TASK:-1} CPUs -> $shard_dir\"\n";
  if (final)
    s << "# The choices come from every shard's trials, merged in $results/tuning; this\n"
      << "# task runs its share of the runs that folder lacks (the same shard folder as\n"
      << "# stage 1, whose manifest now holds the whole plan).\n";
  s << "\"$lrbench\" run" << plan_flags(o) << (final ? " --batch-of \"$results/tuning\"" : "")
    << " --shard \"$task/$shards\" --threads \"${SLURM_CPUS_PER_TASK:-1}\" \\\n"
    << "    --results \"$shard_dir\" --progress lines\n";
  return s.str();
}

// The start of a one-task job that reads every shard folder (the merges):
// when to submit it, its #SBATCH lines, and $inputs holding the folders by
// index (a missing one is an error, not a smaller result).
std::string shard_reader_job(const SlurmOptions& o, const std::string& after, const std::string& script,
                             const std::string& suffix, const fs::path& lrbench, const fs::path& results) {
  std::ostringstream s;
  s << "# Submit after " << after << ": sbatch --dependency=afterok:ARRAY_JOB_ID "
       "--kill-on-invalid-dep=yes " << script << "\n"
    << "#SBATCH --job-name=" << o.job_name << "-" << suffix << "\n"
    << "#SBATCH --cpus-per-task=1\n"
    << "#SBATCH --output=" << sbatch_path((results / "slurm-logs").string() + "/", "%j-" + suffix + ".out") << "\n"
    << common_sbatch(o) << "set -euo pipefail\n\n"
    << "lrbench=" << sh_quote(lrbench.string()) << "\n"
    << "results=" << sh_quote(results.string()) << "\n"
    << "shards=" << o.shards << "\n\n"
    << "# Every shard folder, by index: a missing one is an error, not a smaller result.\n"
    << "inputs=()\n"
    << "for ((i = 0; i < shards; i++)); do inputs+=(\"$results/shards/$i\"); done\n";
  return s.str();
}

// Between the stages of a tuned study: the shard folders merged into a fresh
// RESULTS/tuning (rebuilt each time: a rerun of stage 1 rewrites the shards'
// manifests, which must then agree with it), and the choices printed.
std::string tuning_merge_script(const SlurmOptions& o, const std::vector<std::string>& args,
                                const fs::path& lrbench, const fs::path& results) {
  std::ostringstream s;
  s << header("Slurm job between the stages of a tuned study: merges the " + std::to_string(o.shards) +
                  " shard folders of lrbench-array.sh into RESULTS/tuning, where lrbench-final-array.sh "
                  "reads the tuning choices.",
              args)
    << shard_reader_job(o, "the array", "lrbench-tuning-merge.sh", "tuning-merge", lrbench, results)
    << "rm -rf -- \"$results/tuning.new\"\n"
    << "\"$lrbench\" merge \"${inputs[@]}\" --out \"$results/tuning.new\"\n"
    << "rm -rf -- \"$results/tuning\"\n"
    << "mv -- \"$results/tuning.new\" \"$results/tuning\"\n"
    << "# The plan with the choices the merged trials make (stage 2 runs what it lacks).\n"
    << "\"$lrbench\" status \"$results/tuning\"" << plan_flags(o) << "\n";
  return s.str();
}

std::string merge_script(const SlurmOptions& o, const std::vector<std::string>& args,
                         const fs::path& lrbench, const fs::path& results, bool tuned) {
  const std::string array = tuned ? "lrbench-final-array.sh" : "lrbench-array.sh";
  std::ostringstream s;
  s << header("Slurm merge job: combines the " + std::to_string(o.shards) + " shard folders of " +
                  (tuned ? "lrbench-array.sh and lrbench-final-array.sh" : "lrbench-array.sh") +
                  (o.no_report ? std::string() : std::string(" and renders the report")) + ".",
              args)
    << shard_reader_job(o, array, "lrbench-merge.sh", "merge", lrbench, results)
    << "# Exit 3 if two records of one address differ (see `lrbench merge --help`).\n"
    << "\"$lrbench\" merge \"${inputs[@]}\" --out \"$results/merged\"\n"
    << "# The claim verdicts: the table in claims.md, the files the report reads in\n"
    << "# merged/verdicts.  A check that could not be evaluated (exit 1) still lets\n"
    << "# the report show the others; a corrupt record (exit 3) stops here.\n"
    << "rc=0\n"
    << "\"$lrbench\" claims \"$results/merged\"" << plan_flags(o)
    << " --format markdown > \"$results/claims.md\" || rc=$?\n"
    << "[ \"$rc\" -ne 3 ] || exit 3\n";
  if (!o.no_report)
    s << "\"$lrbench\" report --results \"$results/merged\" --out \"$results/report\"\n"
      << "echo \"report: $results/report/index.html\"\n";
  s << "exit \"$rc\"\n";
  return s.str();
}

void write_script(const fs::path& path, const std::string& text) {
  records::write_atomic(path, text);
  if (::chmod(path.c_str(), 0755) != 0)
    throw std::runtime_error("cannot make " + path.string() + " executable: " + std::strerror(errno));
}

struct Spawned {
  int status = 0;
  std::string out;
};

// Runs argv (PATH lookup, no shell), stdout captured, stderr passed through.
// Returns false when the program could not be started (errno kept).
bool run_capture(const std::vector<std::string>& argv, Spawned& r) {
  int fd[2];
  if (::pipe(fd) != 0) throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fd[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&fa, fd[0]);
  posix_spawn_file_actions_addclose(&fa, fd[1]);
  std::vector<char*> cargv;
  for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  pid_t pid = 0;
  const int err = posix_spawnp(&pid, cargv[0], &fa, nullptr, cargv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  ::close(fd[1]);
  if (err != 0) {
    ::close(fd[0]);
    errno = err;
    return false;
  }
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd[0], buf, sizeof buf);
    if (n > 0) r.out.append(buf, static_cast<size_t>(n));
    else if (n == 0 || errno != EINTR) break;
  }
  ::close(fd[0]);
  while (::waitpid(pid, &r.status, 0) < 0 && errno == EINTR) {}
  return true;
}

// `sbatch --parsable ARGS...`: the job id ("ID" or "ID;CLUSTER" on stdout).
std::string sbatch(const std::string& program, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {program, "--parsable"};
  argv.insert(argv.end(), args.begin(), args.end());
  Spawned r;
  if (!run_capture(argv, r))
    throw std::runtime_error("cannot run '" + program + "': " + std::strerror(errno) +
                             " (is Slurm's client installed and on PATH? --sbatch PATH names another)");
  std::string cmd;
  for (const auto& a : argv) cmd += (cmd.empty() ? "" : " ") + sh_quote(a);
  if (!WIFEXITED(r.status) || WEXITSTATUS(r.status) != 0)
    throw std::runtime_error("'" + cmd + "' failed (" +
                             (WIFEXITED(r.status) ? "exit " + std::to_string(WEXITSTATUS(r.status))
                                                  : std::string("killed by a signal")) +
                             ")");
  const auto id = parsable_job_id(r.out);
  if (!id) throw std::runtime_error("'" + cmd + "' printed no job id: '" + r.out + "'");
  return *id;
}

void validate(SlurmOptions& o) {
  if (o.shards < 1 || o.shards > 100000)
    throw UsageError("--shards must be in [1, 100000], got " + std::to_string(o.shards));
  if (o.seeds < 0 || o.seeds > 1000)
    throw UsageError("--seeds must be in [0, 1000], got " + std::to_string(o.seeds));
  if (o.cpus_per_task < 1 || o.cpus_per_task > 256)
    throw UsageError("--cpus-per-task must be in [1, 256] (it is lrbench run --threads), got " +
                     std::to_string(o.cpus_per_task));
  if (o.results.empty()) throw UsageError("--results must not be empty");
  if (o.results.find('\\') != std::string::npos)  // it turns off Slurm's %A/%a in --output
    throw UsageError("--results must not contain a backslash, got '" + o.results + "'");
  for (const auto& [flag, path] : {std::pair{"--results", &o.results}, {"--out", &o.out},
                                   {"--lrbench", &o.lrbench}})
    for (const char c : *path)
      if (std::iscntrl(static_cast<unsigned char>(c)))
        throw UsageError(std::string(flag) + " must not contain control characters (a newline "
                         "would end an #SBATCH line), got '" + *path + "'");
  check_token("--job-name", o.job_name);
  if (!o.partition.empty()) check_token("--partition", o.partition);
  if (!o.account.empty()) check_token("--account", o.account);
  if (!o.time.empty() && !is_slurm_time(o.time))
    throw UsageError("--time must be a Slurm time limit (MM, MM:SS, HH:MM:SS, D-HH, D-HH:MM, "
                     "D-HH:MM:SS or UNLIMITED), got '" + o.time + "'");
  if (!o.mem.empty() && !is_slurm_mem(o.mem))
    throw UsageError("--mem must be a size per node like 4000, 4G or 500M, got '" + o.mem + "'");
  for (auto& e : o.extra_sbatch) {
    if (e.rfind("#SBATCH", 0) == 0) e = e.substr(7);
    e.erase(0, e.find_first_not_of(" \t"));
    bool ok = !e.empty() && e[0] == '-';
    for (const char c : e) ok = ok && c != '\n' && c != '\r';
    if (!ok)
      throw UsageError("--extra-sbatch takes one sbatch option such as '--qos=short' "
                       "(optionally prefixed by '#SBATCH'), got '" + e + "'");
  }
}

// The runs stage 2 will add: each tuned arm's final runs, counted with a
// stand-in choice (the count does not depend on the value chosen).
int64_t stage_two_runs(const Plan& whole, const records::Budget& budget) {
  int64_t n = 0;
  for (const auto& prepared : whole.studies) {
    if (!prepared.undecided) continue;
    auto choices = prepared.choices;
    for (const auto& arm : prepared.study->spec().arms) {
      if (!arm.tune || choices[arm.name].decided) continue;
      choices[arm.name].decided = true;
      choices[arm.name].value = arm.tune->values.empty() ? arm.tune->lr_min : arm.tune->values.front();
    }
    n += static_cast<int64_t>(suites::study::plan(*prepared.study, budget, choices).size() -
                              suites::study::plan(*prepared.study, budget, prepared.choices).size());
  }
  return n;
}

}  // namespace

int cmd_slurm_script(const std::vector<std::string>& args) {
  SlurmOptions o;
  po::options_description opts("options");
  opts.add_options()
      ("suite", po::value(&o.suites)->multitoken(),
       "suite ids to include (repeatable: --suite 002 --suite 004); default: every implemented one")
      ("study", po::value(&o.studies)->multitoken(),
       "a study file to include (repeatable; docs/study-files.md); the scripts name it by absolute path")
      ("allow-large", po::bool_switch(&o.allow_large), "plan a study of more than 10,000 runs")
      ("quick", po::bool_switch(&o.quick), "the quick configuration (smaller budgets, 3 seeds)")
      ("seeds", po::value(&o.seeds)->default_value(0),
       "seeds per seeded configuration, in [1, 1000]; 0 = the suite's default")
      ("shards", po::value(&o.shards)->required(),
       "array tasks N, in [1, 100000] (Slurm's MaxArraySize, often 1001, may cap it); task i runs shard i/N")
      ("results", po::value(&o.results)->default_value(o.results),
       "results directory: shards in DIR/shards/I, merged records in DIR/merged, report in "
       "DIR/report, logs in DIR/slurm-logs (made absolute)")
      ("lrbench", po::value(&o.lrbench), "the lrbench the jobs run (default: this executable)")
      ("out", po::value(&o.out), "folder for the two scripts (default: RESULTS/slurm)")
      ("job-name", po::value(&o.job_name)->default_value(o.job_name),
       "Slurm job name of the array; the merge job gets NAME-merge")
      ("partition", po::value(&o.partition), "#SBATCH --partition for both jobs")
      ("time", po::value(&o.time), "#SBATCH --time for both jobs (e.g. 2:00:00 or 1-00:00:00)")
      ("cpus-per-task", po::value(&o.cpus_per_task)->default_value(o.cpus_per_task),
       "#SBATCH --cpus-per-task of each array task, in [1, 256]; also its `run --threads`")
      ("mem", po::value(&o.mem), "#SBATCH --mem for both jobs (e.g. 4G)")
      ("account", po::value(&o.account), "#SBATCH --account for both jobs")
      ("extra-sbatch", po::value(&o.extra_sbatch)->composing(),
       "one more #SBATCH option for both jobs, e.g. '--qos=short' (repeatable)")
      ("no-report", po::bool_switch(&o.no_report), "the merge job does not run `lrbench report`")
      ("submit", po::bool_switch(&o.submit),
       "also submit: the array, then the merge with --dependency=afterok:<array> "
       "--kill-on-invalid-dep=yes; prints 'array_job=ID merge_job=ID' (a tuned study: "
       "'array_job=ID tuning_merge_job=ID final_array_job=ID merge_job=ID', each afterok the one before)")
      ("sbatch", po::value(&o.sbatch)->default_value(o.sbatch), "the sbatch program --submit runs");
  po::variables_map vm;
  if (!parse_options(
          "slurm-script",
          "--shards N [--suite ID ...] [--study FILE ...] [--quick] [--seeds K] [--results DIR] [--out DIR] "
          "[--partition P] [--time T] [--cpus-per-task C] [--mem M] [--account A] "
          "[--extra-sbatch OPT ...] [--submit]",
          "Writes OUT/lrbench-array.sh (a Slurm job array: task I runs `lrbench run\n"
          "--shard I/N --results DIR/shards/I`) and OUT/lrbench-merge.sh (`lrbench merge`\n"
          "of the N shard folders into DIR/merged, then `lrbench claims` and `lrbench\n"
          "report` into DIR/report).  --submit submits both, the merge after the whole\n"
          "array succeeded.  A study with tuned arms gets two more jobs in between:\n"
          "OUT/lrbench-tuning-merge.sh merges the trials into DIR/tuning, and\n"
          "OUT/lrbench-final-array.sh (an array of N tasks again) runs the chosen\n"
          "values' runs into the same shard folders; --submit chains all four with\n"
          "afterok.  Resubmitting after a failed or cancelled task reruns only the\n"
          "runs without a record.  Exit 1 when sbatch is missing or fails.",
          opts, {}, args, vm))
    return kOk;
  validate(o);
  // The plan as `run` makes it (a study's tuned arms: their trials and the
  // untuned arms; the chosen values' runs are stage 2).
  const PlanOptions po_plan{.suites = o.suites, .studies = o.studies, .quick = o.quick, .seeds = o.seeds,
                            .allow_large = o.allow_large};
  const Plan whole = make_plan(po_plan, nullptr);
  const std::vector<suites::RunSpec>& plan = whole.runs;
  const bool tuned = whole.undecided;
  const int64_t final_runs = tuned ? stage_two_runs(whole, budget_of(po_plan)) : 0;

  const fs::path results = absolute_path(o.results);
  if (o.out.empty()) o.out = (results / "slurm").string();
  const fs::path out = absolute_path(o.out);
  const fs::path lrbench = o.lrbench.empty() ? fs::path(this_executable()) : absolute_path(o.lrbench);
  // Scripts may be written for another machine's paths; a job that cannot
  // start lrbench is only certain when they are submitted from here.
  std::error_code ec;
  if (!fs::is_regular_file(lrbench, ec) || ::access(lrbench.c_str(), X_OK) != 0) {
    if (o.submit) throw UsageError("--lrbench: " + lrbench.string() + " is not an executable file");
    std::cerr << "lrbench slurm-script: note: --lrbench " << lrbench.string()
              << " is not an executable file on this machine\n";
  }

  fs::create_directories(results / "slurm-logs");
  const fs::path array_path = out / "lrbench-array.sh", merge_path = out / "lrbench-merge.sh",
                 tuning_path = out / "lrbench-tuning-merge.sh", final_path = out / "lrbench-final-array.sh";
  write_script(array_path, array_script(o, args, lrbench, results, static_cast<int64_t>(plan.size()), tuned, false));
  if (tuned) {
    write_script(tuning_path, tuning_merge_script(o, args, lrbench, results));
    write_script(final_path, array_script(o, args, lrbench, results, final_runs, true, true));
  } else {
    // Scripts of an earlier tuned plan in this folder would mislead.
    fs::remove(tuning_path, ec);
    fs::remove(final_path, ec);
  }
  write_script(merge_path, merge_script(o, args, lrbench, results, tuned));
  std::cout << "planned runs " << plan.size() << " over " << o.shards << " array tasks\n";
  if (tuned)
    std::cout << "a study has tuned arms: stage 2 runs the chosen values' " << final_runs << " runs over "
              << o.shards << " array tasks once every trial is merged\n";
  std::cout << "array script: " << array_path.string() << "\n";
  if (tuned)
    std::cout << "tuning merge script: " << tuning_path.string() << "\n"
              << "stage 2 array script: " << final_path.string() << "\n";
  std::cout << "merge script: " << merge_path.string() << "\n";
  if (static_cast<int64_t>(plan.size()) < o.shards)
    std::cerr << "lrbench slurm-script: note: " << o.shards << " shards for " << plan.size()
              << " runs: some tasks will have nothing to do\n";
  // The jobs in order, each afterok the one before.
  std::vector<std::pair<std::string, fs::path>> chain = {{"array_job", array_path}};
  if (tuned) chain.insert(chain.end(), {{"tuning_merge_job", tuning_path}, {"final_array_job", final_path}});
  chain.emplace_back("merge_job", merge_path);
  if (!o.submit) {
    std::cout << "submit with:\n  job=$(sbatch --parsable " << sh_quote(array_path.string()) << ")\n";
    for (size_t i = 1; i < chain.size(); ++i)
      std::cout << "  " << (i + 1 < chain.size() ? "job=$(sbatch --parsable " : "sbatch ")
                << "--dependency=afterok:$job --kill-on-invalid-dep=yes " << sh_quote(chain[i].second.string())
                << (i + 1 < chain.size() ? ")" : "") << "\n";
    return kOk;
  }
  std::string line;
  std::string previous;
  for (const auto& [name, path] : chain) {
    std::string id;
    try {
      id = previous.empty() ? sbatch(o.sbatch, {path.string()})
                            : sbatch(o.sbatch, {"--dependency=afterok:" + previous, "--kill-on-invalid-dep=yes",
                                                path.string()});
    } catch (const std::exception& e) {
      if (previous.empty()) throw;
      std::cout << line << "\n";
      throw std::runtime_error(std::string(e.what()) + "; the jobs before it are submitted (" + line +
                               "; scancel them to drop them)");
    }
    line += (line.empty() ? "" : " ") + name + "=" + id;
    previous = id;
  }
  std::cout << line << "\n";
  return kOk;
}

}  // namespace lrb::cli
