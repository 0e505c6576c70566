#!/usr/bin/env bash
#   usage: GEMMTUNE_GIT_REV=<rev> bash scripts/device_grouped_sweep.sh [BUDGET=default]
# On a GPU machine: build gemmtune, run the GPU suite, then `gemmtune sweep` over
# the grouped problems DeepGEMM is timed on (configs/deepgemm/grouped_*.json as one shape set), so the
# table's choice per problem comes from the sweep, not from a hand-made list. The run folder stays
# in runs/grouped-bench (kept for the comparison that follows: scripts/
# device_grouped_vs_deepgemm.sh with GEMMTUNE_TABLE) and comes back as $OUT/grouped_sweep.tgz.
#   Needs .devdeps/. Env: GEMMTUNE_SKIP_TESTS=1, GEMMTUNE_TEST_FILTER, GEMMTUNE_DEADLINE_S (550):
#   the sweep is interrupted (SIGINT: every finished record kept, reports written) to end in time.
#   GEMMTUNE_PROBLEMS: the problem files (dg_grouped.py format; default the two bench files);
#   GEMMTUNE_SHARD=I/N: sweep shard I of N only (`sweep --shard`; run folder
#   runs/grouped-bench-shard-I-of-N, joined later with `gemmtune merge`), for sets too long to
#   sweep in one run (configs/deepgemm/grouped_dsv3_moe_full.json: 64 problems, ~7 s each);
#   GEMMTUNE_DG_WARM=1 (with .anchors/, .dgcache/): first build DeepGEMM and compile its kernels for
#   the problems (scripts/dg_warm_grouped.py, at most 240 s), so the comparisons that follow
#   on this machine spend no time on either; the cache comes back as $OUT/dg_jit_cache.tgz.
# Writes under $OUT (default /tmp/gemmtune-device): log.txt, gpu_tests.log, grouped_sweep.tgz (the run folder), summary.md.
set -uo pipefail
OUT=${OUT:-/tmp/gemmtune-device}
mkdir -p "$OUT"
budget=${1:-default}
deadline=$(( $(date +%s) + ${GEMMTUNE_DEADLINE_S:-550} ))
exec > >(tee -a "$OUT/log.txt") 2>&1
source scripts/device_common.sh
gemmtune_build
gpu_suite
problem_files=${GEMMTUNE_PROBLEMS:-configs/deepgemm/grouped_dsv3_moe.json configs/deepgemm/grouped_dg_tests.json}
if [[ ${GEMMTUNE_DG_WARM:-0} == 1 ]]; then
  # NOTE: before the sweep, never beside it: the compiles would load the CPUs the sweep launches from.
  deepgemm_build_start; deepgemm_build_wait
  # shellcheck disable=SC2086
  python3 -c 'import json,sys; json.dump({"problems": [p for f in sys.argv[1:] for p in json.load(open(f))["problems"]]}, open("/tmp/dg_warm_problems.json", "w"))' $problem_files
  timeout -k 10 240 python3 scripts/dg_warm_grouped.py .anchors/dg_grouped.py /tmp/dg_warm_problems.json 8
  stamp "deepgemm warm rc=$?"
fi

# shellcheck disable=SC2086
python3 scripts/dg_problems_to_shapes.py grouped-bench /tmp/grouped_bench.json $problem_files
run=grouped-bench shard=()
if [[ -n ${GEMMTUNE_SHARD:-} ]]; then
  run=grouped-bench-shard-${GEMMTUNE_SHARD%/*}-of-${GEMMTUNE_SHARD#*/} shard=(--shard "$GEMMTUNE_SHARD")
fi
rm -rf "runs/$run"
left=$(( deadline - $(date +%s) - 30 ))
stamp "sweep $run, budget $budget, at most $left s"
timeout -s INT -k 20 "$left" devbuild/gemmtune sweep --shapes /tmp/grouped_bench.json \
  --out "runs/$run" --timing call --budget "$budget" "${shard[@]}" 2> /tmp/sweep.err
stamp "sweep rc=$?"; grep -vE "^\[problem|^\s*$" /tmp/sweep.err | tail -15
cp "runs/$run/summary.md" "$OUT/summary.md" 2>/dev/null
tar czf "$OUT/grouped_sweep.tgz" -C runs "$run"
stamp "done"
