#!/usr/bin/env bash
#   usage: GEMMTUNE_GIT_REV=<rev> bash scripts/device_accuracy.sh [SHAPES] [-- extra accuracy flags]
# `gemmtune accuracy` on a GPU machine, with .devdeps/ in the tree: builds gemmtune and the
# GPU tests (scripts/device_build.sh, unless devbuild/ is already there and GEMMTUNE_REBUILD=0),
# runs the accuracy GPU tests, then `gemmtune accuracy` on a small shape set. Everything lands
# under $OUT (default /tmp/gemmtune-device):
#   build.log, devices.txt, accuracy_gpu_tests.log, accuracy.log, acc/accuracy.{json,md,svg}
#   (default SHAPES configs/accuracy_small.json; e.g. `-- --seeds 2 --inputs gaussian`)
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp/gemmtune-device}
mkdir -p "$OUT/acc"
shapes=configs/accuracy_small.json
if [[ $# -gt 0 && $1 != -- ]]; then shapes=$1; shift; fi
[[ ${1:-} == -- ]] && shift
bin=${GEMMTUNE_DEVICE_BIN:-devbuild}
export GEMMTUNE_CACHE_DIR=${GEMMTUNE_CACHE_DIR:-/tmp/gemmtune-cache}
export GEMMTUNE_TEST_BINARY=$PWD/$bin/gemmtune

if [[ ${GEMMTUNE_REBUILD:-1} == 1 || ! -x $bin/gemmtune || ! -x $bin/gemmtune_gpu_tests ]]; then
  bash scripts/device_build.sh > "$OUT/build.log" 2>&1
  rc=$?
  echo "build rc=$rc"
  [[ $rc == 0 ]] || { tail -30 "$OUT/build.log"; exit "$rc"; }
fi

"$bin/gemmtune" devices > "$OUT/devices.txt" 2>&1
nvidia-smi --query-gpu=clocks.sm,clocks.max.sm,power.draw,power.limit --format=csv >> "$OUT/devices.txt" 2>&1

start=$SECONDS
"$bin/gemmtune_gpu_tests" --gtest_filter='*Accuracy*' > "$OUT/accuracy_gpu_tests.log" 2>&1
echo "accuracy gpu tests rc=$? ($((SECONDS - start)) s)"
grep -E "^\[  (PASSED|FAILED|SKIPPED) |tests ran|FAILED  \]|^K " "$OUT/accuracy_gpu_tests.log" | tail -20

start=$SECONDS
"$bin/gemmtune" accuracy --shapes "$shapes" --out "$OUT/acc" "$@" > "$OUT/accuracy.log" 2>&1
echo "gemmtune accuracy rc=$? ($((SECONDS - start)) s)"
tail -25 "$OUT/accuracy.log"
