# shellcheck shell=bash
# perf-lib.sh: the shell functions perf-regression.sh, perf-bisect.sh and
# perf-history.sh share (sourced, not run).  The caller sets `me` (its name
# for messages) and, where it uses them, the globals
#   jobs        build parallelism
#   cmake_args  array of extra CMake configure arguments
#   build_cmd   build hook (empty: CMake, see perf_build)
#   bench_cmd   benchmark hook (empty: the build's executables, see perf_bench)
# Exit codes used here: 2 usage error, 5 a build or benchmark run failed.
# shellcheck disable=SC2154  # me, jobs, cmake_args: set by the caller

perf_usage() { sed -n '2,/^set -euo/p' "$1" | sed '$d' | sed 's/^# \{0,1\}//'; }
die_usage() { echo "$me: $*" >&2; exit 2; }
die_run() { echo "$me: $*" >&2; exit 5; }
log() { echo "== $*" >&2; }
need_value() { [ $# -ge 2 ] || die_usage "$1 needs a value"; }
positive_int() { [[ "$2" =~ ^[1-9][0-9]*$ ]] || die_usage "$1 must be a positive integer, got '$2'"; }

# perf_repo: the top level of the repository the caller runs in.
perf_repo() {
  git rev-parse --show-toplevel 2>/dev/null || die_usage "run this from inside a git repository"
}

# perf_resolve REPO REF: the full SHA of a commit, or a usage error.
perf_resolve() {
  git -C "$1" rev-parse --verify --quiet "$2^{commit}" || die_usage "'$2' is not a commit in $1"
}

# perf_checkout REPO SRC SHA: SRC becomes a detached worktree of REPO at SHA
# (created, or moved if it exists).
perf_checkout() {
  local repo=$1 src=$2 sha=$3
  if [ -e "$src/.git" ]; then
    git -C "$src" checkout --quiet --force --detach "$sha" || die_run "cannot check out $sha in $src"
  else
    git -C "$repo" worktree add --quiet --force --detach "$src" "$sha" ||
      die_run "git worktree add $src $sha failed"
  fi
}

# perf_remove_worktree REPO SRC: removes SRC if it is a worktree of REPO.
perf_remove_worktree() {
  if [ -d "$2" ]; then git -C "$1" worktree remove --force "$2" 2>/dev/null || true; fi
}

# perf_bench_targets BUILD: the bench_* targets a configured build tree
# defines (Makefile and Ninja generators), without the deliberately slowed
# variants that exist for tests only.
perf_bench_targets() {
  cmake --build "$1" --target help 2>/dev/null |
    grep -oE '(^|[ .])bench_[A-Za-z0-9_]+' | sed 's/^[ .]*//' | grep -v '_slowed$' | sort -u
}

# perf_executables BUILD: its benchmark executables, relative to BUILD.
perf_executables() {
  (cd "$1" && find bench -mindepth 2 -maxdepth 2 -type f -name 'bench_*' ! -name '*_slowed' \
    -perm -u+x 2>/dev/null | sort)
}

# perf_cmake_build LABEL SRC BUILD LOGDIR [EXTRA_TARGET...]: configures SRC
# into BUILD (Release, cmake_args) and builds its bench_* targets plus the
# extra ones; on failure shows the log's tail and exits 5.
perf_cmake_build() {
  local label=$1 src=$2 build=$3 logs=$4
  shift 4
  log "configure $label"
  cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release "${cmake_args[@]}" \
    >"$logs/$label-configure.log" 2>&1 || {
    tail -n 40 "$logs/$label-configure.log" >&2
    die_run "configuring the $label failed; log: $logs/$label-configure.log"
  }
  local targets
  targets=$(perf_bench_targets "$build" | tr '\n' ' ')
  targets="$targets$*"
  log "build $label: ${targets:-all}"
  # shellcheck disable=SC2086  # word splitting of the target list is intended
  cmake --build "$build" -j "$jobs" ${targets:+--target $targets} \
    >"$logs/$label-build.log" 2>&1 || {
    tail -n 40 "$logs/$label-build.log" >&2
    die_run "building the $label failed; log: $logs/$label-build.log"
  }
}

# perf_build LABEL SRC BUILD LOGDIR [EXTRA_TARGET...]: perf_build_once; if
# that fails in a BUILD left by another commit, once more in an empty BUILD:
# an incremental build can fail where a clean one does not (CMake refuses a
# build tree whose subdirectory an earlier commit used for another source
# directory).  Returns 1 (does not exit) when the build fails, so a caller
# can skip.
perf_build() {
  local label=$1 build=$3
  perf_build_once "$@" && return 0
  if [ -d "$build" ] && [ -n "$(ls -A "$build" 2>/dev/null)" ]; then
    log "$label: the incremental build failed; retrying in an empty build directory"
    rm -rf "$build"
    perf_build_once "$@" && return 0
  fi
  return 1
}

# perf_build_once LABEL SRC BUILD LOGDIR [EXTRA_TARGET...]: the build hook if
# one is set, else perf_cmake_build.  The hook runs in SRC with PERF_SRC and
# PERF_BUILD exported; it returns non-zero when the commit cannot be built.
perf_build_once() {
  local label=$1 src=$2 build=$3 logs=$4
  shift 4
  if [ -n "${build_cmd:-}" ]; then
    log "build $label (hook)"
    mkdir -p "$build"
    (cd "$src" && PERF_SRC=$src PERF_BUILD=$build bash -c "$build_cmd") \
      >"$logs/$label-build.log" 2>&1 || {
      tail -n 20 "$logs/$label-build.log" >&2
      return 1
    }
    return 0
  fi
  (perf_cmake_build "$label" "$src" "$build" "$logs" "$@") || return 1
}

# perf_run_exe EXE OUT FILTER REPS MIN_TIME LOG: one benchmark executable,
# every repetition kept, JSON into OUT.
perf_run_exe() {
  local exe=$1 out=$2 filter=$3 reps=$4 min_time=$5 logfile=$6
  "$exe" --benchmark_filter="$filter" --benchmark_repetitions="$reps" \
    --benchmark_report_aggregates_only=false \
    --benchmark_out="$out" --benchmark_out_format=json \
    ${min_time:+--benchmark_min_time="$min_time"} >"$logfile" 2>&1 || {
    tail -n 20 "$logfile" >&2
    return 1
  }
}

# perf_bench LABEL SRC BUILD OUTDIR FILTER REPS MIN_TIME LOG: one run of a
# build's benchmarks into OUTDIR (one or more Google Benchmark JSON files).
# With the benchmark hook: it runs in SRC with PERF_SRC, PERF_BUILD,
# PERF_OUT (= OUTDIR), PERF_FILTER, PERF_REPETITIONS and PERF_MIN_TIME
# exported.  Without: every executable of the build that lists a benchmark
# matching FILTER (--benchmark_list_tests) writes OUTDIR/<name>.json.
# Returns 1 when a run fails or nothing matched.
perf_bench() {
  local label=$1 src=$2 build=$3 outdir=$4 filter=$5 reps=$6 min_time=$7 logfile=$8
  mkdir -p "$outdir"
  if [ -n "${bench_cmd:-}" ]; then
    (cd "$src" && PERF_SRC=$src PERF_BUILD=$build PERF_OUT=$outdir PERF_FILTER=$filter \
      PERF_REPETITIONS=$reps PERF_MIN_TIME=$min_time bash -c "$bench_cmd") >"$logfile" 2>&1 || {
      tail -n 20 "$logfile" >&2
      echo "$me: the benchmark hook failed for $label" >&2
      return 1
    }
  else
    local rel exe ran=0
    while IFS= read -r rel; do
      exe="$build/$rel"
      [ -n "$("$exe" --benchmark_list_tests=true --benchmark_filter="$filter" 2>/dev/null)" ] ||
        continue
      perf_run_exe "$exe" "$outdir/$(basename "$rel").json" "$filter" "$reps" "$min_time" \
        "$logfile.$(basename "$rel")" || {
        echo "$me: $rel failed for $label" >&2
        return 1
      }
      ran=1
    done < <(perf_executables "$build")
    [ "$ran" = 1 ] || {
      echo "$me: no benchmark of $label matches '$filter'" >&2
      return 1
    }
  fi
  compgen -G "$outdir/*.json" >/dev/null || {
    echo "$me: the benchmarks of $label wrote no JSON into $outdir" >&2
    return 1
  }
}

# perf_interleave ROUNDS CALLBACK ITEM...: calls `CALLBACK ROUND ITEM` for
# every round and item, the items in the given order in odd rounds and in
# reverse in even rounds (the one measurement loop of the three scripts).
# Interleaving the sides within each round, and alternating which goes
# first, spreads slow drift of the machine (heat, other load) over every
# item alike instead of charging it to whichever ran last.  The callback
# exits on failure (die_run).
perf_interleave() {
  local rounds=$1 callback=$2 r i
  shift 2
  local items=("$@")
  for ((r = 1; r <= rounds; r++)); do
    if ((r % 2)); then
      for ((i = 0; i < ${#items[@]}; i++)); do "$callback" "$r" "${items[i]}"; done
    else
      for ((i = ${#items[@]} - 1; i >= 0; i--)); do "$callback" "$r" "${items[i]}"; done
    fi
  done
}
