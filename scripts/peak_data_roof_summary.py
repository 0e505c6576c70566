#!/usr/bin/env python3
"""The table of scripts/device_peak_data_roof.sh: per probe variant and data, the table's pick
and DeepGEMM, the median over rounds of each run's median µs, its TFLOPS, SM clock and
kcycles per call (µs x MHz), and every round's µs.

  usage: python3 scripts/peak_data_roof_summary.py ROUNDS.jsonl

Clocks: the probe's CTA 0 cycles over its nanoseconds (median over its samples); gemmtune's and
DeepGEMM's the clock probe after each sample (`--clock-per-sample`), median over samples.
"""
import json
import statistics
import sys

FLOPS = 2.0 * 4096 * 7168 * 16384
GOAL_TFLOPS = 1550.0


def runs(path):
    """(label, µs, MHz, validated) per run; validated is None where the side does not validate."""
    for line in open(path):
        d = json.loads(line)
        side = d['side']
        if side.startswith('probe_'):
            yield f"{d['variant']} ({d['data']})", d['median_us'], d['sm_mhz'], None
        elif side == 'gemmtune':
            ms = [x for x in d.get('measurements', []) if x.get('kind') == 'gemmtune']
            if not ms or not ms[0].get('timing'):
                continue
            x = ms[0]
            ok = x.get('disposition') == 'passed'
            yield f"gemmtune {x.get('config', '')}", x['timing']['median_us'], \
                x.get('clock', {}).get('sample_median_mhz', 0.0), ok
        elif side == 'deepgemm':
            mhz = d.get('samples_sm_mhz') or [0.0]
            yield 'DeepGEMM fp8_gemm_nt', d['median_us'], statistics.median(mhz), None


def main(path):
    by = {}
    for label, us, mhz, ok in runs(path):
        by.setdefault(label, []).append((us, mhz, ok))
    print(f'4096 x 7168 x 16384; goal {GOAL_TFLOPS:.0f} TFLOPS = {FLOPS / GOAL_TFLOPS / 1e6:.1f} µs\n')
    print('| run | µs (median of rounds) | TFLOPS | SM MHz | kcycles a call | each round µs | validated |')
    print('|---|--:|--:|--:|--:|---|---|')
    for label, xs in by.items():
        us = statistics.median(x[0] for x in xs)
        mhz = statistics.median(x[1] for x in xs)
        oks = [x[2] for x in xs if x[2] is not None]
        valid = '' if not oks else f'{sum(oks)} of {len(oks)}'
        print(f'| {label} | {us:.1f} | {FLOPS / us / 1e6:.0f} | {mhz:.0f} | {us * mhz / 1e3:.0f} | '
              f'{", ".join(f"{x[0]:.1f}" for x in xs)} | {valid} |')


if __name__ == '__main__':
    main(sys.argv[1])
