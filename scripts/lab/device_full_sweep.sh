#!/usr/bin/env bash
# Issue 12's goals for a whole shape set on this node: one sweep (`node`: cold kernel cache,
# default budget, call timing or GEMMTUNE_SWEEP_TIMING) on GEMMTUNE_SWEEP_GPUS (default 0: the one-GPU goal; `all` on a
# multi-GPU node) with every core of the machine, over one or more device calls: a call that
# reaches its deadline stops the sweep with SIGINT (exit 130, its reports written) and the next
# call on the still-warm machine resumes it, so its time is the sum of its segments, restarts
# included (scripts/lab/device_resumable_sweep.sh).
# Before it, once, with AB_SHAPES set: the cuBLASLt best search with and without its probe cut,
# two sweeps of AB_SHAPES one after the other (`ab_all` with GEMMTUNE_CUBLASLT_SCREEN_ALL=1
# first, then `ab_cut`, sharing one kernel cache), so that the cut's picks and times can be set
# against screening every algorithm (scripts/lab/cublaslt_cut_ab.py).
# After it, with GEMMTUNE_ONE_TABLE (a one-GPU table of SHAPES): the same-pick check of the
# node's table against it, in the call's time left (scripts/same_pick_check.sh, up to
# GEMMTUNE_SAME_PICK_MAX differing picks, default all, GEMMTUNE_SAME_PICK_ROUNDS rounds, default 2).
#   usage: [AB_SHAPES=configs/dsv3-quick.json] bash scripts/lab/device_full_sweep.sh SHAPES.json
#   Env: GEMMTUNE_DEADLINE_S (seconds this call may use from its start, default 570),
#   GEMMTUNE_RESUME_FROM (a runs.tgz this script wrote in an earlier call, e.g. committed under
#   results/: unpacked into a fresh machine's sweep root, so the sweep resumes there; the sweep
#   refuses with one line if that run's GPU model differs),
#   GEMMTUNE_REUSE_BUILD=1 with a staged or previous devbuild/, GEMMTUNE_TEST_FILTER (GPU tests run
#   first in the first call; GEMMTUNE_SKIP_TESTS=1 skips them), GEMMTUNE_SWEEP_FLAGS. Carry .devdeps.
#   Writes $OUT/log.txt, $OUT/timing.json (scripts/lab/sweep_seconds.py), $OUT/runs.tgz and
#   $OUT/same_pick.jsonl.
set -uo pipefail
OUT=${OUT:-/tmp/gemmtune-device}
mkdir -p "$OUT"
exec > >(tee -a "$OUT/log.txt") 2>&1
source scripts/device_common.sh
source scripts/lab/device_resumable_sweep.sh
deadline_s=${GEMMTUNE_DEADLINE_S:-570}
shapes=$1
root=/tmp/ogf
sweep_gpus=${GEMMTUNE_SWEEP_GPUS:-0}
mkdir -p "$root"
if [[ -n ${GEMMTUNE_RESUME_FROM:-} && ! -e $root/node.segments ]]; then
  tar xzf "$GEMMTUNE_RESUME_FROM" -C "$root" || { stamp "cannot unpack $GEMMTUNE_RESUME_FROM"; exit 2; }
  rm -f "$root/tests.done"  # the GPU tests follow this call's settings, not the earlier call's
  stamp "resuming from $GEMMTUNE_RESUME_FROM: $(wc -l < "$root/node/runs.jsonl" 2> /dev/null || echo 0) records"
fi
gemmtune_build
[[ -f $root/tests.done ]] || { gpu_suite; touch "$root/tests.done"; }
cores=$(nproc)
all_cores="0-$((cores - 1))"
stamp "$(nvidia-smi -L | grep -c '^GPU ') GPU(s), $cores cores"
if [[ -n ${AB_SHAPES:-} ]]; then
  # NOTE: ab_cut after ab_all, in ab_all's kernel cache: their gemmtune sides are the same work,
  # and only the cuBLASLt records are compared.
  if [[ ! -f $root/ab_all.done ]]; then
    shapes=$AB_SHAPES GEMMTUNE_CUBLASLT_SCREEN_ALL=1 sweep ab_all 0 "$all_cores"
  fi
  if [[ -f $root/ab_all.done && ! -f $root/ab_cut.done ]]; then
    rm -rf "$root/cache-ab_cut"
    [[ -d $root/cache-ab_all ]] && cp -r "$root/cache-ab_all" "$root/cache-ab_cut"
    shapes=$AB_SHAPES sweep ab_cut 0 "$all_cores"
  fi
  if [[ -f $root/ab_cut.done ]]; then
    python3 scripts/lab/cublaslt_cut_ab.py "$root/ab_all" "$root/ab_cut" > "$OUT/cublaslt_cut_ab.txt"
    stamp "probe cut A/B: $(tail -1 "$OUT/cublaslt_cut_ab.txt")"
  fi
fi
[[ -z ${AB_SHAPES:-} || -f $root/ab_cut.done ]] && sweep node "$sweep_gpus" "$all_cores"
python3 scripts/lab/sweep_seconds.py "$root" node ab_all ab_cut > "$OUT/timing.json"
cat "$OUT/timing.json"
if [[ -n ${GEMMTUNE_ONE_TABLE:-} && -f $root/node.done ]] && (( deadline_s - (SECONDS - start) > 60 )); then
  GEMMTUNE_CACHE_DIR=$root/cache-node timeout -s INT $((deadline_s - (SECONDS - start) - 15)) \
    bash scripts/same_pick_check.sh "$GEMMTUNE_ONE_TABLE" "$root/node/tuning_table.json" \
    "$OUT/same_pick.jsonl" "${GEMMTUNE_SAME_PICK_MAX:-1000}" "${GEMMTUNE_SAME_PICK_ROUNDS:-2}"
  stamp "same-pick check against $GEMMTUNE_ONE_TABLE: rc $?"
fi
tar czf "$OUT/runs.tgz" -C "$root" --exclude='cache-*' .
stamp "done"
