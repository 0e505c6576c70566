#!/usr/bin/env bash
# Issue 12's goals for a whole shape set on one node of four GPUs, over one or more device calls.
# Three sweeps of SHAPES, each with its own cold kernel cache and run folder under /tmp/mgf:
#   four  --gpus all, every core of the node (a 4-GPU node);
#   two   --gpus 1,2 pinned to half the cores (a 2-GPU node's share);
#   one   the one-GPU baseline, as two shards run side by side: shard 1/2 on GPU 0 and shard 2/2 on
#         GPU 3, each pinned to a quarter of the cores (a one-GPU node's share). Its wall time is
#         the sum of the two shards' times, its table the two shards merged (`gemmtune merge`).
# `four` runs alone first; then `two` and the two shards of `one` side by side (four GPUs busy,
# disjoint cores). A call that reaches its deadline stops the running sweeps with SIGINT (their
# reports written, exit 130); the next call on the still-warm machine resumes them (--resume) and
# adds the seconds of each segment, so a sweep's time includes its restarts. Cores are pinned with
# taskset: the sweep's default compile threads follow the affinity mask (core_count()).
#   usage: bash scripts/device_multi_gpu_full.sh SHAPES.json
#   Env: GEMMTUNE_DEADLINE_S (seconds this call may use from its start, default 570),
#   GEMMTUNE_REUSE_BUILD=1 on a warm machine, GEMMTUNE_SWEEP_FLAGS (more sweep flags, e.g. a
#   --space; default none: the default budget). Carry .devdeps.
#   Writes $OUT/log.txt, $OUT/scaling.json, $OUT/runs.tgz (run folders, segments, logs) and, once
#   every sweep is done, $OUT/same_pick.jsonl (up to 6 differing picks of `four` re-timed).
set -uo pipefail
OUT=${OUT:-/tmp/gemmtune-device}
mkdir -p "$OUT"
exec > >(tee -a "$OUT/log.txt") 2>&1
source scripts/device_common.sh
deadline_s=${GEMMTUNE_DEADLINE_S:-570}
shapes=$1
root=/tmp/mgf
mkdir -p "$root"
gemmtune_build
gpus=$(nvidia-smi -L | grep -c '^GPU ')
cores=$(nproc)
(( gpus == 4 )) || { stamp "needs a node of 4 GPUs, found $gpus"; exit 2; }
quarter=$((cores / 4))
stamp "$gpus GPUs, $cores cores: one-GPU shards on $quarter cores each, two GPUs on $((2 * quarter))"

# sweep NAME GPUS CORES [SHARD]: runs or resumes one sweep until it ends or the call's deadline.
sweep() {
  local name=$1 gpus=$2 cpus=$3 shard=${4:-}
  [[ -f $root/$name.done ]] && return 0
  local limit=$((deadline_s - (SECONDS - start)))
  (( limit > 30 )) || { stamp "$name: no time left in this call"; return 0; }
  local flags=(--shapes "$shapes" --gpus "$gpus" --timing call --out "$root/$name" --quiet)
  read -ra extra <<< "${GEMMTUNE_SWEEP_FLAGS:-}"
  flags+=("${extra[@]}")
  [[ -n $shard ]] && flags+=(--shard "$shard")
  [[ -s $root/$name/runs.jsonl ]] && flags+=(--resume)
  local t0=$SECONDS
  GEMMTUNE_CACHE_DIR=$root/cache-$name timeout -s INT "$limit" taskset -c "$cpus" \
    devbuild/gemmtune sweep "${flags[@]}" > /dev/null 2>> "$root/$name.log"
  local rc=$? seconds=$((SECONDS - t0))
  echo "$seconds $rc" >> "$root/$name.segments"
  (( rc == 0 )) && touch "$root/$name.done"
  stamp "$name (GPUs $gpus, cores $cpus${shard:+, shard $shard}): ${seconds} s, rc $rc," \
    "$(wc -l < "$root/$name/runs.jsonl" 2> /dev/null || echo 0) records"
}

sweep four all "0-$((cores - 1))"
if [[ -f $root/four.done ]]; then
  sweep one_a 0 "0-$((quarter - 1))" 1/2 & pids=($!)
  sweep two 1,2 "$quarter-$((3 * quarter - 1))" & pids+=($!)
  sweep one_b 3 "$((3 * quarter))-$((cores - 1))" 2/2 & pids+=($!)
  wait "${pids[@]}"  # by pid: a bare `wait` would also wait for the log's tee
fi
if [[ -f $root/one_a.done && -f $root/one_b.done && ! -f $root/one.done ]]; then
  devbuild/gemmtune merge "$root/one_a" "$root/one_b" --out "$root/one" > "$root/merge.log" 2>&1
  merge_rc=$?
  (( merge_rc == 0 )) && touch "$root/one.done"
  stamp "merged the one-GPU shards: rc $merge_rc ($(tail -1 "$root/merge.log"))"
fi

python3 - "$root" "$OUT/scaling.json" <<'PY'
import json, os, sys
root, out = sys.argv[1], sys.argv[2]
def seconds(name):
    path = f"{root}/{name}.segments"
    if not os.path.exists(path): return 0, []
    segs = [tuple(map(int, l.split())) for l in open(path) if l.strip()]
    return sum(s for s, _ in segs), segs
def records(name):
    path = f"{root}/{name}/runs.jsonl"
    return sum(1 for _ in open(path)) if os.path.exists(path) else 0
def picks(name):
    path = f"{root}/{name}/tuning_table.json"
    if not os.path.exists(path): return {}
    t = json.load(open(path))
    return {(e["m"], p["n"], p["k"]): e.get("config") for p in t["problems"] for e in p["entries"]}
doc = {"sweeps": {}}
for name in ("four", "two", "one_a", "one_b", "one"):
    s, segs = seconds(name)
    doc["sweeps"][name] = {"seconds": s, "segments": segs, "done": os.path.exists(f"{root}/{name}.done"),
                           "records": records(name), "table_problems": len(picks(name))}
one_s = doc["sweeps"]["one_a"]["seconds"] + doc["sweeps"]["one_b"]["seconds"]
doc["sweeps"]["one"]["seconds"] = one_s
if doc["sweeps"]["one"]["done"]:
    base = picks("one")
    for name, gpus in (("two", 2), ("four", 4)):
        if not doc["sweeps"][name]["done"]: continue
        other = picks(name)
        diff = [[list(k), base[k], other.get(k)] for k in sorted(base) if other.get(k) != base[k]]
        doc[f"speedup_{name}"] = one_s / doc["sweeps"][name]["seconds"]
        doc[f"same_pick_{name}"] = len(base) - len(diff)
        doc[f"different_pick_{name}"] = diff
json.dump(doc, open(out, "w"), indent=1)
print(json.dumps({k: v for k, v in doc.items() if not k.startswith("different_pick")}, indent=None))
PY

if [[ -f $root/one.done && -f $root/four.done && ! -f $root/same_pick.done ]] \
   && (( deadline_s - (SECONDS - start) > 150 )); then
  GEMMTUNE_CACHE_DIR=$root/cache-four timeout -s INT $((deadline_s - (SECONDS - start) - 20)) \
    bash scripts/same_pick_check.sh "$root/one/tuning_table.json" "$root/four/tuning_table.json" \
    "$OUT/same_pick.jsonl" 6 3
  same_rc=$?
  (( same_rc == 0 )) && touch "$root/same_pick.done"
  stamp "same-pick check (one GPU against four): rc $same_rc"
fi
tar czf "$OUT/runs.tgz" -C "$root" --exclude='cache-*' .
stamp "done"
