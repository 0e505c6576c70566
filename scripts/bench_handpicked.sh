#!/usr/bin/env bash
# Times a hand-picked list of configs with `gemmtune run --timing call` (the ANCHORS.md protocol:
# events around one call after an L2 flush), each interleaved with cuBLASLt's block-scaled
# heuristic in the same process. One JSON document per line in OUT_JSONL.
#   usage: bench_handpicked.sh GEMMTUNE_BIN LIST_FILE OUT_JSONL
# LIST_FILE lines: "M N K CONFIG" ('#' comments allowed).
set -uo pipefail
bin=$1 list=$2 out=$3
: > "$out"
total=$(grep -cvE '^\s*(#|$)' "$list")
i=0
while read -r m n k config; do
  [[ -z ${m:-} || $m == \#* ]] && continue
  i=$((i + 1))
  echo "[$i/$total] $m x $n x $k $config" >&2
  if ! "$bin" --log-level warn run --m "$m" --n "$n" --k "$k" --config "$config" --timing call \
       --iters 30 --json | tr -d '\n' >> "$out"; then
    echo "  failed (exit ${PIPESTATUS[0]})" >&2
  fi
  echo >> "$out"
done < "$list"
