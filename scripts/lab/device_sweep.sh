#!/usr/bin/env bash
# One device call for issue 4's evidence: the sweep's GPU tests (fault/hang hooks, mini sweep),
# a dsv3-quick sweep with a cold compile cache, `check` against it, and the README's ncu command.
# Run folders come back as one tarball ($OUT/runs.tgz) because the device tool returns <= 8 files.
#   usage: bash scripts/lab/device_sweep.sh [SHAPES] [BUDGET] [TIMING] [EXTRA SWEEP FLAGS...]
# A sweep longer than one device call (10 min): GEMMTUNE_SWEEP_LIMIT_S=540 stops it with SIGINT
# (it writes its reports and exits 130); the next call with GEMMTUNE_RESUME=1 keeps the cache and
# run folder of the still-warm machine and continues with --resume (GEMMTUNE_RESUME_FROM=runs.tgz
# of the previous call, carried, when the machine went cold).
set -uo pipefail
OUT=${OUT:-/tmp/gemmtune-device}
bin=${GEMMTUNE_DEVICE_BIN:-devbuild}
shapes=${1:-configs/dsv3-quick.json} budget=${2:-default} timing=${3:-call}
shift $(( $# > 3 ? 3 : $# ))
export GEMMTUNE_CACHE_DIR=/tmp/gemmtune-cache GEMMTUNE_TEST_BINARY=$PWD/$bin/gemmtune
runs=/tmp/gemmtune-runs
name=$(basename "$shapes" .json)-$budget-$timing
resume=()
# A machine that went cold in between: GEMMTUNE_RESUME_FROM names the previous call's runs.tgz,
# carried with the working tree (its compile cache is gone; the resumed part compiles cold).
if [[ ${GEMMTUNE_RESUME:-0} == 1 && -n ${GEMMTUNE_RESUME_FROM:-} && ! -s $runs/$name/runs.jsonl ]]; then
  mkdir -p "$runs" && tar xzf "$GEMMTUNE_RESUME_FROM" -C "$runs"
fi
if [[ ${GEMMTUNE_RESUME:-0} == 1 && -s $runs/$name/runs.jsonl ]]; then resume=(--resume)
else rm -rf "$GEMMTUNE_CACHE_DIR" "$runs" && mkdir -p "$runs"; fi

if [[ ${GEMMTUNE_SKIP_TESTS:-0} != 1 ]]; then
  "$bin/gemmtune_gpu_tests" --gtest_filter='SweepGpu*:TestHook*' > "$OUT/sweep_gpu_tests.log" 2>&1
  echo "sweep gpu tests rc=$?"; grep -E "^\[  (PASSED|FAILED) " "$OUT/sweep_gpu_tests.log"
fi

start=$(date +%s)
timeout -s INT "${GEMMTUNE_SWEEP_LIMIT_S:-86400}" "$bin/gemmtune" sweep --shapes "$shapes" \
  --budget "$budget" --timing "$timing" --out "$runs/$name" "${resume[@]}" "$@" > /dev/null 2>> "$OUT/sweep.log"
echo "sweep rc=$? in $(( $(date +%s) - start )) s (${resume[*]:-cold compile cache}); $(wc -l < "$runs/$name/runs.jsonl") records"
tail -2 "$OUT/sweep.log"

if [[ ${GEMMTUNE_SKIP_CHECK:-0} != 1 ]]; then
  "$bin/gemmtune" check --baseline "$runs/$name" --out "$runs/check" --quiet > "$OUT/check.md" 2> "$OUT/check.log"
  echo "check rc=$?"; tail -3 "$OUT/check.md"
  ncu --profile-from-start off --nvtx --nvtx-include "gemmtune@profile bm256_bn128_s3_mcA_sm132_rN8_sk1" \
      --clock-control none --section SpeedOfLight \
      "$bin/gemmtune" run --m 4096 --n 7168 --k 16384 --config bm256_bn128_s3_mcA_sm132_rN8_sk1 --profile \
      > "$OUT/ncu.txt" 2>&1
  echo "ncu rc=$?"; grep -E "sm90_fp8_gemm_1d2d|Duration|SM Frequency|Compute \(SM\)" "$OUT/ncu.txt" | head -6
fi
tar czf "$OUT/runs.tgz" -C "$runs" .
head -40 "$runs/$name/summary.md"
