#!/usr/bin/env python3
"""Issue 10's bandwidth and cuBLASLt goals against what the card allows, from one sweep run with
`--stream-floor` (its runs.jsonl, plain or gzipped): per problem, the fastest possible time is
max(stream floor, FLOPs at the datasheet's dense FP8 peak), so
  - the most a config can gain over cuBLASLt's best enumerated algorithm is cublaslt_best / that,
  - the most effective HBM throughput an M <= 128 row can show is its bytes / its floor.
Printed: a table per problem and the geometric means beside the goals (1.25x cuBLASLt best over
the whole set; 2.0 TB/s over the M <= 128 rows; 3.5 TB/s at 64 x 7168 x 16384). A goal above its
bound cannot be met by any kernel in this protocol, as far as the floor is a floor: the floor is
the fastest of the reads tried (README "The stream floor"), so a faster read would raise the bound.
Where a config already beats its row's bound (the stream kernels pay for the memset flush's dirty
lines too; 64 x 7168 x 16384 on the H200, 2026-11-26), the floor bounds nothing there: such rows
are marked and a goal over them reads "no bound" instead of a verdict.
  usage: python3 scripts/lab/goal_bounds.py RUN_FOLDER/runs.jsonl[.gz] [PEAK_TFLOPS]
  PEAK_TFLOPS: default 1979 (H100/H200 SXM datasheet, dense FP8).
"""
import gzip
import json
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # scripts/dg_table.py
from dg_table import geomean  # noqa: E402

CUBLASLT_GOAL = 1.25
HBM_GOAL_TBPS = 2.0
ROW_GOAL = ((64, 7168, 16384), 3.5)


def read_rows(path):
    opener = gzip.open if path.endswith('.gz') else open
    rows = {}
    with opener(path, 'rt') as f:
        for line in f:
            r = json.loads(line)
            p = r.get('problem', {})
            if p.get('op', 'dense') != 'dense' or r.get('disposition') != 'passed':
                continue
            t = (r.get('timing') or {}).get('median_us')
            if not t:
                continue
            d = rows.setdefault((p['m'], p['n'], p['k']), {})
            kind = r['kind']
            # The table's config is the run-off winner; the fastest passing gemmtune record is
            # the closest a run folder says without the table (the screening may be faster).
            if kind == 'gemmtune':
                d['gemmtune'] = min(d.get('gemmtune', math.inf), t)
            elif kind in ('stream_floor', 'cublaslt_best'):
                d[kind] = t
            if kind == 'stream_floor':
                # The bytes the floor read: A, B, D and both scale tensors once (the tool's
                # gemm_min_bytes, rounded up to 16), the bytes the TB/s goals count.
                d['bytes'] = r['stream_floor']['bytes']
    return rows


def main(path, peak_tflops):
    rows = read_rows(path)
    missing = sorted(key for key, d in rows.items() if 'stream_floor' not in d or 'cublaslt_best' not in d)
    if missing:
        print(f'{len(missing)} problems lack a stream_floor or cublaslt_best record (sweep --stream-floor, '
              f'without --skip-cublaslt-best): left out')
    keys = sorted(key for key in rows if key not in missing)
    if not keys:
        sys.exit('no problem with both records')
    print('| M | N | K | gemmtune µs | cuBLASLt best µs | floor µs | bound µs | vs cuBLASLt now | vs cuBLASLt at most '
          '| TB/s now | TB/s at most |')
    print('|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|')
    now, most, tb_now, tb_most = [], [], [], []
    beaten_all, beaten_small = 0, 0  # rows whose config is faster than their bound
    row_goal = None
    for m, n, k in keys:
        d = rows[(m, n, k)]
        bound = max(d['stream_floor'], 2.0 * m * n * k / (peak_tflops * 1e12) * 1e6)
        beaten = d['gemmtune'] < bound
        beaten_all += beaten
        now.append(d['cublaslt_best'] / d['gemmtune'])
        most.append(d['cublaslt_best'] / bound)
        mb = d['bytes'] / 1e6
        tbps, tbps_most = mb / d['gemmtune'], mb / d['stream_floor']
        if m <= 128:
            tb_now.append(tbps)
            tb_most.append(tbps_most)
            beaten_small += beaten
        if (m, n, k) == ROW_GOAL[0]:
            row_goal = (tbps, tbps_most, beaten)
        mark = ' (below its bound)' if beaten else ''
        print(f"| {m} | {n} | {k} | {d['gemmtune']:.2f}{mark} | {d['cublaslt_best']:.2f} | {d['stream_floor']:.2f} | "
              f'{bound:.2f} | {now[-1]:.3f} | {most[-1]:.3f} | {tbps:.2f} | {tbps_most:.2f} |')
    print()
    def verdict(goal, bound, beaten):
        if beaten:
            return f'no bound: the config beats the floor on {beaten} of these rows'
        return 'reachable' if bound >= goal else 'beyond the floor'

    print(f'- vs cuBLASLt best (geomean over {len(keys)}): now **{geomean(now):.3f}**, at most '
          f'**{geomean(most):.3f}**; goal {CUBLASLT_GOAL}: {verdict(CUBLASLT_GOAL, geomean(most), beaten_all)}')
    if tb_now:
        print(f'- M <= 128 effective HBM (geomean over {len(tb_now)}): now **{geomean(tb_now):.2f} TB/s**, '
              f'at most **{geomean(tb_most):.2f}**; goal {HBM_GOAL_TBPS}: '
              f'{verdict(HBM_GOAL_TBPS, geomean(tb_most), beaten_small)}')
    if row_goal:
        print(f'- {" x ".join(map(str, ROW_GOAL[0]))}: now **{row_goal[0]:.2f} TB/s**, at most '
              f'**{row_goal[1]:.2f}**; goal {ROW_GOAL[1]}: {verdict(ROW_GOAL[1], row_goal[1], int(row_goal[2]))}')


if __name__ == '__main__':
    main(sys.argv[1], float(sys.argv[2]) if len(sys.argv) > 2 else 1979.0)
