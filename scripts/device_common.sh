#   usage: source scripts/device_common.sh   (from a scripts/device_*.sh; not run on its own)
# Steps every GPU-machine script shares (sourced by scripts/device_*.sh; not run on its own):
#   deepgemm_build_start / deepgemm_build_wait  DeepGEMM built beside gemmtune (the harness in
#                           .anchors/; .dgcache/ reuses its JIT kernels, deepgemm_cache_save)
#   gemmtune_build          scripts/device_build.sh, or devbuild/ kept when GEMMTUNE_REUSE_BUILD=1
#                           and it is still there; exits on a failed build
#   gpu_suite               the GPU tests into $OUT/gpu_tests.log unless GEMMTUNE_SKIP_TESTS=1
#                           (GEMMTUNE_TEST_FILTER: a gtest filter)
#   build_both_and_test     the four above in order: DeepGEMM builds while gemmtune builds and
#                           its GPU suite runs
#   dg_scales_wrapper       GEMMTUNE_DG_SCALES into $dg_scales and the array dg_wrapper, what runs
#                           DeepGEMM's harness (see there)
#   compile_table_configs  TABLE...: every config of these tuning tables compiled in parallel
#   dg_rested_card          GEMMTUNE_DG_SETTLE_MS (default 500) for DeepGEMM's harness run under
#                           scripts/dg_sample_period.py: its card idles that long before each burst
# Each prints one line per step; `stamp` prefixes the seconds since the call started.
start=${start:-$SECONDS}
stamp() { echo "[$((SECONDS - start)) s] $*"; }

deepgemm_build_start() {
  # DeepGEMM's JIT cache lives in the working tree (.dgcache, git-ignored): a call that carries
  # it skips the ~2-3 min DeepGEMM spends compiling its kernels on a fresh machine. The cache
  # is saved as $OUT/dg_jit_cache.tgz at exit (scripts/dg_jit_cache.sh unpacks it).
  export DG_JIT_CACHE_DIR=$PWD/.dgcache
  mkdir -p "$DG_JIT_CACHE_DIR"
  trap deepgemm_cache_save EXIT
  # A second script on the same machine finds DeepGEMM already built.
  if compgen -G "/tmp/dgb/DeepGEMM/deep_gemm/*.so" > /dev/null; then
    echo "deepgemm build rc=0 (reused /tmp/dgb)" > /tmp/dg_build.log; (exit 0) & dg_pid=$!; return
  fi
  (bash .anchors/build_deepgemm.sh /tmp/dgb > /tmp/dg_build.log 2>&1
   echo "deepgemm build rc=$?" >> /tmp/dg_build.log) &
  dg_pid=$!
}

deepgemm_cache_save() {
  local kernels
  kernels=$(find "$DG_JIT_CACHE_DIR" -name '*.cubin' 2>/dev/null | wc -l)
  tar czf "$OUT/dg_jit_cache.tgz" -C "$DG_JIT_CACHE_DIR" . 2>/dev/null \
    && echo "deepgemm JIT cache: $kernels kernels, $(du -h "$OUT/dg_jit_cache.tgz" | cut -f1) -> \$OUT/dg_jit_cache.tgz"
}

deepgemm_build_wait() {
  wait "$dg_pid"; tail -1 /tmp/dg_build.log
  export PYTHONPATH=/tmp/dgb/DeepGEMM
}

gemmtune_build() {
  if [[ ${GEMMTUNE_REUSE_BUILD:-0} == 1 && -x devbuild/gemmtune ]]; then
    stamp "reusing devbuild/ from the previous call"
  else
    bash scripts/device_build.sh || { stamp "gemmtune build failed"; exit 1; }
  fi
  nvidia-smi --query-gpu=name,clocks.sm,clocks.max.sm,power.draw,power.limit,temperature.gpu --format=csv
  export GEMMTUNE_CACHE_DIR=/tmp/gemmtune-cache GEMMTUNE_TEST_BINARY=$PWD/devbuild/gemmtune
}

gpu_suite() {
  [[ ${GEMMTUNE_SKIP_TESTS:-0} == 1 ]] && return 0
  devbuild/gemmtune_gpu_tests --gtest_filter="${GEMMTUNE_TEST_FILTER:-*}" > "$OUT/gpu_tests.log" 2>&1
  stamp "gpu tests rc=$?"; grep -E "^\[  (FAILED|SKIPPED) |tests ran|PASSED  \]" "$OUT/gpu_tests.log" | tail -8
}

build_both_and_test() {
  deepgemm_build_start
  gemmtune_build
  gpu_suite
  deepgemm_build_wait
}

# What DeepGEMM's harness is given as activation scales: GEMMTUNE_DG_SCALES=preconverted (the
# default: the harness runs under scripts/dg_preconverted_scales.py, its calls given the layout
# DeepGEMM's kernels read, as engines write it) or tests (as its tests make them, K-major, which
# its call transposes inside the timing). Sets $dg_scales (the rows' dg_scales) and dg_wrapper
# (`python3 "${dg_wrapper[@]}" HARNESS.py ...`); exits 2 on another value.
dg_scales_wrapper() {
  dg_scales=${GEMMTUNE_DG_SCALES:-preconverted}
  case $dg_scales in
    preconverted) dg_wrapper=(scripts/dg_preconverted_scales.py) ;;
    tests) dg_wrapper=() ;;
    *) echo "GEMMTUNE_DG_SCALES=$dg_scales: expected preconverted or tests" >&2; exit 2 ;;
  esac
}

compile_table_configs() {
  # NOTE: `gemmtune run` compiles a config missing from the cache itself (~1.5 s each, one problem
  # at a time); a table's configs are compiled first, in parallel, after gemmtune_build.
  python3 -c 'import json,sys; print(*{e["config"] for f in sys.argv[1:] for p in json.load(open(f))["problems"] for e in p["entries"]}, sep="\n")' "$@" |
    xargs -r -P "$(nproc)" -I{} devbuild/gemmtune --log-level error compile --config {} > /dev/null 2>&1
  stamp "configs of $* compiled: rc $?"
}

dg_rested_card() {
  # NOTE: both sides start each problem's burst on a rested card. `gemmtune run` starts every
  # problem in a process of its own, so its card idles ~0.5 s before each burst (68 problems took
  # 43 s); DeepGEMM's harness runs its problems in one process, so a burst began on a card the
  # problem before had left clocked down. Measured on dsv3-moe (H200, one call, the same table):
  # with 500 ms of settle DeepGEMM's bursts were 2.2% faster on the contiguous rows of 129-1024
  # rows a group and 1.5% on the larger ones, gemmtune's unchanged
  # (results/h200-moe-sets/README.md "Both sides on a rested card"). Both comparisons give
  # gemmtune's run the same rest after its validation (grouped_vs_deepgemm.py --settle-ms,
  # gemmtune_rested_run.sh): its burst followed the reference computation at once, where
  # DeepGEMM's followed 500 ms of rest. GEMMTUNE_GT_SETTLE_MS (default: the same) sets gemmtune's
  # rest alone, for an A/B of that side.
  export GEMMTUNE_DG_SETTLE_MS=${GEMMTUNE_DG_SETTLE_MS:-500}
  export GEMMTUNE_GT_SETTLE_MS=${GEMMTUNE_GT_SETTLE_MS:-$GEMMTUNE_DG_SETTLE_MS}
  local name
  for name in GEMMTUNE_DG_SETTLE_MS GEMMTUNE_GT_SETTLE_MS; do
    [[ ${!name} =~ ^[0-9]+$ ]] || { echo "$name=${!name}: expected whole milliseconds" >&2; exit 2; }
  done
}
