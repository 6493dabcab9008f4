#!/usr/bin/env bash
# test_perf_scripts.sh BISECT HISTORY LRBENCH
#
# Runs tools/ci/perf-bisect.sh (BISECT) and tools/ci/perf-history.sh
# (HISTORY) for real on a throw-away git repository whose "benchmark" is a
# shell script: its time is 100 us x the number in speed.txt (+-0.5 %
# noise), and a commit with a file BROKEN does not build.  The build and
# benchmark steps are the scripts' --build-cmd / --bench-cmd hooks, so no
# C++ is built.  History of the main line (first parent):
#   c0 GOOD .. c2, m3 (merge of a side branch), c4 BROKEN, c5, c6 speed 1.3
#   (the planted slowdown), c7 .. c9
# and a branch from c0: d1 speed 1.3 and BROKEN, d2 speed 1.3 (builds).
# Checks the named commit, the skip of unbuildable commits, every exit
# status (0, 1, 2, 5, 6), the --out files, that no worktree is left behind;
# and that perf-history.sh records the commits with the real `lrbench
# perf-history add` (parents, committer times, the calibration kept by the
# filter), after which `lrbench perf-history check` fails on a planted +30 %
# at the newest commit of a 16-commit branch, names it, and once the branch
# has moved on reports it as a change point with its commit range; `report`
# renders the page.  LRBENCH is the real lrbench.  Needs git and gnuplot;
# takes seconds.
set -euo pipefail
bisect=$(realpath "$1")
history=$(realpath "$2")
lrbench=$(realpath "$3")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/test_perf_scripts.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# The hooks.  build: copy speed.txt into the build directory, fail on BROKEN.
# bench: Google Benchmark 1.7 JSON with PERF_REPETITIONS repetitions of
# BM_fake and of the two calibrations the history store needs to place a
# record on a machine (BM_calib_fma_peak with "flops", BM_calib_stream_triad
# with "bytes_per_second"; perf-history must keep them in its filter).
cat >"$tmp/build.sh" <<'EOF'
#!/usr/bin/env bash
set -eu
[ ! -e "$PERF_SRC/BROKEN" ] || { echo "error: this commit does not build" >&2; exit 1; }
cp "$PERF_SRC/speed.txt" "$PERF_BUILD/speed.txt"
EOF
cat >"$tmp/bench.sh" <<'EOF'
#!/usr/bin/env bash
set -eu
speed=$(cat "$PERF_BUILD/speed.txt")
out="$PERF_OUT/fake.json"
{
  echo '{"context": {"host_name": "fake", "num_cpus": 2, "cpu_model": "Fake CPU", "caches": [],'
  echo '  "filter": "'"$PERF_FILTER"'"}, "benchmarks": ['
  first=1
  for name in BM_fake BM_calib_fma_peak BM_calib_stream_triad; do
    s=$speed counter=""
    [ "$name" = BM_fake ] || s=1
    for ((i = 0; i < PERF_REPETITIONS; i++)); do
      t=$(awk -v s="$s" -v r="$RANDOM" 'BEGIN { printf "%.4f", 100 * s * (1 + (r / 32767 - 0.5) / 100) }')
      case "$name" in
        BM_calib_fma_peak) counter=", \"flops\": $(awk -v t="$t" 'BEGIN { printf "%.6g", 1e13 / t }')" ;;
        BM_calib_stream_triad) counter=", \"bytes_per_second\": $(awk -v t="$t" 'BEGIN { printf "%.6g", 1e12 / t }')" ;;
      esac
      [ "$first" = 1 ] || echo ','
      first=0
      echo "{\"name\": \"$name\", \"run_name\": \"$name\", \"run_type\": \"iteration\","
      echo " \"repetitions\": $PERF_REPETITIONS, \"repetition_index\": $i, \"threads\": 1,"
      echo " \"iterations\": 100, \"real_time\": $t, \"cpu_time\": $t, \"time_unit\": \"us\"$counter}"
    done
  done
  echo ']}'
} >"$out"
EOF
chmod +x "$tmp/build.sh" "$tmp/bench.sh"
hooks=(--build-cmd "$tmp/build.sh" --bench-cmd "$tmp/bench.sh")

