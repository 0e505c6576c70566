#!/usr/bin/env bash
# Low rows of DeepGEMM comparisons re-timed in interleaved rounds, one device call: grouped rows
# of a grouped_cmp.jsonl (scripts/lab/grouped_recheck.py) and dense rows files
# (scripts/lab/device_define_ab.sh, each with its variants).
#   usage: GEMMTUNE_GIT_REV=<rev> GEMMTUNE_ROUNDS=3 bash scripts/lab/device_recheck.sh \
#            GROUPED_CMP.jsonl THRESHOLD [DENSE_ROWS 'VARIANT' ...]
#   GEMMTUNE_RECHECK_LONG_US: grouped rows of at least this many µs are re-timed whatever their
#   ratio (scripts/lab/grouped_recheck.py says why); scripts/lab/dg_recheck_rows.py reads it for dense rows.
#   carry: .devdeps .anchors (.dgcache). Writes $OUT/log.txt, $OUT/recheck.tgz (the jsonl files).
set -uo pipefail
OUT=${OUT:-/tmp/gemmtune-device}
mkdir -p "$OUT" /tmp/recheck
cmp=$1 threshold=$2; shift 2
exec > >(tee -a "$OUT/log.txt") 2>&1
source scripts/device_common.sh
deepgemm_build_start
gemmtune_build
deepgemm_build_wait
rounds=${GEMMTUNE_ROUNDS:-3}
stamp "grouped rows below $threshold, $rounds rounds"
timeout "${GEMMTUNE_GROUPED_LIMIT_S:-260}" python3 scripts/lab/grouped_recheck.py "$cmp" "$threshold" \
  "$PWD/devbuild/gemmtune" "$rounds" /tmp/recheck/grouped_recheck.jsonl \
  configs/deepgemm/grouped_dg_tests.json configs/deepgemm/grouped_dsv3_moe.json
stamp "grouped recheck rc=$?"
if (( $# )); then
  rows=$1; shift
  OUT=/tmp/recheck GEMMTUNE_REUSE_BUILD=1 GEMMTUNE_ROUNDS=$rounds \
    timeout "${GEMMTUNE_DENSE_LIMIT_S:-200}" bash scripts/lab/device_define_ab.sh "$rows" "$@" > /dev/null 2>&1
  stamp "dense rows rc=$?"
  sed -n '/DG\/gt/p' /tmp/recheck/log.txt
fi
tar czf "$OUT/recheck.tgz" -C /tmp recheck
