#!/usr/bin/env python3
"""Each side's clock inside its kernel and its cycles against the tensor-core roof, from the ncu.txt
of scripts/lab/device_ncu_vs_deepgemm.sh and the list it profiled (its $OUT/list.txt).

  usage: python3 scripts/lab/ncu_clock_roof_summary.py LIST.txt NCU.txt [--sms 132] [--gemmtune-only]

Why: a row's tensor-core roof is its MMAs at the clock it runs at, and inside a heavy FP8 kernel
that clock is well below the card's top clock even where NVML reports no power cap. Nsight Compute
(--clock-control none) reads it: sm__cycles_elapsed.avg.per_second. The roof in cycles needs no
clock at all: the row's real rows' MMAs (2 x rows x N x K FLOPs) at 8192 FLOP a clock on each of
--sms SMs, so a side's elapsed cycles over it say how far its kernel is from the tensor cores'
rate whatever clock it ran at; beside them the share of its active cycles the tensor pipe was
busy (sm__pipe_tensor_cycles_active, which counts the MMAs of padded rows too). One launch a side (gemmtune's pick, DeepGEMM's own heuristic on
the same groups, padded as it pads them), each from a clean L2 (ncu's cache control).
A list line: "M0,M1,... N K CONFIG" (grouped contiguous) or "M N K CONFIG"; the comment line
just above it, if any, names the row. Blocks of ncu.txt come in list order, gemmtune's first.
"""
import argparse
import csv
import io
import math
import statistics

FP8_FLOP_PER_CLOCK_PER_SM = 8192  # Hopper's dense e4m3 WGMMA rate (scripts/grouped_table_join.py)
TO_US = {"nsecond": 1e-3, "usecond": 1.0, "msecond": 1e3, "second": 1e6, "ns": 1e-3, "us": 1.0,
         "ms": 1e3, "s": 1e6}
TENSOR_ACTIVE = "sm__pipe_tensor_cycles_active.avg.pct_of_peak_sustained_active"
TO_MHZ = {"cycle/nsecond": 1e3, "cycle/usecond": 1.0, "cycle/second": 1e-6, "Ghz": 1e3,
          "Mhz": 1.0, "hz": 1e-6}


def list_rows(path):
    """(name, rows a group, n, k, config) per list line, named by the comment just above it."""
    rows, name = [], None
    for line in open(path):
        line = line.strip()
        if not line:
            continue
        if line.startswith("#"):
            name = line.lstrip("# ")
            continue
        ms, n, k, config = line.split()[:4]
        rows.append((name or line[:40], [int(x) for x in ms.split(",")], int(n), int(k), config))
        name = None
    return rows


def ncu_blocks(path):
    """(title, {metric: (value, unit)}) per "===== TITLE" block of ncu.txt (its last launch)."""
    out = []
    for block in open(path).read().split("===== ")[1:]:
        title, body = block.split("\n", 1)
        rows = [r for r in csv.reader(io.StringIO(body)) if r]
        header = next((i for i, r in enumerate(rows) if r[0] == "ID"), None)
        if header is None or len(rows) < header + 3:
            out.append((title, {}))
            continue
        names, units, values = rows[header], rows[header + 1], rows[-1]
        out.append((title, {m: (v, u) for m, u, v in zip(names, units, values)}))
    return out


def number(metrics, name, scale):
    """Metric `name` in the unit `scale` converts to (ValueError on a unit it does not know)."""
    value, unit = metrics[name]
    if scale is not None and unit not in scale:
        raise ValueError(f"{name}: unit {unit!r}")
    return float(value.replace(",", "")) * (scale[unit] if scale is not None else 1.0)


def side(metrics, roof_cycles):
    """A side's µs, MHz inside the kernel, cycles and cycles over the roof (None: no data)."""
    try:
        us = number(metrics, "gpu__time_duration.sum", TO_US)
        mhz = number(metrics, "sm__cycles_elapsed.avg.per_second", TO_MHZ)
        cycles = number(metrics, "sm__cycles_elapsed.avg", None)
    except (KeyError, ValueError):
        return None
    out = {"us": us, "mhz": mhz, "cycles": cycles, "over_roof": cycles / roof_cycles}
    try:
        out["tensor_pct"] = number(metrics, TENSOR_ACTIVE, None)
    except (KeyError, ValueError):
        pass
    return out


def median_of(pairs, i, key):
    """The median of side i's `key` over the rows that have it, as a percentage ("-": none)."""
    xs = [p[i][key] for p in pairs if key in p[i]]
    return f"{statistics.median(xs):.0f}%" if xs else "-"


