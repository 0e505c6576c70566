# Device run 7 of session 4: warp-uniform warpgroup index and descriptors built by adds ("desc")
# vs main (838a9ad): GPU suite on desc, ncu instruction counts, then the A/B timing.
set -u
final=$OUT
export OUT=/tmp/o; mkdir -p $OUT
bash scripts/device_profile.sh results/2026-11-21-kernel-ab-uniform-descriptors/profile_desc_list.txt main desc > $OUT/profile.log 2>&1
grep -E '=====|Duration|SM Frequency|tensor_cycles|issue_active|smsp__inst_executed.sum' $OUT/profile_main.txt $OUT/profile_desc.txt | grep -v 'Gbyte\|Tbyte' | sed 's/  */ /g' | awk '!seen[$0]++'
GEMMTUNE_AB_LIMIT_S=300 bash scripts/device_ab.sh results/2026-11-21-kernel-ab-uniform-descriptors/desc_list.txt desc main desc
tar -C /tmp/o -czf $final/all.tgz .
cp /tmp/o/ab_*.jsonl $final/
