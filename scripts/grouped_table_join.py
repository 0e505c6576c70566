#!/usr/bin/env python3
#   usage: grouped_table_join.py PASS.jsonl[.gz] ... [--json OUT.jsonl] [--sms N --mhz F] > table.md
"""Joins several passes of the grouped table beside DeepGEMM (grouped_cmp.jsonl files written by
scripts/device_grouped_vs_deepgemm.sh) into one table: per row, gemmtune's median over its passes
against the median of all DeepGEMM passes (each pass carries two), with the single passes' ratios
beside it; and the paired estimate, each row's geomean of its per-pass ratios (a pass brackets
gemmtune between two DeepGEMM runs, so its ratio keeps one power state on both sides).

Why: at the power cap the 6144 x 7168 rows swing ~9% between 30-sample bursts on both sides
so one pass decides them by chance; the joined table is the evidence.

  usage: grouped_table_join.py PASS.jsonl[.gz] ... [--json OUT.jsonl] [--sms N --mhz F] > table.md
Rows missing from a pass (a deadline) are joined over the passes that have them; a row without a
gemmtune time in any pass is listed and left out of the geomeans. The geomeans are also given per
layout and band of rows a group (mean rows per group <= 128, <= 1024, above). Rows whose passes
measured the stream floor (floor_us, GEMMTUNE_STREAM_FLOOR=1) get both sides' time over it, and
each layout the bound that floor puts on the ratio: a kernel at the floor on every row would be
DeepGEMM's geomean over the floor faster than DeepGEMM, and no faster. Every row also gets its
tensor-core roof: its real rows' MMAs (2 x rows x N x K) at the dense FP8 rate of --sms SMs at
--mhz (8192 FLOP a clock an SM on Hopper); with a floor beside it, both sides over floor + roof,
which is 1 where a kernel streams its bytes and runs its MMAs one after the other.
"""
import argparse
import gzip
import json
import math
import statistics

from atomic_text import write_text_atomic
from dg_scales import described, dg_scales


def key(r):
    return (r["layout"], r["n"], r["k"], tuple(r["ms"]))


def geomean(xs):
    return math.exp(sum(map(math.log, xs)) / len(xs)) if xs else float("nan")


def read_pass(path):
    """A pass's rows; `.gz` files (as results/ keeps them) read as they are."""
    with (gzip.open(path, "rt") if path.endswith(".gz") else open(path)) as f:
        return [json.loads(line) for line in f if line.strip()]


def join(passes):
    """Rows in the first pass's order (then rows only later passes have), joined."""
    order, by_key = [], {}
    for rows in passes:
        for r in rows:
            k = key(r)
            if k not in by_key:
                order.append(k)
                by_key[k] = {"label": r.get("label"), "layout": r["layout"], "n": r["n"],
                             "k": r["k"], "ms": r["ms"], "gt_us_passes": [], "gt_configs": [],
                             "dg_us_passes": [], "pass_ratios": [], "lt_graph_us_passes": [],
                             "floor_us_passes": []}
            j = by_key[k]
            if r.get("gt_us"):
                j["gt_us_passes"].append(r["gt_us"])
                j["gt_configs"].append(r.get("gt_config"))
            j["dg_us_passes"] += r.get("dg_us_passes") or []
            if r.get("dg_over_gt"):
                j["pass_ratios"].append(r["dg_over_gt"])
            if r.get("cublaslt_per_group_graph_us"):
                j["lt_graph_us_passes"].append(r["cublaslt_per_group_graph_us"])
            if r.get("floor_us"):
                j["floor_us_passes"].append(r["floor_us"])
    joined = []
    for k in order:
        j = by_key[k]
        if j["gt_us_passes"] and j["dg_us_passes"]:
            j["gt_us"] = statistics.median(j["gt_us_passes"])
            j["dg_us"] = statistics.median(j["dg_us_passes"])
            j["dg_over_gt"] = j["dg_us"] / j["gt_us"]
        if j["gt_us_passes"] and j["lt_graph_us_passes"]:
            # cuBLASLt has no grouped block-scaled FP8 GEMM: one GEMM per group, replayed from a
            # CUDA graph, in the passes that timed it.
            j["lt_graph_us"] = statistics.median(j["lt_graph_us_passes"])
            j["lt_over_gt"] = j["lt_graph_us"] / j["gt_us"]
        if "dg_over_gt" in j and j["floor_us_passes"]:
            j["floor_us"] = statistics.median(j["floor_us_passes"])
            j["gt_over_floor"] = j["gt_us"] / j["floor_us"]
            j["dg_over_floor"] = j["dg_us"] / j["floor_us"]
        joined.append(j)
    return joined


