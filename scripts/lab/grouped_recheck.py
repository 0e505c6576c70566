#!/usr/bin/env python3
"""Grouped rows of a DeepGEMM comparison re-timed in interleaved rounds (device side).

usage: grouped_recheck.py CMP.jsonl THRESHOLD GEMMTUNE ROUNDS OUT.jsonl PROBLEMS.json...

Why: scripts/device_grouped_vs_deepgemm.sh times gemmtune's pass between two DeepGEMM passes, so
a 2 ms power-capped row is timed once per side, minutes apart; such a row's time moves 5-10%
between calls (results/PERF_LOG.md, session 17-18). Here each row below THRESHOLD in CMP.jsonl
(its grouped_cmp.jsonl) is timed ROUNDS times per side with the chosen config, DeepGEMM
(../shared/anchors/dg_grouped.py on that one problem) and gemmtune (`gemmtune run`, which
validates before it times) one right after the other, DeepGEMM first in odd rounds and last in
even ones. Same "call" protocol both sides (512 MB flush, events around one call, median of 30).
PROBLEMS.json: the problem files of the comparison (their max_m for masked rows).
GEMMTUNE_RECHECK_LONG_US (optional): rows whose gemmtune time is at least this many microseconds
are re-timed whatever their ratio. Why: re-timing only the rows a comparison found low draws
those again and keeps the lucky high ones, which biases a class that moves 5-10% with the card's
state (the power-capped multi-ms rows) upward; a class chosen by duration alone is not biased.
Writes one line per round and row to OUT.jsonl and prints per row the median DG/gt over rounds.
"""
import json
import os
import statistics
import subprocess
import sys

sys.path.insert(0, "scripts")
from grouped_vs_deepgemm import problem_key, run_command  # noqa: E402 (the scripts' one spelling)


def time_deepgemm(problem, scratch):
    with open(scratch + ".json", "w") as f:
        json.dump({"problems": [problem]}, f)
    run = subprocess.run(["python3", ".anchors/dg_grouped.py", scratch + ".json", scratch + ".jsonl"],
                         capture_output=True, text=True, timeout=300)
    if run.returncode != 0:
        return None
    with open(scratch + ".jsonl") as f:
        lines = f.read().splitlines()
    return json.loads(lines[-1]).get("dg_us") if lines else None


def time_gemmtune(gemmtune, problem, config):
    cmd = run_command(gemmtune, problem, config, global_args=("--log-level", "error"))
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    if run.returncode != 0:
        return None, run.stderr.strip()[-200:]
    ours = [m for m in json.loads(run.stdout)["measurements"] if m.get("kind") == "gemmtune"]
    if not ours or ours[0].get("disposition") != "passed":
        return None, ours[0].get("disposition") if ours else "no measurement"
    return ours[0]["timing"]["median_us"], "passed"


def main():
    cmp_path, threshold, gemmtune, rounds, out_path, *problem_files = sys.argv[1:]
    problems = {problem_key(p): p for f in problem_files for p in json.load(open(f))["problems"]}
    long_us = float(os.environ.get("GEMMTUNE_RECHECK_LONG_US", "inf"))
    rows = [r for r in map(json.loads, open(cmp_path))
            if r.get("dg_over_gt") is not None
            and (r["dg_over_gt"] < float(threshold) or r["gt_us"] >= long_us)]
    ratios = {}
    with open(out_path, "w") as out:
        for i, row in enumerate(rows):
            problem = problems[problem_key(row)]
            name = f'{row["label"]} {row["n"]}x{row["k"]}'
            for r in range(1, int(rounds) + 1):
                if r % 2:
                    dg_us = time_deepgemm(problem, f"/tmp/recheck{i}")
                gt_us, disposition = time_gemmtune(gemmtune, problem, row["gt_config"])
                if not r % 2:
                    dg_us = time_deepgemm(problem, f"/tmp/recheck{i}")
                rec = {"label": row["label"], "layout": row["layout"], "n": row["n"], "k": row["k"],
                       "config": row["gt_config"], "round": r, "gt_us": gt_us, "dg_us": dg_us,
                       "gt_disposition": disposition, "compare_dg_over_gt": row["dg_over_gt"]}
                if gt_us and dg_us:
                    rec["dg_over_gt"] = dg_us / gt_us
                    ratios.setdefault(name, []).append(rec["dg_over_gt"])
                out.write(json.dumps(rec) + "\n")
                out.flush()
                print(f'{name} #{r}: gt {gt_us} dg {dg_us} ({disposition})', flush=True)
    for row in rows:
        name = f'{row["label"]} {row["n"]}x{row["k"]}'
        v = ratios.get(name, [])
        if v:
            print(f'{name}: DG/gt median {statistics.median(v):.3f} over {len(v)} rounds '
                  f'(min {min(v):.3f}, max {max(v):.3f}; the comparison: {row["dg_over_gt"]:.3f})')
        else:
            print(f'{name}: no round measured both sides')


if __name__ == "__main__":
    main()
