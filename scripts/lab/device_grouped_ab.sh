#!/usr/bin/env bash
# Kernel variants of grouped problems, gemmtune against itself (no DeepGEMM): more interleaved
# rounds per row than scripts/device_grouped_vs_deepgemm.sh spends on its variants, for effects
# of a few percent. Each problem's config (from the sweep's table) runs with each variant
# (GEMMTUNE_KERNEL_DEFINES), round by round, the variant order rotated per round; every run
# validates before it times.
#   usage: GEMMTUNE_GIT_REV=<rev> GEMMTUNE_TABLE=<table> GEMMTUNE_ROUNDS=4 \
#            bash scripts/lab/device_grouped_ab.sh PROBLEMS.json LABEL,LABEL,... \
#            'DEFINES_A' 'DEFINES_B' ...
#   ('' is the unmodified kernel; an empty LABEL list takes every problem; a word
#   `env:NAME=VALUE` of a variant is set in its environment instead, for a host-side hook).
#   carry: .devdeps
#   GEMMTUNE_CONFIG_SUBS="FROM:TO ...": other configs than the table's, each made from its choice
#   by replacing FROM with TO (e.g. "_mc0_:_mcB_"), run as variants of their own; a FROM the
#   choice lacks, or a config already listed, adds nothing.
# Writes $OUT/ab_grouped.jsonl (one line per run) and $OUT/ab_grouped_log.txt (the summary).
set -uo pipefail
OUT=${OUT:-/tmp/gemmtune-device}
mkdir -p "$OUT"
problems=$1 labels=$2; shift 2
exec > >(tee -a "$OUT/ab_grouped_log.txt") 2>&1
source scripts/device_common.sh
gemmtune_build
python3 - "$problems" "$labels" "${GEMMTUNE_TABLE:?a tuning table}" "${GEMMTUNE_ROUNDS:-4}" \
    "$OUT/ab_grouped.jsonl" "$@" <<'PY'
import json, math, os, statistics, subprocess, sys, collections
problems_file, labels, table_file, rounds, out_file, *variants = sys.argv[1:]
sys.path.insert(0, "scripts")
from grouped_vs_deepgemm import problem_key, run_command, table_configs
wanted = set(filter(None, labels.split(",")))
chosen = table_configs(table_file)
times = collections.defaultdict(list)


def defines_and_env(v):
    """A variant's GEMMTUNE_KERNEL_DEFINES and environment (words `env:NAME=VALUE`)."""
    words = v.split()
    env = dict(os.environ, GEMMTUNE_KERNEL_DEFINES=" ".join(
        w for w in words if not w.startswith("env:")))
    env.update(w[4:].split("=", 1) for w in words if w.startswith("env:"))
    return env


jobs = []  # (problem, its config list)
for p in json.load(open(problems_file))["problems"]:
    if wanted and p["label"] not in wanted:
        continue
    config = chosen.get(problem_key(p))
    if config is None:
        print(f'{p["label"]}: not in the table, skipped', flush=True)
        continue
    pick = config
    for sub in filter(None, os.environ.get("GEMMTUNE_CONFIG_SUBS", "").split()):
        frm, to = sub.split(":", 1)
        if frm in pick and pick.replace(frm, to) not in config.split(","):
            config += "," + pick.replace(frm, to)
    jobs.append((p, config))
# Every (config, variant) kernel compiled up front, in parallel: `run` compiles its configs one
# after the other, which with a cold cache took longer than the rounds themselves.
from concurrent.futures import ThreadPoolExecutor
kernels = {(c, v) for _, config in jobs for c in config.split(",") for v in variants}
def compile_one(cv):
    c, v = cv
    return subprocess.run(["devbuild/gemmtune", "--log-level", "error", "compile", "--config", c],
                          capture_output=True, text=True, timeout=600, env=defines_and_env(v)).returncode
with ThreadPoolExecutor(max_workers=os.cpu_count() or 4) as pool:
    failed = [cv for cv, rc in zip(sorted(kernels), pool.map(compile_one, sorted(kernels))) if rc]
print(f"compiled {len(kernels)} kernels up front, {len(failed)} failed {failed}", flush=True)
with open(out_file, "w") as out:
    for p, config in jobs:
        cmd = run_command("devbuild/gemmtune", p, config, global_args=("--log-level", "error"))
        for r in range(int(rounds)):
            order = variants[r % len(variants):] + variants[:r % len(variants)]
            for v in order:
                run = subprocess.run(cmd, capture_output=True, text=True, timeout=300,
                                     env=defines_and_env(v))
                base_rec = {"label": p["label"], "n": p["n"], "k": p["k"], "round": r,
                            "variant": v or "base", "rc": run.returncode}
                try:
                    ours = [m for m in json.loads(run.stdout)["measurements"]
                            if m.get("kind", "gemmtune") == "gemmtune"]
                except ValueError:
                    ours = []
                if not ours:
                    print("NO RESULT:", dict(base_rec, error=(run.stderr or run.stdout)[-300:]),
                          flush=True)
                for g in ours:
                    rec = dict(base_rec, config=g["config"], disposition=g["disposition"],
                               us=g.get("timing", {}).get("median_us"),
                               worst_diff=g.get("validation", {}).get("worst_vs_reference", {}).get("diff"))
                    out.write(json.dumps(rec) + "\n"); out.flush()
                    if rec["disposition"] == "passed" and rec["us"]:
                        key = (p["label"], p["n"], p["k"], g["config"], v or "base")
                        times[key].append(rec["us"])
                    else:
                        print("NOT PASSED:", rec, flush=True)
base = variants[0] or "base"
logs = collections.defaultdict(list)
rows = sorted({key[:3] for key in times})
for label, n, k in rows:
    cells = {key[3:]: statistics.median(ts) for key, ts in times.items()
             if key[:3] == (label, n, k)}
    ref = min((t for (c, v), t in cells.items() if v == base), default=None)
    print(f"{label} {n}x{k}:", " | ".join(
        f"{c} {v} {t:.1f} us" for (c, v), t in sorted(cells.items())))
    if ref is None:
        continue
    # Each variant's best config against the base variant's best (time ratio, > 1: faster).
    for v in {v for _, v in cells}:
        best = min(t for (c, vv), t in cells.items() if vv == v)
        logs[v].append(math.log(ref / best))
for v, l in logs.items():
    print(f"best of {v} against best of {base}: time ratio geomean "
          f"{math.exp(sum(l) / len(l)):.3f} over {len(l)} rows")
PY
stamp "done"
