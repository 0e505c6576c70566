#!/usr/bin/env bash
# Issue 10, the peak row: what does the promoted K loop pay for? One device call: builds
# scripts/lab/mma_roof_probe.cu, counts its RS kernel's SASS (every wgmma kept asynchronous), times
# the variants in TIMED (comma-separated) ROUNDS times interleaved, then reads Nsight Compute's
# shared-memory, L2, DRAM, tensor-pipe and issue counters and the warps' stall reasons of one
# launch of each variant in PROFILED (space-separated). The calls of
# results/2026-11-26-smem-model/ (its README names each call's TIMED and PROFILED).
#   usage: [TIMED=...] [PROFILED="..."] bash scripts/lab/device_roof_probe_counters.sh [M N K [SAMPLES [ROUNDS]]]
#   Writes under $OUT: log.txt, probe.jsonl, sass_rs.txt (the RS kernel's wgmma and ldmatrix
#   lines), ncu.csv, ncu_summary.txt.
set -uo pipefail
OUT=${OUT:-/tmp/gemmtune-device}
mkdir -p "$OUT"
m=${1:-4096} n=${2:-7168} k=${3:-16384} samples=${4:-30} rounds=${5:-2}
exec > >(tee -a "$OUT/log.txt") 2>&1
export PATH=/usr/local/cuda/bin:$PATH
nvidia-smi --query-gpu=name,clocks.max.sm,power.limit,driver_version --format=csv,noheader
bash scripts/lab/build_mma_roof_probe.sh /tmp/probe || exit 1
cuobjdump -sass /tmp/probe |
  awk '/Function : .*mma_fill_mc_rs_roof/{f=1; next} /Function : /{f=0} f' |
  grep -E 'GMMA|LDSM|WARPGROUP' > "$OUT/sass_rs.txt"
echo "rs kernel SASS: $(grep -c QGMMA "$OUT/sass_rs.txt") QGMMA, $(grep -c LDSM "$OUT/sass_rs.txt") LDSM," \
  "$(grep -c 'WARPGROUP.DEPBAR\|WARPGROUP.ARRIVE' "$OUT/sass_rs.txt") warpgroup fences/waits"
variants=${TIMED:-mma_fill_mc,mma_fill_mc_promote,mma_fill_mc_promote_rs}
: > "$OUT/probe.jsonl"
for r in $(seq "$rounds"); do
  # NOTE: bounded: a variant that deadlocks (call H: a setmaxnreg split over the CTA's pool)
  # hung a whole call.
  timeout 120 /tmp/probe "$m" "$n" "$k" "$samples" "$variants" | tee -a "$OUT/probe.jsonl" ||
    echo "probe round $r failed or timed out (rc ${PIPESTATUS[0]})"
done
ncu_bin=$(command -v ncu || ls /opt/nvidia/nsight-compute/*/ncu 2>/dev/null | head -1)
[[ -n $ncu_bin ]] || { echo "ncu not found"; exit 3; }
metrics=gpu__time_duration.sum,sm__cycles_elapsed.avg,smsp__inst_executed.sum
metrics+=,l1tex__data_bank_reads.sum,l1tex__data_bank_writes.sum
metrics+=,l1tex__data_bank_reads.avg.pct_of_peak_sustained_elapsed
metrics+=,l1tex__data_bank_writes.avg.pct_of_peak_sustained_elapsed
metrics+=,l1tex__data_pipe_lsu_wavefronts_mem_shared.sum
metrics+=,sm__pipe_tensor_op_gmma_cycles_active.avg.pct_of_peak_sustained_elapsed
metrics+=,sm__pipe_tensor_op_hmma_cycles_active.avg.pct_of_peak_sustained_elapsed
metrics+=,sm__pipe_tensor_cycles_active.avg.pct_of_peak_sustained_elapsed
metrics+=,smsp__issue_active.avg.pct_of_peak_sustained_elapsed
metrics+=,l1tex__data_bank_conflicts_pipe_lsu_mem_shared_op_gmma.sum
metrics+=,l1tex__data_pipe_lsu_wavefronts_mem_shared_op_gmma.sum
metrics+=,l1tex__m_xbar2l1tex_read_bytes.sum
metrics+=,lts__t_bytes.sum,lts__throughput.avg.pct_of_peak_sustained_elapsed
metrics+=,lts__t_sectors.avg.pct_of_peak_sustained_elapsed
metrics+=,dram__bytes_read.sum,lts__t_sector_hit_rate.pct
metrics+=,sm__inst_executed_pipe_tensor_op_gmma.sum
: > "$OUT/ncu.csv"
"$ncu_bin" --query-metrics 2>/dev/null | grep -iE 'gmma|pipe_tensor' > "$OUT/ncu_tensor_metrics.txt"
for v in ${PROFILED:-mma mma_promote mma_fill_mc mma_fill_mc_promote mma_fill_mc_promote_rs}; do
  echo "== $v" >> "$OUT/ncu.csv"
  timeout 120 "$ncu_bin" --clock-control none --kernel-name regex:roof --launch-skip 3 --launch-count 1 \
    --section WarpStateStats --metrics "$metrics" --csv --page raw /tmp/probe "$m" "$n" "$k" 1 "$v" 2> /tmp/ncu_err.log |
    grep -v '^==' >> "$OUT/ncu.csv" || tail -3 /tmp/ncu_err.log
  echo "ncu $v done"
done
python3 - "$OUT/ncu.csv" <<'EOF' | tee "$OUT/ncu_summary.txt"
import csv, sys
rows, name, block = {}, None, []
for line in open(sys.argv[1]).read().splitlines():
    if line.startswith("== "):
        name, block = line[3:], []
    elif line.startswith('"') and name:
        block.append(line)
        if len(block) == 3:
            head, units, vals = csv.reader(block)
            rows[name] = {h: (v, u) for h, u, v in zip(head, units, vals)}
want = ("gpu__time_duration.sum", "sm__cycles_elapsed.avg", "l1tex__data_bank_reads.sum",
        "l1tex__data_bank_writes.sum", "pct_of_peak", "smsp__inst_executed.sum", "gmma.sum",
        "xbar2l1tex", "lts__t_bytes.sum", "dram__bytes_read.sum", "hit_rate",
        "average_warps_issue_stalled", "conflicts")
for n, r in rows.items():
    print("==", n)
    for k, (v, u) in r.items():
        wanted = any(w in k for w in want) and not k.endswith((".max", ".min"))
        wanted = wanted and ".max." not in k and ".min." not in k
        # Zero stall reasons are noise; a zero count of conflicts is a finding.
        if wanted and (v not in ("0", "0.00", "") or "conflicts" in k):
            print("  ", k, v, u)
EOF
