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
  --benchmark_filter='BM_optim_update|BM_calib_stream_update' \
  --benchmark_repetitions="$reps" --benchmark_report_aggregates_only=true \
  --benchmark_out="$out/optim.json" --benchmark_out_format=json >&2
echo "== optimizer step: PyTorch ($threads threads)" >&2
/usr/bin/python3 tools/peer/optim_step.py --threads "$threads" --reps "$reps" > "$out/optim_peer.json"
/usr/bin/python3 tools/peer/compare_optim.py "$out/optim.json" "$out/optim_peer.json" | tee "$out/optim_vs_pytorch.md"

# cnn001 training (tutorial 001's model): forward + backward + Adam step on
# real Fashion-MNIST batches, same batch size, same threads, Keras-style init.
echo "== cnn001 training: lrbench vs PyTorch ($threads threads)" >&2
{
  echo
  echo "| cnn001 training | batch | lrbench samples/s | PyTorch samples/s | ratio |"
  echo "|---|---:|---:|---:|---:|"
  for batch in 32 256; do
    lr_rates=()
    for rep in 1 2 3; do
      "$build/tools/lrbench/lrbench" train --model cnn001 --dataset fashion-mnist \
        --optimizer adam:lr=0.001,convention=keras --epochs 1 --batch "$batch" \
        --limit-train $((batch * 300)) --limit-test 1000 --no-train-eval --threads "$threads" \
        --seed "$rep" --quiet --out "$out/cnn001_b${batch}_r${rep}.json"
      lr_rates+=("$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["samples_per_second"])' "$out/cnn001_b${batch}_r${rep}.json")")
    done
    ours=$(printf '%s\n' "${lr_rates[@]}" | sort -g | sed -n 2p)
    /usr/bin/python3 tools/peer/train_peer.py --mode throughput --batch "$batch" --threads "$threads" \
      --steps 300 --reps 3 > "$out/cnn001_b${batch}_peer.json"
    theirs=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["samples_per_second"])' "$out/cnn001_b${batch}_peer.json")
    /usr/bin/python3 -c 'import sys; o,t=float(sys.argv[2]),float(sys.argv[3]); print(f"| Adam, Keras init | {sys.argv[1]} | {o:,.0f} | {t:,.0f} | {o/t:.2f}x |")' "$batch" "$ours" "$theirs"
  done
  isa=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["provenance"]["isa"])' "$out/cnn001_b32_r1.json")
  echo
  echo "lrbench kernels: $isa (\`--isa\`/LRBENCH_ISA; the same bits on every path); median of 3 runs each."
} | tee "$out/cnn001_vs_pytorch.md"
