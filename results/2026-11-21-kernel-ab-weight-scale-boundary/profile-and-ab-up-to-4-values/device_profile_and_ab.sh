# Device run 1 of session 4: ncu profile + SASS of three 4096x2112x7168 tiles (mend = main 05845e9,
# slo = lo-fragment specialisation), then the A/B timing of lo_list.txt with the GPU suite on slo.
set -u
final=$OUT
export OUT=/tmp/o; mkdir -p $OUT
bash scripts/device_profile.sh results/2026-11-21-kernel-ab-weight-scale-boundary/profile-and-ab-up-to-4-values/profile_list.txt mend slo > $OUT/profile.log 2>&1
echo "profile rc=$?"; tail -3 $OUT/profile.log
GEMMTUNE_AB_LIMIT_S=200 bash scripts/device_ab.sh results/2026-11-21-kernel-ab-weight-scale-boundary/profile-and-ab-up-to-4-values/lo_list.txt slo mend slo
tar -C /tmp/o -czf $final/all.tgz .
cp /tmp/o/ab_*.jsonl /tmp/o/ab.log $final/
