#!/usr/bin/env bash
# The power-capped rows' slow rounds: a slower clock or more cycles? Per row and round, DeepGEMM's
# burst (scripts/lab/dg_sustained.py, 30 calls), then `gemmtune run` twice: plain, and with the tile
# profile printing CTA 0's line per launch (GEMMTUNE_TILE_PROFILE=1 GEMMTUNE_TILE_PROFILE_CTAS=1),
# which gives each timed launch's SM clock (clock64 cycles / globaltimer ns over the CTA's tiles)
# and its cycles. Why: our multi-ms rows run 2290-2525 µs from round to round where DeepGEMM's
# stay within 2% (results/2026-11-24-leader-twins/0728-…), and nvidia-smi's samples cannot
# resolve a 70 ms burst.
#   usage: GEMMTUNE_GIT_REV=<rev> GEMMTUNE_ROUNDS=5 bash scripts/lab/device_clock_probe.sh ROWS_FILE
#   ROWS_FILE lines: M N K CONFIG. carry: .devdeps .anchors (.dgcache).
#   Writes $OUT/log.txt and $OUT/clock.jsonl (one line per row, round and gemmtune run).
set -uo pipefail
OUT=${OUT:-/tmp/gemmtune-device}
mkdir -p "$OUT"
rows=$1
exec > >(tee -a "$OUT/log.txt") 2>&1
source scripts/device_common.sh
deepgemm_build_start
gemmtune_build
deepgemm_build_wait
probe_defines="GEMMTUNE_TILE_PROFILE=1 GEMMTUNE_TILE_PROFILE_CTAS=1"
: > "$OUT/clock.jsonl"
# One gemmtune run: ITERS 30 and warm-ups 3 as the comparisons; no baseline, so that the last
# kernel lines printed are the timed launches'.
gt_run() {  # m n k config defines
  GEMMTUNE_KERNEL_DEFINES="$5" devbuild/gemmtune --log-level error run --m "$1" --n "$2" --k "$3" \
    --config "$4" --timing call --iters 30 --warmup 3 --baseline-timing none --json 2>/dev/null
}
summarise() {  # row round variant < run output: one JSON line
  python3 -c '
import json, re, statistics, sys
m, n, k, config, rnd, variant = sys.argv[1:7]
text = sys.stdin.read()
tp = [tuple(map(int, x)) for x in re.findall(r"TP cta 0 rank \d+ tiles \d+ blocks \d+ loop (\d+) epi \d+ gap \d+ total (\d+) start_ns (\d+) end_ns (\d+)", text)]
doc = json.loads(text[text.index("{"):]) if "{" in text else {}
ms = [x for x in doc.get("measurements", []) if x.get("kind") == "gemmtune"]
rec = {"m": int(m), "n": int(n), "k": int(k), "config": config, "round": int(rnd), "variant": variant,
       "disposition": ms[0]["disposition"] if ms else None,
       "median_us": ms[0]["timing"]["median_us"] if ms and "timing" in ms[0] else None}
timed = tp[-30:]  # the timed launches come last (validation and warm-ups first)
if timed:
    mhz = [c / (e - s) * 1e3 for _, c, s, e in timed if e > s]
    rec.update({"launches_seen": len(tp), "cta0_mhz_median": statistics.median(mhz),
                "cta0_mhz_min": min(mhz), "cta0_mhz_max": max(mhz),
                "cta0_mcycles_median": statistics.median(c for _, c, _, _ in timed) / 1e6,
                "cta0_loop_mcycles_median": statistics.median(l for l, _, _, _ in timed) / 1e6})
print(json.dumps(rec))' "$@"
}
rounds=${GEMMTUNE_ROUNDS:-5}
while read -r m n k config; do
  [[ -z ${m:-} || $m == \#* ]] && continue
  devbuild/gemmtune compile --config "$config" > /dev/null 2>&1
  GEMMTUNE_KERNEL_DEFINES="$probe_defines" devbuild/gemmtune compile --config "$config" > /dev/null 2>&1
  python3 scripts/lab/dg_sustained.py "$m" "$n" "$k" 3 > /dev/null 2>&1  # DeepGEMM's JIT, untimed
  for (( round = 1; round <= rounds; round++ )); do
    dg=$(python3 scripts/lab/dg_sustained.py "$m" "$n" "$k" 30 2>/dev/null | python3 -c 'import json,sys; print(json.loads(sys.stdin.read())["median_us"])' 2>/dev/null)
    echo "{\"m\": $m, \"n\": $n, \"k\": $k, \"round\": $round, \"variant\": \"deepgemm\", \"median_us\": ${dg:-null}}" >> "$OUT/clock.jsonl"
    gt_run "$m" "$n" "$k" "$config" "" | summarise "$m" "$n" "$k" "$config" "$round" plain >> "$OUT/clock.jsonl"
    gt_run "$m" "$n" "$k" "$config" "$probe_defines" | summarise "$m" "$n" "$k" "$config" "$round" clock >> "$OUT/clock.jsonl"
    stamp "$m x $n x $k round $round: $(tail -3 "$OUT/clock.jsonl" | python3 -c '
import json, sys
for r in map(json.loads, sys.stdin):
    extra = ""
    if "cta0_mhz_median" in r:
        extra = " %.0f MHz (%.0f-%.0f) %.3f Mcycles" % (r["cta0_mhz_median"], r["cta0_mhz_min"],
                                                      r["cta0_mhz_max"], r["cta0_mcycles_median"])
    print("%s %s%s" % (r["variant"], r["median_us"], extra), end="; ")')"
  done
done < "$rows"
stamp "done"
