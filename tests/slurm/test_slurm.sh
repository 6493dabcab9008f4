#!/bin/bash
# End-to-end test of `lrbench slurm-script` on a throw-away one-node Slurm
# cluster (munged + slurmctld + slurmd as the invoking user, loopback only,
# free ports, everything in one temp dir; see tools/slurm/README.md).
#
#   tests/slurm/test_slurm.sh --lrbench PATH [--keep]
#
# Steps:
#   1 cli        usage errors exit 2, a missing sbatch exits 1
#   2 cluster    start the daemons, wait for the node to be idle
#   3 reference  `lrbench run --quick` of suites 002 + 004 and the study
#                examples/studies/lr-scaling-mlp.toml without Slurm
#   4 failure    shard 2's results folder is a regular file: the 4-task array
#                runs, task 2 fails, the afterok merge job is CANCELLED (not
#                left pending)
#   5 resubmit   the cause removed, the same `slurm-script --submit` again:
#                tasks 0, 1, 3 report every run cached and leave their records
#                untouched, task 2 computes its runs, merge + report complete
#   6 compare    merged records == reference records (same addresses, equal
#                once provenance and timing are removed); report index.html
#   7 tuned      a study of 100+ runs with a tuned arm (written here: a
#                synthetic regression, an LR x optimizer grid and an SGD arm
#                whose LR is tuned) over a 4-task array: `slurm-script
#                --submit` chains array -> tuning merge -> stage-2 array ->
#                merge; all four complete, the merged records equal a
#                single-machine `lrbench run --study`, the choice is recorded
#   8 shutdown   every daemon stopped by its pid, temp dir removed (also on
#                failure: trap EXIT)
# Exit 0 when every step passed; otherwise 1 and the failed step's name.
set -euo pipefail

usage() { echo "usage: $0 --lrbench PATH [--keep]" >&2; exit 2; }
lrbench="" keep=0
while (($#)); do
  case "$1" in
    --lrbench) (($# >= 2)) || usage; lrbench="$2"; shift 2 ;;
    --keep) keep=1; shift ;;  # keep the temp dir (logs) for debugging
    -h|--help) sed -n '2,29p' "$0"; exit 0 ;;
    *) usage ;;
  esac
done
[[ -n "$lrbench" ]] || usage
[[ -x "$lrbench" ]] || { echo "test_slurm: --lrbench $lrbench is not executable" >&2; exit 2; }
lrbench="$(realpath -- "$lrbench")"

t0=$(date +%s.%N)
step_name="setup"
step() {
  step_name="$1"
  awk -v t0="$t0" -v now="$(date +%s.%N)" -v msg="$*" 'BEGIN { printf "[%6.2fs] %s\n", now - t0, msg }'
}
fail() {
  echo "test_slurm: FAILED in step '$step_name': $*" >&2
  exit 1
}

for tool in munged mungekey slurmctld slurmd sbatch squeue scontrol scancel python3; do
  command -v "$tool" >/dev/null || fail "$tool not found (tools/setup.sh installs slurmctld slurmd slurm-client munge)"
done

# A test may itself run inside a Slurm job: forget that job.
for v in "${!SLURM_@}"; do unset "$v"; done

tmp="$(mktemp -d /tmp/lrbench-slurm.XXXXXX)"
chmod 755 "$tmp"  # munged wants o+x on every directory above its socket
export SLURM_CONF="$tmp/slurm.conf"
pids=()           # daemons, in start order
names=()

