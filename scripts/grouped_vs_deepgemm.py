#!/usr/bin/env python3
"""Grouped GEMMs beside DeepGEMM, on one GPU (scripts/device_grouped_vs_deepgemm.sh runs it).

usage: grouped_vs_deepgemm.py PROBLEMS.json GEMMTUNE DG_PASS1.jsonl DG_PASS2.jsonl OUT.jsonl
       [--deadline UNIX_S] [--iters N] [--table TUNING_TABLE.json ...]
       [--baseline-timing separate|none] [--variants NAME=DEFINES[;gap_us=US] ...]
       [--variant-rounds N]
       [--sample-gap-us US] [--settle-ms MS] [--stream-floor] [--differing-only]

With --table, each problem's only candidate is the config `gemmtune sweep` chose for it (the
table's entry with the same op, N, K and group sizes), re-timed as the dense comparison re-times
the sweep's choice; problems the table lacks are skipped. --table may be given several times:
a problem's candidates are then every table's choice for it (each config once, in table order),
timed interleaved in the one run; problems no table has are skipped (with --differing-only also
those every table gave the same config: one kernel, nothing to compare; scripts/
grouped_tables_table.py renders two tables' run). Without --table, a hand-made
list plus the cost model's first 12 configs.

PROBLEMS.json has the format of the DeepGEMM harness's dg_grouped.py (layout, n, k, ms, max_m). For each
problem, `gemmtune run --layout grouped_* --config LIST --timing call` validates every candidate
config group by group and times them interleaved; the fastest that passed is gemmtune's time.
DeepGEMM's time is the median of its two passes (run before and after gemmtune in the same call,
same "call" protocol: 512 MB flush, events around one call). Each output row: the problem,
gt_us, gt_config, every candidate's time, dg_us (both passes), dg_over_gt, useful TFLOPS of both
(real rows only); with --stream-floor also floor_us (the fastest read of the problem's bytes once,
`gemmtune run --stream-floor`, timed after the candidates) and gt_over_floor; with --table also
table_config and table_us: per table path, the config it
chose and that config's time in this run (null where the table lacks the problem or the config
did not pass; a config two tables chose has one time).
"""
import argparse, json, math, os, subprocess, sys, time

# Candidate configs per layout and rows per group. NOTE: a hand-made short list until the sweep
# tunes grouped problems; every candidate is validated before it is timed.
SUFFIX = {"contiguous": "_gC", "masked": "_gM"}
LARGE = ["bm128_bn128_s5_mcA", "bm128_bn160_s4_mcA", "bm128_bn192_s4_mcA", "bm256_bn128_s3_mcA",
         "bm128_bn128_s5_mcB", "bm128_bn192_s4_mcB", "bm256_bn128_s3_mcB", "bm128_bn160_s4_mcB"]
SMALL = ["bm64_bn128_s8_mc0", "bm64_bn128_s8_mcA", "bm64_bn192_s5_mcA", "bm64_bn160_s6_mcA",
         "bm64_bn96_s10_mc0", "bm64_bn128_s8_mcB", "bm64_bn192_s5_mcB"]


AUTO = "auto:12"  # plus the cost model's first 12 legal configs of the default space


def candidates(p):
    return AUTO + "," + handpicked(p)


def handpicked(p):
    rows = [m for m in p["ms"] if m > 0]
    mean_rows = sum(rows) / max(1, len(rows))
    base = SMALL if mean_rows <= 64 else LARGE if mean_rows > 1024 else SMALL + [c for c in LARGE if c not in SMALL]
    return ",".join(c + "_sm132_rN8_sk1" + SUFFIX[p["layout"]] for c in base)


def table_configs(path):
    """(layout, n, k, group sizes) -> the config the sweep chose, from a gemmtune.tuning_table/2."""
    out = {}
    for p in json.load(open(path))["problems"]:
        op = p.get("op", "gemm")
        if not op.startswith("grouped_"):
            continue
        for e in p["entries"]:
            if e.get("config"):
                out[(op[len("grouped_"):], p["n"], p["k"], tuple(e["group_m"]))] = e["config"]
    return out


def table_picks(paths):
    """Per table path (in order, each once), table_configs() of that table."""
    return {path: table_configs(path) for path in dict.fromkeys(paths)}


def picked_configs(picks, key):
    """Per table path, the config it chose for problem `key` (None where it lacks the problem)."""
    return {path: configs.get(key) for path, configs in picks.items()}


def problem_key(p):
    """A problem's key in table_configs(): (layout, n, k, group sizes)."""
    return (p["layout"], p["n"], p["k"], tuple(p["ms"]))


