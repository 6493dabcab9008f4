#!/usr/bin/env bash
# `make reproduce`: regenerate every result and figure lrbench can produce.
#
#   1. the built-in suites (`lrbench run`: the tutorial suites 000-004, suite
#      001 with an LR range test per optimizer and seed, and suite 005 "can the
#      LR be left untuned?"), resuming whatever is already done, then
#      their claim verdicts (`lrbench claims`: RESULTS/claims.md, and the
#      verdict files in RESULTS/suites/verdicts that the report reads), and
#      the example studies of examples/studies the same way;
#   2. the trajectory study of the optimizers and schedules on the built-in
#      problems (tutorial 002's regression; Rosenbrock and an ill-conditioned
#      quadratic for tutorial 000's overview) and its gnuplot figures;
#   3. throughput benchmarks (tools/bench.sh: 3 repetitions of 0.2 s each,
#      quick: 1 of 0.05 s, with the thread sweep) into RESULTS/bench unless it
#      already holds some, for the report's throughput-vs-threads, roofline
#      and bandwidth figures (medians for figures: 0.2 s repetitions spread
#      as little as 0.5 s ones, 3.6-7.7 % vs 4.9-5.8 % median CV, in 2 min
#      instead of 5.5; `make bench` keeps 9 x 0.5 s for regression checks);
#   4. the report (`lrbench report`): RESULTS/report/index.html + figures/.
# Finished results are kept: a suite run is never recomputed (content
# addresses), a trace CSV only when its command line changed.
set -euo pipefail
lrbench=build/tools/lrbench/lrbench build=build results=results quick=0
while [ $# -gt 0 ]; do
  case "$1" in
    --lrbench) lrbench=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;  # where the bench executables are
    --results) results=$2; shift 2 ;;
    --quick) quick=1; shift ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "reproduce.sh: unknown option '$1'" >&2; exit 2 ;;
  esac
done
traces=$results/traces figures=$results/figures suites=$results/suites
quick_flag=(); [ "$quick" = 1 ] && quick_flag=(--quick)

echo "reproduce: suites -> $suites"
"$lrbench" run --results "$suites" "${quick_flag[@]}" --threads "$(nproc)"
"$lrbench" claims "$suites" "${quick_flag[@]}" --format markdown > "$results/claims.md"
# The example studies (examples/studies/*.toml): run, judged and reported like
# the suites (about a minute in all); their verdicts follow the suites' in claims.md.
studies=$(cd "$(dirname "$0")/../examples/studies" && pwd)
for study in sgd-vs-adam-csv lr-scaling-mlp warmup-cnn; do
  "$lrbench" run --study "$studies/$study.toml" --results "$suites" "${quick_flag[@]}" --threads "$(nproc)"
  "$lrbench" claims "$suites" --study "$studies/$study.toml" "${quick_flag[@]}" --format markdown >> "$results/claims.md"
done

mkdir -p "$traces" "$figures"
steps=2000; [ "$quick" = 1 ] && steps=300

# run NAME ARGS...: one trace, cached by its exact command line.
run() {
  local name=$1; shift
  local csv=$traces/$name.csv key=$traces/$name.cmd
  if [ -f "$csv" ] && [ -f "$key" ] && [ "$(cat "$key")" = "$*" ]; then return 0; fi
  local rc=0
  "$lrbench" trace "$@" --out "$csv" 2>"$traces/$name.err" || rc=$?
  case $rc in
    0) ;;
    4) echo "  $name: diverged (kept as a result; see $traces/$name.err)" ;;
    *) cat "$traces/$name.err" >&2; exit $rc ;;
  esac
  printf '%s' "$*" > "$key"
}

echo "reproduce: traces -> $traces"
# Tutorial 002 exactly: GD, lr 0.01, 1000 iterations, float64.
run 002-gd --problem linreg002 --optimizer gd:lr=0.01 --steps 1000 --dtype float64

# Tutorial 000's optimizers on Rosenbrock, PyTorch defaults except the LR.
for spec in gd:lr=0.001 ema_momentum:lr=0.001 sgd:lr=0.001,momentum=0.9 \
            rmsprop:lr=0.001 adagrad:lr=0.1 adam:lr=0.01; do
  run "000-rosenbrock-${spec%%:*}" --problem rosenbrock --optimizer "$spec" --steps "$steps"
done
# The same optimizers on an ill-conditioned quadratic (cond 1000, dim 20).
for spec in gd:lr=0.0019 sgd:lr=0.0019,momentum=0.9 rmsprop:lr=0.01 adam:lr=0.05; do
  run "000-quadratic-${spec%%:*}" --problem quadratic:dim=20,cond=1000 --optimizer "$spec" --steps "$steps"
done
# The divergence edge: GD on the quadratic just below and just above 2/a_max.
run 000-edge-gd-stable --problem quadratic:dim=20,cond=1000 --optimizer gd:lr=0.00199 --steps "$steps"
run 000-edge-gd-diverge --problem quadratic:dim=20,cond=1000 --optimizer gd:lr=0.00201 --steps "$steps"

