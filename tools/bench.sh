#!/usr/bin/env bash
# `make bench`: every micro-benchmark executable, Google Benchmark JSON with
# repetitions, into OUT/<name>.json (every repetition kept, so
# `lrbench perf-check` can run its rank test on them).  Each JSON includes the calibration
# benchmarks (FMA peak, STREAM copy/triad) measured in the same process.
# Then a thread sweep of the model kernels and the calibration (1, 2, 4, ...
# up to the core count, via OMP_NUM_THREADS) into OUT/threads/t<N>/, for the
# report's throughput-vs-threads and roofline figures (--no-sweep skips it).
# The count the first pass already ran at (OMP_NUM_THREADS, else every core)
# is copied from it, not measured twice: on 2 cores that is half the sweep.
set -euo pipefail
build=build out=results/bench reps=9 filter=. sweep=1 min_time=0.5
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --repetitions) reps=$2; shift 2 ;;
    --filter) filter=$2; shift 2 ;;
    --no-sweep) sweep=0; shift ;;
    --min-time) min_time=$2; shift 2 ;;  # seconds per benchmark and repetition
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "bench.sh: unknown option '$1'" >&2; exit 2 ;;
  esac
done
mkdir -p "$out"
for exe in "$build"/bench/*/bench_*; do
  [ -x "$exe" ] || continue
  name=$(basename "$exe")
  case $name in *_slowed) continue ;; esac  # the deliberately slowed build is for tests only
  echo "== $name" >&2
  "$exe" --benchmark_filter="$filter" --benchmark_repetitions="$reps" --benchmark_min_time="$min_time" \
    --benchmark_display_aggregates_only=true \
    --benchmark_out="$out/$name.json" --benchmark_out_format=json
done
echo "wrote $(ls "$out"/*.json | tr '\n' ' ')" >&2

models="$build/bench/models/bench_models"
if [ "$sweep" = 1 ] && [ -x "$models" ]; then
  cores=$(nproc) counts=""
  for ((t = 1; t < cores; t *= 2)); do counts+="$t "; done
  counts+="$cores"
  measured=${OMP_NUM_THREADS:-$cores}
  for t in $counts; do
    mkdir -p "$out/threads/t$t"
    if [ "$t" = "$measured" ] && [ -f "$out/bench_models.json" ]; then
      echo "== bench_models, OMP_NUM_THREADS=$t: the first pass's" >&2
      cp "$out/bench_models.json" "$out/threads/t$t/bench_models.json"
      continue
    fi
    echo "== bench_models, OMP_NUM_THREADS=$t" >&2
    OMP_NUM_THREADS=$t "$models" --benchmark_filter="$filter" --benchmark_repetitions="$(( reps < 3 ? reps : 3 ))" \
      --benchmark_min_time="$min_time" \
      --benchmark_display_aggregates_only=true \
      --benchmark_out="$out/threads/t$t/bench_models.json" --benchmark_out_format=json >/dev/null
  done
  echo "wrote the thread sweep ($counts) to $out/threads/" >&2
fi
