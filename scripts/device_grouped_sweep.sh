#!/usr/bin/env bash
# One device call for issue 11: build gemmtune here, run the GPU suite, then `gemmtune sweep` over
# the grouped problems DeepGEMM is timed on (configs/bench/grouped_*.json as one shape set), so the
# table's choice per problem comes from the sweep, not from a hand-made list. The run folder stays
# in runs/grouped-bench (a warm machine keeps it for the next call: scripts/
# device_grouped_vs_deepgemm.sh with GEMMTUNE_TABLE) and comes back as $OUT/grouped_sweep.tgz.
#   usage: GEMMTUNE_GIT_REV=<rev> bash scripts/device_grouped_sweep.sh [BUDGET=default]
#   carry: .devdeps. Env: GEMMTUNE_SKIP_TESTS=1, GEMMTUNE_TEST_FILTER, GEMMTUNE_DEADLINE_S (550):
#   the sweep is interrupted (SIGINT: every finished record kept, reports written) to end in time.
# Writes under $OUT: log.txt, gpu_tests.log, grouped_sweep.tgz, summary.md.
set -uo pipefail
OUT=${OUT:-/tmp/gemmtune-device}
mkdir -p "$OUT"
budget=${1:-default}
deadline=$(( $(date +%s) + ${GEMMTUNE_DEADLINE_S:-550} ))
exec > >(tee -a "$OUT/log.txt") 2>&1
source scripts/device_common.sh
gemmtune_build
gpu_suite

python3 scripts/dg_problems_to_shapes.py grouped-bench /tmp/grouped_bench.json \
  configs/bench/grouped_dsv3_moe.json configs/bench/grouped_dg_tests.json
rm -rf runs/grouped-bench
left=$(( deadline - $(date +%s) - 30 ))
stamp "sweep, budget $budget, at most $left s"
timeout -s INT -k 20 "$left" devbuild/gemmtune sweep --shapes /tmp/grouped_bench.json \
  --out runs/grouped-bench --timing call --budget "$budget" 2> /tmp/sweep.err
stamp "sweep rc=$?"; grep -vE "^\[problem|^\s*$" /tmp/sweep.err | tail -15
cp runs/grouped-bench/summary.md "$OUT/summary.md" 2>/dev/null
tar czf "$OUT/grouped_sweep.tgz" -C runs grouped-bench
stamp "done"
