#!/usr/bin/env python3
"""An exported bundle through its Python module (gemmtune_bundle.py), on a GPU with PyTorch.

    usage: python3 scripts/device_bundle_python.py BUNDLE_DIR [--deadline-s 300] [--iters 30]
               [--json OUT.jsonl] [--no-grouped] [--table TABLE [--gemmtune BIN]]

For every dense entry of the bundle's manifest (then every grouped entry), in DeepGEMM's
argument layouts (sfa [m, ceil(k/128)] fp32 per-token scales, sfb 128x128 block scales;
contiguous groups padded to 128 rows with -1; masked groups in [g, max_m, k]):
  - checks the result against a float reference of the same quantized inputs (calc_diff, the
    1 - cosine-style similarity DeepGEMM's tests use; must be < 1e-3), and against DeepGEMM when
    `import deep_gemm` works (PYTHONPATH);
  - checks that pre-converted scales (to_gemmtune_sfa / to_gemmtune_sfb: no copy per call) give
    the same bytes, and that a captured CUDA graph's replay gives the same bytes;
  - times the call (the DeepGEMM-layout call, the no-copy call, DeepGEMM) with CUDA events, L2
    flushed before each sample, median of --iters; and the host time per call (no sync).
Also: the contiguous layout's device-side index conversion against its host reference, and the
cold start (load(), then the first GEMM's result).
Prints one line per entry and a summary; --json writes one JSON object per entry.
Exit code: 0 when every check passed, 1 when any failed, 2 when nothing could run (no PyTorch,
no GPU, the bundle does not load). --deadline-s bounds the run: entries not started by then are
reported as not run (and fail the run); a hang past it plus 60 s aborts with a traceback.
"""
import argparse
import faulthandler
import json
import math
import os
import statistics
import subprocess
import sys
import time

START = time.monotonic()
DIFF_LIMIT = 1e-3
FLUSH_BYTES = 512 << 20  # > 2x the L2 of any Hopper part


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("bundle", help="an exported bundle folder (gemmtune export --format bundle)")
    p.add_argument("--deadline-s", type=float, default=300.0, help="stop starting entries after this")
    p.add_argument("--iters", type=int, default=30, help="timed samples per implementation")
    p.add_argument("--json", help="append one JSON line per entry to this file")
    p.add_argument("--no-grouped", action="store_true", help="dense entries only")
    p.add_argument("--table", help="export this tuning table into BUNDLE first (needs --gemmtune)")
    p.add_argument("--gemmtune", default="devbuild/gemmtune", help="the binary for --table")
    return p.parse_args()


def say(text):
    print(f"[{time.monotonic() - START:6.1f} s] {text}", flush=True)


def calc_diff(x, y):
    x, y = x.double(), y.double()
    denominator = (x * x + y * y).sum()
    if denominator == 0:
        return 0.0
    return float(1 - 2 * (x * y).sum() / denominator)


