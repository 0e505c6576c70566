#!/usr/bin/env bash
# On a GPU machine: GPU inventory, the GPU test suite, the hand-picked benchmark and a SASS check.
# Runs in the repository root with the binaries staged by scripts/stage_device_build.sh; writes
# its files under $OUT (default /tmp/gemmtune-device).
#   usage: bash scripts/device_check.sh [tests|bench|all]   (default all)
set -uo pipefail
what=${1:-all}
OUT=${OUT:-/tmp/gemmtune-device}
mkdir -p "$OUT"
bin=${GEMMTUNE_DEVICE_BIN:-devbuild}
export GEMMTUNE_CACHE_DIR=${GEMMTUNE_CACHE_DIR:-/tmp/gemmtune-cache}
export GEMMTUNE_TEST_BINARY=$PWD/$bin/gemmtune

"$bin/gemmtune" devices | tee "$OUT/devices.txt"
nvidia-smi --query-gpu=clocks.sm,clocks.max.sm,power.draw,power.limit,clocks_event_reasons.active \
  --format=csv >> "$OUT/devices.txt"

if [[ $what == tests || $what == all ]]; then
  "$bin/gemmtune_gpu_tests" --gtest_output="json:$OUT/gpu_tests.json" > "$OUT/gpu_tests.log" 2>&1
  echo "gpu tests rc=$?"
  grep -E "^\[  (PASSED|FAILED|SKIPPED) |tests ran|FAILED  \]|runs, .* configs exercised" \
    "$OUT/gpu_tests.log" | tail -20
fi

if [[ $what == bench || $what == all ]]; then
  bash scripts/bench_handpicked.sh "$bin/gemmtune" configs/handpicked_quick.txt \
    "$OUT/bench.jsonl" > "$OUT/bench.log" 2>&1
  echo "bench rc=$?"
  tail -3 "$OUT/bench.log"
fi

# SASS of one representative kernel from the cache: QGMMA present, no local memory traffic.
cubin=$(grep -l "sm90_fp8_gemm_1d2d_bm128_bn128_s5_mcB" "$GEMMTUNE_CACHE_DIR"/*/*/meta.json 2>/dev/null \
        | head -1 | xargs -r dirname)
if [[ -n $cubin ]]; then
  cuobjdump --dump-sass "$cubin/kernel.cubin" > /tmp/sass.txt 2>&1
  { echo "kernel: $(grep -o '"kernel_name": *"[^"]*"' "$cubin/meta.json")"
    echo "QGMMA instructions: $(grep -c QGMMA /tmp/sass.txt)"
    echo "local memory (LDL/STL): $(grep -cE '\bLDL|\bSTL' /tmp/sass.txt)"
    grep -m2 QGMMA /tmp/sass.txt; } | tee "$OUT/sass_summary.txt"
fi
