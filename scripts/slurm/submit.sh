#!/usr/bin/env bash
#   usage: [SHAPES=FILE SHARDS=N GPUS_PER_TASK=K ...] bash scripts/slurm/submit.sh   (variables below)
# Submits a sharded gemmtune sweep to Slurm: a job array (one shard per task, `gemmtune sweep
# --shard I/N`) and a merge job that runs once every task succeeded (--dependency=afterok), then
# prints both job ids. src/sweep/README.md "Slurm". Every variable below can also be set in the
# environment (the Slurm test does: tests/slurm/).
set -euo pipefail

# ---- edit these ------------------------------------------------------------------------------
SHAPES=${SHAPES:-configs/dsv3.json}                 # shape set to tune
SPACE=${SPACE:-configs/spaces/default.json}         # config space
BUDGET=${BUDGET:-default}                           # quick | default | exhaustive | N
SHARDS=${SHARDS:-8}                                 # N: array tasks (<= the cluster's MaxArraySize)
GPUS_PER_TASK=${GPUS_PER_TASK:-1}                   # GPUs per task (--gres=gpu:K), one worker each
                                                    # (sweep --gpus all); 0: no GPU request
CPUS_PER_TASK=${CPUS_PER_TASK:-16}                  # compile threads of each task (sweep -j),
                                                    # shared by its GPUs
OUT_ROOT=${OUT_ROOT:-$PWD/runs}                     # shard folders, merged folder and logs go here
GEMMTUNE=${GEMMTUNE:-$PWD/build/gemmtune}           # the gemmtune binary (same path on every node)
PARTITION=${PARTITION:-}                            # sbatch --partition (empty: the default)
ACCOUNT=${ACCOUNT:-}                                # sbatch --account (empty: none)
TIME_LIMIT=${TIME_LIMIT:-02:00:00}                  # per shard task and for the merge
# ----------------------------------------------------------------------------------------------
RUN_NAME=${RUN_NAME:-$(basename "$SHAPES" .json)}   # folders: OUT_ROOT/RUN_NAME-shard-I-of-N
EXTRA_SWEEP_ARGS=${EXTRA_SWEEP_ARGS:-}              # e.g. "--timing call --skip-cublaslt-best"
EXTRA_SBATCH_ARGS=${EXTRA_SBATCH_ARGS:-}            # e.g. "--qos=high --constraint=h200"

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[[ -x "$GEMMTUNE" ]] || { echo "submit.sh: GEMMTUNE=$GEMMTUNE is not an executable" >&2; exit 2; }
[[ "$SHARDS" =~ ^[1-9][0-9]*$ ]] || { echo "submit.sh: SHARDS=$SHARDS is not a count" >&2; exit 2; }
[[ "$GPUS_PER_TASK" =~ ^[0-9]+$ ]] ||
  { echo "submit.sh: GPUS_PER_TASK=$GPUS_PER_TASK is not a count" >&2; exit 2; }
mkdir -p "$OUT_ROOT/logs"

common=(--export=ALL --chdir="$PWD" --time="$TIME_LIMIT")
[[ -n "$PARTITION" ]] && common+=(--partition="$PARTITION")
[[ -n "$ACCOUNT" ]] && common+=(--account="$ACCOUNT")
# shellcheck disable=SC2206  # EXTRA_SBATCH_ARGS is a list of words on purpose
[[ -n "$EXTRA_SBATCH_ARGS" ]] && common+=($EXTRA_SBATCH_ARGS)
array=(--array="1-$SHARDS" --cpus-per-task="$CPUS_PER_TASK"
       --output="$OUT_ROOT/logs/$RUN_NAME-shard-%a-of-$SHARDS-%A.out")
(( GPUS_PER_TASK > 0 )) && array+=(--gres="gpu:$GPUS_PER_TASK")

export SHAPES SPACE BUDGET SHARDS GPUS_PER_TASK OUT_ROOT GEMMTUNE RUN_NAME EXTRA_SWEEP_ARGS
array_job=$(sbatch --parsable "${common[@]}" "${array[@]}" --job-name="gemmtune-$RUN_NAME" \
                   "$here/sweep_array.sbatch")
array_job=${array_job%%;*}
# NOTE: --kill-on-invalid-dep: when a shard fails, the merge job is cancelled instead of pending
# for ever (DependencyNeverSatisfied); re-running submit.sh then resumes every shard's folder.
merge_job=$(sbatch --parsable "${common[@]}" --dependency="afterok:$array_job" \
                   --kill-on-invalid-dep=yes --cpus-per-task=1 \
                   --output="$OUT_ROOT/logs/$RUN_NAME-merge-%j.out" \
                   --job-name="gemmtune-$RUN_NAME-merge" "$here/merge.sbatch")
merge_job=${merge_job%%;*}
echo "ARRAY_JOB_ID=$array_job"
echo "MERGE_JOB_ID=$merge_job"
echo "submitted: $SHARDS shard(s) as array job $array_job, merge job $merge_job after it;" \
     "results in $OUT_ROOT/$RUN_NAME-merged, logs in $OUT_ROOT/logs" >&2