repo="$tmp/repo"
mkdir -p "$repo"
cd "$repo"
git() { command git -c user.name=test -c user.email=test@example.com "$@"; }
git init --quiet --initial-branch=main
commit() {  # commit NAME SPEED [BROKEN]: sets speed.txt, BROKEN, a file NAME
  echo "$2" >speed.txt
  if [ "${3:-}" = broken ]; then echo 1 >BROKEN; else rm -f BROKEN; fi
  echo "$1" >"$1.txt"
  git add -A && git commit --quiet -m "$1"
  git rev-parse HEAD
}
declare -A sha
sha[c0]=$(commit c0 1.0)
sha[c1]=$(commit c1 1.0)
sha[c2]=$(commit c2 1.0)
git checkout --quiet -b side
sha[s1]=$(commit s1 1.0)
git checkout --quiet main
git merge --quiet --no-ff -m m3 side
sha[m3]=$(git rev-parse HEAD)
sha[c4]=$(commit c4 1.0 broken)
sha[c5]=$(commit c5 1.0)
sha[c6]=$(commit c6 1.3)
sha[c7]=$(commit c7 1.3)
sha[c8]=$(commit c8 1.3)
sha[c9]=$(commit c9 1.3)
git checkout --quiet -b branch "${sha[c0]}"
sha[d1]=$(commit d1 1.3 broken)
sha[d2]=$(commit d2 1.3)
git checkout --quiet main
# The history branch: 15 commits at speed 1.0 after c0, then h15 at 1.3 (the
# planted slowdown, at first the newest commit), later h16 .. h20 at 1.3.
git checkout --quiet -b history "${sha[c0]}"
for k in $(seq 1 14); do sha[h$k]=$(commit "h$k" 1.0); done
sha[h15]=$(commit h15 1.3)
git checkout --quiet main

# json_get FILE EXPR: a value of a JSON file (EXPR reads `j`, Python syntax).
json_get() { python3 -c "import json, sys; j = json.load(open(sys.argv[1])); print($2)" "$1"; }

run() {  # run SCRIPT EXPECTED_STATUS ARGS...: runs a script, checks its status
  local script=$1 want=$2
  shift 2
  local got=0
  "$script" "$@" >"$tmp/out" 2>"$tmp/err" || got=$?
  if [ "$got" != "$want" ]; then
    cat "$tmp/out" "$tmp/err" >&2
    fail "$(basename "$script") $* exited $got, expected $want"
  fi
}

# ---- perf-bisect.sh ------------------------------------------------------------

run "$bisect" 0 "${sha[c0]}" main --benchmark 'BM_fake$' --lrbench "$lrbench" "${hooks[@]}" \
  --rounds 3 --repetitions 2 --out "$tmp/bisect-out"
grep -qx "first-bad ${sha[c6]}" "$tmp/out" || fail "c6 not named: $(cat "$tmp/out" "$tmp/err")"
grep -q "^first bad commit: ${sha[c6]} c6$" "$tmp/out" || fail "no summary line: $(cat "$tmp/out")"
grep -q "^last good commit: ${sha[c5]} c5$" "$tmp/out" || fail "c5 is the last good: $(cat "$tmp/out")"
grep -q "${sha[s1]}" "$tmp/err" && fail "a side-branch commit was probed (not first-parent)"
[ -s "$tmp/bisect-out/bisect.log" ] || fail "no bisect.log"
grep -q "slower than GOOD" "$tmp/bisect-out/bisect.log" || fail "bisect.log has no verdicts"
[ "$(find "$tmp/bisect-out" -name 'probe-*.txt' | wc -l)" -ge 3 ] || fail "fewer than 3 probe reports"
grep -q 'BM_fake' "$tmp/bisect-out"/probe-1-*.txt || fail "probe report without the benchmark"
# c4 does not build: a probe that lands on it moves to a neighbour.
if grep -q "${sha[c4]:0:12}.*does not build" "$tmp/bisect-out/bisect.log"; then
  grep -q "skipped" "$tmp/bisect-out/bisect.log" || fail "c4 not skipped"
