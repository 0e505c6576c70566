#!/usr/bin/env bash
# Issue 10, the peak row: is shared memory's bandwidth what the promoted K loop pays for? One
# device call: builds scripts/mma_roof_probe.cu, counts its RS kernel's SASS (every wgmma kept
# asynchronous), times the promoted ring with A read twice a K block (mma_fill_mc_promote, 144 KB
# of shared-memory traffic) against A from registers (mma_fill_mc_promote_rs, 128 KB) beside the
# unpromoted ring, ROUNDS times interleaved; then reads Nsight Compute's shared-memory and tensor
# pipe counters of one launch of each variant.
#   usage: bash scripts/device_smem_model_probe.sh [M N K [SAMPLES [ROUNDS]]]
#   Writes under $OUT: log.txt, probe.jsonl, sass_rs.txt (the RS kernel's wgmma and ldmatrix
#   lines), ncu.csv.
set -uo pipefail
OUT=${OUT:-/tmp/gemmtune-device}
mkdir -p "$OUT"
m=${1:-4096} n=${2:-7168} k=${3:-16384} samples=${4:-30} rounds=${5:-2}
exec > >(tee -a "$OUT/log.txt") 2>&1
export PATH=/usr/local/cuda/bin:$PATH
nvidia-smi --query-gpu=name,clocks.max.sm,power.limit,driver_version --format=csv,noheader
bash scripts/build_mma_roof_probe.sh /tmp/probe || exit 1
cuobjdump -sass /tmp/probe |
  awk '/Function : .*mma_fill_mc_rs_roof/{f=1; next} /Function : /{f=0} f' |
  grep -E 'HGMMA|LDSM|WARPGROUP' > "$OUT/sass_rs.txt"
echo "rs kernel SASS: $(grep -c HGMMA "$OUT/sass_rs.txt") HGMMA, $(grep -c LDSM "$OUT/sass_rs.txt") LDSM," \
  "$(grep -c 'WARPGROUP.DEPBAR\|WARPGROUP.ARRIVE' "$OUT/sass_rs.txt") warpgroup fences/waits"
variants=mma_fill_mc,mma_fill_mc_promote,mma_fill_mc_promote_rs
: > "$OUT/probe.jsonl"
for r in $(seq "$rounds"); do
  /tmp/probe "$m" "$n" "$k" "$samples" "$variants" | tee -a "$OUT/probe.jsonl"
done
ncu_bin=$(command -v ncu || ls /opt/nvidia/nsight-compute/*/ncu 2>/dev/null | head -1)
[[ -n $ncu_bin ]] || { echo "ncu not found"; exit 3; }
metrics=gpu__time_duration.sum,sm__cycles_elapsed.avg,smsp__inst_executed.sum
metrics+=,l1tex__data_bank_reads.sum,l1tex__data_bank_writes.sum
metrics+=,l1tex__data_bank_reads.avg.pct_of_peak_sustained_elapsed
metrics+=,l1tex__data_bank_writes.avg.pct_of_peak_sustained_elapsed
metrics+=,l1tex__data_pipe_lsu_wavefronts_mem_shared.sum
metrics+=,sm__pipe_tensor_op_gmma_cycles_active.avg.pct_of_peak_sustained_elapsed
metrics+=,sm__inst_executed_pipe_tensor_op_gmma.sum
: > "$OUT/ncu.csv"
for v in mma mma_promote mma_fill_mc mma_fill_mc_promote mma_fill_mc_promote_rs; do
  echo "== $v" >> "$OUT/ncu.csv"
  "$ncu_bin" --clock-control none --kernel-name regex:roof --launch-skip 3 --launch-count 1 \
    --metrics "$metrics" --csv --page raw /tmp/probe "$m" "$n" "$k" 1 "$v" 2> /tmp/ncu_err.log |
    grep -v '^==' >> "$OUT/ncu.csv" || tail -3 /tmp/ncu_err.log
  echo "ncu $v done"
done
python3 - "$OUT/ncu.csv" <<'EOF'
import csv, sys
name = None
rows = {}
lines = open(sys.argv[1]).read().splitlines()
i = 0
while i < len(lines):
    if lines[i].startswith("== "):
        name = lines[i][3:]; i += 1
        block = [l for l in lines[i:i + 3] if l and not l.startswith("==")]
        if len(block) >= 3:
            head, _units, vals = list(csv.reader(block[:3]))
            rows[name] = dict(zip(head, vals))
        i += 3
    else:
        i += 1
keys = ["gpu__time_duration.sum", "sm__cycles_elapsed.avg", "l1tex__data_bank_reads.sum",
        "l1tex__data_bank_writes.sum", "l1tex__data_bank_reads.avg.pct_of_peak_sustained_elapsed",
        "l1tex__data_bank_writes.avg.pct_of_peak_sustained_elapsed",
        "sm__pipe_tensor_op_gmma_cycles_active.avg.pct_of_peak_sustained_elapsed"]
for n, r in rows.items():
    print(n, " ".join(f"{k.split('.')[0].split('__')[-1]}{'%' if 'pct' in k else ''}={r.get(k, '?')}" for k in keys))
EOF
