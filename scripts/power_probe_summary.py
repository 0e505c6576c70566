#!/usr/bin/env python3
"""Per phase of a power probe: median µs, mean SM clock and power, cycles per call.

usage: scripts/power_probe_summary.py PHASES.jsonl SMI.csv [--floor-w W]

PHASES.jsonl: one line per phase, {"phase", "t0", "t1" (epoch seconds), "median_us"}.
SMI.csv: nvidia-smi --query-gpu=timestamp,clocks.sm,power.draw,temperature.gpu --format=csv,
noheader,nounits. Which samples count: without --floor-w, those in the phase's second half less
its last 5% (scripts/device_power_probe.sh: the set-up of inputs and references comes first);
with it, every sample of the phase drawing more than W watts (scripts/device_grouped_power_probe.sh:
DeepGEMM's harness sets up and checks around its timed calls, which draw less).
"""
import argparse
import datetime
import json


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("phases")
    ap.add_argument("smi")
    ap.add_argument("--floor-w", type=float)
    a = ap.parse_args()
    phases = [json.loads(l) for l in open(a.phases)]
    samples = []
    for line in open(a.smi):
        try:
            ts, mhz, w, temp = [x.strip() for x in line.split(",")]
            t = datetime.datetime.strptime(ts, "%Y/%m/%d %H:%M:%S.%f").timestamp()
            samples.append((t, float(mhz), float(w), float(temp)))
        except ValueError:
            pass
    for p in phases:
        if a.floor_w is None:
            lo = p["t0"] + 0.5 * (p["t1"] - p["t0"])
            hi = p["t1"] - 0.05 * (p["t1"] - p["t0"])
            s = [x for x in samples if lo <= x[0] <= hi]
            which = "samples"
        else:
            s = [x for x in samples if p["t0"] <= x[0] <= p["t1"] and x[2] > a.floor_w]
            which = f"samples > {a.floor_w:.0f} W"
        if not s or not p["median_us"]:
            print(p["phase"], "no samples" if not s else "no time")
            continue
        mhz = sum(x[1] for x in s) / len(s)
        w = sum(x[2] for x in s) / len(s)
        print(f'{p["phase"]:50s} {p["median_us"]:9.1f} us  {mhz:6.0f} MHz  {w:5.0f} W  '
              f'{p["median_us"] * mhz / 1e3:8.0f} kcycles/call  ({len(s)} {which}, {s[-1][3]:.0f} C)')


if __name__ == "__main__":
    main()
