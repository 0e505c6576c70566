#!/usr/bin/env bash
# Is the contiguous rows' gap to DeepGEMM the zeros in its padding rows? (issue 11; PERF_LOG
# session 28.) One device call: DeepSeek-V3's gate+up and down prefill group sizes (8 experts),
# in rounds, each round gemmtune on the ragged and the rounded-up sizes, then DeepGEMM with its
# padding rows zero / N(0, 1) and on the rounded sizes (scripts/lab/dg_padding_probe.py). Call
# protocol on both sides.
#   usage: GEMMTUNE_GIT_REV=<rev> bash scripts/lab/device_padding_probe.sh
#   carry: .devdeps .anchors .dgcache. Writes $OUT/log.txt, times.txt, dg_padding.jsonl.
set -uo pipefail
OUT=${OUT:-/tmp/gemmtune-device}
mkdir -p "$OUT"
exec > >(tee -a "$OUT/log.txt") 2>&1
source scripts/device_common.sh
GEMMTUNE_SKIP_TESTS=1
stamp "building DeepGEMM and gemmtune"
build_both_and_test
gt=devbuild/gemmtune
rounded() { python3 -c "print(','.join(str((int(m) + 127) // 128 * 128) for m in '$1'.split(',')))"; }
# name N K sizes config (the 2004 sweep's picks for dsv3-moe)
problems=(
  "gate_up 4096 7168 1204,957,1218,1141,1098,1178,1142,915 bm128_bn192_s4_mc0_sm132_rN8_sk1_k7168_gC"
  "down 7168 2048 868,1141,1096,869,860,1108,1218,961 bm128_bn192_s4_mc0_sm132_rN8_sk1_k2048_gC"
)
for round in 0 1 2; do
  for p in "${problems[@]}"; do
    read -r name n k ms cfg <<< "$p"
    stamp "round $round $name: gemmtune"
    for sizes in "$ms" "$(rounded "$ms")"; do
      $gt --log-level warn run --layout grouped_contiguous --group-m "$sizes" --n $n --k $k --config "$cfg" \
        --timing call --iters 30 --baseline-timing none | cut -c1-150 | sed "s/^/round $round gemmtune $name /" | tee -a "$OUT/times.txt"
    done
    stamp "round $round $name: deepgemm"
    python3 scripts/lab/dg_padding_probe.py "$OUT/dg_padding.jsonl" $n $k "$ms" --rounds 1 2>&1 | tail -3 \
      | sed "s/ round 0 / round $round /" | tee -a "$OUT/times.txt"
  done
done
stamp "done"
