#!/usr/bin/env python3
#   usage: dg_warm_grouped.py DG_GROUPED.py PROBLEMS.json [PROCESSES=8]
"""Compiles DeepGEMM's JIT kernels for grouped problems in parallel processes before they are
timed: the anchors' dg_grouped.py on a share of the problems each (--iters 1), the disk cache
(DG_JIT_CACHE_DIR) shared. Problems of one layout, N, K and group count go to the same process,
so two processes do not compile the same kernel.

Why: DeepGEMM compiles each kernel on its first call, one at a time (measured: 199 s
for the 8 dsv3-moe problems), and configs/deepgemm/grouped_dsv3_moe_full.json has 64.

  usage: dg_warm_grouped.py DG_GROUPED.py PROBLEMS.json [PROCESSES=8]
Prints the wall time and each process's exit code; the timings of these calls are thrown away.
"""
import json
import subprocess
import sys
import time


def main():
    harness, problems_path = sys.argv[1], sys.argv[2]
    procs = int(sys.argv[3]) if len(sys.argv) > 3 else 8
    problems = json.load(open(problems_path))["problems"]
    kernels = {}
    for p in problems:
        kernels.setdefault((p["layout"], p["n"], p["k"], len(p["ms"])), []).append(p)
    shares = [[] for _ in range(procs)]
    for i, key in enumerate(sorted(kernels)):
        shares[i % procs] += kernels[key]
    t0, running = time.time(), []
    for i, share in enumerate(s for s in shares if s):
        path = f"/tmp/dg_warm_{i}.json"
        json.dump({"problems": share}, open(path, "w"))
        log = open(f"/tmp/dg_warm_{i}.log", "w")
        running.append(subprocess.Popen([sys.executable, harness, path, f"/tmp/dg_warm_{i}.jsonl",
                                         "--iters", "1"], stdout=log, stderr=subprocess.STDOUT))
    codes = [r.wait() for r in running]
    print(f"deepgemm warm: {len(problems)} problems in {len(running)} processes, "
          f"{time.time() - t0:.0f} s, exit codes {codes}")
    return 0 if not any(codes) else 1


if __name__ == "__main__":
    sys.exit(main())
