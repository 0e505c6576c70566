#!/usr/bin/env bash
# Issue 11's bm128_bn192 epilogue, one device call: the epilogue's parts per tile
# (GEMMTUNE_TILE_PROFILE_EPI) on configs/bench/epilogue_profile_rows.txt, as built and with each
# variant, then the variants A/B on the grouped bm128_bn192 rows (scripts/device_grouped_ab.sh,
# rounds interleaved, every run validated).
#   usage: GEMMTUNE_GIT_REV=<rev> bash scripts/device_epilogue_probe.sh 'DEFINES' ...
#   ('' need not be given: the unmodified kernel is always the first variant). carry: .devdeps
#   GEMMTUNE_ROUNDS (default 3). Writes $OUT/log.txt, $OUT/tile_profile*.txt, $OUT/ab_grouped*.
set -uo pipefail
OUT=${OUT:-/tmp/gemmtune-device}
mkdir -p "$OUT"
exec > >(tee -a "$OUT/log.txt") 2>&1
source scripts/device_common.sh
gemmtune_build
export GEMMTUNE_CACHE_DIR=${GEMMTUNE_CACHE_DIR:-/tmp/gemmtune-cache}
rows=configs/bench/epilogue_profile_rows.txt
table=results/2026-11-23-grouped-vs-deepgemm/2312-grouped-sweep-shared-pairs-model-vs-deepgemm/tuning_table.json
# Every kernel this call runs, compiled in parallel first (NVRTC, 16 cores).
# NOTE: waited for by pid: a bare `wait` also waits for the log's tee (process substitution).
pids=()
configs=$(grep -v '^#' "$rows" | awk '{print $4}'; python3 -c '
import json, sys; sys.path.insert(0, "scripts")
from grouped_vs_deepgemm import problem_key, table_configs
t = table_configs(sys.argv[2])
for p in json.load(open(sys.argv[1]))["problems"]: print(t.get(problem_key(p), ""))' \
  configs/bench/grouped_bn192_rows.json "$table")
for c in $(echo "$configs" | sort -u); do
  for v in "" "$@"; do
    GEMMTUNE_KERNEL_DEFINES="$v" devbuild/gemmtune compile --config "$c" > /dev/null 2>&1 &
    pids+=($!)
    # the words in device_wait_profile.sh's order (the options are the cache key)
    GEMMTUNE_KERNEL_DEFINES="GEMMTUNE_TILE_PROFILE=1 GEMMTUNE_TILE_PROFILE_EPI=1 $v GEMMTUNE_TILE_PROFILE_EVERY=1" \
      devbuild/gemmtune compile --config "$c" > /dev/null 2>&1 &
    pids+=($!)
  done
done
wait "${pids[@]}"
stamp "compiled $(echo "$configs" | sort -u | wc -w) configs x $(( $# + 1 )) variants"
i=0
for v in "" "$@"; do
  GEMMTUNE_PROFILE_HOOK=TILE GEMMTUNE_PROFILE_DEFINES="GEMMTUNE_TILE_PROFILE_EPI=1 $v" \
    OUT=/tmp/tp$i bash -c "mkdir -p /tmp/tp$i; bash scripts/device_wait_profile.sh $rows"
  cp /tmp/tp$i/tile_profile.txt "$OUT/tile_profile_$i.txt"
  stamp "tile profile, variant $i '${v:-base}' done"
  i=$((i + 1))
done
GEMMTUNE_REUSE_BUILD=1 GEMMTUNE_TABLE=$table GEMMTUNE_ROUNDS=${GEMMTUNE_ROUNDS:-3} \
  bash scripts/device_grouped_ab.sh configs/bench/grouped_bn192_rows.json '' '' "$@" | tail -30
stamp "done"
