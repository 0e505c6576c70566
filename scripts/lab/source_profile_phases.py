#!/usr/bin/env python3
"""Where a K loop's warps wait, by phase of each 64-row slice, from Nsight Compute source pages.

usage: scripts/lab/source_profile_phases.py SOURCE_CSV_GZ [SOURCE_CSV_GZ ...]

Each file is a `<title>.source.csv.gz` of scripts/lab/device_source_profile.sh (ncu --page source
--csv --print-source sass): one row per SASS instruction with its warp-stall samples. The K loop
is the backward branch whose body holds the most wgmma (QGMMA) instructions. Its samples are
split by where the warp stands in a slice:
  issue      from WARPGROUP.ARRIVE to the slice's last wgmma (the one that sets gsb0);
  to_depbar  after that wgmma, up to and including WARPGROUP.DEPBAR (waiting for the MMAs);
  post       after the DEPBAR up to the next ARRIVE (promotion FFMAs, stage release, the next
             block's barrier wait).
Samples count warp time, so two kernels that run the same problem at one clock compare directly
(session 25: ours against DeepGEMM's at 4096 x 7168 x 16384). Printed per file: the samples in
and outside the loop, each phase's samples and its largest stall reasons, and the loop's samples
by instruction class.
"""
import collections
import csv
import gzip
import re
import sys

BRANCH = re.compile(r"BRA\s+0x([0-9a-f]+)")


def load(path):
    lines = list(csv.reader(gzip.open(path, "rt")))
    header = lines[1]  # line 0 names the kernel
    rows = [dict(zip(header, x)) for x in lines[2:] if len(x) == len(header)]
    base = int(rows[0]["Address"], 16)
    for r in rows:
        r["offset"] = int(r["Address"], 16) - base
        r["samples"] = int(r["Warp Stall Sampling (All Samples)"] or 0)
    stalls = [h for h in header if h.startswith("stall_") and "Not Issued" not in h]
    return rows, base, stalls


def k_loop(rows, base):
    """(first, last) offsets of the backward branch's body with the most wgmma instructions."""
    best = None
    for r in rows:
        m = BRANCH.search(r["Source"])
        if not m or int(m.group(1), 16) - base >= r["offset"]:
            continue
        lo, hi = int(m.group(1), 16) - base, r["offset"]
        mmas = sum(1 for x in rows if lo <= x["offset"] <= hi and "QGMMA" in x["Source"])
        if best is None or mmas > best[2]:
            best = (lo, hi, mmas)
    return best


def instruction_class(source):
    for name, needle in (("depbar", "DEPBAR"), ("wgmma", "QGMMA"), ("wgmma", "WARPGROUP.ARRIVE"),
                         ("ffma", "FFMA"), ("barrier_wait", "TRYWAIT"), ("barrier_wait", "BRA"),
                         ("loads", "LDS"), ("loads", "LDG"), ("scale", "FMUL"), ("scale", "R2UR")):
        if needle in source:
            return name
    return "other"


def main(paths):
    for path in paths:
        rows, base, stalls = load(path)
        lo, hi, mmas = k_loop(rows, base)
        phase = "post"
        samples = collections.Counter()
        reasons = collections.defaultdict(collections.Counter)
        classes = collections.Counter()
        for r in rows:
            if not lo <= r["offset"] <= hi:
                continue
            src = r["Source"]
            if "WARPGROUP.ARRIVE" in src:
                phase = "issue"
            samples[phase] += r["samples"]
            classes[instruction_class(src)] += r["samples"]
            for h in stalls:
                reasons[phase][h[len("stall_"):]] += int(r[h] or 0)
            if "QGMMA" in src and "gsb0" in src:
                phase = "to_depbar"
            elif "DEPBAR" in src:
                phase = "post"
        in_loop = sum(samples.values())
        total = sum(r["samples"] for r in rows)
        print(f"{path}: K loop {lo:#x}-{hi:#x} ({mmas} wgmma), {in_loop} samples in it, "
              f"{total - in_loop} outside")
        for name in ("issue", "to_depbar", "post"):
            top = ", ".join(f"{k} {v}" for k, v in reasons[name].most_common(5))
            print(f"  {name:9s} {samples[name]:7d}  ({top})")
        print("  by class: " + ", ".join(f"{k} {v}" for k, v in classes.most_common()))


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])
