#!/usr/bin/env bash
#   usage: bash scripts/device_moe_set_vs_deepgemm.sh SHAPES.json
# One MoE shape set (configs/moe-models.json, configs/dsv3-moe.json) swept cold and timed beside
# DeepGEMM in one run on a GPU machine, the way results/h200-moe-sets/ was made. Steps
# (GEMMTUNE_STEPS, default "plan sweep compare join"), each writing under $OUT:
#   plan     the set's grouped problems with the group sizes `gemmtune plan` draws, in DeepGEMM's
#            harness format and as a shape set of those exact groups   problems.json, shapes.json
#   sweep    `gemmtune sweep` of them (GEMMTUNE_BUDGET, default "default"; call timing, no cuBLASLt
#            algorithm search); stopped by SIGINT, which keeps its finished records and writes its
#            reports, where it would leave the passes too little time  sweep/ (tuning_table.json,
#                                                                      env.json, summary.md, log)
#   compare  GEMMTUNE_PASSES (default 1) passes of scripts/device_grouped_vs_deepgemm.sh with that
#            table: DeepGEMM, gemmtune (every result validated), DeepGEMM, each row's stream floor
#                                                                      pass1/, pass2/, ...
#            (numbered from GEMMTUNE_FIRST_PASS, default 1: a later run in the same $OUT, with
#            GEMMTUNE_STEPS="compare join" and GEMMTUNE_TABLE, adds passes to the first run's)
#   join     scripts/grouped_table_join.py over every pass in $OUT    table.md, table.jsonl
# Needs in the repository root: .anchors/ (the DeepGEMM harness, for compare), .devdeps/ unless
# the binary is kept (GEMMTUNE_REUSE_BUILD=1 and devbuild/ there). DeepGEMM builds while gemmtune
# sweeps; .dgcache/ spares it the JIT of kernels it compiled before.
# Env: OUT (/tmp/gemmtune-device), GEMMTUNE_TABLE (a table already swept for these problems: the
# sweep step is left out), GEMMTUNE_DEADLINE_S (570, from the start: the sweep stops to leave each
# pass GEMMTUNE_PASS_S, default 230 s: a pass of ~90 problems, each side settled 0.5 s before
# each problem, DeepGEMM twice; a pass that would not fit is skipped and named),
# GEMMTUNE_BIN (the gemmtune that plans and sweeps; default devbuild/gemmtune, built or kept).
# Exit: 0 every step asked for ran; 1 a step failed or was skipped; 2 bad arguments.
set -uo pipefail
shapes=${1:-}
[[ -f $shapes ]] || { echo "usage: bash scripts/device_moe_set_vs_deepgemm.sh SHAPES.json (not found: '${shapes}')" >&2; exit 2; }
# The paths given are the caller's; the steps run from the repository root.
shapes=$(realpath "$shapes")
OUT=$(realpath -m "${OUT:-/tmp/gemmtune-device}")
[[ -n ${GEMMTUNE_TABLE:-} ]] && GEMMTUNE_TABLE=$(realpath -m "$GEMMTUNE_TABLE")
[[ -n ${GEMMTUNE_BIN:-} ]] && GEMMTUNE_BIN=$(realpath -m "$GEMMTUNE_BIN")
cd "$(dirname "$0")/.." || exit 2
mkdir -p "$OUT"
steps=" ${GEMMTUNE_STEPS:-plan sweep compare join} "
passes=${GEMMTUNE_PASSES:-1}
pass_s=${GEMMTUNE_PASS_S:-230}
[[ $passes =~ ^[1-9][0-9]*$ && $pass_s =~ ^[1-9][0-9]*$ && ${GEMMTUNE_FIRST_PASS:-1} =~ ^[1-9][0-9]*$ ]] \
  || { echo "GEMMTUNE_PASSES=$passes, GEMMTUNE_PASS_S=$pass_s, GEMMTUNE_FIRST_PASS=${GEMMTUNE_FIRST_PASS:-1}: expected whole numbers >= 1" >&2; exit 2; }