fi
# GOOD = c4 (broken): a probe bisect cannot compare against.
run "$bisect" 5 "${sha[c4]}" main --benchmark 'BM_fake$' --lrbench "$lrbench" "${hooks[@]}"
grep -q "GOOD .* does not build" "$tmp/err" || fail "no message for a GOOD that does not build"
# Bisecting a range that contains c4 from the other side: GOOD c2 .. c5 is
# not slower at all (exit 1), whatever c4 does.
run "$bisect" 1 "${sha[c2]}" "${sha[c5]}" --benchmark 'BM_fake$' --lrbench "$lrbench" "${hooks[@]}"
grep -q "nothing to bisect" "$tmp/out" || fail "no 'nothing to bisect': $(cat "$tmp/out")"
# d1 is the slowdown but does not build: the first bad one is d1 or d2 (exit 6).
run "$bisect" 6 "${sha[c0]}" branch --benchmark 'BM_fake$' --lrbench "$lrbench" "${hooks[@]}"
grep -q "${sha[d1]:0:7} d1" "$tmp/out" || fail "d1 not listed: $(cat "$tmp/out")"
grep -q "${sha[d2]:0:7} d2" "$tmp/out" || fail "d2 not listed: $(cat "$tmp/out")"
# Usage errors.
run "$bisect" 2 "${sha[c0]}" main --lrbench "$lrbench" "${hooks[@]}"          # no --benchmark
run "$bisect" 2 main "${sha[c0]}" --benchmark x --lrbench "$lrbench"           # GOOD after BAD
run "$bisect" 2 "${sha[c0]}" no-such-ref --benchmark x --lrbench "$lrbench"
run "$bisect" 2 "${sha[c0]}" main --benchmark x --rounds 2 --repetitions 2 --lrbench "$lrbench"
run "$bisect" 2 "${sha[c0]}" main --benchmark x --bogus
run "$bisect" 2 "${sha[c0]}" main --benchmark x "${hooks[@]}"                  # hook without --lrbench
run "$bisect" 2 main main --benchmark x --lrbench "$lrbench"
run "$bisect" 0 --help
grep -q '^exit status:' "$tmp/out" || fail "--help has no exit statuses"

# ---- perf-history.sh ---------------------------------------------------------------

store="$tmp/history"
run "$history" 0 "$store" --last 6 --rounds 2 --repetitions 2 --filter 'BM_fake$' \
  --lrbench "$lrbench" "${hooks[@]}"
