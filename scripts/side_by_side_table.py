#!/usr/bin/env python3
"""Markdown table of a tables_side_by_side.py run: one row per problem, then the geometric means.

  usage: python3 scripts/side_by_side_table.py OUT.jsonl NAME_A NAME_B [TITLE]

NAME_A / NAME_B name the two tables (A and B as tables_side_by_side.py was given them). Rows with
the same config in both tables (same_config, written by --differing-only) are counted, not listed.
"""
import json
import sys

from tables_side_by_side import geomean


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    path, name_a, name_b = sys.argv[1:4]
    rows = [json.loads(line) for line in open(path) if line.strip()]
    timed = [r for r in rows if not r.get("same_config") and r.get("a_us")]
    same = sum(1 for r in rows if r.get("same_config"))
    failed = [r for r in rows if r.get("error")]
    out = []
    if len(sys.argv) > 4:
        out += [f"# {sys.argv[4]}", ""]
    out += [f"{len(rows)} problems: {len(timed)} timed, {same} with the same config in both tables "
            f"(not timed), {len(failed)} failed.", "",
            f"- {name_a} / {name_b} time, every problem (same config = 1): geometric mean "
            f"**{geomean([r.get('a_over_b') for r in rows]):.4f}** (above 1: {name_b} is faster)",
            f"- DeepGEMM / {name_a}: **{geomean([r.get('dg_over_a') for r in timed]):.3f}**, "
            f"DeepGEMM / {name_b}: **{geomean([r.get('dg_over_b') for r in timed]):.3f}** over the "
            f"{len(timed)} timed rows; below 1.00: {name_a} "
            f"{sum(1 for r in timed if r.get('dg_over_a', 2) < 1)}, {name_b} "
            f"{sum(1 for r in timed if r.get('dg_over_b', 2) < 1)}", "",
            f"| M | N | K | {name_a} µs | {name_b} µs | DeepGEMM µs | {name_a} / {name_b} | "
            f"DeepGEMM / {name_b} | {name_a} config | {name_b} config |",
            "|--:|--:|--:|--:|--:|--:|--:|--:|---|---|"]
    for r in sorted(timed, key=lambda r: (r["n"], r["k"], r["m"])):
        dg = f"{r['dg_us']:.2f}" if r.get("dg_us") else ""
        dgb = f"{r['dg_over_b']:.3f}" if r.get("dg_over_b") else ""
        out.append(f"| {r['m']} | {r['n']} | {r['k']} | {r['a_us']:.2f} | {r['b_us']:.2f} | {dg} | "
                   f"{r['a_over_b']:.3f} | {dgb} | `{r['config_a']}` | `{r['config_b']}` |")
    print("\n".join(out))


if __name__ == "__main__":
    main()
