#!/usr/bin/env bash
# The grouped rows at the 700 W cap: does DeepGEMM win there by a higher SM clock (less energy per
# K block) or by fewer cycles? Per round, DeepGEMM's grouped GEMM (.anchors/dg_grouped.py) and then
# gemmtune's pick each run ITERS calls in a row with the "call" protocol, while nvidia-smi samples
# SM clock and power every 50 ms. Per phase: the median µs, the mean clock and power over the
# samples drawing more than POWER_FLOOR_W (the GEMMs, not the set-up around them), and cycles per
# call (µs x MHz). The grouped sibling of scripts/lab/device_power_probe.sh (dense).
#   usage: GEMMTUNE_GIT_REV=<rev> bash scripts/lab/device_grouped_power_probe.sh PROBLEMS.json LABEL \
#            N CONFIG [CONFIG...]      (the problem of PROBLEMS.json with that label and N)
#      or: bash scripts/lab/device_grouped_power_probe.sh PROBLEMS.json --table TABLE.json
#            (every problem of PROBLEMS.json that TABLE.json has a pick for, with that pick; each
#            phase GEMMTUNE_PROBE_SECONDS long (default 2.5) from the table's time; with
#            GEMMTUNE_PROBE_MIN_GROUP_ROWS=R only problems of more than R rows a group on average;
#            stops starting problems GEMMTUNE_DEADLINE_S (default 540) after its start;
#            GEMMTUNE_PROBE_GAPS_FROM=PHASES.jsonl, an earlier run's phases of the same plan:
#            gemmtune idles per call what DeepGEMM's loop idled beyond its own there)
#   Env: GEMMTUNE_ROUNDS (default 2), GEMMTUNE_PROBE_ITERS (default 3000), POWER_FLOOR_W
#   (default 400), GEMMTUNE_PROBE_GAPS_US (default "0": each config runs once per gap, with
#   `run --sample-gap-us`, an idle host gap after each call), GEMMTUNE_PROBE_VARIANTS ("NAME=DEFINES
#   ...": each config also runs as each kernel variant, GEMMTUNE_KERNEL_DEFINES; default the
#   kernel as built), GEMMTUNE_PROBE_SETTLE_S (idle seconds after each phase, default 2).
#   carry: .devdeps .anchors .dgcache.
#   Writes $OUT/log.txt (two summaries: over the samples above the floor, and over each phase's
#   second half, the steady state when phases are long), $OUT/smi.csv (with instant power and
#   the clock-event reasons), $OUT/phases.jsonl (each phase's problem in "problem"); with
#   --table also $OUT/rows.jsonl and rows.md (each problem's two sides side by side,
#   power_probe_summary.py --pairs).
set -uo pipefail
OUT=${OUT:-/tmp/gemmtune-device}
mkdir -p "$OUT"
problems=$1
shift
exec > >(tee -a "$OUT/log.txt") 2>&1
source scripts/device_common.sh
deadline=$(( $(date +%s) + ${GEMMTUNE_DEADLINE_S:-540} ))
GEMMTUNE_PROBE_SECONDS=${GEMMTUNE_PROBE_SECONDS:-2.5}
deepgemm_build_start
gemmtune_build
deepgemm_build_wait
# The plan: one line per problem, {"problem", "configs", "iters"}.
python3 - "$problems" /tmp/probe_plan.jsonl "$@" <<'PY' || exit 2
import json, sys
src, out, args = sys.argv[1], sys.argv[2], sys.argv[3:]
import os
problems = json.load(open(src))["problems"]
plan = []
if args[:1] == ["--table"]:
    seconds = float(os.environ.get("GEMMTUNE_PROBE_SECONDS", "2.5"))
    min_rows = float(os.environ.get("GEMMTUNE_PROBE_MIN_GROUP_ROWS", "0"))
    picks = {}
    for tp in json.load(open(args[1]))["problems"]:
        for e in tp["entries"]:
            picks[(tp["op"], tp["n"], tp["k"], tuple(e.get("group_m", [])))] = e
    for p in problems:
        e = picks.get(("grouped_" + p["layout"], p["n"], p["k"], tuple(p["ms"])))
        if e is None or sum(p["ms"]) / len(p["ms"]) <= min_rows:
            continue
        # Each call's period is its time plus the 512 MB flush and the host's sync (~200 µs).
        iters = max(100, round(seconds * 1e6 / (e["median_us"] + 200)))
        plan.append({"problem": p, "configs": [e["config"]], "iters": iters})
    gaps_from = os.environ.get("GEMMTUNE_PROBE_GAPS_FROM")
    if gaps_from:
        # Each problem's idle per call that DeepGEMM's loop had beyond gemmtune's in an earlier
        # run of this plan: gemmtune's gap, so that both loops idle alike (their periods match).
        by = {}
        for ph in map(json.loads, open(gaps_from)):
            if ph.get("median_us") and ph.get("period_us"):
                side = "dg" if ph["phase"].startswith("deepgemm#") else "gt"
                by.setdefault(ph["problem"], {})[side] = ph["period_us"] - ph["median_us"]
        for i, x in enumerate(plan):
            idle = by.get(i, {})
            if "dg" in idle and "gt" in idle:
                x["gap_us"] = max(0, round(idle["dg"] - idle["gt"]))
