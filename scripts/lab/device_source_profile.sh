#!/usr/bin/env bash
# Instruction-level profile of gemmtune configs: Nsight Compute's source counters (executed
# instructions and warp-stall samples per SASS instruction) and the SASS itself, one launch per
# entry, so two variants of the kernel family can be compared line by line.
#   usage: GEMMTUNE_GIT_REV=<rev> bash scripts/lab/device_source_profile.sh LIST_FILE
#   LIST_FILE lines: TITLE|gemmtune run arguments (one launch of the config is profiled), or
#   TITLE|deepgemm M N K (one launch of DeepGEMM's fp8_gemm_nt on normal inputs, as the anchors
#   time it: scripts/lab/dg_one_call.py), so both K loops can be read side by side, or
#   TITLE|deepgemm_grouped N K M0,M1,... (one launch of its m-grouped contiguous GEMM on those
#   group sizes: scripts/lab/dg_one_call_grouped.py).
#   GEMMTUNE_NCU_EXTRA_SECTIONS: more ncu section names, space-separated (e.g. MemoryWorkloadAnalysis_Tables
#   for the L2's sectors by source and operation).
#   carry: .devdeps (.anchors .dgcache for deepgemm lines). Writes under $OUT: log.txt and
#   source_profile.tgz, which holds per title <title>.source.csv.gz (ncu source page) and
#   <title>.details.txt (ncu details page), and <kernel>.sass.txt.gz (cuobjdump of each cached
#   cubin). NOTE: one archive, since a device call returns at most 8 files (session 33 lost 18).
set -uo pipefail
list=$1
OUT=${OUT:-/tmp/gemmtune-device}
mkdir -p "$OUT"
OUT_FINAL=$OUT
OUT=$(mktemp -d /tmp/source_profile.XXXX)
exec > >(tee -a "$OUT_FINAL/log.txt") 2>&1
source scripts/device_common.sh
with_dg=0
grep -q '|deepgemm' "$list" && with_dg=1
(( with_dg )) && deepgemm_build_start
gemmtune_build
gpu_suite
(( with_dg )) && deepgemm_build_wait
sections=(--section SourceCounters --section WarpStateStats --section SchedulerStats --section SpeedOfLight)
for extra in ${GEMMTUNE_NCU_EXTRA_SECTIONS:-}; do sections+=(--section "$extra"); done
ncu_bin=$(command -v ncu || ls /usr/local/cuda/bin/ncu /opt/nvidia/nsight-compute/*/ncu 2>/dev/null | head -1)
objdump=$(command -v cuobjdump || echo /usr/local/cuda/bin/cuobjdump)
[[ -n $ncu_bin ]] || { stamp "ncu not found"; exit 3; }
while IFS='|' read -r title args; do
  [[ -z ${title:-} || $title == \#* ]] && continue
  read -ra argv <<< "$args"
  if [[ ${argv[0]} == deepgemm || ${argv[0]} == deepgemm_grouped ]]; then
    one_call=scripts/lab/dg_one_call.py
    [[ ${argv[0]} == deepgemm_grouped ]] && one_call=scripts/lab/dg_one_call_grouped.py
    python3 $one_call "${argv[@]:1:3}" < /dev/null > /dev/null 2>&1 || stamp "$title: deepgemm call failed"
    timeout 240 "$ncu_bin" --clock-control none --profile-from-start off \
      --kernel-name 'regex:sm90_fp8_gemm_1d2d' --launch-count 1 "${sections[@]}" -f \
      -o "/tmp/prof_$title" python3 $one_call "${argv[@]:1:3}" < /dev/null > /tmp/ncu_run.log 2>&1 \
      || tail -5 /tmp/ncu_run.log
  else
    devbuild/gemmtune --log-level warn run "${argv[@]}" --iters 2 --warmup 0 --baseline-timing none < /dev/null | cut -c1-160
    timeout 240 "$ncu_bin" --clock-control none --kernel-name 'regex:^sm90_fp8_gemm_1d2d_bm' --launch-skip 1 \
      --launch-count 1 "${sections[@]}" -f -o "/tmp/prof_$title" devbuild/gemmtune --log-level warn run "${argv[@]}" \
      --iters 2 --warmup 0 --baseline-timing none < /dev/null > /tmp/ncu_run.log 2>&1 || tail -5 /tmp/ncu_run.log
  fi
  "$ncu_bin" -i "/tmp/prof_$title.ncu-rep" --page source --csv --print-source sass 2>&1 | gzip > "$OUT/$title.source.csv.gz"
  "$ncu_bin" -i "/tmp/prof_$title.ncu-rep" --page details > "$OUT/$title.details.txt" 2>&1
  stamp "$title: source page $(zcat "$OUT/$title.source.csv.gz" | wc -l) lines"
done < "$list"
# The SASS of every cached cubin (one per config profiled).
for meta in $(find /tmp/gemmtune-cache -name meta.json); do
  name=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("kernel_name", "unknown"))' "$meta")
  "$objdump" -sass "$(dirname "$meta")/kernel.cubin" | gzip > "$OUT/$name.sass.txt.gz"
done
tar czf "$OUT_FINAL/source_profile.tgz" -C "$OUT" .
tar tzf "$OUT_FINAL/source_profile.tgz"
OUT=$OUT_FINAL  # device_common.sh's exit trap writes the DeepGEMM JIT cache there
stamp "done"
