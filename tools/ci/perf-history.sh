#!/usr/bin/env bash
# perf-history.sh DIR [--last N | --range A..B] [options]
#
# Records the benchmarks of a run of commits into the history store DIR
# (layout: docs/perf-history.md), for `lrbench perf-history report|check`.
# Run from inside the repository.  The script
#   1. lists the commits, oldest first, on the first-parent path: the last N
#      up to --ref (default: --last 15, HEAD), or those of A..B;
#   2. builds each one (one git worktree and one build directory, checked
#      out and rebuilt incrementally commit by commit; Release, bench_*
#      targets) and keeps a copy of each commit's build to run.  A commit
#      that does not build is skipped with a warning and stays a gap in the
#      history;
#   3. runs the benchmarks of all built commits interleaved on this machine:
#      --rounds rounds, oldest to newest in odd rounds and newest to oldest in
#      even ones, --repetitions repetitions per run, so drift of the machine
#      spreads over all commits instead of looking like a change point;
#   4. for each built commit, oldest first, calls
#        lrbench perf-history add DIR --commit SHA [--parent SHA] --time ISO
#          --subject LINE --cpu-model host FILE.json...
#      with the commit's JSON files of every executable and round (add
#      merges them into the one record of (machine, commit); --parent is the
#      first parent, omitted for a root commit; --time the committer date,
#      ISO 8601; --subject the commit's first line, for the report;
#      --cpu-model host: commits whose benchmarks predate the CPU model in
#      their context ran here too).  The machine is identified by add from the calibration
#      benchmarks, which are therefore always run (BM_calib_ is added to
#      --filter).
#
# options:
#   --last N           the last N first-parent commits up to --ref (default 15)
#   --ref REF          where --last ends (default HEAD)
#   --range A..B       the first-parent commits of A..B instead (B included)
#   --rounds N         interleaved rounds (default 3)
#   --repetitions N    --benchmark_repetitions per run (default 3)
#   --filter REGEX     --benchmark_filter (default .; BM_calib_ is always added)
#   --min-time SEC     --benchmark_min_time (default: the library's)
#   --jobs N           build parallelism (default nproc)
#   --workdir DIR      keep the worktree, builds and results in DIR (a CI cache:
#                      the builds of commits seen before are reused, not
#                      rebuilt); default: a temp dir, removed on exit
#   --tolerance PCT    passed to `perf-history add` (how far calibrations may
#                      swing and still be one machine; default 25%, raise it
#                      on a machine shared with other work)
#   --lrbench PATH     the lrbench whose `perf-history add` records (default:
#                      the one built from the newest commit)
#   --cmake-arg ARG    extra argument for every CMake configure (repeatable)
#   --build-cmd CMD    build hook instead of CMake (as perf-bisect.sh: `bash -c
#                      CMD` in the worktree, PERF_SRC and PERF_BUILD exported;
#                      non-zero: the commit is skipped)
#   --bench-cmd CMD    benchmark hook instead of the build's bench/*/bench_*
#                      executables (as perf-bisect.sh: writes Google Benchmark
#                      JSON into PERF_OUT; PERF_BUILD, PERF_FILTER,
#                      PERF_REPETITIONS, PERF_MIN_TIME exported; PERF_SRC is
#                      the worktree, by then at the newest commit, so a hook
#                      must read its commit's files from PERF_BUILD)
#   --dry-run          build and benchmark, print the add commands, record nothing
#
# exit status: 0 every commit that builds was recorded (skipped ones are
# listed on stderr); 2 usage error, or `perf-history add` rejected its
# arguments; 3 `perf-history add` rejected the store or a file (its message
# says which; nothing is deleted); 5 no commit builds, a benchmark run
# failed, or add failed otherwise.
#
# Building 15 commits of lrbench takes a while; pass
# --cmake-arg -DCMAKE_CXX_COMPILER_LAUNCHER=ccache and keep --workdir between
# runs.  The README's perf-history section shows the CI recipe.
set -euo pipefail

me=perf-history.sh
# shellcheck source=tools/ci/perf-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/perf-lib.sh"

