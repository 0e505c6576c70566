#!/usr/bin/env bash
# Issue 10: do the two sides of the DeepGEMM comparison lose or gain time from their input data?
# At the 700 W cap the tensor cores' power, and so the SM clock, depends on the operands' bits;
# gemmtune timed on uniform inputs, DeepGEMM on torch.randn. Per row and round, alternating, all
# with the anchors' call protocol (30 samples): DeepGEMM on normal and on uniform inputs, gemmtune
# `run --inputs uniform` and `--inputs normal` (same config), so both sides meet both data.
#   usage: GEMMTUNE_GIT_REV=<rev> bash scripts/lab/device_inputs_check.sh ROWS_FILE [ROUNDS]
#   (rows: M N K CONFIG); carry: .devdeps .anchors. Writes $OUT/log.txt and $OUT/inputs.jsonl.
set -uo pipefail
OUT=${OUT:-/tmp/gemmtune-device}
mkdir -p "$OUT"
rows=$1
rounds=${2:-3}
exec > >(tee -a "$OUT/log.txt") 2>&1
source scripts/device_common.sh
build_both_and_test
gt_us() { devbuild/gemmtune --log-level warn run --m "$1" --n "$2" --k "$3" --config "$4" --timing call \
  --iters 30 --inputs "$5" --json 2>/dev/null | python3 -c 'import json,sys; d=json.load(sys.stdin); m=[x for x in d["measurements"] if x["kind"]=="gemmtune"][0]; assert m["disposition"]=="passed", m["disposition"]; print(m["timing"]["median_us"])' 2>/dev/null || echo null; }
dg_us() { python3 scripts/lab/dg_sustained.py "$1" "$2" "$3" 30 "$4" | python3 -c 'import json,sys; print(json.load(sys.stdin)["median_us"])' 2>/dev/null || echo null; }
: > "$OUT/inputs.jsonl"
while read -r m n k config; do
  [[ -z ${m:-} || $m == \#* ]] && continue
  devbuild/gemmtune compile --config "$config" > /dev/null 2>&1
  python3 scripts/lab/dg_sustained.py "$m" "$n" "$k" 3 > /dev/null 2>&1  # DeepGEMM's JIT
  for round in $(seq "$rounds"); do
    dgn=$(dg_us "$m" "$n" "$k" normal)
    gtu=$(gt_us "$m" "$n" "$k" "$config" uniform)
    dgu=$(dg_us "$m" "$n" "$k" uniform)
    gtn=$(gt_us "$m" "$n" "$k" "$config" normal)
    echo "{\"m\": $m, \"n\": $n, \"k\": $k, \"config\": \"$config\", \"round\": $round, \"dg_normal_us\": $dgn, \"dg_uniform_us\": $dgu, \"gt_uniform_us\": $gtu, \"gt_normal_us\": $gtn}" | tee -a "$OUT/inputs.jsonl"
  done
done < "$rows"
python3 - "$OUT/inputs.jsonl" <<'PY'
import json, sys
print('row #round: DG normal / uniform | gt uniform / normal | DG/gt on normal, on uniform')
for r in map(json.loads, open(sys.argv[1])):
    f = lambda a, b: f'{r[a] / r[b]:.3f}' if r[a] and r[b] else 'n/a'
    print(f'{r["m"]}x{r["n"]}x{r["k"]} #{r["round"]}: {r["dg_normal_us"]} / {r["dg_uniform_us"]} | '
          f'{r["gt_uniform_us"]} / {r["gt_normal_us"]} | {f("dg_normal_us", "gt_normal_us")}, {f("dg_uniform_us", "gt_uniform_us")}')
PY
# DeepGEMM's own choice of kernel configuration on these rows and on the contiguous grouped
# problems of configs/lab/dg_contiguous_problems.json (its JIT prints them with DG_PRINT_CONFIGS).
while read -r m n k config; do
  [[ -z ${m:-} || $m == \#* ]] && continue
  echo "== $m $n $k"; DG_PRINT_CONFIGS=1 python3 scripts/lab/dg_sustained.py "$m" "$n" "$k" 1 2>&1 | grep -v '^{' | head -5
done < "$rows" > "$OUT/dg_configs.txt" 2>&1
if [[ -f configs/lab/dg_contiguous_problems.json ]]; then
  DG_PRINT_CONFIGS=1 timeout 300 python3 .anchors/dg_grouped.py configs/lab/dg_contiguous_problems.json "$OUT/dg_contiguous.jsonl" --iters 30 >> "$OUT/dg_configs.txt" 2>&1
fi
stamp "done"
