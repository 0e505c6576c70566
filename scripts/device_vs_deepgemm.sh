#!/usr/bin/env bash
#   usage: GEMMTUNE_GIT_REV=<rev> bash scripts/device_vs_deepgemm.sh [SHAPES...]
# The dense side-by-side comparison on a GPU machine: build gemmtune (scripts/device_build.sh)
# while DeepGEMM builds beside it (the DeepGEMM harness in .anchors/), the GPU suite, a sweep of a
# shape set with the call protocol, then every row of its tuning table timed beside DeepGEMM
# (anchors' dg_compare.py: gemmtune's choice re-timed by `gemmtune run`, alternating problem by
# problem), and the protocol check (scripts/dg_protocol_check.py) on configs/deepgemm/protocol_rows.txt.
#   SHAPES: shape-set files, or FILE:I/N for part I of N (scripts/shape_set_part.py); default
#   configs/dsv3-quick.json. Needs .devdeps/ and .anchors/ in the tree.
#   Env: GEMMTUNE_TABLE (a tuning table of the one SHAPES given: no sweep, its picks are
#   compared, e.g. a full set's table from scripts/lab/device_full_sweep.sh), GEMMTUNE_SKIP_TESTS=1, GEMMTUNE_SKIP_PROTOCOL=1, GEMMTUNE_PROTOCOL_ROWS (rows file of
#   the protocol check), GEMMTUNE_BUDGET (default),
#   GEMMTUNE_SWEEP_TIMING (default call; kernel is the sweep's own default), GEMMTUNE_SWEEP_FLAGS (extra sweep flags), GEMMTUNE_DEADLINE_S (default 570: the compare stops
#   there, keeping its rows), GEMMTUNE_PART_S (default 420: what one shape set's sweep, warm-up
#   and compare take; a later set that would not finish by the deadline is skipped, named in the
#   log, instead of being killed at a time limit and losing the sets before it),
#   GEMMTUNE_DG_SCALES (preconverted, the default: DeepGEMM is given its activation scales in the
#   layout its kernels read, as engines write them, scripts/dg_preconverted_scales.py; tests: as
#   its tests make them, K-major, so its call also times its own transpose of them),
#   GEMMTUNE_DG_SETTLE_MS (both sides' card idles this long before each problem's timed burst:
#   DeepGEMM's after its reference, gemmtune's after its validation, scripts/gemmtune_rested_run.sh;
#   scripts/device_common.sh dg_rested_card; default 500, 0 runs both as they are;
#   GEMMTUNE_GT_SETTLE_MS: gemmtune's alone).
# Writes under $OUT (default /tmp/gemmtune-device): log.txt, gpu_tests.log, sweeps.tgz (run folders), cmp.jsonl
# (rows of every shape set, each with its "set"), protocol.jsonl, dg_warm.json.
set -uo pipefail
OUT=${OUT:-/tmp/gemmtune-device}
mkdir -p "$OUT"
(( $# )) || set -- configs/dsv3-quick.json
budget=${GEMMTUNE_BUDGET:-default}
deadline=$(( $(date +%s) + ${GEMMTUNE_DEADLINE_S:-570} ))
log=$OUT/log.txt
exec > >(tee -a "$log") 2>&1
source scripts/device_common.sh
stamp "building DeepGEMM and gemmtune"
build_both_and_test
mkdir -p /tmp/gemmtune-runs
part_s=${GEMMTUNE_PART_S:-420}
dg_scales_wrapper
dg_rested_card
done_sets=0
for spec in "$@"; do
  if (( done_sets > 0 && $(date +%s) + part_s > deadline )); then
    stamp "skipped $spec and the sets after it: $(( deadline - $(date +%s) )) s left before the deadline, a set takes ~$part_s s (GEMMTUNE_PART_S)"
    break
  fi
  set_start=$(date +%s)
  shapes=${spec%%:*}
  if [[ $spec == *:* ]]; then
    part=${spec##*:}
    python3 scripts/shape_set_part.py "$shapes" "${part%/*}" "${part#*/}" /tmp/part.json
    shapes=/tmp/part.json
  fi
  name=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["name"])' "$shapes")
  runs=/tmp/gemmtune-runs/$name
  rm -rf "$runs"
  table=$runs/tuning_table.json
  if [[ -n ${GEMMTUNE_TABLE:-} ]]; then
    table=$GEMMTUNE_TABLE
    stamp "no sweep: $table's picks are compared"
    compile_table_configs "$table"
  else
    # shellcheck disable=SC2086
    devbuild/gemmtune sweep --shapes "$shapes" --budget "$budget" --timing "${GEMMTUNE_SWEEP_TIMING:-call}" --out "$runs" \
      --quiet ${GEMMTUNE_SWEEP_FLAGS:-} > /dev/null 2> "/tmp/sweep-$name.log"
    stamp "sweep $name rc=$? ($(wc -l < "$runs/runs.jsonl") records)"; tail -1 "/tmp/sweep-$name.log"
  fi
  python3 .anchors/dg_warm.py "/tmp/dg_warm-$name.json" "$table" > /dev/null 2>&1
  stamp "deepgemm warm rc=$?"
  rm -f "/tmp/cmp-$name.jsonl"  # dg_compare.py appends: a second run on a warm machine must not mix
  GEMMTUNE_BIN=$PWD/devbuild/gemmtune python3 "${dg_wrapper[@]}" scripts/dg_sample_period.py "/tmp/dg_period-$name.json" \
    .anchors/dg_compare.py "$table" "$PWD/scripts/gemmtune_rested_run.sh" "/tmp/cmp-$name.jsonl" "$deadline"
  python3 - "/tmp/cmp-$name.jsonl" "$name" "$OUT/cmp.jsonl" "$dg_scales" "$GEMMTUNE_DG_SETTLE_MS" "$GEMMTUNE_GT_SETTLE_MS" <<'PY'
import json, math, sys
rows = [dict(json.loads(l), set=sys.argv[2], dg_scales=sys.argv[4], dg_settle_ms=float(sys.argv[5]),
             gt_settle_ms=float(sys.argv[6]))
        for l in open(sys.argv[1]) if l.strip()]
with open(sys.argv[3], 'a') as out:
    for row in rows: out.write(json.dumps(row) + '\n')
r = [x['dg_over_gt'] for x in rows if x.get('dg_over_gt')]
if r:
    g = math.exp(sum(map(math.log, r)) / len(r))
    print(f"{sys.argv[2]}: dg/gt geomean {g:.3f} over {len(r)} rows; >= 1.0: {sum(x >= 1 for x in r)}; min {min(r):.3f}")
PY
  stamp "compare $name done"
  # After every set, so a call killed at its limit keeps the sets it finished.
  tar czf "$OUT/sweeps.tgz" -C /tmp/gemmtune-runs .
  (( done_sets += 1 ))
  (( part_s = part_s > $(date +%s) - set_start ? part_s : $(date +%s) - set_start ))
done
cat /tmp/dg_warm-*.json > "$OUT/dg_warm.json" 2>/dev/null
if [[ ${GEMMTUNE_SKIP_PROTOCOL:-0} != 1 ]]; then
  python3 scripts/dg_protocol_check.py "$PWD/devbuild/gemmtune" "${GEMMTUNE_PROTOCOL_ROWS:-configs/deepgemm/protocol_rows.txt}" "$OUT/protocol.jsonl"
  stamp "protocol check done"
fi
