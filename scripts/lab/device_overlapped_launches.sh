#!/usr/bin/env bash
# Overlapped launches (programmatic dependent launch, README "Overlapped launches") on the device:
# the GPU suite (GEMMTUNE_TEST_FILTER, default all: the kernel's prologue changed), then each
# row's config timed with `gemmtune run --chain CALLS` (chains of back-to-back calls, plain and
# overlapped, interleaved; the overlapped chain's output validated), ROUNDS processes a row and
# variant, the rows in turn, each row's variants one after the other (their order reversed every
# other round).
#   usage: bash scripts/lab/device_overlapped_launches.sh ROWS [CALLS] [ROUNDS] [DEFINES...]
#   ROWS: lines "M N K CONFIG" (# comments); CALLS default 8, ROUNDS default 2; each DEFINES a
#   variant's GEMMTUNE_KERNEL_DEFINES ('' the default kernel; default: only ''), e.g.
#   '' 'GEMMTUNE_PDL_EARLY_TRIGGER=1'.
#   Env: GEMMTUNE_REUSE_BUILD=1 with a staged devbuild/, GEMMTUNE_SKIP_TESTS=1, GEMMTUNE_TIMING
#   (default kernel: the chain queued behind a spin kernel, so no host gap enters it).
# Writes $OUT/log.txt, $OUT/gpu_tests.log, $OUT/chain.jsonl (one `run --chain --json` a line,
# with its round) and prints a line per run.
set -uo pipefail
OUT=${OUT:-/tmp/gemmtune-device}
mkdir -p "$OUT"
exec > >(tee -a "$OUT/log.txt") 2>&1
source scripts/device_common.sh
rows=$1 calls=${2:-8} rounds=${3:-2}
shift $(( $# < 3 ? $# : 3 ))
variants=("$@")
(( ${#variants[@]} )) || variants=("")
gemmtune_build
gpu_suite
: > "$OUT/chain.jsonl"
for ((round = 1; round <= rounds; ++round)); do
  order=("${variants[@]}")
  if ((round % 2 == 0)); then
    order=(); for ((i = ${#variants[@]} - 1; i >= 0; --i)); do order+=("${variants[i]}"); done
  fi
  grep -v '^#' "$rows" | while read -r m n k config; do
    [[ -z $m ]] && continue
    for defines in "${order[@]}"; do
      GEMMTUNE_KERNEL_DEFINES=$defines devbuild/gemmtune --log-level error run --m "$m" --n "$n" \
        --k "$k" --config "$config" --chain "$calls" --timing "${GEMMTUNE_TIMING:-kernel}" --json \
        > /tmp/chain.json 2> /tmp/chain.err
      rc=$?
      python3 - /tmp/chain.json "$round" "$rc" "$OUT/chain.jsonl" "$m $n $k $config" "$defines" <<'PY'
import json, sys
path, rnd, rc, out, row, defines = sys.argv[1:7]
try:
    doc = json.load(open(path))
except Exception:
    print(f"round {rnd} {row}: rc {rc}, no JSON"); sys.exit(0)
a, b = doc.get("after_previous") or {}, doc.get("overlap_previous") or {}
line = {"round": int(rnd), "rc": int(rc), "defines": defines, "m": doc["validation"]["problem"]["m"], "n": doc["validation"]["problem"]["n"],
        "k": doc["validation"]["problem"]["k"], "config": doc["validation"]["config"], "calls": doc["calls"],
        "disposition": doc["validation"]["disposition"], "after_previous_us": a.get("median_us"),
        "overlap_previous_us": b.get("median_us"), "after_previous_spread": a.get("spread"),
        "overlap_previous_spread": b.get("spread"), "saved_us_per_launch": doc["saved_us_per_launch"],
        "overlapped_diff": (doc.get("overlapped_vs_reference") or {}).get("diff")}
open(out, "a").write(json.dumps(line) + "\n")
print(f"round {rnd} {row} [{defines}]: rc {rc} {line['disposition']}, chain of {line['calls']}: "
      f"{line['after_previous_us'] or 0:.2f} -> {line['overlap_previous_us'] or 0:.2f} us, "
      f"{line['saved_us_per_launch']:.2f} us saved a launch")
PY
    done
  done
done
stamp "done"
