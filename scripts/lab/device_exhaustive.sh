#!/usr/bin/env bash
# Issue 4's budget rule on the GPU, for a whole shape set: an exhaustive sweep (every legal config
# of the default space; --iters 10 --warmup 2, kernel timing) in calls of at most LIMIT_S seconds
# that resume each other while the device machine stays warm, then, once it is complete, the
# default and quick budgets replayed from the same measurements (`__replay` worker: the smaller
# budget's pick from identical numbers) and compared with the exhaustive pick at 3%.
#   usage: bash scripts/lab/device_exhaustive.sh [SHAPES] [LIMIT_S]
set -uo pipefail
OUT=${OUT:-/tmp/gemmtune-device}
bin=${GEMMTUNE_DEVICE_BIN:-devbuild}
shapes=${1:-configs/dsv3-quick.json} limit_s=${2:-540}
export GEMMTUNE_CACHE_DIR=/tmp/gemmtune-cache GEMMTUNE_TEST_BINARY=$PWD/$bin/gemmtune
runs=/tmp/gemmtune-runs/exhaustive-$(basename "$shapes" .json)
mkdir -p "$runs"
# A fresh machine continues from a carried tarball of an earlier call's folder (GEMMTUNE_SEED_TGZ).
if [[ ! -s $runs/exhaustive/runs.jsonl && -n ${GEMMTUNE_SEED_TGZ:-} ]]; then tar xzf "$GEMMTUNE_SEED_TGZ" -C "$runs"; fi
flags=(--shapes "$shapes" --iters 10 --warmup 2 --timing kernel --quiet)
resume=(); [[ -s $runs/exhaustive/runs.jsonl ]] && resume=(--resume)

start=$(date +%s)
timeout -s INT "$limit_s" "$bin/gemmtune" sweep "${flags[@]}" --budget exhaustive \
  --out "$runs/exhaustive" "${resume[@]}" > /dev/null 2>> "$OUT/exhaustive.log"
rc=$?
echo "exhaustive rc=$rc in $(( $(date +%s) - start )) s; $(wc -l < "$runs/exhaustive/runs.jsonl") records"
tail -2 "$OUT/exhaustive.log" | cut -c1-200
if [[ $rc == 0 ]]; then
  for budget in default quick; do
    rm -rf "${runs:?}/$budget"
    GEMMTUNE_WORKER_CMD="$PWD/$bin/gemmtune __replay $runs/exhaustive" "$bin/gemmtune" sweep \
      "${flags[@]}" --budget $budget --out "$runs/$budget" 2> "$OUT/$budget.log"
    "$bin/gemmtune" compare "$runs/exhaustive" "$runs/$budget" --threshold 0.03 > "$OUT/${budget}_vs_exhaustive.md"
    echo "$budget vs exhaustive: compare rc=$?"
    grep -E "^Geometric|^\*\*" "$OUT/${budget}_vs_exhaustive.md"
  done
fi
tar czf "$OUT/exhaustive_runs.tgz" -C "$runs" .
