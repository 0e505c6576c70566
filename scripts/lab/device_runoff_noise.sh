#!/usr/bin/env bash
# Issue 12's same-pick goal: does compile load move the call-timed samples of short problems,
# and does a lower priority for the compiles keep them as they are idle? Each of the configs
# in ROWS (lines "M N K CONFIG...") is timed in a fresh process (`gemmtune run --timing call
# --clock-per-sample`, 30 samples, no baseline), round by round, under three conditions taken
# in turn each round:
#   idle:      nothing else runs;
#   load:      one `gemmtune compile -j 1` process per core, each compiling the dsv3 kernels
#              into a cold cache of its own (the sweep's CompilerPool runs one compiler process
#              per core);
#   load_nice: the same processes under `nice -n 10`;
#   other_gpu: the node's second GPU busy with a long problem (4096 x 7168 x 16384, call timing,
#              back to back), as in a multi-GPU sweep.
#   usage: [NOISE_CONDS="idle load load_nice other_gpu"] bash scripts/lab/device_runoff_noise.sh ROWS [ROUNDS]
#   (default conditions: idle load load_nice). The timed processes run on GPU 0.
#   Env: GEMMTUNE_REUSE_BUILD=1 with a staged devbuild/. Writes $OUT/noise.jsonl (one line per
#   timed process, samples included), $OUT/noise.txt (scripts/lab/runoff_noise_summary.py) and $OUT/log.txt.
set -uo pipefail
OUT=${OUT:-/tmp/gemmtune-device}
mkdir -p "$OUT"
exec > >(tee -a "$OUT/log.txt") 2>&1
source scripts/device_common.sh
rows=$1 rounds=${2:-6}
gemmtune_build
cores=$(nproc)
stamp "$(nvidia-smi -L | grep -c '^GPU ') GPU(s), $cores cores"
# Every config compiled once, in parallel, so that no timed process compiles.
{ awk '{for (i = 4; i <= NF; ++i) print $i}' "$rows"; echo bm256_bn128_s3_mcA_sm132_rN8_sk1; } | sort -u |
  xargs -P "$cores" -I{} devbuild/gemmtune --log-level error compile --config {} > /dev/null
stamp "configs compiled"

load_pids=()
load_start() {
  local prefix=("$@") i
  for ((i = 0; i < cores; ++i)); do
    rm -rf "/tmp/noise-load-$i"
    GEMMTUNE_CACHE_DIR=/tmp/noise-load-$i "${prefix[@]}" devbuild/gemmtune --log-level error \
      compile --shapes configs/dsv3.json -j 1 > /dev/null 2>&1 &
    load_pids+=($!)
  done
  sleep 2  # NVRTC's start-up, so that every process compiles when the timing starts
}
other_gpu_start() {
  CUDA_VISIBLE_DEVICES=1 devbuild/gemmtune --log-level error run --m 4096 --n 7168 --k 16384 \
    --config bm256_bn128_s3_mcA_sm132_rN8_sk1 --timing call --iters 100000 --baseline-timing none \
    > /dev/null 2>&1 &
  load_pids+=($!)
  sleep 3  # its compile (cached), inputs and validation, so that it times when the rows do
}
load_stop() {
  # NOTE: a bare `wait` would also wait for the tee of this script's log, forever.
  ((${#load_pids[@]})) || return 0
  kill "${load_pids[@]}" 2> /dev/null
  wait "${load_pids[@]}" 2> /dev/null
  load_pids=()
}
# What else runs during a condition: running processes and the load average, for the log.
load_note() { echo "$1: $(pgrep -c -f 'gemmtune.*(compile|run --m 4096)') load processes, loadavg $(cut -d' ' -f1 /proc/loadavg)"; }
trap load_stop EXIT

time_rows() {
  local cond=$1 round=$2 m n k configs c
  while read -r m n k configs; do
    for c in $configs; do
      CUDA_VISIBLE_DEVICES=0 devbuild/gemmtune --log-level error run --m "$m" --n "$n" --k "$k" --config "$c" --timing call \
        --iters 30 --clock-per-sample --baseline-timing none --json 2> /dev/null |
        python3 -c '
import json, sys
cond, rnd, m, n, k, c = sys.argv[1:]
x = json.load(sys.stdin)["measurements"][0]
t = x.get("timing") or {}
print(json.dumps({"cond": cond, "round": int(rnd), "m": int(m), "n": int(n), "k": int(k), "config": c,
                  "disposition": x.get("disposition"), "median_us": t.get("median_us"),
                  "samples_us": t.get("samples_us"), "samples_sm_mhz": t.get("samples_sm_mhz")}))' \
        "$cond" "$round" "$m" "$n" "$k" "$c" >> "$OUT/noise.jsonl"
    done
  done < "$rows"
}

: > "$OUT/noise.jsonl"
read -ra conds <<< "${NOISE_CONDS:-idle load load_nice}"
for ((round = 1; round <= rounds; ++round)); do
  for cond in "${conds[@]}"; do
    case $cond in
      load) load_start ;;
      load_nice) load_start nice -n 10 ;;
      other_gpu) other_gpu_start ;;
    esac
    ((round == 1)) && stamp "$(load_note "$cond")"
    time_rows "$cond" "$round"
    load_stop
  done
  stamp "round $round: $(wc -l < "$OUT/noise.jsonl") timed processes"
done
python3 scripts/lab/runoff_noise_summary.py "$OUT/noise.jsonl" | tee "$OUT/noise.txt"
stamp "done"