def summary(rows, label):
    ratios = [r["dg_over_gt"] for r in rows if "dg_over_gt" in r]
    if not ratios:
        return f"- {label}: no rows with both sides timed"
    return (f"- {label}: geomean **{geomean(ratios):.3f}** over {len(ratios)}, min {min(ratios):.3f}, "
            f">= 1.00: {sum(x >= 1 for x in ratios)}, < 0.95: {sum(x < 0.95 for x in ratios)}")


# The bands of mean rows a group the geomeans are split by (the MoE regimes: ~64 rows a group
# streams the weights, ~256 is neither memory- nor power-bound, thousands run at the power cap).
BANDS = ("<= 128", "<= 1024", "> 1024")


def rows_band(r):
    """The row's band (BANDS)."""
    mean = sum(r["ms"]) / len(r["ms"])
    return BANDS[0] if mean <= 128 else BANDS[1] if mean <= 1024 else BANDS[2]


def layouts_and_bands(rows):
    """(label, rows) of each layout: all its rows, then each band's."""
    for layout in sorted({r["layout"] for r in rows}):
        for band in (None, *BANDS):
            yield (layout + (f", {band} rows a group" if band else ""),
                   [r for r in rows if r["layout"] == layout and (band is None or rows_band(r) == band)])


def floor_bound(rows, label):
    """Both sides over the stream floor, and the ratio a kernel at the floor would reach."""
    floored = [r for r in rows if "gt_over_floor" in r]
    if not floored:
        return None
    dg_over_floor = geomean([r["dg_over_floor"] for r in floored])
    return (f"- {label}, stream floor ({len(floored)} rows): gemmtune at "
            f"{geomean([r['gt_over_floor'] for r in floored]):.3f}x its floor, DeepGEMM at "
            f"{dg_over_floor:.3f}x: a kernel at the floor on every row would be "
            f"**{dg_over_floor:.3f}**x DeepGEMM at most")


# Hopper's dense FP8 tensor-core rate an SM (m64nNk32 e4m3 WGMMA: 4096 x N FLOPs in N / 2 clocks).
FP8_FLOP_PER_CLOCK_PER_SM = 8192


def add_mma_roof(rows, sms, mhz):
    """Each timed row's tensor-core roof (µs) at `sms` SMs and `mhz`, both sides over it, and over
    floor + roof where the row has a floor."""
    for r in rows:
        if "dg_over_gt" not in r:
            continue
        flops = 2.0 * sum(r["ms"]) * r["n"] * r["k"]
        r["mma_roof_us"] = flops / (sms * FP8_FLOP_PER_CLOCK_PER_SM * mhz)  # MHz: clocks a µs
        r["gt_over_roof"] = r["gt_us"] / r["mma_roof_us"]
        r["dg_over_roof"] = r["dg_us"] / r["mma_roof_us"]
        if "floor_us" in r:
            r["gt_over_floor_plus_roof"] = r["gt_us"] / (r["floor_us"] + r["mma_roof_us"])
            r["dg_over_floor_plus_roof"] = r["dg_us"] / (r["floor_us"] + r["mma_roof_us"])


