#!/usr/bin/env bash
# Where ragged groups cost us more than DeepGEMM (issue 11; results/PERF_LOG.md session 27, next
# experiment 3), one device call: DeepSeek-V3's gate+up prefill sizes against the same 73 m-blocks
# with every group rounded up to 128 rows (the tile count unchanged; no partial tiles and no
# unaligned group starts), each beside DeepGEMM (scripts/lab/device_grouped_decompose.sh), then the
# per-CTA tile profile of aligned, rounded and ragged groups (scripts/lab/device_wait_profile.sh with
# GEMMTUNE_PROFILE_HOOK=TILE, summarised by scripts/lab/tile_profile_summary.py).
#   usage: GEMMTUNE_GIT_REV=<rev> bash scripts/lab/device_ragged_excess_probe.sh
#   carry: .devdeps .anchors .dgcache. Writes under $OUT: log.txt, decompose/ (log.txt,
#   times.txt, dg_*.jsonl), tile_profile.txt, tile_summary.txt.
set -uo pipefail
OUT=${OUT:-/tmp/gemmtune-device}
mkdir -p "$OUT"
exec > >(tee -a "$OUT/log.txt") 2>&1
source scripts/device_common.sh
ragged=1204,957,1218,1141,1098,1178,1142,915
rounded=1280,1024,1280,1152,1152,1280,1152,1024
stamp "decomposition: ragged against rounded groups, beside DeepGEMM"
GEMMTUNE_SKIP_TESTS=${GEMMTUNE_SKIP_TESTS:-1} GEMMTUNE_SKIP_NCU=1 \
GEMMTUNE_DECOMPOSE="4096 7168 $ragged $rounded" \
GEMMTUNE_CONFIGS="bm128_bn192_s4_mc0_sm132_rN8_sk1_k7168 bm256_bn128_s3_mc0_sm132_rN8_sk1_k7168" \
  OUT=$OUT/decompose bash scripts/lab/device_grouped_decompose.sh
stamp "tile profile"
rows=/tmp/ragged_tile_rows.txt
{ grep -v '^#' configs/lab/ragged_tile_profile_rows.txt
  echo "$rounded 4096 7168 bm128_bn192_s4_mc0_sm132_rN8_sk1_k7168_gC"; } > "$rows"
export GEMMTUNE_REUSE_BUILD=1
gemmtune_build
GEMMTUNE_PROFILE_HOOK=TILE bash scripts/lab/device_wait_profile.sh "$rows"
python3 scripts/lab/tile_profile_summary.py "$OUT/tile_profile.txt" > "$OUT/tile_summary.txt" 2>&1
cat "$OUT/tile_summary.txt"
stamp "done"
