#!/usr/bin/env bash
# Runs scripts/slurm/submit.sh against a real Slurm on this machine (tests/slurm/slurm_test.cpp):
# installs Debian's slurm-wlm and munge when missing, starts munged, slurmctld and slurmd on
# localhost with a generated slurm.conf (state, spool, logs and munge socket under WORK), submits
# the shard array and its merge job with the environment given (SHAPES, SPACE, SHARDS, GEMMTUNE,
# GEMMTUNE_WORKER_CMD, ...), waits for both with a bounded timeout, and stops every daemon it
# started, also on failure. Output folders: WORK/runs.
#
#   local_slurm_array.sh WORK [TIMEOUT_S]
#
# Exit 0: both jobs COMPLETED; 77: cannot run here (the line "SKIP: reason" says why); else failed.
set -uo pipefail
work=${1:?usage: local_slurm_array.sh WORK [TIMEOUT_S]}
timeout_s=${2:-90}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }
stamp() { echo "[$(date +%H:%M:%S)] $*" >&2; }

[[ $(id -u) == 0 ]] || skip "needs root to install and run Slurm's daemons (uid $(id -u))"
if ! command -v sbatch >/dev/null || ! command -v slurmctld >/dev/null ||
   ! command -v slurmd >/dev/null || ! command -v munged >/dev/null; then
  command -v apt-get >/dev/null || skip "slurm-wlm/munge missing and no apt-get to install them"
  stamp "installing slurm-wlm and munge (apt-get)"
  start=$(date +%s)
  export DEBIAN_FRONTEND=noninteractive
  # NOTE: wait for a dpkg lock another session holds instead of failing at once.
  apt=(apt-get -o DPkg::Lock::Timeout=300 -y -qq)
  "${apt[@]}" install --no-install-recommends slurm-wlm munge >"$work/apt.log" 2>&1 ||
    { "${apt[@]}" update >>"$work/apt.log" 2>&1 &&
      "${apt[@]}" install --no-install-recommends slurm-wlm munge >>"$work/apt.log" 2>&1; } ||
    fail "apt-get install slurm-wlm munge failed: $(tail -3 "$work/apt.log")"
  stamp "installed in $(( $(date +%s) - start )) s"
fi

mkdir -p "$work"/{munge,state,spool,log,runs}
chmod 700 "$work" "$work/munge"
pids=()
array_job="" merge_job=""
export SLURM_CONF="$work/slurm.conf"

