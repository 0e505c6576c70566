#!/usr/bin/env python3
"""Two tuning tables' picks and DeepGEMM, timed side by side on one GPU, problem by problem.

  usage: python3 scripts/tables_side_by_side.py TABLE_A TABLE_B GEMMTUNE OUT.jsonl
                                                [--rounds N] [--deadline EPOCH_S] [--dg-sms N]
                                                [--differing-only] [--shuffle SEED]

For every dense (m, n, k) the two tables share: table A's config and table B's config, each timed
by `GEMMTUNE run --config C --timing call --iters 30 --json` (a 512 MiB flush before every call,
events around one call, median of 30), and DeepGEMM's fp8_gemm_nt on the same shape under the same
protocol when `import deep_gemm` works (`--dg-sms N`: DeepGEMM limited to N SMs by its
`set_num_sms`, for tables swept with `sweep --sms N`). The three sides take turns, the order rotated each round
(default 2 rounds), so clock drift under the power cap hits all alike; each side's time is the
median of its rounds' medians. Prints one line per problem and the geometric means of
DeepGEMM / A, DeepGEMM / B and A / B (above 1: B is faster); writes one JSON line per problem.
This is how a change to the sweep's defaults shows that its tables are as good as the old ones.
For large sets, `--differing-only` times only the problems whose picks differ (a problem with the
same config in both tables is written with same_config and a_over_b 1, untimed: the same kernel),
and `--shuffle SEED` times the problems in a seeded random order, so a run cut short by
`--deadline` is a random sample of the set rather than its first rows. The summary's a_over_b is
over every row written; the DeepGEMM ratios over the timed rows.
"""
import argparse
import json
import math
import random
import statistics
import subprocess
import sys
import time

ITERS = 30


def table_picks(path):
    doc = json.load(open(path))
    picks = {}
    for p in doc["problems"]:
        if p.get("op", "fp8_gemm_nt") != "fp8_gemm_nt":
            continue
        for e in p["entries"]:
            picks[(e["m"], p["n"], p["k"])] = (e["config"], p.get("label", ""))
    return picks


def gemmtune_us(binary, m, n, k, config):
    p = subprocess.run([binary, "--log-level", "warn", "run", "--m", str(m), "--n", str(n), "--k",
                        str(k), "--config", config, "--timing", "call", "--iters", str(ITERS),
                        "--json"], capture_output=True, text=True, timeout=300)
    if p.returncode != 0:
        raise RuntimeError(f"gemmtune run {config} exited {p.returncode}: {p.stderr.strip()[-300:]}")
    doc = json.loads(p.stdout)
    for x in doc["measurements"]:
        if x["kind"] == "gemmtune" and x.get("timing"):
            if x.get("disposition", "passed") != "passed":
                raise RuntimeError(f"gemmtune run {config}: {x.get('disposition')} {x.get('reason', '')}")
            return x["timing"]["median_us"]
    raise RuntimeError(f"gemmtune run {config}: no timed measurement")


class DeepGemmSide:
    """DeepGEMM's fp8_gemm_nt on one shape, timed by the call protocol, or None without it."""

    def __init__(self, num_sms=None):
        try:
            import torch
            import deep_gemm
            from deep_gemm.utils import per_block_cast_to_fp8, per_token_cast_to_fp8
        except ImportError as error:
            print(f"tables_side_by_side: DeepGEMM not importable ({error}): timing A and B only",
                  file=sys.stderr)
            self.torch = None
            return
        self.torch, self.deep_gemm = torch, deep_gemm
        if num_sms:
            deep_gemm.set_num_sms(num_sms)
        self.cast_a, self.cast_b = per_token_cast_to_fp8, per_block_cast_to_fp8
        self.flush = torch.empty(512 * 2**20, dtype=torch.uint8, device="cuda")

    def prepare(self, m, n, k):
        if self.torch is None:
            return None
        torch = self.torch
        a = torch.randn((m, k), device="cuda", dtype=torch.bfloat16)
        b = torch.randn((n, k), device="cuda", dtype=torch.bfloat16)
        d = torch.empty((m, n), device="cuda", dtype=torch.bfloat16)
        af, bf = self.cast_a(a, use_ue8m0=False), self.cast_b(b, use_ue8m0=False)
        call = lambda: self.deep_gemm.fp8_gemm_nt(af, bf, d, disable_ue8m0_cast=True)
        call()  # its JIT compile, outside the timing
        torch.cuda.synchronize()
        return call

    def time_us(self, call):
        torch = self.torch
        for _ in range(3):
            call()
        samples = []
        for i in range(ITERS):
            self.flush.fill_(i & 0xFF)
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            call()
            end.record()
            end.synchronize()
            samples.append(start.elapsed_time(end) * 1e3)
        return statistics.median(samples)


