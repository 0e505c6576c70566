#!/usr/bin/env bash
# Where does DeepGEMM spend less than gemmtune? One device call: Nsight Compute counters of one
# launch of each side on the same problems (instructions, FFMAs, tensor-pipe activity, shared-memory
# wavefronts, L2 and DRAM bytes, launch shape), clocks left free (--clock-control none).
#   usage: GEMMTUNE_GIT_REV=<rev> bash scripts/lab/device_ncu_vs_deepgemm.sh LIST_FILE
#   LIST_FILE lines: M N K CONFIG (gemmtune's config; DeepGEMM uses its own heuristic). A grouped
#   contiguous config (_gC) takes the groups' rows, comma-separated, in place of M; DeepGEMM then
#   runs m_grouped_fp8_gemm_nt_contiguous on the same groups (dg_one_call_grouped.py). The grouped
#   run has no --profile: its fourth kernel launch (a timed one) is profiled instead.
#   GEMMTUNE_NCU_SIDES=gemmtune profiles gemmtune's configs alone (ncu_raw_summary.py reads that).
#   carry: .anchors, and .devdeps or (GEMMTUNE_REUSE_BUILD=1) devbuild; .dgcache spares DeepGEMM's
#   JIT. Writes under $OUT: log.txt, ncu.txt and the list (list.txt). Clock and cycles against
#   the tensor-core roof: python3 scripts/lab/ncu_clock_roof_summary.py $OUT/list.txt $OUT/ncu.txt
set -uo pipefail
list=$1
OUT=${OUT:-/tmp/gemmtune-device}
mkdir -p "$OUT"
cp "$list" "$OUT/list.txt"
exec > >(tee -a "$OUT/log.txt") 2>&1
source scripts/device_common.sh
deepgemm_build_start
gemmtune_build
deepgemm_build_wait
ncu_bin=$(command -v ncu || ls /usr/local/cuda/bin/ncu /opt/nvidia/nsight-compute/*/ncu 2>/dev/null | head -1)
[[ -n $ncu_bin ]] || { echo "ncu not found"; exit 3; }
metrics=gpu__time_duration.sum,sm__cycles_elapsed.avg.per_second,sm__cycles_elapsed.avg
metrics+=,smsp__inst_executed.sum
metrics+=,smsp__sass_thread_inst_executed_op_ffma_pred_on.sum,sm__inst_executed_pipe_tensor_op_gmma.sum
metrics+=,sm__pipe_tensor_cycles_active.avg.pct_of_peak_sustained_active
metrics+=,smsp__issue_active.avg.pct_of_peak_sustained_active
metrics+=,l1tex__data_pipe_lsu_wavefronts_mem_shared.sum,smsp__inst_executed_op_global_ld.sum
metrics+=,lts__t_bytes.sum,dram__bytes_read.sum,dram__bytes_write.sum
metrics+=,launch__grid_size,launch__block_size,launch__shared_mem_per_block_dynamic,launch__registers_per_thread
metrics+=,launch__cluster_dim_x
# Where the tensor pipe's idle cycles go (session 13): L2 traffic to the SMs and its hit rate;
# the WarpStateStats section adds what the warps wait on (smsp__average_warps_issue_stalled_*),
# kept in ncu.txt's raw page.
metrics+=,lts__t_sector_hit_rate.pct,l1tex__m_xbar2l1tex_read_bytes.sum,sm__cycles_active.avg
# GEMMTUNE_NCU_EXTRA_METRICS=a,b: more metrics (e.g. the L2's sectors by source unit).
[[ -n ${GEMMTUNE_NCU_EXTRA_METRICS:-} ]] && metrics+=,$GEMMTUNE_NCU_EXTRA_METRICS
: > "$OUT/ncu.txt"
while read -r m n k config; do
  [[ -z ${m:-} || $m == \#* ]] && continue
  for side in ${GEMMTUNE_NCU_SIDES:-gemmtune deepgemm}; do
    range=(--profile-from-start off)
    dg_one_call=(scripts/lab/dg_one_call.py "$m" "$n" "$k")
    [[ $config == *_gC ]] && dg_one_call=(scripts/lab/dg_one_call_grouped.py "$n" "$k" "$m")
    if [[ $side == gemmtune && $config == *_gC ]]; then
      cmd=(devbuild/gemmtune --log-level warn run --layout grouped_contiguous --group-m "$m" --n "$n" --k "$k"
           --config "$config" --iters 5 --baseline-timing none)
      range=(--launch-skip 3 --launch-count 1)
    elif [[ $side == gemmtune ]]; then
      cmd=(devbuild/gemmtune --log-level warn run --m "$m" --n "$n" --k "$k" --config "$config" --profile)
    else
      python3 "${dg_one_call[@]}" > /dev/null 2>&1 < /dev/null  # JIT outside the profiler
      cmd=(python3 "${dg_one_call[@]}")
    fi
    echo "===== $side ${m:0:40} x $n x $k ${config}" >> "$OUT/ncu.txt"
    "$ncu_bin" "${range[@]}" --clock-control none --kernel-name regex:sm90_fp8_gemm_1d2d \
      --section WarpStateStats --metrics "$metrics" --csv --page raw "${cmd[@]}" 2> /tmp/ncu_err.log < /dev/null \
      | grep -v '^==' >> "$OUT/ncu.txt" || tail -3 /tmp/ncu_err.log
  done
  echo "profiled ${m:0:40} x $n x $k"
done < "$list"
python3 scripts/lab/ncu_raw_summary.py "$OUT/ncu.txt" "$metrics"
