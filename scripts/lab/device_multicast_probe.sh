#!/usr/bin/env bash
# Why multicast loses on large tiles (issue 10, lead 3), in one device call: the wait profile of
# configs with and without multicast (scripts/lab/device_wait_profile.sh), then the multicast hooks
# timed row by row beside DeepGEMM (scripts/lab/device_define_ab.sh).
#   usage: GEMMTUNE_GIT_REV=<rev> bash scripts/lab/device_multicast_probe.sh PROFILE_ROWS AB_ROWS 'DEFINES'...
#   carry: .devdeps .anchors. Writes $OUT/log.txt, $OUT/wait_profile.txt, $OUT/ab.jsonl.
set -uo pipefail
OUT=${OUT:-/tmp/gemmtune-device}
mkdir -p "$OUT"
profile_rows=$1 ab_rows=$2; shift 2
exec > >(tee -a "$OUT/log.txt") 2>&1
source scripts/device_common.sh
deepgemm_build_start
gemmtune_build
# Every kernel the call needs, built in parallel (the cache is shared and written atomically).
{ grep -v '^#' "$profile_rows" | awk 'NF {print "GEMMTUNE_WAIT_PROFILE=1", $4}'
  for v in "$@"; do grep -v '^#' "$ab_rows" | awk -v v="${v:-none}" 'NF {print v, $4}'; done
} | xargs -P 14 -L 1 bash -c 'GEMMTUNE_KERNEL_DEFINES="${0/#none/}" devbuild/gemmtune --log-level error compile --config "$1" > /dev/null || echo "compile failed: $0 $1"'
stamp "kernels built"
bash scripts/lab/device_wait_profile.sh "$profile_rows"
stamp "wait profile done"
deepgemm_build_wait
GEMMTUNE_REUSE_BUILD=1 bash scripts/lab/device_define_ab.sh "$ab_rows" "$@" > /dev/null
tail -n 40 "$OUT/log.txt" | grep -E "DG/gt|^[0-9]+x" 
stamp "done"
