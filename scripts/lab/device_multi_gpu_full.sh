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
#   usage: bash scripts/lab/device_multi_gpu_full.sh SHAPES.json
#   Env: GEMMTUNE_DEADLINE_S (seconds this call may use from its start, default 570),
#   GEMMTUNE_ONE_SHARDS (2, default, or 4), GEMMTUNE_REUSE_BUILD=1 with a staged or previous
#   devbuild/, GEMMTUNE_SWEEP_FLAGS (more sweep flags, e.g. a --space),
#   GEMMTUNE_ONE_TABLE (a one-GPU table of SHAPES swept elsewhere, scripts/lab/device_full_sweep.sh:
#   no shards run, `four` is checked against it), GEMMTUNE_SAME_PICK_MAX (differing picks
#   re-timed, default 6) and GEMMTUNE_SAME_PICK_ROUNDS (default 3). Carry .devdeps.
#   Writes $OUT/log.txt, $OUT/scaling.json, $OUT/runs.tgz (run folders, segments, logs) and, once
#   every sweep is done, $OUT/same_pick.jsonl (differing picks of `four` re-timed).
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

source scripts/lab/device_resumable_sweep.sh

sweep four all "0-$((cores - 1))"
cores_of() { echo "$(($1 * quarter))-$((($1 + 1) * quarter - 1))"; }  # the quarter of GPU $1
one_names=()
one_table=${GEMMTUNE_ONE_TABLE:-$root/one/tuning_table.json}
if [[ -f $root/four.done && -z ${GEMMTUNE_ONE_TABLE:-} ]]; then
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
import json, os, sys
sys.path.insert(0, "scripts")
import sweep_seconds
root, out, shards = sys.argv[1], sys.argv[2], int(sys.argv[3])
segments = lambda name: sweep_seconds.segments(root, name)
records = lambda name: sweep_seconds.records(root, name)
startup_s = lambda name: sweep_seconds.startup_s(root, name)
compile_s = lambda name: sweep_seconds.compile_s(root, name)
def picks(name):
    path = f"{root}/{name}/tuning_table.json"
    if not os.path.exists(path): return {}
    t = json.load(open(path))
    return {(e["m"], p["n"], p["k"]): e.get("config") for p in t["problems"] for e in p["entries"]}
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

if [[ -f $one_table && -f $root/four.done && ! -f $root/same_pick.done ]] \
   && (( deadline_s - (SECONDS - start) > 150 )); then
  GEMMTUNE_CACHE_DIR=$root/cache-four timeout -s INT $((deadline_s - (SECONDS - start) - 20)) \
    bash scripts/same_pick_check.sh "$one_table" "$root/four/tuning_table.json" \
    "$OUT/same_pick.jsonl" "${GEMMTUNE_SAME_PICK_MAX:-6}" "${GEMMTUNE_SAME_PICK_ROUNDS:-3}"
  same_rc=$?
  (( same_rc == 0 )) && touch "$root/same_pick.done"
  stamp "same-pick check (one GPU against four): rc $same_rc"
fi
tar czf "$OUT/runs.tgz" -C "$root" --exclude='cache-*' .
stamp "done"
