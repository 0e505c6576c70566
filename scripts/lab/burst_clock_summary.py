#!/usr/bin/env python3
"""Per-burst clock summary of rounds.jsonl lines that carry samples (`--clock-per-sample`, from
scripts/lab/device_config_rounds.sh): for each run the SM clock at the burst's start and end, its
median, the time, the cycles per call (µs x MHz) and the duty cycle (call time over the period
between samples, from the GPU's own clock) and the first sample read below 1900 MHz (the power
controller's first step down; '-' if none), so that both sides' bursts can be read side by side.
  usage: python3 scripts/lab/burst_clock_summary.py rounds.jsonl
"""
import json
import statistics
import sys


def med(xs):
    return statistics.median(xs) if xs else float('nan')


def first_step(mhz):
    """Index of the first sample read below 1900 MHz, or None if the clock never stepped down."""
    return next((i for i, f in enumerate(mhz) if f < 1900), None)


runs = [r for r in map(json.loads, open(sys.argv[1])) if r.get('samples_us') and r.get('samples_sm_mhz')]
print(f'{"problem":22s} {"config":52s} rd {"us":>8s} {"MHz first3":>10s} {"last3":>6s} {"median":>6s} '
      f'{"Mcyc/call":>9s} {"period us":>9s} {"duty":>5s} {"step@":>5s}')
by_config = {}
for r in runs:
    us, mhz, end = r['samples_us'], r['samples_sm_mhz'], r['samples_end_ns']
    periods = [(b - a) / 1000.0 for a, b in zip(end, end[1:])]
    cycles = [u * f / 1e6 for u, f in zip(us, mhz)]
    problem = f'{r["m"]}x{r["n"]}x{r["k"]}'
    step = first_step(mhz)
    by_config.setdefault((problem, r['config']), []).append(r)
    print(f'{problem:22s} {r["config"][:52]:52s} {r["round"]:2d} {med(us):8.1f} {med(mhz[:3]):10.0f} '
          f'{med(mhz[-3:]):6.0f} {med(mhz):6.0f} {med(cycles):9.3f} {med(periods):9.1f} '
          f'{med(us) / med(periods):5.3f} {"-" if step is None else step:>5}')

# Per problem and config over its rounds: where each burst first stepped down (its sample count
# = never), the median time of the samples taken at >= 1900 MHz (the kernels compared at the
# same clock), and the median of the bursts' medians (what the comparison reports).
print()
print(f'{"problem":22s} {"config":64s} {"steps":>16s} {"us@>=1900":>9s} {"median":>8s}')
for (problem, config), rs in by_config.items():
    steps = [first_step(r['samples_sm_mhz']) for r in rs]
    steps = [len(r['samples_us']) if s is None else s for r, s in zip(rs, steps)]
    full = [u for r in rs for u, f in zip(r['samples_us'], r['samples_sm_mhz']) if f >= 1900]
    print(f'{problem:22s} {config[:64]:64s} {",".join(map(str, steps)):>16s} {med(full):9.1f} '
          f'{med([med(r["samples_us"]) for r in rs]):8.1f}')
