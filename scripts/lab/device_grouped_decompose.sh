#!/usr/bin/env bash
# Where does the grouped kernel's time go beyond the dense kernel's? One device call (issue 11):
# the same config on the same m-block count as (1) a dense problem, (2) one group, (3) G groups
# aligned to 128 rows, (4) G ragged groups (DeepSeek-V3 gate+up prefill, 8 experts), timed with the
# call protocol in two alternating passes beside DeepGEMM's grouped GEMM on the same group sizes;
# then Nsight Compute counters of one launch of each (DRAM and L2 bytes, tensor-pipe activity,
# instructions) on both sides.
#   usage: GEMMTUNE_GIT_REV=<rev> bash scripts/lab/device_grouped_decompose.sh
#   carry: .devdeps .anchors. Env: GEMMTUNE_SKIP_TESTS=1, GEMMTUNE_CONFIGS (space-separated
#   dense config texts; the grouped ones add _gC), GEMMTUNE_DECOMPOSE="N K RAGGED ALIGNED" (the
#   problem: default gate+up, N 4096, K 7168, the dsv3 sizes and 8 x 1152; a group list is
#   comma-separated), GEMMTUNE_VARIANTS="NAME=DEFINES ..." (kernel variants of gemmtune's side,
#   GEMMTUNE_KERNEL_DEFINES; default the kernel as built), GEMMTUNE_SKIP_NCU=1.
#   Writes $OUT/log.txt, times.txt, ncu.txt.
set -uo pipefail
OUT=${OUT:-/tmp/gemmtune-device}
mkdir -p "$OUT"
exec > >(tee -a "$OUT/log.txt") 2>&1
source scripts/device_common.sh
stamp "building DeepGEMM and gemmtune"
build_both_and_test
gt=devbuild/gemmtune
# dsv3 gate+up prefill, 8 experts (8853 rows, 73 m-blocks of 128) and 8 x 1152 (72 m-blocks)
read -r n k dsv3 aligned <<< "${GEMMTUNE_DECOMPOSE:-4096 7168 1204,957,1218,1141,1098,1178,1142,915 1152,1152,1152,1152,1152,1152,1152,1152}"
sum_rows() { python3 -c "print(sum(map(int, '$1'.split(','))))"; }
rows_ragged=$(sum_rows "$dsv3") rows_aligned=$(sum_rows "$aligned")
configs=${GEMMTUNE_CONFIGS:-"bm128_bn192_s4_mc0_sm132_rN8_sk1 bm128_bn192_s4_mcB_sm132_rN8_sk1 bm128_bn192_s4_mcA_sm132_rN8_sk1"}
variants=${GEMMTUNE_VARIANTS:-"base="}
python3 - "$n" "$k" "$rows_ragged" "$rows_aligned" "$aligned" "$dsv3" > /tmp/dg_decompose.json <<'PY'
import json, sys
n, k = int(sys.argv[1]), int(sys.argv[2])
lists = [[int(x) for x in a.split(',')] for a in sys.argv[3:]]
problems = [{"layout": "contiguous", "n": n, "k": k, "ms": ms} for ms in lists]
problems.append({"layout": "masked", "n": 4096, "k": 4096, "max_m": 1024, "ms": [1024] * 6})
print(json.dumps({"problems": problems}))
PY
ours() {
  for cfg in $configs; do
   for variant in $variants; do
    export GEMMTUNE_KERNEL_DEFINES=${variant#*=}
    echo "variant ${variant%%=*}"
    $gt --log-level warn run --m "$rows_ragged" --n $n --k $k --config "$cfg" --timing call --iters 30 --baseline-timing none | cut -c1-120
    $gt --log-level warn run --m "$rows_aligned" --n $n --k $k --config "$cfg" --timing call --iters 30 --baseline-timing none | cut -c1-120
    for ms in "$rows_ragged" "$rows_aligned" $aligned $dsv3; do
      $gt --log-level warn run --layout grouped_contiguous --group-m "$ms" --n $n --k $k --config "${cfg}_gC" \
        --timing call --iters 30 --baseline-timing none | cut -c1-150
    done
    # Masked: six groups of 1024 rows (DeepGEMM's 6 x 1024 test shape, aligned) against dense
    # (not for a member compiled for another K).
    [[ $cfg == *_k[0-9]* ]] && continue
    $gt --log-level warn run --m 6144 --n 4096 --k 4096 --config "$cfg" --timing call --iters 30 --baseline-timing none | cut -c1-120
    $gt --log-level warn run --layout grouped_masked --max-m 1024 --group-m 1024,1024,1024,1024,1024,1024 --n 4096 --k 4096 \
      --config "${cfg}_gM" --timing call --iters 30 --baseline-timing none | cut -c1-150
   done
  done
  unset GEMMTUNE_KERNEL_DEFINES
}
rm -f /tmp/dg_1.jsonl /tmp/dg_2.jsonl  # dg_grouped.py appends (a warm machine keeps /tmp)
for pass in 1 2; do
  stamp "pass $pass: gemmtune"; ours | tee -a "$OUT/times.txt"
  stamp "pass $pass: deepgemm"; python3 .anchors/dg_grouped.py /tmp/dg_decompose.json /tmp/dg_$pass.jsonl 2>&1 | tail -5 | tee -a "$OUT/times.txt"
done
cp /tmp/dg_1.jsonl /tmp/dg_2.jsonl "$OUT/" 2>/dev/null
[[ ${GEMMTUNE_SKIP_NCU:-0} == 1 ]] && { stamp "done (ncu skipped)"; exit 0; }
ncu_bin=$(command -v ncu || ls /usr/local/cuda/bin/ncu /opt/nvidia/nsight-compute/*/ncu 2>/dev/null | head -1)
[[ -n $ncu_bin ]] || { stamp "ncu not found"; exit 0; }
metrics=gpu__time_duration.sum,sm__cycles_elapsed.avg.per_second,smsp__inst_executed.sum
metrics+=,sm__pipe_tensor_cycles_active.avg.pct_of_peak_sustained_active
metrics+=,lts__t_bytes.sum,lts__t_sector_hit_rate.pct,dram__bytes_read.sum,dram__bytes_write.sum
metrics+=,launch__grid_size,launch__cluster_dim_x,launch__registers_per_thread
: > "$OUT/ncu.txt"
profile() {  # title, then the command
  local title=$1 regex=$2; shift 2
  echo "===== $title" >> "$OUT/ncu.txt"
  timeout 120 "$ncu_bin" --clock-control none --kernel-name "regex:$regex" --launch-skip 1 --launch-count 1 \
    --metrics "$metrics" --csv --page raw "$@" 2> /tmp/ncu_err.log | grep -v '^==' >> "$OUT/ncu.txt" || tail -3 /tmp/ncu_err.log
}
cfg0=${configs%% *}
profile "gemmtune dense $rows_aligned $cfg0" '^sm90_fp8_gemm_1d2d_bm' $gt --log-level warn run --m "$rows_aligned" --n $n --k $k --config "$cfg0" --iters 2 --warmup 0 --baseline-timing none
for ms in "$rows_aligned" $aligned $dsv3; do
  for cfg in $configs; do
    profile "gemmtune grouped $ms ${cfg}_gC" '^sm90_fp8_gemm_1d2d_bm' $gt --log-level warn run --layout grouped_contiguous --group-m "$ms" --n $n --k $k --config "${cfg}_gC" --iters 2 --warmup 0 --baseline-timing none
  done
  python3 scripts/lab/dg_one_call_grouped.py $n $k "$ms" > /dev/null 2>&1
  echo "===== deepgemm grouped $ms" >> "$OUT/ncu.txt"
  timeout 120 "$ncu_bin" --profile-from-start off --clock-control none --kernel-name regex:sm90_fp8_gemm_1d2d_impl \
    --metrics "$metrics" --csv --page raw python3 scripts/lab/dg_one_call_grouped.py $n $k "$ms" 2> /tmp/ncu_err.log \
    | grep -v '^==' >> "$OUT/ncu.txt" || tail -3 /tmp/ncu_err.log
done
stamp "ncu done"
python3 scripts/lab/ncu_raw_summary.py "$OUT/ncu.txt"
stamp "done"
