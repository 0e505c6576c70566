#!/usr/bin/env python3
"""Summarises GEMMTUNE_TILE_PROFILE output (scripts/lab/device_wait_profile.sh with
GEMMTUNE_PROFILE_HOOK=TILE): one line per row, medians over the row's launches.

usage: scripts/lab/tile_profile_summary.py TILE_PROFILE_TXT

Input: "== M N K CONFIG" headers, then per launch one line per CTA
("TP cta C rank R tiles T blocks B loop L epi E gap G total S start_ns A end_ns Z ...
entry_ns N table_ns T published_ns P order_ns O", cycles of the first math warpgroup's first
thread) and a "RUN median_us clock_mhz disposition" line. The prologue's marks give the median
CTA's time from its entry to its math warps' start, split into the group table, its
publication and the rest, and the launch's first entry to its first math start. Where a member
builds the balanced order, its builder warp notes order_ns when the order is built, while the
first tiles run: printed as "order built" after the publication, under the first tile.
Per launch: K-loop cycles per K block (waits included), epilogue and gap cycles per tile (median
over CTAs, and by cluster rank where there are two), the SM clock (a CTA's cycles over its
globaltimer span), the spread of the CTAs' starts and ends, and the launch's span.
With GEMMTUNE_TILE_PROFILE_EPI, "TPE cta C prep P wread W bar1 B1 ..." lines come after their
CTA's TP line (not always right after it: CTAs print at once) with the epilogue's parts,
printed as cycles per tile (median over CTAs and launches).
"""
import collections
import statistics as st
import sys


def launches(lines):
    """Splits a row's TP lines into launches: a CTA id seen again starts the next one."""
    current, seen = [], set()
    for f in lines:
        if f["cta"] in seen:
            yield current
            current, seen = [], set()
        current.append(f)
        seen.add(f["cta"])
    if current:
        yield current


def parse_tp(line):
    f = line.split()
    v = dict(zip(f[1::2], f[2::2]))
    return {k: int(x) for k, x in v.items()}


def launch_stats(ctas):
    busy = [c for c in ctas if c["tiles"] > 0]
    per_rank = collections.defaultdict(list)
    for c in busy:
        per_rank[c["rank"]].append(c["loop"] / max(c["blocks"], 1))
    return {
        "loop_per_kb": st.median(c["loop"] / max(c["blocks"], 1) for c in busy),
        "epi_per_tile": st.median(c["epi"] / c["tiles"] for c in busy),
        "gap_per_tile": st.median(c["gap"] / c["tiles"] for c in busy),
        "mhz": st.median(c["total"] / max(c["end_ns"] - c["start_ns"], 1) * 1000 for c in busy),
        "start_spread_us": (max(c["start_ns"] for c in ctas) - min(c["start_ns"] for c in ctas)) / 1e3,
        "end_spread_us": (max(c["end_ns"] for c in ctas) - min(c["end_ns"] for c in ctas)) / 1e3,
        "span_us": (max(c["end_ns"] for c in ctas) - min(c["start_ns"] for c in ctas)) / 1e3,
        "prologue_us": (st.median(c["start_ns"] - c["entry_ns"] for c in ctas) / 1e3
                        if all("entry_ns" in c for c in ctas) else float("nan")),
        "first_start_us": ((min(c["start_ns"] for c in ctas) - min(c["entry_ns"] for c in ctas)) / 1e3
                           if all("entry_ns" in c for c in ctas) else float("nan")),
        # The prologue's steps, median over CTAs (us): to the group table, its publication, the
        # balanced order, and from there to the math warps' start.
        "steps_us": ([st.median(c[b] - c[a] for c in ctas) / 1e3 for a, b in
                      (("entry_ns", "table_ns"), ("table_ns", "published_ns"),
                       ("published_ns", "order_ns"), ("order_ns", "start_ns"))]
                     if all("order_ns" in c for c in ctas) else None),
        "rank_loop_per_kb": {r: st.median(v) for r, v in per_rank.items()},
        "epi_parts": {k[4:]: st.median(c[k] / c["tiles"] for c in busy if k in c)
                      for k in (busy[0] if busy else {}) if k.startswith("epi_")},
    }


