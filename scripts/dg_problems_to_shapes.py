#!/usr/bin/env python3
"""Grouped problem lists in the anchors' dg_grouped.py format (layout, n, k, ms, max_m, label) as
one gemmtune shape set (op grouped_contiguous / grouped_masked, explicit group sizes), so that
`gemmtune sweep` tunes exactly the problems DeepGEMM is timed on.

usage: dg_problems_to_shapes.py NAME OUT.json PROBLEMS.json...
"""
import json, sys

from atomic_text import write_text_atomic


def main():
    name, out, files = sys.argv[1], sys.argv[2], sys.argv[3:]
    problems = []
    for f in files:
        for p in json.load(open(f))["problems"]:
            shape = {"label": p.get("label", ""), "op": "grouped_" + p["layout"], "n": p["n"],
                     "k": p["k"], "groups": [p["ms"]]}
            if p["layout"] == "masked":
                shape["max_m"] = p["max_m"]
            problems.append(shape)
    write_text_atomic(out, json.dumps({"name": name, "description": "grouped problems of " + ", ".join(files),
                                       "problems": problems}, indent=1))
    print(f"{len(problems)} problems -> {out}")


if __name__ == "__main__":
    sys.exit(main())
