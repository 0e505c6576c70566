# Device run 10 of session 4: deeper pipelines for the latency-bound small-M rows (stages above
# the default space's cap of 8), final head binary, call mode.
set -u
final=$OUT
export OUT=/tmp/o; mkdir -p $OUT
GEMMTUNE_AB_LIMIT_S=200 bash scripts/device_ab.sh results/2026-11-21-small-m-deep-rings/stages-ab/stages_list.txt none final
tar -C /tmp/o -czf $final/all.tgz .
cp /tmp/o/ab_final.jsonl $final/
