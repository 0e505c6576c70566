#!/usr/bin/env bash
# Issue 10's peak goal (4096 x 7168 x 16384 >= 1550 TFLOPS, call protocol) against the roofs of
# the GEMM's own K loop on the GEMM's own data, in one device call, and each side's clock read
# inside its kernel where it can be (session 52 found that the probe's ~1650 MHz and the GEMM's
# ~1950 were read inside and after the kernel respectively; Nsight's counters on the plain
# kernels: scripts/lab/device_peak_clock_ncu.sh). Every round times, in a rotating order:
#   - the probe's rings on uniform and on normal codes (DATA), each run interleaving sample by
#     sample: the MMAs alone (mma), the multicast ring unpromoted (mma_fill_mc) and promoted
#     (mma_fill_mc_promote: the GEMM's bm256 K loop on L2-resident data), and the promoted ring
#     fed from the problem's own 180 MB footprint in the GEMM's tile order
#     (mma_fill_mc_promote_hbm_rn8: the GEMM's K loop, HBM and L2 misses, no epilogue, no scale
#     loads, no tensor maps);
#   - the table's pick with `gemmtune run --timing call --clock-per-sample` (normal inputs, the
#     default);
#   - DeepGEMM (scripts/lab/dg_sustained.py, torch.randn inputs, the anchors' protocol).
# GEMMTUNE_SIDES (space-separated) replaces that list of sides; each is one of
#   probe:VARIANTS:DATA   the probe on the listed variants (comma-separated) and DATA;
#   gemmtune              the pick, its SM clock read after every sample (a 20 µs probe kernel);
#   gemmtune_inkernel     the same with the tile profile's clock read inside the kernel too
#                         (GEMMTUNE_TILE_PROFILE, CTA 0 prints its cycles and globaltimer span
#                         per launch: the clock while the GEMM runs, as the probe reads its own);
#   deepgemm.
# Why the two clocks: session 21 read CTA 0's clock inside capped GEMMs at ~1700 MHz at a
# burst's start, session 24 read ~1980 after every sample's kernel at a burst's start.
# The hooked kernel runs ~28% slower (its end-of-launch wait and printf): read its clocks, not its
# time. scripts/lab/peak_data_roof_summary.py tabulates µs, TFLOPS, both clocks and cycles.
#   usage: GEMMTUNE_GIT_REV=<rev> [GEMMTUNE_ROUNDS=3] [GEMMTUNE_ROW="M N K"] \
#            bash scripts/lab/device_peak_data_roof.sh [CONFIG]
#   GEMMTUNE_ROW: another problem than the peak row (CONFIG must be legal for it).
#   carry: .devdeps .anchors (.dgcache to skip DeepGEMM's JIT). Writes $OUT/log.txt,
#   $OUT/rounds.jsonl (one line per probe variant, gemmtune run and DeepGEMM run, with its round
#   and place in the order), $OUT/summary.md.
set -uo pipefail
OUT=${OUT:-/tmp/gemmtune-device}
mkdir -p "$OUT"
config=${1:-bm256_bn128_s3_mcA_sm132_rN8_sk1_k16384}
read -r m n k <<< "${GEMMTUNE_ROW:-4096 7168 16384}"
iters=30
rounds=${GEMMTUNE_ROUNDS:-3}
variants=mma,mma_fill_mc,mma_fill_mc_promote,mma_fill_mc_promote_hbm_rn8
read -r -a sides <<< "${GEMMTUNE_SIDES:-probe:$variants:uniform probe:$variants:normal gemmtune deepgemm}"
inkernel_defines="GEMMTUNE_TILE_PROFILE=1 GEMMTUNE_TILE_PROFILE_CTAS=1"
# Build and warm only what the sides use (each costs device time).
wants() { [[ " ${sides[*]} " == *" $1"* ]]; }
exec > >(tee -a "$OUT/log.txt") 2>&1
source scripts/device_common.sh
wants deepgemm && deepgemm_build_start
if wants probe:; then
  (bash scripts/lab/build_mma_roof_probe.sh /tmp/probe > /tmp/probe_build.log 2>&1; echo "probe build rc=$?" >> /tmp/probe_build.log) &
  probe_pid=$!
fi
gemmtune_build
wants deepgemm && deepgemm_build_wait
if wants probe:; then
  wait "$probe_pid"; tail -1 /tmp/probe_build.log
  [[ -x /tmp/probe ]] || { stamp "probe build failed"; cat /tmp/probe_build.log; exit 1; }
