#!/usr/bin/env bash
# Issue 10: the SASS of DeepGEMM's kernel for one problem beside gemmtune's config, to compare
# their mainloops instruction by instruction (ncu counted 10% more instructions in ours).
#   usage: GEMMTUNE_GIT_REV=<rev> bash scripts/lab/device_sass_vs_deepgemm.sh M N K CONFIG
#   carry: .devdeps .anchors. Writes $OUT/log.txt, $OUT/sass_deepgemm.txt.gz, $OUT/sass_gemmtune.txt.gz.
set -uo pipefail
OUT=${OUT:-/tmp/gemmtune-device}
mkdir -p "$OUT"
m=$1 n=$2 k=$3 config=$4
exec > >(tee -a "$OUT/log.txt") 2>&1
source scripts/device_common.sh
deepgemm_build_start
gemmtune_build
deepgemm_build_wait
export DG_JIT_CACHE_DIR=/tmp/dg-cache
python3 scripts/lab/dg_one_call.py "$m" "$n" "$k" && echo "deepgemm ran"
devbuild/gemmtune compile --config "$config" > /dev/null && echo "gemmtune compiled"
objdump=$(command -v cuobjdump || echo /usr/local/cuda/bin/cuobjdump)
find /tmp/dg-cache ~/.deep_gemm -name "*.cubin" 2>/dev/null | head -5
dg_cubin=$(find /tmp/dg-cache ~/.deep_gemm -name "*.cubin" 2>/dev/null | xargs ls -t 2>/dev/null | head -1)
gt_cubin=$(find /tmp/gemmtune-cache -name "kernel.cubin" | head -1)
echo "deepgemm cubin: $dg_cubin"; echo "gemmtune cubin: $gt_cubin"
"$objdump" -sass "$dg_cubin" | gzip > "$OUT/sass_deepgemm.txt.gz"
"$objdump" -sass "$gt_cubin" | gzip > "$OUT/sass_gemmtune.txt.gz"
for f in deepgemm gemmtune; do
  echo "$f: $(zcat "$OUT/sass_$f.txt.gz" | grep -c 'QGMMA') QGMMA, $(zcat "$OUT/sass_$f.txt.gz" | grep -cE '^\s+/\*[0-9a-f]{4}\*/') instructions"
done
