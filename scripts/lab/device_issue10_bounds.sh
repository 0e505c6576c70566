#!/usr/bin/env bash
# Issue 10's bandwidth and cuBLASLt goals against what the card allows, in one device call:
# scripts/lab/device_stream_floor.sh (the GPU tests, the 12 M <= 128 rows of dsv3-quick beside their
# stream floor under both flushes, DeepGEMM beside), then dsv3-quick swept with --stream-floor
# and timed beside DeepGEMM (scripts/device_vs_deepgemm.sh, the build reused), then
# scripts/lab/goal_bounds.py on that sweep's records. ~8 min on a fresh machine with devbuild/ carried.
#   usage: bash scripts/lab/device_issue10_bounds.sh
#   carry: .devdeps .anchors .dgcache, and devbuild with GEMMTUNE_REUSE_BUILD=1 (staged by
#   scripts/stage_device_build.sh) to skip the build.
# Writes under $OUT (<= 8 files, the device tool's limit): log.txt, floor.jsonl, summary.md (the
# floor's tables, then the goal bounds), cmp.jsonl, sweeps.tgz, dg_jit_cache.tgz and extras.tgz
# (gpu_tests.log, dg_warm.json, start_utc.txt).
set -uo pipefail
OUT=${OUT:-/tmp/gemmtune-device}
export OUT
mkdir -p "$OUT"
bash scripts/lab/device_stream_floor.sh || echo "device_issue10_bounds: the stream floor script failed (rc=$?)"
GEMMTUNE_REUSE_BUILD=1 GEMMTUNE_SKIP_TESTS=1 GEMMTUNE_SKIP_PROTOCOL=1 \
  GEMMTUNE_SWEEP_FLAGS=--stream-floor GEMMTUNE_DEADLINE_S=${GEMMTUNE_DEADLINE_S:-200} \
  bash scripts/device_vs_deepgemm.sh configs/dsv3-quick.json
runs=/tmp/gemmtune-runs/dsv3-quick/runs.jsonl
if [[ -s $runs ]]; then
  {
    echo
    echo "## Goal bounds (scripts/lab/goal_bounds.py, dsv3-quick, datasheet peak 1979 TFLOPS)"
    echo
    python3 scripts/lab/goal_bounds.py "$runs"
    echo
    echo "With the card's measured FP8 per-tensor roof (env.json roofs) as the peak:"
    roof=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["roofs"]["fp8_tensor_tflops"])' \
             /tmp/gemmtune-runs/dsv3-quick/env.json 2>/dev/null)
    [[ -n $roof ]] && python3 scripts/lab/goal_bounds.py "$runs" "$roof" | tail -3 || echo "(no such roof in env.json)"
  } | tee -a "$OUT/summary.md"
else
  echo "device_issue10_bounds: no dsv3-quick records; goal bounds not computed" | tee -a "$OUT/summary.md"
fi
extras=()
for f in gpu_tests.log dg_warm.json start_utc.txt; do [[ -e $OUT/$f ]] && extras+=("$f"); done
if (( ${#extras[@]} )); then
  tar czf "$OUT/extras.tgz" -C "$OUT" "${extras[@]}" && (cd "$OUT" && rm -f "${extras[@]}")
fi
ls "$OUT"