# shellcheck disable=SC2317  # called by the EXIT trap
stop_all() {
  # Jobs first (their slurmstepd outlive slurmd), then the daemons this script started, newest
  # first, each by its own pid.
  if [[ -n "$array_job$merge_job" ]] && [[ -f "$SLURM_CONF" ]]; then
    scancel ${array_job:+"$array_job"} ${merge_job:+"$merge_job"} 2>/dev/null
    for _ in $(seq 20); do
      [[ -z $(squeue -h -j "${array_job:-0},${merge_job:-0}" 2>/dev/null) ]] && break
      sleep 0.5
    done
  fi
  for (( i = ${#pids[@]} - 1; i >= 0; i-- )); do
    kill "${pids[i]}" 2>/dev/null
    for _ in $(seq 50); do kill -0 "${pids[i]}" 2>/dev/null || break; sleep 0.1; done
    kill -9 "${pids[i]}" 2>/dev/null
    wait "${pids[i]}" 2>/dev/null
  done
}
trap stop_all EXIT
trap 'exit 130' INT TERM

# NOTE: ports are picked free at random, so that several sessions can run this test at once.
free_port() {
  local p
  for p in $(shuf -i 20000-60000 -n 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
  fail "no free port"
}
ctld_port=$(free_port)
slurmd_port=$(free_port)
[[ $slurmd_port != "$ctld_port" ]] || slurmd_port=$((ctld_port + 1))

# munge: its own key and socket in WORK (the system's munged, if any, is left alone).
dd if=/dev/urandom of="$work/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$work/munge/munge.key"
munged --foreground --force --socket="$work/munge/munge.socket" \
  --key-file="$work/munge/munge.key" --pid-file="$work/munge/munged.pid" \
  --log-file="$work/log/munged.log" --seed-file="$work/munge/munged.seed" \
  >>"$work/log/munged.out" 2>&1 &
pids+=($!)
for _ in $(seq 50); do [[ -S "$work/munge/munge.socket" ]] && break; sleep 0.1; done
[[ -S "$work/munge/munge.socket" ]] || fail "munged did not start: $(tail -5 "$work/log/munged.log" "$work/log/munged.out" 2>/dev/null)"

# The node as slurmd sees it (CPUs, sockets, cores, RealMemory), renamed localhost; no GRES.
node=$(slurmd -C | head -1 | sed -E 's/^NodeName=[^ ]+/NodeName=localhost NodeAddr=127.0.0.1/')
[[ $node == NodeName=localhost* ]] || fail "slurmd -C printed no node line"
cat >"$SLURM_CONF" <<CONF
ClusterName=gemmtune-test
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$work/munge/munge.socket
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/log/slurmctld.log
SlurmdLogFile=$work/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=1,bf_interval=1
MpiDefault=none
ReturnToService=2
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
MinJobAge=600
KillWait=5
$node State=UNKNOWN
PartitionName=test Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF

slurmctld -D -i -f "$SLURM_CONF" >>"$work/log/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -N localhost -f "$SLURM_CONF" >>"$work/log/slurmd.out" 2>&1 &
pids+=($!)
state=""
for _ in $(seq 60); do
  state=$(sinfo -h -n localhost -o %T 2>/dev/null)
  [[ $state == idle ]] && break
  sleep 0.5
done
[[ $state == idle ]] || fail "the node is not idle after 30 s (state '$state'): $(tail -5 "$work/log/slurmctld.log" "$work/log/slurmd.log" 2>/dev/null)"
stamp "slurmctld :$ctld_port and slurmd :$slurmd_port up, node idle"

submitted=$(OUT_ROOT="$work/runs" PARTITION=test GPUS_PER_TASK=0 CPUS_PER_TASK=1 TIME_LIMIT=5 \
            bash "$repo/scripts/slurm/submit.sh") || fail "submit.sh failed"
array_job=$(sed -n 's/^ARRAY_JOB_ID=//p' <<<"$submitted")
merge_job=$(sed -n 's/^MERGE_JOB_ID=//p' <<<"$submitted")
[[ -n $array_job && -n $merge_job ]] || fail "submit.sh printed no job ids: $submitted"
stamp "array job $array_job, merge job $merge_job"

show_logs() { for f in "$work"/runs/logs/*.out; do echo "== $f" >&2; tail -20 "$f" >&2; done; }
deadline=$(( $(date +%s) + timeout_s ))
while queued=$(squeue -h -j "$array_job,$merge_job" -o '%T %r' 2>/dev/null) && [[ -n $queued ]]; do
  # NOTE: a failed shard leaves the merge job pending for ever (afterok can never be met).
  if [[ $queued == "PENDING DependencyNeverSatisfied" ]]; then
    show_logs
    fail "a shard failed, so the merge job can never run"
  fi
  (( $(date +%s) < deadline )) || fail "jobs still queued or running after $timeout_s s: $(squeue -j "$array_job,$merge_job")"
  sleep 0.5
done
# Every array task and the merge job must have COMPLETED (no accounting: scontrol keeps finished
# jobs for MinJobAge).
states=$( { scontrol -o show job "$array_job"; scontrol -o show job "$merge_job"; } 2>/dev/null |
         grep -o '^JobId=[0-9]*\|JobState=[A-Z_]*' | paste -d' ' - -)
echo "$states" >&2
bad=$(grep -vc 'JobState=COMPLETED' <<<"$states")
(( $(grep -c 'JobState=' <<<"$states") == ${SHARDS:?} + 1 )) || bad=$((bad + 1))
if (( bad != 0 )); then
  show_logs
  fail "$bad job(s) did not complete"
fi
stamp "all jobs COMPLETED"
exit 0
