# Device run 3 of session 4 (evidence for the landed kernel "fin"): GPU suite, the 54 hand-picked
# configs timed in call mode, SASS of two representative cubins, then the dsv3-quick sweep
# (default budget, call timing, cold cache). Everything comes back in one tarball plus the A/B file.
set -u
final=$OUT
export OUT=/tmp/o; mkdir -p $OUT
GEMMTUNE_AB_LIMIT_S=300 bash scripts/device_ab.sh configs/handpicked_quick.txt fin fin
for cfg in bm128_bn192_s3_mc0_sm132_rM16_sk1 bm256_bn136_s3_mc0_sm132_rM16_sk1; do
  dir=$(grep -l "_${cfg}\"" /tmp/gemmtune-cache-fin/*/*/meta.json | head -1 | xargs dirname)
  cuobjdump --dump-sass "$dir/kernel.cubin" > /tmp/sass.txt 2>&1
  echo "$cfg: QGMMA $(grep -c QGMMA /tmp/sass.txt), FSEL $(grep -c FSEL /tmp/sass.txt)," \
    "FFMA $(grep -c FFMA /tmp/sass.txt), STSM $(grep -c STSM /tmp/sass.txt)," \
    "LDL/STL $(grep -cE '\bLDL|\bSTL' /tmp/sass.txt), instructions $(grep -cE '^\s+/\*[0-9a-f]{4}\*/' /tmp/sass.txt)"
  grep -m1 QGMMA /tmp/sass.txt
done | tee $OUT/sass_summary.txt
GEMMTUNE_SKIP_TESTS=1 GEMMTUNE_SKIP_CHECK=1 bash scripts/device_sweep.sh configs/dsv3-quick.json default call
tar -C /tmp/o -czf $final/all.tgz .
cp /tmp/o/ab_fin.jsonl $final/
