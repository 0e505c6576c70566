# What the call protocol allows on the HBM-bound rows (issue 10's bandwidth goals): for each
# problem of a shape set with M <= MAX_M, the time of (1) an almost empty kernel and (2) a
# read-only stream of the problem's bytes (A, B, D and both scale tensors, as the reports count
# them: src/core/gemm_shape.hpp gemm_min_bytes), each timed as ../shared/anchors/dg_compare.py
# times DeepGEMM: a 512 MiB flush, then events around one call, median of ITERS. (2) is torch's
# float32 sum over the bytes: a memory-bound reduction, not a proven optimum, so its throughput
# is a floor of what a kernel can reach, and (1) is the part of every sample no kernel can remove.
# NOTE: not an int32 sum into int64: its widening made it compute-bound (0.5-0.7 TB/s on the
# H200, results/2026-11-23-grouped-vs-deepgemm/1408-grouped-ragged-probe/floor.jsonl).
#   usage: python3 scripts/lab/call_floor_probe.py SHAPES.json [MAX_M=128] [ITERS=30] > floor.jsonl
#   (needs torch on a GPU; one JSON line per problem, then a summary line)
import json
import math
import sys

import torch

shapes = json.load(open(sys.argv[1]))
max_m = int(sys.argv[2]) if len(sys.argv) > 2 else 128
iters = int(sys.argv[3]) if len(sys.argv) > 3 else 30
flush = torch.empty(512 * 2**20, dtype=torch.uint8, device='cuda')


def call_time_us(fn):
    for w in range(3):
        fn()
    ts = []
    for i in range(iters):
        flush.fill_(i & 0xff)
        s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        s.record(); fn(); e.record(); e.synchronize(); ts.append(1000.0 * s.elapsed_time(e))
    ts.sort()
    return ts[len(ts) // 2]


def problem_bytes(m, n, k):
    """A, B, D and both scale tensors once (src/core/gemm_shape.hpp gemm_min_bytes)."""
    kb, nb = -(-k // 128), -(-n // 128)
    return m * k + n * k + 2 * m * n + 4 * m * kb + 4 * nb * kb


def problems(doc):
    for p in doc['problems']:
        ms = p['m'] if isinstance(p['m'], list) else [p['m']]
        for m in ms:
            if m <= max_m:
                yield m, p['n'], p['k']


tiny = torch.zeros(1, device='cuda')
empty_us = call_time_us(lambda: tiny.add_(1))
rates = []
for m, n, k in problems(shapes):
    nbytes = problem_bytes(m, n, k)
    words = torch.ones(nbytes // 4, dtype=torch.float32, device='cuda')
    read_us = call_time_us(lambda: words.sum())
    rate = nbytes / read_us / 1e6
    rates.append(rate)
    print(json.dumps({'m': m, 'n': n, 'k': k, 'bytes': nbytes, 'empty_us': round(empty_us, 3),
                      'read_us': round(read_us, 3), 'read_tbps': round(rate, 3)}), flush=True)
    del words
geo = math.exp(sum(map(math.log, rates)) / len(rates)) if rates else float('nan')
print(json.dumps({'summary': True, 'rows': len(rates), 'max_m': max_m, 'empty_us': round(empty_us, 3),
                  'read_tbps_geomean': round(geo, 3)}), flush=True)
