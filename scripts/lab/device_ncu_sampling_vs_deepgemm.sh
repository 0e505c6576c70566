#!/usr/bin/env bash
# One grouped contiguous row under Nsight Compute with warp-state sampling per SASS instruction:
# DeepGEMM's kernel (its own heuristic) and gemmtune's configs, one launch each, clocks free. For
# where two kernels of the same tile spend their cycles (results/h200-moe-sets/g4_2130_ncu.txt).
#   usage (carry devbuild .anchors .dgcache; devbuild/ from scripts/stage_device_build.sh):
#     bash scripts/lab/device_ncu_sampling_vs_deepgemm.sh N K M0,M1,... CONFIG [CONFIG...]
#   Writes $OUT/log.txt and $OUT/ncu.tgz: per side NAME.ncu-rep, NAME.details.csv (sections),
#   NAME.sass.csv (per instruction: executions and stall samples); summary:
#   python3 scripts/lab/ncu_sass_summary.py DIR dg c1 c2 ...
#   GEMMTUNE_NCU_SECTIONS="SpeedOfLight MemoryWorkloadAnalysis" profiles those sections only (no
#   per-instruction sampling, no sass.csv); GEMMTUNE_NCU_METRICS=a,b adds those metrics, printed
#   per side in NAME.raw.csv (e.g. dram__bytes_read.sum, for how often the weights come from HBM).
set -uo pipefail
OUT=${OUT:-/tmp/gemmtune-device}
mkdir -p "$OUT/ncu"
n=$1 k=$2 ms=$3; shift 3
exec > >(tee -a "$OUT/log.txt") 2>&1
source scripts/device_common.sh
deepgemm_build_start
GEMMTUNE_REUSE_BUILD=1 gemmtune_build
deepgemm_build_wait
ncu_bin=$(command -v ncu || ls /usr/local/cuda/bin/ncu /opt/nvidia/nsight-compute/*/ncu 2>/dev/null | head -1)
[[ -n $ncu_bin ]] || { echo "ncu not found"; exit 3; }
section_names=(${GEMMTUNE_NCU_SECTIONS:-SpeedOfLight WarpStateStats SourceCounters SchedulerStats
               InstructionStats LaunchStats ComputeWorkloadAnalysis MemoryWorkloadAnalysis})
sections=()
for name in "${section_names[@]}"; do sections+=(--section "$name"); done
metrics=${GEMMTUNE_NCU_METRICS:-}
[[ -n $metrics ]] && sections+=(--metrics "$metrics")
profile() {  # NAME RANGE_ARGS... -- COMMAND...
  local name=$1 range=()
  shift
  while [[ $1 != -- ]]; do range+=("$1"); shift; done
  shift
  timeout 240 "$ncu_bin" "${range[@]}" --clock-control none --kernel-name regex:sm90_fp8_gemm_1d2d \
    "${sections[@]}" --import-source no -f -o "$OUT/ncu/$name" "$@" > "$OUT/ncu/$name.run.log" 2>&1
  echo "$name: ncu rc $?"
  "$ncu_bin" -i "$OUT/ncu/$name.ncu-rep" --page details --csv > "$OUT/ncu/$name.details.csv" 2>&1
  if [[ " ${section_names[*]} " == *" SourceCounters "* ]]; then
    "$ncu_bin" -i "$OUT/ncu/$name.ncu-rep" --page source --csv --print-source sass \
      > "$OUT/ncu/$name.sass.csv" 2>&1
  fi
  if [[ -n $metrics ]]; then
    "$ncu_bin" -i "$OUT/ncu/$name.ncu-rep" --page raw --csv --metrics "$metrics" \
      > "$OUT/ncu/$name.raw.csv" 2>&1
  fi
}
dg_call=(python3 scripts/lab/dg_one_call_grouped.py "$n" "$k" "$ms")
"${dg_call[@]}" > /dev/null 2>&1  # DeepGEMM's JIT outside the profiler
DG_PRINT_CONFIGS=1 "${dg_call[@]}" 2>&1 | tail -2
profile dg --profile-from-start off -- "${dg_call[@]}"
i=0
for config in "$@"; do
  i=$((i + 1))
  run=(devbuild/gemmtune --log-level warn run --layout grouped_contiguous --group-m "$ms" --n "$n"
       --k "$k" --config "$config" --iters 5 --baseline-timing none)
  "${run[@]}" > /dev/null 2>&1  # the JIT outside the profiler
  echo "c$i: $config"
  profile "c$i" --launch-skip 3 --launch-count 1 -- "${run[@]}"
done
(cd "$OUT" && tar czf ncu.tgz ncu && rm -rf ncu)