last=15 ref=HEAD range="" rounds=3 reps=3 filter=. min_time="" jobs=$(nproc 2>/dev/null || echo 2)
workdir="" lrbench="" build_cmd="" bench_cmd="" dry_run=0 store="" tolerance=""
cmake_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --last) need_value "$@"; last=$2; shift 2 ;;
    --ref) need_value "$@"; ref=$2; shift 2 ;;
    --range) need_value "$@"; range=$2; shift 2 ;;
    --rounds) need_value "$@"; rounds=$2; shift 2 ;;
    --repetitions) need_value "$@"; reps=$2; shift 2 ;;
    --filter) need_value "$@"; filter=$2; shift 2 ;;
    --min-time) need_value "$@"; min_time=$2; shift 2 ;;
    --jobs|-j) need_value "$@"; jobs=$2; shift 2 ;;
    --workdir) need_value "$@"; workdir=$2; shift 2 ;;
    --lrbench) need_value "$@"; lrbench=$2; shift 2 ;;
    --tolerance) need_value "$@"; tolerance=$2; shift 2 ;;
    --cmake-arg) need_value "$@"; cmake_args+=("$2"); shift 2 ;;
    --build-cmd) need_value "$@"; build_cmd=$2; shift 2 ;;
    --bench-cmd) need_value "$@"; bench_cmd=$2; shift 2 ;;
    --dry-run) dry_run=1; shift ;;
    -h|--help) perf_usage "$0"; exit 0 ;;
    -*) die_usage "unknown option '$1' (see --help)" ;;
    *) [ -z "$store" ] || die_usage "expected one DIR, got '$store' and '$1'"; store=$1; shift ;;
  esac
done
[ -n "$store" ] || die_usage "expected the history directory DIR (see --help)"
positive_int --last "$last"
positive_int --rounds "$rounds"
positive_int --repetitions "$reps"
positive_int --jobs "$jobs"
if [ -n "$lrbench" ] && [ ! -x "$lrbench" ]; then die_usage "--lrbench '$lrbench' is not an executable"; fi
if [ -n "$build_cmd" ] && [ -z "$lrbench" ] && [ "$dry_run" = 0 ]; then
  die_usage "--build-cmd needs --lrbench PATH"
fi
if [ -e "$store" ] && [ ! -d "$store" ]; then die_usage "DIR '$store' exists and is not a directory"; fi
if [ "$filter" != . ]; then filter="($filter)|BM_calib_"; fi

repo=$(perf_repo)
if [ -n "$range" ]; then
  [[ "$range" == *..* ]] || die_usage "--range must be A..B, got '$range'"
  a=$(perf_resolve "$repo" "${range%%..*}")
  b=$(perf_resolve "$repo" "${range##*..}")
  mapfile -t commits < <(git -C "$repo" rev-list --first-parent --reverse "$a..$b")
else
  tip=$(perf_resolve "$repo" "$ref")
  mapfile -t commits < <(git -C "$repo" rev-list --first-parent --max-count="$last" "$tip" | tac)
