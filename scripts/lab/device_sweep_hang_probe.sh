#!/usr/bin/env bash
# Diagnoses a sweep that does not finish: runs the sweep of SHAPES / SPACE (default: the one
# problem and multicast-B-only space of the GPU test RoofsGpu.SweepEnvJsonCarriesTheRoofsMeasured
# ByItsWorker, which hung in session 49), and after WAIT_S seconds, if it still runs, saves the
# process tree, each process's kernel wait channel and (with gdb) every thread's stack, then
# kills it.
#   usage: bash scripts/lab/device_sweep_hang_probe.sh [WAIT_S]
#   Writes $OUT/hang/{sweep.out,sweep.err,ps.txt,stacks.txt}.
set -uo pipefail
OUT=${OUT:-/tmp/gemmtune-device}
wait_s=${1:-30}
dir=$OUT/hang tmp=$(mktemp -d)
mkdir -p "$dir"
echo '{"name": "one", "problems": [{"label": "one", "n": 256, "k": 512, "m": 64}]}' > "$tmp/one.json"
echo '{"name": "none", "block_m": [64], "block_n": [64], "stages": [4], "multicast": ["B"],
  "num_sms": ["all"], "raster": ["N"], "group": [8], "split_k": [1]}' > "$tmp/space.json"
devbuild/gemmtune --log-level debug sweep --shapes "$tmp/one.json" --space "$tmp/space.json" \
  --out "$tmp/run" --iters 5 > "$dir/sweep.out" 2> "$dir/sweep.err" &
pid=$!
for ((i = 0; i < wait_s; ++i)); do kill -0 "$pid" 2> /dev/null || break; sleep 1; done
if kill -0 "$pid" 2> /dev/null; then
  echo "sweep still running after ${wait_s} s" | tee "$dir/ps.txt"
  ps -ef --forest >> "$dir/ps.txt"
  for p in $pid $(pgrep -P "$pid"); do
    echo "== $p $(tr '\0' ' ' < /proc/$p/cmdline) wchan=$(cat /proc/$p/wchan)" >> "$dir/stacks.txt"
    command -v gdb > /dev/null && gdb -p "$p" -batch -ex 'thread apply all bt' >> "$dir/stacks.txt" 2>&1
  done
  kill -9 "$pid" $(pgrep -P "$pid") 2> /dev/null
else
  wait "$pid"; echo "sweep finished: rc $?" | tee "$dir/ps.txt"
fi
rm -rf "$tmp"
