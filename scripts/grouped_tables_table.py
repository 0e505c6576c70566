#!/usr/bin/env python3
"""Two grouped tuning tables' picks beside DeepGEMM, as a markdown table and joined rows.

  usage: python3 scripts/grouped_tables_table.py RUN.jsonl DG_PASS1.jsonl DG_PASS2.jsonl
                                                 TABLE_A TABLE_B [--names A B] [--same N]
                                                 [--json OUT.jsonl] > table.md

RUN.jsonl: scripts/grouped_vs_deepgemm.py run with `--table TABLE_A --table TABLE_B` (each
problem's two picks timed interleaved in one `gemmtune run`); DG_PASS1/2: DeepGEMM's passes
(.anchors/dg_grouped.py) before and after it. Per problem, DeepGEMM's time is the mean of its
passes; the geometric means are per layout and over all rows, and with `--same N` also A / B
over the N problems whose picks are the same config (untimed, ratio 1) as well. This is how a
change to the sweep's defaults shows that its grouped tables are as good as the old ones.
--json writes the joined rows: the problem, a_config / b_config, a_us / b_us, dg_us_passes,
dg_us, dg_over_a, dg_over_b and a_over_b (above 1: B is faster).
"""
import argparse
import json
import math

from atomic_text import write_text_atomic


def key(r):
    return (r["layout"], r["n"], r["k"], tuple(r["ms"]))


def geomean(xs):
    return math.exp(sum(map(math.log, xs)) / len(xs)) if xs else float("nan")


def rows_of(path):
    return [json.loads(line) for line in open(path) if line.strip()]


def joined(run, dg1, dg2, table_a, table_b):
    """One row per problem both tables' configs and DeepGEMM timed."""
    passes = [{key(r): r for r in rows_of(p)} for p in (dg1, dg2)]
    out = []
    for r in rows_of(run):
        us, configs = r.get("table_us", {}), r.get("table_config", {})
        dg = [p[key(r)]["dg_us"] for p in passes if key(r) in p and p[key(r)].get("dg_us")]
        if not dg or not us.get(table_a) or not us.get(table_b):
            continue
        row = {k: r[k] for k in ("label", "layout", "n", "k", "ms") if k in r}
        row.update(groups=len(r["ms"]), rows=sum(r["ms"]), a_config=configs[table_a],
                   b_config=configs[table_b], a_us=us[table_a], b_us=us[table_b],
                   dg_us_passes=dg, dg_us=sum(dg) / len(dg))
        row.update(dg_over_a=row["dg_us"] / row["a_us"], dg_over_b=row["dg_us"] / row["b_us"],
                   a_over_b=row["a_us"] / row["b_us"])
        out.append(row)
    return out


def markdown(rows, a, b, same):
    lines = [f"| rows | DeepGEMM / {a} | DeepGEMM / {b} | {a} / {b} time |", "|---|--:|--:|--:|"]
    for layout in sorted({r["layout"] for r in rows}) + [None]:
        rs = [r for r in rows if layout in (None, r["layout"])]
        lines.append(f"| {layout or 'all'} ({len(rs)}) | {geomean([r['dg_over_a'] for r in rs]):.3f} | "
                     f"{geomean([r['dg_over_b'] for r in rs]):.3f} | {geomean([r['a_over_b'] for r in rs]):.3f} |")
    if same:
        every = [r["a_over_b"] for r in rows] + [1.0] * same
        lines.append(f"| all {len(every)} (same config = 1) | | | {geomean(every):.4f} |")
    lines += ["", f"Rows below 1.00 beside DeepGEMM: {a} {sum(r['dg_over_a'] < 1 for r in rows)}, "
              f"{b} {sum(r['dg_over_b'] < 1 for r in rows)}.", "",
              f"| layout | groups | N | K | rows | {a} µs | {b} µs | DeepGEMM µs | DG / {a} | DG / {b} | "
              f"{a} config | {b} config |", "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|---|"]
    short = lambda c: "`" + c.split("_sm")[0] + "`"
    for r in rows:
        lines.append(f"| {r['layout']} | {r['groups']} | {r['n']} | {r['k']} | {r['rows']} | "
                     f"{r['a_us']:.1f} | {r['b_us']:.1f} | {r['dg_us']:.1f} | {r['dg_over_a']:.3f} | "
                     f"{r['dg_over_b']:.3f} | {short(r['a_config'])} | {short(r['b_config'])} |")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("run"); ap.add_argument("dg1"); ap.add_argument("dg2")
    ap.add_argument("table_a"); ap.add_argument("table_b")
    ap.add_argument("--names", nargs=2, default=["A", "B"])
    ap.add_argument("--same", type=int, default=0)
    ap.add_argument("--json")
    a = ap.parse_args()
    rows = joined(a.run, a.dg1, a.dg2, a.table_a, a.table_b)
    if a.json:  # written whole, never through a symbolic link
        write_text_atomic(a.json, "".join(json.dumps(r) + "\n" for r in rows))
    print(markdown(rows, *a.names, a.same))


if __name__ == "__main__":
    main()
