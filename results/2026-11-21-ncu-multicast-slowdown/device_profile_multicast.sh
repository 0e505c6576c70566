# Device run 6 of session 4: why multicast is slower: ncu + SASS stall samples of bm256_bn128_s3
# without multicast and with multicast A and B at 4096x4096x7168; cluster occupancy query.
set -u
final=$OUT
export OUT=/tmp/o; mkdir -p $OUT
bash scripts/device_profile.sh results/2026-11-21-ncu-multicast-slowdown/profile_mc_list.txt main > $OUT/profile.log 2>&1
echo "profile rc=$?"; tail -3 $OUT/profile.log
grep -E '=====|Duration|SM Frequency|gmma|tensor_cycles|issue_active|inst_executed.sum|lts__t_bytes|No Eligible' $OUT/profile_main.txt | sed 's/  */ /g'
tar -C /tmp/o -czf $final/all.tgz .