def geomean(values):
    values = [v for v in values if v and v > 0]
    return math.exp(sum(map(math.log, values)) / len(values)) if values else float("nan")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("table_a")
    parser.add_argument("table_b")
    parser.add_argument("gemmtune")
    parser.add_argument("out")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--deadline", type=float, default=1e18)
    parser.add_argument("--dg-sms", type=int, default=None)
    parser.add_argument("--differing-only", action="store_true")
    parser.add_argument("--shuffle", type=int, default=None, metavar="SEED")
    args = parser.parse_args()
    picks_a, picks_b = table_picks(args.table_a), table_picks(args.table_b)
    shapes = [s for s in picks_a if s in picks_b]
    if args.shuffle is not None:
        random.Random(args.shuffle).shuffle(shapes)
    if not shapes:
        sys.exit(f"tables_side_by_side: {args.table_a} and {args.table_b} share no dense problem")
    dg = DeepGemmSide(args.dg_sms)
    rows = []
    with open(args.out, "a") as out:
        for index, (m, n, k) in enumerate(shapes):
            if time.time() > args.deadline:
                print(f"deadline: stopped at {index}/{len(shapes)}", flush=True)
                break
            config_a, label = picks_a[(m, n, k)]
            config_b = picks_b[(m, n, k)][0]
            row = {"m": m, "n": n, "k": k, "label": label, "config_a": config_a, "config_b": config_b}
            if args.differing_only and config_a == config_b:
                row.update(same_config=True, a_over_b=1.0)
                out.write(json.dumps(row) + "\n")
                rows.append(row)
                continue
            try:
                dg_call = dg.prepare(m, n, k)
                sides = {"a_us": lambda: gemmtune_us(args.gemmtune, m, n, k, config_a),
                         "b_us": lambda: gemmtune_us(args.gemmtune, m, n, k, config_b)}
                if dg_call:
                    sides["dg_us"] = lambda: dg.time_us(dg_call)
                order = list(sides)
                samples = {name: [] for name in order}
                for round_index in range(args.rounds):
                    shift = (index + round_index) % len(order)
                    for name in order[shift:] + order[:shift]:
                        samples[name].append(sides[name]())
                for name, values in samples.items():
                    row[name] = statistics.median(values)
                    row[name.replace("_us", "_rounds_us")] = values
            except Exception as error:  # one failing problem must not lose the others
                row["error"] = repr(error)[-300:]
            if row.get("a_us") and row.get("b_us"):
                row["a_over_b"] = row["a_us"] / row["b_us"]
                if row.get("dg_us"):
                    row["dg_over_a"] = row["dg_us"] / row["a_us"]
                    row["dg_over_b"] = row["dg_us"] / row["b_us"]
            out.write(json.dumps(row) + "\n")
            out.flush()
            rows.append(row)
            print(" ".join(f"{key}={row[key]:.3f}" if isinstance(row.get(key), float) else
                           f"{key}={row.get(key, '')}" for key in
                           ("m", "n", "k", "a_us", "b_us", "dg_us", "a_over_b", "dg_over_a",
                            "dg_over_b", "error")), flush=True)
    summary = {key: geomean([r.get(key) for r in rows]) for key in ("a_over_b", "dg_over_a", "dg_over_b")}
    summary["rows"] = len(rows)
    summary["rows_same_config_untimed"] = sum(1 for r in rows if r.get("same_config"))
    summary["rows_dg_over_b_below_1"] = sum(1 for r in rows if r.get("dg_over_b", 2) < 1.0)
    summary["rows_dg_over_a_below_1"] = sum(1 for r in rows if r.get("dg_over_a", 2) < 1.0)
    print("summary " + json.dumps(summary), flush=True)


if __name__ == "__main__":
    main()
