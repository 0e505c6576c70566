#!/usr/bin/env bash
# Where the pipeline waits (GEMMTUNE_WAIT_PROFILE, a diagnostic hook in the kernel): per CTA and
# launch, the producer's cycles waiting for free stages and its lag behind the first math warp's
# release, each math warpgroup's cycles waiting for full stages. One row after another, 10 timed
# launches each (the hook's clock reads and printf make its times unfit for comparisons).
# With GEMMTUNE_PROFILE_HOOK=TILE the lighter GEMMTUNE_TILE_PROFILE instead: per CTA, the first
# math warpgroup's cycles in K loops, epilogues and between tiles, and the SM clock over the
# launch (scripts/lab/tile_profile_summary.py reads it). GEMMTUNE_PROFILE_ITERS (default 10) timed
# launches per row; GEMMTUNE_PROFILE_EVERY=N (TILE only) prints every Nth launch, so that a
# sustained run at the power cap (e.g. 500 launches, every 100th) is profiled as it runs;
# GEMMTUNE_PROFILE_DEFINES adds kernel defines (another hook to profile beside it).
#   usage: bash scripts/lab/device_wait_profile.sh ROWS_FILE   (after gemmtune_build; writes
#   $OUT/wait_profile.txt (or tile_profile.txt) and a summary per row on stdout). A row is
#   "M N K CONFIG"; a grouped contiguous config (_gC) takes the groups' rows, comma-separated,
#   in place of M.
set -uo pipefail
OUT=${OUT:-/tmp/gemmtune-device}
mkdir -p "$OUT"
rows=$1
export GEMMTUNE_CACHE_DIR=${GEMMTUNE_CACHE_DIR:-/tmp/gemmtune-cache}
hook=${GEMMTUNE_PROFILE_HOOK:-WAIT}
tag=WP; [[ $hook == TILE ]] && tag=TP
report="$OUT/${hook,,}_profile.txt"
: > "$report"
while read -r m n k config; do
  [[ -z ${m:-} || $m == \#* ]] && continue
  echo "== $m $n $k $config" >> "$report"
  problem=(--m "$m"); [[ $config == *_gC ]] && problem=(--layout grouped_contiguous --group-m "$m")
  defines="GEMMTUNE_${hook}_PROFILE=1 ${GEMMTUNE_PROFILE_DEFINES:-}"
  [[ $hook == TILE ]] && defines+=" GEMMTUNE_TILE_PROFILE_EVERY=${GEMMTUNE_PROFILE_EVERY:-1}"
  GEMMTUNE_KERNEL_DEFINES="$defines" devbuild/gemmtune --log-level error run \
    "${problem[@]}" --n "$n" --k "$k" --config "$config" --timing call --iters "${GEMMTUNE_PROFILE_ITERS:-10}" \
    --baseline-timing none --json > /tmp/wp_run.txt 2>&1
  grep -E "^${tag}E? " /tmp/wp_run.txt >> "$report"
  # The run's own record (time, clock after timing): the JSON document is the rest of stdout.
  grep -Ev "^${tag}E? " /tmp/wp_run.txt | python3 -c 'import json,sys; d=json.load(sys.stdin); g=[x for x in d["measurements"] if x["kind"]=="gemmtune"][0]; print("RUN", g.get("timing",{}).get("median_us"), g.get("clock",{}).get("sm_mhz"), g["disposition"])' >> "$report" 2>&1
done < "$rows"
if [[ $hook == TILE ]]; then python3 scripts/lab/tile_profile_summary.py "$report"; exit 0; fi
python3 - "$report" <<'PY'
import sys, statistics as st, collections
rows, runs, cur = collections.OrderedDict(), {}, None
for line in open(sys.argv[1]):
    if line.startswith("=="):
        cur = line[3:].strip(); rows[cur] = collections.defaultdict(list); continue
    f = line.split()
    if f[0] == "RUN":
        runs[cur] = " ".join(f[1:]); continue
    if f[0] != "WP": continue
    rank = int(f[4]); role = f[5]
    cyc_per_ns = int(f[-3]) / max(int(f[-1]), 1)
    if role == "P":
        wait, lag, n, total = int(f[7]), int(f[9]), int(f[11]), int(f[13])
        rows[cur][f"P{rank}"].append((wait / total, lag / max(n, 1), cyc_per_ns, int(f[-1])))
    else:
        wait, blocks, total = int(f[7]), int(f[9]), int(f[11])
        rows[cur][f"{role}r{rank}"].append((wait / total, wait / max(blocks, 1), cyc_per_ns, int(f[-1])))
for row, roles in rows.items():
    cells = []
    for role in sorted(roles):
        v = roles[role]
        a = st.median(x[0] for x in v); b = st.median(x[1] for x in v)
        cells.append(f"{role}: wait {a:.1%} " + (f"lag {b:.0f} cyc" if role.startswith("P") else f"{b:.0f} cyc/block"))
    any_role = next(iter(roles.values()))
    ghz = st.median(x[2] for x in any_role); us = st.median(x[3] for x in any_role) / 1000
    print(f"{row} | run {runs.get(row, '?')} | clock64/ns {ghz:.3f}, span {us:.0f} us | " + " | ".join(cells))
PY
