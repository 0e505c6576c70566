#!/usr/bin/env bash
#   usage: [PYTHONPATH=DEEPGEMM_BUILD | GEMMTUNE_BUILD_DEEPGEMM=1] [GEMMTUNE_STEPS=...]
#          bash scripts/device_python_checks.sh
# The bundle from Python on a GPU machine, in one run: every dense and grouped entry of an
# exported bundle through gemmtune_bundle.py in DeepGEMM's layouts (validated, graph-replayed,
# timed beside DeepGEMM), the Python path's per-call overhead against `gemmtune run`, and the
# serving grid's regret off the tuned grid.
#
# Needs, in the repository root of the GPU machine:
#   - devbuild/gemmtune: a staged binary (scripts/stage_device_build.sh, or scripts/device_build.sh
#     there); it embeds the bundle's Python module, so stage it from this revision;
#   - python3 with PyTorch (CUDA) for the Python steps; DeepGEMM importable for the comparison
#     (PYTHONPATH set by the caller, or GEMMTUNE_BUILD_DEEPGEMM=1: built from .anchors/ into
#     /tmp/dgb while the bundles export; without DeepGEMM the run says so and compares with the
#     float reference only); .anchors/ (the DeepGEMM harness) also compiles DeepGEMM's kernels
#     for the tables' shapes in parallel before the timed calls (skipped when absent), so its
#     first calls there are cache hits (dg_warm_dense.json keeps its cold first-call times);
#   - a C++17 compiler (c++) and the CUDA headers, to build the bundle's library.
# Steps (GEMMTUNE_STEPS, default "export python overhead serving regret"), in this order, each
# under its own time limit, never past the deadline (GEMMTUNE_DEADLINE_S, default 570 s from
# the start): a step that would not start in time is skipped and named; a step that runs out of
# time is stopped and what it wrote is kept.
#   export    the dense and the grouped table exported as bundles    export.log
#   python    every entry of both bundles through the module          bundle_python_{dense,grouped}.{log,jsonl,md}
#   overhead  dense entries against `gemmtune run` (same config)      overhead.{log,jsonl,md}
#   serving   configs/serving-grid.json and serving-offgrid.json swept serving-{grid,offgrid}.log,
#             (call timing, no cuBLASLt algorithm search)             serving-{grid,offgrid}/ (tuning_table.json, summary.md, env.json)
#   regret    scripts/serving_regret.py on the two tables             regret.{log,jsonl,md}
#   moe       (asked for by name, runs first) configs/dsv3-moe.json   moe_sweep.log, moe_sweep/
#             swept (GEMMTUNE_MOE_BUDGET, default "default"); its table then replaces the
#             grouped table: all 88 of its problems instead of the 8 the committed table has
# Environment: OUT (default /tmp/gemmtune-device), GEMMTUNE_DENSE_TABLE (default
# results/h200-dense/tuning_table.json), GEMMTUNE_GROUPED_TABLE (results/h200-grouped/
# tuning_table.json), GEMMTUNE_SERVING_BUDGET (default), GEMMTUNE_REGRET_ROUNDS (3),
# GEMMTUNE_OVERHEAD_ENTRIES (6), GEMMTUNE_BIN (devbuild/gemmtune), GEMMTUNE_WORK (scratch,
# /tmp/gemmtune-python-checks; a serving table already there from an earlier run of the same
# shape set and budget is reused).
# Time on one H200: export ~1 min, python ~3-4 min, overhead ~1 min (estimated); serving 165 s
# and regret 30 s with GEMMTUNE_SERVING_BUDGET=fast and 2 regret rounds (measured, cold): run
# "export python overhead" and "serving regret" as two runs on one machine (the second reuses
# nothing of the first but the kernel cache).
# Writes $OUT/python_checks.log (every step's status line) and $OUT/python_checks.md.
# Exit code: 0 every step ran and passed; 1 a step failed, stopped or was skipped; 2 a
# prerequisite is missing.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
OUT=${OUT:-/tmp/gemmtune-device}
mkdir -p "$OUT"
start_s=$(date +%s)
deadline_s=$(( start_s + ${GEMMTUNE_DEADLINE_S:-570} ))
steps=" ${GEMMTUNE_STEPS:-export python overhead serving regret} "
bin=${GEMMTUNE_BIN:-devbuild/gemmtune}
work=${GEMMTUNE_WORK:-/tmp/gemmtune-python-checks}
dense_table=${GEMMTUNE_DENSE_TABLE:-results/h200-dense/tuning_table.json}
grouped_table=${GEMMTUNE_GROUPED_TABLE:-results/h200-grouped/tuning_table.json}
log=$OUT/python_checks.log
: > "$log"
status=0
say() { echo "[$(( $(date +%s) - start_s )) s] $*" | tee -a "$log"; }
has_step() { [[ $steps == *" $1 "* ]]; }

