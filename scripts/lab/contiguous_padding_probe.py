#!/usr/bin/env python3
"""Why a contiguous GEMM through the bundle from Python takes longer than `gemmtune run` of the
same config: the same kernel, inputs and protocol (device_bundle_python.Gpu.interleaved_us: flush,
spin, events), three ways in one process, interleaved:
  compact  A holds the real rows only, offsets from the group sizes (gemmtune's layout: what
           `gemmtune run` times),
  padded   DeepGEMM's layout, each group padded to 128 rows, with offsets and group ends (the
           Python check's "pre-converted" call),
  spinless compact again, without the spin after the flush (`gemmtune run`'s protocol),
then `gemmtune run` of the entry's config on its group sizes, in the same process's GPU session.

    usage: contiguous_padding_probe.py BUNDLE [--gemmtune BIN] [--max-us 300] [--iters 50]

Writes one JSON line per entry to stdout."""
import argparse
import json
import math
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import device_bundle_python as dbp  # noqa: E402


def main():
    p = argparse.ArgumentParser()
    p.add_argument("bundle")
    p.add_argument("--gemmtune", default="devbuild/gemmtune")
    p.add_argument("--max-rows", type=int, default=20000, help="entries of at most this many rows")
    p.add_argument("--iters", type=int, default=50)
    args = p.parse_args()
    import torch
    sys.path.insert(0, os.path.abspath(args.bundle))
    import gemmtune_bundle as gt
    bundle = gt.load(args.bundle)
    gpu = dbp.Gpu(torch, args.iters)
    dev = torch.cuda.current_device()
    handle, lib = bundle._handle(dev), bundle._lib
    for entry in bundle.grouped_entries:
        if entry["layout"] != "grouped_contiguous" or entry["rows"] > args.max_rows:
            continue
        group_m = dbp.grouped_group_m(entry)
        g, n, k = len(group_m), entry["n"], entry["k"]
        rows = sum(group_m)
        a, sfa = gpu.quant_rows(torch.randn((rows, k), device="cuda", dtype=torch.bfloat16))
        b, sfb = gpu.quant_blocks(torch.randn((g * n, k), device="cuda", dtype=torch.bfloat16))
        kb = math.ceil(k / 128)
        # gemmtune's sB: [g * ceil(n / 128), k blocks padded to 4] (n is a multiple of 128 here)
        sb = torch.zeros((sfb.shape[0], (kb + 3) // 4 * 4), device="cuda")
        sb[:, :kb] = sfb
        # compact: rows as they are
        sa_c = torch.zeros((kb, (rows + 3) // 4 * 4), device="cuda")
        sa_c[:, :rows] = sfa.t()
        off_c = torch.tensor([0] + list(itertools_accumulate(group_m)), dtype=torch.int32, device="cuda")
        d_c = torch.empty((rows, n), device="cuda", dtype=torch.bfloat16)
        # padded: each group at a multiple of 128 rows
        starts, r = [], 0
        for x in group_m:
            starts.append(r)
            r += math.ceil(x / 128) * 128
        m_p = r
        a_p = torch.zeros((m_p, k), device="cuda", dtype=torch.float8_e4m3fn)
        sa_p = torch.zeros((kb, (m_p + 3) // 4 * 4), device="cuda")
        src = 0
        for s, x in zip(starts, group_m):
            a_p[s:s + x] = a[src:src + x]
            sa_p[:, s:s + x] = sfa[src:src + x].t()
            src += x
        off_p = torch.tensor(starts + [m_p], dtype=torch.int32, device="cuda")
        ends_p = torch.tensor([s + x for s, x in zip(starts, group_m)], dtype=torch.int32, device="cuda")
        d_p = torch.empty((m_p, n), device="cuda", dtype=torch.bfloat16)
        stream = lambda: torch.cuda.current_stream().cuda_stream

        def compact():
            assert lib.gemmtune_bundle_gemm_grouped_contiguous(
                handle, g, rows, n, k, off_c.data_ptr(), a.data_ptr(), sa_c.data_ptr(),
                b.data_ptr(), sb.data_ptr(), d_c.data_ptr(), stream()) == 0

        def padded():
            assert lib.gemmtune_bundle_gemm_grouped_contiguous_padded(
                handle, g, m_p, 128, n, k, off_p.data_ptr(), ends_p.data_ptr(), a_p.data_ptr(),
                sa_p.data_ptr(), b.data_ptr(), sb.data_ptr(), d_p.data_ptr(), stream()) == 0

        compact()
        padded()
        torch.cuda.synchronize()
        same = all(torch.equal(d_c[sum(group_m[:i]):sum(group_m[:i + 1])],
                               d_p[starts[i]:starts[i] + group_m[i]]) for i in range(g))
        timed = gpu.interleaved_us({"compact": compact, "padded": padded})
        cover = dbp.COVER_CYCLES
        dbp.COVER_CYCLES = 0
        spinless = gpu.interleaved_us({"compact": compact})["compact"]
        dbp.COVER_CYCLES = cover
        run = subprocess.run([args.gemmtune, "run", "--layout", "grouped_contiguous", "--group-m",
                              ",".join(map(str, group_m)), "--n", str(n), "--k", str(k), "--config",
                              entry["config"], "--timing", "call", "--baseline-timing", "none",
                              "--iters", str(args.iters), "--json"], capture_output=True, text=True)
        run_us = None
        if run.returncode == 0:
            m = json.loads(run.stdout)["measurements"]
            run_us = next(x["timing"]["median_us"] for x in m if x["kind"] == "gemmtune")
        print(json.dumps({"label": entry.get("label"), "groups": g, "n": n, "k": k, "rows": rows,
                          "padded_rows": m_p, "config": entry["config"], "same_rows": same,
                          "compact_us": timed["compact"], "padded_us": timed["padded"],
                          "compact_spinless_us": spinless, "gemmtune_run_us": run_us}), flush=True)


def itertools_accumulate(values):
    total = 0
    for v in values:
        total += v
        yield total


if __name__ == "__main__":
    main()
