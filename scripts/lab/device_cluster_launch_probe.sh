#!/usr/bin/env bash
# What a cluster launch alone costs a call: each row's config (one without a cluster) timed as
# built and launched in clusters of 2 (GEMMTUNE_CLUSTER_LAUNCH_PROBE, src/runtime/gemm_launcher.cpp;
# the CTAs never address each other, so each run still validates), ROUNDS interleaved rounds.
# Why: on 10-15 µs rows every config with a cluster (multicast, split-K in a cluster) measured
# ~1 µs slower than its plain twin (results/PERF_LOG.md, session 22).
#   usage: GEMMTUNE_GIT_REV=<rev> GEMMTUNE_ROUNDS=3 bash scripts/lab/device_cluster_launch_probe.sh ROWS_FILE
#   ROWS_FILE lines: M N K CONFIG. carry: .devdeps. Writes $OUT/cluster_launch.jsonl, $OUT/log.txt.
set -uo pipefail
OUT=${OUT:-/tmp/gemmtune-device}
mkdir -p "$OUT"
rows=$1
exec > >(tee -a "$OUT/log.txt") 2>&1
source scripts/device_common.sh
gemmtune_build
: > "$OUT/cluster_launch.jsonl"
time_one() {  # m n k config variant
  local env=(); [[ $5 == cluster2 ]] && env=(GEMMTUNE_CLUSTER_LAUNCH_PROBE=1)
  env "${env[@]}" devbuild/gemmtune --log-level error run --m "$1" --n "$2" --k "$3" --config "$4" \
    --timing call --iters 30 --baseline-timing none --json 2>/dev/null | python3 -c '
import json, sys
m, n, k, config, variant, rnd = sys.argv[1:7]
d = json.load(sys.stdin)
g = [x for x in d["measurements"] if x["kind"] == "gemmtune"][0]
print(json.dumps({"m": int(m), "n": int(n), "k": int(k), "config": config, "variant": variant,
                  "round": int(rnd), "disposition": g["disposition"],
                  "us": g.get("timing", {}).get("median_us")}))' "$1" "$2" "$3" "$4" "$5" "$6"
}
for (( round = 1; round <= ${GEMMTUNE_ROUNDS:-3}; round++ )); do
  while read -r m n k config; do
    [[ -z ${m:-} || $m == \#* ]] && continue
    order=(plain cluster2); (( round % 2 == 0 )) && order=(cluster2 plain)
    for v in "${order[@]}"; do time_one "$m" "$n" "$k" "$config" "$v" "$round" >> "$OUT/cluster_launch.jsonl"; done
  done < "$rows"
done
python3 - "$OUT/cluster_launch.jsonl" <<'PY'
import collections, json, statistics, sys
t = collections.defaultdict(list)
for r in map(json.loads, open(sys.argv[1])):
    t[(r["m"], r["n"], r["k"], r["config"], r["variant"])].append((r["us"], r["disposition"]))
for key in sorted({k[:4] for k in t}):
    p = [u for u, d in t[key + ("plain",)] if d == "passed"]
    c = [u for u, d in t[key + ("cluster2",)] if d == "passed"]
    if p and c:
        print(f"{key[0]} x {key[1]} x {key[2]} {key[3]}: plain {statistics.median(p):.2f} us, "
              f"clusters of 2 {statistics.median(c):.2f} us ({statistics.median(c) - statistics.median(p):+.2f})")
PY