# --- prerequisites: fail early, with the reason -------------------------------------------
[[ -x $bin ]] || { say "error: $bin is missing or not executable (stage it: scripts/stage_device_build.sh)"; exit 2; }
for table in "$dense_table" "$grouped_table"; do
  [[ -f $table ]] || { say "error: $table not found (GEMMTUNE_DENSE_TABLE / GEMMTUNE_GROUPED_TABLE)"; exit 2; }
done
if has_step python || has_step overhead; then
  python3 -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>> "$log" \
    || { say "error: python3 cannot import torch with a CUDA device (the python and overhead steps need it)"; exit 2; }
  command -v "${CXX:-c++}" > /dev/null \
    || { say "error: no C++ compiler (${CXX:-c++}) to build the bundle's library (set CXX)"; exit 2; }
  if python3 -c 'import deep_gemm' > /dev/null 2>&1; then
    say "deep_gemm importable (PYTHONPATH=${PYTHONPATH:-})"
  elif [[ ${GEMMTUNE_BUILD_DEEPGEMM:-0} == 1 && -f .anchors/build_deepgemm.sh ]]; then
    build_deepgemm=1
    export PYTHONPATH=/tmp/dgb/DeepGEMM${PYTHONPATH:+:$PYTHONPATH}
    say "deep_gemm not importable: building it in the background (.anchors/build_deepgemm.sh /tmp/dgb)"
  else
    say "WARNING: deep_gemm is not importable (PYTHONPATH=${PYTHONPATH:-unset}): the Python steps compare with the float reference only"
  fi
fi
export GEMMTUNE_CACHE_DIR=${GEMMTUNE_CACHE_DIR:-/tmp/gemmtune-cache}
export DG_JIT_CACHE_DIR=${DG_JIT_CACHE_DIR:-$PWD/.dgcache}
mkdir -p "$work" "$GEMMTUNE_CACHE_DIR" "$DG_JIT_CACHE_DIR"
"$bin" devices >> "$log" 2>&1
if command -v nvidia-smi > /dev/null; then
  nvidia-smi --query-gpu=name,clocks.sm,clocks.max.sm,power.draw,power.limit --format=csv >> "$log" 2>&1
fi

# run_step NAME LIMIT_S COMMAND...: runs COMMAND under min(LIMIT_S, time left) seconds, SIGINT
# first (a sweep then writes its reports), output appended to $OUT/NAME.log; skipped when under
# 20 s are left. Sets step_rc.
run_step() {
  local name=$1 limit=$2; shift 2
  local left=$(( deadline_s - $(date +%s) ))
  if (( left < 20 )); then
    say "$name: SKIPPED, $left s left before the deadline (GEMMTUNE_DEADLINE_S)"
    status=1; step_rc=124; return
  fi
  (( limit > left )) && limit=$left
  say "$name: start (limit $limit s): $*"
  timeout -s INT -k 30 "$limit" "$@" >> "$OUT/$name.log" 2>&1
  step_rc=$?
  if (( step_rc == 124 || step_rc == 137 )); then
    say "$name: STOPPED at its limit ($limit s); what it wrote is kept"; status=1
  elif (( step_rc != 0 )); then
    say "$name: FAILED rc=$step_rc (tail of $name.log below)"; tail -5 "$OUT/$name.log" | tee -a "$log"; status=1
  else
    say "$name: ok"
  fi
}

# script_deadline_s LIMIT: a Python step's own --deadline-s: it stops starting entries 40 s
# before its step's limit or the run's deadline, whichever comes first, to write its summary.
script_deadline_s() {
  local own=$(( $1 - 40 )) left=$(( deadline_s - $(date +%s) - 40 ))
  (( left < own )) && own=$left
  (( own < 1 )) && own=1
  echo "$own"
}

