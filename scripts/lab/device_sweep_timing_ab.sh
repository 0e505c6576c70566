#!/usr/bin/env bash
# Where a sweep's wall time goes in each timing mode: SHAPES swept twice on this GPU, in call then
# kernel timing (GEMMTUNE_SWEEP_ORDER="kernel call" reverses them), each with its own cold kernel
# cache, one after the other, every core; then scripts/lab/sweep_seconds.py on both and the records'
# own samples (scripts/lab/sweep_timing_ab.py). Few files back: the device call returns at most 8.
#   usage: bash scripts/lab/device_sweep_timing_ab.sh SHAPES.json
#   Env: GEMMTUNE_REUSE_BUILD=1 with a staged devbuild/ (GEMMTUNE_SKIP_TESTS=1 is implied).
#   Writes $OUT/log.txt, $OUT/timing_ab.json, $OUT/timing_ab.txt and $OUT/sweeps.tgz (both run
#   folders' records, tables and logs).
set -uo pipefail
OUT=${OUT:-/tmp/gemmtune-device}
mkdir -p "$OUT"
exec > >(tee -a "$OUT/log.txt") 2>&1
source scripts/device_common.sh
source scripts/lab/device_resumable_sweep.sh
shapes=$1
deadline_s=${GEMMTUNE_DEADLINE_S:-570}
root=/tmp/stab
rm -rf "$root" && mkdir -p "$root"
GEMMTUNE_SKIP_TESTS=1 gemmtune_build
all_cores="0-$(($(nproc) - 1))"
for mode in ${GEMMTUNE_SWEEP_ORDER:-call kernel}; do
  GEMMTUNE_SWEEP_TIMING=$mode sweep "$mode" 0 "$all_cores"
done
python3 scripts/lab/sweep_seconds.py "$root" call kernel > "$OUT/timing_ab.json"
python3 scripts/lab/sweep_timing_ab.py "$root/call" "$root/kernel" | tee "$OUT/timing_ab.txt"
tar czf "$OUT/sweeps.tgz" -C "$root" --exclude='cache-*' .
stamp "done"