def run_command(gemmtune, p, config, iters=30, baseline_timing="none", global_args=(),
                sample_gap_us=0, stream_floor=False, settle_ms=0):
    """`gemmtune run` of grouped problem `p` (dg_grouped.py's format) with CONFIG (one or a
    comma-separated list), call timing, JSON out: the one place these scripts spell it.
    `settle_ms`: the card idles that long after the run's validation, before its timed burst."""
    cmd = [gemmtune, *global_args, "run", "--layout", "grouped_" + p["layout"],
           "--n", str(p["n"]), "--k", str(p["k"]), "--group-m", ",".join(map(str, p["ms"])),
           "--config", config, "--timing", "call", "--iters", str(iters), "--json",
           "--baseline-timing", baseline_timing, "--sample-gap-us", str(sample_gap_us)]
    if settle_ms:
        cmd += ["--settle-ms", str(settle_ms)]
    if p["layout"] == "masked":
        cmd += ["--max-m", str(p["max_m"])]
    if stream_floor:
        cmd.append("--stream-floor")
    return cmd


def dg_rows(path):
    out = {}
    for line in open(path):
        if line.strip():
            r = json.loads(line)
            out[(r["layout"], r["n"], r["k"], tuple(r["ms"]))] = r
    return out


def parse_variant(spec):
    """"NAME=DEFINES[;gap_us=US]" -> (name, defines, sample gap in µs)."""
    name, _, rest = spec.partition("=")
    defines, _, gap = rest.partition(";gap_us=")
    return name, defines, int(gap or 0)


def with_gap(cmd, gap_us):
    """`cmd` (run_command's) with its --sample-gap-us replaced."""
    i = cmd.index("--sample-gap-us")
    return cmd[:i + 1] + [str(gap_us)] + cmd[i + 2:]


