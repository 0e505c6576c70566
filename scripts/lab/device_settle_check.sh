#!/usr/bin/env bash
# Issue 10: does gemmtune lose large problems beside DeepGEMM because its timed samples start in a
# hotter power state? `gemmtune run` computes references and validates right before timing (the
# card at its 700 W cap), while the DeepGEMM side starts after Python set-up (card idle, boost
# clock). Per row, alternating: DeepGEMM (anchors' call protocol, 30 samples), gemmtune run as
# the comparisons run it, and gemmtune run --settle-ms 1000 (idle before its warm-ups).
#   usage: GEMMTUNE_GIT_REV=<rev> bash scripts/lab/device_settle_check.sh ROWS_FILE (lines: M N K CONFIG)
#   carry: .devdeps .anchors. Writes $OUT/log.txt and $OUT/settle.jsonl.
set -uo pipefail
OUT=${OUT:-/tmp/gemmtune-device}
mkdir -p "$OUT"
rows=$1
exec > >(tee -a "$OUT/log.txt") 2>&1
source scripts/device_common.sh
deepgemm_build_start
gemmtune_build
deepgemm_build_wait
gt_us() { devbuild/gemmtune --log-level warn run --m "$1" --n "$2" --k "$3" --config "$4" --timing call \
  --iters 30 "${@:5}" --json 2>/dev/null | python3 -c 'import json,sys; d=json.load(sys.stdin); m=[x for x in d["measurements"] if x["kind"]=="gemmtune"][0]; print(m["timing"]["median_us"], m.get("timing",{}).get("clock",{}).get("sm_mhz", ""))' 2>/dev/null; }
: > "$OUT/settle.jsonl"
while read -r m n k config; do
  [[ -z ${m:-} || $m == \#* ]] && continue
  devbuild/gemmtune compile --config "$config" > /dev/null 2>&1
  python3 scripts/lab/dg_sustained.py "$m" "$n" "$k" 3 > /dev/null 2>&1  # DeepGEMM's JIT
  for round in 1 2; do
    dg=$(python3 scripts/lab/dg_sustained.py "$m" "$n" "$k" 30 | python3 -c 'import json,sys; print(json.load(sys.stdin)["median_us"])')
    plain=$(gt_us "$m" "$n" "$k" "$config")
    settled=$(gt_us "$m" "$n" "$k" "$config" --settle-ms 1000)
    echo "{\"m\": $m, \"n\": $n, \"k\": $k, \"config\": \"$config\", \"round\": $round, \"dg_us\": ${dg:-null}, \"gt_us\": ${plain%% *}, \"gt_settled_us\": ${settled%% *}}" | tee -a "$OUT/settle.jsonl"
  done
done < "$rows"
python3 - "$OUT/settle.jsonl" <<'PY'
import json, sys
for r in map(json.loads, open(sys.argv[1])):
    print(f'{r["m"]}x{r["n"]}x{r["k"]} #{r["round"]}: DG {r["dg_us"]:.1f}  gt {r["gt_us"]:.1f} ({r["dg_us"]/r["gt_us"]:.3f})  '
          f'gt settled {r["gt_settled_us"]:.1f} ({r["dg_us"]/r["gt_settled_us"]:.3f})')
PY
