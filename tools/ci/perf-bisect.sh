#!/usr/bin/env bash
# perf-bisect.sh GOOD BAD --benchmark REGEX [options] [-- PERF_CHECK_OPTIONS...]
#
# Which commit between GOOD and BAD made a benchmark slower?  Run from inside
# the repository.  The script
#   1. lists the first-parent path GOOD..BAD (c_1 .. c_k = BAD; GOOD must be
#      an ancestor of BAD) and builds GOOD once (git worktree, Release);
#   2. probes BAD first: if BAD is not slower than GOOD here, there is
#      nothing to bisect (exit 1);
#   3. binary search: probe the middle of the commits not yet known good or
#      bad, until the first bad one is pinned (about log2(k) + 1 probes).  A
#      probe builds the commit in a second worktree (incrementally, one build
#      directory for all probes) and runs GOOD's and its benchmarks
#      interleaved on this machine, --rounds rounds, GOOD first in odd rounds
#      and the probe first in even ones, --repetitions repetitions each, so
#      slow drift hits both alike; then `lrbench perf-check --filter REGEX`
#      compares the pooled rounds: its "slower" (exit 1) marks the probe bad,
#      anything else good.  Arguments after `--` go to perf-check
#      (--threshold, --alpha, --metric, ...; both sides run on one machine,
#      so perf-check's default --normalize none is the right one).
#   A commit that does not build is skipped (as `git bisect skip`): the
#   nearest untried commit in the open range is probed instead.
#
# Prints "first bad commit: SHA subject" and, last, a line
# "first-bad SHA" on stdout (progress on stderr).
#
# options:
#   --benchmark REGEX  the benchmark (Google Benchmark name regex; required);
#                      also the --benchmark_filter of the runs
#   --rounds N         interleaved rounds per probe (default 3)
#   --repetitions N    --benchmark_repetitions per run (default 3); use
#                      rounds x repetitions >= 5 per side so the rank test
#                      can reach p < 0.05
#   --min-time SEC     --benchmark_min_time (default: the library's)
#   --jobs N           build parallelism (default nproc)
#   --workdir DIR      keep worktrees, builds and results in DIR (reused by
#                      the next call); default: a temp dir, removed on exit
#   --out DIR          write each probe's perf-check report there
#                      (probe-N-SHA.txt) and the path with the verdicts
#                      (bisect.log)
#   --lrbench PATH     the lrbench to compare with (default: the one built
#                      from BAD, copied aside before the probes move on)
#   --cmake-arg ARG    extra argument for every CMake configure (repeatable)
#   --build-cmd CMD    build hook instead of CMake: `bash -c CMD` in the
#                      commit's worktree with PERF_SRC (the worktree) and
#                      PERF_BUILD (its build directory) exported; non-zero
#                      means "this commit cannot be built" (skipped)
#   --bench-cmd CMD    benchmark hook instead of running the build's
#                      bench/*/bench_* executables: `bash -c CMD` in the
#                      worktree with PERF_SRC, PERF_BUILD, PERF_OUT (a
#                      directory to write Google Benchmark JSON files into),
#                      PERF_FILTER, PERF_REPETITIONS and PERF_MIN_TIME
#                      exported
#
# exit status: 0 the first bad commit is named; 1 BAD is not slower than
# GOOD on this machine (nothing to bisect); 2 usage error or input perf-check
# cannot compare; 5 GOOD or BAD does not build, or a benchmark run failed;
# 6 the first bad commit is one of several that could not be built (listed).
#
# Example (a CI job after perf-history check failed on HEAD):
#   tools/ci/perf-bisect.sh v1.2 HEAD --benchmark 'BM_conv2d_forward/32$' \
#     --rounds 3 --repetitions 3 --out bisect -- --threshold 3%
set -euo pipefail

me=perf-bisect.sh
# shellcheck source=tools/ci/perf-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/perf-lib.sh"

