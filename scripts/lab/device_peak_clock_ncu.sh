#!/usr/bin/env bash
# The SM clock while the peak row's kernels run, read by Nsight Compute from the unmodified
# kernels: each launch's elapsed SM cycles over its duration (clocks left free,
# --clock-control none), with the tensor pipe's busy share. Why: the tile-profile hook reads
# the clock inside the GEMM (cycles over globaltimer) at ~1680 MHz where the after-sample probe
# of the same run reads ~1980, but the hook makes the kernel ~28% slower (session 52 call 2);
# Nsight Compute's counters read the plain kernel, gemmtune's pick and DeepGEMM's alike, so
# their cycles a call compare. Each side runs its usual 30-sample protocol (the flush between
# samples; Nsight serializes launches, so the gaps between samples are longer than in a timed
# burst).
#   usage: GEMMTUNE_GIT_REV=<rev> [GEMMTUNE_REUSE_BUILD=1] [GEMMTUNE_NCU_PROBE=1|"VARIANT..."] \
#            [GEMMTUNE_NCU_SKIP_DEEPGEMM=1] bash scripts/lab/device_peak_clock_ncu.sh [M N K CONFIG...]
#   Default: the peak row and its pick. GEMMTUNE_NCU_PROBE=1 adds the probe's `mma` (MMAs alone);
#   a list of the probe's variants (e.g. "mma mma_fill_mc") adds each, on normal data.
#   CONFIG@DEFINES (comma-separated GEMMTUNE_KERNEL_DEFINES, may be empty: `CONFIG@`) profiles
#   `run --profile --profile-launches 30` instead of the timed run: 30 launches behind the same
#   flush, no validation, so a diagnostic hook whose output is wrong by design (e.g.
#   GEMMTUNE_NO_PROMOTE=1) can be read; compare such a line with `CONFIG@`, the same mode.
#   carry: .devdeps .anchors (.dgcache). Appends to $OUT/ncu_log.txt, $OUT/ncu.csv (every
#   profiled launch) and $OUT/ncu_summary.md (per row and side: the launches longer than 400 µs,
#   median µs, clock and cycles), so that one call can profile several rows.
set -uo pipefail
OUT=${OUT:-/tmp/gemmtune-device}
mkdir -p "$OUT"
if (( $# >= 4 )); then m=$1 n=$2 k=$3; shift 3; configs=("$@")
else m=4096 n=7168 k=16384; configs=(bm256_bn128_s3_mcA_sm132_rN8_sk1_k16384); fi
row="$m x $n x $k"
exec > >(tee -a "$OUT/ncu_log.txt") 2>&1
source scripts/device_common.sh
deepgemm_build_start
gemmtune_build
deepgemm_build_wait
probe_variants=${GEMMTUNE_NCU_PROBE:-0}
[[ $probe_variants == 1 ]] && probe_variants=mma
[[ $probe_variants == 0 ]] && probe_variants=
if [[ -n $probe_variants && ! -x /tmp/probe ]]; then
  if [[ ${GEMMTUNE_REUSE_BUILD:-0} == 1 && -x devbuild/mma_roof_probe ]]; then
    cp devbuild/mma_roof_probe /tmp/probe  # staged by scripts/stage_device_build.sh
  else
    bash scripts/lab/build_mma_roof_probe.sh /tmp/probe || exit 1
  fi
fi
ncu_bin=$(command -v ncu || ls /opt/nvidia/nsight-compute/*/ncu /usr/local/cuda/bin/ncu 2>/dev/null | head -1)
[[ -n $ncu_bin ]] || { stamp "ncu not found"; exit 3; }
metrics=gpu__time_duration.sum,sm__cycles_elapsed.avg,sm__cycles_elapsed.avg.per_second
csv="/tmp/ncu_${m}_${n}_${k}.csv"
: > "$csv"
profile() {  # SIDE KERNEL_REGEX COMMAND...: every matching launch of COMMAND, one CSV block
  local side=$1 regex=$2; shift 2
  echo "== $side" >> "$csv"
  timeout 300 "$ncu_bin" --clock-control none --cache-control none --kernel-name "regex:$regex" \
    --metrics "$metrics" --csv --page raw "$@" 2> /tmp/ncu_err.log | grep '^"' >> "$csv" \
    || { echo "ncu $side failed"; tail -3 /tmp/ncu_err.log; }
  stamp "ncu $side done"
}
if [[ ${GEMMTUNE_NCU_SKIP_DEEPGEMM:-0} != 1 ]]; then
  python3 scripts/lab/dg_sustained.py "$m" "$n" "$k" 3 > /dev/null  # DeepGEMM's JIT, unprofiled
fi
for entry in "${configs[@]}"; do
  config=${entry%%@*}
  if [[ $entry == *@* ]]; then  # the profiled range: 30 launches behind the flush, unvalidated
    defines=${entry#*@}
    GEMMTUNE_KERNEL_DEFINES=${defines//,/ } devbuild/gemmtune compile --config "$config" > /dev/null
    GEMMTUNE_KERNEL_DEFINES=${defines//,/ } profile "gemmtune $config profiled [${defines:-no hook}]" \
      sm90_fp8_gemm_1d2d --profile-from-start off devbuild/gemmtune --log-level warn run --m "$m" \
      --n "$n" --k "$k" --config "$config" --timing call --profile --profile-launches 30
    continue
  fi
  devbuild/gemmtune compile --config "$config" > /dev/null
  profile "gemmtune $config" sm90_fp8_gemm_1d2d devbuild/gemmtune --log-level warn run --m "$m" --n "$n" \
    --k "$k" --config "$config" --timing call --iters 30 --baseline-timing none --json
done
if [[ ${GEMMTUNE_NCU_SKIP_DEEPGEMM:-0} != 1 ]]; then
  profile deepgemm sm90_fp8_gemm_1d2d python3 scripts/lab/dg_sustained.py "$m" "$n" "$k" 30 normal
fi
for variant in $probe_variants; do
  profile "probe $variant (normal)" roof /tmp/probe "$m" "$n" "$k" 30 "$variant" normal
done
{ echo "== row $row"; cat "$csv"; } >> "$OUT/ncu.csv"
python3 - "$csv" "$row" <<'PY' | tee -a "$OUT/ncu_summary.md"
import csv, statistics, sys
# A side listed twice (an A/B repeated to see the order's drift) has a block per run: its
# launches are pooled, and the medians of each run are listed too.
blocks, side = {}, None
for line in open(sys.argv[1]):
    if line.startswith("== "):
        side = line[3:].strip(); blocks.setdefault(side, []).append([]); continue
    blocks[side][-1].append(line)
print(f"\n{sys.argv[2]}\n")
print("| side | launches > 400 µs | µs | SM MHz in the kernel | kcycles a call | µs of each run |")
print("|---|--:|--:|--:|--:|---|")
def long_launches(lines):  # [(µs, MHz, kcycles)] of the launches longer than 400 µs
    rows = list(csv.reader(lines))
    if len(rows) < 3:
        return []
    head, units, data = rows[0], rows[1], rows[2:]
    col = {h: i for i, h in enumerate(head)}
    def val(r, name):
        return float(r[col[name]].replace(",", ""))
    scale = {"ns": 1e-3, "nsecond": 1e-3, "us": 1.0, "usecond": 1.0, "ms": 1e3, "msecond": 1e3}[units[col["gpu__time_duration.sum"]]]
    hz = {"hz": 1e-6, "khz": 1e-3, "mhz": 1.0, "ghz": 1e3}[units[col["sm__cycles_elapsed.avg.per_second"]].lower()]
    out = [(val(r, "gpu__time_duration.sum") * scale, val(r, "sm__cycles_elapsed.avg.per_second") * hz,
            val(r, "sm__cycles_elapsed.avg") * 1e-3) for r in data]
    return [x for x in out if x[0] > 400]
for side, runs in blocks.items():
    per_run = [long_launches(lines) for lines in runs]
    pooled = [x for run in per_run for x in run]
    if not pooled:
        print(f"| {side} | 0 | | | | |"); continue
    med = lambda i, xs: statistics.median(x[i] for x in xs)
    each = ", ".join(f"{med(0, run):.1f}" for run in per_run if run)
    print(f"| {side} | {len(pooled)} | {med(0, pooled):.1f} | {med(1, pooled):.0f} | {med(2, pooled):.0f} | {each} |")
PY
