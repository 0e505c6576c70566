#!/usr/bin/env python3
"""Summarises scripts/lab/device_stream_floor.sh's floor.jsonl as markdown: per flush kind (records
without one are the protocol's write flush), a table with, per row (medians over its rounds),
gemmtune's and DeepGEMM's µs and TB/s against the stream floor of the same bytes in the same
protocol, and the geometric means issue 10 states its bandwidth goals in; with both kinds, what
the read flush (a clean L2) changes.
  usage: python3 scripts/lab/stream_floor_summary.py floor.jsonl
"""
import json
import math
import statistics
import sys


def geomean(values):
    values = [v for v in values if v]
    return math.exp(sum(map(math.log, values)) / len(values)) if values else float('nan')


def table(rows, flush):
    """Prints one flush kind's table; returns {row: (gemmtune µs, floor µs)}."""
    med = lambda rs, key: statistics.median(x[key] for x in rs if x.get(key))
    print(f'### Flush: {flush}\n')
    print('| M | N | K | MB | gemmtune µs | DeepGEMM µs | floor µs (fastest) | empty launch µs '
          '| gemmtune TB/s | floor TB/s | gemmtune / floor time |')
    print('|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|')
    tbps_gt, tbps_floor, over, out = [], [], [], {}
    for (m, n, k), rs in sorted(rows.items()):
        mb = rs[0]['bytes'] / 1e6
        gt, fl = med(rs, 'gemmtune_us'), med(rs, 'floor_us')
        out[(m, n, k)] = (gt, fl)
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
          f'**{geomean(tbps_floor):.2f}**; gemmtune takes **{geomean(over):.3f}x** the floor (geomean).\n')
    return out


def main(path):
    by_flush = {}
    for line in open(path):
        r = json.loads(line)
        flush = r.get('flush', 'write')
        if r.get('disposition') != 'passed':
            print(f"row {r['m']}x{r['n']}x{r['k']} round {r['round']} flush {flush}: {r.get('disposition')}")
            continue
        by_flush.setdefault(flush, {}).setdefault((r['m'], r['n'], r['k']), []).append(r)
    results = {flush: table(rows, flush) for flush, rows in by_flush.items()}
    if 'write' in results and 'read' in results:
        both = [key for key in results['write'] if key in results['read']]
        gt = geomean([results['write'][key][0] / results['read'][key][0] for key in both])
        fl = geomean([results['write'][key][1] / results['read'][key][1] for key in both])
        print(f'Write flush over read flush, time (geomean over {len(both)} rows): gemmtune '
              f'**{gt:.3f}x**, stream floor **{fl:.3f}x** (above 1: the write flush\'s dirty L2 '
              f'lines cost the call that much).')


if __name__ == '__main__':
    main(sys.argv[1])