def geomean(xs):
    return math.exp(sum(map(math.log, xs)) / len(xs)) if xs else float("nan")


def side_cells(s):
    """A side's table cells: µs, MHz, kcycles, over the roof, tensor % ("-" where missing)."""
    if not s:
        return "- | - | - | - | -"
    return (f"{s['us']:.1f} | {s['mhz']:.0f} | {s['cycles'] / 1e3:.1f} | {s['over_roof']:.2f} | "
            + (f"{s['tensor_pct']:.0f}" if "tensor_pct" in s else "-"))


def gemmtune_only(rows, blocks, sms):
    """GEMMTUNE_NCU_SIDES=gemmtune: one block a list line, gemmtune's config alone."""
    print("| row | N x K | rows | config | roof kcycles | µs | MHz | kcycles | / roof | tensor % |")
    print("|---|---|--:|---|--:|--:|--:|--:|--:|--:|")
    for (name, ms, n, k, config), (_, metrics) in zip(rows, blocks):
        roof = 2.0 * sum(ms) * n * k / (FP8_FLOP_PER_CLOCK_PER_SM * sms)
        print(f"| {name} | {n} x {k} | {sum(ms)} | {config} | {roof / 1e3:.1f} | "
              f"{side_cells(side(metrics, roof))} |")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("list"); ap.add_argument("ncu")
    ap.add_argument("--sms", type=int, default=132, help="SMs of the roof (default 132: H100/H200 SXM)")
    ap.add_argument("--gemmtune-only", action="store_true",
                    help="the run profiled gemmtune alone (GEMMTUNE_NCU_SIDES=gemmtune)")
    a = ap.parse_args()
    rows, blocks = list_rows(a.list), ncu_blocks(a.ncu)
    if a.gemmtune_only:
        if len(blocks) != len(rows):
            print(f"{a.ncu} holds {len(blocks)} blocks for the list's {len(rows)} lines\n")
        gemmtune_only(rows, blocks, a.sms)
        return
    if len(blocks) > 2 * len(rows):
        raise SystemExit(f"ncu_clock_roof_summary.py: {len(blocks)} blocks in {a.ncu} for "
                         f"{len(rows)} rows of {a.list} (two each, gemmtune's then DeepGEMM's)")
    if len(blocks) < 2 * len(rows):  # a run stopped early: the rows it profiled
        print(f"{a.ncu} holds {len(blocks) // 2} of the list's {len(rows)} rows\n")
        rows = rows[:len(blocks) // 2]
    print("| row | G | N x K | rows | roof kcycles | gemmtune µs | MHz | kcycles | / roof | tensor % | "
          "DeepGEMM µs | MHz | kcycles | / roof | tensor % | cycles DG / gt |")
    print("|---|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
    done = []
    for i, (name, ms, n, k, config) in enumerate(rows):
        roof = 2.0 * sum(ms) * n * k / (FP8_FLOP_PER_CLOCK_PER_SM * a.sms)
        gt, dg = (side(blocks[2 * i + j][1], roof) for j in (0, 1))
        cells = [side_cells(s) for s in (gt, dg)]
        ratio = f"{dg['cycles'] / gt['cycles']:.3f}" if gt and dg else "-"
        print(f"| {name} | {len(ms)} | {n} x {k} | {sum(ms)} | {roof / 1e3:.1f} | {cells[0]} | "
              f"{cells[1]} | {ratio} |")
        if gt and dg:
            done.append((gt, dg))
    if done:
        print(f"\n{len(done)} rows: gemmtune at a median {statistics.median(g['mhz'] for g, _ in done):.0f} MHz "
              f"inside its kernel and {geomean([g['over_roof'] for g, _ in done]):.3f}x the roof in "
              f"cycles, DeepGEMM at {statistics.median(d['mhz'] for _, d in done):.0f} MHz and "
              f"{geomean([d['over_roof'] for _, d in done]):.3f}x; tensor pipe busy a median "
              f"{median_of(done, 0, 'tensor_pct')} and {median_of(done, 1, 'tensor_pct')} of their "
              f"active cycles; cycles DeepGEMM / gemmtune "
              f"{geomean([d['cycles'] / g['cycles'] for g, d in done]):.3f}, time under the "
              f"profiler {geomean([d['us'] / g['us'] for g, d in done]):.3f}")


if __name__ == "__main__":
    main()
