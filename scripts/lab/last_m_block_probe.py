#!/usr/bin/env python3
"""Two gemmtune binaries (e.g. before and after a kernel change) timed on the same dense configs at
M around a tile boundary, interleaved rounds, every result validated: one JSON line per run.

  usage: last_m_block_probe.py OUT.jsonl ROUNDS DEADLINE_UNIX_S BEFORE_BIN AFTER_BIN
"""
import json, subprocess, sys, time
out, rounds, deadline = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
CASES = [  # (n, k, config, [m...])
    (2112, 7168, "bm64_bn32_s16_mc0_sm132_rN8_sk1_k7168", [64, 65, 72, 77, 80, 96, 112, 128]),
    (2112, 7168, "bm64_bn96_s8_mc0_sm132_rN8_sk2", [77, 96]),
    (4096, 7168, "bm64_bn64_s12_mc0_sm132_rN8_sk1_k7168", [77, 96]),
    (24576, 1536, "bm256_bn128_s3_mc0_sm132_rN8_sk1_k1536", [256, 257, 320, 384, 2049, 2304]),
    (2112, 7168, "bm128_bn144_s5_mc0_sm132_rN8_sk1_k7168", [128, 129, 160, 1000, 1024]),
    (7168, 16384, "bm64_bn128_s7_mcB_sm132_rN8_sk1", [77, 96]),
    (2112, 7168, "bm192_bn88_s5_mcA_sm132_rN8_sk1_k7168", [2049, 2112]),
    (7168, 16384, "bm128_bn112_s4_mc0_sm132_rN8_sk2_k16384", [77, 96]),
]
bins = ["before", "after"]
paths = {"before": sys.argv[4], "after": sys.argv[5]}
with open(out, "a") as f:
    for r in range(rounds):
        for n, k, cfg, ms in CASES:
            for m in ms:
                order = bins if (r + m) % 2 == 0 else bins[::-1]
                for b in order:
                    if time.time() > deadline:
                        print("deadline"); sys.exit(0)
                    p = subprocess.run([paths[b], "--log-level", "error", "run", "--m", str(m), "--n", str(n),
                                        "--k", str(k), "--config", cfg, "--timing", "call", "--iters", "30",
                                        "--baseline-timing", "none", "--json"], capture_output=True, text=True, timeout=120)
                    row = {"round": r, "bin": b, "m": m, "n": n, "k": k, "config": cfg, "rc": p.returncode}
                    try:
                        d = json.loads(p.stdout)
                        meas = d["measurements"][0]
                        row["median_us"] = meas.get("timing", {}).get("median_us")
                        row["validation"] = meas.get("validation", meas.get("status"))
                    except Exception as e:
                        row["error"] = (p.stderr or str(e))[-300:]
                    f.write(json.dumps(row) + "\n"); f.flush()
                    print(r, b, m, n, k, cfg, p.returncode, row.get("median_us"), flush=True)