deadline=$(( $(date +%s) + ${GEMMTUNE_DEADLINE_S:-570} ))
has_step() { [[ $steps == *" $1 "* ]]; }
exec > >(tee -a "$OUT/log.txt") 2>&1
source scripts/device_common.sh
status=0
failed() { stamp "$1"; status=1; }

if has_step compare; then deepgemm_build_start; fi
bin=${GEMMTUNE_BIN:-}
if [[ -z $bin ]]; then gemmtune_build; bin=devbuild/gemmtune; fi

if has_step plan; then
  "$bin" plan --shapes "$shapes" --json | python3 scripts/plan_to_dg_problems.py "$OUT/problems.json" \
    && python3 scripts/dg_problems_to_shapes.py "$(basename "$shapes" .json)" "$OUT/shapes.json" "$OUT/problems.json" \
    || { failed "plan failed"; exit 1; }
fi
[[ -f $OUT/problems.json ]] || { failed "no $OUT/problems.json: run the plan step first"; exit 1; }

table=${GEMMTUNE_TABLE:-$OUT/sweep/tuning_table.json}
if has_step sweep && [[ -z ${GEMMTUNE_TABLE:-} ]]; then
  limit=$(( deadline - $(date +%s) - passes * pass_s ))
  if (( limit < 10 )); then
    failed "sweep: SKIPPED, $limit s left for it before the passes (GEMMTUNE_DEADLINE_S)"
  else
    stamp "sweep (at most $limit s)"
    # NOTE: SIGINT first: the sweep then writes its table and reports from what it finished.
    timeout -s INT -k 30 "$limit" "$bin" sweep --shapes "$OUT/shapes.json" --out "$OUT/sweep" \
      --budget "${GEMMTUNE_BUDGET:-default}" --timing call --skip-cublaslt-best > "$OUT/sweep.log" 2>&1
    rc=$?
    stamp "sweep rc=$rc"; tail -3 "$OUT/sweep.log"
    (( rc == 0 )) || failed "sweep: rc $rc (a stopped sweep keeps its table of what it finished)"
  fi
fi

if has_step compare; then
  deepgemm_build_wait
  if [[ ! -f $table ]]; then
    failed "compare: no table ($table)"
  else
    first=${GEMMTUNE_FIRST_PASS:-1}
    for (( i = first; i < first + passes; i++ )); do
      left=$(( deadline - $(date +%s) ))
      if (( left < pass_s )); then failed "pass $i: SKIPPED, $left s left (GEMMTUNE_DEADLINE_S)"; continue; fi
      # Each pass may use what is left but GEMMTUNE_PASS_S for each pass after it: a pass usually
      # ends well before its deadline, which bounds only a slow one.
      share=$(( left - (first + passes - 1 - i) * pass_s ))
      mkdir -p "$OUT/pass$i"
      OUT=$OUT/pass$i GEMMTUNE_TABLE=$table GEMMTUNE_BASELINE_TIMING=none GEMMTUNE_STREAM_FLOOR=1 \
        GEMMTUNE_SKIP_TESTS=1 GEMMTUNE_REUSE_BUILD=1 GEMMTUNE_DEADLINE_S=$share \
        bash scripts/device_grouped_vs_deepgemm.sh "$OUT/problems.json" > "$OUT/pass$i.log" 2>&1
      stamp "pass $i rc=$? ($(wc -l < "$OUT/pass$i/grouped_cmp.jsonl" 2>/dev/null || echo 0) rows)"
    done
  fi
fi

if has_step join; then
  mapfile -t pass_files < <(ls "$OUT"/pass*/grouped_cmp.jsonl 2>/dev/null)
  if (( ${#pass_files[@]} == 0 )); then
    failed "join: no pass*/grouped_cmp.jsonl under $OUT"
  elif python3 scripts/grouped_table_join.py "${pass_files[@]}" --json "$OUT/table.jsonl" > "$OUT/table.md.tmp"; then
    mv "$OUT/table.md.tmp" "$OUT/table.md"
    stamp "joined ${#pass_files[@]} passes: $OUT/table.md"; grep -m 3 "joined" "$OUT/table.md"
  else
    rm -f "$OUT/table.md.tmp"; failed "join failed"
  fi
fi
exit "$status"
