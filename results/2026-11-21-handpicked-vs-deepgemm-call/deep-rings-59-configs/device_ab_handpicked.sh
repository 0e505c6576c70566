# Device run 12 of session 4: the hand-picked list (now with the sweep's deeper-ring picks for five
# small-M rows) timed in call mode with the final kernel (the binary of run 8; the kernel has not
# changed since), for results/2026-11-21-handpicked-vs-deepgemm-call/issue3_floor_call.md.
set -u
final=$OUT
export OUT=/tmp/o; mkdir -p $OUT
GEMMTUNE_AB_LIMIT_S=300 bash scripts/device_ab.sh configs/handpicked_quick.txt none final
tar -C /tmp/o -czf $final/all.tgz .
cp /tmp/o/ab_final.jsonl $final/
