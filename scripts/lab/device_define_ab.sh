#!/usr/bin/env bash
# Kernel experiments without a second binary: the same gemmtune with different
# GEMMTUNE_KERNEL_DEFINES (README "Kernel experiments"), row by row, variants interleaved, with
# DeepGEMM (anchors' call protocol, 30 samples) timed beside them. Every gemmtune run validates
# before it times, so each variant is also checked for correctness on every row.
#   usage: GEMMTUNE_GIT_REV=<rev> bash scripts/lab/device_define_ab.sh ROWS_FILE 'DEFINES_A' 'DEFINES_B' ...
#   ('' is the unmodified kernel). A variant `@twin` (or `@twin DEFINES`) runs the row's config
#   compiled for the row's K (`_k{K}`, KernelConfig::fixed_k) instead.
#   GEMMTUNE_ROUNDS (default 2): rounds per row; DeepGEMM runs first in odd rounds and last in
#   even ones, so a power-capped row's drift within a round hits both sides alike (with
#   variant '' alone this re-times a comparison's low rows: scripts/lab/dg_recheck_rows.py).
#   GEMMTUNE_DEADLINE_S (default 570, seconds from the script's start): no round starts that
#   would end after it (the last round's time x 1.5); the rows left are named in the log and the
#   summary covers the rounds done. Set it under the device call's limit: session 45's call of
#   twelve rows x 3 rounds (~9 s a round) hit a 420 s limit with no summary.
#   carry: .devdeps .anchors. Writes $OUT/log.txt, $OUT/ab.jsonl.
set -uo pipefail
OUT=${OUT:-/tmp/gemmtune-device}
mkdir -p "$OUT"
rows=$1; shift
exec > >(tee -a "$OUT/log.txt") 2>&1
source scripts/device_common.sh
deepgemm_build_start
gemmtune_build
deepgemm_build_wait
: > "$OUT/ab.jsonl"
# Every (row, variant) kernel compiled up front, 16 at a time: NVRTC takes 5-10 s a kernel, and
# serially, row by row, that was most of a 4-variant call. NOTE: xargs, not `&` and `wait`: a bare
# `wait` also waits for the `tee` of this script's own output, which never ends (a 600 s hang).
kernel_list() {
  while read -r m n k config; do
    [[ -z ${m:-} || $m == \#* ]] && continue
    for v in "$@"; do
      if [[ $v == @twin* ]]; then printf '%s\0%s\0' "${v#@twin}" "${config}_k$k"
      else printf '%s\0%s\0' "$v" "$config"; fi
    done
  done < "$rows"
}
kernel_list "$@" | timeout 300 xargs -0 -n 2 -P 16 bash -c \
  'GEMMTUNE_KERNEL_DEFINES="$0" devbuild/gemmtune compile --config "$1" > /dev/null 2>&1'
echo "[$SECONDS s] kernels compiled"
deadline_s=${GEMMTUNE_DEADLINE_S:-570}
round_s=0  # the last round's seconds, what the next one is expected to take
while read -r m n k config; do
  [[ -z ${m:-} || $m == \#* ]] && continue
  # variant -> (defines, config): `@twin` swaps in the row's config compiled for its K
  variant_config() { [[ $1 == @twin* ]] && echo "${config}_k$k" || echo "$config"; }
  variant_defines() { [[ $1 == @twin* ]] && echo "${1#@twin}" || echo "$1"; }
  for v in "$@"; do
    GEMMTUNE_KERNEL_DEFINES="$(variant_defines "$v")" devbuild/gemmtune compile --config "$(variant_config "$v")" > /dev/null 2>&1
  done
  python3 scripts/lab/dg_sustained.py "$m" "$n" "$k" 3 > /dev/null 2>&1
  for (( round = 1; round <= ${GEMMTUNE_ROUNDS:-2}; round++ )); do
    if (( SECONDS + round_s * 3 / 2 > deadline_s )); then
      echo "[$SECONDS s] deadline (GEMMTUNE_DEADLINE_S=$deadline_s): stopped before ${m}x${n}x${k} $config round $round; this row's later rounds and the rows after it are not timed"
      break 2
    fi
    round_start_s=$SECONDS
    time_dg() { python3 scripts/lab/dg_sustained.py "$m" "$n" "$k" 30 | python3 -c 'import json,sys; print(json.load(sys.stdin)["median_us"])'; }
    (( round % 2 )) && dg=$(time_dg)
    cells="" sep=""
    for v in "$@"; do
      r=$(GEMMTUNE_KERNEL_DEFINES="$(variant_defines "$v")" devbuild/gemmtune --log-level error run --m "$m" --n "$n" --k "$k" --config "$(variant_config "$v")" \
            --timing call --iters 30 --json 2>/dev/null | python3 -c 'import json,sys; d=json.load(sys.stdin); g=[x for x in d["measurements"] if x["kind"]=="gemmtune"][0]; print(json.dumps({"disposition": g["disposition"], "us": g.get("timing",{}).get("median_us"), "sm_mhz": g.get("clock",{}).get("sm_mhz")}))' 2>/dev/null)
      cells+="$sep\"${v:-base}\": ${r:-null}"; sep=", "
    done
    (( round % 2 )) || dg=$(time_dg)
    echo "{\"m\": $m, \"n\": $n, \"k\": $k, \"config\": \"$config\", \"round\": $round, \"dg_us\": ${dg:-null}, \"variants\": {$cells}}" | tee -a "$OUT/ab.jsonl"
    round_s=$(( SECONDS - round_start_s ))
  done
done < "$rows"
python3 - "$OUT/ab.jsonl" <<'PY'
import json, sys, math, collections, statistics
ratios = collections.defaultdict(list)
for r in map(json.loads, open(sys.argv[1])):
    cells = []
    for name, v in r["variants"].items():
        if v and v.get("us"):
            cells.append(f'{name}: {v["us"]:.1f} ({r["dg_us"] / v["us"]:.3f}{"" if v["disposition"] == "passed" else " " + v["disposition"]})')
            ratios[name].append(r["dg_us"] / v["us"])
        else:
            cells.append(f'{name}: failed')
    print(f'{r["m"]}x{r["n"]}x{r["k"]} #{r["round"]} DG {r["dg_us"]:.1f} | ' + " | ".join(cells))
for name, v in ratios.items():
    print(f'{name}: DG/gt geomean {math.exp(sum(map(math.log, v)) / len(v)):.3f} over {len(v)} samples')
# Per row (shape and config) and variant, the median over rounds of DG/gt: one number per row,
# as a comparison reports
per_row = collections.defaultdict(list)
for r in map(json.loads, open(sys.argv[1])):
    for name, v in r["variants"].items():
        if v and v.get("us") and r["dg_us"]:
            per_row[(r["m"], r["n"], r["k"], r["config"], name)].append(r["dg_us"] / v["us"])
for (m, n, k, config, name), v in per_row.items():
    print(f'{m}x{n}x{k} {config} {name}: DG/gt median {statistics.median(v):.3f} over {len(v)} '
          f'rounds (min {min(v):.3f}, max {max(v):.3f})')
PY
