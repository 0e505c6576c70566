#!/usr/bin/env python3
"""The regret of a serving grid off its tuned M: what a bundle's selection costs between grid points.

    usage: python3 scripts/serving_regret.py GRID_TABLE OFFGRID_TABLE [--gemmtune BIN]
               [--rounds 3] [--iters 30] [--bundle DIR] [--select-only] [--time-same]
               [--deadline-s S] [--json OUT.jsonl] [--md OUT.md]

GRID_TABLE: the tuning table (or run folder) of a sweep at grid M (configs/serving-grid.json);
OFFGRID_TABLE: the same layers tuned at exactly the M a caller asks for between the grid points
(configs/serving-offgrid.json). For every dense entry (layer, M) of OFFGRID_TABLE:
  - the grid pick: the config an exported bundle of GRID_TABLE dispatches at that M, by the
    dispatcher's selection rule (kernels/sm90_fp8_gemm_1d2d_bundle.h select_kernel: among the
    entries of exactly this (n, k) whose kernel can run the shape, a tuned M's own entry, else
    of the two tuned M around m the one whose tuned time scaled by its kernel's work waves is
    smaller, else the nearest; an (n, k) never tuned: no kernel), which this script reproduces
    and, with --bundle DIR (GRID_TABLE exported with --format bundle; a GPU driver), checks
    against the bundle's own dispatcher for every row;
  - the next-up pick: the smallest tuned M >= m (the rule by tuned M alone), for comparison;
  - the exact pick: OFFGRID_TABLE's own config for that M;
  - each distinct config timed by `gemmtune run --config C --timing call --iters N --json`
    (separate processes, alternating, the order rotated every round, --rounds rounds, median
    over rounds); regret = t(grid pick) / t(exact pick) - 1, and the same of the next-up pick.
    A row whose picks are all one config has regret 0 by construction and is not timed
    (--time-same times it: a noise control).
An off-grid M that is also a grid M of its layer is a control row (the grid pick is a tuned
entry there), kept in the table and left out of the geomean and the worst.
Prints a markdown table and the geometric-mean and worst regret (goal: <= 2 % and <= 5 %);
--json writes one object per row and a summary; --md writes the table.
--select-only prints the picks without timing (no GPU).
Exit code: 0 every row ran; 1 a row failed, was not timed by the deadline, or the reproduced
selection disagrees with the bundle's dispatcher; 2 bad input.
"""
import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from atomic_text import write_text_atomic  # noqa: E402

START = time.monotonic()
GEOMEAN_GOAL = 0.02
WORST_GOAL = 0.05
# The split-K tile-counter capacity of a bundle's workspace (GEMMTUNE_BUNDLE_MAX_SPLIT_K_TILES).
MAX_SPLIT_K_TILES = 65536
K_BLOCK = 128


# ---------------------------------------------------------------------------------------------
# The dispatcher's selection rule (kernels/sm90_fp8_gemm_1d2d_bundle.h, _launch.h), in Python.

def parse_config(name):
    """The knobs the selection reads from a canonical config name
    (bm128_bn160_s5_mcA_sm132_rN8_sk1[_nbo][_l2n][_k7168][_gC|_gM])."""
    rest, layout = name, "dense"
    for suffix, grouped in (("_gC", "grouped_contiguous"), ("_gM", "grouped_masked")):
        if rest.endswith(suffix):
            rest, layout = rest[:-len(suffix)], grouped
    fixed_k = 0
    head, sep, tail = rest.rpartition("_k")
    if sep and tail.isdigit():
        rest, fixed_k = head, int(tail)
    # B always evict-normal, no balanced order of cheap units: the selection reads neither.
    for suffix in ("_l2n", "_nbo"):
        if rest.endswith(suffix):
            rest = rest[:-len(suffix)]
    fields = rest.split("_")
    prefixes = ("bm", "bn", "s", "mc", "sm", "r", "sk")
    if len(fields) != len(prefixes) or not all(f.startswith(p) for f, p in zip(fields, prefixes)):
        raise ValueError(f"config '{name}': expected the form bm128_bn160_s5_mcA_sm132_rN8_sk1")
    values = [f[len(p):] for f, p in zip(fields, prefixes)]
    if values[3] not in ("0", "A", "B"):
        raise ValueError(f"config '{name}': multicast must be 0, A or B")
    try:
        block_m, block_n, split_k = int(values[0]), int(values[1]), int(values[6])
    except ValueError:
        raise ValueError(f"config '{name}': block_m, block_n and split_k must be integers")
    num_sms = int(values[4]) if values[4].isdigit() else 132
    return {"block_m": block_m, "block_n": block_n, "multicast": values[3], "split_k": split_k,
            "fixed_k": fixed_k, "layout": layout, "num_sms": num_sms}