def roof_bound(rows, label, sms, mhz):
    """Both sides over the tensor-core roof, and over floor + roof where floors were measured."""
    roofed = [r for r in rows if "gt_over_roof" in r]
    if not roofed:
        return None
    line = (f"- {label}, tensor-core roof at {mhz:g} MHz on {sms} SMs ({len(roofed)} rows): "
            f"gemmtune at {geomean([r['gt_over_roof'] for r in roofed]):.3f}x its roof, DeepGEMM "
            f"at {geomean([r['dg_over_roof'] for r in roofed]):.3f}x")
    both = [r for r in roofed if "gt_over_floor_plus_roof" in r]
    if len(both) == len(roofed):
        line += (f"; over floor + roof gemmtune at "
                 f"{geomean([r['gt_over_floor_plus_roof'] for r in both]):.3f}x, DeepGEMM at "
                 f"{geomean([r['dg_over_floor_plus_roof'] for r in both]):.3f}x")
    return line


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("passes", nargs="+", help="grouped_cmp.jsonl of each pass")
    ap.add_argument("--json", help="also write the joined rows here (JSON lines)")
    ap.add_argument("--sms", type=int, default=132,
                    help="SMs of the tensor-core roof (default 132: H100 and H200 SXM)")
    ap.add_argument("--mhz", type=float, default=1980.0,
                    help="SM clock of the tensor-core roof (default 1980: H100 and H200 SXM at "
                         "their top clock; inside heavy FP8 kernels the clock is lower, e.g. "
                         "1372-1758 MHz on an H200's many-expert MoE rows, "
                         "results/h200-moe-sets/many_expert_clock.md)")
    args = ap.parse_args()
    passes = [read_pass(p) for p in args.passes]
    # NOTE: rows written before device_grouped_vs_deepgemm.sh tagged them gave DeepGEMM its
    # tests' scales; passes timed two ways would mix two different comparisons in one row.
    given = {dg_scales(r) for rows_p in passes for r in rows_p}
    if len(given) > 1:
        raise SystemExit(f"grouped_table_join.py: the passes gave DeepGEMM its scales in "
                         f"different ways ({', '.join(sorted(given))}, the rows' dg_scales); "
                         f"join passes of one kind")
    if args.sms <= 0 or args.mhz <= 0:
        raise SystemExit("grouped_table_join.py: --sms and --mhz must be positive")
    rows = join(passes)
    add_mma_roof(rows, args.sms, args.mhz)
    print(f"# Grouped table beside DeepGEMM, {len(passes)} pass{'es' if len(passes) > 1 else ''} joined\n")
    print("gemmtune: each row's median over its passes; DeepGEMM: the median of all its passes "
          "(two per pass). Ratio = DeepGEMM time / gemmtune time. DeepGEMM was given "
          f"{described(next(iter(given), 'tests'))}.\n")
    for p, rows_p in zip(args.passes, passes):
        ratios = [r["dg_over_gt"] for r in rows_p if r.get("dg_over_gt")]
        if ratios:
            print(f"- pass `{p}`: {geomean(ratios):.3f} over {len(ratios)}, min {min(ratios):.3f}")
    print(summary(rows, "joined"))
    # Paired: each pass's ratio brackets gemmtune between that pass's two DeepGEMM runs, so it
    # keeps the pass's power state on both sides; the geomean over passes, then over rows.
    paired = [geomean(r["pass_ratios"]) for r in rows if r["pass_ratios"]]
    if paired:
        print(f"- paired (each row's geomean of its per-pass ratios): geomean **{geomean(paired):.3f}**, "
              f"min {min(paired):.3f}, < 0.95: {sum(x < 0.95 for x in paired)}")
    for layout in sorted({r["layout"] for r in rows}):
        print(summary([r for r in rows if r["layout"] == layout], f"joined, {layout}"))
        for band in BANDS:
            in_band = [r for r in rows if r["layout"] == layout and rows_band(r) == band]
            if in_band:
                print(summary(in_band, f"joined, {layout}, {band} rows a group"))
    for bound in (floor_bound, lambda in_band, label: roof_bound(in_band, label, args.sms, args.mhz)):
        for label, in_band in layouts_and_bands(rows):
            line = bound(in_band, label)
            if line:
                print(line)
    lt = [r["lt_over_gt"] for r in rows if "lt_over_gt" in r]
    if lt:
        print(f"- per-group cuBLASLt (one GEMM a group, replayed from a CUDA graph) / gemmtune: geomean "
              f"**{geomean(lt):.3f}** over {len(lt)}, min {min(lt):.3f}")
    floors = any("gt_over_floor" in r for r in rows)
    print("\n| row | layout | G | N x K | rows | gemmtune µs | config | DeepGEMM µs | ratio | passes "
          "| cuBLASLt µs | cuBLASLt ratio |" + (" floor µs | gemmtune / floor | DeepGEMM / floor |"
                                                if floors else "")
          + " MMA roof µs | gemmtune / roof | DeepGEMM / roof |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|" + ("---|---|---|" if floors else "")
          + "---|---|---|")
    for r in rows:
        configs = sorted(set(c for c in r["gt_configs"] if c))
        ratio = f'**{r["dg_over_gt"]:.3f}**' if "dg_over_gt" in r else "n/a"
        lt = (f'{r["lt_graph_us"]:.1f} | {r["lt_over_gt"]:.3f}' if "lt_over_gt" in r else "- | -")
        print(f'| {r["label"]} | {r["layout"]} | {len(r["ms"])} | {r["n"]} x {r["k"]} | {sum(r["ms"])} | '
              f'{r.get("gt_us", float("nan")):.1f} | {" / ".join(configs)} | '
              f'{r.get("dg_us", float("nan")):.1f} | {ratio} | '
              f'{" ".join(f"{x:.3f}" for x in r["pass_ratios"])} | {lt} |' +
              ((f' {r["floor_us"]:.1f} | {r["gt_over_floor"]:.2f} | {r["dg_over_floor"]:.2f} |'
                if "gt_over_floor" in r else " - | - | - |") if floors else "") +
              (f' {r["mma_roof_us"]:.1f} | {r["gt_over_roof"]:.2f} | {r["dg_over_roof"]:.2f} |'
               if "gt_over_roof" in r else " - | - | - |"))
    if args.json:
        try:
            write_text_atomic(args.json, "".join(json.dumps(r) + "\n" for r in rows))
        except (OSError, ValueError) as e:
            raise SystemExit(f"grouped_table_join.py: --json {e}")


if __name__ == "__main__":
    main()