rounds=3 reps=3 min_time="" jobs=$(nproc 2>/dev/null || echo 2)
benchmark="" workdir="" out="" lrbench="" build_cmd="" bench_cmd=""
cmake_args=() check_args=() refs=()
while [ $# -gt 0 ]; do
  case "$1" in
    --benchmark) need_value "$@"; benchmark=$2; shift 2 ;;
    --rounds) need_value "$@"; rounds=$2; shift 2 ;;
    --repetitions) need_value "$@"; reps=$2; shift 2 ;;
    --min-time) need_value "$@"; min_time=$2; shift 2 ;;
    --jobs|-j) need_value "$@"; jobs=$2; shift 2 ;;
    --workdir) need_value "$@"; workdir=$2; shift 2 ;;
    --out) need_value "$@"; out=$2; shift 2 ;;
    --lrbench) need_value "$@"; lrbench=$2; shift 2 ;;
    --cmake-arg) need_value "$@"; cmake_args+=("$2"); shift 2 ;;
    --build-cmd) need_value "$@"; build_cmd=$2; shift 2 ;;
    --bench-cmd) need_value "$@"; bench_cmd=$2; shift 2 ;;
    --) shift; check_args=("$@"); break ;;
    -h|--help) perf_usage "$0"; exit 0 ;;
    -*) die_usage "unknown option '$1' (see --help)" ;;
    *) refs+=("$1"); shift ;;
  esac
done
[ ${#refs[@]} -eq 2 ] || die_usage "expected GOOD BAD, got ${#refs[@]} revision(s) (see --help)"
[ -n "$benchmark" ] || die_usage "--benchmark REGEX is required (see --help)"
positive_int --rounds "$rounds"
positive_int --repetitions "$reps"
positive_int --jobs "$jobs"
((rounds * reps >= 5)) ||
  die_usage "--rounds x --repetitions must be >= 5 (got $rounds x $reps): with fewer values per side the rank test cannot reach p < 0.05 and every probe would look good"
if [ -n "$lrbench" ] && [ ! -x "$lrbench" ]; then die_usage "--lrbench '$lrbench' is not an executable"; fi
if [ -n "$build_cmd" ] && [ -z "$lrbench" ]; then die_usage "--build-cmd needs --lrbench PATH"; fi

repo=$(perf_repo)
good=$(perf_resolve "$repo" "${refs[0]}")
bad=$(perf_resolve "$repo" "${refs[1]}")
git -C "$repo" merge-base --is-ancestor "$good" "$bad" ||
  die_usage "GOOD ${refs[0]} is not an ancestor of BAD ${refs[1]}"
mapfile -t commits < <(git -C "$repo" rev-list --first-parent --reverse "$good..$bad")
k=${#commits[@]}
[ "$k" -ge 1 ] || die_usage "GOOD and BAD are the same commit"
[ "${commits[k - 1]}" = "$bad" ] || die_usage "internal: BAD is not the end of the first-parent path"
log "GOOD ${refs[0]} = $good"
log "BAD  ${refs[1]} = $bad ($k commits on the first-parent path)"

if [ -n "$workdir" ]; then
  mkdir -p "$workdir"
  work=$(cd "$workdir" && pwd)
  own_work=0
else
  work=$(mktemp -d "${TMPDIR:-/tmp}/perf-bisect.XXXXXX")
  own_work=1
fi
# shellcheck disable=SC2317  # called through the trap
cleanup() {
  if [ "$own_work" = 1 ]; then
    perf_remove_worktree "$repo" "$work/good-src"
    perf_remove_worktree "$repo" "$work/probe-src"
    rm -rf "$work"
    git -C "$repo" worktree prune 2>/dev/null || true
  fi
}
trap cleanup EXIT
mkdir -p "$work/logs"
if [ -n "$out" ]; then mkdir -p "$out" && : >"$out/bisect.log"; fi
record() {  # record LINE: progress for the log and --out
  log "$1"
  if [ -n "$out" ]; then echo "$1" >>"$out/bisect.log"; fi
}

perf_checkout "$repo" "$work/good-src" "$good"
perf_build good "$work/good-src" "$work/good-build" "$work/logs" ||
  die_run "GOOD ${refs[0]} ($good) does not build; log: $work/logs/good-build.log"

# bench_side ROUND SIDE: GOOD's or the probe's benchmarks for the probe
# `tag` being measured (perf_interleave's callback, called from probe, whose
# local `tag` it sees).
# shellcheck disable=SC2317  # invoked indirectly, by perf_interleave
bench_side() {
  local r=$1 side=$2
  log "$tag round $r/$rounds: $side"
  perf_bench "$side $tag round $r" "$work/$side-src" "$work/$side-build" \
    "$work/results/$tag/$side/round$r" "$benchmark" "$reps" "$min_time" \
    "$work/logs/$tag-$side-round$r.log" || die_run "benchmarking $side failed in $tag round $r"
}

# probe I: 0 when commits[I] is not slower than GOOD, 1 when it is, 3 when
# it does not build.  Exits 5 when a benchmark run fails, 2 when perf-check
# cannot compare.
probes=0
probe() {
  local i=$1 sha=${commits[$1]} extra=()
  probes=$((probes + 1))
  local tag="probe-$probes-${sha:0:12}"
  log "$tag: commit $((i + 1))/$k $(git -C "$repo" log -1 --format='%h %s' "$sha")"
  perf_checkout "$repo" "$work/probe-src" "$sha"
  if [ -z "$lrbench" ] && [ -z "$build_cmd" ]; then extra=(lrbench); fi
  perf_build "$tag" "$work/probe-src" "$work/probe-build" "$work/logs" "${extra[@]}" || {
    record "$tag: $sha does not build (skipped)"
    return 3
  }
  if [ -z "$lrbench" ]; then
    [ -x "$work/probe-build/tools/lrbench/lrbench" ] ||
      die_run "the build of $sha has no tools/lrbench/lrbench (pass --lrbench PATH)"
    cp "$work/probe-build/tools/lrbench/lrbench" "$work/lrbench"
    lrbench="$work/lrbench"
  fi
  rm -rf "$work/results/$tag"
  perf_interleave "$rounds" bench_side good probe
  local status=0 report="$work/results/$tag/perf-check.txt"
  "$lrbench" perf-check --baseline "$work/results/$tag"/good/round*/*.json \
    --contender "$work/results/$tag"/probe/round*/*.json --filter "$benchmark" \
    "${check_args[@]}" >"$report" 2>&1 || status=$?
  if [ -n "$out" ]; then cp "$report" "$out/$tag.txt"; fi
  case "$status" in
    0) record "$tag: $sha not slower than GOOD"; return 0 ;;
    1) record "$tag: $sha slower than GOOD"; return 1 ;;
    *) cat "$report" >&2; echo "$me: perf-check could not compare $tag (exit $status)" >&2; exit 2 ;;
  esac
}