else:
    label, n, configs = args[0], int(args[1]), args[2:]
    ps = [p for p in problems if p["label"] == label and p["n"] == n]
    if len(ps) != 1 or not configs:
        sys.exit(f"device_grouped_power_probe: {len(ps)} problems labelled {label} with N {n} in "
                 f"{src}, {len(configs)} configs")
    plan.append({"problem": ps[0], "configs": configs,
                 "iters": int(os.environ.get("GEMMTUNE_PROBE_ITERS", "3000"))})
if not plan:
    sys.exit(f"device_grouped_power_probe: no problem of {src} to probe")
with open(out, "w") as f:
    for x in plan:
        f.write(json.dumps(x) + "\n")
json.dump({"problems": [x["problem"] for x in plan]}, open("/tmp/probe_all.json", "w"))
print(f"{len(plan)} problems to probe")
PY
read -r -a variants <<< "${GEMMTUNE_PROBE_VARIANTS:-=}"
for c in $(python3 -c 'import json,sys; print(" ".join(sorted({c for l in open(sys.argv[1]) for c in json.loads(l)["configs"]})))' /tmp/probe_plan.jsonl); do
  for v in "${variants[@]}"; do
    GEMMTUNE_KERNEL_DEFINES=${v#*=} devbuild/gemmtune compile --config "$c" > /dev/null 2>&1
  done
done
# DeepGEMM's JIT before any phase. With --table not: each phase's window is its timed calls alone,
# and the warm-up would set up and check every problem once more.
[[ ${1:-} == --table ]] || python3 .anchors/dg_grouped.py /tmp/probe_all.json /tmp/dg_warm.jsonl --iters 3 > /dev/null 2>&1
nvidia-smi --query-gpu=timestamp,clocks.sm,power.draw,temperature.gpu,power.draw.instant,clocks_event_reasons.active --format=csv,noheader,nounits -lms 50 > "$OUT/smi.csv" &
smi_pid=$!
: > "$OUT/phases.jsonl"
# phase NAME READER COMMAND...: the reader prints the median µs, the loop's period µs and the
# epoch seconds its timed calls began and ended (the window power_probe_summary.py reads).
phase() {
  local name=$1 reader=$2; shift 2
  local t0 t1 us period loop0 loop1
  t0=$(date +%s.%N)
  "$@" > /tmp/phase.out 2> /tmp/phase.err
  t1=$(date +%s.%N)
  read -r us period loop0 loop1 < <(T1=$t1 python3 -c "$reader" < /tmp/phase.out 2>/dev/null)
  echo "{\"phase\": \"$name\", \"problem\": $problem_index, \"t0\": $t0, \"t1\": $t1, \"median_us\": ${us:-null}, \"period_us\": ${period:-null}, \"loop_t0\": ${loop0:-null}, \"loop_t1\": ${loop1:-null}}" >> "$OUT/phases.jsonl"
  echo "$name: ${us:-failed} us"; [[ -n $us ]] || tail -3 /tmp/phase.err
  sleep "${GEMMTUNE_PROBE_SETTLE_S:-2}"  # let the card settle between phases
}
# NOTE: dg_grouped.py appends to its output: the phase's record is the file's last line.
dg_reader='import json; b=json.load(open("/tmp/dg_period.json"))["bursts"][-1]; print(json.loads(open("/tmp/dg_probe.jsonl").read().splitlines()[-1])["dg_us"], b["period_us"], b.get("t0", "null"), b.get("t1", "null"))'
# gemmtune's timed calls end as `run` reports them (its exit takes ~0.1 s) and began their count
# of periods before.
gt_reader='import json,os,sys; d=json.loads(sys.stdin.read()); m=[x for x in d["measurements"] if x.get("kind","gemmtune")=="gemmtune"]; t=m[0]["timing"]; p=t.get("sample_period_us"); e=float(os.environ["T1"])-0.1; print(t["median_us"], p or "null", e-t["sample_count"]*p*1e-6 if p else "null", e if p else "null")'
dg_scales_wrapper
deepgemm_phase() {
  phase "deepgemm#$round" "$dg_reader" python3 "${dg_wrapper[@]}" scripts/dg_sample_period.py \
    /tmp/dg_period.json .anchors/dg_grouped.py /tmp/probe_problem.json /tmp/dg_probe.jsonl --iters "$iters"
}
gemmtune_phases() {  # each config, as each variant, with each gap
  local c v gap tag
  for c in "${configs[@]}"; do
    for v in "${variants[@]}"; do
      for gap in ${GEMMTUNE_PROBE_GAPS_US:-$problem_gap}; do
        tag=$c; [[ -n ${v%%=*} ]] && tag="$c+${v%%=*}"
        [[ $gap != 0 && $gap != "$problem_gap" ]] && tag="$tag+gap${gap}us"
        GEMMTUNE_KERNEL_DEFINES=${v#*=} phase "$tag#$round" "$gt_reader" devbuild/gemmtune --log-level warn \
          run --layout "grouped_$layout" --group-m "$groups" "${extra[@]}" --n "$n" --k "$k" --config "$c" \
          --timing call --iters "$iters" --warmup 3 --baseline-timing none --sample-gap-us "$gap" --json
      done
    done
  done
}
mode=one; [[ ${1:-} == --table ]] && mode=table
problem_index=0
# A problem's phases and their settling: used to start none that would end past the deadline.
problem_s=$(( ${GEMMTUNE_ROUNDS:-2} * 2 * (${GEMMTUNE_PROBE_SECONDS%.*} + ${GEMMTUNE_PROBE_SETTLE_S:-2} + 5) ))
# NOTE: the plan is read on descriptor 3: the harnesses inside the loop would read stdin.
while IFS= read -r -u 3 line; do
  if (( $(date +%s) + problem_s >= deadline )); then
    echo "deadline (GEMMTUNE_DEADLINE_S): problems from index $problem_index on not probed"; break
  fi
  # One parse of the plan's line: the problem for DeepGEMM's harness, then its fields.
  { read -r layout n k groups max_m iters problem_gap; read -r -a configs; } < <(python3 -c '
import json, sys
x = json.loads(sys.argv[1]); p = x["problem"]
json.dump({"problems": [p]}, open("/tmp/probe_problem.json", "w"))
print(p["layout"], p["n"], p["k"], ",".join(map(str, p["ms"])), p.get("max_m", 0), x["iters"], x.get("gap_us", 0))
print(" ".join(x["configs"]))' "$line")
  echo "problem $problem_index: ${layout} n $n k $k, $(tr ',' '\n' <<< "$groups" | wc -l) groups, $iters calls a phase"
  extra=(); [[ $layout == masked ]] && extra=(--max-m "$max_m")
  for (( round = 1; round <= ${GEMMTUNE_ROUNDS:-2}; round++ )); do
    # With --table the order alternates (by problem and round), so that neither side always
    # runs on the card the other has just heated; GEMMTUNE_PROBE_SWAP_ORDER=1 swaps each pair's
    # order (a second run of the same plan).
    if [[ $mode == table ]] && (( (problem_index + round + ${GEMMTUNE_PROBE_SWAP_ORDER:-0}) % 2 == 0 )); then
      gemmtune_phases; deepgemm_phase
    else
      deepgemm_phase; gemmtune_phases
    fi
  done
  problem_index=$(( problem_index + 1 ))
done 3< /tmp/probe_plan.jsonl
kill "$smi_pid"
echo "every sample above ${POWER_FLOOR_W:-400} W (each phase's warm-up included):"
python3 scripts/lab/power_probe_summary.py "$OUT/phases.jsonl" "$OUT/smi.csv" --floor-w "${POWER_FLOOR_W:-400}"
# NOTE: 3000-call phases last ~2.5 s, while the card warms by ~15 C: their means mix the ramp
# and each harness's set-up (PERF_LOG session 31, 1257 against 1302). With long phases
# (GEMMTUNE_PROBE_ITERS=15000) the second half of each is the steady state to compare.
echo "steady state (the second half of each phase; meaningful with long phases):"
python3 scripts/lab/power_probe_summary.py "$OUT/phases.jsonl" "$OUT/smi.csv"
if [[ $mode == table ]]; then
  echo "each problem's two sides (samples above ${POWER_FLOOR_W:-400} W):"
  python3 scripts/lab/power_probe_summary.py "$OUT/phases.jsonl" "$OUT/smi.csv" \
    --floor-w "${POWER_FLOOR_W:-400}" --pairs /tmp/probe_plan.jsonl --pairs-out "$OUT/rows"
fi