def ceil_div(a, b):
    return (a + b - 1) // b


def can_run(f, m, n, k):
    """launch::can_run: the problem rules and the family's shape rules."""
    if not (1 <= m < 2 ** 31 and 1 <= n < 2 ** 31 and 1 <= k < 2 ** 31) or n % 8 or k % 16:
        return False
    if f["layout"] != "dense":
        return False
    blocks = ceil_div(k, K_BLOCK)
    if f["fixed_k"] and (k != f["fixed_k"] or f["split_k"] < 1 or blocks % f["split_k"]):
        return False
    if f["multicast"] == "A" and ceil_div(n, f["block_n"]) < 2:
        return False
    if f["multicast"] == "B" and ceil_div(m, f["block_m"]) < 2:
        return False
    if f["split_k"] < 1 or f["split_k"] > blocks:
        return False
    return (f["split_k"] - 1) * ceil_div(blocks, f["split_k"]) < blocks


def bundle_can_run(f, m, n, k):
    """bundle_can_run: can_run, and a split-K kernel's tiles within the workspace's counters."""
    tiles = ceil_div(m, f["block_m"]) * ceil_div(n, f["block_n"])
    return can_run(f, m, n, k) and (f["split_k"] <= 1 or tiles <= MAX_SPLIT_K_TILES)


def predicted_waves(f, m, n):
    """predicted_waves: work units (tiles times K splits) over the persistent grid, the mean of
    the fractional and the whole count."""
    units = ceil_div(m, f["block_m"]) * ceil_div(n, f["block_n"]) * max(1, f["split_k"])
    ctas = max(1, f["num_sms"])
    return 0.5 * (units / ctas + ceil_div(units, ctas))


def predicted_us(e, m):
    """predicted_us: the entry's tuned time scaled by its kernel's waves at m over its tuned M."""
    f = parse_config(e["config"])
    return e["median_us"] * predicted_waves(f, m, e["n"]) / predicted_waves(f, e["m"], e["n"])


def runnable(entries, m, n, k):
    """The entries of exactly (n, k) whose kernel the bundle can run at m, in tuned-M order."""
    return [e for e in sorted(entries, key=lambda e: (e["n"], e["k"], e["m"]))
            if e["n"] == n and e["k"] == k and bundle_can_run(parse_config(e["config"]), m, n, k)]


def select(entries, m, n, k):
    """select_kernel over `entries` (dicts with n, k, m, config, median_us) for m x n x k: the
    entry the bundle dispatches, or None. At a tuned M its entry; between two tuned M the
    neighbour predicted faster (both tuned times needed, else the one above); beyond, the
    nearest."""
    candidates = runnable(entries, m, n, k)
    for e in candidates:
        if e["m"] == m:
            return e
    below = [e for e in candidates if e["m"] < m]
    above = [e for e in candidates if e["m"] > m]
    if below and above:
        lo, hi = below[-1], above[0]
        if ((lo.get("median_us") or 0) > 0 and (hi.get("median_us") or 0) > 0
                and predicted_us(lo, m) < predicted_us(hi, m)):
            return lo
        return hi
    return above[0] if above else (below[-1] if below else None)


def select_next_up(entries, m, n, k):
    """The rule by tuned M alone, timed beside the prediction for comparison (and the
    dispatcher's without tuned times): the smallest tuned M >= m, else the largest below."""
    candidates = runnable(entries, m, n, k)
    above = [e for e in candidates if e["m"] >= m]
    return above[0] if above else (candidates[-1] if candidates else None)


# ---------------------------------------------------------------------------------------------
# Inputs.

