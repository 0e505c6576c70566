#!/usr/bin/env bash
# One device call after a kernel change: the whole GPU suite, dsv3-quick swept and timed beside
# DeepGEMM (scripts/device_vs_deepgemm.sh), then a rows file re-timed beside DeepGEMM with two
# kernel variants in interleaved rounds (scripts/lab/device_define_ab.sh). ~8 min with devbuild/ carried.
#   usage: bash scripts/lab/device_suite_quick_and_rows.sh ROWS_FILE 'DEFINES_A' 'DEFINES_B'
#   carry: .devdeps .anchors .dgcache devbuild (staged by scripts/stage_device_build.sh), with
#   GEMMTUNE_REUSE_BUILD=1. GEMMTUNE_SKIP_TESTS=1 skips the suite.
# Writes under $OUT (<= 8 files): log.txt, gpu_tests.log, cmp.jsonl, sweeps.tgz, dg_warm.json,
# ab/ab.jsonl, ab/log.txt, ab/dg_jit_cache.tgz (DeepGEMM's JIT kernels: scripts/dg_jit_cache.sh).
set -uo pipefail
(( $# == 3 )) || { echo "usage: $0 ROWS_FILE 'DEFINES_A' 'DEFINES_B'" >&2; exit 2; }
[[ -r $1 ]] || { echo "$0: cannot read rows file '$1'" >&2; exit 2; }
OUT=${OUT:-/tmp/gemmtune-device}
export OUT
mkdir -p "$OUT/ab"
GEMMTUNE_SKIP_PROTOCOL=1 bash scripts/device_vs_deepgemm.sh configs/dsv3-quick.json ||
  echo "device_suite_quick_and_rows: dsv3-quick beside DeepGEMM failed (rc=$?)"
# The suite ran above; the build is reused (device_vs_deepgemm.sh left it in devbuild/).
# The A/B's deadline counts from its own start: what is left of the call's ~590 s.
OUT=$OUT/ab GEMMTUNE_REUSE_BUILD=1 GEMMTUNE_SKIP_TESTS=1 GEMMTUNE_DEADLINE_S=$(( 590 - SECONDS )) \
  bash scripts/lab/device_define_ab.sh "$@" ||
  echo "device_suite_quick_and_rows: the rows A/B failed (rc=$?)"
# NOTE: both runs save the same cache folder (.dgcache), the second with every kernel of the
# first: keep that one, for the next call's .dgcache (deleting both cost a cold JIT, 2026-11-26).
rm -f "$OUT/dg_jit_cache.tgz"
find "$OUT" -type f | sort
