#!/usr/bin/env bash
# Grouped vs dense on the same rows, same config, same call: what the grouped path costs.
# Each pair runs `gemmtune run` dense (M = the groups' rows, one B) and grouped (G groups, one B
# each), alternating A B A B so drift hits both. carry: .devdeps
#   usage: GEMMTUNE_GIT_REV=<rev> bash scripts/lab/device_grouped_overhead.sh
# Writes $OUT/overhead.log.
set -uo pipefail
OUT=${OUT:-/tmp/gemmtune-device}
mkdir -p "$OUT"
exec > >(tee -a "$OUT/overhead.log") 2>&1
bash scripts/device_build.sh || exit 1
export GEMMTUNE_CACHE_DIR=/tmp/gemmtune-cache
gt=devbuild/gemmtune
pair() {  # n k group_m(list) config layout(C|M) max_m
  local n=$1 k=$2 ms=$3 cfg=$4 lay=$5 maxm=${6:-0}
  local rows; rows=$(python3 -c "print(sum(map(int,'$ms'.split(','))))")
  for rep in 1 2; do
    $gt run --m "$rows" --n "$n" --k "$k" --config "${cfg}" --timing call --iters 30 2>/dev/null | cut -c1-110
    if [[ $lay == C ]]; then
      $gt run --layout grouped_contiguous --group-m "$ms" --n "$n" --k "$k" --config "${cfg}_gC" --timing call --iters 30 2>/dev/null | cut -c1-150
    else
      $gt run --layout grouped_masked --group-m "$ms" --max-m "$maxm" --n "$n" --k "$k" --config "${cfg}_gM" --timing call --iters 30 2>/dev/null | cut -c1-150
    fi
  done
}
pair 6144 7168 6699,8745,7309,7832 bm128_bn192_s4_mcA_sm132_rN8_sk1 C
pair 6144 7168 6699,8745,7309,7832 bm256_bn128_s3_mcA_sm132_rN8_sk1 C
pair 6144 7168 8192,8192,8192,8192 bm256_bn128_s3_mcA_sm132_rN8_sk1 C
pair 4096 4096 1024,1024,1024,1024,1024,1024 bm128_bn192_s4_mcA_sm132_rN8_sk1 M 1024