def dense_entries(path):
    """The dense entries with a config of a tuning table (or a run folder's), as dicts."""
    if os.path.isdir(path):
        path = os.path.join(path, "tuning_table.json")
    try:
        with open(path) as f:
            table = json.load(f)
    except OSError as e:
        raise ValueError(f"{path}: {e.strerror}")
    except ValueError as e:
        raise ValueError(f"{path}: not JSON ({e})")
    if not isinstance(table, dict) or not str(table.get("schema", "")).startswith(
            "gemmtune.tuning_table/"):
        schema = table.get("schema") if isinstance(table, dict) else None
        raise ValueError(f"{path}: schema {schema!r}, expected a gemmtune.tuning_table")
    out = []
    for p in table.get("problems", []):
        if p.get("op", "fp8_gemm_nt") != "fp8_gemm_nt":
            continue
        for e in p.get("entries", []):
            if e.get("config"):
                out.append({"label": p.get("label", ""), "n": p["n"], "k": p["k"], "m": e["m"],
                            "config": e["config"], "median_us": e.get("median_us")})
    return out


# ---------------------------------------------------------------------------------------------
# Timing.

def run_median_us(gemmtune, m, n, k, config, iters):
    """`gemmtune run` of one config, call timing, no baseline: (median µs, "") or (None, why)."""
    cmd = [gemmtune, "--log-level", "error", "run", "--m", str(m), "--n", str(n), "--k", str(k),
           "--config", config, "--timing", "call", "--iters", str(iters), "--baseline-timing",
           "none", "--json"]
    try:
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
    except subprocess.TimeoutExpired:
        return None, f"{' '.join(cmd)}: no answer in 180 s"
    try:
        ours = json.loads(result.stdout)["measurements"][0]
    except (ValueError, KeyError, IndexError, TypeError):
        return None, (f"{' '.join(cmd)}: exit {result.returncode}: "
                      f"{(result.stderr or result.stdout).strip()[-300:]}")
    if ours.get("disposition") != "passed" or "timing" not in ours:
        return None, f"{config}: {ours.get('disposition')}: {ours.get('reason', '')}"[:300]
    return ours["timing"]["median_us"], ""


def row_configs(row):
    """The row's sides (grid pick, exact pick, the next-up rule's pick) -> config."""
    sides = {"grid": row["grid_config"], "exact": row["exact_config"]}
    if row.get("next_up_config"):
        sides["next_up"] = row["next_up_config"]
    return sides


def time_row(gemmtune, row, rounds, iters):
    """Times each distinct config of the row's sides, alternating, the order rotated every
    round; fills every side's times (a side sharing a config shares its time) and the regrets
    of both rules, or the row's error."""
    sides = row_configs(row)
    configs = list(dict.fromkeys(sides.values()))
    times = {c: [] for c in configs}
    for i in range(rounds):
        for config in configs[i % len(configs):] + configs[:i % len(configs)]:
            us, error = run_median_us(gemmtune, row["m"], row["n"], row["k"], config, iters)
            if us is None:
                names = "/".join(side for side, c in sides.items() if c == config)
                row["error"] = f"{names} pick: {error}"
                return
            times[config].append(us)
    for side, config in sides.items():
        row[side + "_rounds_us"] = times[config]
        row[side + "_us"] = statistics.median(times[config])
    row["regret"] = row["grid_us"] / row["exact_us"] - 1
    if "next_up_us" in row:
        row["next_up_regret"] = row["next_up_us"] / row["exact_us"] - 1


# ---------------------------------------------------------------------------------------------
# The rows and their report.

def plan_rows(grid, offgrid):
    """One row per off-grid entry: its grid pick (by the selection rule) and its exact pick."""
    grid_ms = {}
    for e in grid:
        grid_ms.setdefault((e["n"], e["k"]), set()).add(e["m"])
    layer_order = {}
    for e in offgrid:
        layer_order.setdefault((e["n"], e["k"]), len(layer_order))
    rows = []
    for e in sorted(offgrid, key=lambda e: (layer_order[(e["n"], e["k"])], e["m"])):
        picked = select(grid, e["m"], e["n"], e["k"])
        next_up = select_next_up(grid, e["m"], e["n"], e["k"])
        rows.append({"kind": "regret", "label": e["label"], "m": e["m"], "n": e["n"], "k": e["k"],
                     "control": e["m"] in grid_ms.get((e["n"], e["k"]), set()),
                     "grid_m": picked["m"] if picked else None,
                     "grid_config": picked["config"] if picked else None,
                     "exact_config": e["config"],
                     "next_up_config": next_up["config"] if next_up else None})
    return rows


