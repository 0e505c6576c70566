#!/usr/bin/env bash
#   usage: SHAPES=configs/dsv3-quick.json bash scripts/device_sweep_time.sh NAME="SWEEP FLAGS" [NAME="FLAGS"]...
# Cold sweeps of one shape set on a GPU machine, one per NAME, each with an empty kernel cache
# (GEMMTUNE_CACHE_DIR), timed wall to wall; each run folder's env.json says where its seconds
# went (`time_breakdown`). Then, when .anchors/ is in the tree, DeepGEMM is built and the picks
# of the first two tables are timed beside DeepGEMM and each other, interleaved
# (scripts/tables_side_by_side.py): how a change to the sweep's defaults shows its tables are as
# good as before. The sweeps run first, alone, so that no compile of DeepGEMM shares their CPUs.
#   Env: GEMMTUNE (default devbuild/gemmtune), OUT (default /tmp/gemmtune-device),
#        GEMMTUNE_DEADLINE_S (default 570: the comparison stops there, keeping its rows),
#        SKIP_COMPARE=1.
# Writes under $OUT: sweep_time.log, <NAME>/ (env.json, tuning_table.json, summary.md,
# runs.jsonl.gz), sweep_times.jsonl (one line per sweep: name, flags, wall_s, exit code),
# side_by_side.jsonl and its log.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp/gemmtune-device}
SHAPES=${SHAPES:-configs/dsv3-quick.json}
GEMMTUNE=${GEMMTUNE:-devbuild/gemmtune}
deadline=$(( $(date +%s) + ${GEMMTUNE_DEADLINE_S:-570} ))
mkdir -p "$OUT"
exec > >(tee -a "$OUT/sweep_time.log") 2>&1
(( $# )) || { sed -n '2,14p' "$0"; exit 2; }
names=()
for spec in "$@"; do
  name=${spec%%=*}
  flags=${spec#*=}
  [[ $spec == *=* ]] || flags=""
  names+=("$name")
  cache=$(mktemp -d /tmp/gemmtune-cold-cache.XXXXXX)
  rm -rf "/tmp/sweep-$name"
  echo "== $name: $GEMMTUNE sweep --shapes $SHAPES $flags (cold cache $cache)"
  start_ns=$(date +%s%N)
  # shellcheck disable=SC2086  # flags are words on purpose
  GEMMTUNE_CACHE_DIR=$cache "$GEMMTUNE" sweep --shapes "$SHAPES" --out "/tmp/sweep-$name" $flags
  rc=$?
  wall_s=$(( ($(date +%s%N) - start_ns) / 1000000 ))
  wall_s=$(printf '%d.%03d' $((wall_s / 1000)) $((wall_s % 1000)))
  echo "== $name: exit $rc, $wall_s s"
  printf '{"name": "%s", "flags": "%s", "shapes": "%s", "wall_s": %s, "exit_code": %d}\n' \
    "$name" "$flags" "$SHAPES" "$wall_s" "$rc" >> "$OUT/sweep_times.jsonl"
  mkdir -p "$OUT/$name"
  for f in env.json tuning_table.json summary.md; do
    cp "/tmp/sweep-$name/$f" "$OUT/$name/" 2>/dev/null
  done
  gzip -c "/tmp/sweep-$name/runs.jsonl" > "$OUT/$name/runs.jsonl.gz" 2>/dev/null
  rm -rf "$cache"
done
python3 - "$OUT" "${names[@]}" <<'EOF'
import json, sys
out = sys.argv[1]
for name in sys.argv[2:]:
    try:
        env = json.load(open(f"{out}/{name}/env.json"))
    except OSError:
        print(f"{name}: no env.json"); continue
    breakdown = env.get("time_breakdown", {})
    parts = sorted(((v, k) for k, v in breakdown.items() if k.endswith("_s") and isinstance(v, (int, float))), reverse=True)
    print(f"{name}: " + ", ".join(f"{k} {v:.1f}" for v, k in parts[:12]))
    wait_for = breakdown.get("compile_wait_for", {})
    if wait_for:
        print(f"{name}: compile wait for " + ", ".join(f"{k} {v:.1f}" for k, v in wait_for.items()))
EOF
[[ ${SKIP_COMPARE:-0} == 1 || ${#names[@]} -lt 2 || ! -d .anchors ]] && exit 0
echo "== building DeepGEMM"
bash .anchors/build_deepgemm.sh /tmp/dgb > "$OUT/deepgemm_build.log" 2>&1 \
  || { echo "DeepGEMM build failed: $OUT/deepgemm_build.log"; exit 1; }
export PYTHONPATH=/tmp/dgb/DeepGEMM
echo "== side by side: ${names[0]} (A), ${names[1]} (B), DeepGEMM"
python3 scripts/tables_side_by_side.py "/tmp/sweep-${names[0]}/tuning_table.json" \
  "/tmp/sweep-${names[1]}/tuning_table.json" "$GEMMTUNE" "$OUT/side_by_side.jsonl" --deadline "$deadline"
