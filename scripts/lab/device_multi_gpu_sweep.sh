#!/usr/bin/env bash
# Issue 12 on a node of several GPUs, one device call: the same shape set swept with a cold kernel
# cache on one GPU (`--gpus 0`) and on all (`--gpus all`); the wall times give the speed-up; the
# problems whose two tables picked different configs are re-timed side by side (each config
# alone, `run --baseline-timing none`, alternating, 3 rounds); then a sweep on all GPUs during
# which the worker of GPU 1 is SIGKILLed: the sweep must finish on the others and keep every record.
#   usage: GEMMTUNE_GIT_REV=<rev> bash scripts/lab/device_multi_gpu_sweep.sh SHAPES.json [PART/PARTS]
#   carry .devdeps. Writes $OUT/log.txt, $OUT/runs.tgz, $OUT/scaling.json, $OUT/same_pick.jsonl,
#   $OUT/kill.json.
set -uo pipefail
OUT=${OUT:-/tmp/gemmtune-device}
mkdir -p "$OUT"
exec > >(tee -a "$OUT/log.txt") 2>&1
source scripts/device_common.sh
gemmtune_build
nvidia-smi -L
shapes=$1
if [[ -n ${2:-} ]]; then
  python3 scripts/shape_set_part.py "$shapes" "${2%/*}" "${2#*/}" /tmp/part.json; shapes=/tmp/part.json
fi
runs=/tmp/mg-runs; rm -rf "$runs" /tmp/mg-cache-*; mkdir -p "$runs"
sweep() {  # NAME GPUS CACHE [extra flags]: wall seconds of one sweep
  local t0=$SECONDS
  GEMMTUNE_CACHE_DIR=/tmp/mg-cache-$3 devbuild/gemmtune sweep --shapes "$shapes" --gpus "$2" \
    --timing call --out "$runs/$1" --quiet "${@:4}" > /dev/null 2> "$runs/$1.log"
  local rc=$?
  echo "$((SECONDS - t0)) $rc"
}
if [[ ${GEMMTUNE_KILL_ONLY:-0} != 1 ]]; then
read -r one_s one_rc <<< "$(sweep one 0 one)"
stamp "one GPU, cold cache: ${one_s} s rc=$one_rc"; tail -2 "$runs/one.log"
read -r all_s all_rc <<< "$(sweep all all all)"
stamp "all GPUs, cold cache: ${all_s} s rc=$all_rc"; tail -2 "$runs/all.log"
python3 - "$runs" "$one_s" "$all_s" "$OUT/scaling.json" <<'PY'
import json, sys
runs, one_s, all_s, out = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
env = json.load(open(f"{runs}/all/env.json"))
def picks(name):
    t = json.load(open(f"{runs}/{name}/tuning_table.json"))
    return {json.dumps({"m": e["m"], "n": p["n"], "k": p["k"]}, sort_keys=True): e.get("config")
            for p in t["problems"] for e in p["entries"]}
one, al = picks("one"), picks("all")
diff = [k for k in one if one.get(k) != al.get(k)]
per_gpu = {}
for l in open(f"{runs}/all/runs.jsonl"):
    r = json.loads(l); g = (r.get("gpu") or {}).get("ordinal"); per_gpu[g] = per_gpu.get(g, 0) + 1
doc = {"one_gpu_s": one_s, "all_gpus_s": all_s, "gpus": len(env.get("gpus", [])) or 1,
       "speedup": one_s / all_s if all_s else None, "problems": len(one), "same_pick": len(one) - len(diff),
       "different_pick": [[json.loads(k), one[k], al.get(k)] for k in diff], "records_per_gpu": per_gpu}
json.dump(doc, open(out, "w"), indent=1)
print(json.dumps({k: v for k, v in doc.items() if k != "different_pick"}))
for p, a, b in doc["different_pick"]: print("different pick:", p.get("m"), p.get("n"), p.get("k"), a, b)
PY
# Same-pick check: the differing problems' two configs re-timed side by side (scripts/same_pick_check.sh).
GEMMTUNE_CACHE_DIR=/tmp/mg-cache-all bash scripts/same_pick_check.sh "$runs/one/tuning_table.json" \
  "$runs/all/tuning_table.json" "$OUT/same_pick.jsonl" "${GEMMTUNE_SAME_PICK_MAX:-6}" 3
stamp "same-pick check done"
fi
if [[ ${GEMMTUNE_SKIP_KILL:-0} == 1 ]]; then tar czf "$OUT/runs.tgz" -C "$runs" .; stamp "done (no kill test)"; exit 0; fi
# SIGKILL one worker mid-sweep (warm cache, so measuring starts at once; the quick budget keeps
# it short). GEMMTUNE_KILL_ONLY=1 runs this part alone (cold cache: it compiles first).
GEMMTUNE_CACHE_DIR=/tmp/mg-cache-all devbuild/gemmtune sweep --shapes "$shapes" --gpus all --timing call \
  --budget quick --out "$runs/kill" --quiet > /dev/null 2> "$runs/kill.log" &
sweep_pid=$!
killed=""
for _ in $(seq 1500); do
  sleep 0.2
  for pid in $(pgrep -f "__worker" || true); do  # workers run as /proc/self/exe ... __worker
    if tr '\0' '\n' < "/proc/$pid/environ" 2>/dev/null | grep -qx "CUDA_VISIBLE_DEVICES=1"; then
      [[ -f $runs/kill/runs.jsonl ]] && (( $(wc -l < "$runs/kill/runs.jsonl") >= 40 )) || continue
      cp "$runs/kill/runs.jsonl" /tmp/before_kill.jsonl
      kill -9 "$pid" && killed=$pid && break 2
    fi
  done
done
wait $sweep_pid; kill_rc=$?
stamp "kill test: killed worker pid ${killed:-none} of GPU 1, sweep rc=$kill_rc"; grep -i "gpu 1\|worker" "$runs/kill.log" | tail -5
python3 - "$runs" "$kill_rc" "${killed:-}" "$OUT/kill.json" "$shapes" <<'PY'
import json, sys
runs, rc, killed, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
t = json.load(open(f"{runs}/kill/tuning_table.json"))
# Every record of the folder is one JSON line (nothing torn by the kill); each problem has a table entry.
lines = open(f"{runs}/kill/runs.jsonl").read().splitlines()
recs = [json.loads(l) for l in lines]
try:
    before = open("/tmp/before_kill.jsonl").read().splitlines()
except OSError:
    before = []
# NOTE: a record being written at the copy's instant may be cut in the copy, not in the file.
lost = [l for l in before[:-1] if l not in set(lines)]
count = lambda table: sum(1 for p in table["problems"] for e in p["entries"] if e.get("config"))
shapes = json.load(open(sys.argv[5]))["problems"]
expected = sum(len(p["m"]) if isinstance(p["m"], list) else 1 for p in shapes)
doc = {"sweep_rc": rc, "killed_pid": killed, "table_problems_with_config": count(t), "expected_problems": expected,
       "records": len(recs), "faulted_records": sum(r.get("disposition") not in ("passed", "incorrect", "skipped") for r in recs),
       "records_before_kill": len(before), "records_lost": len(lost),
       "records_per_gpu": {str(g): sum((r.get("gpu") or {}).get("ordinal") == g for r in recs) for g in (0, 1)}}
json.dump(doc, open(out, "w"), indent=1); print(json.dumps(doc))
PY
tar czf "$OUT/runs.tgz" -C "$runs" .
stamp "done"