# sweep_step NAME SHAPES FOLDER LIMIT_S BUDGET: `gemmtune sweep` of SHAPES into FOLDER (call
# timing, no cuBLASLt algorithm search); a finished folder is reused, one an earlier run stopped
# is resumed (FOLDER.interrupted marks it); the table, summary and environment go to $OUT/NAME/.
sweep_step() {
  local name=$1 shapes=$2 folder=$3 limit=$4 budget=$5
  # $folder.stamp: the shape set's checksum and the budget the folder was swept with. A folder
  # from another shape set or budget is swept again, not reused or resumed.
  local stamp
  stamp="$(sha256sum < "$shapes" | cut -d' ' -f1) $budget"
  if [[ -d $folder && $(cat "$folder.stamp" 2> /dev/null) != "$stamp" ]]; then
    say "$name: $folder was swept from another shape set or budget: sweeping again"
    rm -rf "$folder" "$folder.interrupted"
  fi
  if [[ -f $folder/tuning_table.json && ! -f $folder.interrupted ]]; then
    say "$name: reusing $folder/tuning_table.json"
  else
    local resume=()
    if [[ -f $folder.interrupted && -f $folder/runs.jsonl ]]; then resume=(--resume); else rm -rf "$folder"; fi
    # Written whole (a temporary file renamed over it), so a link there is replaced, not followed.
    printf '%s\n' "$stamp" > "$folder.stamp.tmp.$$" && mv -f "$folder.stamp.tmp.$$" "$folder.stamp"
    run_step "$name" "$limit" "$bin" sweep --shapes "$shapes" --out "$folder" --timing call \
      --budget "$budget" --skip-cublaslt-best --quiet "${resume[@]}"
    if (( step_rc != 0 )); then touch "$folder.interrupted"; else rm -f "$folder.interrupted"; fi
  fi
  mkdir -p "$OUT/$name"
  cp "$folder"/{tuning_table.json,summary.md,env.json} "$OUT/$name/" 2> /dev/null
}

# --- moe (not by default): configs/dsv3-moe.json swept, its table the grouped bundle's ----------
grouped_problems=(configs/deepgemm/grouped_dg_tests.json configs/deepgemm/grouped_dsv3_moe.json)
if has_step moe; then
  sweep_step moe_sweep configs/dsv3-moe.json "$work/moe" 570 "${GEMMTUNE_MOE_BUDGET:-default}"
  if [[ -f $work/moe/tuning_table.json ]]; then
    grouped_table=$work/moe/tuning_table.json
    # The same problems in the DeepGEMM harness's format, for its warm-up.
    grouped_problems=(configs/deepgemm/grouped_dsv3_moe_full.json configs/deepgemm/grouped_dsv3_moe_dg_tests.json)
    say "the grouped bundle comes from $grouped_table$([[ -f $work/moe.interrupted ]] && echo " (a partial sweep: the problems it finished)")"
  fi
fi

# --- DeepGEMM built (GEMMTUNE_BUILD_DEEPGEMM=1) and its kernels compiled, in the background while
# the bundles export; one process group, so a hang is stopped whole.
dg_pid=
if has_step python || has_step overhead; then
  # The grouped table's problems (results/h200-grouped/README.md), one file: two warm-ups at once
  # would share dg_warm_grouped.py's scratch files.
  python3 -c 'import json, sys; json.dump({"problems": [p for f in sys.argv[2:] for p in json.load(open(f))["problems"]]}, open(sys.argv[1], "w"))' \
    "$work/dg_grouped_problems.json" "${grouped_problems[@]}"
  # shellcheck disable=SC2016
  setsid bash -c '
    out=$1 dense_table=$2 problems=$3 build=$4
    if [[ $build == 1 ]]; then
      if compgen -G "/tmp/dgb/DeepGEMM/deep_gemm/*.so" > /dev/null; then echo "deepgemm build: reused /tmp/dgb"
      else bash .anchors/build_deepgemm.sh /tmp/dgb > "$out/dg_build.log" 2>&1; echo "deepgemm build rc=$?"; fi
    fi
    python3 -c "import deep_gemm" 2> /dev/null || { echo "deep_gemm not importable: no warm-up"; exit 0; }
    [[ -f .anchors/dg_warm.py ]] && python3 .anchors/dg_warm.py "$out/dg_warm_dense.json" "$dense_table" &
    [[ -f .anchors/dg_grouped.py ]] && python3 scripts/dg_warm_grouped.py .anchors/dg_grouped.py "$problems" &
    wait
    echo "deepgemm warm-up done"
  ' deepgemm "$OUT" "$dense_table" "$work/dg_grouped_problems.json" "${build_deepgemm:-0}" > "$OUT/dg_warm.log" 2>&1 &
  dg_pid=$!
  trap '[[ -n $dg_pid ]] && kill -- -"$dg_pid" 2> /dev/null' EXIT
