#!/usr/bin/env python3
"""Per phase of a power probe: median µs, mean SM clock and power, cycles per call.

usage: scripts/lab/power_probe_summary.py PHASES.jsonl SMI.csv [--floor-w W]

PHASES.jsonl: one line per phase, {"phase", "t0", "t1" (epoch seconds), "median_us"[, "period_us":
the harness's loop time per call]}.
SMI.csv: nvidia-smi --query-gpu=timestamp,clocks.sm,power.draw,temperature.gpu[,power.draw.instant,
clocks_event_reasons.active] --format=csv,noheader,nounits (the last two optional: with them, the
mean instant power and the share of samples per clock-event reason, e.g. sw_power_cap). Which samples count: without --floor-w, those in the phase's second half less
its last 5% (scripts/lab/device_power_probe.sh: the set-up of inputs and references comes first);
with it, every sample of the phase drawing more than W watts (scripts/lab/device_grouped_power_probe.sh:
DeepGEMM's harness sets up and checks around its timed calls, which draw less).
"""
import argparse
import datetime
import json

# NVML's clock event reason bits (nvmlClocksEventReason*), the ones a loaded GPU reports.
REASONS = {0x4: "sw_power_cap", 0x8: "hw_slowdown", 0x20: "sw_thermal", 0x40: "hw_thermal",
           0x80: "hw_power_brake"}


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
            f = [x.strip() for x in line.split(",")]
            t = datetime.datetime.strptime(f[0], "%Y/%m/%d %H:%M:%S.%f").timestamp()
            instant_w = float(f[4]) if len(f) > 4 else None
            reasons = int(f[5], 16) if len(f) > 5 else None
            samples.append((t, float(f[1]), float(f[2]), float(f[3]), instant_w, reasons))
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
        extra = ""
        if s[0][4] is not None:
            # NOTE: over the samples whose own instant reading is loaded: the 1 s average stays
            # above the floor for a second after the calls end, while the instant one drops.
            inst = [x[4] for x in s if x[4] > (a.floor_w or 0)] or [x[4] for x in s]
            extra += f'  instant {sum(inst) / len(inst):5.0f} W'
        if s[0][5] is not None:
            shares = [f'{name} {sum(1 for x in s if x[5] & bit) / len(s):.0%}'
                      for bit, name in REASONS.items() if any(x[5] & bit for x in s)]
            extra += "  reasons: " + (", ".join(shares) or "none")
        # The harness's loop per call (the call, the L2 flush and the host's gap), as the phase
        # measured it: at the cap its idle share moves the clock (PERF_LOG session 30).
        if p.get("period_us"):
            extra += f'  period {p["period_us"]:6.0f} us (duty {p["median_us"] / p["period_us"]:.2f})'
        print(f'{p["phase"]:50s} {p["median_us"]:9.1f} us  {mhz:6.0f} MHz  {w:5.0f} W  '
              f'{p["median_us"] * mhz / 1e3:8.0f} kcycles/call  ({len(s)} {which}, {s[-1][3]:.0f} C)'
              + extra)


if __name__ == "__main__":
    main()