fi
[ ${#commits[@]} -ge 1 ] || die_usage "no commits to record in ${range:-the last $last of $ref}"
log "${#commits[@]} commits, $(git -C "$repo" log -1 --format=%h "${commits[0]}") .. $(git -C "$repo" log -1 --format=%h "${commits[${#commits[@]} - 1]}")"

if [ -n "$workdir" ]; then
  mkdir -p "$workdir"
  work=$(cd "$workdir" && pwd)
  own_work=0
else
  work=$(mktemp -d "${TMPDIR:-/tmp}/perf-history.XXXXXX")
  own_work=1
fi
# shellcheck disable=SC2317  # called through the trap
cleanup() {
  if [ "$own_work" = 1 ]; then
    perf_remove_worktree "$repo" "$work/src"
    rm -rf "$work"
    git -C "$repo" worktree prune 2>/dev/null || true
  fi
}
trap cleanup EXIT
mkdir -p "$work/logs" "$work/builds"

# Build every commit, oldest first, in one build directory (incremental: the
# worktree's checkout touches only the files that differ), and keep a copy of
# each commit's build (CMake caches name their directory, so the copies are
# run, never rebuilt).  With --workdir a commit copied before is not rebuilt.
built=() skipped=()
newest=${commits[${#commits[@]} - 1]}
for sha in "${commits[@]}"; do
  snapshot="$work/builds/$sha"
  if [ -d "$snapshot" ]; then
    log "${sha:0:12}: built by an earlier run"
    built+=("$sha")
    continue
  fi
  perf_checkout "$repo" "$work/src" "$sha"
  extra=()
  if [ "$sha" = "$newest" ] && [ -z "$lrbench" ] && [ -z "$build_cmd" ] && [ "$dry_run" = 0 ]; then
    extra=(lrbench)
  fi
  if perf_build "${sha:0:12}" "$work/src" "$work/build" "$work/logs" "${extra[@]}"; then
    rm -rf "$snapshot.partial"
    cp -a "$work/build" "$snapshot.partial" && mv "$snapshot.partial" "$snapshot"
    built+=("$sha")
  else
    log "warning: $(git -C "$repo" log -1 --format='%h %s' "$sha") does not build: skipped (a gap in the history)"
    skipped+=("$sha")
  fi
done
[ ${#built[@]} -ge 1 ] || die_run "none of the ${#commits[@]} commits builds; logs: $work/logs"
if [ -z "$lrbench" ] && [ "$dry_run" = 0 ]; then
  lrbench="$work/builds/$newest/tools/lrbench/lrbench"
  [ -x "$lrbench" ] ||
    die_run "no lrbench from the newest commit ($newest; it did not build, or an earlier run built it without lrbench): pass --lrbench PATH"
fi

# The benchmark runs read their build directory only, so the worktree can be
# left at the newest commit while the builds of all commits run.
rm -rf "$work/results"
# bench_commit ROUND SHA: one commit's benchmarks (perf_interleave's callback).
# shellcheck disable=SC2317  # invoked indirectly, by perf_interleave
bench_commit() {
  local r=$1 sha=$2
  log "round $r/$rounds: ${sha:0:12}"
  perf_bench "${sha:0:12} round $r" "$work/src" "$work/builds/$sha" \
    "$work/results/$sha/round$r" "$filter" "$reps" "$min_time" \
    "$work/logs/${sha:0:12}-round$r.log" || die_run "benchmarking ${sha:0:12} failed in round $r"
}
perf_interleave "$rounds" bench_commit "${built[@]}"

for sha in "${built[@]}"; do
  # Every commit ran on this host: benchmarks built before the calibration
  # recorded the CPU model get this host's, so the history does not split.
  args=(perf-history add "$store" --commit "$sha" --cpu-model host)
  if parent=$(git -C "$repo" rev-parse --verify --quiet "$sha^1"); then args+=(--parent "$parent"); fi
  args+=(--time "$(git -C "$repo" log -1 --format=%cI "$sha")" --subject "$(git -C "$repo" log -1 --format=%s "$sha")")
  if [ -n "$tolerance" ]; then args+=(--tolerance "$tolerance"); fi
  mapfile -t files < <(find "$work/results/$sha" -name '*.json' | sort)
  if [ "$dry_run" = 1 ]; then
    printf 'lrbench'
    printf ' %q' "${args[@]}" "${files[@]}"
    printf '\n'
    continue
  fi
  status=0
  "$lrbench" "${args[@]}" "${files[@]}" || status=$?
  case "$status" in
    0) log "recorded ${sha:0:12}" ;;
    2|3) echo "$me: lrbench perf-history add failed for $sha (exit $status)" >&2; exit "$status" ;;
    *) die_run "lrbench perf-history add failed for $sha (exit $status)" ;;
  esac
done
if [ ${#skipped[@]} -gt 0 ]; then
  echo "$me: recorded ${#built[@]} commits; skipped ${#skipped[@]} that do not build: ${skipped[*]}" >&2
fi
