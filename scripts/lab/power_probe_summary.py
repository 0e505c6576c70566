#!/usr/bin/env python3
"""Per phase of a power probe: median µs, mean SM clock and power, cycles per call.

usage: scripts/lab/power_probe_summary.py PHASES.jsonl SMI.csv [--floor-w W] [--pairs PLAN.jsonl
       [--pairs-out PREFIX]]

PHASES.jsonl: one line per phase, {"phase", "t0", "t1" (epoch seconds), "median_us"[, "period_us":
the harness's loop time per call]}.
A phase with "loop_t0" and "loop_t1" (epoch seconds of its timed calls) counts the samples of
that window, less its first 40%, whatever the options.
SMI.csv: nvidia-smi --query-gpu=timestamp,clocks.sm,power.draw,temperature.gpu[,power.draw.instant,
clocks_event_reasons.active] --format=csv,noheader,nounits (the last two optional: with them, the
mean instant power and the share of samples per clock-event reason, e.g. sw_power_cap). Which samples count: without --floor-w, those in the phase's second half less
its last 5% (scripts/lab/device_power_probe.sh: the set-up of inputs and references comes first);
with it, every sample of the phase drawing more than W watts (scripts/lab/device_grouped_power_probe.sh:
DeepGEMM's harness sets up and checks around its timed calls, which draw less).
--pairs: per problem of device_grouped_power_probe.sh --table's plan, DeepGEMM against gemmtune's
pick over the rounds (time, cycles and clock ratios, each side's clock, power and share of
samples under the software power cap), as PREFIX.jsonl and PREFIX.md.
"""
import argparse
import datetime
import json

# NVML's clock event reason bits (nvmlClocksEventReason*), the ones a loaded GPU reports.
REASONS = {0x4: "sw_power_cap", 0x8: "hw_slowdown", 0x20: "sw_thermal", 0x40: "hw_thermal",
           0x80: "hw_power_brake"}


def read_samples(path):
    """nvidia-smi's rows: (epoch s, SM MHz, W, C, instant W or None, reason bits or None)."""
    samples = []
    for line in open(path):
        try:
            f = [x.strip() for x in line.split(",")]
            t = datetime.datetime.strptime(f[0], "%Y/%m/%d %H:%M:%S.%f").timestamp()
            instant_w = float(f[4]) if len(f) > 4 else None
            reasons = int(f[5], 16) if len(f) > 5 else None
            samples.append((t, float(f[1]), float(f[2]), float(f[3]), instant_w, reasons))
        except ValueError:
            pass
    return samples


def phase_samples(p, samples, floor_w):
    """The samples that count for phase p, and how they were chosen (the module's docstring)."""
    if p.get("loop_t0") and p.get("loop_t1"):
        # The timed calls' own window, less its first 40% (the clock steps down to the cap
        # within ~0.3 s of load).
        lo = p["loop_t0"] + 0.4 * (p["loop_t1"] - p["loop_t0"])
        return [x for x in samples if lo <= x[0] <= p["loop_t1"]], "samples in the timed loop"
    if floor_w is None:
        lo = p["t0"] + 0.5 * (p["t1"] - p["t0"])
        hi = p["t1"] - 0.05 * (p["t1"] - p["t0"])
        return [x for x in samples if lo <= x[0] <= hi], "samples"
    return ([x for x in samples if p["t0"] <= x[0] <= p["t1"] and x[2] > floor_w],
            f"samples > {floor_w:.0f} W")


def phase_stats(p, s, floor_w):
    """Phase p's means over its samples s: MHz, W, instant W, the share under the power cap."""
    inst = None
    if s[0][4] is not None:
        # NOTE: over the samples whose own instant reading is loaded: the 1 s average stays
        # above the floor for a second after the calls end, while the instant one drops.
        loaded = [x[4] for x in s if x[4] > (floor_w or 0)] or [x[4] for x in s]
        inst = sum(loaded) / len(loaded)
    cap = None if s[0][5] is None else sum(1 for x in s if x[5] & 0x4) / len(s)
    mhz = sum(x[1] for x in s) / len(s)
    return {"us": p["median_us"], "mhz": mhz, "w": sum(x[2] for x in s) / len(s), "instant_w": inst,
            "cap_share": cap, "kcycles": p["median_us"] * mhz / 1e3, "period_us": p.get("period_us"),
            "samples": len(s), "celsius": s[-1][3]}


