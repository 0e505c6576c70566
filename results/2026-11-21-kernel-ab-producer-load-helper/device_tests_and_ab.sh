# Device run 14 of session 4 (review mend): GPU suite on "mend" (the producer's A/B loads through
# one load_operand_block helper), then mend vs final (d73abda's kernel) on multicast configs.
set -u
final=$OUT
export OUT=/tmp/o; mkdir -p $OUT
bash scripts/device_ab.sh results/2026-11-21-kernel-ab-producer-load-helper/mend_list.txt mend final mend
tar -C /tmp/o -czf $final/all.tgz .
cp /tmp/o/ab_*.jsonl /tmp/o/gpu_tests.log $final/
