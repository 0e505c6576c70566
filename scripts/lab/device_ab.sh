#!/usr/bin/env bash
# One device call comparing kernel variants built on this machine: the GPU test suite of one
# variant, then the hand-picked list timed with every variant, interleaved config by config (so
# clock and power drift hit all variants alike). Each `gemmtune run` validates the config against
# all references before timing it, so the benchmark is also a correctness check of every variant.
#   usage: bash scripts/lab/device_ab.sh LIST_FILE TEST_VARIANT VARIANT...
#   VARIANT: a folder under devbuild/ holding a stripped `gemmtune` (and `gemmtune_gpu_tests` for
#   TEST_VARIANT, or "none" to skip the tests). Env GEMMTUNE_AB_LIMIT_S (default 540) stops the
#   benchmark early, keeping what was measured. Writes under $OUT: devices.txt, gpu_tests.log,
#   ab.log and one ab_<variant>.jsonl per variant (at most 8 files: up to 4 variants).
set -uo pipefail
list=$1 test_variant=$2
shift 2
variants=("$@")
OUT=${OUT:-/tmp/gemmtune-device}
mkdir -p "$OUT"
limit_s=${GEMMTUNE_AB_LIMIT_S:-540}
start=$SECONDS

"devbuild/${variants[0]}/gemmtune" devices > "$OUT/devices.txt" 2>&1
nvidia-smi --query-gpu=clocks.sm,clocks.max.sm,power.draw,power.limit,temperature.gpu \
  --format=csv >> "$OUT/devices.txt" 2>&1

if [[ $test_variant != none ]]; then
  export GEMMTUNE_CACHE_DIR=/tmp/gemmtune-cache-$test_variant
  export GEMMTUNE_TEST_BINARY=$PWD/devbuild/$test_variant/gemmtune
  "devbuild/$test_variant/gemmtune_gpu_tests" > "$OUT/gpu_tests.log" 2>&1
  echo "gpu tests ($test_variant) rc=$? in $((SECONDS - start)) s"
  grep -E "^\[  (FAILED|SKIPPED) |tests ran|PASSED  \]|FAILED TEST" "$OUT/gpu_tests.log" | tail -12
fi

for v in "${variants[@]}"; do : > "$OUT/ab_$v.jsonl"; done
total=$(grep -cvE '^\s*(#|$)' "$list")
i=0
while read -r m n k config; do
  [[ -z ${m:-} || $m == \#* ]] && continue
  i=$((i + 1))
  if (( SECONDS - start > limit_s )); then
    echo "stopped at $i/$total: time limit ${limit_s} s" | tee -a "$OUT/ab.log"
    break
  fi
  for v in "${variants[@]}"; do
    export GEMMTUNE_CACHE_DIR=/tmp/gemmtune-cache-$v
    if ! "devbuild/$v/gemmtune" --log-level warn run --m "$m" --n "$n" --k "$k" \
         --config "$config" --timing call --iters 30 --json 2>> "$OUT/ab.log" \
         | tr -d '\n' >> "$OUT/ab_$v.jsonl"; then
      echo "[$i/$total] $v $m x $n x $k $config failed" >> "$OUT/ab.log"
    fi
    echo >> "$OUT/ab_$v.jsonl"
  done
  echo "[$i/$total] $m x $n x $k $config at $((SECONDS - start)) s" >> "$OUT/ab.log"
done < "$list"
echo "benchmark: $i/$total configs in $((SECONDS - start)) s"
