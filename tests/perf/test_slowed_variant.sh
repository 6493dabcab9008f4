#!/usr/bin/env bash
# perf-check end to end on real benchmarks: the same build against itself
# passes (exit 0), the build with the naive conv kernel in place of the fused
# one fails (exit 1).  Runs are interleaved in rounds (A B C, then C B A, ...)
# and perf-check pools each side's rounds, so a burst of load from a noisy
# neighbour lands on every side instead of on one file.
# usage: test_slowed_variant.sh BENCH BENCH_SLOWED LRBENCH
set -euo pipefail
bench=$1 slowed=$2 lrbench=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
run() {  # run EXE OUT
  "$1" --benchmark_filter='BM_cnn001_conv_block' --benchmark_repetitions=3 \
    --benchmark_min_time=0.02 --benchmark_out="$2" --benchmark_out_format=json >/dev/null
}
for r in 1 2 3 4; do
  if ((r % 2)); then
    run "$bench" "$tmp/a$r.json"; run "$slowed" "$tmp/slow$r.json"; run "$bench" "$tmp/b$r.json"
  else
    run "$bench" "$tmp/b$r.json"; run "$slowed" "$tmp/slow$r.json"; run "$bench" "$tmp/a$r.json"
  fi
done
# Same build: noise must not fail the check (threshold 10%: this box is noisy).
rc=0; "$lrbench" perf-check --baseline "$tmp"/a?.json --contender "$tmp"/b?.json --threshold 10% || rc=$?
[ "$rc" = 0 ] || { echo "FAIL: same build compared with itself exited $rc" >&2; exit 1; }
rc=0; "$lrbench" perf-check --baseline "$tmp"/a?.json --contender "$tmp"/slow?.json --threshold 10% \
  --format markdown > "$tmp/report.md" || rc=$?
cat "$tmp/report.md"
[ "$rc" = 1 ] || { echo "FAIL: the slowed build exited $rc, expected 1" >&2; exit 1; }
grep -q '\*\*slower\*\*' "$tmp/report.md" || { echo "FAIL: no 'slower' verdict" >&2; exit 1; }
echo "1 passed, 0 failed"
