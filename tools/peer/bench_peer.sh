#!/usr/bin/env bash
# `make bench-peer`: lrbench and PyTorch on the same work in one invocation,
# same thread count, and the ratio.  Needs python3-torch (make setup-peer).
set -euo pipefail
build=build out=results/bench threads=2 reps=9
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --reps) reps=$2; shift 2 ;;
    -h|--help) sed -n '2,4p' "$0"; exit 0 ;;
    *) echo "bench_peer.sh: unknown option '$1'" >&2; exit 2 ;;
  esac
done
mkdir -p "$out"
echo "== optimizer step: lrbench ($threads threads)" >&2
OMP_NUM_THREADS=$threads OMP_PROC_BIND=close "$build/bench/optim/bench_optim" \
  --benchmark_filter='BM_optim_update|BM_calib_stream_triad' \
  --benchmark_repetitions="$reps" --benchmark_report_aggregates_only=true \
  --benchmark_out="$out/optim.json" --benchmark_out_format=json >&2
echo "== optimizer step: PyTorch ($threads threads)" >&2
/usr/bin/python3 tools/peer/optim_step.py --threads "$threads" --reps "$reps" > "$out/optim_peer.json"
/usr/bin/python3 tools/peer/compare_optim.py "$out/optim.json" "$out/optim_peer.json" | tee "$out/optim_vs_pytorch.md"