def check_with_bundle(rows, bundle_dir):
    """Asks the exported bundle's dispatcher (gemmtune_bundle.py, its C library; a GPU driver)
    for every row's pick; returns the rows where it differs from the reproduced rule."""
    sys.path.insert(0, os.path.abspath(bundle_dir))
    import gemmtune_bundle
    bundle = gemmtune_bundle.Bundle(bundle_dir)
    disagree = []
    for r in rows:
        r["bundle_config"] = bundle.select(r["m"], r["n"], r["k"])
        if r["bundle_config"] != r["grid_config"]:
            disagree.append(r)
    return disagree


def regret_stats(rows, key):
    """Geomean and worst of `key` over the timed off-grid rows (controls left out), or None."""
    timed = [r for r in rows if not r["control"] and r.get(key) is not None]
    if not timed:
        return None
    worst = max(timed, key=lambda r: r[key])
    geomean = math.exp(sum(math.log1p(r[key]) for r in timed) / len(timed)) - 1
    return {"rows": len(timed), "geomean": geomean, "worst": worst[key],
            "worst_row": f"{worst['label']} m={worst['m']}"}


def summarize(rows):
    """The off-grid rows' regrets (controls and untimed rows left out): geomean and worst, of
    the dispatcher's rule and of the next-up rule it replaces."""
    stats = regret_stats(rows, "regret")
    if stats is None:
        return {"rows": 0}
    out = {"rows": stats["rows"], "geomean_regret": stats["geomean"],
           "worst_regret": stats["worst"], "worst": stats["worst_row"],
           "same_config_rows": sum(1 for r in rows if not r["control"] and r.get("same_config")),
           "goal_met": stats["geomean"] <= GEOMEAN_GOAL and stats["worst"] <= WORST_GOAL}
    next_up = regret_stats(rows, "next_up_regret")
    if next_up is not None:
        out["next_up"] = next_up
    return out


def percent(x):
    return "" if x is None else f"{100 * x:+.1f} %"


def markdown(rows, summary, timed):
    out = ["| layer | N | K | M | grid M used | grid pick | exact pick | grid µs | exact µs | "
           "regret | next-up rule's regret |", "|---|--:|--:|--:|--:|---|---|--:|--:|--:|--:|"]
    for r in rows:
        if "error" in r:
            result = "error: " + r["error"][:100]
        elif r.get("same_config") and "regret" in r and not r.get("timed_same"):
            result = "0 (same config)"
        elif "regret" in r:
            result = percent(r["regret"])
        else:
            result = "not timed" if timed else ""
        m = f"{r['m']} (control)" if r["control"] else str(r["m"])
        grid_us = f"{r['grid_us']:.2f}" if "grid_us" in r else ""
        exact_us = f"{r['exact_us']:.2f}" if "exact_us" in r else ""
        out.append(f"| {r['label']} | {r['n']} | {r['k']} | {m} | {r['grid_m'] or ''} | "
                   f"{r['grid_config'] or 'none (not covered)'} | {r['exact_config']} | "
                   f"{grid_us} | {exact_us} | {result} | {percent(r.get('next_up_regret'))} |")
    if summary.get("rows"):
        out += ["", f"Off-grid rows: {summary['rows']} ({summary['same_config_rows']} with the "
                f"same config on both sides); geometric-mean regret "
                f"**{percent(summary['geomean_regret'])}**, worst **{percent(summary['worst_regret'])}** "
                f"({summary['worst']}); goal <= 2 % and <= 5 %: "
                f"{'met' if summary['goal_met'] else 'NOT met'}."]
        if "next_up" in summary:
            n = summary["next_up"]
            out.append(f"The next tuned M up (the rule without tuned times) on {n['rows']} rows: "
                       f"geometric mean {percent(n['geomean'])}, worst {percent(n['worst'])} "
                       f"({n['worst_row']}).")
    return "\n".join(out) + "\n"


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("grid", help="the grid sweep's tuning table (or run folder)")
    p.add_argument("offgrid", help="the off-grid sweep's tuning table (or run folder)")
    p.add_argument("--gemmtune", default="devbuild/gemmtune", help="the binary that times")
    p.add_argument("--rounds", type=int, default=3, help="alternating rounds per row")
    p.add_argument("--iters", type=int, default=30, help="samples per gemmtune run")
    p.add_argument("--bundle", help="GRID_TABLE exported as a bundle: check the picks with it")
    p.add_argument("--select-only", action="store_true", help="the picks only, no timing")
    p.add_argument("--time-same", action="store_true", help="also time rows with one config")
    p.add_argument("--deadline-s", type=float, default=0, help="stop timing rows after this")
    p.add_argument("--json", help="write one JSON object per row and a summary to this file")
    p.add_argument("--md", help="write the markdown table to this file")
    return p.parse_args()


