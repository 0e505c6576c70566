#!/usr/bin/env bash
# A/B of where two-warpgroup tiles read the weight scales (issue 10): from global memory one K
# block ahead (today's rule, KernelConfig::sb_in_stage() false) against each stage's sB box
# loaded by the second producer thread (true). The B side is the working tree built again with
# that one rule flipped; both binaries time the same configs, alternating, two passes.
#   usage: GEMMTUNE_GIT_REV=<rev> bash scripts/lab/device_sb_in_stage_ab.sh ROWS_FILE
#   ROWS_FILE lines: gemmtune run arguments (problem and --config). carry: .devdeps.
#   Writes $OUT/log.txt and $OUT/ab.txt.
set -uo pipefail
rows=$1
OUT=${OUT:-/tmp/gemmtune-device}
mkdir -p "$OUT"
exec > >(tee -a "$OUT/log.txt") 2>&1
source scripts/device_common.sh
gemmtune_build
cp -r devbuild devbuild_a
grep -q "return math_warpgroups() == 1;" src/core/kernel_config.hpp || { stamp "rule not found"; exit 3; }
sed -i 's/return math_warpgroups() == 1;/return true;/' src/core/kernel_config.hpp
bash scripts/device_build.sh /tmp/gemmtune-build-b > /dev/null || { stamp "B build failed"; exit 1; }
mv devbuild devbuild_b
stamp "built A (rule) and B (sB in every stage)"
for pass in 1 2; do
  while read -r line; do
    [[ -z $line || $line == \#* ]] && continue
    for side in a b; do
      # shellcheck disable=SC2086
      GEMMTUNE_CACHE_DIR=/tmp/gemmtune-cache-$side devbuild_$side/gemmtune --log-level warn run $line \
        --timing call --iters 30 --baseline-timing none 2>&1 | cut -c1-150 | sed "s/^/$side pass$pass: /" | tee -a "$OUT/ab.txt"
    done
  done < "$rows"
done
stamp "done"
