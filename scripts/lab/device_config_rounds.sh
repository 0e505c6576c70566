#!/usr/bin/env bash
# Configs the sweep did not measure, timed against its pick on the same rows: for each problem,
# every listed config in interleaved rounds (the order rotating by one per round), each a
# `gemmtune run --timing call --iters 30` that validates before it times. No DeepGEMM and no
# cuBLASLt: this asks which config is fastest, not how gemmtune compares (the comparison scripts
# do that). Why: the cost model ranks configs before the sweep measures any, and a config it
# ranks low is never timed (e.g. split-K 2 on M <= 128 rows of long K).
#   usage: GEMMTUNE_GIT_REV=<rev> GEMMTUNE_ROUNDS=3 bash scripts/lab/device_config_rounds.sh ROWS_FILE
#   ROWS_FILE lines: M N K CONFIG [RUN FLAGS] (a problem's lines together; its first line is the
#   reference). Run flags go to that line's `gemmtune run` (e.g. `--settle-ms 1000`); the line's
#   label in rounds.jsonl is the config and its flags.
#   CONFIG `deepgemm` puts DeepGEMM's fp8_gemm_nt into the rotation (scripts/lab/dg_sustained.py: the
#   anchors' call protocol, 30 samples after one warm call), so that power-capped rows see
#   DeepGEMM in the same places of the order as each config; its flags go to dg_sustained.py.
#   `--clock-per-sample` on any line (DeepGEMM's too) keeps each sample's µs, SM clock and GPU
#   end time in rounds.jsonl (samples_us, samples_sm_mhz, samples_end_ns).
#   CONFIG@WORDS (e.g. `bm256_..._k16384@GEMMTUNE_LANE0_ARRIVE=1`, words joined by commas)
#   builds and runs that line with GEMMTUNE_KERNEL_DEFINES set to the words, and a word
#   `env:NAME=VALUE` set in its environment instead (a host-side experiment hook; session 25's
#   are in results/2026-11-24-kloop-vs-deepgemm/): an experiment timed in the same rotation as
#   the kernel without it and DeepGEMM.
#   Each gemmtune run is stopped after GEMMTUNE_RUN_TIMEOUT_S seconds (default 120; a kernel
#   experiment that hangs then costs one run, recorded as no_result, not the call).
#   carry: .devdeps (and .anchors .dgcache with `deepgemm` rows). Writes $OUT/rounds.jsonl (one
#   line per run) and a table on stdout.
set -uo pipefail
OUT=${OUT:-/tmp/gemmtune-device}
mkdir -p "$OUT"
rows=$1
exec > >(tee -a "$OUT/log.txt") 2>&1
source scripts/device_common.sh
with_dg=0
grep -qE '^\s*[0-9]+\s+[0-9]+\s+[0-9]+\s+deepgemm(\s|$)' "$rows" && with_dg=1
(( with_dg )) && deepgemm_build_start
gemmtune_build
(( with_dg )) && deepgemm_build_wait
# Compile every config first (NVRTC, 8 at a time), so that no timed round waits on a compile.
mapfile -t to_compile < <(grep -vE '^\s*(#|$)' "$rows" | awk '$4 != "deepgemm" {print $4}' | sort -u)
# with_words CONFIG@WORDS COMMAND...: COMMAND with the label's defines and env: words set.
with_words() {
  local label=$1 defines="" word; shift
  local -a envs=() words=()
  if [[ $label == *@* ]]; then
    IFS=, read -ra words <<< "${label#*@}"
    for word in "${words[@]}"; do
      if [[ $word == env:* ]]; then envs+=("${word#env:}"); else defines+="${defines:+ }$word"; fi
    done
  fi
  env ${envs[@]+"${envs[@]}"} GEMMTUNE_KERNEL_DEFINES="$defines" "$@"
}
export -f with_words
# shellcheck disable=SC2016  # expanded by the inner shell
printf '%s\n' "${to_compile[@]}" | xargs -P 8 -I{} bash -c 'with_words "$1" devbuild/gemmtune \
  --log-level error compile --config "${1%%@*}"' _ {} > /dev/null 2>&1
