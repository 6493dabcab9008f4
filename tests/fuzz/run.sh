#!/usr/bin/env bash
# tests/fuzz/run.sh --build DIR [--seconds N] [--only NAME[,NAME...]] [-- LIBFUZZER_ARGS...]
#
# Fuzzes every harness built in DIR (a -DLRBENCH_FUZZ=ON build, `make fuzz`)
# for N seconds each (default 60), one after the other.  Each starts from its
# working corpus DIR/fuzz/corpus/<name> (kept between runs) plus the
# committed seeds tests/fuzz/corpus/<...>, with its grammar dictionary and
# input-size limit from the table below; crashes, leaks, timeouts and
# out-of-memory inputs are written to DIR/fuzz/artifacts/<name>/, logs to
# DIR/fuzz/logs/<name>.log.  Prints one line per harness (executions,
# coverage, features, result) and exits 1 when any harness failed.
set -euo pipefail
cd "$(dirname "$0")/../.."
build=""; seconds=60; only=""; extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --only) only=",$2,"; shift 2 ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
  esac
done
[ -n "$build" ] || { echo "run.sh: --build DIR is required" >&2; exit 2; }
case "$seconds" in ''|*[!0-9]*) echo "run.sh: --seconds must be a whole number, got '$seconds'" >&2; exit 2 ;; esac

# name  max_len  dictionary  seed folders (tests/fuzz/corpus/...)
# max_len: large enough for real files of the kind and, for specs, for
# nesting thousands of levels deep.
harnesses="
idx        8192    idx.dict   idx
idx_gzip   8192    idx.dict   idx_gzip
csv        4096    csv.dict   csv
spec       100000  spec.dict  spec
spec_objects 4096  spec.dict  spec,spec_objects
run_record 65536   json.dict  run_record
bench_json 65536   json.dict  bench_json
report     65536   json.dict  run_record,bench_json
study      65536   study.dict study
"

failed=0
printf '%-12s %12s %8s %8s  %s\n' harness executions cov ft result
while read -r name max_len dict seeds; do
  [ -n "$name" ] || continue
  [ -z "$only" ] || [[ "$only" == *",$name,"* ]] || continue
  bin="$build/tests/fuzz/fuzz_$name"
  [ -x "$bin" ] || { echo "run.sh: $bin not built (make fuzz builds it)" >&2; exit 2; }
  work="$build/fuzz/corpus/$name" art="$build/fuzz/artifacts/$name/" log="$build/fuzz/logs/$name.log"
  mkdir -p "$work" "$art" "$(dirname "$log")"
  seed_dirs=()
  IFS=, read -ra parts <<<"$seeds"
  for s in "${parts[@]}"; do seed_dirs+=("tests/fuzz/corpus/$s"); done
  rc=0
  "$bin" -max_total_time="$seconds" -max_len="$max_len" -dict="tests/fuzz/dict/$dict" \
    -timeout=30 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$art" \
    ${extra[@]+"${extra[@]}"} "$work" "${seed_dirs[@]}" >"$log" 2>&1 || rc=$?
  execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || true)
  # -fork=N prints no final stats: its last status line counts the executions.
  [ -n "$execs" ] || execs=$(grep -oE '^#[0-9]+:' "$log" | tail -1 | tr -d '#:' || true)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || true)
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || true)
  if [ "$rc" = 0 ]; then
    result=ok
  else
    failed=1
    result="FAILED (exit $rc): $(grep -m1 -E 'ERROR: |SUMMARY: |fuzz harness: ' "$log" || echo "see $log") -- input in $art"
  fi
  printf '%-12s %12s %8s %8s  %s\n' "$name" "${execs:-?}" "${cov:-?}" "${ft:-?}" "$result"
done <<<"$harnesses"
exit $failed
