#!/usr/bin/env python3
"""The table of scripts/lab/device_peak_data_roof.sh: per probe variant and data, the table's pick
and DeepGEMM, the median over rounds of each run's median µs, its TFLOPS, its SM clock read two
ways, kcycles per call, and every round's µs.

  usage: python3 scripts/lab/peak_data_roof_summary.py ROUNDS.jsonl

Clocks (median over a run's samples, then over rounds):
  - in the kernel: the probe's CTA 0 cycles over its globaltimer span; gemmtune_inkernel's the
    tile profile's CTA 0 line per launch (the same reading);
  - after each sample: gemmtune's and DeepGEMM's `--clock-per-sample` probe kernel, launched
    behind each sample's stop event.
kcycles a call use the in-kernel clock where there is one, else the after-sample clock.
"""
import json
import statistics
import sys

GOAL_TFLOPS = 1550.0  # issue 10's peak goal, for the peak row
PEAK_ROW = (4096, 7168, 16384)


def problem_of(d):
    """(M, N, K) of a record: the probe's and DeepGEMM's top level, gemmtune's measurement."""
    if 'm' in d:
        return d['m'], d['n'], d['k']
    p = next(x for x in d['measurements'] if x.get('kind') == 'gemmtune')['problem']
    return p['m'], p['n'], p['k']


def runs(path):
    """(label, µs, in-kernel MHz or None, after-sample MHz or None, validated or None) per run."""
    for line in open(path):
        d = json.loads(line)
        side = d['side']
        if side.startswith('probe'):
            alone = ':' in side and ',' not in side.split(':')[1]
            yield (f"probe {d['variant']} ({d['data']}{', alone' if alone else ''})", d['median_us'],
                   d['sm_mhz'], None, None)
        elif side.startswith('gemmtune'):
            ms = [x for x in d.get('measurements', []) if x.get('kind') == 'gemmtune']
            if not ms or not ms[0].get('timing'):
                continue
            x = ms[0]
            inkernel = statistics.median(d['inkernel_mhz']) if d.get('inkernel_mhz') else None
            hook = ' [tile-profile hook]' if side == 'gemmtune_inkernel' else ''
            yield (f"gemmtune {x.get('config', '')}{hook}", x['timing']['median_us'], inkernel,
                   x.get('clock', {}).get('sample_median_mhz'), x.get('disposition') == 'passed')
        elif side == 'deepgemm':
            mhz = d.get('samples_sm_mhz')
            yield 'DeepGEMM fp8_gemm_nt', d['median_us'], None, statistics.median(mhz) if mhz else None, None


def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def main(path):
    by = {}
    for label, *rest in runs(path):
        by.setdefault(label, []).append(rest)
    m, n, k = problem_of(json.loads(open(path).readline()))
    flops = 2.0 * m * n * k
    goal = f'; goal {GOAL_TFLOPS:.0f} TFLOPS = {flops / GOAL_TFLOPS / 1e6:.1f} µs' if (m, n, k) == PEAK_ROW else ''
    print(f'{m} x {n} x {k}{goal}\n')
    print('| run | µs (median of rounds) | TFLOPS | MHz in the kernel | MHz after each sample | '
          'kcycles a call | each round µs | validated |')
    print('|---|--:|--:|--:|--:|--:|---|---|')
    fmt = lambda v: '' if v is None else f'{v:.0f}'
    for label, xs in by.items():
        us = med(x[0] for x in xs)
        inside, after = med(x[1] for x in xs), med(x[2] for x in xs)
        clock = inside or after
        oks = [x[3] for x in xs if x[3] is not None]
        valid = '' if not oks else f'{sum(oks)} of {len(oks)}'
        print(f'| {label} | {us:.1f} | {flops / us / 1e6:.0f} | {fmt(inside)} | {fmt(after)} | '
              f'{fmt(us * clock / 1e3 if clock else None)} | {", ".join(f"{x[0]:.1f}" for x in xs)} | {valid} |')


if __name__ == '__main__':
    main(sys.argv[1])
