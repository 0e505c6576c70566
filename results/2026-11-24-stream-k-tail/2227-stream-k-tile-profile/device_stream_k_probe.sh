#!/usr/bin/env bash
# Where the stream-K tail's time goes (GEMMTUNE_STREAM_K, an experiment hook): the tile profile
# (per CTA: cycles in K loops, epilogues and between tiles) of the rows with and without it, then
# a control timed in rounds. usage: GEMMTUNE_GIT_REV=<rev> bash scripts/device_stream_k_probe.sh
set -uo pipefail
OUT=${OUT:-/tmp/gemmtune-device}
mkdir -p "$OUT"
exec > >(tee -a "$OUT/log.txt") 2>&1
source scripts/device_common.sh
gemmtune_build
for variant in base sk; do
  defines=""; [[ $variant == sk ]] && defines="GEMMTUNE_STREAM_K"
  mkdir -p "$OUT/$variant"
  OUT="$OUT/$variant" GEMMTUNE_PROFILE_HOOK=TILE GEMMTUNE_PROFILE_DEFINES="$defines" \
    GEMMTUNE_PROFILE_ITERS=3 timeout 120 bash scripts/device_wait_profile.sh \
    configs/bench/stream_k_tail_profile_rows.txt
  gzip -f "$OUT/$variant/tile_profile.txt"
done
GEMMTUNE_REUSE_BUILD=1 GEMMTUNE_RUN_TIMEOUT_S=60 GEMMTUNE_ROUNDS=2 \
  bash scripts/device_config_rounds.sh configs/bench/stream_k_tail_control_rows.txt