stamp "compiled ${#to_compile[@]} configs"
: > "$OUT/rounds.jsonl"
mapfile -t problems < <(grep -vE '^\s*(#|$)' "$rows" | awk '{print $1, $2, $3}' | uniq)
for problem in "${problems[@]}"; do
  read -r m n k <<< "$problem"
  mapfile -t configs < <(awk -v p="$problem" '$1 " " $2 " " $3 == p {$1 = $2 = $3 = ""; sub(/^ +/, ""); print}' "$rows")
  # DeepGEMM's JIT compiles its kernel on the first call: untimed, before the rounds.
  (( with_dg )) && python3 scripts/lab/dg_sustained.py "$m" "$n" "$k" 3 > /dev/null 2>&1
  for (( round = 1; round <= ${GEMMTUNE_ROUNDS:-3}; round++ )); do
    for (( i = 0; i < ${#configs[@]}; i++ )); do
      label=${configs[(i + round - 1) % ${#configs[@]}]}
      read -r config flags <<< "$label"
      if [[ $config == deepgemm ]]; then
        # shellcheck disable=SC2086  # the flags split into words on purpose
        python3 scripts/lab/dg_sustained.py "$m" "$n" "$k" 30 $flags 2>/dev/null | python3 -c '
import json, sys
m, n, k, label, rnd = sys.argv[1:6]
try:
    d = json.load(sys.stdin)
    rec = {"disposition": "passed", "us": d["median_us"]}
    rec.update({x: d[x] for x in ("samples_us", "samples_sm_mhz", "samples_end_ns") if x in d})
except Exception as e:
    rec = {"disposition": "no_result", "error": repr(e)[-200:]}
rec.update({"m": int(m), "n": int(n), "k": int(k), "config": label, "round": int(rnd)})
print(json.dumps(rec))' "$m" "$n" "$k" "$label" "$round" >> "$OUT/rounds.jsonl"
        continue
      fi
      # shellcheck disable=SC2086  # the flags split into words on purpose
      with_words "$config" timeout "${GEMMTUNE_RUN_TIMEOUT_S:-120}" devbuild/gemmtune --log-level error run --m "$m" --n "$n" --k "$k" --config "${config%%@*}" \
        --timing call --iters 30 --baseline-timing none $flags --json 2>/dev/null \
        | python3 -c '
import json, sys
m, n, k, config, rnd = sys.argv[1:6]
try:
    d = json.load(sys.stdin)
    g = [x for x in d["measurements"] if x["kind"] == "gemmtune"][0]
    rec = {"disposition": g["disposition"], "us": g.get("timing", {}).get("median_us"),
           "sm_mhz": g.get("clock", {}).get("sm_mhz"),
           "diff_ref": (g.get("validation") or {}).get("diff_ref")}
    t = g.get("timing", {})
    rec.update({x: t[x] for x in ("samples_us", "samples_sm_mhz", "samples_end_ns") if x in t})
except Exception as e:
    rec = {"disposition": "no_result", "error": repr(e)[-200:]}
rec.update({"m": int(m), "n": int(n), "k": int(k), "config": config, "round": int(rnd)})
print(json.dumps(rec))' "$m" "$n" "$k" "$label" "$round" >> "$OUT/rounds.jsonl"
    done
  done
  stamp "$m x $n x $k: ${#configs[@]} configs"
done
python3 - "$OUT/rounds.jsonl" <<'PY'
import collections, json, statistics, sys
runs = collections.defaultdict(list)
order = []
for r in map(json.loads, open(sys.argv[1])):
    key = (r["m"], r["n"], r["k"], r["config"])
    if key not in runs: order.append(key)
    runs[key].append(r)
ref = {}
for key in order:
    rs = runs[key]
    us = [r["us"] for r in rs if r.get("us") and r["disposition"] == "passed"]
    bad = [r["disposition"] for r in rs if r["disposition"] != "passed"]
    med = statistics.median(us) if us else None
    ref.setdefault(key[:3], med)
    rel = f'{ref[key[:3]] / med:.3f}' if med and ref[key[:3]] else '-'
    print(f'{key[0]} x {key[1]} x {key[2]} {key[3]:44s} median {med if med is None else round(med, 2)} us '
          f'rounds {[round(u, 2) for u in us]} first/this {rel} {"FAILED " + ",".join(bad) if bad else ""}')
PY