# c4 .. c9 minus the broken c4: five commits recorded, each with its parent
# and committer time, from one JSON per round (2 rounds x 2 repetitions).
grep -q "skipped 1 that do not build: ${sha[c4]}" "$tmp/err" || fail "c4 not reported as skipped"
index=$(echo "$store"/*/index.json)
[ -f "$index" ] || fail "no index.json in one machine directory of $store: $(ls "$store")"
[ "$(json_get "$index" 'len(j["commits"])')" = 5 ] || fail "expected 5 commits: $(cat "$index")"
i=0
for c in c5 c6 c7 c8 c9; do
  parent=$(command git rev-parse "${sha[$c]}^1")
  when=$(command git log -1 --format=%cI "${sha[$c]}")
  got=$(json_get "$index" "' '.join(j['commits'][$i][k] for k in ('commit', 'parent', 'time'))")
  [ "$got" = "${sha[$c]} $parent $when" ] || fail "index entry $i: '$got'"
  rec="$(dirname "$index")/commits/${sha[$c]}.json"
  [ "$(json_get "$rec" 'len(j["context"]["lrbench_perf_history"]["sources"])')" = 2 ] || fail "$c: not 2 files"
  [ "$(json_get "$rec" 'len([r for r in j["benchmarks"] if r["name"] == "BM_calib_fma_peak"])')" = 4 ] ||
    fail "$c: the calibration is not recorded"
  i=$((i + 1))
done
# Recording a commit twice is refused (exit 3) and changes nothing.
before=$(find "$store" -type f -exec sha256sum {} + | sort)
run "$history" 3 "$store" --last 1 --rounds 1 --repetitions 2 --lrbench "$lrbench" "${hooks[@]}"
[ "$(find "$store" -type f -exec sha256sum {} + | sort)" = "$before" ] || fail "a refused add changed the store"

# The planted slowdown at the newest commit: check exits 1 and names it.
hstore="$tmp/history-branch"
run "$history" 0 "$hstore" --last 16 --ref history --rounds 2 --repetitions 3 --filter 'BM_fake$' \
  --lrbench "$lrbench" "${hooks[@]}"
run "$lrbench" 1 perf-history check "$hstore" --format json
cp "$tmp/out" "$tmp/check.json"
[ "$(json_get "$tmp/check.json" 'j["verdict"]')" = regression ] || fail "no regression: $(cat "$tmp/check.json")"
[ "$(json_get "$tmp/check.json" 'j["newest"]["commit"]')" = "${sha[h15]}" ] || fail "newest is not h15"
[ "$(json_get "$tmp/check.json" 'j["commits"]')" = 16 ] || fail "not 16 commits"
verdict=$(json_get "$tmp/check.json" '[b["newest"] for b in j["benchmarks"] if b["name"] == "BM_fake"][0]')
[ "$verdict" = regression ] || fail "BM_fake at h15: $verdict"
change=$(json_get "$tmp/check.json" '[b["relative_change"] for b in j["benchmarks"] if b["name"] == "BM_fake"][0]')
awk -v c="$change" 'BEGIN { exit !(c > 0.25 && c < 0.35) }' || fail "BM_fake's change $change, planted +30 %"
run "$lrbench" 1 perf-history check "$hstore"
grep -q "REGRESSION" "$tmp/out" && grep -q "BM_fake" "$tmp/out" && grep -q "${sha[h15]:0:12}" "$tmp/out" ||
  fail "the text report does not name BM_fake at h15: $(cat "$tmp/out")"
# The branch moves on at the new level: the newest commit is fine again, and
# the history shows the change point at h15 with its range h14 .. h15.
git checkout --quiet history
for k in $(seq 16 20); do sha[h$k]=$(commit "h$k" 1.3); done
git checkout --quiet main
run "$history" 0 "$hstore" --range "${sha[h15]}..history" --rounds 2 --repetitions 3 --filter 'BM_fake$' \
  --lrbench "$lrbench" "${hooks[@]}"
run "$lrbench" 0 perf-history check "$hstore" --format json
cp "$tmp/out" "$tmp/check.json"
got=$(json_get "$tmp/check.json" \
  '" ".join(p["last_good"] + ".." + p["first_bad"] for b in j["benchmarks"] if b["name"] == "BM_fake" for p in b["change_points"])')
[ "$got" = "${sha[h14]}..${sha[h15]}" ] || fail "BM_fake's change points: '$got', expected h14..h15"
run "$lrbench" 0 perf-history report "$hstore" --out "$tmp/report"
grep -q 'id="regressions"' "$tmp/report/index.html" || fail "no regressions table in the page"
for ext in png svg pdf csv gp; do
  [ -s "$tmp/report/figures/history-bm-fake.$ext" ] || fail "no figure history-bm-fake.$ext"
done

# With --workdir the results stay; their filter kept the calibration benchmarks.
run "$history" 0 "$store" --range "${sha[c8]}..main" --rounds 1 --repetitions 1 --filter 'BM_fake$' \
  --dry-run "${hooks[@]}" --workdir "$tmp/history-work"
[ "$(grep -c '^lrbench perf-history add' "$tmp/out")" = 1 ] || fail "--range c8..main is one commit"
json=$(grep -o "$tmp/history-work/[^ ]*\.json" "$tmp/out" | head -1)
grep -q '"filter": "(BM_fake\$)|BM_calib_"' "$json" || fail "BM_calib_ not added to the filter: $(head -c 200 "$json")"
# The same --workdir again: nothing is rebuilt.
run "$history" 0 "$store" --range "${sha[c8]}..main" --rounds 1 --repetitions 1 --filter 'BM_fake$' \
  --dry-run "${hooks[@]}" --workdir "$tmp/history-work"
grep -q "${sha[c9]:0:12}: built by an earlier run" "$tmp/err" || fail "c9 rebuilt: $(cat "$tmp/err")"
run "$history" 0 "$store" --last 1 --ref "${sha[c0]}" --dry-run "${hooks[@]}"
grep -q -- "--commit ${sha[c0]} --cpu-model host --time" "$tmp/out" || fail "a root commit has no --parent: $(cat "$tmp/out")"
# Errors.
run "$history" 2 "$store" --range "${sha[c5]}..${sha[c5]}" --dry-run "${hooks[@]}"
run "$history" 2 --last 3
run "$history" 2 "$store" --last 0
run "$history" 2 "$store" --range nope
run "$history" 2 "$store" "${hooks[@]}"                                        # hook without --lrbench
run "$history" 5 "$store" --last 1 --ref "${sha[c4]}" --lrbench "$lrbench" "${hooks[@]}"
grep -q "none of the 1 commits builds" "$tmp/err" || fail "no message when nothing builds"
run "$history" 0 --help

command git worktree remove --force "$tmp/history-work/src"  # kept by --workdir
[ "$(command git worktree list | wc -l)" = 1 ] || fail "worktrees left behind: $(command git worktree list)"
echo "test_perf_scripts: all checks passed"
