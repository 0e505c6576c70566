#!/usr/bin/env python3
"""Rows of DeepGEMM comparisons (anchors' dg_compare.py cmp.jsonl) whose DG/gt ratio is below a
threshold, as a rows file for scripts/lab/device_define_ab.sh (`m n k config`), to be re-timed in
interleaved rounds: one comparison times each row once, and a power-capped multi-ms row moves
5-10% with the card's state at that moment (results/PERF_LOG.md, session 18).
  usage: python3 scripts/lab/dg_recheck_rows.py THRESHOLD CMP.jsonl... > rows.txt
GEMMTUNE_RECHECK_LONG_US (optional): rows whose gemmtune time is at least this many microseconds
are listed whatever their ratio (the reason: scripts/lab/grouped_recheck.py).
Rows whose DeepGEMM sample is suspect (over scripts/dg_table.py's SUSPECT_OVER_LT times cuBLASLt's
heuristic: a disturbed sample, session 35) are listed whatever their ratio too.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # scripts/dg_table.py
from dg_table import suspect  # noqa: E402  (one owner of what a suspect DeepGEMM sample is)

threshold = float(sys.argv[1])
long_us = float(os.environ.get("GEMMTUNE_RECHECK_LONG_US", "inf"))
print(f"# m n k config: rows with DG/gt < {threshold}, gemmtune >= {long_us} us or a suspect DeepGEMM "
      f"sample in {' '.join(sys.argv[2:])}")
for path in sys.argv[2:]:
    for line in open(path):
        row = json.loads(line)
        ratio = row.get("dg_over_gt")
        if ratio is not None and (ratio < threshold or row["gt_us"] >= long_us or suspect(row)):
            print(f'# {ratio:.3f} ({row["gt_us"]:.1f} against {row["dg_us"]:.1f} us)')
            print(f'{row["m"]} {row["n"]} {row["k"]} {row["config"]}')
