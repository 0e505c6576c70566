#!/usr/bin/env bash
# What a cheap grouped tile costs: a tile whose rows all lie in the first math warpgroup's half
# (skips_idle_warpgroup: the second warpgroup skips its K loop). Masked problems with the same
# tiles (32 groups, one m-block each, so the same units and waves) and 64 rows (cheap tiles),
# 65 rows (the second warpgroup gets one row: whole tiles with nearly the same stores) and 128
# rows (whole tiles), timed with the call protocol in interleaved rounds. Why: a schedule that
# deals cheap units round the clusters was modelled at +2-14% on 10 grouped rows with a cheap
# tile at 0.55 of a whole one, and measured 3-5% slower (results/PERF_LOG.md session 27).
#   usage: GEMMTUNE_GIT_REV=<rev> bash scripts/lab/device_cheap_tile_probe.sh
#   carry: .devdeps. Env: GEMMTUNE_ROUNDS (default 3). Writes $OUT/log.txt, $OUT/probe.jsonl.
set -uo pipefail
OUT=${OUT:-/tmp/gemmtune-device}
mkdir -p "$OUT"
exec > >(tee -a "$OUT/log.txt") 2>&1
source scripts/device_common.sh
gemmtune_build
python3 - "${GEMMTUNE_ROUNDS:-3}" "$OUT/probe.jsonl" <<'PY'
import json, subprocess, sys
sys.path.insert(0, "scripts")
from grouped_vs_deepgemm import run_command
rounds, out_path = int(sys.argv[1]), sys.argv[2]
# N, K, config: a compute-bound shape and dsv3's down projection (short K), two tile heights.
shapes = [(4096, 7168, "bm128_bn192_s4_mc0_sm132_rN8_sk1_k7168_gM"),
          (7168, 2048, "bm128_bn192_s4_mc0_sm132_rN8_sk1_k2048_gM"),
          (7168, 2048, "bm256_bn128_s3_mc0_sm132_rN8_sk1_k2048_gM")]
with open(out_path, "a") as out:
    for r in range(1, rounds + 1):
        for n, k, config in shapes:
            block_m = int(config[2:].split("_")[0])
            for rows in (block_m // 2, block_m // 2 + 1, block_m):
                p = {"layout": "masked", "n": n, "k": k, "ms": [rows] * 32, "max_m": block_m}
                run = subprocess.run(run_command("devbuild/gemmtune", p, config, global_args=("--log-level", "warn")),
                                     capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
                try:
                    m = [x for x in json.loads(run.stdout)["measurements"] if x.get("kind", "gemmtune") == "gemmtune"][0]
                    us, disposition = m["timing"]["median_us"], m.get("disposition")
                except Exception as e:
                    us, disposition = None, f"no result ({run.returncode}): {run.stderr.strip()[-200:]}"
                rec = {"round": r, "n": n, "k": k, "config": config, "rows_per_group": rows,
                       "median_us": us, "disposition": disposition}
                out.write(json.dumps(rec) + "\n"); out.flush()
                print(json.dumps(rec), flush=True)
PY
stamp "done"
