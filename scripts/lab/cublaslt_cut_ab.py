#!/usr/bin/env python3
"""The cuBLASLt best search with its probe cut against screening every algorithm: two sweep
folders of one shape set (ALL swept with GEMMTUNE_CUBLASLT_SCREEN_ALL=1, CUT without), problem by
problem: the algorithm each picked, its re-timed median (the cublaslt_best record) and the median
the run-off timed beside gemmtune's winner (side_by_side), cut / all, and the search's seconds.
The two sweeps ran one after the other, so a ratio holds that much drift besides the pick.

  usage: python3 scripts/lab/cublaslt_cut_ab.py ALL_FOLDER CUT_FOLDER   (a table, then a summary line)
"""
import ast
import json
import math
import re
import sys


def load(folder):
    best, beside, search_s = {}, {}, {}
    for line in open(f"{folder}/runs.jsonl"):
        r = json.loads(line)
        p = r["problem"]
        key = (p["m"], p["n"], p["k"])
        if r.get("kind") == "cublaslt_best" and r.get("disposition") == "passed":
            best[key] = (json.dumps(r["algo"], sort_keys=True), r["timing"]["median_us"])
            search_s[key] = sum(float(x) for x in re.findall(r"\(([\d.]+) s", r.get("reason", "")))
        elif r.get("kind") == "side_by_side" and r.get("disposition") == "passed":
            sbs = r["side_by_side"]
            sbs = ast.literal_eval(sbs) if isinstance(sbs, str) else sbs
            if "cublaslt_best" in sbs:
                beside[key] = sbs["cublaslt_best"]["median_us"]
    return best, beside, search_s


def geomean(values):
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else float("nan")


def main():
    all_best, all_beside, all_s = load(sys.argv[1])
    cut_best, cut_beside, cut_s = load(sys.argv[2])
    keys = sorted(set(all_best) & set(cut_best))
    print("| m | n | k | same algo | best cut/all | beside cut/all | search s all | search s cut |")
    print("|--:|--:|--:|:-:|--:|--:|--:|--:|")
    same, best_ratios, beside_ratios = 0, [], []
    for key in keys:
        same_algo = all_best[key][0] == cut_best[key][0]
        same += same_algo
        ratio = cut_best[key][1] / all_best[key][1]
        best_ratios.append(ratio)
        beside = ""
        if key in all_beside and key in cut_beside:
            beside_ratios.append(cut_beside[key] / all_beside[key])
            beside = f"{beside_ratios[-1]:.3f}"
        print(f"| {key[0]} | {key[1]} | {key[2]} | {'yes' if same_algo else 'no'} | {ratio:.3f} | "
              f"{beside} | {all_s[key]:.1f} | {cut_s[key]:.1f} |")
    print(f"{len(keys)} problems: same algorithm {same}; cut/all geomean best {geomean(best_ratios):.3f} "
          f"(max {max(best_ratios, default=float('nan')):.3f}), beside {geomean(beside_ratios):.3f} "
          f"(max {max(beside_ratios, default=float('nan')):.3f}); search "
          f"{sum(all_s[k] for k in keys):.0f} s -> {sum(cut_s[k] for k in keys):.0f} s")


if __name__ == "__main__":
    main()
