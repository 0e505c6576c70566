#!/usr/bin/env python3
"""DeepGEMM fp8_gemm_nt timed with the anchors' "call" protocol (512 MB flush, events around one
call) for ITERS calls in a row, so that the card reaches its sustained power and clock state: the
DeepGEMM side of scripts/device_power_probe.sh. Prints one JSON line: median, p10, p90 (µs).
Also prints period_us: the loop's median host time per sample (call, flush and Python's gap).
DIST: the inputs before the per-block cast: normal (torch.randn, DeepGEMM's tests; the default) or
uniform (U(-1, 1), gemmtune's `--inputs uniform`), to time both sides on the same data.
--clock-per-sample (last argument): the SM clock after each sample (scripts/lab/clock_probe.py, the
probe of gemmtune's `run --clock-per-sample`), printed as samples_us / samples_sm_mhz / samples_end_ns.
  usage: python3 dg_sustained.py M N K ITERS [DIST] [--clock-per-sample]
"""
import json, sys, time
import torch, deep_gemm
from deep_gemm.utils import per_token_cast_to_fp8, per_block_cast_to_fp8

clock_per_sample = '--clock-per-sample' in sys.argv
args = [a for a in sys.argv[1:] if a != '--clock-per-sample']
if clock_per_sample:
    sys.path.insert(0, __file__.rsplit('/', 1)[0])
    from clock_probe import ClockProbe
m, n, k, iters = map(int, args[0:4])
dist = args[4] if len(args) > 4 else 'normal'
probe = ClockProbe(iters) if clock_per_sample else None
draw = {'normal': lambda r, c: torch.randn((r, c), device='cuda', dtype=torch.bfloat16),
        'uniform': lambda r, c: (torch.rand((r, c), device='cuda') * 2 - 1).to(torch.bfloat16)}[dist]
a, b = draw(m, k), draw(n, k)
d = torch.empty((m, n), device='cuda', dtype=torch.bfloat16)
af, bf = per_token_cast_to_fp8(a, use_ue8m0=False), per_block_cast_to_fp8(b, use_ue8m0=False)
flush = torch.empty(512 * 2**20, dtype=torch.uint8, device='cuda')
deep_gemm.fp8_gemm_nt(af, bf, d, disable_ue8m0_cast=True)
torch.cuda.synchronize()
ts = []
starts = []  # host time at each sample's start: the loop's period per sample (gemmtune's sample_period_us)
for i in range(iters):
    starts.append(time.perf_counter())
    flush.fill_(i & 0xff)
    s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    s.record(); deep_gemm.fp8_gemm_nt(af, bf, d, disable_ue8m0_cast=True); e.record()
    if probe: probe.after(i)
    e.synchronize(); ts.append(s.elapsed_time(e) * 1e3)
    if probe: torch.cuda.current_stream().synchronize()  # as gemmtune's probe: the stream drained
rec = {"m": m, "n": n, "k": k, "iters": iters, "inputs": dist}
if probe:
    clocks = probe.read()
    rec.update(samples_us=list(ts), samples_sm_mhz=[c[0] for c in clocks], samples_end_ns=[c[1] for c in clocks])
ts.sort()
rec.update(median_us=ts[len(ts) // 2], p10_us=ts[len(ts) // 10], p90_us=ts[len(ts) * 9 // 10])
periods = sorted((y - x) * 1e6 for x, y in zip(starts, starts[1:]))
if periods:
    rec["period_us"] = periods[len(periods) // 2]
print(json.dumps(rec))
