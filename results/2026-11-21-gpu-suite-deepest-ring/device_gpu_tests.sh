# Device run 13 of session 4: the GPU suite with the knob matrix extended by the default space's
# deepest ring (bm64_bn32_s16, split-K 2).
set -u
export GEMMTUNE_CACHE_DIR=/tmp/gemmtune-cache GEMMTUNE_TEST_BINARY=$PWD/devbuild/final/gemmtune
devbuild/final/gemmtune_gpu_tests > $OUT/gpu_tests.log 2>&1
echo "gpu tests rc=$?"; grep -E "^\[  (PASSED|FAILED|SKIPPED) |FAILED  \]|runs, .* configs exercised" $OUT/gpu_tests.log
