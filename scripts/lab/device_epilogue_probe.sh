#!/usr/bin/env bash
# A kernel hook against the kernel as built, one device call: the tile profile with the
# epilogue's parts (GEMMTUNE_TILE_PROFILE_EPI) on configs/lab/epilogue_profile_rows.txt for
# each variant; the variants A/B on every grouped problem of the grouped tables' shape sets
# (scripts/lab/device_grouped_ab.sh, table 2312's picks) and on dense rows with DeepGEMM beside
# (scripts/lab/device_define_ab.sh). Every run validates before it times.
#   usage: GEMMTUNE_GIT_REV=<rev> bash scripts/lab/device_epilogue_probe.sh DENSE_ROWS 'DEFINES' ...
#   (the unmodified kernel is always the first variant). carry: .devdeps .anchors .dgcache
#   GEMMTUNE_ROUNDS (default 3); GEMMTUNE_SKIP_PROFILE=1 leaves the tile profile out,
#   GEMMTUNE_SKIP_GROUPED=1 the grouped A/B (dense rows only).
#   Writes $OUT/log.txt, $OUT/tile_profile_*.txt, $OUT/ab_grouped.jsonl, $OUT/ab.jsonl.
set -uo pipefail
OUT=${OUT:-/tmp/gemmtune-device}
mkdir -p "$OUT"
dense_rows=$1; shift
exec > >(tee -a "$OUT/log.txt") 2>&1
source scripts/device_common.sh
deepgemm_build_start
gemmtune_build
export GEMMTUNE_CACHE_DIR=${GEMMTUNE_CACHE_DIR:-/tmp/gemmtune-cache}
rows=configs/lab/epilogue_profile_rows.txt
table=results/2026-11-23-grouped-vs-deepgemm/2312-grouped-sweep-shared-pairs-model-vs-deepgemm/tuning_table.json
grouped_sets="configs/deepgemm/grouped_dg_tests.json configs/deepgemm/grouped_dsv3_moe.json"
[[ ${GEMMTUNE_SKIP_GROUPED:-0} == 1 ]] && grouped_sets=""
# Every (config, defines) this call runs, compiled first, 16 at a time (NVRTC; the defines are
# part of the cache key, in device_wait_profile.sh's word order for the profile).
profile_defines() { echo "GEMMTUNE_TILE_PROFILE=1 GEMMTUNE_TILE_PROFILE_EPI=1 $1 GEMMTUNE_TILE_PROFILE_EVERY=1"; }
{
  for v in "" "$@"; do
    [[ ${GEMMTUNE_SKIP_PROFILE:-0} == 1 ]] ||
      grep -v '^#' "$rows" | awk -v d="$(profile_defines "$v")" '{print $4 "\t" d}'
    grep -v '^#' "$dense_rows" | awk -v d="$v" 'NF {print $4 "\t" d}'
    [[ -z $grouped_sets ]] || python3 -c '
import json, sys; sys.path.insert(0, "scripts")
from grouped_vs_deepgemm import problem_key, table_configs
t = table_configs(sys.argv[1])
for f in sys.argv[3:]:
    for p in json.load(open(f))["problems"]:
        if problem_key(p) in t: print(t[problem_key(p)] + "\t" + sys.argv[2])' "$table" "$v" $grouped_sets
  done
} | sort -u > /tmp/compile_list.tsv
while IFS=$'\t' read -r c d; do
  while (( $(jobs -rp | wc -l) >= 16 )); do sleep 0.2; done
  GEMMTUNE_KERNEL_DEFINES="$d" devbuild/gemmtune compile --config "$c" > /dev/null 2>&1 &
  pids+=($!)
done < /tmp/compile_list.tsv
# NOTE: waited for by pid: a bare `wait` also waits for the log's tee (process substitution).
wait "${pids[@]}"
stamp "compiled $(wc -l < /tmp/compile_list.tsv) (config, defines) pairs"
i=0
profile_variants=("" "$@")
[[ ${GEMMTUNE_SKIP_PROFILE:-0} == 1 ]] && profile_variants=()
for v in "${profile_variants[@]}"; do
  mkdir -p /tmp/tp$i
  GEMMTUNE_PROFILE_HOOK=TILE GEMMTUNE_PROFILE_DEFINES="GEMMTUNE_TILE_PROFILE_EPI=1 $v" \
    OUT=/tmp/tp$i bash scripts/lab/device_wait_profile.sh "$rows" | sed 's/| slowest.*//'
  cp /tmp/tp$i/tile_profile.txt "$OUT/tile_profile_$i.txt"
  stamp "tile profile, variant $i '${v:-base}' done"
  i=$((i + 1))
done
: > /tmp/ab_grouped_all.jsonl
for set in $grouped_sets; do
  OUT=/tmp/abg GEMMTUNE_REUSE_BUILD=1 GEMMTUNE_TABLE=$table GEMMTUNE_ROUNDS=${GEMMTUNE_ROUNDS:-3} \
    bash scripts/lab/device_grouped_ab.sh "$set" '' '' "$@" | grep -v "^\[\|^name\|^NVIDIA"
  cat /tmp/abg/ab_grouped.jsonl >> /tmp/ab_grouped_all.jsonl
  stamp "grouped A/B of $set done"
done
cp /tmp/ab_grouped_all.jsonl "$OUT/ab_grouped.jsonl"
deepgemm_build_wait
OUT=/tmp/abd GEMMTUNE_REUSE_BUILD=1 GEMMTUNE_ROUNDS=${GEMMTUNE_ROUNDS:-3} \
  bash scripts/lab/device_define_ab.sh "$dense_rows" '' "$@" > /dev/null 2>&1
sed -n '/DG\/gt\|ratio\|geomean/p' /tmp/abd/log.txt | tail -20
cp /tmp/abd/ab.jsonl "$OUT/ab.jsonl"
stamp "done"
