#!/bin/bash
# Submits a tutorial-suite run to Slurm: a job array with one `lrbench run
# --shard I/N` per task, then a merge + report job that starts only when every
# task succeeded.  A thin wrapper around `lrbench slurm-script --submit`; every
# flag is passed on (see tools/slurm/README.md and `lrbench slurm-script --help`).
#
#   tools/slurm/submit.sh --shards 16 --results /scratch/$USER/lrbench \
#       --partition cpu --time 4:00:00 --cpus-per-task 8 [--suite 002 ...] [--quick]
#
# lrbench: $LRBENCH if set, else this checkout's build/tools/lrbench/lrbench,
# else the one on PATH.  Prints "array_job=ID merge_job=ID" on success (a study
# with tuned arms: "array_job=ID tuning_merge_job=ID final_array_job=ID merge_job=ID").
# Run it again with the same flags after a failed or cancelled task: only the
# runs without a record are computed.
set -euo pipefail

root="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd)"
lrbench="${LRBENCH:-}"
if [[ -z "$lrbench" ]]; then
  if [[ -x "$root/build/tools/lrbench/lrbench" ]]; then
    lrbench="$root/build/tools/lrbench/lrbench"
  elif command -v lrbench >/dev/null; then
    lrbench="$(command -v lrbench)"
  else
    echo "submit.sh: no lrbench: build it (make build), put it on PATH or set LRBENCH" >&2
    exit 1
  fi
fi
exec "$lrbench" slurm-script --submit "$@"
