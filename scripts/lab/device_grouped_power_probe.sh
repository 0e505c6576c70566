#!/usr/bin/env bash
# The grouped rows at the 700 W cap: does DeepGEMM win there by a higher SM clock (less energy per
# K block) or by fewer cycles? Per round, DeepGEMM's grouped GEMM (.anchors/dg_grouped.py) and then
# gemmtune's pick each run ITERS calls in a row with the "call" protocol, while nvidia-smi samples
# SM clock and power every 50 ms. Per phase: the median µs, the mean clock and power over the
# samples drawing more than POWER_FLOOR_W (the GEMMs, not the set-up around them), and cycles per
# call (µs x MHz). The grouped sibling of scripts/lab/device_power_probe.sh (dense).
#   usage: GEMMTUNE_GIT_REV=<rev> bash scripts/lab/device_grouped_power_probe.sh PROBLEMS.json LABEL \
#            N CONFIG [CONFIG...]      (the problem of PROBLEMS.json with that label and N)
#   Env: GEMMTUNE_ROUNDS (default 2), GEMMTUNE_PROBE_ITERS (default 3000), POWER_FLOOR_W
#   (default 400), GEMMTUNE_PROBE_GAPS_US (default "0": each config runs once per gap, with
#   `run --sample-gap-us`, an idle host gap after each call), GEMMTUNE_PROBE_VARIANTS ("NAME=DEFINES
#   ...": each config also runs as each kernel variant, GEMMTUNE_KERNEL_DEFINES; default the
#   kernel as built). carry: .devdeps .anchors .dgcache.
#   Writes $OUT/log.txt (two summaries: over the samples above the floor, and over each phase's
#   second half, the steady state when phases are long), $OUT/smi.csv (with instant power and
#   the clock-event reasons), $OUT/phases.jsonl.
set -uo pipefail
OUT=${OUT:-/tmp/gemmtune-device}
mkdir -p "$OUT"
problems=$1 label=$2 n=$3
shift 3
iters=${GEMMTUNE_PROBE_ITERS:-3000}
exec > >(tee -a "$OUT/log.txt") 2>&1
source scripts/device_common.sh
deepgemm_build_start
gemmtune_build
deepgemm_build_wait
python3 - "$problems" "$label" "$n" /tmp/probe_problem.json <<'PY'
import json, sys
src, label, n, out = sys.argv[1:]
ps = [p for p in json.load(open(src))["problems"] if p["label"] == label and p["n"] == int(n)]
if len(ps) != 1:
    sys.exit(f"device_grouped_power_probe: {len(ps)} problems labelled {label} with N {n} in {src}")
json.dump({"problems": ps}, open(out, "w"))
PY
[[ -s /tmp/probe_problem.json ]] || exit 2
read -r layout k groups max_m < <(python3 -c 'import json; p=json.load(open("/tmp/probe_problem.json"))["problems"][0]; print(p["layout"], p["k"], ",".join(map(str, p["ms"])), p.get("max_m", 0))')
extra=(); [[ $layout == masked ]] && extra=(--max-m "$max_m")
read -r -a variants <<< "${GEMMTUNE_PROBE_VARIANTS:-=}"
for c in "$@"; do
  for v in "${variants[@]}"; do
    GEMMTUNE_KERNEL_DEFINES=${v#*=} devbuild/gemmtune compile --config "$c" > /dev/null 2>&1
  done
done
python3 .anchors/dg_grouped.py /tmp/probe_problem.json /tmp/dg_warm.jsonl --iters 3 > /dev/null 2>&1  # JIT
nvidia-smi --query-gpu=timestamp,clocks.sm,power.draw,temperature.gpu,power.draw.instant,clocks_event_reasons.active --format=csv,noheader,nounits -lms 50 > "$OUT/smi.csv" &
smi_pid=$!
: > "$OUT/phases.jsonl"
phase() {  # name reader command...; the reader prints the median µs and the loop's period µs
  local name=$1 reader=$2; shift 2
  local t0 t1 us period
  t0=$(date +%s.%N)
  "$@" > /tmp/phase.out 2> /tmp/phase.err
  t1=$(date +%s.%N)
  read -r us period < <(python3 -c "$reader" < /tmp/phase.out 2>/dev/null)
  echo "{\"phase\": \"$name\", \"t0\": $t0, \"t1\": $t1, \"median_us\": ${us:-null}, \"period_us\": ${period:-null}}" >> "$OUT/phases.jsonl"
  echo "$name: ${us:-failed} us"; [[ -n $us ]] || tail -3 /tmp/phase.err
  sleep 2  # let the card settle between phases
}
# NOTE: dg_grouped.py appends to its output: the phase's record is the file's last line.
dg_reader='import json; print(json.loads(open("/tmp/dg_probe.jsonl").read().splitlines()[-1])["dg_us"], json.load(open("/tmp/dg_period.json"))["bursts"][-1]["period_us"])'
gt_reader='import json,sys; d=json.loads(sys.stdin.read()); m=[x for x in d["measurements"] if x.get("kind","gemmtune")=="gemmtune"]; print(m[0]["timing"]["median_us"], m[0]["timing"].get("sample_period_us", "null"))'
for (( round = 1; round <= ${GEMMTUNE_ROUNDS:-2}; round++ )); do
  phase "deepgemm#$round" "$dg_reader" python3 scripts/dg_sample_period.py /tmp/dg_period.json \
    .anchors/dg_grouped.py /tmp/probe_problem.json /tmp/dg_probe.jsonl --iters "$iters"
  for c in "$@"; do
    for v in "${variants[@]}"; do
      for gap in ${GEMMTUNE_PROBE_GAPS_US:-0}; do
        tag=$c; [[ -n ${v%%=*} ]] && tag="$c+${v%%=*}"; [[ $gap != 0 ]] && tag="$tag+gap${gap}us"
        GEMMTUNE_KERNEL_DEFINES=${v#*=} phase "$tag#$round" "$gt_reader" devbuild/gemmtune --log-level warn \
          run --layout "grouped_$layout" --group-m "$groups" "${extra[@]}" --n "$n" --k "$k" --config "$c" \
          --timing call --iters "$iters" --warmup 3 --baseline-timing none --sample-gap-us "$gap" --json
      done
    done
  done
done
kill "$smi_pid"
echo "every sample above ${POWER_FLOOR_W:-400} W (each phase's warm-up included):"
python3 scripts/lab/power_probe_summary.py "$OUT/phases.jsonl" "$OUT/smi.csv" --floor-w "${POWER_FLOOR_W:-400}"
# NOTE: 3000-call phases last ~2.5 s, while the card warms by ~15 C: their means mix the ramp
# and each harness's set-up (PERF_LOG session 31, 1257 against 1302). With long phases
# (GEMMTUNE_PROBE_ITERS=15000) the second half of each is the steady state to compare.
echo "steady state (the second half of each phase; meaningful with long phases):"
python3 scripts/lab/power_probe_summary.py "$OUT/phases.jsonl" "$OUT/smi.csv"