class Gpu:
    """Inputs, references and timing on one GPU."""

    def __init__(self, torch, iters):
        self.torch, self.iters = torch, iters
        self.flush = torch.empty(FLUSH_BYTES, dtype=torch.uint8, device="cuda")

    def quant_rows(self, x):
        """x [rows, k] -> e4m3 [rows, k], fp32 scales [rows, ceil(k/128)] (1x128 blocks)."""
        torch = self.torch
        rows, k = x.shape
        kb = math.ceil(k / 128)
        xp = torch.nn.functional.pad(x.float(), (0, kb * 128 - k)).view(rows, kb, 128)
        scale = xp.abs().amax(-1).clamp(min=1e-4) / 448.0
        q = (xp / scale[..., None]).to(torch.float8_e4m3fn).view(rows, kb * 128)[:, :k]
        return q.contiguous(), scale.contiguous()

    def quant_blocks(self, x):
        """x [n, k] -> e4m3 [n, k], fp32 scales [ceil(n/128), ceil(k/128)] (128x128 blocks)."""
        torch = self.torch
        n, k = x.shape
        nb, kb = math.ceil(n / 128), math.ceil(k / 128)
        xp = torch.nn.functional.pad(x.float(), (0, kb * 128 - k, 0, nb * 128 - n))
        xp = xp.view(nb, 128, kb, 128)
        scale = xp.abs().amax(dim=(1, 3)).clamp(min=1e-4) / 448.0
        q = (xp / scale[:, None, :, None]).to(torch.float8_e4m3fn).view(nb * 128, kb * 128)
        return q[:n, :k].contiguous(), scale.contiguous()

    def dequant_rows(self, q, s):
        k = q.shape[1]
        return q.float() * s.repeat_interleave(128, dim=1)[:, :k]

    def dequant_blocks(self, q, s):
        n, k = q.shape
        return q.float() * s.repeat_interleave(128, 0)[:n].repeat_interleave(128, 1)[:, :k]

    def median_us(self, fn):
        torch = self.torch
        for _ in range(3):
            fn()
        samples = []
        for i in range(self.iters):
            self.flush.fill_(i & 0xFF)
            start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            fn()
            stop.record()
            stop.synchronize()
            samples.append(start.elapsed_time(stop) * 1e3)
        return statistics.median(samples)

    def host_us(self, fn, calls=200):
        """Host time per call, launches queued without synchronising (the Python overhead)."""
        self.torch.cuda.synchronize()
        t0 = time.perf_counter()
        for _ in range(calls):
            fn()
        host = (time.perf_counter() - t0) / calls * 1e6
        self.torch.cuda.synchronize()
        return host

    def graph_replay_equals(self, fn, out, expected, pick=lambda x: x):
        """Captures fn (writing `out`) in a CUDA graph, replays it into a zeroed `out`, and
        compares the rows `pick` selects (the rows the call writes) with `expected`'s."""
        torch = self.torch
        stream = torch.cuda.Stream()
        stream.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(stream):
            fn()  # warm-up on the capture stream
        torch.cuda.current_stream().wait_stream(stream)
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph, stream=stream):
            fn()
        out.zero_()
        graph.replay()
        torch.cuda.synchronize()
        return bool(torch.equal(pick(out), pick(expected)))


def run_dense(gpu, gt, dg, entry):
    torch = gpu.torch
    m, n, k = entry["m"], entry["n"], entry["k"]
    torch.manual_seed(m * 31 + n * 7 + k)
    a, sfa = gpu.quant_rows(torch.randn((m, k), device="cuda", dtype=torch.bfloat16))
    b, sfb = gpu.quant_blocks(torch.randn((n, k), device="cuda", dtype=torch.bfloat16))
    ref = gpu.dequant_rows(a, sfa) @ gpu.dequant_blocks(b, sfb).t()
    d = torch.empty((m, n), device="cuda", dtype=torch.bfloat16)
    call = lambda: gt.fp8_gemm_nt((a, sfa), (b, sfb), d)
    call()
    torch.cuda.synchronize()
    r = {"kind": "dense", "label": entry.get("label", ""), "m": m, "n": n, "k": k,
         "config": entry.get("config", ""), "selected": gt_bundle.select(m, n, k)}
    r["diff_ref"] = calc_diff(d, ref)
    sfa_t, sfb_t = gt.to_gemmtune_sfa(sfa), gt.to_gemmtune_sfb(sfb)
    d_zero_copy = torch.empty_like(d)
    zero_copy = lambda: gt.fp8_gemm_nt((a, sfa_t), (b, sfb_t), d_zero_copy)
    zero_copy()
    torch.cuda.synchronize()
    r["zero_copy_same"] = bool(torch.equal(d_zero_copy, d))
    d_graph = torch.empty_like(d)
    r["graph_same"] = gpu.graph_replay_equals(
        lambda: gt.fp8_gemm_nt((a, sfa), (b, sfb), d_graph), d_graph, d)
    r["bundle_us"] = gpu.median_us(call)
    r["zero_copy_us"] = gpu.median_us(zero_copy)
    r["host_us"] = gpu.host_us(zero_copy)
    if dg is not None:
        d_dg = torch.empty_like(d)
        dg_call = lambda: dg.fp8_gemm_nt((a, sfa), (b, sfb), d_dg, disable_ue8m0_cast=True)
        try:
            t0 = time.perf_counter()
            dg_call()
            torch.cuda.synchronize()
            r["deepgemm_first_call_ms"] = (time.perf_counter() - t0) * 1e3
            r["diff_deepgemm"] = calc_diff(d, d_dg)
            r["deepgemm_us"] = gpu.median_us(dg_call)
        except Exception as e:  # DeepGEMM's own limits are reported, not fatal
            r["deepgemm_error"] = f"{type(e).__name__}: {e}"[:200]
    return r


