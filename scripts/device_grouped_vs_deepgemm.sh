#!/usr/bin/env bash
# The grouped side-by-side comparison on a GPU machine: build gemmtune (scripts/device_build.sh)
# while DeepGEMM builds beside it (the DeepGEMM harness in .anchors/), the GPU suite (dense and
# grouped), then grouped problems timed beside DeepGEMM: DeepGEMM pass 1, gemmtune (candidates
# validated and timed interleaved, scripts/grouped_vs_deepgemm.py), DeepGEMM pass 2.
#   usage: GEMMTUNE_GIT_REV=<rev> bash scripts/device_grouped_vs_deepgemm.sh [PROBLEMS.json...]
#   default configs/deepgemm/grouped_dg_tests.json. Needs .devdeps/ and .anchors/ in the tree.
#   Env: GEMMTUNE_SKIP_TESTS=1, GEMMTUNE_TEST_FILTER (gtest filter of the GPU suite),
#   GEMMTUNE_DEADLINE_S (default 560), GEMMTUNE_TABLE (tuning tables, separated by spaces:
#   gemmtune's candidates per problem are their sweeps' choices, one
#   scripts/grouped_vs_deepgemm.py --table each), GEMMTUNE_REUSE_BUILD=1
#   (keep devbuild/ from an earlier run),
#   GEMMTUNE_BASELINE_TIMING (separate, the default, or none: no per-group cuBLASLt baselines),
#   GEMMTUNE_VARIANTS ("NAME=DEFINES ...", first "base="): kernel variants through the
#   GEMMTUNE_KERNEL_DEFINES hook, each problem's config run with each (grouped_vs_deepgemm.py;
#   "NAME=DEFINES;gap_us=US" adds an idle gap per sample; GEMMTUNE_VARIANT_ROUNDS rounds of
#   them, default 2), GEMMTUNE_SAMPLE_GAP_US (every gemmtune run idles this long after each
#   sample; default 0), GEMMTUNE_DG_SCALES (preconverted,
#   the default, or tests: as scripts/device_vs_deepgemm.sh says), GEMMTUNE_STREAM_FLOOR=1 (each
#   problem's stream floor too, timed after its candidates: the rows' floor_us and gt_over_floor),
#   GEMMTUNE_DG_SETTLE_MS (both sides' card idles this long before each problem's timed burst:
#   DeepGEMM's after its reference, gemmtune's after its validation; scripts/device_common.sh
#   dg_rested_card; default 500, 0 runs both as they are; GEMMTUNE_GT_SETTLE_MS: gemmtune's alone).
# One pass decides the power-capped rows by chance: run two (OUT=.../p1, .../p2) and join them with
# scripts/grouped_table_join.py.
# Writes under $OUT (default /tmp/gemmtune-device): log.txt, gpu_tests.log, grouped_cmp.jsonl (with both sides' loop period per
# sample: gt_period_us, dg_period_us), dg_grouped.jsonl (both passes), dg_pass1.log and
# dg_pass2.log (the harness's output: its errors, and DeepGEMM's configs under DG_PRINT_CONFIGS=1).
set -uo pipefail
OUT=${OUT:-/tmp/gemmtune-device}
mkdir -p "$OUT"
# Several files are concatenated into one problem list.
(( $# )) || set -- configs/deepgemm/grouped_dg_tests.json
problems=/tmp/grouped_problems.json
python3 -c 'import json,sys; json.dump({"problems": [p for f in sys.argv[1:] for p in json.load(open(f))["problems"]]}, open("/tmp/grouped_problems.json", "w"))' "$@"
deadline=$(( $(date +%s) + ${GEMMTUNE_DEADLINE_S:-560} ))
exec > >(tee -a "$OUT/log.txt") 2>&1
source scripts/device_common.sh
stamp "building DeepGEMM and gemmtune"
build_both_and_test
# NOTE: a second run in the same call (a warm machine) must not append to the first's rows:
# grouped_vs_deepgemm.py appends to its output (so an interrupted pass keeps its rows).
rm -f /tmp/dg1.jsonl /tmp/dg2.jsonl /tmp/gt_only.jsonl /tmp/dg1_period.json /tmp/dg2_period.json
dg_scales_wrapper
dg_rested_card
# NOTE: DeepGEMM's harness runs unchanged; scripts/dg_sample_period.py notes its loop's period.
python3 "${dg_wrapper[@]}" scripts/dg_sample_period.py /tmp/dg1_period.json .anchors/dg_grouped.py "$problems" /tmp/dg1.jsonl > /tmp/dg1.log 2>&1
stamp "deepgemm pass 1 rc=$? ($(wc -l < /tmp/dg1.jsonl) problems)"; tail -2 /tmp/dg1.log
# NOTE: DeepGEMM's first pass on a cold machine JIT-compiles every kernel (~3 min for the 32
# benchmark problems); a lowered GEMMTUNE_DEADLINE_S can leave the gemmtune pass no time at all.
# NOTE: DeepGEMM's second pass needs ~0.6 s a problem once settled (its card rests 0.5 s before
# each): the gemmtune pass stops early enough to leave it that, and 20 s more.
dg_pass_s=$(( 20 + $(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["problems"]))' "$problems") * (GEMMTUNE_DG_SETTLE_MS + 120) / 1000 ))
if (( deadline - dg_pass_s - $(date +%s) < 60 )); then
  stamp "WARNING: under 60 s left for the gemmtune pass (GEMMTUNE_DEADLINE_S=${GEMMTUNE_DEADLINE_S:-560} from the script's start); grouped_cmp.jsonl will be short or empty"
fi
table_args=()
read -ra gemmtune_tables <<< "${GEMMTUNE_TABLE:-}"
for table in "${gemmtune_tables[@]}"; do table_args+=(--table "$table"); done
(( ${#gemmtune_tables[@]} )) && compile_table_configs "${gemmtune_tables[@]}"
# shellcheck disable=SC2206
[[ -n ${GEMMTUNE_VARIANTS:-} ]] \
  && table_args+=(--variants ${GEMMTUNE_VARIANTS} --variant-rounds "${GEMMTUNE_VARIANT_ROUNDS:-2}")
[[ ${GEMMTUNE_STREAM_FLOOR:-0} == 1 ]] && table_args+=(--stream-floor)
python3 scripts/grouped_vs_deepgemm.py "$problems" "$PWD/devbuild/gemmtune" /tmp/dg1.jsonl /tmp/dg1.jsonl \
  /tmp/gt_only.jsonl --deadline $(( deadline - dg_pass_s )) "${table_args[@]}" \
  --baseline-timing "${GEMMTUNE_BASELINE_TIMING:-separate}" \
  --sample-gap-us "${GEMMTUNE_SAMPLE_GAP_US:-0}" --settle-ms "$GEMMTUNE_GT_SETTLE_MS" > /tmp/gt_pass.log 2>&1
stamp "gemmtune pass rc=$?"
python3 "${dg_wrapper[@]}" scripts/dg_sample_period.py /tmp/dg2_period.json .anchors/dg_grouped.py "$problems" /tmp/dg2.jsonl > /tmp/dg2.log 2>&1
stamp "deepgemm pass 2 rc=$? ($(wc -l < /tmp/dg2.jsonl) problems)"
# Join: the gemmtune pass is re-read with both DeepGEMM passes (no re-timing of gemmtune).
python3 - /tmp/gt_only.jsonl /tmp/dg1.jsonl /tmp/dg2.jsonl "$OUT/grouped_cmp.jsonl" "$dg_scales" "$GEMMTUNE_DG_SETTLE_MS" <<'PY'
import json, math, sys
def rows(p):
    try: return [json.loads(l) for l in open(p) if l.strip()]
    except FileNotFoundError: return []
key = lambda r: (r["layout"], r["n"], r["k"], tuple(r["ms"]))
def with_periods(dg, path):
    """DeepGEMM's rows with the loop period of their timed burst (dg_sample_period.py's bursts,
    in the same order as the rows that have a time), where the counts agree."""
    try: bursts = json.load(open(path))["bursts"]
    except (FileNotFoundError, json.JSONDecodeError): bursts = []
    timed = [r for r in dg if r.get("dg_us")]
    if len(bursts) == len(timed):
        for r, b in zip(timed, bursts): r["dg_period_us"] = b["period_us"]
    else:
        print(f"{path}: {len(bursts)} bursts for {len(timed)} timed rows: no DeepGEMM periods")
    return dg
d1 = {key(r): r for r in with_periods(rows(sys.argv[2]), "/tmp/dg1_period.json")}
d2 = {key(r): r for r in with_periods(rows(sys.argv[3]), "/tmp/dg2_period.json")}
ratios = []
with open(sys.argv[4], "w") as out:
    for r in rows(sys.argv[1]):
        k = key(r); dg = [d[k]["dg_us"] for d in (d1, d2) if k in d and d[k].get("dg_us")]
        r["dg_us_passes"] = dg
        r["dg_scales"] = sys.argv[5]
        r["dg_settle_ms"] = float(sys.argv[6])
        r["dg_diff"] = [d[k].get("dg_diff") for d in (d1, d2) if k in d]
        r["dg_period_us"] = [d[k]["dg_period_us"] for d in (d1, d2) if k in d and d[k].get("dg_period_us")]
        if dg:
            r["dg_us"] = sum(dg) / len(dg)
            r["dg_tflops"] = 2.0 * sum(r["ms"]) * r["n"] * r["k"] / r["dg_us"] / 1e6
        if dg and r.get("gt_us"):
            r["dg_over_gt"] = r["dg_us"] / r["gt_us"]; ratios.append(r["dg_over_gt"])
        out.write(json.dumps(r) + "\n")
        print(f'{r.get("label")} G{len(r["ms"])} {r["n"]}x{r["k"]} rows {sum(r["ms"])}: gt {r.get("gt_us", 0):.1f} us '
              f'{r.get("gt_config")} dg {[round(x, 1) for x in dg]} -> {r.get("dg_over_gt", 0):.3f}; '
              f'period per sample gt {r.get("gt_period_us") or 0:.0f} us, dg {[round(x) for x in r["dg_period_us"]]} us')
if ratios:
    g = math.exp(sum(map(math.log, ratios)) / len(ratios))
    print(f"grouped: dg/gt geomean {g:.3f} over {len(ratios)} problems; >= 1.0: {sum(x >= 1 for x in ratios)}; min {min(ratios):.3f}")
PY
cat /tmp/dg1.jsonl /tmp/dg2.jsonl > "$OUT/dg_grouped.jsonl" 2>/dev/null
cp /tmp/gt_pass.log "$OUT/gt_pass.log"
cp /tmp/dg1.log "$OUT/dg_pass1.log"; cp /tmp/dg2.log "$OUT/dg_pass2.log"
stamp "done"
