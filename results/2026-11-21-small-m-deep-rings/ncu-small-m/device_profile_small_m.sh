# Device run 9 of session 4: where small-M time goes: ncu + SASS stall samples of the best
# hand-picked configs of two small-M rows (final head binary).
set -u
final=$OUT
export OUT=/tmp/o; mkdir -p $OUT
bash scripts/device_profile.sh results/2026-11-21-small-m-deep-rings/ncu-small-m/profile_small_list.txt final > $OUT/profile.log 2>&1
grep -E '=====|Duration|SM Frequency|Elapsed Cycles|SM Active|DRAM Throughput|L2 Cache Throughput|tensor_cycles|issue_active|inst_executed.sum|dram__bytes|lts__t_bytes|No Eligible|Registers|Achieved' $OUT/profile_final.txt | sed 's/  */ /g' | awk '!seen[$0]++'
tar -C /tmp/o -czf $final/all.tgz .
