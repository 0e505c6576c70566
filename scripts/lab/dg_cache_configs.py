#!/usr/bin/env python3
"""DeepGEMM's kernel choices, read from its JIT cache: one line per kernel it compiled.

usage: scripts/lab/dg_cache_configs.py [CACHE_DIR=.dgcache/cache] [--json]

DeepGEMM compiles one kernel per shape and configuration and keeps each kernel's source
(`kernel.cu`, the template arguments of `sm90_fp8_gemm_1d2d_impl<...>`) beside its cubin. The
cache `scripts/dg_jit_cache.sh` keeps in `.dgcache` therefore says which tile, stages and
multicast DeepGEMM's heuristic chose for every problem it was timed on beside gemmtune, written
in gemmtune's config vocabulary (bm/bn/s/mc/sm), so the two choices compare row by row. Its
cubins disassemble with nvdisasm as ours do (scripts/lab/sass_kloop.py).
"""
import json
import os
import re
import sys

# The template parameters of DeepGEMM 2.6.1's sm90_fp8_gemm_1d2d_impl, in order.
PARAMS = ["major_sfb", "shape_m", "shape_n", "shape_k", "groups", "block_m", "block_n",
          "block_k", "swizzle_a", "swizzle_b", "swizzle_d", "stages", "tma_threads",
          "math_threads", "multicast", "multicast_on_a", "sms", "gemm_type"]


def parse(source):
    """The template arguments of the kernel a DeepGEMM cache entry instantiates, or None."""
    m = re.search(r"sm90_fp8_gemm_1d2d_impl<(.*?)>\);", source, re.S)
    if not m:
        return None
    args = [a.strip() for a in m.group(1).replace("\n", " ").split(",")]
    if len(args) < len(PARAMS):
        return None
    out = dict(zip(PARAMS, args))
    for key in PARAMS[1:16]:
        out[key] = int(out[key]) if key != "multicast_on_a" else out[key] == "true"
    out["gemm_type"] = out["gemm_type"].split("::")[-1]
    mc = "0" if out["multicast"] == 1 else ("A" if out["multicast_on_a"] else "B")
    out["as_gemmtune"] = (f'bm{out["block_m"]}_bn{out["block_n"]}_s{out["stages"]}_mc{mc}'
                          f'_sm{out["sms"]}')
    return out


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    cache = args[0] if args else ".dgcache/cache"
    if not os.path.isdir(cache):
        sys.exit(f"dg_cache_configs: {cache}: no such directory (a DeepGEMM JIT cache)")
    rows = []
    for entry in sorted(os.listdir(cache)):
        path = os.path.join(cache, entry, "kernel.cu")
        if not os.path.isfile(path):
            continue
        with open(path) as f:
            parsed = parse(f.read())
        if parsed:
            parsed["entry"] = entry
            rows.append(parsed)
    rows.sort(key=lambda r: (r["gemm_type"], r["shape_n"], r["shape_k"], r["groups"]))
    if "--json" in sys.argv:
        for r in rows:
            print(json.dumps(r))
        return
    print("| type | N | K | groups | DeepGEMM's choice (gemmtune's words) | math threads |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(f'| {r["gemm_type"]} | {r["shape_n"]} | {r["shape_k"]} | {r["groups"]} | '
              f'`{r["as_gemmtune"]}` | {r["math_threads"]} |')


if __name__ == "__main__":
    main()
