#!/usr/bin/env python3
"""Issue 12's same-pick question from the records alone (no GPU): where two sweeps of one shape
set (one GPU against several) picked different configs, how far apart were the two configs in
each sweep's own screening? For each differing problem whose two configs both sweeps screened,
the ratio is the geometric mean over the two sweeps of (other pick's median / own pick's median).
A near-tie reads ~1.00; the side-by-side re-timing (scripts/same_pick_check.sh) stays the proof.

usage: same_pick_from_screens.py ONE_RUN_DIR[,SHARD_DIR...] MULTI_RUN_DIR
"""
import collections
import json
import statistics
import sys


def load(folders):
    picks, times = {}, collections.defaultdict(dict)
    for folder in folders:
        table = json.load(open(f"{folder}/tuning_table.json"))
        picks.update({(e["m"], p["n"], p["k"]): e.get("config")
                      for p in table["problems"] for e in p["entries"]})
        for line in open(f"{folder}/runs.jsonl"):
            r = json.loads(line)
            if r["kind"] == "gemmtune" and r.get("disposition") == "passed":
                key = (r["problem"]["m"], r["problem"]["n"], r["problem"]["k"])
                times[key].setdefault(r["config"], r["timing"]["median_us"])
    return picks, times


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    one_picks, one_times = load(sys.argv[1].split(","))
    multi_picks, multi_times = load([sys.argv[2]])
    differ = [k for k in one_picks if one_picks[k] != multi_picks.get(k)]
    ratios = []
    for k in differ:
        a, b = one_picks[k], multi_picks[k]
        pair = [one_times[k].get(a), one_times[k].get(b), multi_times[k].get(a), multi_times[k].get(b)]
        if all(pair):
            ratios.append(((pair[1] / pair[0]) * (pair[3] / pair[2])) ** 0.5)
    print(f"{len(one_picks)} problems, {len(differ)} different picks, {len(ratios)} with both configs "
          f"screened in both sweeps")
    if ratios:
        r = sorted(ratios)
        print(f"other pick / own pick: median {statistics.median(r):.3f}, p90 {r[int(0.9 * len(r))]:.3f}, "
              f"max {r[-1]:.3f}; over 1.02: {sum(x > 1.02 for x in r)}")


if __name__ == "__main__":
    main()
