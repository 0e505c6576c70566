# Device run 2 of session 4: GPU suite on s16 (every lo-fragment value specialised), then the 54
# hand-picked configs timed with mend (main 05845e9), slo (<= 4 values specialised) and s16.
set -u
final=$OUT
export OUT=/tmp/o; mkdir -p $OUT
/usr/local/cuda/bin/ncu --query-metrics --chip gh100 2>/dev/null | grep -iE 'gmma|pipe_tensor' > $OUT/ncu_metrics.txt
GEMMTUNE_AB_LIMIT_S=420 bash scripts/device_ab.sh configs/handpicked_quick.txt s16 mend slo s16
tar -C /tmp/o -czf $final/all.tgz .
cp /tmp/o/ab_*.jsonl /tmp/o/ab.log $final/
