#!/usr/bin/env bash
# Issue 4's budget rule on the GPU: an exhaustive sweep of two dsv3 problems (every legal config
# of the default space), then the default and quick budgets replayed from the same measurements
# (`__replay` worker: the smaller budget's pick from identical numbers, no run-to-run noise), each
# compared with the exhaustive pick at a 3% threshold. Also re-runs the sweep GPU tests.
set -uo pipefail
OUT=${OUT:-/tmp/gemmtune-device}
bin=${GEMMTUNE_DEVICE_BIN:-devbuild}
export GEMMTUNE_CACHE_DIR=/tmp/gemmtune-cache GEMMTUNE_TEST_BINARY=$PWD/$bin/gemmtune
runs=/tmp/gemmtune-runs; rm -rf "$runs"; mkdir -p "$runs"

"$bin/gemmtune_gpu_tests" --gtest_filter='SweepGpu*:CublasLt.PerTensor*' > "$OUT/gpu_tests.log" 2>&1
echo "gpu tests rc=$?"; grep -E "^\[  (PASSED|FAILED) " "$OUT/gpu_tests.log"

shapes=$runs/budget.json
printf '{"name":"budget-check","problems":[{"label":"o_proj","n":7168,"k":16384,"m":64},{"label":"q_a+kv_a fused","n":2112,"k":7168,"m":4096}]}' > "$shapes"
start=$(date +%s)
timeout 420 "$bin/gemmtune" sweep --shapes "$shapes" --budget exhaustive --iters 10 --warmup 2 \
  --out "$runs/exhaustive" --quiet 2> "$OUT/exhaustive.log"
echo "exhaustive rc=$? in $(( $(date +%s) - start )) s"; tail -2 "$OUT/exhaustive.log" | cut -c1-200
for budget in default quick; do
  GEMMTUNE_WORKER_CMD="$PWD/$bin/gemmtune __replay $runs/exhaustive" "$bin/gemmtune" sweep \
    --shapes "$shapes" --budget $budget --iters 10 --warmup 2 --out "$runs/$budget" --quiet 2> "$OUT/$budget.log"
  "$bin/gemmtune" compare "$runs/exhaustive" "$runs/$budget" --threshold 0.03 > "$OUT/${budget}_vs_exhaustive.md"
  echo "$budget vs exhaustive: compare rc=$?"
  grep -E "^\| (SAME|SLOWER|FASTER|NOISY)" "$OUT/${budget}_vs_exhaustive.md" | cut -c1-160
done
tar czf "$OUT/budget_runs.tgz" -C "$runs" default quick budget.json exhaustive/summary.md exhaustive/tuning_table.json exhaustive/env.json
