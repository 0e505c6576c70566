#!/usr/bin/env bash
# One device call for multicast B pairs across group boundaries (results/PERF_LOG.md, session 17,
# has the prediction): the grouped GPU tests (ragged, empty and masked groups with multicast B,
# every result checked), then each bm128_bn192 contiguous row's table pick against its
# multicast-B form (configs/lab/grouped_bn192_rows.json, interleaved rounds), then, if the call
# has time left, the tile profile of bm128_bn192 with and without multicast B
# (configs/lab/multicast_pairing_rows.txt, GEMMTUNE_TILE_PROFILE: where a tile's time goes and
# the SM clock during the launch).
#   usage: GEMMTUNE_GIT_REV=<rev> bash scripts/lab/device_multicast_pairing_ab.sh   carry: .devdeps
#   Env: GEMMTUNE_TABLE (default the 2026-11-23 1715 grouped sweep's table), GEMMTUNE_ROUNDS
#   (default 3), GEMMTUNE_SKIP_PROFILE=1 (no tile profile), GEMMTUNE_SKIP_AB=1 (profile only).
# Writes under $OUT: log.txt, gpu_tests.log, ab_grouped.jsonl, ab_grouped_log.txt, tile_profile.txt.
set -uo pipefail
OUT=${OUT:-/tmp/gemmtune-device}
mkdir -p "$OUT"
exec > >(tee -a "$OUT/log.txt") 2>&1
source scripts/device_common.sh
stamp "building gemmtune; grouped GPU tests"
gemmtune_build
GEMMTUNE_TEST_FILTER=${GEMMTUNE_TEST_FILTER:-'Grouped*'} gpu_suite
export GEMMTUNE_REUSE_BUILD=1 GEMMTUNE_SKIP_TESTS=1
if [[ ${GEMMTUNE_SKIP_AB:-0} != 1 ]]; then
  stamp "grouped A/B: the table's bm128_bn192 picks against their multicast-B forms"
  export GEMMTUNE_TABLE=${GEMMTUNE_TABLE:-results/2026-11-23-grouped-vs-deepgemm/1715-grouped-sweep-sb-per-tile-vs-deepgemm/tuning_table.json}
  GEMMTUNE_ROUNDS=${GEMMTUNE_ROUNDS:-3} GEMMTUNE_CONFIG_SUBS="_mc0_:_mcB_" \
    bash scripts/lab/device_grouped_ab.sh configs/lab/grouped_bn192_rows.json '' ''
fi
if [[ ${GEMMTUNE_SKIP_PROFILE:-0} != 1 ]] && (( SECONDS - start < 420 )); then
  stamp "tile profile"
  GEMMTUNE_PROFILE_HOOK=TILE bash scripts/lab/device_wait_profile.sh configs/lab/multicast_pairing_rows.txt
fi
stamp "done"
