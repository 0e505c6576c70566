#!/usr/bin/env bash
# Issue 10: is gemmtune's side of the DeepGEMM comparison slowed by the cuBLASLt baseline that
# `gemmtune run` timed sample by sample beside it? At the 700 W cap a sample's clock depends on
# the kernel that ran just before it. Per row and round, alternating, anchors' call protocol (30
# samples): DeepGEMM (scripts/lab/dg_sustained.py), `run --baseline-timing interleaved` (the old
# protocol), `run --baseline-timing separate` (the new default: the config's samples first, the
# baseline's after), and every further config of the row timed alone (`--baseline-timing none`).
#   usage: GEMMTUNE_GIT_REV=<rev> bash scripts/lab/device_baseline_timing_check.sh ROWS [ROUNDS]
#   (rows: M N K CONFIG [MORE CONFIGS...]); carry .devdeps .anchors. Writes $OUT/log.txt and
#   $OUT/baseline_timing.jsonl.
set -uo pipefail
OUT=${OUT:-/tmp/gemmtune-device}
mkdir -p "$OUT"
rows=$1
rounds=${2:-2}
exec > >(tee -a "$OUT/log.txt") 2>&1
source scripts/device_common.sh
build_both_and_test
# Prints "<config us> <baseline us or null>" of one `gemmtune run`.
gt_run() { devbuild/gemmtune --log-level warn run --m "$1" --n "$2" --k "$3" --config "$4" --timing call \
  --iters 30 --baseline-timing "$5" --json 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
t = {m["kind"]: m["timing"]["median_us"] for m in d["measurements"] if "timing" in m}
assert [m for m in d["measurements"] if m["kind"] == "gemmtune"][0]["disposition"] == "passed"
print(t.get("gemmtune"), t.get("cublaslt_heuristic") or "null")' 2>/dev/null || echo "null null"; }
dg_us() { python3 scripts/lab/dg_sustained.py "$1" "$2" "$3" 30 | python3 -c 'import json,sys; print(json.load(sys.stdin)["median_us"])' 2>/dev/null || echo null; }
: > "$OUT/baseline_timing.jsonl"
while read -r m n k config more; do
  [[ -z ${m:-} || $m == \#* ]] && continue
  for c in $config $more; do devbuild/gemmtune compile --config "$c" > /dev/null 2>&1; done
  python3 scripts/lab/dg_sustained.py "$m" "$n" "$k" 3 > /dev/null 2>&1  # DeepGEMM's JIT
  for round in $(seq "$rounds"); do
    dg=$(dg_us "$m" "$n" "$k")
    read -r inter inter_lt <<< "$(gt_run "$m" "$n" "$k" "$config" interleaved)"
    read -r sep sep_lt <<< "$(gt_run "$m" "$n" "$k" "$config" separate)"
    others="{}"
    for c in $more; do
      read -r us _ <<< "$(gt_run "$m" "$n" "$k" "$c" none)"
      others=$(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); d[sys.argv[2]]=float(sys.argv[3]) if sys.argv[3]!="null" else None; print(json.dumps(d))' "$others" "$c" "$us")
    done
    echo "{\"m\": $m, \"n\": $n, \"k\": $k, \"config\": \"$config\", \"round\": $round, \"dg_us\": $dg, \"gt_interleaved_us\": $inter, \"lt_interleaved_us\": $inter_lt, \"gt_separate_us\": $sep, \"lt_separate_us\": $sep_lt, \"alone_us\": $others}" | tee -a "$OUT/baseline_timing.jsonl"
  done
done < "$rows"
python3 - "$OUT/baseline_timing.jsonl" <<'PY'
import json, sys
print('row #round: DG | gt interleaved -> DG/gt | gt separate -> DG/gt | other configs alone (DG/gt)')
for r in map(json.loads, open(sys.argv[1])):
    f = lambda x: f'{r["dg_us"] / x:.3f}' if x and r["dg_us"] else 'n/a'
    alone = ', '.join(f'{c} {u:.1f} ({f(u)})' for c, u in r["alone_us"].items() if u)
    print(f'{r["m"]}x{r["n"]}x{r["k"]} #{r["round"]}: {r["dg_us"]:.1f} | {r["gt_interleaved_us"]} -> {f(r["gt_interleaved_us"])} | '
          f'{r["gt_separate_us"]} -> {f(r["gt_separate_us"])} | {alone}')
PY
stamp "done"