fi
devbuild/gemmtune compile --config "$config" > /dev/null || { stamp "compile of $config failed"; exit 1; }
if wants gemmtune_inkernel; then
  GEMMTUNE_KERNEL_DEFINES="$inkernel_defines" devbuild/gemmtune compile --config "$config" > /dev/null \
    || { stamp "compile of the hooked $config failed"; exit 1; }
fi
if wants deepgemm; then
  python3 scripts/lab/dg_sustained.py "$m" "$n" "$k" 3 > /dev/null || { stamp "DeepGEMM warm call failed"; exit 1; }
fi
stamp "built; $rounds rounds"
: > "$OUT/rounds.jsonl"
# record ROUND PLACE SIDE JSON_LINE: one line of rounds.jsonl (the side's own JSON, tagged).
record() {
  python3 -c 'import json,sys; d=json.loads(sys.argv[4]); d.update(round=int(sys.argv[1]), place=int(sys.argv[2]), side=sys.argv[3]); print(json.dumps(d))' \
    "$1" "$2" "$3" "$4" >> "$OUT/rounds.jsonl" || echo "round $1: $3 gave no JSON"
}
# The JSON document of a gemmtune run, with the timed launches' in-kernel clocks (the last ITERS
# "TP cta 0" lines: validation and warm-ups print first) where the hook printed them.
tp_clocks_py=$(cat <<'PY'
import json, sys
sys.path.insert(0, "scripts")
from tile_profile_summary import parse_tp  # the one reader of the hook's TP lines
lines = sys.stdin.read().splitlines()
cta0 = [c for c in map(parse_tp, (l for l in lines if l.startswith("TP "))) if c["cta"] == 0]
doc = json.loads("\n".join(l for l in lines if not l.startswith("TP")))
if cta0:
    doc["inkernel_mhz"] = [1e3 * c["total"] / max(c["end_ns"] - c["start_ns"], 1) for c in cta0[-int(sys.argv[1]):]]
print(json.dumps(doc))
PY
)
step() {  # ROUND PLACE NAME: one timed run of side NAME
  local r=$1 place=$2 name=$3 line
  case $name in
    probe:*)
      IFS=: read -r _ pv pd <<< "$name"
      timeout 120 /tmp/probe "$m" "$n" "$k" "$iters" "$pv" "$pd" > /tmp/probe.out 2>&1 \
        || { echo "round $r: $name failed"; tail -3 /tmp/probe.out; }
      while read -r line; do [[ $line == '{'* ]] && record "$r" "$place" "$name" "$line"; done < /tmp/probe.out ;;
    gemmtune|gemmtune_inkernel)
      local defines=""
      [[ $name == gemmtune_inkernel ]] && defines=$inkernel_defines
      GEMMTUNE_KERNEL_DEFINES="$defines" timeout 120 devbuild/gemmtune --log-level warn run --m "$m" --n "$n" \
        --k "$k" --config "$config" --timing call --iters "$iters" --clock-per-sample --baseline-timing none \
        --json > /tmp/gt.out 2>/tmp/gt.err || { echo "round $r: $name failed"; tail -3 /tmp/gt.err; }
      line=$(python3 -c "$tp_clocks_py" "$iters" < /tmp/gt.out)
      [[ -n $line ]] && record "$r" "$place" "$name" "$line" || echo "round $r: $name gave no JSON" ;;
    deepgemm)
      line=$(timeout 120 python3 scripts/lab/dg_sustained.py "$m" "$n" "$k" "$iters" normal --clock-per-sample 2>/tmp/dg.err)
      [[ -n $line ]] && record "$r" "$place" deepgemm "$line" || { echo "round $r: DeepGEMM failed"; tail -3 /tmp/dg.err; } ;;
  esac
  sleep 2  # each side starts from the same settled card
}
for (( r = 1; r <= rounds; r++ )); do
  for (( i = 0; i < ${#sides[@]}; i++ )); do
    place=$(( (i + r - 1) % ${#sides[@]} ))
    step "$r" "$i" "${sides[$place]}"
  done
  stamp "round $r done"
done
python3 scripts/lab/peak_data_roof_summary.py "$OUT/rounds.jsonl" | tee "$OUT/summary.md"
