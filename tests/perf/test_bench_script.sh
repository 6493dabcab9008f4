#!/usr/bin/env bash
# tools/bench.sh's passes, with fake benchmark executables that log how they
# were called: every executable runs once at the default thread count, the
# thread sweep measures each smaller count (1, 2, 4, ...) with
# OMP_NUM_THREADS set, and the top count -- the one the first pass already
# ran at -- is copied from the first pass, not measured again.
# usage: test_bench_script.sh BENCH_SH
set -euo pipefail
bench_sh=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
mkdir -p "$tmp/build/bench/models" "$tmp/build/bench/optim"
for exe in models/bench_models optim/bench_optim; do
  cat >"$tmp/build/bench/$exe" <<FAKE
#!/usr/bin/env bash
out=""
for a in "\$@"; do case \$a in --benchmark_out=*) out=\${a#--benchmark_out=} ;; esac; done
echo "\$(basename "\$0") threads=\${OMP_NUM_THREADS:-default}" >>"$tmp/calls.log"
echo "{\"threads\": \"\${OMP_NUM_THREADS:-default}\"}" >"\$out"
FAKE
  chmod +x "$tmp/build/bench/$exe"
done

run_case() {  # run_case LABEL [env assignments...]
  rm -rf "$tmp/out" "$tmp/calls.log"
  env "${@:2}" bash "$bench_sh" --build "$tmp/build" --out "$tmp/out" --repetitions 1 --min-time 0.01 2>/dev/null
}

cores=$(env -u OMP_NUM_THREADS nproc)
run_case "default" -u OMP_NUM_THREADS
[ "$(grep -c '^bench_optim ' "$tmp/calls.log")" = 1 ] || fail "bench_optim should run once"
[ "$(grep -c '^bench_models threads=default$' "$tmp/calls.log")" = 1 ] || fail "no first pass of bench_models"
for ((t = 1; t < cores; t *= 2)); do
  grep -q "^bench_models threads=$t\$" "$tmp/calls.log" || fail "the sweep did not measure $t thread(s)"
  grep -q "\"$t\"" "$tmp/out/threads/t$t/bench_models.json" || fail "t$t holds another run"
done
grep -q "^bench_models threads=$cores\$" "$tmp/calls.log" && fail "the top count ($cores) was measured twice"
cmp -s "$tmp/out/bench_models.json" "$tmp/out/threads/t$cores/bench_models.json" ||
  fail "threads/t$cores is not the first pass's file"

# OMP_NUM_THREADS=1 for the whole script: the first pass ran at 1, so the
# sweep (nproc honours OMP_NUM_THREADS: one count, 1) copies it.
run_case "one thread" OMP_NUM_THREADS=1
[ "$(grep -c '^bench_models ' "$tmp/calls.log")" = 1 ] || fail "with OMP_NUM_THREADS=1 bench_models ran more than once"
cmp -s "$tmp/out/bench_models.json" "$tmp/out/threads/t1/bench_models.json" || fail "t1 is not the first pass's file"

# --no-sweep: no threads folder at all.
rm -rf "$tmp/out" "$tmp/calls.log"
bash "$bench_sh" --build "$tmp/build" --out "$tmp/out" --no-sweep 2>/dev/null
[ ! -e "$tmp/out/threads" ] || fail "--no-sweep wrote a sweep"
echo "bench.sh passes: ok ($cores cores)"
