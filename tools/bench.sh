#!/usr/bin/env bash
# `make bench`: every micro-benchmark executable, Google Benchmark JSON with
# repetitions, into OUT/<name>.json (every repetition kept, so
# `lrbench perf-check` can run its rank test on them).  Each JSON includes the calibration
# benchmarks (FMA peak, STREAM copy/triad) measured in the same process.
set -euo pipefail
build=build out=results/bench reps=9 filter=.
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --repetitions) reps=$2; shift 2 ;;
    --filter) filter=$2; shift 2 ;;
    -h|--help) sed -n '2,4p' "$0"; exit 0 ;;
    *) echo "bench.sh: unknown option '$1'" >&2; exit 2 ;;
  esac
done
mkdir -p "$out"
for exe in "$build"/bench/*/bench_*; do
  [ -x "$exe" ] || continue
  name=$(basename "$exe")
  echo "== $name" >&2
  "$exe" --benchmark_filter="$filter" --benchmark_repetitions="$reps" \
    --benchmark_display_aggregates_only=true \
    --benchmark_out="$out/$name.json" --benchmark_out_format=json
done
echo "wrote $(ls "$out"/*.json | tr '\n' ' ')" >&2
