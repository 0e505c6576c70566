#!/usr/bin/env python3
"""A grouped tuning table with each entry's config replaced by a picks file's (the form of
results/h200-moe-sets/dsv3_moe_picks.json at revision 6c05657: label, layout, n, k, ms, config per
problem), so that a
set's curated picks can be exported as a bundle when only an earlier sweep's table is at hand.
The entries keep that sweep's times (median_us and the rest); only the config and its command change.

    usage: table_with_picks.py TABLE PICKS OUT

Entries match on (n, k, layout, group sizes); every pick must match exactly one entry, and an
entry no pick names is an error: the output is the picks' table or nothing."""
import json
import sys


def main(table_path, picks_path, out_path):
    table = json.load(open(table_path))
    picks = json.load(open(picks_path))["picks"]
    wanted = {(p["n"], p["k"], "grouped_" + p["layout"], tuple(p["ms"])): p["config"] for p in picks}
    if len(wanted) != len(picks):
        sys.exit(f"{picks_path}: two picks name the same problem")
    replaced = 0
    for problem in table["problems"]:
        for entry in problem["entries"]:
            key = (problem["n"], problem["k"], problem["op"], tuple(entry["group_m"]))
            if key not in wanted:
                sys.exit(f"{table_path}: {problem['label']} ({entry['m']} rows) has no pick in {picks_path}")
            old, entry["config"] = entry["config"], wanted.pop(key)
            # NOTE: the entry's times stay the earlier sweep's; its command names the pick.
            if "reproduce" in entry:
                entry["reproduce"] = entry["reproduce"].replace(old, entry["config"])
            replaced += 1
    if wanted:
        sys.exit(f"{picks_path}: {len(wanted)} pick(s) match no entry of {table_path}")
    json.dump(table, open(out_path, "w"), indent=1)
    print(f"{out_path}: {replaced} entries, configs from {picks_path}")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(next(line.strip() for line in __doc__.splitlines() if "usage:" in line))
    main(*sys.argv[1:])
