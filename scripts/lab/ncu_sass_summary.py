#!/usr/bin/env python3
"""Summarises scripts/lab/device_ncu_sampling_vs_deepgemm.sh's pages: the sides' section metrics
side by side, then per side warp instructions executed and stall samples by opcode, and the
samples in the K loop's parts (tensor-core waits, promotion FFMAs, barrier-wait branches, the rest).
usage: python3 scripts/lab/ncu_sass_summary.py DIR NAME[:CTAS] ...   (e.g. dg:132 c1:124)"""
import collections
import csv
import sys


def number(text):
    try:
        return float(text.replace(',', ''))
    except ValueError:
        return 0.0


def instructions(path):
    table = list(csv.reader(open(path)))
    header = table[1]  # row 0 names the kernel
    return [dict(zip(header, row)) for row in table[2:] if len(row) == len(header)]


def part(source, previous):
    if 'DEPBAR' in source:
        return 'mma wait'
    if 'BRA' in source and 'PHASECHK' in previous:
        return 'barrier-wait branch'
    for opcode, name in (('FFMA', 'promotion ffma'), ('GMMA', 'mma issue'), ('FMUL', 'scale fmul')):
        if opcode in source:
            return name
    return 'rest'


def summarise(directory, name, ctas):
    executed, samples, parts = collections.Counter(), collections.Counter(), collections.Counter()
    previous = ''
    for row in instructions(f'{directory}/{name}.sass.csv'):
        words = row['Source'].split()
        if not words:
            continue
        opcode = words[1] if words[0].startswith('@') and len(words) > 1 else words[0]
        sampled = number(row['Warp Stall Sampling (All Samples)'])
        executed[opcode] += number(row['Instructions Executed'])
        samples[opcode] += sampled
        parts[part(row['Source'], previous)] += sampled
        previous = row['Source']
    total = sum(samples.values())
    print(f'== {name}: {sum(executed.values()) / 1e6:.2f} M warp instructions, {total:.0f} samples')
    if ctas:
        print('  samples per CTA: ' + ', '.join(f'{k} {v / ctas:.1f}' for k, v in parts.most_common()))
    for opcode, count in executed.most_common(20):
        print(f'  {opcode:32s} {count / 1e3:10.1f} k executed {samples[opcode]:7.0f} samples')


def details(directory, names):
    metrics = {}
    for name in names:
        table = list(csv.reader(open(f'{directory}/{name}.details.csv')))
        for row in table[1:]:
            row = dict(zip(table[0], row))
            if row.get('Metric Name'):
                key = (row['Section Name'][:24], row['Metric Name'][:48], row['Metric Unit'][:10])
                metrics.setdefault(key, {})[name] = row['Metric Value']
    print(f"{'section':24s} {'metric':48s} {'unit':10s} " + ' '.join(f'{n:>14s}' for n in names))
    for (section, metric, unit), values in metrics.items():
        print(f'{section:24s} {metric:48s} {unit:10s} ' +
              ' '.join(f"{values.get(n, ''):>14s}" for n in names))


details(sys.argv[1], [arg.partition(':')[0] for arg in sys.argv[2:]])
for arg in sys.argv[2:]:
    name, _, ctas = arg.partition(':')
    summarise(sys.argv[1], name, int(ctas) if ctas else 0)
