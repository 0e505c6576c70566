#!/usr/bin/env bash
# Both comparisons with DeepGEMM in one device call, sharing one build of each side: dense (a
# shape set swept, the sweep's choice per row re-timed beside DeepGEMM: device_vs_deepgemm.sh),
# then grouped (the choice of a grouped sweep's table re-timed beside DeepGEMM's grouped GEMMs:
# device_grouped_vs_deepgemm.sh).
#   usage: GEMMTUNE_GIT_REV=<rev> bash scripts/lab/device_dense_and_grouped_vs_deepgemm.sh \
#            DENSE_SHAPES GROUPED_TABLE_TGZ [GROUPED_PROBLEMS.json...]
#   GROUPED_TABLE_TGZ: a grouped sweep's run folder as device_grouped_sweep.sh packs it.
#   carry .devdeps .anchors. Writes $OUT/dense/ and $OUT/grouped/.
set -uo pipefail
OUT=${OUT:-/tmp/gemmtune-device}
dense=$1 table_tgz=$2; shift 2
mkdir -p "$OUT/dense" "$OUT/grouped" /tmp/grouped-table
tar xzf "$table_tgz" -C /tmp/grouped-table
table=$(find /tmp/grouped-table -name tuning_table.json | head -1)
OUT=$OUT/dense GEMMTUNE_SKIP_PROTOCOL=1 GEMMTUNE_DEADLINE_S=${GEMMTUNE_DENSE_DEADLINE_S:-300} bash scripts/device_vs_deepgemm.sh "$dense"
OUT=$OUT/grouped GEMMTUNE_REUSE_BUILD=1 GEMMTUNE_SKIP_TESTS=1 GEMMTUNE_TABLE=$table \
  GEMMTUNE_DEADLINE_S=${GEMMTUNE_GROUPED_DEADLINE_S:-250} bash scripts/device_grouped_vs_deepgemm.sh "$@"
