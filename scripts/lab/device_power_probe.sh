#!/usr/bin/env bash
# Issue 10, the power cap: is DeepGEMM faster on large problems because it runs at a higher SM
# clock under the 700 W cap (less energy per GEMM) or because it does more per clock? Each side
# runs ITERS calls in a row with the "call" protocol while nvidia-smi samples SM clock and power
# every 50 ms; per phase: median µs, mean clock, mean power, and cycles per call (µs x MHz).
#   usage: GEMMTUNE_GIT_REV=<rev> bash scripts/lab/device_power_probe.sh M N K ITERS CONFIG...
#   Env: GEMMTUNE_ROUNDS (default 2), GEMMTUNE_PHASE_GAP_S (idle between phases, default 2; 0 is
#   the comparisons' back-to-back protocol, ITERS 30 their burst).
#   GEMMTUNE_MMA_ROOF=1: each round also runs scripts/lab/mma_roof_probe.cu's two variants (the
#   tensor cores' roof for M x N x K: the GEMM's MMAs alone, and with its promotion) as phases,
#   from devbuild/mma_roof_probe (scripts/stage_device_build.sh) or built here with nvcc.
#   carry: .devdeps .anchors. Writes $OUT/log.txt, $OUT/smi.csv (with instant power and the
#   clock-event reasons), $OUT/phases.jsonl (with each loop's period per sample).
set -uo pipefail
OUT=${OUT:-/tmp/gemmtune-device}
mkdir -p "$OUT"
m=$1 n=$2 k=$3 iters=$4
shift 4
exec > >(tee -a "$OUT/log.txt") 2>&1
source scripts/device_common.sh
deepgemm_build_start
gemmtune_build
deepgemm_build_wait
for c in "$@"; do devbuild/gemmtune compile --config "$c" > /dev/null 2>&1; done
python3 scripts/lab/dg_sustained.py "$m" "$n" "$k" 5 > /dev/null 2>&1  # DeepGEMM's JIT, untimed
nvidia-smi --query-gpu=timestamp,clocks.sm,power.draw,temperature.gpu,power.draw.instant,clocks_event_reasons.active --format=csv,noheader,nounits -lms 50 > "$OUT/smi.csv" &
smi_pid=$!
: > "$OUT/phases.jsonl"
phase() {  # name command...: runs it, records wall-clock start/end and its output's median
  local name=$1; shift
  local t0; t0=$(date +%s.%N)
  local out; out=$("$@" 2>/tmp/phase.err)
  local t1; t1=$(date +%s.%N)
  # The median µs and the loop's period per sample (run's timing.sample_period_us, or
  # dg_sustained.py's period_us): at the cap the idle share of that period moves the clock.
  local us period
  read -r us period < <(echo "$out" | python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); ms=[x for x in d.get("measurements",[d]) if x.get("kind","gemmtune")=="gemmtune"]; t=ms[0].get("timing", ms[0]); print(t["median_us"], t.get("sample_period_us", t.get("period_us", "null")))' 2>/dev/null)
  echo "{\"phase\": \"$name\", \"t0\": $t0, \"t1\": $t1, \"median_us\": ${us:-null}, \"period_us\": ${period:-null}}" >> "$OUT/phases.jsonl"
  echo "$name: ${us:-failed} us"; [[ -n $us ]] || tail -3 /tmp/phase.err
  sleep "${GEMMTUNE_PHASE_GAP_S:-2}"  # let the card settle between phases
}
roof_probe=devbuild/mma_roof_probe
if [[ ${GEMMTUNE_MMA_ROOF:-0} == 1 && ! -x $roof_probe ]]; then
  roof_probe=/tmp/mma_roof_probe
  bash scripts/lab/build_mma_roof_probe.sh "$roof_probe"
fi
for (( round = 1; round <= ${GEMMTUNE_ROUNDS:-2}; round++ )); do
  if [[ ${GEMMTUNE_MMA_ROOF:-0} == 1 ]]; then
    phase "mma_roof#$round" "$roof_probe" "$m" "$n" "$k" "$iters" mma
    phase "mma_roof_promote#$round" "$roof_probe" "$m" "$n" "$k" "$iters" mma_promote
  fi
  phase "deepgemm#$round" python3 scripts/lab/dg_sustained.py "$m" "$n" "$k" "$iters"
  for c in "$@"; do
    phase "$c#$round" devbuild/gemmtune --log-level warn run --m "$m" --n "$n" --k "$k" --config "$c" \
      --timing call --iters "$iters" --warmup 3 --json
  done
done
kill "$smi_pid"
python3 scripts/lab/power_probe_summary.py "$OUT/phases.jsonl" "$OUT/smi.csv"