def main(path):
    rows = collections.OrderedDict()
    run = {}
    current = None
    for line in open(path):
        if line.startswith("=="):
            current = line[3:].strip()
            rows[current] = []
        elif line.startswith("TP ") and current:
            rows[current].append(parse_tp(line))
        elif line.startswith("TPE ") and current:
            # The CTA's TP line came before it, not always just before (CTAs print at once):
            # the latest TP line of that CTA without parts yet.
            parts = parse_tp(line)
            for rec in reversed(rows[current]):
                if rec["cta"] == parts.get("cta") and "epi_prep" not in rec:
                    rec.update({"epi_" + k: v for k, v in parts.items() if k != "cta"})
                    break
        elif line.startswith("RUN") and current:
            run[current] = " ".join(line.split()[1:])
    for row, lines in rows.items():
        stats = [launch_stats(l) for l in launches(lines)]
        if not stats:
            print(f"{row} | no TP lines | run {run.get(row, '?')}")
            continue
        med = {k: st.median(s[k] for s in stats) for k in stats[0]
               if k not in ("rank_loop_per_kb", "epi_parts", "steps_us")}
        steps = ([st.median(s["steps_us"][i] for s in stats) for i in range(4)]
                 if stats[0]["steps_us"] else None)
        steps_text = ""
        if steps and steps[3] >= 0:
            steps_text = (f" (table {steps[0]:.2f}, published {steps[1]:.2f}, order {steps[2]:.2f},"
                          f" to the math start {steps[3]:.2f})")
        elif steps:  # the order's builder warp noted its mark after the math warps started
            steps_text = (f" (table {steps[0]:.2f}, published {steps[1]:.2f}, to the math start"
                          f" {steps[2] + steps[3]:.2f}; order built {steps[2]:.2f} after the"
                          f" publication, under the first tile)")
        ranks = collections.defaultdict(list)
        for s in stats:
            for r, v in s["rank_loop_per_kb"].items():
                ranks[r].append(v)
        rank_text = ", ".join(f"rank {r} {st.median(v):.0f}" for r, v in sorted(ranks.items()))
        # The slowest CTAs of the first timed launch: their longest tile against their mean one.
        first = next(iter(launches(lines)))
        slow = sorted(first, key=lambda c: -c["loop"] / max(c["blocks"], 1))[:4]
        slow_text = "; ".join(
            f"cta {c['cta']}: longest K loop {c.get('maxloop', 0) / max(c['loop'] / c['tiles'], 1):.1f}x "
            f"its mean, tile {c.get('maxat', 0)} of {c['tiles']}" for c in slow if c["tiles"])
        print(f"{row} | run {run.get(row, '?')} | {len(stats)} launches | "
              f"K loop {med['loop_per_kb']:.0f} cyc/K block ({rank_text}) | "
              f"epilogue {med['epi_per_tile']:.0f} cyc/tile | gap {med['gap_per_tile']:.0f} cyc/tile | "
              f"clock {med['mhz']:.0f} MHz | span {med['span_us']:.1f} us, starts within "
              f"{med['start_spread_us']:.1f} us, ends within {med['end_spread_us']:.1f} us | "
              f"prologue {med['prologue_us']:.2f} us a CTA{steps_text}, first math start "
              f"{med['first_start_us']:.2f} us after the first entry | "
              f"slowest: {slow_text}")
        if stats[0]["epi_parts"]:
            parts = {k: st.median(s["epi_parts"][k] for s in stats) for k in stats[0]["epi_parts"]}
            print(f"{row} | epilogue parts, cyc/tile: " +
                  ", ".join(f"{k} {v:.0f}" for k, v in parts.items()))


if __name__ == "__main__":
    main(sys.argv[1])
