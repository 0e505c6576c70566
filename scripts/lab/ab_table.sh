#!/usr/bin/env bash
# Markdown table from scripts/lab/device_ab.sh output: for each shape and variant, the fastest passed
# config, its call-mode median µs, DeepGEMM's call µs (ANCHORS.md) over ours (the TFLOPS and GB/s
# ratio alike: both move the same bytes and FLOPs), and cuBLASLt's block-scaled heuristic over ours,
# timed in the same process. A config that failed validation is never selected.
#   usage: bash scripts/lab/ab_table.sh ANCHORS_MD DIR VARIANT...
#   (reads DIR/ab_<variant>.jsonl, or DIR/ab_<variant>.jsonl.gz as results/ keeps the larger ones)
set -euo pipefail
anchors=$1 dir=$2
shift 2
# ANCHORS.md rows: | M | N | K | DeepGEMM call µs | ...
anchor_rows=$(awk -F'|' '$2 ~ /^ *[0-9]+ *$/ {gsub(/ /, ""); print $2, $3, $4, $5}' "$anchors")
for v in "$@"; do
  file=$dir/ab_$v.jsonl
  if [[ -f $file ]]; then cat "$file"; else gzip -dc "$file.gz"; fi | jq -r --arg v "$v" '
    [.measurements[] | select(.kind == "gemmtune")][0] as $g
    | ([.measurements[] | select(.kind == "cublaslt_heuristic")][0].timing.median_us // 0) as $h
    | select($g.disposition == "passed")
    | "\($v) \($g.problem.m) \($g.problem.n) \($g.problem.k) \($g.config) \($g.timing.median_us) \($h)"'
done | awk -v variants="$*" -v anchors="$anchor_rows" '
  BEGIN {
    nv = split(variants, vs, " ")
    na = split(anchors, lines, "\n")
    for (i = 1; i <= na; i++) { split(lines[i], f, " "); dg[f[1] " " f[2] " " f[3]] = f[4] }
  }
  {
    key = $2 " " $3 " " $4; k = $1 SUBSEP key
    if (!(k in best) || $6 < best[k]) { best[k] = $6; cfg[k] = $5; heur[k] = $7 }
    shapes[key] = 1
  }
  END {
    printf "| M | N | K |"
    for (i = 1; i <= nv; i++) printf " %s: config | µs | vs DeepGEMM | vs cuBLASLt heur. |", vs[i]
    printf "\n|--:|--:|--:|"
    for (i = 1; i <= nv; i++) printf ":--|--:|--:|--:|"
    printf "\n"
    n = 0
    for (key in shapes) order[++n] = key
    # sort by N, K, then M (insertion sort; at most a few dozen shapes)
    for (i = 2; i <= n; i++) {
      x = order[i]; split(x, a, " "); j = i - 1
      while (j > 0) {
        split(order[j], b, " ")
        if (b[2] + 0 > a[2] + 0 || (b[2] == a[2] && (b[3] + 0 > a[3] + 0 || (b[3] == a[3] && b[1] + 0 > a[1] + 0)))) {
          order[j + 1] = order[j]; j--
        } else break
      }
      order[j + 1] = x
    }
    for (i = 1; i <= n; i++) {
      key = order[i]; split(key, a, " ")
      printf "| %s | %s | %s |", a[1], a[2], a[3]
      for (j = 1; j <= nv; j++) {
        k = vs[j] SUBSEP key
        if (!(k in best)) { printf " - | - | - | - |"; continue }
        short = cfg[k]; sub(/_sm.*/, "", short)
        r = (key in dg) ? sprintf("%.3f", dg[key] / best[k]) : "-"
        printf " %s | %.1f | %s | %.2f |", short, best[k], r, heur[k] / best[k]
      }
      printf "\n"
    }
  }'