def variant_times(cmd, variants, rotation, rounds=2):
    """Median µs of the config under each variant (kernel defines and sample gap): `rounds`
    rounds, order rotated by `rotation`."""
    times = {name: [] for name, _, _ in variants}
    for _ in range(rounds):
        order = variants[rotation % len(variants):] + variants[:rotation % len(variants)]
        for name, defines, gap_us in order:
            env = dict(os.environ, GEMMTUNE_KERNEL_DEFINES=defines)
            run = subprocess.run(with_gap(cmd, gap_us), capture_output=True, text=True,
                                 timeout=300, env=env)
            try:
                ours = [m for m in json.loads(run.stdout)["measurements"]
                        if m.get("kind", "gemmtune") == "gemmtune" and m["disposition"] == "passed"]
            except (json.JSONDecodeError, KeyError):
                ours = []
            if ours:
                times[name].append(ours[0]["timing"]["median_us"])
    return {name: (sorted(v)[len(v) // 2] if len(v) > 2 else sum(v) / len(v)) if v else None
            for name, v in times.items()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("problems"); ap.add_argument("gemmtune"); ap.add_argument("dg1")
    ap.add_argument("dg2"); ap.add_argument("out")
    ap.add_argument("--deadline", type=float, default=0); ap.add_argument("--iters", type=int, default=30)
    ap.add_argument("--table", action="append", default=[])
    # "none" leaves out the per-group cuBLASLt baselines (their loop and graph timings take most
    # of a problem's time) when only the comparison with DeepGEMM is wanted.
    ap.add_argument("--baseline-timing", default="separate")
    # Kernel variants through the GEMMTUNE_KERNEL_DEFINES hook ("NAME=DEFINES", "base=" for the
    # unmodified kernel; the first is the row's gemmtune time): each problem's config is run with
    # every variant, --variant-rounds rounds (default 2), the order rotated per problem, and each
    # variant's median is kept in the row's "variants" (its ratio to DeepGEMM in
    # "variant_dg_over_gt"). ";gap_us=US" gives a variant its own idle per sample
    # (`run --sample-gap-us`).
    ap.add_argument("--variants", nargs="*", default=[])
    ap.add_argument("--variant-rounds", type=int, default=2)
    # Idle per sample of every run (the first variant's own gap, where it has one, wins).
    ap.add_argument("--sample-gap-us", type=int, default=0)
    # Each problem's stream floor, in the same run (the row's floor_us).
    ap.add_argument("--stream-floor", action="store_true")
    # Idle after each run's validation, before its timed burst (`run --settle-ms`). Why: the
    # validation computes the reference on the GPU just before the burst, where DeepGEMM's
    # harness rests its card GEMMTUNE_DG_SETTLE_MS after its own reference (dg_sample_period.py).
    ap.add_argument("--settle-ms", type=int, default=0)
    ap.add_argument("--differing-only", action="store_true")
    a = ap.parse_args()
    if a.variant_rounds < 1:
        ap.error(f"--variant-rounds {a.variant_rounds}: expected 1 or more")
    variants = [parse_variant(v) for v in a.variants] or [("base", "", a.sample_gap_us)]
    if variants[0][2] == 0:
        variants[0] = (variants[0][0], variants[0][1], a.sample_gap_us)
    picks = table_picks(a.table) if a.table else None
    problems = json.load(open(a.problems))["problems"]
    passes = [dg_rows(a.dg1), dg_rows(a.dg2)]
    ratios, variant_ratios = [], []
    with open(a.out, "a") as out:
        for p in problems:
            if a.deadline and time.time() > a.deadline:
                print(f"deadline reached, {len(problems) - len(ratios)} problems left", flush=True)
                break
            if picks is not None:
                table_config = picked_configs(picks, problem_key(p))
                configs = list(dict.fromkeys(c for c in table_config.values() if c))
                if not configs:
                    where = "the table" if len(picks) == 1 else "any table"
                    print(f'{p.get("label")}: not in {where}, skipped', flush=True)
                    continue
                if a.differing_only and len(configs) == 1 and all(table_config.values()):
                    print(f'{p.get("label")}: the same config in every table, skipped', flush=True)
                    continue
                config = ",".join(configs)
            else:
                config = candidates(p)
            cmd = run_command(a.gemmtune, p, config, a.iters, a.baseline_timing,
                              sample_gap_us=variants[0][2], stream_floor=a.stream_floor,
                              settle_ms=a.settle_ms)
            row = {k: p[k] for k in ("label", "layout", "n", "k", "ms", "max_m") if k in p}
            if picks is not None:
                row["table_config"] = table_config
            if len(variants) > 1:
                row["variants"] = variant_times(cmd, variants, len(ratios), a.variant_rounds)
            env = dict(os.environ, GEMMTUNE_KERNEL_DEFINES=variants[0][1])
            run = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env)
            row["gt_rc"] = run.returncode
            row["gt_sample_gap_us"] = variants[0][2]
            row["gt_settle_ms"] = a.settle_ms
            try:
                doc = json.loads(run.stdout)
            except json.JSONDecodeError:
                row["gt_error"] = (run.stderr or run.stdout)[-500:]
                out.write(json.dumps(row) + "\n"); print(row, flush=True)
                continue
            ours = [m for m in doc["measurements"] if m.get("kind", "gemmtune") == "gemmtune"]
            passed = [m for m in ours if m["disposition"] == "passed"]
            row["candidates"] = {m["config"]: (m["timing"]["median_us"] if "timing" in m else m["disposition"])
                                 for m in ours}
            row["failed"] = {m["config"]: m["reason"][:200] for m in ours if m["disposition"] != "passed"}
            if picks is not None:
                timed = {m["config"]: m["timing"]["median_us"] for m in passed}
                row["table_us"] = {path: timed.get(c) for path, c in table_config.items()}
            for m in doc["measurements"]:
                if m.get("kind", "gemmtune") != "gemmtune" and "timing" in m:
                    row[m["kind"] + "_us"] = m["timing"]["median_us"]
            key = (p["layout"], p["n"], p["k"], tuple(p["ms"]))
            dg = [x[key].get("dg_us") for x in passes if key in x and x[key].get("dg_us")]
            row["dg_us_passes"] = dg
            useful = 2.0 * sum(p["ms"]) * p["n"] * p["k"]
            if passed:
                best = min(passed, key=lambda m: m["timing"]["median_us"])
                row["gt_us"] = best["timing"]["median_us"]
                row["gt_config"] = best["config"]
                row["gt_spread"] = best["timing"]["spread"]
                row["gt_period_us"] = best["timing"].get("sample_period_us")
                row["gt_worst_diff"] = best["validation"].get("worst_vs_reference", {}).get("diff")
                row["gt_tflops"] = useful / row["gt_us"] / 1e6
            if "stream_floor" in doc:
                row["floor_us"] = doc["stream_floor"].get("floor_us")
                if row["floor_us"] and "gt_us" in row:
                    row["gt_over_floor"] = row["gt_us"] / row["floor_us"]
            if dg:
                row["dg_us"] = sorted(dg)[len(dg) // 2] if len(dg) > 2 else sum(dg) / len(dg)
                row["dg_tflops"] = useful / row["dg_us"] / 1e6
                row["dg_diff"] = [x[key].get("dg_diff") for x in passes if key in x]
            if "gt_us" in row and "dg_us" in row:
                row["dg_over_gt"] = row["dg_us"] / row["gt_us"]
                ratios.append(row["dg_over_gt"])
                row["variant_dg_over_gt"] = {name: row["dg_us"] / us
                                             for name, us in row.get("variants", {}).items() if us}
                variant_ratios.append(row["variant_dg_over_gt"])
            out.write(json.dumps(row) + "\n")
            print(f'{row.get("label")} {p["layout"]} G{len(p["ms"])} {p["n"]}x{p["k"]} rows {sum(p["ms"])}: '
                  f'gt {row.get("gt_us", float("nan")):.1f} us ({row.get("gt_config")}) '
                  f'dg {row.get("dg_us", float("nan")):.1f} us {dg} -> {row.get("dg_over_gt", float("nan")):.3f}',
                  flush=True)
    for name, _, _ in variants if len(variants) > 1 else []:
        v = [r for r in variant_ratios if r.get(name)]
        if v:
            g = math.exp(sum(math.log(r[name]) for r in v) / len(v))
            print(f"variant {name}: dg/gt geomean {g:.3f} over {len(v)} problems; min {min(r[name] for r in v):.3f}")
    if ratios:
        g = math.exp(sum(map(math.log, ratios)) / len(ratios))
        print(f"grouped: dg/gt geomean {g:.3f} over {len(ratios)} problems; >= 1.0: "
              f"{sum(r >= 1 for r in ratios)}; min {min(ratios):.3f}; max {max(ratios):.3f}")


if __name__ == "__main__":
    sys.exit(main())
