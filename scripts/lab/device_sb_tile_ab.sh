#!/usr/bin/env bash
# One device call for the weight scales of each tile in shared memory (KernelConfig::sb_per_tile,
# results/PERF_LOG.md session 16 has the prediction): the GPU tests of the members it changes
# (K-specialised, split-K, grouped), then each change against GEMMTUNE_SB_GLOBAL (the per-K-block
# global loads, the kernel until 2026-11-23) on dense rows beside DeepGEMM
# (scripts/lab/device_define_ab.sh configs/lab/sb_tile_rows.txt; also ptxas's
# --register-usage-level=10, DeepGEMM's JIT option) and on the grouped prefill rows
# (scripts/lab/device_grouped_ab.sh; the runtime-K picks as their K twins via GEMMTUNE_CONFIG_SUBS),
# the later grouped parts skipped when the call nears its 600 s limit.
#   usage: GEMMTUNE_GIT_REV=<rev> bash scripts/lab/device_sb_tile_ab.sh
#   carry: .devdeps .anchors .dgcache. Env: GEMMTUNE_TABLE (default the 2026-11-23 0915 grouped
#   sweep's table), GEMMTUNE_ROUNDS (default 2).
# Writes under $OUT: log.txt, gpu_tests.log, ab.jsonl, ab_grouped.jsonl, ab_grouped_log.txt.
set -uo pipefail
OUT=${OUT:-/tmp/gemmtune-device}
mkdir -p "$OUT"
exec > >(tee -a "$OUT/log.txt") 2>&1
source scripts/device_common.sh
hook=GEMMTUNE_SB_GLOBAL=1
stamp "building DeepGEMM and gemmtune; GPU tests of K-specialised, split-K and grouped members"
GEMMTUNE_TEST_FILTER=${GEMMTUNE_TEST_FILTER:-'*FixedK*:Grouped*:*SplitK*'} build_both_and_test
export GEMMTUNE_REUSE_BUILD=1 GEMMTUNE_SKIP_TESTS=1
bash scripts/lab/device_define_ab.sh configs/lab/sb_tile_rows.txt '@twin' "@twin $hook" \
  '@twin -Xptxas=--register-usage-level=10' 
stamp "dense A/B done"
table=${GEMMTUNE_TABLE:-results/2026-11-23-grouped-vs-deepgemm/0915-grouped-sweep-with-k-twins/tuning_table.json}
export GEMMTUNE_TABLE=$table GEMMTUNE_ROUNDS=${GEMMTUNE_ROUNDS:-2}
GEMMTUNE_CONFIG_SUBS="_sk1_gC:_sk1_k2048_gC" bash scripts/lab/device_grouped_ab.sh \
  configs/deepgemm/grouped_dsv3_moe.json dsv3_down_prefill_g8,dsv3_down_prefill_g32_imbalanced '' "$hook" \
  GEMMTUNE_MAINLOOP_UNROLL=4
(( SECONDS - start < 420 )) && GEMMTUNE_CONFIG_SUBS="_sk1_gC:_sk1_k7168_gC" bash scripts/lab/device_grouped_ab.sh \
  configs/deepgemm/grouped_dsv3_moe.json dsv3_gate_up_prefill_g8,dsv3_gate_up_prefill_g32_imbalanced '' "$hook"
(( SECONDS - start < 440 )) && bash scripts/lab/device_grouped_ab.sh configs/deepgemm/grouped_dg_tests.json \
  dg_contiguous_g8_m4096 '' "$hook"
stamp "done"