def contiguous_inputs(gpu, group_m, n, k):
    """DeepGEMM's contiguous layout: each group's rows padded to 128, padding rows -1."""
    torch = gpu.torch
    padded = [math.ceil(x / 128) * 128 for x in group_m]
    m = sum(padded)
    indices = torch.full((m,), -1, dtype=torch.int32)
    row = 0
    for g, (rows, pad) in enumerate(zip(group_m, padded)):
        indices[row:row + rows] = g
        row += pad
    return m, indices.cuda()


def run_grouped(gpu, gt, dg, entry):
    torch = gpu.torch
    layout, g, n, k = entry["layout"], entry["groups"], entry["n"], entry["k"]
    group_m = entry.get("group_m") or [max(1, entry["rows"] // g)] * g
    torch.manual_seed(g * 131 + n + k)
    b_parts = [gpu.quant_blocks(torch.randn((n, k), device="cuda", dtype=torch.bfloat16))
               for _ in range(g)]
    b = torch.stack([q for q, _ in b_parts]).contiguous()
    sfb = torch.stack([s for _, s in b_parts]).contiguous()
    r = {"kind": layout, "label": entry.get("label", ""), "groups": g, "n": n, "k": k,
         "rows": entry.get("rows"), "config": entry.get("config", "")}
    if layout == "grouped_contiguous":
        m, m_indices = contiguous_inputs(gpu, group_m, n, k)
        a, sfa = gpu.quant_rows(torch.randn((m, k), device="cuda", dtype=torch.bfloat16))
        d = torch.empty((m, n), device="cuda", dtype=torch.bfloat16)
        args = lambda out: ((a, sfa), (b, sfb), out, m_indices)
        fn, dg_name = gt.m_grouped_fp8_gemm_nt_contiguous, "m_grouped_fp8_gemm_nt_contiguous"
        valid = m_indices >= 0
        a_deq = gpu.dequant_rows(a, sfa)
        ref = torch.zeros((m, n), device="cuda")
        for gi in range(g):
            rows = (m_indices == gi).nonzero().flatten()
            ref[rows] = a_deq[rows] @ gpu.dequant_blocks(b[gi], sfb[gi]).t()
        pick = lambda x: x[valid]
    else:
        max_m = max(128, math.ceil(max(group_m) / 128) * 128)
        expected_m = max(1, math.ceil(sum(group_m) / g))
        a_parts = [gpu.quant_rows(torch.randn((max_m, k), device="cuda", dtype=torch.bfloat16))
                   for _ in range(g)]
        a = torch.stack([q for q, _ in a_parts]).contiguous()
        sfa = torch.stack([s for _, s in a_parts]).contiguous()
        masked_m = torch.tensor(group_m, dtype=torch.int32, device="cuda")
        d = torch.empty((g, max_m, n), device="cuda", dtype=torch.bfloat16)
        args = lambda out: ((a, sfa), (b, sfb), out, masked_m, expected_m)
        fn, dg_name = gt.m_grouped_fp8_gemm_nt_masked, "m_grouped_fp8_gemm_nt_masked"
        ref = torch.stack([gpu.dequant_rows(a[gi], sfa[gi]) @ gpu.dequant_blocks(b[gi], sfb[gi]).t()
                           for gi in range(g)])
        mask = torch.arange(max_m, device="cuda")[None, :] < masked_m[:, None]
        pick = lambda x: x[mask]
    call = lambda: fn(*args(d))
    call()
    torch.cuda.synchronize()
    r["diff_ref"] = calc_diff(pick(d), pick(ref))
    d_graph = torch.empty_like(d)
    r["graph_same"] = gpu.graph_replay_equals(lambda: fn(*args(d_graph)), d_graph, d, pick)
    r["bundle_us"] = gpu.median_us(call)
    r["host_us"] = gpu.host_us(call)
    if dg is not None and hasattr(dg, dg_name):
        d_dg = torch.zeros_like(d)
        dg_call = lambda: getattr(dg, dg_name)(*args(d_dg), disable_ue8m0_cast=True)
        try:
            t0 = time.perf_counter()
            dg_call()
            torch.cuda.synchronize()
            r["deepgemm_first_call_ms"] = (time.perf_counter() - t0) * 1e3
            r["diff_deepgemm"] = calc_diff(pick(d), pick(d_dg))
            r["deepgemm_us"] = gpu.median_us(dg_call)
        except Exception as e:
            r["deepgemm_error"] = f"{type(e).__name__}: {e}"[:200]
    return r


def verdict(r):
    """The failed checks of one entry's record (empty: passed)."""
    failed = []
    if not r.get("diff_ref", 1.0) < DIFF_LIMIT:
        failed.append(f"diff_ref {r.get('diff_ref')}")
    if "diff_deepgemm" in r and not r["diff_deepgemm"] < DIFF_LIMIT:
        failed.append(f"diff_deepgemm {r['diff_deepgemm']}")
    if r.get("zero_copy_same") is False:
        failed.append("no-copy scales gave other bytes")
    if r.get("graph_same") is False:
        failed.append("graph replay gave other bytes")
    return failed


def line(r):
    shape = (f"m={r['m']} n={r['n']} k={r['k']}" if r["kind"] == "dense"
             else f"{r['kind']} g={r['groups']} n={r['n']} k={r['k']} rows={r['rows']}")
    parts = [f"{r['label'][:28]:28s}", shape, f"diff_ref={r.get('diff_ref', float('nan')):.2e}"]
    if "diff_deepgemm" in r:
        parts.append(f"diff_dg={r['diff_deepgemm']:.2e}")
    parts.append(f"graph={'same' if r.get('graph_same') else 'DIFF'}")
    parts.append(f"bundle={r.get('bundle_us', float('nan')):.1f}us")
    if "zero_copy_us" in r:
        parts.append(f"no_copy={r['zero_copy_us']:.1f}us")
    if "deepgemm_us" in r:
        parts.append(f"deepgemm={r['deepgemm_us']:.1f}us "
                     f"speedup={r['deepgemm_us'] / r['bundle_us']:.3f}x")
        if "zero_copy_us" in r:
            parts.append(f"no_copy_speedup={r['deepgemm_us'] / r['zero_copy_us']:.3f}x")
    if "deepgemm_first_call_ms" in r:
        parts.append(f"dg_first_call={r['deepgemm_first_call_ms']:.0f}ms")
    if r["kind"] == "dense" and r.get("selected") != r.get("config"):
        parts.append(f"(selected {r.get('selected')}, tuned {r.get('config')})")
    if "deepgemm_error" in r:
        parts.append(f"deepgemm: {r['deepgemm_error']}")
    parts.append(f"host={r.get('host_us', float('nan')):.1f}us")
    parts.append("PASS" if not r["failed"] else "FAIL: " + "; ".join(r["failed"]))
    return " ".join(parts)


def check_offsets(torch, gt):
    """The device conversion of m_indices against its host reference (group_offsets)."""
    cases = [([0, 0, -1, 1, 1, 1, -1, -1, 3], 4), ([1, 1, -1], 3), ([-1, 0, 0, 2], 3),
             ([g for g in range(8) for _ in range(130)] + [-1] * 126, 8)]
    bad = []
    for indices, groups in cases:
        got = gt._group_offsets_device(torch.tensor(indices, dtype=torch.int32, device="cuda"),
                                       groups).tolist()
        if got != gt.group_offsets(indices, groups):
            bad.append((indices[:12], groups, got))
    return bad


def main():
    global gt_bundle
    args = parse_args()
    # NOTE: a hang (a kernel that never finishes blocks in synchronize) cannot be interrupted
    # from Python; the watchdog thread prints every stack and exits.
    faulthandler.dump_traceback_later(args.deadline_s + 60, exit=True)
    try:
        import torch
    except ImportError as e:
        say(f"error: PyTorch is needed ({e})")
        return 2
    if not torch.cuda.is_available():
        say("error: no CUDA device")
        return 2
    say(f"torch {torch.__version__}, {torch.cuda.get_device_name()}, bundle {args.bundle}")
    if args.table:
        command = [args.gemmtune, "export", args.table, "--format", "bundle", "--out", args.bundle]
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0:
            say(f"error: {' '.join(command)} exited {result.returncode}:\n{result.stderr[-2000:]}")
            return 2
        say(f"exported {args.table} into {args.bundle}")
    sys.path.insert(0, os.path.abspath(args.bundle))
    try:
        import deep_gemm
        say(f"deep_gemm from {os.path.dirname(deep_gemm.__file__)}")
    except Exception as e:  # absent, or built for another torch
        deep_gemm = None
        say(f"deep_gemm not importable ({type(e).__name__}: {e}); comparing with the reference only")
    t0 = time.perf_counter()
    try:
        import gemmtune_bundle as gt
        gt_bundle = gt.load(args.bundle)
        load_ms = (time.perf_counter() - t0) * 1e3
        dense = gt_bundle.entries
        grouped = [] if args.no_grouped else gt_bundle.grouped_entries
        gpu = Gpu(torch, args.iters)
        first = dense[0] if dense else None
        if first is not None:
            m, n, k = first["m"], first["n"], first["k"]
            a = torch.zeros((m, k), device="cuda", dtype=torch.float8_e4m3fn)
            b = torch.zeros((n, k), device="cuda", dtype=torch.float8_e4m3fn)
            sfa = torch.ones((m, math.ceil(k / 128)), device="cuda")
            sfb = torch.ones((math.ceil(n / 128), math.ceil(k / 128)), device="cuda")
            d = torch.empty((m, n), device="cuda", dtype=torch.bfloat16)
            t1 = time.perf_counter()
            gt.fp8_gemm_nt((a, sfa), (b, sfb), d)
            torch.cuda.synchronize()
            say(f"cold start: load() {load_ms:.1f} ms (library build included if it was missing), "
                f"first GEMM result {(time.perf_counter() - t1) * 1e3:.1f} ms (kernels loaded on "
                f"first use, {len(gt_bundle.manifest['kernels'])} kernels)")
    except Exception as e:  # BundleLoadError, or the build or the first call failing
        say(f"error: the bundle does not load: {type(e).__name__}: {e}")
        return 2
    try:
        offsets_bad = check_offsets(torch, gt)
    except Exception as e:
        offsets_bad = [f"{type(e).__name__}: {e}"[:300]]
    say("contiguous m_indices -> offsets on the device: " +
        ("matches the host reference" if not offsets_bad else f"MISMATCH {offsets_bad}"))
    results, not_run = [], []
    out = open(args.json, "a") if args.json else None
    for entry, runner in [(e, run_dense) for e in dense] + [(e, run_grouped) for e in grouped]:
        if time.monotonic() - START > args.deadline_s:
            not_run.append(entry.get("label", "?"))
            continue
        try:
            r = runner(gpu, gt, deep_gemm, entry)
        except Exception as e:
            r = {"kind": entry.get("layout", "dense"), "label": entry.get("label", ""),
                 "m": entry.get("m"), "n": entry["n"], "k": entry["k"], "groups": entry.get("groups"),
                 "rows": entry.get("rows"), "error": f"{type(e).__name__}: {e}"[:300]}
        r["failed"] = verdict(r) if "error" not in r else [r["error"]]
        results.append(r)
        say(line(r))
        if out:
            out.write(json.dumps(r) + "\n")
            out.flush()
        torch.cuda.empty_cache()
    failed = [r for r in results if r["failed"]]
    # Like for like: both calls take DeepGEMM's layouts and convert sfa inside the call.
    speedups = [r["deepgemm_us"] / r["bundle_us"] for r in results
                if "deepgemm_us" in r and not r["failed"]]
    copies = [r["bundle_us"] - r["zero_copy_us"] for r in results if "zero_copy_us" in r]
    say(f"summary: {len(results) - len(failed)}/{len(results)} entries passed, {len(failed)} "
        f"failed, {len(not_run)} not run (deadline){', offsets MISMATCH' if offsets_bad else ''}")
    if copies:
        say(f"scale conversion (DeepGEMM layout minus pre-converted), median "
            f"{statistics.median(copies):.2f} us per call")
    first_calls = [r["deepgemm_first_call_ms"] for r in results if "deepgemm_first_call_ms" in r]
    if first_calls:
        say(f"DeepGEMM first call per shape (JIT compile unless cached): median "
            f"{statistics.median(first_calls):.0f} ms, max {max(first_calls):.0f} ms")
    if speedups:
        say(f"vs DeepGEMM, same arguments: geomean speedup "
            f"{math.exp(sum(map(math.log, speedups)) / len(speedups)):.3f}x over {len(speedups)} "
            f"entries (min {min(speedups):.3f}x, max {max(speedups):.3f}x)")
    faulthandler.cancel_dump_traceback_later()
    return 1 if failed or not_run or offsets_bad or not results else 0


gt_bundle = None

if __name__ == "__main__":
    sys.exit(main())
