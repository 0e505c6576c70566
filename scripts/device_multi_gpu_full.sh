#!/usr/bin/env bash
# Issue 12's goals for a whole shape set on one node of four GPUs, over one or more device calls.
# Sweeps of SHAPES, each with its own cold kernel cache and run folder under /tmp/mgf:
#   four     --gpus all, every core of the node (a 4-GPU node), alone first;
#   then, side by side (four GPUs busy, disjoint cores), the one-GPU baseline as N shards
#   (GEMMTUNE_ONE_SHARDS, 2 or 4; `--shard i/N` on a GPU of its own and a quarter of the cores: a
#   one-GPU node's share); its wall time is the sum of the shards' times, its table their merge
#   (`gemmtune merge`). With 2 shards (GPUs 0 and 3), `two` runs beside them: --gpus 1,2 on half
#   the cores (a 2-GPU node's share).
# A sweep's start-up (workers, roofs, first kernels: the seconds from its start to its first
# record) is in scaling.json, so that the N - 1 start-ups the shards add to the one-GPU time
# can be taken off it. A call that reaches its deadline stops the running sweeps with SIGINT
# (their reports written, exit 130); the next call on the still-warm machine resumes them
# (--resume) and adds the seconds of each segment, so a sweep's time includes its restarts.
# Cores are pinned with taskset: the sweep's default compile jobs follow the affinity mask.
#   usage: bash scripts/device_multi_gpu_full.sh SHAPES.json
#   Env: GEMMTUNE_DEADLINE_S (seconds this call may use from its start, default 570),
#   GEMMTUNE_ONE_SHARDS (2, default, or 4), GEMMTUNE_REUSE_BUILD=1 with a staged or previous
#   devbuild/, GEMMTUNE_SWEEP_FLAGS (more sweep flags, e.g. a --space). Carry .devdeps.
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
shards=${GEMMTUNE_ONE_SHARDS:-2}
[[ $shards == 2 || $shards == 4 ]] || { stamp "GEMMTUNE_ONE_SHARDS must be 2 or 4"; exit 2; }
stamp "$gpus GPUs, $cores cores: $shards one-GPU shards on $quarter cores each"

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
  local t0=$SECONDS started
  started=$(date +%s)
  GEMMTUNE_CACHE_DIR=$root/cache-$name timeout -s INT "$limit" taskset -c "$cpus" \
    devbuild/gemmtune sweep "${flags[@]}" > /dev/null 2>> "$root/$name.log"
  local rc=$? seconds=$((SECONDS - t0))
  echo "$seconds $rc $started" >> "$root/$name.segments"
  (( rc == 0 )) && touch "$root/$name.done"
  stamp "$name (GPUs $gpus, cores $cpus${shard:+, shard $shard}): ${seconds} s, rc $rc," \
    "$(wc -l < "$root/$name/runs.jsonl" 2> /dev/null || echo 0) records"
}

sweep four all "0-$((cores - 1))"
cores_of() { echo "$(($1 * quarter))-$((($1 + 1) * quarter - 1))"; }  # the quarter of GPU $1
one_names=()
if [[ -f $root/four.done ]]; then
  pids=()
  if (( shards == 2 )); then
    sweep one_1 0 "$(cores_of 0)" 1/2 & pids+=($!)
    sweep two 1,2 "$quarter-$((3 * quarter - 1))" & pids+=($!)
    sweep one_2 3 "$(cores_of 3)" 2/2 & pids+=($!)
  else
    for i in 1 2 3 4; do sweep "one_$i" $((i - 1)) "$(cores_of $((i - 1)))" "$i/4" & pids+=($!); done
  fi
  wait "${pids[@]}"  # by pid: a bare `wait` would also wait for the log's tee
fi
for ((i = 1; i <= shards; ++i)); do one_names+=("$root/one_$i"); done
all_done=1
for d in "${one_names[@]}"; do [[ -f $d.done ]] || all_done=0; done
if (( all_done )) && [[ ! -f $root/one.done ]]; then
  devbuild/gemmtune merge "${one_names[@]}" --out "$root/one" > "$root/merge.log" 2>&1
  merge_rc=$?
  (( merge_rc == 0 )) && touch "$root/one.done"
  stamp "merged the one-GPU shards: rc $merge_rc ($(tail -1 "$root/merge.log"))"
fi

python3 - "$root" "$OUT/scaling.json" "$shards" <<'PY'
import datetime, json, os, sys
root, out, shards = sys.argv[1], sys.argv[2], int(sys.argv[3])
def segments(name):
    path = f"{root}/{name}.segments"
    return [list(map(int, l.split())) for l in open(path) if l.strip()] if os.path.exists(path) else []
def records(name):
    path = f"{root}/{name}/runs.jsonl"
    return [json.loads(l) for l in open(path)] if os.path.exists(path) else []
def startup_s(name):  # seconds from the first segment's start to the first record
    segs, recs = segments(name), records(name)
    if not segs or len(segs[0]) < 3 or not recs: return None
    stamps = [datetime.datetime.strptime(r["timestamp"], "%Y-%m-%dT%H:%M:%SZ")
              .replace(tzinfo=datetime.timezone.utc).timestamp() for r in recs if r.get("timestamp")]
    return min(stamps) - segs[0][2] if stamps else None
def picks(name):
    path = f"{root}/{name}/tuning_table.json"
    if not os.path.exists(path): return {}
    t = json.load(open(path))
    return {(e["m"], p["n"], p["k"]): e.get("config") for p in t["problems"] for e in p["entries"]}
def compile_s(name):  # per distinct config built (not a cache hit): median compile seconds
    seen = {}
    for r in records(name):
        if r.get("config") and r.get("compile_seconds") is not None and not r.get("compile_cache_hit"):
            seen.setdefault(r["config"], r["compile_seconds"])
    v = sorted(seen.values())
    return {"built": len(v), "median_s": v[len(v) // 2] if v else None}
ones = [f"one_{i}" for i in range(1, shards + 1)]
doc = {"one_gpu_shards": shards, "sweeps": {}}
for name in ["four", "two"] + ones + ["one"]:
    segs = segments(name)
    doc["sweeps"][name] = {"seconds": sum(s[0] for s in segs), "segments": segs,
                           "done": os.path.exists(f"{root}/{name}.done"), "records": len(records(name)),
                           "table_problems": len(picks(name)), "startup_s": startup_s(name),
                           "compiles": compile_s(name)}
one = doc["sweeps"]["one"]
one["seconds"] = sum(doc["sweeps"][n]["seconds"] for n in ones)
starts = [doc["sweeps"][n]["startup_s"] for n in ones]
# The shards pay N start-ups where one sweep pays one: the smallest stays, the others come off.
one["seconds_one_startup"] = one["seconds"] - (sum(starts) - min(starts)) if None not in starts else None
if one["done"]:
    base = picks("one")
    for name in ("two", "four"):
        if not doc["sweeps"][name]["done"]: continue
        other = picks(name)
        diff = [[list(k), base[k], other.get(k)] for k in sorted(base) if other.get(k) != base[k]]
        doc[f"speedup_{name}"] = one["seconds"] / doc["sweeps"][name]["seconds"]
        if one["seconds_one_startup"]:
            doc[f"speedup_{name}_one_startup"] = one["seconds_one_startup"] / doc["sweeps"][name]["seconds"]
        doc[f"same_pick_{name}"] = len(base) - len(diff)
        doc[f"different_pick_{name}"] = diff
json.dump(doc, open(out, "w"), indent=1)
print(json.dumps({k: v for k, v in doc.items() if not k.startswith("different_pick")}))
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
