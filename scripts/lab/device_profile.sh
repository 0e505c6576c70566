#!/usr/bin/env bash
# One device call profiling kernel variants with Nsight Compute: for each (variant, shape, config)
# one launch (`gemmtune run --profile`) under ncu with the sections that explain a mainloop (tensor
# pipe use, issue stalls, shared-memory and L2 traffic), plus the SASS of the cached cubin with
# per-instruction stall samples. Clocks are left free (--clock-control none): the card is
# power-capped and the question is how the kernel behaves at the clocks it really gets.
#   usage: bash scripts/lab/device_profile.sh LIST_FILE VARIANT...   (LIST_FILE lines: M N K CONFIG)
#   Writes under $OUT: profile_<variant>.txt (ncu details per config) and sass_<variant>.txt
#   (the hottest SASS lines of each config's mainloop, by stall samples).
set -uo pipefail
list=$1
shift
OUT=${OUT:-/tmp/gemmtune-device}
mkdir -p "$OUT"
ncu_bin=$(command -v ncu || ls /usr/local/cuda/bin/ncu /opt/nvidia/nsight-compute/*/ncu 2>/dev/null | head -1)
if [[ -z $ncu_bin ]]; then
  echo "device_profile: error: Nsight Compute (ncu) not found on this machine" >&2
  exit 3
fi
echo "ncu: $ncu_bin ($("$ncu_bin" --version | tail -1))"
metrics=sm__pipe_tensor_cycles_active.avg.pct_of_peak_sustained_active
metrics+=,sm__cycles_elapsed.avg.per_second,sm__cycles_active.avg,gpc__cycles_elapsed.max
metrics+=,smsp__inst_executed.sum,smsp__issue_active.avg.pct_of_peak_sustained_active
metrics+=,l1tex__data_pipe_lsu_wavefronts_mem_shared.sum,lts__t_bytes.sum.per_second
metrics+=,dram__bytes_read.sum.per_second,gpu__time_duration.sum
metrics+=,l1tex__data_bank_conflicts_pipe_lsu_mem_shared_op_gmma.sum,sm__inst_executed_pipe_tensor_op_gmma.sum
for v in "$@"; do
  export GEMMTUNE_CACHE_DIR=/tmp/gemmtune-cache-$v
  : > "$OUT/profile_$v.txt"
  : > "$OUT/sass_$v.txt"
  while read -r m n k config; do
    [[ -z ${m:-} || $m == \#* ]] && continue
    rep=/tmp/prof_${v}_${m}_${n}_${k}_${config}
    "$ncu_bin" --profile-from-start off --clock-control none --kernel-name regex:gemm_1d2d \
      --section SpeedOfLight --section ComputeWorkloadAnalysis --section WarpStateStats \
      --section SchedulerStats --section MemoryWorkloadAnalysis --section SourceCounters \
      --metrics "$metrics" --import-source no -f -o "$rep" \
      "devbuild/$v/gemmtune" --log-level warn run --m "$m" --n "$n" --k "$k" --config "$config" \
      --profile > /tmp/ncu_run.log 2>&1 || { echo "$v $config: ncu failed"; tail -5 /tmp/ncu_run.log; continue; }
    { echo "===== $v $m x $n x $k $config"
      "$ncu_bin" --import "$rep.ncu-rep" --page details --print-units base 2>&1 \
        | grep -vE '^\s*-{5,}|^\s*$' | grep -vE 'OPT |INF |WRN ' | head -150
      "$ncu_bin" --import "$rep.ncu-rep" --page raw --metrics "$metrics" 2>&1 | tail -12
    } >> "$OUT/profile_$v.txt"
    # Per-SASS-instruction view: the 60 instructions with the most stall samples, in address order.
    { echo "===== $v $m x $n x $k $config"
      "$ncu_bin" --import "$rep.ncu-rep" --page source --csv --print-source sass 2>/dev/null \
        > /tmp/src.csv
      python3 - /tmp/src.csv <<'PY' 2>&1
import csv, sys
rows = list(csv.reader(open(sys.argv[1])))
if not rows: sys.exit("no source page")
hdr, body = rows[0], rows[1:]
def num(x):
    try: return float(x.replace(",", ""))
    except ValueError: return 0.0
col = next((i for i, h in enumerate(hdr) if "Sampling" in h and "All" in h), None)
if col is None: col = next((i for i, h in enumerate(hdr) if "Sampling" in h), 2)
print("columns:", " | ".join(hdr))
print("ranked by:", hdr[col], "total", sum(num(r[col]) for r in body if len(r) > col))
top = sorted(range(len(body)), key=lambda i: -num(body[i][col]) if len(body[i]) > col else 0)[:70]
for i in sorted(top): print(" | ".join(body[i]))
PY
      cubin=$(grep -l "_${config}\"" "$GEMMTUNE_CACHE_DIR"/*/*/meta.json 2>/dev/null | head -1 | xargs -r dirname)
      if [[ -n $cubin ]]; then
        cuobjdump --dump-sass "$cubin/kernel.cubin" > /tmp/sass_full.txt 2>&1
        echo "SASS: $(grep -cE '^\s+/\*[0-9a-f]+\*/' /tmp/sass_full.txt) instructions," \
          "QGMMA $(grep -c QGMMA /tmp/sass_full.txt), FSEL $(grep -c FSEL /tmp/sass_full.txt)," \
          "FFMA $(grep -c FFMA /tmp/sass_full.txt), LDL/STL $(grep -cE '\bLDL|\bSTL' /tmp/sass_full.txt)"
        cp /tmp/sass_full.txt "/tmp/sass_${v}_${config}.txt"
      fi
    } >> "$OUT/sass_$v.txt"
  done < "$list"
done
# Full SASS of every profiled config, one archive (the device tool returns at most 8 files).
tar -C /tmp -czf "$OUT/sass_full.tgz" $(cd /tmp && ls sass_*_*.txt 2>/dev/null) 2>/dev/null
ls -la "$OUT"