# The LR each schedule applies, step by step (SGD on a quadratic, 100 steps).
for s in step_lr:step_size=30,gamma=0.1 multi_step_lr:milestones=[30,80],gamma=0.1 \
         exponential_lr:gamma=0.97 cosine_annealing_lr:T_max=40 \
         cosine_annealing_warm_restarts:T_0=10,T_mult=2 one_cycle_lr:max_lr=0.1,total_steps=100 \
         cyclic_lr:base_lr=0.001,max_lr=0.1,step_size_up=10 polynomial_decay:decay_steps=80 \
         cosine_decay:decay_steps=60,alpha=0.1 piecewise_constant_decay:boundaries=[30,60],values=[0.1,0.05,0.01]; do
  run "schedule-${s%%:*}" --problem quadratic --optimizer sgd:lr=0.1,momentum=0.9 --schedule "$s" --steps 100
done

if command -v gnuplot >/dev/null; then
  echo "reproduce: figures -> $figures"
  gp() { gnuplot -e "set datafile separator ','; set key autotitle columnhead; \
                     set terminal pngcairo noenhanced size 900,560 font 'sans,11'; $1"; }
  gp "set output '$figures/002-theta-vs-iteration.png'; set title 'Tutorial 002: GD on y = 2x, lr 0.01';
      set xlabel 'iteration'; set ylabel 'theta'; set grid;
      plot '$traces/002-gd.csv' using 1:4 with lines lw 2 title 'theta', 2 dt 2 title 'theta* = 2'"
  plots=""; for f in "$traces"/000-rosenbrock-*.csv; do
    n=$(basename "$f" .csv); plots+="'$f' using 1:3 with lines lw 2 title '${n#000-rosenbrock-}',"; done
  gp "set output '$figures/000-rosenbrock-loss.png'; set title 'Rosenbrock from (-1.5, 2)';
      set logscale y; set xlabel 'step'; set ylabel 'loss'; set grid; plot ${plots%,}"
  plots=""; for f in "$traces"/000-quadratic-*.csv "$traces"/000-edge-*.csv; do
    n=$(basename "$f" .csv); plots+="'$f' using 1:3 with lines lw 2 title '${n#000-}',"; done
  gp "set output '$figures/000-quadratic-loss.png'; set title 'Quadratic, dim 20, condition 1000';
      set logscale y; set yrange [1e-12:1e6]; set xlabel 'step'; set ylabel 'loss'; set grid; plot ${plots%,}"
  # One small panel per schedule: the LR each update used.
  panels=""; for f in "$traces"/schedule-*.csv; do
    n=$(basename "$f" .csv)
    panels+="set title '${n#schedule-}'; plot '$f' using 1:2 with steps lw 2 notitle;"; done
  gnuplot -e "set datafile separator ','; set terminal pngcairo noenhanced size 1500,640 font 'sans,9';
      set output '$figures/schedules-lr-per-step.png'; set grid; set xlabel 'step'; set ylabel 'LR'; set xtics 25;
      set multiplot layout 2,5 title 'LR applied at each step (optimizer lr 0.1)'; $panels unset multiplot"
fi
if compgen -G "$results/bench/*.json" >/dev/null; then
  echo "reproduce: benchmarks kept in $results/bench (delete it to measure again)"
else
  echo "reproduce: benchmarks -> $results/bench"
  if [ "$quick" = 1 ]; then bench_args=(--repetitions 1 --min-time 0.05); else bench_args=(--repetitions 3 --min-time 0.2); fi
  tools/bench.sh --build "$build" --out "$results/bench" "${bench_args[@]}" 2>&1 | grep -E '^(==|wrote)' || true
fi
echo "reproduce: report -> $results/report"
bench_flag=(); [ -d "$results/bench" ] && bench_flag=(--bench "$results/bench")
"$lrbench" report --results "$suites" --out "$results/report" "${quick_flag[@]}" "${bench_flag[@]}"
echo
# One screen of verdicts: one line per claim, then the totals.
verdicts=$("$lrbench" claims "$suites" "${quick_flag[@]}" --format text --print-only 2>/dev/null || true)
printf '%s\n' "$verdicts" | grep -E '^[0-9]+\.[0-9]+ ' | cut -c1-110
count() { printf '%s\n' "$verdicts" | grep -cE "^[0-9]+\.[0-9]+ +$1" || true; }
echo "claims: $(count supported) supported, $(count refuted) refuted, $(count inconclusive) inconclusive"
echo
echo "reproduce: done. Results in $results/: suite records in $suites, claim verdicts in"
echo "  $results/claims.md, $(ls "$traces"/*.csv | wc -l) traces, $(ls "$figures" 2>/dev/null | wc -l) figures in $figures"
echo "reproduce: report: $(cd "$results/report" && pwd)/index.html"
