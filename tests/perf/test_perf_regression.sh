#!/usr/bin/env bash
# test_perf_regression.sh SCRIPT LRBENCH
#
# Exercises tools/ci/perf-regression.sh (SCRIPT) on a throw-away git
# repository whose only "benchmark" is a shell script writing Google
# Benchmark JSON: commit 1 takes 100 us per repetition, commit 2 130 us
# (+-0.5 % noise), commit 3 does not configure.  Checks the exit statuses the
# CI relies on (1 slower, 0 same, 2 usage, 5 build failure), the report, and
# that no worktree is left behind.  Needs git and cmake; takes seconds.
set -euo pipefail
script=$(realpath "$1")
lrbench=$(realpath "$2")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/test_perf_regression.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

repo="$tmp/repo"
mkdir -p "$repo/bench/fake"
cd "$repo"
git() { command git -c user.name=test -c user.email=test@example.com "$@"; }
git init --quiet

cat >CMakeLists.txt <<'EOF'
cmake_minimum_required(VERSION 3.20)
project(fake NONE)
# The fake benchmark executable: build/bench/fake/bench_fake.
file(COPY bench/fake/bench_fake DESTINATION ${CMAKE_BINARY_DIR}/bench/fake
     FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE)
file(COPY bench/fake/speed.txt DESTINATION ${CMAKE_BINARY_DIR}/bench/fake)
add_custom_target(bench_fake)
EOF
cat >bench/fake/bench_fake <<'EOF'
#!/usr/bin/env bash
# Writes Google Benchmark 1.7 JSON: BM_fake, N repetitions, time = speed x 100 us.
out="" reps=1
for a in "$@"; do
  case "$a" in
    --benchmark_out=*) out=${a#*=} ;;
    --benchmark_repetitions=*) reps=${a#*=} ;;
  esac
done
speed=$(cat "$(dirname "$0")/speed.txt")
{
  echo '{"context": {"host_name": "fake"}, "benchmarks": ['
  for ((i = 0; i < reps; i++)); do
    t=$(awk -v s="$speed" -v r="$RANDOM" 'BEGIN { printf "%.4f", 100 * s * (1 + (r / 32767 - 0.5) / 100) }')
    [ "$i" -gt 0 ] && echo ','
    echo "{\"name\": \"BM_fake\", \"run_name\": \"BM_fake\", \"run_type\": \"iteration\","
    echo " \"repetitions\": $reps, \"repetition_index\": $i, \"threads\": 1, \"iterations\": 100,"
    echo " \"real_time\": $t, \"cpu_time\": $t, \"time_unit\": \"us\"}"
  done
  echo ']}'
} >"$out"
EOF
chmod +x bench/fake/bench_fake
echo 1.0 >bench/fake/speed.txt
git add -A && git commit --quiet -m "fast"
echo 1.3 >bench/fake/speed.txt
git commit --quiet -am "30% slower"
echo 'this is not cmake(' >>CMakeLists.txt
git commit --quiet -am "broken"

run() {  # run EXPECTED_STATUS ARGS...: runs the script, checks its status
  local want=$1; shift
  local got=0
  "$script" --lrbench "$lrbench" --jobs 1 "$@" >"$tmp/out" 2>"$tmp/err" || got=$?
  if [ "$got" != "$want" ]; then
    cat "$tmp/out" "$tmp/err" >&2
    fail "perf-regression.sh $* exited $got, expected $want"
  fi
}

run 1 HEAD~2 HEAD~1 --rounds 3 --repetitions 2 -- --format markdown
grep -q '^\*\*perf-check: 1 slower, 0 faster, 0 unchanged\*\*' "$tmp/out" || fail "no slower summary: $(cat "$tmp/out")"
grep -q 'BM_fake' "$tmp/out" || fail "BM_fake missing from the report"

run 0 HEAD~2 HEAD~2 --rounds 3 --repetitions 2 --out "$tmp/artifacts"
grep -q '^perf-check: 0 slower, 0 faster, 1 unchanged' "$tmp/out" || fail "same revision not unchanged: $(cat "$tmp/out")"
[ "$(find "$tmp/artifacts/base" -name '*.json' | wc -l)" = 3 ] || fail "--out should hold 3 baseline rounds"

# Three repetitions in all per side cannot reach p < 0.05: untestable, exit 0.
run 0 HEAD~2 HEAD~1 --rounds 3 --repetitions 1
grep -q 'untestable' "$tmp/out" || fail "3 vs 3 values should be untestable"

run 5 HEAD~2 HEAD --rounds 1
grep -q 'configuring the contender' "$tmp/err" || fail "no configure failure message: $(cat "$tmp/err")"

run 2
run 2 no-such-ref
run 2 HEAD --rounds 0
run 2 HEAD --bogus

[ "$(command git worktree list | wc -l)" = 1 ] || fail "worktrees left behind: $(command git worktree list)"
echo "test_perf_regression: all checks passed"
