#!/usr/bin/env bash
# Unpacks the DeepGEMM JIT cache a GPU run wrote (OUT/dg_jit_cache.tgz, scripts/device_common.sh)
# into .dgcache, so the next run with .dgcache in the tree finds DeepGEMM's
# kernels compiled (a fresh machine otherwise spends ~2-3 min compiling them before the first
# timing). The cache only ever grows: kernels are keyed by their source and flags.
#   usage: bash scripts/dg_jit_cache.sh OUT/dg_jit_cache.tgz
set -euo pipefail
archive=${1:?usage: scripts/dg_jit_cache.sh PATH/dg_jit_cache.tgz}
[[ -f $archive ]] || { echo "dg_jit_cache: error: $archive: no such file" >&2; exit 2; }
mkdir -p .dgcache
tar xzf "$archive" -C .dgcache
echo "dg_jit_cache: .dgcache holds $(find .dgcache -name '*.cubin' | wc -l) kernels ($(du -sh .dgcache | cut -f1))"
