#!/usr/bin/env bash
# One device call for issue 10's evidence: build gemmtune here (scripts/device_build.sh) while
# DeepGEMM builds beside it (.anchors = ../shared/anchors, carried), the GPU suite, a sweep of a
# shape set with the call protocol, then every row of its tuning table timed beside DeepGEMM
# (anchors' dg_compare.py: gemmtune's choice re-timed by `gemmtune run`, alternating problem by
# problem), and the protocol check (scripts/dg_protocol_check.py) on configs/bench/protocol_rows.txt.
#   usage: GEMMTUNE_GIT_REV=<rev> bash scripts/device_vs_deepgemm.sh [SHAPES] [BUDGET]
#   carry: .devdeps .anchors    Env: GEMMTUNE_SKIP_TESTS=1, GEMMTUNE_SKIP_PROTOCOL=1.
# Writes under $OUT (<= 8 files): log.txt, gpu_tests.log, sweep.tgz (run folder), cmp.jsonl,
# protocol.jsonl, dg_warm.json.
set -uo pipefail
OUT=${OUT:-/tmp/gemmtune-device}
mkdir -p "$OUT"
shapes=${1:-configs/dsv3-quick.json} budget=${2:-default}
log=$OUT/log.txt
exec > >(tee -a "$log") 2>&1
start=$SECONDS
stamp() { echo "[$((SECONDS - start)) s] $*"; }

stamp "building DeepGEMM and gemmtune"
(bash .anchors/build_deepgemm.sh /tmp/dgb > /tmp/dg_build.log 2>&1; echo "deepgemm build rc=$?" >> /tmp/dg_build.log) &
dg_pid=$!
bash scripts/device_build.sh || { stamp "gemmtune build failed"; exit 1; }
nvidia-smi --query-gpu=name,clocks.sm,clocks.max.sm,power.draw,power.limit,temperature.gpu --format=csv
export GEMMTUNE_CACHE_DIR=/tmp/gemmtune-cache GEMMTUNE_TEST_BINARY=$PWD/devbuild/gemmtune

if [[ ${GEMMTUNE_SKIP_TESTS:-0} != 1 ]]; then
  devbuild/gemmtune_gpu_tests > "$OUT/gpu_tests.log" 2>&1
  stamp "gpu tests rc=$?"; grep -E "^\[  (FAILED|SKIPPED) |tests ran|PASSED  \]" "$OUT/gpu_tests.log" | tail -8
fi

name=$(basename "$shapes" .json)
runs=/tmp/gemmtune-runs/$name
rm -rf "$runs"
devbuild/gemmtune sweep --shapes "$shapes" --budget "$budget" --timing call --out "$runs" --quiet > /dev/null 2> /tmp/sweep.log
stamp "sweep rc=$? ($(wc -l < "$runs/runs.jsonl") records)"; tail -2 /tmp/sweep.log
tar czf "$OUT/sweep.tgz" -C "$(dirname "$runs")" "$name"

wait "$dg_pid"; tail -2 /tmp/dg_build.log
export PYTHONPATH=/tmp/dgb/DeepGEMM
python3 .anchors/dg_warm.py "$OUT/dg_warm.json" "$runs/tuning_table.json" > /dev/null 2>&1
stamp "deepgemm warm rc=$?"
python3 .anchors/dg_compare.py "$runs/tuning_table.json" "$PWD/devbuild/gemmtune" "$OUT/cmp.jsonl"
stamp "compare done"
python3 - "$OUT/cmp.jsonl" <<'PY'
import json, math, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
r = [x['dg_over_gt'] for x in rows if x.get('dg_over_gt')]
if r:
    g = math.exp(sum(map(math.log, r)) / len(r))
    print(f"dg/gt geomean {g:.3f} over {len(r)} rows; >= 1.0: {sum(x >= 1 for x in r)}; min {min(r):.3f}")
PY
if [[ ${GEMMTUNE_SKIP_PROTOCOL:-0} != 1 ]]; then
  python3 scripts/dg_protocol_check.py "$PWD/devbuild/gemmtune" configs/bench/protocol_rows.txt "$OUT/protocol.jsonl"
  stamp "protocol check done"
fi
