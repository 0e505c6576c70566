#!/usr/bin/env bash
# Issue 10's bandwidth goals against what the call protocol allows: for each row, in ROUNDS
# rounds, `gemmtune run --timing call --stream-floor` (the config, then the stream floor of the
# row's bytes: four read-only kernels and an empty launch, README "The stream floor") and
# DeepGEMM on the same row (scripts/lab/dg_sustained.py, the anchors' protocol), alternating.
# The GPU tests run first (GEMMTUNE_TEST_FILTER, default the stream floor's and the timing tests).
# gemmtune's side runs once per flush kind of GEMMTUNE_FLUSH_KINDS (default "write read": the
# protocol's memset flush, then `--flush read`, which leaves the L2 clean; core/timing_mode.hpp
# FlushKind), to measure what the write flush's dirty lines cost the memory-bound rows and their
# floor. DeepGEMM's side always flushes by writing (the anchors' harness).
#   usage: bash scripts/lab/device_stream_floor.sh [ROWS_FILE] [ROUNDS]
#   (rows: M N K CONFIG; default configs/lab/stream_floor_rows.txt, 2 rounds)
#   carry: .devdeps .anchors (.dgcache to reuse DeepGEMM's kernels).
#   Writes $OUT/log.txt, $OUT/floor.jsonl (one line per row and round) and $OUT/gpu_tests.log.
# NOTE: a device call returns at most 8 files from $OUT.
set -uo pipefail
OUT=${OUT:-/tmp/gemmtune-device}
mkdir -p "$OUT"
rows=${1:-configs/lab/stream_floor_rows.txt}
rounds=${2:-2}
exec > >(tee -a "$OUT/log.txt") 2>&1
date -u +%H%M > "$OUT/start_utc.txt"
source scripts/device_common.sh
export GEMMTUNE_TEST_FILTER=${GEMMTUNE_TEST_FILTER:-'StreamFloorGpu.*:Timing*'}
build_both_and_test
dg_us() { python3 scripts/lab/dg_sustained.py "$1" "$2" "$3" 30 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["median_us"])' 2>/dev/null || echo null; }
: > "$OUT/floor.jsonl"
while read -r m n k config; do
  [[ -z ${m:-} || $m == \#* ]] && continue
  devbuild/gemmtune compile --config "$config" > /dev/null 2>&1
  python3 scripts/lab/dg_sustained.py "$m" "$n" "$k" 3 > /dev/null 2>&1  # DeepGEMM's JIT
  for round in $(seq "$rounds"); do
    dg=$(dg_us "$m" "$n" "$k")
    for flush in ${GEMMTUNE_FLUSH_KINDS:-write read}; do
      devbuild/gemmtune --log-level warn run --m "$m" --n "$n" --k "$k" --config "$config" \
        --timing call --iters 30 --baseline-timing none --stream-floor --flush "$flush" --json \
        > /tmp/run.json 2>/tmp/run.err
      rc=$?
      python3 - /tmp/run.json "$m" "$n" "$k" "$config" "$round" "$dg" "$flush" >> "$OUT/floor.jsonl" <<'PY' \
        || stamp "row $m $n $k flush $flush: run rc=$rc: $(tail -1 /tmp/run.err)"
import json, sys
path, m, n, k, config, rnd, dg, flush = sys.argv[1:]
d = json.load(open(path))
g = [x for x in d['measurements'] if x['kind'] == 'gemmtune'][0]
f = d['stream_floor']
print(json.dumps({'m': int(m), 'n': int(n), 'k': int(k), 'config': config, 'round': int(rnd),
                  'flush': flush, 'disposition': g['disposition'], 'gemmtune_us': g['timing']['median_us'],
                  'deepgemm_us': None if dg == 'null' else float(dg), 'bytes': f['bytes'],
                  'floor_us': f['floor_us'], 'floor_tbps': f['tbps'], 'fastest': f['fastest'],
                  'empty_call_us': f['empty_call_us'],
                  'variants_us': {v['variant']: v['median_us'] for v in f['variants']}}))
PY
    done
  done
done < "$rows"
python3 scripts/lab/stream_floor_summary.py "$OUT/floor.jsonl" | tee "$OUT/summary.md"
stamp "done"
