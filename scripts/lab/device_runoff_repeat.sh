#!/usr/bin/env bash
# Issue 12's same-pick goal: how often does a sweep's run-off pick each config of a problem? The
# shape set is swept ROUNDS times on every GPU of the node at once (a fresh worker, fresh buffers
# and its own run folder each time; one shared kernel cache, filled by a first sweep that is not
# counted), call timing, default budget, without the cuBLASLt best search.
#   usage: bash scripts/lab/device_runoff_repeat.sh SHAPES.json [ROUNDS]
#   Env: GEMMTUNE_REUSE_BUILD=1 with a staged devbuild/. Writes $OUT/runoffs.jsonl (one line per
#   problem and sweep: GPU, round, pick and the run-off's candidates) and $OUT/log.txt.
set -uo pipefail
OUT=${OUT:-/tmp/gemmtune-device}
mkdir -p "$OUT"
exec > >(tee -a "$OUT/log.txt") 2>&1
source scripts/device_common.sh
shapes=$1 rounds=${2:-6}
gemmtune_build
gpus=$(nvidia-smi -L | grep -c '^GPU ')
root=/tmp/runoff-repeat
rm -rf "$root"; mkdir -p "$root"
one_sweep() {  # NAME GPU
  CUDA_VISIBLE_DEVICES=$2 devbuild/gemmtune sweep --shapes "$shapes" --timing call --skip-cublaslt-best \
    --out "$root/$1" --quiet > /dev/null 2>> "$root/$1.log"
}
one_sweep warm 0
stamp "warm-up sweep (compiles): rc $?"
: > "$OUT/runoffs.jsonl"
for ((round = 1; round <= rounds; ++round)); do
  pids=()
  for ((g = 0; g < gpus; ++g)); do one_sweep "r$round-g$g" "$g" & pids+=($!); done
  wait "${pids[@]}"
  for ((g = 0; g < gpus; ++g)); do
    python3 - "$root/r$round-g$g/runs.jsonl" "$round" "$g" >> "$OUT/runoffs.jsonl" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["kind"] != "side_by_side":
        continue
    p = r["problem"]
    print(json.dumps({"m": p["m"], "n": p["n"], "k": p["k"], "round": int(sys.argv[2]), "gpu": int(sys.argv[3]),
                      "pick": r["config"], "runoff": [{k: c[k] for k in ("config", "median_us", "p10_us", "p90_us")}
                                                      for c in r.get("runoff", [])]}))
PY
  done
  stamp "round $round: $(wc -l < "$OUT/runoffs.jsonl") run-offs"
done
python3 - "$OUT/runoffs.jsonl" <<'PY'
import collections, json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
for key in sorted({(r["m"], r["n"], r["k"]) for r in rows}):
    mine = [r for r in rows if (r["m"], r["n"], r["k"]) == key]
    print(f"{key[0]}x{key[1]}x{key[2]}: picks {dict(collections.Counter(r['pick'] for r in mine))}")
    for r in mine:
        best = min(c["median_us"] for c in r["runoff"])
        print(f"  round {r['round']} GPU {r['gpu']}: " +
              ", ".join(f"{c['config'].replace('_sm132_rN8', '')} {c['median_us'] / best:.3f}" for c in r["runoff"][:4]))
PY
stamp "done"
