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
# The two alternate run by run (lrbench, PyTorch, lrbench, ...) and the ratio
# is the median of the pairs' ratios: on a shared machine the speed moves by
# 1.5x within minutes, and a pair run back to back sees the same machine
# (three lrbench runs followed by three PyTorch ones measured 16x here, one
# rerun minutes later 27x).
echo "== cnn001 training: lrbench vs PyTorch ($threads threads)" >&2
field() {  # field FILE KEY...: a value of a JSON file (nested keys in order)
  /usr/bin/python3 -c 'import functools,json,sys; print(functools.reduce(lambda v, k: v[k], sys.argv[2:], json.load(open(sys.argv[1]))))' "$@"
}
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
{
  echo
  echo "| cnn001 training | batch | lrbench samples/s | PyTorch samples/s | ratio (median of pairs) | pairs' ratios |"
  echo "|---|---:|---:|---:|---:|---|"
  for batch in 32 256; do
    ours=() theirs=() ratios=()
    for rep in 1 2 3; do
      "$build/tools/lrbench/lrbench" train --model cnn001 --dataset fashion-mnist \
        --optimizer adam:lr=0.001,convention=keras --epochs 1 --batch "$batch" \
        --limit-train $((batch * 300)) --limit-test 1000 --no-train-eval --threads "$threads" \
        --seed "$rep" --quiet --out "$out/cnn001_b${batch}_r${rep}.json"
      /usr/bin/python3 tools/peer/train_peer.py --mode throughput --batch "$batch" --threads "$threads" \
        --steps 300 --reps 1 --seed "$rep" > "$out/cnn001_b${batch}_peer_r${rep}.json"
      ours+=("$(field "$out/cnn001_b${batch}_r${rep}.json" samples_per_second)")
      theirs+=("$(field "$out/cnn001_b${batch}_peer_r${rep}.json" samples_per_second)")
      ratios+=("$(awk -v o="${ours[-1]}" -v t="${theirs[-1]}" 'BEGIN {printf "%.2f", o / t}')")
    done
    awk -v b="$batch" -v o="$(median "${ours[@]}")" -v t="$(median "${theirs[@]}")" \
        -v r="$(median "${ratios[@]}")" -v all="${ratios[*]}" \
        'BEGIN {printf "| Adam, Keras init | %d | %.0f | %.0f | %.2fx | %s |\n", b, o, t, r, all}'
  done
  isa=$(field "$out/cnn001_b32_r1.json" provenance isa)
  echo
  echo "lrbench kernels: $isa (\`--isa\`/LRBENCH_ISA; the same bits on every path); 3 pairs each, lrbench and PyTorch alternating, medians."
} | tee "$out/cnn001_vs_pytorch.md"
