#!/usr/bin/env bash
# Where a memory-paced row's bytes go: Nsight Compute's DRAM, L2 and crossbar counters of one
# launch of each row's config (`gemmtune run --profile`), then of the stream floor's two bulk
# kernels on the same row's bytes (`--stream-floor`: its check launches of `bulk` and
# `bulk_evict_first`, the first two `support_stream_read_bulk` launches). ncu's default cache
# control flushes and invalidates the caches before each profiled launch, so every side starts
# from a clean, cold L2 (the protocol's memset flush is not reproduced here). Clocks free.
#   usage: bash scripts/lab/device_memory_counters.sh ROWS_FILE   (lines: M N K CONFIG [DEFINES])
#   DEFINES (optional, comma-separated): GEMMTUNE_KERNEL_DEFINES for that line's build, e.g. a
#   diagnostic hook; such a line profiles the config only, not the floor again.
#   carry: .devdeps. Writes $OUT/log.txt, $OUT/ncu.txt and $OUT/summary.txt.
set -uo pipefail
rows=$1
OUT=${OUT:-/tmp/gemmtune-device}
mkdir -p "$OUT"
exec > >(tee -a "$OUT/log.txt") 2>&1
source scripts/device_common.sh
gemmtune_build
ncu_bin=$(command -v ncu || ls /usr/local/cuda/bin/ncu /opt/nvidia/nsight-compute/*/ncu 2>/dev/null | head -1)
[[ -n $ncu_bin ]] || { echo "ncu not found"; exit 3; }
metrics=gpu__time_duration.sum,sm__cycles_elapsed.avg.per_second,dram__bytes_read.sum
metrics+=,dram__bytes_write.sum,dram__throughput.avg.pct_of_peak_sustained_elapsed
metrics+=,lts__t_bytes.sum,lts__t_sector_hit_rate.pct,lts__throughput.avg.pct_of_peak_sustained_elapsed
metrics+=,l1tex__m_xbar2l1tex_read_bytes.sum,sm__pipe_tensor_cycles_active.avg.pct_of_peak_sustained_active
metrics+=,launch__grid_size,launch__shared_mem_per_block_dynamic
: > "$OUT/ncu.txt"
while read -r m n k config defines; do
  [[ -z ${m:-} || $m == \#* ]] && continue
  export GEMMTUNE_KERNEL_DEFINES=${defines//,/ }
  devbuild/gemmtune --log-level error compile --config "$config" > /dev/null 2>&1
  echo "===== gemmtune $m x $n x $k $config ${defines:-}" >> "$OUT/ncu.txt"
  timeout 120 "$ncu_bin" --profile-from-start off --clock-control none --kernel-name regex:sm90_fp8_gemm_1d2d \
    --metrics "$metrics" --csv --page raw devbuild/gemmtune --log-level warn run --m "$m" --n "$n" \
    --k "$k" --config "$config" --profile 2> /tmp/ncu_err.log | grep -v '^==' >> "$OUT/ncu.txt" \
    || tail -3 /tmp/ncu_err.log
  [[ -n ${defines:-} ]] && { stamp "profiled $m x $n x $k ${defines}"; continue; }
  for launch in 0 1; do
    echo "===== floor $m x $n x $k bulk launch $launch (0: bulk, 1: bulk_evict_first)" >> "$OUT/ncu.txt"
    timeout 120 "$ncu_bin" --clock-control none --kernel-name regex:support_stream_read_bulk \
      --launch-skip "$launch" --launch-count 1 --metrics "$metrics" --csv --page raw \
      devbuild/gemmtune --log-level warn run --m "$m" --n "$n" --k "$k" --config "$config" \
      --timing call --iters 3 --baseline-timing none --stream-floor 2> /tmp/ncu_err.log \
      | grep -v '^==' | sed -n '/^"ID"/,$p' >> "$OUT/ncu.txt" || tail -3 /tmp/ncu_err.log
  done
  stamp "profiled $m x $n x $k"
done < "$rows"
python3 scripts/lab/ncu_raw_summary.py "$OUT/ncu.txt" "$metrics" | tee "$OUT/summary.txt"
