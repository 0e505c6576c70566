# Does DeepGEMM's contiguous layout gain from the zeros in its padding rows? (issue 11; PERF_LOG
# session 28.) At the 700 W cap the tensor cores' power, and so the clock, depends on the data: a
# padding row of zeros costs less energy than a real row. The anchors' dg_grouped.py fills the
# rows that pad each group to 128 with zeros; gemmtune's layout has no padding rows, and the rows
# its partial tiles compute beyond a group's end hold real data. This times DeepGEMM's
# m_grouped_fp8_gemm_nt_contiguous, call protocol (512 MB flush, events around one call, median),
# on one problem's group sizes three ways, interleaved over rounds:
#   zero_pad    each group padded to 128 rows with zeros (as dg_grouped.py);
#   normal_pad  the same padding rows filled with N(0, 1) data, like real rows;
#   rounded     every group rounded up to 128 rows of real data (the same tiles, no padding).
#   usage: python3 dg_padding_probe.py OUT.jsonl N K M0,M1,... [--rounds 3] [--iters 30]
import argparse, json
import torch, deep_gemm
from deep_gemm.utils import per_token_cast_to_fp8, per_block_cast_to_fp8

ap = argparse.ArgumentParser()
ap.add_argument('out'); ap.add_argument('n', type=int); ap.add_argument('k', type=int); ap.add_argument('ms')
ap.add_argument('--rounds', type=int, default=3); ap.add_argument('--iters', type=int, default=30)
args = ap.parse_args()
torch.manual_seed(1)
flush_bytes = 512 * 2**20
flush = torch.empty(flush_bytes, dtype=torch.uint8, device='cuda')
ms = [int(x) for x in args.ms.split(',')]
align = deep_gemm.get_mk_alignment_for_contiguous_layout()
padded = [(m + align - 1) // align * align for m in ms]
rows_total = sum(padded)

def median_call_us(fn):
    for _ in range(3): fn()
    samples_ms = []
    for i in range(args.iters):
        flush.fill_(i & 0xff)
        start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record(); fn(); stop.record(); stop.synchronize(); samples_ms.append(start.elapsed_time(stop))
    samples_ms.sort()
    return samples_ms[len(samples_ms) // 2] * 1e3

b = torch.randn((len(ms), args.n, args.k), device='cuda', dtype=torch.bfloat16)
bq = torch.empty_like(b, dtype=torch.float8_e4m3fn)
bs = torch.empty((len(ms), (args.n + 127) // 128, (args.k + 127) // 128), device='cuda', dtype=torch.float)
for g in range(len(ms)): bq[g], bs[g] = per_block_cast_to_fp8(b[g], use_ue8m0=False)
d = torch.empty((rows_total, args.n), device='cuda', dtype=torch.bfloat16)

def variant(pad_fill, real_rows):
    """A's rows (real_rows[g] of group g are real, the rest of its padded block pad_fill) and the
    layout (group id per row, -1 for padding)."""
    a = torch.randn((rows_total, args.k), device='cuda', dtype=torch.bfloat16)
    layout = torch.full((rows_total,), -1, device='cuda', dtype=torch.int32)
    start = 0
    for g, (m, pm) in enumerate(zip(real_rows, padded)):
        layout[start:start + m] = g
        if pad_fill == 'zero': a[start + m:start + pm] = 0
        start += pm
    aq = per_token_cast_to_fp8(a, use_ue8m0=False)
    return lambda: deep_gemm.m_grouped_fp8_gemm_nt_contiguous(aq, (bq, bs), d, layout, disable_ue8m0_cast=True)

variants = {'zero_pad': variant('zero', ms), 'normal_pad': variant('normal', ms), 'rounded': variant('normal', padded)}
with open(args.out, 'a') as out:
    for r in range(args.rounds):
        for name, fn in variants.items():
            us = median_call_us(fn)
            rec = {'n': args.n, 'k': args.k, 'ms': ms, 'variant': name, 'round': r, 'dg_us': us}
            out.write(json.dumps(rec) + '\n'); out.flush()
            print(f"deepgemm {name:10s} round {r} N {args.n} K {args.k} rows {sum(ms)} (padded {rows_total}): {us:.1f} us", flush=True)
