#!/usr/bin/env bash
# Multicast configs (clusters of 2) against no multicast on one problem: how many clusters the
# GPU holds at once (`gemmtune run` warns when the persistent grid has more: a second wave), and
# each config's call-mode time, configs alternating, ROUNDS rounds (order reversed every other).
#   usage: GEMMTUNE_GIT_REV=<rev> bash scripts/lab/device_cluster_probe.sh M N K ROUNDS CONFIG...
#   carry: .devdeps. Writes $OUT/cluster_probe.jsonl and $OUT/log.txt.
set -uo pipefail
OUT=${OUT:-/tmp/gemmtune-device}
mkdir -p "$OUT"
m=$1 n=$2 k=$3 rounds=$4; shift 4
exec > >(tee -a "$OUT/log.txt") 2>&1
source scripts/device_common.sh
gemmtune_build
printf '%s\n' "$@" | xargs -P 8 -I{} devbuild/gemmtune --log-level error compile --config {} > /dev/null
for c in "$@"; do
  devbuild/gemmtune --log-level debug run --m "$m" --n "$n" --k "$k" --config "$c" --iters 3 \
    --baseline-timing none 2>&1 | grep -E "clusters of" | sed "s/^/$c: /" | head -2
done
for ((r = 1; r <= rounds; ++r)); do
  order=("$@"); ((r % 2 == 0)) && order=($(printf '%s\n' "$@" | tac))
  for c in "${order[@]}"; do
    us=$(devbuild/gemmtune --log-level error run --m "$m" --n "$n" --k "$k" --config "$c" --timing call \
      --iters 30 --baseline-timing none --json | python3 -c 'import json,sys; d=json.load(sys.stdin); g=[x for x in d["measurements"] if x["kind"]=="gemmtune"][0]; print(g.get("timing",{}).get("median_us"), g["disposition"])')
    echo "{\"m\": $m, \"n\": $n, \"k\": $k, \"round\": $r, \"config\": \"$c\", \"us\": ${us% *}, \"disposition\": \"${us#* }\"}" | tee -a "$OUT/cluster_probe.jsonl"
  done
done
