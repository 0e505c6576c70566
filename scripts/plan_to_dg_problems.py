#!/usr/bin/env python3
#   usage: gemmtune plan --shapes SET.json --json | plan_to_dg_problems.py OUT.json [--skip FILE...]
"""The grouped problems of a shape set, their group sizes drawn by gemmtune itself (`gemmtune plan
--json`, which owns the seeded distributions), written in the anchors' dg_grouped.py format
(layout, n, k, ms, max_m, label), so DeepGEMM is timed on exactly the problems gemmtune sweeps.

Why: the grouped comparison covers configs/dsv3-moe.json (64 problems from seeded distributions), and
DeepGEMM's harness takes explicit group sizes only.

  usage: gemmtune plan --shapes SET.json --json | plan_to_dg_problems.py OUT.json [--skip FILE...]
--skip leaves out problems already in another problem file (same layout, n, k and ms);
--exclude-label leaves out problems whose shape-set label contains TEXT, --label keeps only those.
"""
import argparse
import json
import sys

from atomic_text import write_text_atomic


def key(p):
    return (p["layout"], p["n"], p["k"], tuple(p["ms"]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--skip", nargs="*", default=[])
    ap.add_argument("--exclude-label", action="append", default=[])
    ap.add_argument("--label", action="append", default=[])
    args = ap.parse_args()
    plan = json.load(sys.stdin)
    skip = {key(p) for f in args.skip for p in json.load(open(f))["problems"]}
    problems, seen = [], set()
    for p in plan["problems"]:
        if (not p["op"].startswith("grouped_") or any(t in p["label"] for t in args.exclude_label)
                or (args.label and not any(t in p["label"] for t in args.label))):
            continue
        layout = p["op"][len("grouped_"):]
        row = {"layout": layout, "n": p["n"], "k": p["k"], "ms": p["group_m"]}
        if layout == "masked":
            row["max_m"] = p["max_m"]
        g, rows = len(p["group_m"]), sum(p["group_m"])
        row["label"] = f"{p['label']} g{g} {rows} rows"
        if key(row) in skip or key(row) in seen:
            continue
        seen.add(key(row))
        problems.append(row)
    write_text_atomic(args.out, json.dumps(
        {"_comment": f"grouped problems of {plan['shapes']['path']}, group sizes from `gemmtune plan "
                     "--json`; scripts/plan_to_dg_problems.py", "problems": problems}, indent=1))
    print(f"{len(problems)} problems -> {args.out}")


if __name__ == "__main__":
    sys.exit(main())
