# Device run 11 of session 4: the dsv3-quick sweep (default budget, call, cold cache) with the
# default space's stages extended to 10, 12 and 16 (final head kernel, unchanged binary).
set -u
final=$OUT
export OUT=/tmp/o; mkdir -p $OUT
GEMMTUNE_DEVICE_BIN=devbuild/final GEMMTUNE_SKIP_TESTS=1 GEMMTUNE_SKIP_CHECK=1 bash scripts/device_sweep.sh configs/dsv3-quick.json default call
tar -C /tmp/o -czf $final/all.tgz .