# BAD first: without a reproducible slowdown there is nothing to bisect.
status=0
probe $((k - 1)) || status=$?
case "$status" in
  0) echo "perf-bisect: BAD ${refs[1]} ($bad) is not slower than GOOD ${refs[0]} here: nothing to bisect"
     exit 1 ;;
  3) die_run "BAD ${refs[1]} ($bad) does not build; log: $work/logs" ;;
esac

# Invariant: commits[lo] is good (lo = -1: GOOD itself), commits[hi] is bad;
# skipped[i] = 1 for the commits that do not build.
lo=-1 hi=$((k - 1))
declare -A skipped=()
while :; do
  # The untried, buildable commit in (lo, hi) nearest the middle.
  mid=-1
  if ((hi - lo > 1)); then
    center=$(((lo + hi) / 2))
    for ((d = 0; d < hi - lo; d++)); do
      for cand in $((center - d)) $((center + d)); do
        if ((cand > lo && cand < hi)) && [ -z "${skipped[$cand]:-}" ]; then mid=$cand; break 2; fi
      done
    done
  fi
  ((mid >= 0)) || break
  status=0
  probe "$mid" || status=$?
  case "$status" in
    0) lo=$mid ;;
    1) hi=$mid ;;
    3) skipped[$mid]=1 ;;
  esac
done

subject() { git -C "$repo" log -1 --format='%h %s' "$1"; }
unknown=()
for ((i = lo + 1; i < hi; i++)); do unknown+=("${commits[$i]}"); done
if [ ${#unknown[@]} -gt 0 ]; then
  echo "perf-bisect: the first bad commit is one of these (the first ones do not build):"
  for sha in "${unknown[@]}" "${commits[$hi]}"; do echo "  $(subject "$sha")"; done
  echo "perf-bisect: $probes probes"
  exit 6
fi
echo "first bad commit: ${commits[$hi]} $(git -C "$repo" log -1 --format='%s' "${commits[$hi]}")"
if ((lo >= 0)); then last_good=${commits[$lo]}; else last_good=$good; fi
echo "last good commit: $last_good $(git -C "$repo" log -1 --format='%s' "$last_good")"
echo "perf-bisect: $probes probes over $k commits"
echo "first-bad ${commits[$hi]}"
