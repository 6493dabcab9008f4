#!/usr/bin/env bash
# perf-regression.sh BASE_REF [CONTENDER_REF] [options] [-- PERF_CHECK_OPTIONS...]
#
# Is CONTENDER_REF (default HEAD) slower than BASE_REF?  Run from inside the
# repository.  The script
#   1. checks both revisions out as git worktrees in a work directory and
#      configures and builds each in its own build directory (Release; only the
#      bench_* targets, plus `lrbench` in the contender);
#   2. runs every benchmark executable present in both builds, interleaved on
#      this machine: --rounds rounds, each running base then contender (odd
#      rounds) or contender then base (even rounds), --repetitions
#      repetitions per run, so slow drift of the machine (thermal, other
#      jobs) hits both sides alike;
#   3. pools the rounds of each side (lrbench perf-check reads every round file
#      of a side as one sample: rounds x repetitions values per benchmark)
#      and runs the contender's `lrbench perf-check`, printing its report on
#      stdout.  Arguments after `--` go to perf-check (--threshold, --alpha,
#      --format markdown, --normalize, --filter ...).  Both sides run on the
#      same machine, so the default is --normalize none.
#
# options:
#   --rounds N         interleaved rounds (default 5)
#   --repetitions N    --benchmark_repetitions per run (default 2); use
#                      rounds x repetitions >= 5 per side: with fewer the rank
#                      test cannot reach p < 0.05 and says "untestable"
#   --filter REGEX     --benchmark_filter for every executable (default .)
#   --min-time SEC     --benchmark_min_time (default: the library's)
#   --jobs N           build parallelism (default nproc)
#   --workdir DIR      keep worktrees, builds and results in DIR and reuse them
#                      on the next call (a CI cache; drop it with `git worktree
#                      remove`); default: a temp dir, removed on exit
#   --out DIR          copy the per-round JSON files there (DIR/base,
#                      DIR/contender) for an artifact
#   --lrbench PATH     use this lrbench instead of building the contender's
#   --cmake-arg ARG    extra argument for both CMake configures (repeatable)
#
# exit status: 0 no regression, 1 regression (from perf-check), 2 usage error or
# bad input (from perf-check), 5 a build or a benchmark run failed.
#
# GitHub Actions (pull requests; the runner must be the same for both sides,
# which this script guarantees by building and running both in one job):
#
#   jobs:
#     perf:
#       runs-on: ubuntu-24.04
#       steps:
#         - uses: actions/checkout@v4
#           with: { fetch-depth: 0 }          # the base revision must be present
#         - run: tools/setup.sh
#         - name: perf regression check
#           run: |
#             set -o pipefail
#             mkdir -p perf
#             tools/ci/perf-regression.sh "origin/${GITHUB_BASE_REF}" HEAD \
#               --rounds 5 --repetitions 2 --out perf -- --format markdown | tee perf/report.md
#         - name: comment on the pull request
#           if: always() && hashFiles('perf/report.md') != ''
#           run: gh pr comment "${{ github.event.number }}" --body-file perf/report.md
#           env: { GH_TOKEN: "${{ github.token }}" }
#         - uses: actions/upload-artifact@v4
#           if: always()
#           with: { name: perf, path: perf/ }
set -euo pipefail

me=perf-regression.sh
# shellcheck source=tools/ci/perf-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/perf-lib.sh"

rounds=5 reps=2 filter=. min_time="" jobs=$(nproc 2>/dev/null || echo 2)
workdir="" out="" lrbench=""
cmake_args=() check_args=() refs=()
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) need_value "$@"; rounds=$2; shift 2 ;;
    --repetitions) need_value "$@"; reps=$2; shift 2 ;;
    --filter) need_value "$@"; filter=$2; shift 2 ;;
    --min-time) need_value "$@"; min_time=$2; shift 2 ;;
    --jobs|-j) need_value "$@"; jobs=$2; shift 2 ;;
    --workdir) need_value "$@"; workdir=$2; shift 2 ;;
    --out) need_value "$@"; out=$2; shift 2 ;;
    --lrbench) need_value "$@"; lrbench=$2; shift 2 ;;
    --cmake-arg) need_value "$@"; cmake_args+=("$2"); shift 2 ;;
    --) shift; check_args=("$@"); break ;;
    -h|--help) perf_usage "$0"; exit 0 ;;
    -*) die_usage "unknown option '$1' (see --help)" ;;
    *) refs+=("$1"); shift ;;
  esac
