#!/usr/bin/env python3
"""Summarises scripts/device_stream_floor.sh's floor.jsonl as a markdown table: per row (medians
over its rounds) gemmtune's and DeepGEMM's µs and TB/s against the stream floor of the same bytes
in the same protocol, and the geometric means issue 10 states its bandwidth goals in.
  usage: python3 scripts/stream_floor_summary.py floor.jsonl
"""
import json
import math
import statistics
import sys


def geomean(values):
    values = [v for v in values if v]
    return math.exp(sum(map(math.log, values)) / len(values)) if values else float('nan')


def main(path):
    rows = {}
    for line in open(path):
        r = json.loads(line)
        if r.get('disposition') != 'passed':
            print(f"row {r['m']}x{r['n']}x{r['k']} round {r['round']}: {r.get('disposition')}")
            continue
        rows.setdefault((r['m'], r['n'], r['k']), []).append(r)
    med = lambda rs, key: statistics.median(x[key] for x in rs if x.get(key))
    print('| M | N | K | MB | gemmtune µs | DeepGEMM µs | floor µs (fastest) | empty launch µs '
          '| gemmtune TB/s | floor TB/s | gemmtune / floor time |')
    print('|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|')
    tbps_gt, tbps_floor, over = [], [], []
    for (m, n, k), rs in sorted(rows.items()):
        mb = rs[0]['bytes'] / 1e6
        gt, fl = med(rs, 'gemmtune_us'), med(rs, 'floor_us')
        dg = [x['deepgemm_us'] for x in rs if x.get('deepgemm_us')]
        dg_text = f'{statistics.median(dg):.2f}' if dg else 'n/a'
        fastest = max(set(x['fastest'] for x in rs), key=[x['fastest'] for x in rs].count)
        tbps_gt.append(mb / gt)  # MB per µs is TB/s
        tbps_floor.append(mb / fl)
        over.append(gt / fl)
        print(f'| {m} | {n} | {k} | {mb:.1f} | {gt:.2f} | {dg_text} | {fl:.2f} ({fastest}) | '
              f'{med(rs, "empty_call_us"):.2f} | {tbps_gt[-1]:.2f} | {tbps_floor[-1]:.2f} | {over[-1]:.3f} |')
    print()
    print(f'{len(rows)} rows: effective TB/s geomean gemmtune **{geomean(tbps_gt):.2f}**, stream floor '
          f'**{geomean(tbps_floor):.2f}**; gemmtune takes **{geomean(over):.3f}x** the floor (geomean).')


if __name__ == '__main__':
    main(sys.argv[1])
