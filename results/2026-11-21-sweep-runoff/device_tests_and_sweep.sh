# Device run 5 of session 4: the sweep's run-off as landed (the fastest screened configs re-timed
# together, then the winner again beside the baselines on fresh samples): GPU suite, then the
# dsv3-quick sweep (default budget, call, cold cache).
set -u
final=$OUT
export OUT=/tmp/o; mkdir -p $OUT
export GEMMTUNE_CACHE_DIR=/tmp/gemmtune-cache GEMMTUNE_TEST_BINARY=$PWD/devbuild/gemmtune
devbuild/gemmtune_gpu_tests > $OUT/gpu_tests.log 2>&1
echo "gpu tests rc=$?"; grep -E "^\[  (PASSED|FAILED|SKIPPED) |FAILED  \]" $OUT/gpu_tests.log | tail -8
GEMMTUNE_SKIP_TESTS=1 GEMMTUNE_SKIP_CHECK=1 bash scripts/device_sweep.sh configs/dsv3-quick.json default call
tar -C /tmp/o -czf $final/all.tgz .