def main():
    args = parse_args()
    if args.rounds < 1 or args.iters < 1:
        print("serving_regret: error: --rounds and --iters must be >= 1", file=sys.stderr)
        return 2
    try:
        grid, offgrid = dense_entries(args.grid), dense_entries(args.offgrid)
        rows = plan_rows(grid, offgrid)
    except ValueError as e:
        print(f"serving_regret: error: {e}", file=sys.stderr)
        return 2
    if not rows:
        print(f"serving_regret: error: {args.offgrid} has no dense entry with a config",
              file=sys.stderr)
        return 2
    timed = not args.select_only
    if timed and not (os.path.isfile(args.gemmtune) and os.access(args.gemmtune, os.X_OK)):
        print(f"serving_regret: error: --gemmtune {args.gemmtune} is not an executable file",
              file=sys.stderr)
        return 2
    failed = False
    dispatcher_check = "not asked (no --bundle)"
    if args.bundle:
        try:
            disagree = check_with_bundle(rows, args.bundle)
            dispatcher_check = (f"the bundle's dispatcher agrees on {len(rows) - len(disagree)} "
                                f"of {len(rows)} rows")
        except Exception as e:  # the library does not build or load: the rule alone decides
            disagree, failed = [], True
            dispatcher_check = (f"FAILED: the bundle {args.bundle} could not answer "
                                f"({type(e).__name__}: {e}); the picks are the reproduced "
                                "rule's, unchecked")
        print(dispatcher_check, flush=True)
        for r in disagree:
            print(f"  DISAGREE {r['label']} m={r['m']}: rule {r['grid_config']}, bundle "
                  f"{r['bundle_config']}", flush=True)
            # NOTE: the dispatcher is what a caller gets: time its pick.
            r["grid_config"] = r["bundle_config"]
        failed |= bool(disagree)
    interrupted = False
    for r in rows:
        r["same_config"] = r["grid_config"] == r["exact_config"]
        if r["grid_config"] is None:
            r["error"] = "the grid table does not cover this (n, k)"
            failed = True
        elif not timed:
            continue
        elif args.deadline_s and time.monotonic() - START > args.deadline_s:
            r["error"] = "not timed: deadline"
            failed = True
        elif len(set(row_configs(r).values())) == 1 and not args.time_same:
            r["regret"] = 0.0
            if r.get("next_up_config"):
                r["next_up_regret"] = 0.0
        elif interrupted:
            r["error"] = "not timed: interrupted"
            failed = True
        else:
            r["timed_same"] = r["same_config"]
            try:
                time_row(args.gemmtune, r, args.rounds, args.iters)
            except KeyboardInterrupt:  # SIGINT at a time limit: the table of what finished
                interrupted = True
                r["error"] = "not timed: interrupted"
            failed |= "error" in r
        if timed:
            print(f"{r['label'][:24]:24s} m={r['m']:<5d} grid(M={r['grid_m']}) {r['grid_config']} "
                  f"vs exact {r['exact_config']}: "
                  f"{r.get('error') or ('same config' if r['same_config'] and not r.get('timed_same') else percent(r['regret']))}",
                  flush=True)
    summary = summarize(rows) if timed else {"rows": 0}
    table = markdown(rows, summary, timed)
    print(table, end="")
    if args.md:
        write_text_atomic(args.md, "# Regret of the serving grid off its tuned M\n\n" + table +
                          f"\nSelection: {dispatcher_check}.\n")
    if args.json:
        lines = [json.dumps(r) for r in rows]
        lines.append(json.dumps(dict(summary, kind="summary", grid=args.grid, offgrid=args.offgrid,
                                     rounds=args.rounds, iters=args.iters,
                                     dispatcher_check=dispatcher_check)))
        write_text_atomic(args.json, "\n".join(lines) + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
