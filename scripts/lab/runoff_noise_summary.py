#!/usr/bin/env python3
"""Summary of scripts/lab/device_runoff_noise.sh: per problem, config and condition, the median of the
per-process medians, their spread across processes (min..max), the pooled samples' p10 / p50 / p90
and median SM clock; then per problem, each config's median relative to the problem's fastest
under that condition (does load compress or reorder the configs?), and each condition's medians
relative to idle (does load slow the samples?).
usage: runoff_noise_summary.py noise.jsonl"""
import json
import statistics
import sys
from collections import defaultdict


def quantile(values, q):
    v = sorted(values)
    return v[min(len(v) - 1, int(q * len(v)))] if v else float("nan")


def main(path):
    rows = [json.loads(line) for line in open(path) if line.strip()]
    failed = [r for r in rows if r["disposition"] != "passed" or not r["samples_us"]]
    by = defaultdict(list)
    for r in rows:
        if r not in failed:
            by[(r["m"], r["n"], r["k"]), r["config"], r["cond"]].append(r)
    conds = ["idle", "load", "load_nice", "other_gpu"]
    problems = sorted({p for p, _, _ in by})
    med = {}
    for p in problems:
        print(f"\n{p[0]}x{p[1]}x{p[2]}")
        print(f"  {'config':42s} {'cond':9s} procs  median  (min..max of process medians)"
              f"  pooled p10/p50/p90  MHz")
        for c in sorted({c for q, c, _ in by if q == p}):
            for cond in conds:
                rs = by.get((p, c, cond), [])
                if not rs:
                    continue
                meds = [r["median_us"] for r in rs]
                pooled = [s for r in rs for s in r["samples_us"]]
                mhz = [f for r in rs for f in (r["samples_sm_mhz"] or [])]
                med[p, c, cond] = statistics.median(meds)
                print(f"  {c:42s} {cond:9s} {len(rs):5d} {med[p, c, cond]:7.2f}  "
                      f"({min(meds):.2f}..{max(meds):.2f})  {quantile(pooled, .1):6.2f} "
                      f"{quantile(pooled, .5):6.2f} {quantile(pooled, .9):6.2f}  "
                      f"{statistics.median(mhz) if mhz else float('nan'):.0f}")
        for cond in conds:
            here = {c: v for (q, c, k), v in med.items() if q == p and k == cond}
            if here:
                best = min(here.values())
                print(f"  {cond:9s} vs its fastest: " +
                      ", ".join(f"{c.replace('_sm132_rN8', '')} {v / best:.3f}" for c, v in sorted(here.items())))
        for cond in conds[1:]:
            ratios = [med[p, c, cond] / med[p, c, "idle"] for (q, c, k) in med
                      if q == p and k == cond and (p, c, "idle") in med]
            if ratios:
                print(f"  {cond} / idle, median over configs: {statistics.median(ratios):.3f}")
    print(f"\n{len(rows)} timed processes, {len(failed)} failed or untimed")


if __name__ == "__main__":
    main(sys.argv[1])
