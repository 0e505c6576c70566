#!/usr/bin/env python3
"""Static round-robin against cost-balanced waves on grouped problems: a model, no GPU.

usage: scripts/lab/grouped_wave_model.py GROUPED_CMP.jsonl [CHEAP_COST]

Each row of a grouped comparison (scripts/device_grouped_vs_deepgemm.sh's grouped_cmp.jsonl:
group sizes and gemmtune's config) is laid out as the kernel's schedule does it (m-blocks per
group, units of the raster, multicast pairs, clusters = SMs / cluster size). A group's last
m-block whose rows all lie in the first math warpgroup's half costs CHEAP_COST (default 0.55) of
a whole tile, every other tile 1. Printed per row, in whole-tile times: the slowest cluster under
the kernel's round-robin ("rr"); under the rule session 27 built ("rotate2": each wave's cheap
units go round the clusters in turn); under a greedy per-wave assignment; and the average.
Session 27 built rotate2 in the kernel. It measured 3-5% slower, not the 2-14% faster this
model gave, because a cheap tile costs 0.89-0.96 of a whole one where each group's weights come
from HBM (results/2026-11-25-grouped-ragged-tiles/0059-cheap-tile-cost-probe/). Re-run with the
measured cost before building on it again.
"long_first" is session 28's rule, which the kernel now uses at block_m 128 (build_balanced_order):
each wave's cheap units go first to the clusters that run one unit more, any beyond them round
the others. With cheap tiles at 0.68-0.85 it gave gate+up g8 +3.6-5.7% (measured +3.1-3.4%) and
down g32 +4.0-4.7% (measured +0.3%: a cheap K 2048 tile costs more than that), results/2026-11-
25-grouped-cheap-units-to-long-clusters/.
"""
import json
import re
import sys


def parse(config):
    """block_m, block_n, multicast (0, A, B), SMs, raster direction (M, N) and band width."""
    field = lambda rx: re.search(rx, config).group(1)
    raster = re.search(r"_r([MN])(\d+)", config)
    return (int(field(r"bm(\d+)")), int(field(r"_bn(\d+)")), field(r"_mc(\w)"),
            int(field(r"_sm(\d+)")), raster.group(1), int(raster.group(2)))


def m_block_costs(group_rows, block_m, cheap):
    """Per m-block of the whole numbering: `cheap` for a two-warpgroup tile (block_m >= 128)
    whose rows all lie in the first half, else 1."""
    costs = []
    for rows in group_rows:
        for i in range((rows + block_m - 1) // block_m):
            rest = min(block_m, rows - i * block_m)
            costs.append(cheap if block_m >= 128 and rest <= block_m // 2 else 1.0)
    return costs


def unit_costs(m_costs, n_blocks, multicast, raster, band):
    """Cost of each schedule unit in the kernel's order (Schedule::work): bands of `band` lines
    of the unit grid; a multicast B pair costs its dearer tile."""
    m_blocks = len(m_costs)
    grid_m = (m_blocks + 1) // 2 if multicast == "B" else m_blocks
    grid_n = (n_blocks + 1) // 2 if multicast == "A" else n_blocks
    out = []
    for t in range(grid_m * grid_n):
        if raster == "N":
            band_units = band * grid_n
            first = t // band_units * band
            lines = min(band, grid_m - first)
            gm, gn = first + t % band_units % lines, t % band_units // lines
        else:
            band_units = band * grid_m
            first = t // band_units * band
            lines = min(band, grid_n - first)
            gn, gm = first + t % band_units % lines, t % band_units // lines
        if multicast == "B":
            out.append(max(m_costs[2 * gm], m_costs[2 * gm + 1] if 2 * gm + 1 < m_blocks else 0))
        else:
            out.append(m_costs[gm])
    return out


def round_robin(costs, clusters):
    """The slowest cluster when cluster c takes units c, c + clusters, ..."""
    load = [0.0] * clusters
    for i, c in enumerate(costs):
        load[i % clusters] += c
    return max(load)


def rotate2(costs, clusters):
    """Session 27's rule: in wave w (n units on clusters 0..n-1), with S the cheap units of the
    waves before it, cluster c takes the j-th of the wave's cheap units for j = (c - S) mod n < k
    (k the wave's cheap units), else its (j - k)-th whole unit."""
    load = [0.0] * clusters
    before = 0
    for w in range(0, len(costs), clusters):
        wave = costs[w:w + clusters]
        cheap = [x for x in wave if x < 1]
        whole = [x for x in wave if x >= 1]
        n = len(wave)
        for c in range(n):
            j = (c - before % n) % n
            load[c] += cheap[j] if j < len(cheap) else whole[j - len(cheap)]
        before += len(cheap)
    return max(load)


def long_first(costs, clusters):
    """Session 28's rule (build_balanced_order): in wave w, the L = units % clusters long
    clusters (those with one unit more) rank first, rotated by the cheap units of the waves
    before; the others rank after them, rotated by the cheap units that went past the long ones
    before. The rank-th cluster takes the wave's rank-th cheap unit, or its (rank - k)-th whole
    one. L = 0: round-robin."""
    units = len(costs)
    longs = units % clusters
    if longs == 0:
        return round_robin(costs, clusters)
    shorts = clusters - longs
    load = [0.0] * clusters
    before = overflow = 0
    for w in range(0, units, clusters):
        wave = costs[w:w + clusters]
        items = [x for x in wave if x < 1] + [x for x in wave if x >= 1]
        for c in range(len(wave)):
            rank = ((c - before) % longs if c < longs
                    else longs + (c - longs - overflow) % shorts)
            load[c] += items[rank]
        cheap = sum(x < 1 for x in wave)
        before += cheap
        if len(wave) == clusters:
            overflow += max(cheap - longs, 0)
    return max(load)


def greedy(costs, clusters):
    """Per wave, the dearest units to the least loaded clusters."""
    load = [0.0] * clusters
    for w in range(0, len(costs), clusters):
        wave = sorted(costs[w:w + clusters], reverse=True)
        for c, x in zip(sorted(range(clusters), key=lambda i: load[i]), wave):
            load[c] += x
    return max(load)


def main():
    rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
    cheap = float(sys.argv[2]) if len(sys.argv) > 2 else 0.55
    for r in rows:
        config = r.get("gt_config") or ""
        if not config:
            continue
        block_m, block_n, multicast, sms, raster, band = parse(config)
        clusters = sms // (2 if multicast in "AB" else 1)
        costs = unit_costs(m_block_costs(r["ms"], block_m, cheap), -(-r["n"] // block_n),
                           multicast, raster, band)
        a, b, c = round_robin(costs, clusters), rotate2(costs, clusters), greedy(costs, clusters)
        d = long_first(costs, clusters)
        print(f'{r["label"][:34]:34s} {r["n"]}x{r["k"]} {config[:22]:22s} units {len(costs):5d} '
              f'cheap {sum(x < 1 for x in costs):4d} rr {a:6.2f} rotate2 {b:6.2f} ({a / b - 1:+.1%}) '
              f'long_first {d:6.2f} ({a / d - 1:+.1%}) '
              f'greedy {c:6.2f} ({a / c - 1:+.1%}) average {sum(costs) / clusters:6.2f}')
    return 0


if __name__ == "__main__":
    sys.exit(main())