def print_phase(p, s, which, floor_w):
    st = phase_stats(p, s, floor_w)
    extra = ""
    if st["instant_w"] is not None:
        extra += f'  instant {st["instant_w"]:5.0f} W'
    if s[0][5] is not None:
        shares = [f'{name} {sum(1 for x in s if x[5] & bit) / len(s):.0%}'
                  for bit, name in REASONS.items() if any(x[5] & bit for x in s)]
        extra += "  reasons: " + (", ".join(shares) or "none")
    # The harness's loop per call (the call, the L2 flush and the host's gap), as the phase
    # measured it: at the cap its idle share moves the clock (PERF_LOG history).
    if p.get("period_us"):
        extra += f'  period {p["period_us"]:6.0f} us (duty {p["median_us"] / p["period_us"]:.2f})'
    print(f'{p["phase"]:50s} {p["median_us"]:9.1f} us  {st["mhz"]:6.0f} MHz  {st["w"]:5.0f} W  '
          f'{st["kcycles"]:8.0f} kcycles/call  ({len(s)} {which}, {s[-1][3]:.0f} C)' + extra)


def median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2] if len(xs) % 2 else 0.5 * (xs[len(xs) // 2 - 1] + xs[len(xs) // 2])


def side(stats):
    """One side of a problem over its rounds: the median of the µs, the mean of the rest."""
    out = {"us": median([x["us"] for x in stats]), "rounds": len(stats)}
    for key in ("mhz", "w", "instant_w", "cap_share"):
        vals = [x[key] for x in stats if x[key] is not None]
        out[key] = sum(vals) / len(vals) if vals else None
    out["kcycles"] = out["us"] * out["mhz"] / 1e3
    periods = [x["period_us"] for x in stats if x.get("period_us")]
    out["period_us"] = median(periods) if periods else None
    return out


def pairs(phases, samples, floor_w, plan_path, out_prefix):
    """Per problem of the plan (device_grouped_power_probe.sh --table): DeepGEMM's phases against
    gemmtune's pick's, as rows.jsonl and a markdown table rows.md."""
    plan = [json.loads(l) for l in open(plan_path)]
    rows = []
    for i, x in enumerate(plan):
        sides = {"deepgemm": [], "gemmtune": []}
        for p in phases:
            if p.get("problem") != i or not p["median_us"]:
                continue
            s, _ = phase_samples(p, samples, floor_w)
            if s:
                sides["deepgemm" if p["phase"].startswith("deepgemm#") else "gemmtune"].append(
                    phase_stats(p, s, floor_w))
        if not sides["deepgemm"] or not sides["gemmtune"]:
            continue
        pr = x["problem"]
        dg, gt = side(sides["deepgemm"]), side(sides["gemmtune"])
        rows.append({"label": pr["label"], "layout": pr["layout"], "n": pr["n"], "k": pr["k"],
                     "ms": pr["ms"], "config": x["configs"][0], "deepgemm": dg, "gemmtune": gt,
                     "dg_over_gt": dg["us"] / gt["us"], "cycles_dg_over_gt": dg["kcycles"] / gt["kcycles"],
                     "mhz_gt_over_dg": gt["mhz"] / dg["mhz"]})
    with open(out_prefix + ".jsonl", "w") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")

    def pct(v):
        return "-" if v is None else f"{v:.0%}"
    def idle(sd):
        return "-" if not sd["period_us"] else f'{sd["period_us"] - sd["us"]:.0f}'
    lines = ["| problem | N x K | rows | DeepGEMM / gemmtune | cycles DG / gt | clock gt / DG | "
             "DeepGEMM MHz, W, capped | gemmtune MHz, W, capped | idle µs a call, DG / gt |",
             "|---|---|--:|--:|--:|--:|---|---|---|"]
    for r in rows:
        dg, gt = r["deepgemm"], r["gemmtune"]
        lines.append(f'| {r["label"]} | {r["n"]} x {r["k"]} | {sum(r["ms"])} | {r["dg_over_gt"]:.3f} | '
                     f'{r["cycles_dg_over_gt"]:.3f} | {r["mhz_gt_over_dg"]:.3f} | '
                     f'{dg["mhz"]:.0f}, {dg["w"]:.0f}, {pct(dg["cap_share"])} | '
                     f'{gt["mhz"]:.0f}, {gt["w"]:.0f}, {pct(gt["cap_share"])} | {idle(dg)} / {idle(gt)} |')
    open(out_prefix + ".md", "w").write("\n".join(lines) + "\n")
    print("\n".join(lines))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("phases")
    ap.add_argument("smi")
    ap.add_argument("--floor-w", type=float)
    ap.add_argument("--pairs", help="the probe's plan (one problem a line): each problem's two sides")
    ap.add_argument("--pairs-out", default="rows", help="--pairs writes PREFIX.jsonl and PREFIX.md")
    a = ap.parse_args()
    phases = [json.loads(l) for l in open(a.phases)]
    samples = read_samples(a.smi)
    if a.pairs:
        pairs(phases, samples, a.floor_w, a.pairs, a.pairs_out)
        return
    for p in phases:
        s, which = phase_samples(p, samples, a.floor_w)
        if not s or not p["median_us"]:
            print(p["phase"], "no samples" if not s else "no time")
            continue
        print_phase(p, s, which, a.floor_w)


if __name__ == "__main__":
    main()
