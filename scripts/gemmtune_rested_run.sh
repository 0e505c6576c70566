#!/usr/bin/env bash
#   usage: GEMMTUNE_BIN=devbuild/gemmtune GEMMTUNE_GT_SETTLE_MS=500 scripts/gemmtune_rested_run.sh ARGS...
# `gemmtune ARGS...`, with `--settle-ms $GEMMTUNE_GT_SETTLE_MS` added where ARGS hold the `run`
# subcommand: its card rests that long after its validation, before its timed burst. For a harness
# that starts gemmtune itself with arguments of its own (the anchors' dg_compare.py, in
# scripts/device_vs_deepgemm.sh), so both sides of a comparison rest alike: DeepGEMM's harness
# rests as long after its reference (scripts/device_common.sh dg_rested_card).
set -euo pipefail
bin=${GEMMTUNE_BIN:?GEMMTUNE_BIN: the gemmtune to run}
settle=${GEMMTUNE_GT_SETTLE_MS:-0}
for arg in "$@"; do
  if [[ $arg == run && $settle != 0 ]]; then exec "$bin" "$@" --settle-ms "$settle"; fi
done
exec "$bin" "$@"