fi
wait_deepgemm() {
  [[ -n $dg_pid ]] || return 0
  # NOTE: bounded: a warm-up that hangs must not eat the run; its kernels then compile at first call.
  local waited=0
  while (( waited < 300 )) && kill -0 "$dg_pid" 2> /dev/null; do sleep 2; waited=$(( waited + 2 )); done
  kill -- -"$dg_pid" 2> /dev/null
  wait "$dg_pid" 2> /dev/null
  dg_pid=
  say "DeepGEMM build and warm-up: $(tr '\n' ' ' < "$OUT/dg_warm.log" | tail -c 600) (waited $waited s more)"
  python3 -c 'import deep_gemm' > /dev/null 2>&1 \
    || say "WARNING: deep_gemm is not importable: the Python steps compare with the float reference only"
}

# --- export --------------------------------------------------------------------------------
dense_bundle=$work/bundle-dense
grouped_bundle=$work/bundle-grouped
if has_step export; then
  run_step export 240 "$bin" export "$dense_table" --format bundle --out "$dense_bundle"
  run_step export 240 "$bin" export "$grouped_table" --format bundle --out "$grouped_bundle"
fi

# --- python: every entry, in DeepGEMM's layouts --------------------------------------------------
if has_step python; then
  wait_deepgemm
  for kind in dense grouped; do
    bundle=$work/bundle-$kind
    table=$dense_table; [[ $kind == grouped ]] && table=$grouped_table
    if [[ ! -f $bundle/manifest.json ]]; then
      say "python $kind: SKIPPED, $bundle has no bundle (the export step failed or did not run)"; status=1; continue
    fi
    limit=300; [[ $kind == dense ]] && limit=200
    # NOTE: --max-m-table: the masked rows per group the table was tuned with, no re-export.
    run_step "bundle_python_$kind" "$limit" python3 scripts/device_bundle_python.py "$bundle" \
      --only "$kind" --max-m-table "$table" --deadline-s "$(script_deadline_s "$limit")" \
      --json "$OUT/bundle_python_$kind.jsonl" --md "$OUT/bundle_python_$kind.md"
  done
fi

# --- overhead: the module against gemmtune run ---------------------------------------------------
if has_step overhead; then
  wait_deepgemm  # nothing else on the GPU while it times
  if [[ -f $dense_bundle/manifest.json ]]; then
    run_step overhead 180 python3 scripts/device_bundle_python.py "$dense_bundle" --only none \
      --overhead "${GEMMTUNE_OVERHEAD_ENTRIES:-6}" --overhead-rounds 3 --gemmtune "$bin" \
      --deadline-s "$(script_deadline_s 180)" --json "$OUT/overhead.jsonl" --md "$OUT/overhead.md"
  else
    say "overhead: SKIPPED, $dense_bundle has no bundle"; status=1
  fi
fi

# --- serving: the grid and the off-grid sweeps ---------------------------------------------------
if has_step serving; then
  sweep_step serving-grid configs/serving-grid.json "$work/serving-grid" 300 "${GEMMTUNE_SERVING_BUDGET:-default}"
  sweep_step serving-offgrid configs/serving-offgrid.json "$work/serving-offgrid" 200 "${GEMMTUNE_SERVING_BUDGET:-default}"
fi

# --- regret: the grid's selection against the exact tuning, off the grid ------------------------
if has_step regret; then
  grid=$work/serving-grid/tuning_table.json offgrid=$work/serving-offgrid/tuning_table.json
  if [[ -f $grid && -f $offgrid ]]; then
    # The grid's bundle, so the regret script checks its selection against the dispatcher's.
    bundle_flag=()
    if timeout 120 "$bin" export "$grid" --format bundle --out "$work/bundle-serving-grid" >> "$OUT/regret.log" 2>&1; then
      bundle_flag=(--bundle "$work/bundle-serving-grid")
    else
      say "regret: WARNING: the grid table did not export as a bundle (regret.log): the picks are the reproduced rule's, not checked against the dispatcher"
    fi
    run_step regret 300 python3 scripts/serving_regret.py "$grid" "$offgrid" --gemmtune "$bin" \
      --rounds "${GEMMTUNE_REGRET_ROUNDS:-3}" "${bundle_flag[@]}" --deadline-s "$(script_deadline_s 300)" \
      --json "$OUT/regret.jsonl" --md "$OUT/regret.md"
  else
    say "regret: SKIPPED, a serving table is missing ($grid, $offgrid)"; status=1
  fi
fi

{
  echo "# The bundle from Python: one run"; echo
  echo '```'; cat "$log"; echo '```'
  for f in bundle_python_dense.md bundle_python_grouped.md overhead.md regret.md; do
    [[ -f $OUT/$f ]] && { echo; sed 's/^# /## /' "$OUT/$f"; }
  done
} > "$OUT/python_checks.md"
say "done: status $status; results in $OUT (python_checks.md, *.jsonl, *.log)"
exit $status
