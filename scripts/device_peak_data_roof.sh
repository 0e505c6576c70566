#!/usr/bin/env bash
# Issue 10's peak goal (4096 x 7168 x 16384 >= 1550 TFLOPS, call protocol) against the roofs of
# the GEMM's own K loop on the GEMM's own data, in one device call. The tensor-core probe
# (scripts/mma_roof_probe.cu) drew uniform e4m3 codes, which hold the card at ~1680 MHz where the
# GEMM, timed on normal inputs, runs at ~1900 (PERF_LOG session 42: "its TFLOPS are no bound on
# the GEMM's"). Here every round times, in a rotating order:
#   - the probe's rings on uniform and on normal codes (DATA), each run interleaving sample by
#     sample: the MMAs alone (mma), the multicast ring unpromoted (mma_fill_mc) and promoted
#     (mma_fill_mc_promote: the GEMM's bm256 K loop on L2-resident data), and the promoted ring
#     fed from the problem's own 180 MB footprint in the GEMM's tile order
#     (mma_fill_mc_promote_hbm_rn8: the GEMM's K loop, HBM and L2 misses, no epilogue, no scale
#     loads, no tensor maps);
#   - the table's pick with `gemmtune run --timing call --clock-per-sample` (normal inputs, the
#     default);
#   - DeepGEMM (scripts/dg_sustained.py, torch.randn inputs, the anchors' protocol).
# A ring that does a strict subset of the GEMM's work on the GEMM's data bounds what that K loop
# can reach; scripts/peak_data_roof_summary.py tabulates µs, TFLOPS, SM clock and cycles.
#   usage: GEMMTUNE_GIT_REV=<rev> [GEMMTUNE_ROUNDS=3] bash scripts/device_peak_data_roof.sh [CONFIG]
#   carry: .devdeps .anchors (.dgcache to skip DeepGEMM's JIT). Writes $OUT/log.txt,
#   $OUT/rounds.jsonl (one line per probe variant, gemmtune run and DeepGEMM run, with its round
#   and place in the order), $OUT/summary.md.
set -uo pipefail
OUT=${OUT:-/tmp/gemmtune-device}
mkdir -p "$OUT"
config=${1:-bm256_bn128_s3_mcA_sm132_rN8_sk1_k16384}
m=4096 n=7168 k=16384 iters=30
rounds=${GEMMTUNE_ROUNDS:-3}
variants=mma,mma_fill_mc,mma_fill_mc_promote,mma_fill_mc_promote_hbm_rn8
exec > >(tee -a "$OUT/log.txt") 2>&1
source scripts/device_common.sh
deepgemm_build_start
(bash scripts/build_mma_roof_probe.sh /tmp/probe > /tmp/probe_build.log 2>&1; echo "probe build rc=$?" >> /tmp/probe_build.log) &
probe_pid=$!
gemmtune_build
deepgemm_build_wait
wait "$probe_pid"; tail -1 /tmp/probe_build.log
[[ -x /tmp/probe ]] || { stamp "probe build failed"; cat /tmp/probe_build.log; exit 1; }
devbuild/gemmtune compile --config "$config" > /dev/null || { stamp "compile of $config failed"; exit 1; }
python3 scripts/dg_sustained.py "$m" "$n" "$k" 3 > /dev/null || { stamp "DeepGEMM warm call failed"; exit 1; }
stamp "built; $rounds rounds"
: > "$OUT/rounds.jsonl"
# record ROUND PLACE SIDE JSON_LINE: one line of rounds.jsonl (the side's own JSON, tagged).
record() {
  python3 -c 'import json,sys; d=json.loads(sys.argv[4]); d.update(round=int(sys.argv[1]), place=int(sys.argv[2]), side=sys.argv[3]); print(json.dumps(d))' \
    "$1" "$2" "$3" "$4" >> "$OUT/rounds.jsonl" || echo "round $1: $3 gave no JSON"
}
step() {  # ROUND PLACE NAME: one timed run of side NAME
  local r=$1 place=$2 name=$3 line
  case $name in
    probe_uniform|probe_normal)
      timeout 120 /tmp/probe "$m" "$n" "$k" "$iters" "$variants" "${name#probe_}" > /tmp/probe.out 2>&1 \
        || { echo "round $r: $name failed"; tail -3 /tmp/probe.out; }
      while read -r line; do [[ $line == '{'* ]] && record "$r" "$place" "$name" "$line"; done < /tmp/probe.out ;;
    gemmtune)
      line=$(timeout 120 devbuild/gemmtune --log-level warn run --m "$m" --n "$n" --k "$k" --config "$config" \
               --timing call --iters "$iters" --clock-per-sample --baseline-timing none --json 2>/tmp/gt.err)
      [[ -n $line ]] && record "$r" "$place" gemmtune "$(echo "$line" | tr -d '\n')" || { echo "round $r: gemmtune failed"; tail -3 /tmp/gt.err; } ;;
    deepgemm)
      line=$(timeout 120 python3 scripts/dg_sustained.py "$m" "$n" "$k" "$iters" normal --clock-per-sample 2>/tmp/dg.err)
      [[ -n $line ]] && record "$r" "$place" deepgemm "$line" || { echo "round $r: DeepGEMM failed"; tail -3 /tmp/dg.err; } ;;
  esac
  sleep 2  # each side starts from the same settled card
}
sides=(probe_uniform probe_normal gemmtune deepgemm)
for (( r = 1; r <= rounds; r++ )); do
  for (( i = 0; i < ${#sides[@]}; i++ )); do
    place=$(( (i + r - 1) % ${#sides[@]} ))
    step "$r" "$i" "${sides[$place]}"
  done
  stamp "round $r done"
done
python3 scripts/peak_data_roof_summary.py "$OUT/rounds.jsonl" | tee "$OUT/summary.md"
