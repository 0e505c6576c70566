#!/usr/bin/env python3
"""Board power during each burst of rounds.jsonl (`--clock-per-sample` runs) from an nvidia-smi
log sampled alongside (timestamp, clocks.sm, power.draw.instant, power.draw, temperature.gpu;
-lms 20). A burst's window runs from its first sample's end to its last's (GPU %globaltimer, ns
since the epoch as on the host); the smi timestamps are the host's UTC. Prints per burst: mean
instantaneous power over the samples taken at >= 1900 MHz and below it, and the temperature.
  usage: python3 scripts/lab/burst_power.py rounds.jsonl smi.csv[.gz]
"""
import datetime
import gzip
import json
import statistics
import sys

opener = gzip.open if sys.argv[2].endswith('.gz') else open
smi = []
for line in opener(sys.argv[2], 'rt'):
    try:
        ts, mhz, inst, _avg, temp = [x.strip() for x in line.split(',')]
        t = datetime.datetime.strptime(ts, '%Y/%m/%d %H:%M:%S.%f').replace(
            tzinfo=datetime.timezone.utc).timestamp()
        smi.append((t, float(mhz), float(inst), float(temp)))
    except ValueError:
        continue
print(f'{"problem":18s} {"config":60s} rd {"W >=1900":>8s} {"W <1900":>8s} {"n":>4s} {"C":>4s}')
for line in open(sys.argv[1]):
    r = json.loads(line)
    end = r.get('samples_end_ns')
    if not end:
        continue
    a, b = end[0] / 1e9, end[-1] / 1e9
    window = [s for s in smi if a <= s[0] <= b]
    hi = [s[2] for s in window if s[1] >= 1900]
    lo = [s[2] for s in window if s[1] < 1900]
    f = lambda xs: f'{statistics.mean(xs):8.0f}' if xs else f'{"-":>8s}'
    temp = f'{window[-1][3]:4.0f}' if window else '   -'
    print(f'{r["m"]}x{r["n"]}x{r["k"]:<6d} {r["config"][:60]:60s} {r["round"]:2d} {f(hi)} {f(lo)} '
          f'{len(window):4d} {temp}')