stop_daemons() {
  # Jobs first (their processes belong to slurmstepd, not to slurmd), then
  # the daemons in reverse start order, each by its pid.
  if ((${#pids[@]} >= 2)); then
    scancel --user="$(id -un)" >/dev/null 2>&1 || true
    for _ in $(seq 50); do
      [[ -z "$(squeue -h 2>/dev/null || true)" ]] && break
      sleep 0.1
    done
  fi
  local i pid
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    pid=${pids[i]}
    kill -TERM "$pid" 2>/dev/null || continue
    for _ in $(seq 100); do  # up to 10 s; a zombie counts as stopped
      [[ "$(ps -o stat= -p "$pid" 2>/dev/null || true)" =~ ^(Z|)$ ]] && break
      sleep 0.1
    done
    if [[ ! "$(ps -o stat= -p "$pid" 2>/dev/null || true)" =~ ^(Z|)$ ]]; then
      echo "test_slurm: ${names[i]} (pid $pid) ignored SIGTERM; sending SIGKILL" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
  done
  pids=()
  # A job's slurmstepd is re-parented to init, which reaps it a moment after
  # it exits; wait (at most 3 s, read-only) so none is listed after the test.
  for _ in $(seq 30); do
    [[ -z "$(pgrep -x slurmstepd || true)" ]] && break
    sleep 0.1
  done
}

main_pid=$BASHPID
on_exit() {
  local rc=$?
  [[ $BASHPID == "$main_pid" ]] || exit "$rc"  # a subshell: leave the cluster alone
  trap - EXIT
  stop_daemons
  if ((rc != 0)); then
    echo "test_slurm: FAILED in step '$step_name' (exit $rc); daemon logs:" >&2
    for f in "$tmp"/log/*.log; do
      [[ -f "$f" ]] && { echo "--- $f (last 15 lines)" >&2; tail -n 15 "$f" >&2; }
    done
  fi
  if ((keep)); then echo "test_slurm: kept $tmp" >&2; else rm -rf -- "$tmp"; fi
  exit "$rc"
}
trap on_exit EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------------------
step "1 cli: usage errors exit 2, a missing sbatch exits 1"
# Two built-in suites and a study file (read by the jobs through its absolute path).
src="$(cd "$(dirname "$0")/../.." && pwd)"
plan=(--suite 002 --suite 004 --study "$src/examples/studies/lr-scaling-mlp.toml" --quick)
res="$tmp/results dir"  # a space: the scripts must quote every path
rc=0; "$lrbench" slurm-script "${plan[@]}" --shards 0 --results "$res" >/dev/null 2>&1 || rc=$?
((rc == 2)) || fail "--shards 0 exited $rc, expected 2"
rc=0; "$lrbench" slurm-script "${plan[@]}" --shards 4 --bogus --results "$res" >/dev/null 2>&1 || rc=$?
((rc == 2)) || fail "an unknown flag exited $rc, expected 2"
rc=0; "$lrbench" slurm-script "${plan[@]}" --shards 4 --time 'soon' --results "$res" >/dev/null 2>&1 || rc=$?
((rc == 2)) || fail "--time soon exited $rc, expected 2"
rc=0; "$lrbench" slurm-script "${plan[@]}" --shards 4 --results "$tmp/nosbatch" --submit \
  --sbatch "$tmp/no-such-sbatch" >/dev/null 2>"$tmp/nosbatch.err" || rc=$?
((rc == 1)) || fail "a missing sbatch exited $rc, expected 1"
grep -q "cannot run" "$tmp/nosbatch.err" || fail "no clear message for a missing sbatch: $(cat "$tmp/nosbatch.err")"

# ---------------------------------------------------------------------------
step "2 cluster: munged + slurmctld + slurmd on 127.0.0.1"
mkdir -p "$tmp/munge" "$tmp/log" "$tmp/state" "$tmp/spool"
chmod 755 "$tmp/munge"
mungekey --create --keyfile="$tmp/munge/munge.key" --bits=1024
chmod 600 "$tmp/munge/munge.key"
read -r ctld_port slurmd_port < <(python3 -c '
import socket
socks = [socket.socket() for _ in range(2)]
for s in socks: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in socks])')
host="$(hostname -s)"
user="$(id -un)"
cpus="$(nproc)"
mem_mb=$(awk '/MemAvailable/ {print int($2 / 1024 * 0.9)}' /proc/meminfo)
: >"$tmp/plugstack.conf"
cat >"$SLURM_CONF" <<EOF
ClusterName=lrbtest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=$user
SlurmdUser=$user
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$tmp/munge/munge.socket.2
CommunicationParameters=NoCtldInAddrAny,NoInAddrAny
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/log/slurmctld.log
SlurmdLogFile=$tmp/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
PlugStackConfig=$tmp/plugstack.conf
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerParameters=batch_sched_delay=0
DependencyParameters=kill_invalid_depend
ReturnToService=2
MinJobAge=600
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF

munged -F --socket="$tmp/munge/munge.socket.2" --key-file="$tmp/munge/munge.key" \
  --pid-file="$tmp/munge/munged.pid" --seed-file="$tmp/munge/munged.seed" \
  --log-file="$tmp/log/munged.log" >"$tmp/log/munged.out" 2>&1 &
pids+=($!); names+=(munged)
for _ in $(seq 100); do [[ -S "$tmp/munge/munge.socket.2" ]] && break; sleep 0.05; done
[[ -S "$tmp/munge/munge.socket.2" ]] || fail "munged did not create its socket (log: $(tail -n 3 "$tmp/log/munged.log" 2>/dev/null))"
slurmctld -D -f "$SLURM_CONF" >"$tmp/log/slurmctld.out" 2>&1 &
pids+=($!); names+=(slurmctld)
slurmd -D -N "$host" -f "$SLURM_CONF" >"$tmp/log/slurmd.out" 2>&1 &
pids+=($!); names+=(slurmd)
state=""
for _ in $(seq 150); do  # 30 s
  node="$(scontrol -o show node "$host" 2>/dev/null || true)"
  [[ "$node" =~ State=([A-Z+_]+) ]] && state="${BASH_REMATCH[1]}"
  [[ "$state" == IDLE ]] && break
  for i in "${!pids[@]}"; do
    kill -0 "${pids[i]}" 2>/dev/null || fail "${names[i]} exited during start-up"
  done
  sleep 0.2
done
[[ "$state" == IDLE ]] || fail "node $host not idle after 30 s (state '$state')"

# Waits until job $1 (all its array tasks) has left the queue: squeue every
# 0.2 s (sbatch --wait polls far slower), at most $2 seconds.
wait_gone() {
  local id="$1" limit="$2" q
  for _ in $(seq $((limit * 5))); do
    q="$(squeue -h -j "$id" 2>/dev/null || true)"
    [[ -z "$q" ]] && return 0
    sleep 0.2
  done
  fail "job $id still queued after ${limit} s: $q"
}
# `scontrol -o show job` lines of job $1 (one per array task), captured
# first: piping into grep -q under pipefail can die of SIGPIPE.
job_lines() { scontrol -o show job "$1"; }
field() { if [[ "$1" =~ (^|[[:space:]])$2=([^[:space:]]*) ]]; then echo "${BASH_REMATCH[2]}"; fi; }
# Sets computed/cached/failed from a task log's summary line of `lrbench run`;
# returns 1 when there is none (called in this shell, never in $(...): fail
# must exit the test, not a subshell).
run_counts() {
  local line
  line="$(grep -E '^runs [0-9]+: computed' "$1" || true)"
  [[ "$line" =~ computed\ ([0-9]+),\ cached\ ([0-9]+),.*failed\ ([0-9]+) ]] || return 1
  computed="${BASH_REMATCH[1]}" cached="${BASH_REMATCH[2]}" failed="${BASH_REMATCH[3]}"
}
submit() {
  local out
  out="$("$lrbench" slurm-script "${plan[@]}" --shards 4 --results "$res" --partition debug \
    --time 10 --cpus-per-task 1 --submit)" || fail "lrbench slurm-script --submit failed: $out"
  [[ "$out" =~ array_job=([0-9]+)\ merge_job=([0-9]+) ]] || fail "no 'array_job=ID merge_job=ID' in: $out"
  array_job="${BASH_REMATCH[1]}" merge_job="${BASH_REMATCH[2]}"
}

# Same addresses, and the same record once the volatile part (provenance,
# timing) is removed; the same manifests.  $1 the reference, $2 the merged dir.
compare_dirs() {
python3 - "$1" "$2" <<'EOF'
# Same addresses, and the same record once the volatile part (provenance,
# timing) is removed: parsed JSON compared exactly, so every number is
# bit-equal (records print doubles round-trip exactly).
import json, pathlib, sys

def load(root):
    out = {}
    for p in sorted(pathlib.Path(root).glob("*/*.json")):  # run records (not manifests/, verdicts/)
        if p.name.startswith(".") or p.parent.name in ("manifests", "verdicts", "lr-find"):
            continue
        r = json.loads(p.read_text())
        r.pop("provenance"); r.pop("timing")
        out[f"{p.parent.name}/{p.stem}"] = r
    return out

ref, got = load(sys.argv[1]), load(sys.argv[2])
missing, extra = sorted(ref.keys() - got.keys()), sorted(got.keys() - ref.keys())
diff = [k for k in sorted(ref.keys() & got.keys()) if ref[k] != got[k]]
for what, keys in (("missing from merged", missing), ("only in merged", extra), ("different", diff)):
    for k in keys[:5]:
        print(f"  {what}: {k}", file=sys.stderr)
if missing or extra or diff or not ref:
    sys.exit(f"merged vs single: {len(missing)} missing, {len(extra)} extra, {len(diff)} different of {len(ref)}")
print(f"          {len(ref)} records equal (addresses and numbers)")
# The plan: every shard wrote the same manifests, merged as they are.
mref = {p.name: p.read_bytes() for p in pathlib.Path(sys.argv[1]).glob("manifests/*.json")}
mgot = {p.name: p.read_bytes() for p in pathlib.Path(sys.argv[2]).glob("manifests/*.json")}
if not mref or mref != mgot:
    sys.exit(f"manifests differ: single {sorted(mref)}, merged {sorted(mgot)}")
print(f"          {len(mref)} manifests equal")
EOF
}

# ---------------------------------------------------------------------------
step "3 reference: lrbench run --quick on one machine"
"$lrbench" run "${plan[@]}" --threads "$cpus" --results "$tmp/single" --progress none >"$tmp/single.out"
if ! run_counts "$tmp/single.out" || ((computed == 0 || failed != 0)); then
  fail "reference run: $(cat "$tmp/single.out")"
fi
echo "          $computed runs"

# ---------------------------------------------------------------------------
step "4 failure: shard 2's folder is a regular file; the merge must be cancelled"
mkdir -p "$res/shards"
echo "not a folder" >"$res/shards/2"  # fails for root too, unlike chmod
submit
echo "          array job $array_job, merge job $merge_job"
wait_gone "$array_job" 90
wait_gone "$merge_job" 30
lines="$(job_lines "$array_job")"
for i in 0 1 2 3; do
  task="$(grep -E "ArrayTaskId=$i( |$)" <<<"$lines" || true)"
  st="$(field "$task" JobState)"
  if ((i == 2)); then
    [[ "$st" == FAILED ]] || fail "task 2 is '$st', expected FAILED"
  else
    [[ "$st" == COMPLETED && "$(field "$task" ExitCode)" == 0:0 ]] ||
      fail "task $i is '$st' ($(field "$task" ExitCode)), expected COMPLETED 0:0"
  fi
done
merge_line="$(job_lines "$merge_job")"
[[ "$(field "$merge_line" JobState)" == CANCELLED ]] ||
  fail "merge job is '$(field "$merge_line" JobState)' (reason $(field "$merge_line" Reason)), expected CANCELLED"
[[ ! -e "$res/merged" ]] || fail "the cancelled merge job wrote $res/merged"
echo "          task 2 FAILED, merge CANCELLED ($(field "$merge_line" Reason))"
first_array=$array_job
# Each finished record's identity (inode, mtime): a rerun must not touch it.
snapshot() { find "$res/shards/0" "$res/shards/1" "$res/shards/3" -name '*.json' -printf '%p %i %T@\n' | sort; }
before="$(snapshot)"
[[ -n "$before" ]] || fail "tasks 0, 1, 3 wrote no records"

# ---------------------------------------------------------------------------
step "5 resubmit: cause removed, only shard 2's runs are computed"
rm -f -- "$res/shards/2"
submit
echo "          array job $array_job, merge job $merge_job"
wait_gone "$array_job" 90
wait_gone "$merge_job" 60
lines="$(job_lines "$array_job")"
for i in 0 1 2 3; do
  task="$(grep -E "ArrayTaskId=$i( |$)" <<<"$lines" || true)"
  [[ "$(field "$task" JobState)" == COMPLETED && "$(field "$task" ExitCode)" == 0:0 ]] ||
    fail "task $i is '$(field "$task" JobState)' ($(field "$task" ExitCode)), expected COMPLETED 0:0"
  first="none (failed)"
  run_counts "$res/slurm-logs/${first_array}_$i.out" && first="computed $computed"
  log="$res/slurm-logs/${array_job}_$i.out"
  run_counts "$log" || fail "no 'runs N: computed C, cached K' line in $log: $(tail -n 5 "$log")"
  if ((i == 2)); then
    ((computed > 0 && cached == 0 && failed == 0)) ||
      fail "task 2: computed $computed, cached $cached, failed $failed; expected all computed"
  else
    ((computed == 0 && cached > 0 && failed == 0)) ||
      fail "task $i: computed $computed, cached $cached, failed $failed; expected all cached"
  fi
  echo "          task $i: computed $computed, cached $cached (first submission: $first)"
done
[[ "$(snapshot)" == "$before" ]] || fail "records of shards 0, 1, 3 were rewritten by the resubmission"
merge_line="$(job_lines "$merge_job")"
[[ "$(field "$merge_line" JobState)" == COMPLETED && "$(field "$merge_line" ExitCode)" == 0:0 ]] ||
  fail "merge job is '$(field "$merge_line" JobState)' ($(field "$merge_line" ExitCode)): $(cat "$res/slurm-logs/${merge_job}-merge.out" 2>/dev/null)"

# ---------------------------------------------------------------------------
step "6 compare: merged == single-machine records, report present"
compare_dirs "$tmp/single" "$res/merged" || fail "merged records differ from the single-machine ones"
# lrbench's own check: merging the reference into (a copy of) the merged dir
# must find every address already there with an equal record.
cp -r -- "$res/merged" "$tmp/check"
out="$("$lrbench" merge "$tmp/single" --out "$tmp/check")" || fail "lrbench merge single into merged: $out"
[[ "$out" == "merged 0 new records"* ]] || fail "lrbench merge added records: $out"
[[ -s "$res/report/index.html" ]] || fail "no report: $res/report/index.html"

# ---------------------------------------------------------------------------
step "7 tuned: a study of 100+ runs with a tuned arm, both stages in one submission"
study="$tmp/tuned study.toml"
cat >"$study" <<'EOF'
format = 1
id = "slurm-tuned"
title = "An LR x optimizer grid and a tuned SGD on a synthetic regression"
question = "Does SGD with its LR tuned on the validation split fit the teacher as well as Adam?"
seeds = 8

[data]
dataset = "teacher20:n=200,sigma=0.1"
val_fraction = 0.2
test_fraction = 0.2

[train]
model = "linear:in=20"
optimizer = "sgd:lr=0.01"
epochs = 2
batch = 32

[[arm]]
name = "sgd-tuned"
tune = { param = "lr", values = "logspace(1e-3, 1e-1, 3)", metric = "val_loss", epochs = 1, seeds = 2 }

[[grid]]
name = "sweep"
optimizer = ["sgd", "adam"]
lr = "logspace(1e-3, 1e-1, 6)"

[[claim]]
id = "tuned-vs-adam"
statement = "Tuned SGD and Adam over the LR sweep reach the same test loss within 50%"
kind = "equivalent"
metric = "test_loss"
a = "sgd-tuned"
b = "sweep[optimizer=adam]"
band = 0.5
EOF
tplan=(--study "$study")
tres="$tmp/tuned results"
"$lrbench" run "${tplan[@]}" --threads "$cpus" --results "$tmp/tuned-single" --progress none >"$tmp/tuned-single.out"
if ! run_counts "$tmp/tuned-single.out" || ((computed < 100 || failed != 0)); then
  fail "tuned reference run (100+ runs expected): $(cat "$tmp/tuned-single.out")"
fi
echo "          reference: $computed runs on one machine"
out="$("$lrbench" slurm-script "${tplan[@]}" --shards 4 --results "$tres" --partition debug --time 10 --submit)" ||
  fail "lrbench slurm-script --submit failed: $out"
[[ "$out" =~ array_job=([0-9]+)\ tuning_merge_job=([0-9]+)\ final_array_job=([0-9]+)\ merge_job=([0-9]+) ]] ||
  fail "no 'array_job=ID tuning_merge_job=ID final_array_job=ID merge_job=ID' in: $out"
jobs=("${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}" "${BASH_REMATCH[3]}" "${BASH_REMATCH[4]}")
[[ "$out" =~ planned\ runs\ ([0-9]+) ]] && echo "          stage 1: ${BASH_REMATCH[1]} runs; jobs ${jobs[*]}"
for j in "${jobs[@]}"; do wait_gone "$j" 120; done
for j in "${jobs[@]}"; do
  lines="$(job_lines "$j")"
  while IFS= read -r l; do
    [[ "$(field "$l" JobState)" == COMPLETED && "$(field "$l" ExitCode)" == 0:0 ]] ||
      fail "job $j (task $(field "$l" ArrayTaskId)) is '$(field "$l" JobState)' ($(field "$l" ExitCode))"
  done <<<"$lines"
done
stage2=0
for i in 0 1 2 3; do
  run_counts "$tres/slurm-logs/${jobs[2]}_$i.out" || fail "no summary line in stage-2 task $i's log"
  ((failed == 0)) || fail "stage-2 task $i: $failed runs failed"
  stage2=$((stage2 + computed))
done
((stage2 == 8)) || fail "stage 2 computed $stage2 runs, expected the tuned arm's 8 seeds"
echo "          stage 2: $stage2 runs of the chosen LR over 4 tasks"
compare_dirs "$tmp/tuned-single" "$tres/merged" || fail "tuned study: merged records differ from the single-machine ones"
manifest="$(cat "$tres/merged/manifests/slurm-tuned.full.json")"
[[ "$manifest" == *"sgd-tuned: lr = "*" chosen from logspace(1e-3, 1e-1, 3)"* ]] ||
  fail "the merged manifest records no tuning choice"
grep -q "tuned-vs-adam" "$tres/claims.md" || fail "no verdict of the tuned study's claim in claims.md"
[[ -s "$tres/report/index.html" ]] || fail "no report for the tuned study"

# ---------------------------------------------------------------------------
step "8 shutdown: daemons stopped by pid"
daemon_pids=("${pids[@]}")
stop_daemons
for pid in "${daemon_pids[@]}"; do
  ! kill -0 "$pid" 2>/dev/null || fail "pid $pid still running"
done
left="$(pgrep -af -- "$tmp" || true)"
[[ -z "$left" ]] || fail "processes still use $tmp: $left"
step "all steps passed"
