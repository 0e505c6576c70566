#!/usr/bin/env bash
# One device call for the grouped rows below 0.95 (issue 11; results/PERF_LOG.md session 15 has
# the predictions): the grouped GPU tests as built, with the per-thread ragged-tile store
# (GEMMTUNE_RAGGED_PAIR_STORE, the kernel until 2026-11-23) and with the group cache of the
# tile decode (GEMMTUNE_GROUP_CACHE); both hooks against the default on the dsv3 prefill rows
# (scripts/lab/device_grouped_ab.sh, configs from a grouped sweep's table); dsv3 down prefill g8
# decomposed (dense, one group, 8 aligned groups, the dsv3 sizes; the three variants) beside
# DeepGEMM
# (scripts/lab/device_grouped_decompose.sh); then the call protocol's floor on dsv3-quick's M <= 128
# rows (scripts/lab/call_floor_probe.py, issue 10's bandwidth goals).
#   usage: GEMMTUNE_GIT_REV=<rev> bash scripts/lab/device_grouped_ragged_probe.sh
#   carry: .devdeps .anchors .dgcache. Env: GEMMTUNE_TABLE (default the 2026-11-23 0915 grouped
#   sweep's table), GEMMTUNE_ROUNDS (default 3).
# Writes under $OUT: log.txt, gpu_tests.log, gpu_tests_pair.log, gpu_tests_cache.log,
# ab_grouped.jsonl, ab_grouped_log.txt, floor.jsonl, decompose/ (log.txt, times.txt, dg_*.jsonl).
set -uo pipefail
OUT=${OUT:-/tmp/gemmtune-device}
mkdir -p "$OUT"
exec > >(tee -a "$OUT/log.txt") 2>&1
source scripts/device_common.sh
pair=GEMMTUNE_RAGGED_PAIR_STORE=1 cache=GEMMTUNE_GROUP_CACHE=1
stamp "building DeepGEMM and gemmtune; grouped GPU tests"
GEMMTUNE_TEST_FILTER=${GEMMTUNE_TEST_FILTER:-'Grouped*'} build_both_and_test
for variant in pair cache; do
  GEMMTUNE_KERNEL_DEFINES=${!variant} devbuild/gemmtune_gpu_tests --gtest_filter='Grouped*' \
    > "$OUT/gpu_tests_$variant.log" 2>&1
  stamp "grouped GPU tests with ${!variant} rc=$?"; tail -3 "$OUT/gpu_tests_$variant.log"
done
export GEMMTUNE_REUSE_BUILD=1 GEMMTUNE_SKIP_TESTS=1
GEMMTUNE_TABLE=${GEMMTUNE_TABLE:-results/2026-11-23-grouped-vs-deepgemm/0915-grouped-sweep-with-k-twins/tuning_table.json} \
GEMMTUNE_ROUNDS=${GEMMTUNE_ROUNDS:-3} bash scripts/lab/device_grouped_ab.sh configs/deepgemm/grouped_dsv3_moe.json \
  dsv3_gate_up_prefill_g8,dsv3_gate_up_prefill_g32_imbalanced,dsv3_down_prefill_g8,dsv3_down_prefill_g32_imbalanced \
  '' "$pair" "$cache"
stamp "A/B done"
GEMMTUNE_SKIP_NCU=1 \
GEMMTUNE_DECOMPOSE="7168 2048 868,1141,1096,869,860,1108,1218,961 1024,1024,1024,1024,1024,1024,1024,1024" \
GEMMTUNE_CONFIGS="bm128_bn192_s4_mc0_sm132_rN8_sk1 bm256_bn128_s3_mc0_sm132_rN8_sk1_k2048" \
GEMMTUNE_VARIANTS="base= pair=$pair cache=$cache" OUT=$OUT/decompose bash scripts/lab/device_grouped_decompose.sh
stamp "decomposition done"
python3 scripts/lab/call_floor_probe.py configs/dsv3-quick.json 128 30 > "$OUT/floor.jsonl" 2> /tmp/floor.err \
  || tail -3 /tmp/floor.err
tail -1 "$OUT/floor.jsonl"
stamp "done"