done
if [ ${#refs[@]} -lt 1 ] || [ ${#refs[@]} -gt 2 ]; then
  die_usage "expected BASE_REF [CONTENDER_REF], got ${#refs[@]} revision(s) (see --help)"
fi
positive_int --rounds "$rounds"
positive_int --repetitions "$reps"
positive_int --jobs "$jobs"
if [ -n "$lrbench" ] && [ ! -x "$lrbench" ]; then die_usage "--lrbench '$lrbench' is not an executable"; fi

repo=$(perf_repo)
base_sha=$(perf_resolve "$repo" "${refs[0]}")
cont_sha=$(perf_resolve "$repo" "${refs[1]:-HEAD}")
log "base      ${refs[0]} = $base_sha"
log "contender ${refs[1]:-HEAD} = $cont_sha"

if [ -n "$workdir" ]; then
  mkdir -p "$workdir"
  work=$(cd "$workdir" && pwd)
  own_work=0
else
  work=$(mktemp -d "${TMPDIR:-/tmp}/perf-regression.XXXXXX")
  own_work=1
fi
# shellcheck disable=SC2317  # called through the trap
cleanup() {
  if [ "$own_work" = 1 ]; then
    for side in base contender; do perf_remove_worktree "$repo" "$work/$side-src"; done
    rm -rf "$work"
    git -C "$repo" worktree prune 2>/dev/null || true
  fi
}
trap cleanup EXIT
mkdir -p "$work/logs"

# prepare SIDE SHA: worktree + configure + build into $work/SIDE-build.
prepare() {
  local side=$1 sha=$2
  perf_checkout "$repo" "$work/$side-src" "$sha"
  local extra=()
  if [ "$side" = contender ] && [ -z "$lrbench" ]; then extra=(lrbench); fi
  perf_cmake_build "$side" "$work/$side-src" "$work/$side-build" "$work/logs" "${extra[@]}"
}
prepare base "$base_sha"
prepare contender "$cont_sha"
if [ -z "$lrbench" ]; then
  lrbench="$work/contender-build/tools/lrbench/lrbench"
  [ -x "$lrbench" ] || die_run "the contender build has no $lrbench (pass --lrbench PATH)"
fi

mapfile -t base_exes < <(perf_executables "$work/base-build")
mapfile -t cont_exes < <(perf_executables "$work/contender-build")
common=()
for rel in "${cont_exes[@]}"; do
  if printf '%s\n' "${base_exes[@]}" | grep -qxF "$rel"; then common+=("$rel")
  else log "warning: $rel is new in the contender: no baseline to compare with"; fi
done
for rel in "${base_exes[@]}"; do
  printf '%s\n' "${cont_exes[@]}" | grep -qxF "$rel" || log "warning: $rel is gone in the contender"
done
[ ${#common[@]} -gt 0 ] || die_run "no benchmark executable (bench/*/bench_*) is in both builds"

rm -rf "$work/results"
mkdir -p "$work/results/base" "$work/results/contender"
# run_one ROUND SIDE:REL: one executable of one side (perf_interleave's
# callback; each executable's base and contender runs are adjacent, and in
# even rounds the contender's comes first).
# shellcheck disable=SC2317  # invoked indirectly, by perf_interleave
run_one() {
  local r=$1 side=${2%%:*} rel=${2#*:} name
  name=$(basename "$rel")
  log "round $r/$rounds: $side $name"
  perf_run_exe "$work/$side-build/$rel" "$work/results/$side/$name.round$r.json" "$filter" "$reps" \
    "$min_time" "$work/logs/$side-$name.round$r.log" || die_run "$side $name failed in round $r"
}
items=()
for rel in "${common[@]}"; do items+=("base:$rel" "contender:$rel"); done
perf_interleave "$rounds" run_one "${items[@]}"
if [ -n "$out" ]; then
  mkdir -p "$out"
  rm -rf "$out/base" "$out/contender"
  cp -r "$work/results/base" "$work/results/contender" "$out/"
fi

log "compare: $lrbench perf-check ${check_args[*]}"
status=0
"$lrbench" perf-check --baseline "$work"/results/base/*.json \
  --contender "$work"/results/contender/*.json "${check_args[@]}" || status=$?
exit "$status"
