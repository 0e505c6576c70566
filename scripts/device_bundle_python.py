#!/usr/bin/env python3
"""An exported bundle through its Python module (gemmtune_bundle.py), on a GPU with PyTorch.

    usage: python3 scripts/device_bundle_python.py BUNDLE_DIR [--table TABLE] [--gemmtune BIN]
               [--only all|dense|grouped|none] [--max-m-table TABLE] [--deadline-s 300]
               [--iters 30] [--json OUT.jsonl] [--md OUT.md] [--overhead N]
               [--overhead-rounds 3]

For every dense entry of the bundle's manifest, then every grouped entry (contiguous and
masked), in DeepGEMM's argument layouts (sfa [m, ceil(k/128)] fp32 per-token scales, sfb
128x128 block scales; contiguous: per-row group indices, each group padded to 128 rows with -1;
masked: [g, max_m, k] with masked_m, expected_m = the tuned rows // g):
  - the output is poisoned (NaN) first; the rows the call computes are checked against a float
    reference of the same quantized inputs (calc_diff, the 1 - cosine-style similarity
    DeepGEMM's tests use; must be < 1e-3), and against DeepGEMM's function of the same name with
    the same arguments when `import deep_gemm` works (PYTHONPATH);
  - dense: pre-converted scales (to_gemmtune_sfa / to_gemmtune_sfb: no copy per call) must give
    the same bytes; every entry: a captured CUDA graph's replay must give the same bytes;
  - the bundle call (DeepGEMM's layouts), the same GEMM with the layouts converted beforehand
    (dense: the no-copy call; grouped: no_conversion) and DeepGEMM are timed with the call
    protocol (512 MiB memset flushes the L2 before each sample, a spin kernel covers the call's
    host time, CUDA events around one call, median of --iters), sample by sample alternating, so
    both sides see the same clocks; plus the host time per call (launches queued, no sync), the
    module's and DeepGEMM's.
Then, with --overhead N and --gemmtune, the per-call overhead of the Python path: for N dense
entries (the smallest M of each (n, k) first) `gemmtune run --config C --timing call --iters 30
--json` and the module's call on the same config and shape, alternating, --overhead-rounds
rounds; overhead = Python / run - 1 (goal: <= 2 % or <= 1 us).
Also: the contiguous layout's device-side index conversion against its host reference, and the
cold start (load(), then the first GEMM's result).
Prints one line per entry; --json writes one JSON object per entry ("kind": dense,
grouped_contiguous, grouped_masked, overhead, summary); --md writes the tables in markdown.
Exit code: 0 when every check passed, 1 when any failed (an entry that fails or raises is
recorded and the run goes on), 2 when nothing could run (no PyTorch, no GPU, the bundle does not
load, a missing --gemmtune). --deadline-s bounds the run: entries not started by then are
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

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from atomic_text import JsonLinesReport, write_text_atomic  # noqa: E402
from serving_regret import run_median_us  # noqa: E402 (one owner of the `gemmtune run` call)

START = time.monotonic()
DIFF_LIMIT = 1e-3
FLUSH_BYTES = 512 << 20  # > 2x the L2 of any Hopper part
COVER_CYCLES = 400_000  # the spin after the flush: ~200 µs at 1980 MHz (Gpu.interleaved_us)


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("bundle", help="an exported bundle folder (gemmtune export --format bundle)")
    p.add_argument("--deadline-s", type=float, default=300.0, help="stop starting entries after this")
    p.add_argument("--iters", type=int, default=30, help="timed samples per implementation")
    p.add_argument("--json", help="write one JSON line per entry to this file (replaced)")
    p.add_argument("--md", help="write the result tables in markdown to this file")
    p.add_argument("--only", choices=("all", "dense", "grouped", "none"), default="all",
                   help="which entries of the bundle to run (none: --overhead only)")
    p.add_argument("--max-m-table", metavar="TABLE",
                   help="the tuning table the bundle was exported from: masked entries use its "
                        "max_m (default: --table; else the largest group rounded up to 128)")
    p.add_argument("--no-grouped", action="store_true", help="dense entries only (--only dense)")
    p.add_argument("--table", help="export this tuning table into BUNDLE first (needs --gemmtune)")
    p.add_argument("--gemmtune", default="devbuild/gemmtune",
                   help="the binary for --table and --overhead")
    p.add_argument("--overhead", type=int, default=0, metavar="N",
                   help="time N dense entries through `gemmtune run` beside the module (0: off)")
    p.add_argument("--overhead-rounds", type=int, default=3,
                   help="alternating rounds per overhead entry (median over rounds)")
    args = p.parse_args()
    if args.no_grouped:
        args.only = "dense"
    return args


def cuda_torch():
    """(torch, None) where PyTorch is installed and sees a CUDA device, else (None, why)."""
    try:
        import torch
    except ImportError as e:
        return None, f"PyTorch is needed ({e})"
    if not torch.cuda.is_available():
        return None, "no CUDA device"
    return torch, None


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
        return self.interleaved_us({"fn": fn})["fn"]

    def interleaved_us(self, fns):
        """Median µs per implementation of `fns` (name -> callable), the call protocol: per
        sample the flush (a 512 MiB memset), a spin kernel (COVER_CYCLES), the start event
        right behind it in stream order, one call, the stop event. Samples alternate between
        the implementations, the order reversed every round, so each sees the same power state.
        3 warm-ups each.
        NOTE: the spin keeps the GPU busy until the call's launches are queued. A Python call
        takes 60-140 µs of host time before its last launch (host_us), about as long as the
        flush runs; without the spin, the GPU sometimes waited for the host after the start
        event, and that wait was timed as the call's (the same conversion measured 4 to 43 µs
        in one run and another). Host time is reported on its own (host_us)."""
        torch = self.torch
        names = list(fns)
        for name in names:
            for _ in range(3):
                fns[name]()
        samples = {name: [] for name in names}
        for i in range(self.iters):
            for name in (names if i % 2 == 0 else names[::-1]):
                self.flush.fill_(i & 0xFF)
                torch.cuda._sleep(COVER_CYCLES)
                start = torch.cuda.Event(enable_timing=True)
                stop = torch.cuda.Event(enable_timing=True)
                start.record()
                fns[name]()
                stop.record()
                stop.synchronize()
                samples[name].append(start.elapsed_time(stop) * 1e3)
        return {name: statistics.median(v) for name, v in samples.items()}

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
        """Captures fn (writing `out`) in a CUDA graph, replays it into a poisoned `out`, and
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
        out.fill_(float("nan"))
        graph.replay()
        torch.cuda.synchronize()
        return bool(torch.equal(pick(out), pick(expected)))


def deepgemm_first_call(r, fn, torch):
    """Runs DeepGEMM's first call (its JIT compile unless cached) into r; False when it raised
    (DeepGEMM's own limits are reported in r, not fatal)."""
    try:
        t0 = time.perf_counter()
        fn()
        torch.cuda.synchronize()
        r["deepgemm_first_call_ms"] = (time.perf_counter() - t0) * 1e3
        return True
    except Exception as e:
        r["deepgemm_error"] = f"{type(e).__name__}: {e}"[:200]
        return False


def poisoned(torch, like):
    return torch.full_like(like, float("nan"))


def deepgemm_preconverted(r, timed, torch, dg, fn, call_args, d, pick):
    """Adds DeepGEMM with its activation scales already in the layout its kernels read
    (get_mn_major_tma_aligned_tensor, which SGLang's activation quantization writes directly), so
    that its call converts nothing: the serving path's counterpart of the bundle's pre-converted
    call. Its output must equal DeepGEMM's with the K-major scales (recorded)."""
    convert = getattr(dg, "get_mn_major_tma_aligned_tensor", None)
    if convert is None:
        try:
            from deep_gemm.utils.layout import get_mn_major_tma_aligned_tensor as convert
        except ImportError:
            return
    if "deepgemm" not in timed:
        return
    (a, sfa), rest = call_args(d)[0], call_args(d)[1:]
    sfa_dg = convert(sfa)
    d_pre = poisoned(torch, d)
    pre_args = ((a, sfa_dg),) + (rest[0], d_pre) + rest[2:]
    pre_call = lambda: fn(*pre_args, disable_ue8m0_cast=True)
    pre_call()
    torch.cuda.synchronize()
    r["deepgemm_preconverted_same"] = bool(torch.equal(pick(d_pre), pick(d)))
    timed["deepgemm_preconverted"] = pre_call


def run_dense(gpu, gt, dg, entry):
    torch = gpu.torch
    m, n, k = entry["m"], entry["n"], entry["k"]
    torch.manual_seed(m * 31 + n * 7 + k)
    a, sfa = gpu.quant_rows(torch.randn((m, k), device="cuda", dtype=torch.bfloat16))
    b, sfb = gpu.quant_blocks(torch.randn((n, k), device="cuda", dtype=torch.bfloat16))
    ref = gpu.dequant_rows(a, sfa) @ gpu.dequant_blocks(b, sfb).t()
    d = torch.full((m, n), float("nan"), device="cuda", dtype=torch.bfloat16)
    call = lambda: gt.fp8_gemm_nt((a, sfa), (b, sfb), d)
    call()
    torch.cuda.synchronize()
    r = {"kind": "dense", "label": entry.get("label", ""), "m": m, "n": n, "k": k,
         "config": entry.get("config", ""), "selected": gt_bundle.select(m, n, k)}
    r["diff_ref"] = calc_diff(d, ref)
    sfa_t, sfb_t = gt.to_gemmtune_sfa(sfa), gt.to_gemmtune_sfb(sfb)
    d_zero_copy = poisoned(torch, d)
    zero_copy = lambda: gt.fp8_gemm_nt((a, sfa_t), (b, sfb_t), d_zero_copy)
    zero_copy()
    torch.cuda.synchronize()
    r["zero_copy_same"] = bool(torch.equal(d_zero_copy, d))
    d_graph = poisoned(torch, d)
    r["graph_same"] = gpu.graph_replay_equals(
        lambda: gt.fp8_gemm_nt((a, sfa), (b, sfb), d_graph), d_graph, d)
    timed = {"bundle": call, "zero_copy": zero_copy}
    if dg is not None:
        d_dg = poisoned(torch, d)
        dg_call = lambda: dg.fp8_gemm_nt((a, sfa), (b, sfb), d_dg, disable_ue8m0_cast=True)
        if deepgemm_first_call(r, dg_call, torch):
            r["diff_deepgemm"] = calc_diff(d, d_dg)
            timed["deepgemm"] = dg_call
            deepgemm_preconverted(r, timed, torch, dg, dg.fp8_gemm_nt,
                                  lambda out: ((a, sfa), (b, sfb), out), d_dg, lambda x: x)
    for name, us in gpu.interleaved_us(timed).items():
        r[name + "_us"] = us
    r["host_us"] = gpu.host_us(zero_copy)
    if "deepgemm" in timed:
        r["deepgemm_host_us"] = gpu.host_us(timed["deepgemm"])
    return r


def contiguous_inputs(gpu, group_m):
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


def grouped_group_m(entry):
    """The entry's rows per group (the manifest's group_m; else its rows spread evenly)."""
    g = entry["groups"]
    group_m = entry.get("group_m") or []
    if len(group_m) != g:
        group_m = [entry["rows"] // g + (1 if i < entry["rows"] % g else 0) for i in range(g)]
    return [int(x) for x in group_m]


def masked_expected_m(entry):
    """The expected_m a masked call of `entry` passes: the bundle selects by expected_m x groups
    against the tuned rows, and rows // groups lands on the tuned entry (rounding up could step
    past it to the next larger one)."""
    return max(1, entry["rows"] // entry["groups"])


def table_max_m(path):
    """(layout, groups, n, k, rows) -> the masked entries' max_m in a tuning table (the bundle's
    manifest does not carry it: A's rows per group never steer the selection)."""
    out = {}
    with open(path) as f:
        for p in json.load(f).get("problems", []):
            for e in p.get("entries", []):
                if e.get("max_m"):
                    out[(p.get("op"), p.get("groups"), p["n"], p["k"], e["m"])] = e["max_m"]
    return out


def run_grouped(gpu, gt, dg, entry):
    torch = gpu.torch
    layout, g, n, k = entry["layout"], entry["groups"], entry["n"], entry["k"]
    group_m = grouped_group_m(entry)
    torch.manual_seed(g * 131 + n + k + sum(group_m))
    # NOTE: filled group by group with same-dtype copies (no cat or indexing of e4m3 tensors).
    b = torch.empty((g, n, k), device="cuda", dtype=torch.float8_e4m3fn)
    sfb = torch.empty((g, math.ceil(n / 128), math.ceil(k / 128)), device="cuda")
    for gi in range(g):
        q, scale = gpu.quant_blocks(torch.randn((n, k), device="cuda", dtype=torch.bfloat16))
        b[gi].copy_(q)
        sfb[gi].copy_(scale)
    r = {"kind": layout, "label": entry.get("label", ""), "groups": g, "n": n, "k": k,
         "rows": entry.get("rows"), "config": entry.get("config", "")}
    if layout == "grouped_contiguous":
        m, m_indices = contiguous_inputs(gpu, group_m)
        a, sfa = gpu.quant_rows(torch.randn((m, k), device="cuda", dtype=torch.bfloat16))
        d = torch.full((m, n), float("nan"), device="cuda", dtype=torch.bfloat16)
        args = lambda out: ((a, sfa), (b, sfb), out, m_indices)
        fn, dg_name = gt.m_grouped_fp8_gemm_nt_contiguous, "m_grouped_fp8_gemm_nt_contiguous"
        valid = m_indices >= 0
        a_deq = gpu.dequant_rows(a, sfa)
        ref = torch.zeros((m, n), device="cuda")
        for gi in range(g):
            rows = (m_indices == gi).nonzero().flatten()
            if rows.numel():
                ref[rows] = a_deq[rows] @ gpu.dequant_blocks(b[gi], sfb[gi]).t()
        del a_deq
        pick = lambda x: x[valid]
        r["a_rows"] = m
        select_args = ("grouped_contiguous", g, n, k, m)
    else:
        max_m = entry.get("max_m") or max(128, math.ceil(max(group_m) / 128) * 128)
        expected_m = masked_expected_m(entry)
        a, sfa = gpu.quant_rows(torch.randn((g * max_m, k), device="cuda", dtype=torch.bfloat16))
        a, sfa = a.view(g, max_m, k), sfa.view(g, max_m, sfa.shape[1])
        masked_m = torch.tensor(group_m, dtype=torch.int32, device="cuda")
        d = torch.full((g, max_m, n), float("nan"), device="cuda", dtype=torch.bfloat16)
        args = lambda out: ((a, sfa), (b, sfb), out, masked_m, expected_m)
        fn, dg_name = gt.m_grouped_fp8_gemm_nt_masked, "m_grouped_fp8_gemm_nt_masked"
        ref = torch.stack([gpu.dequant_rows(a[gi], sfa[gi]) @ gpu.dequant_blocks(b[gi], sfb[gi]).t()
                           for gi in range(g)])
        mask = torch.arange(max_m, device="cuda")[None, :] < masked_m[:, None]
        pick = lambda x: x[mask]
        r["max_m"], r["expected_m"] = max_m, expected_m
        select_args = ("grouped_masked", g, n, k, expected_m * g, max_m)
    if hasattr(gt_bundle, "select_grouped"):
        r["selected"] = gt_bundle.select_grouped(*select_args)
    call = lambda: fn(*args(d))
    call()
    torch.cuda.synchronize()
    r["diff_ref"] = calc_diff(pick(d), pick(ref))
    if layout == "grouped_contiguous" and getattr(gt_bundle, "_layout_kernel", {}).get(
            torch.cuda.current_device()):
        # The conversion kernel's group ends: DeepGEMM's padding rows keep their NaN poison.
        r["padding_untouched"] = bool(torch.isnan(d[~valid].float()).all())
    del ref
    d_graph = poisoned(torch, d)
    r["graph_same"] = gpu.graph_replay_equals(lambda: fn(*args(d_graph)), d_graph, d, pick)
    timed = {"bundle": call}
    pre = preconverted_call(gpu, gt, layout, args(d))
    if pre is not None:
        # The same GEMM with DeepGEMM's layouts converted beforehand: what the conversion costs.
        pre_call, d_pre = pre
        pre_call()
        torch.cuda.synchronize()
        r["no_conversion_same"] = bool(torch.equal(pick(d_pre), pick(d)))
        timed["no_conversion"] = pre_call
    if dg is not None and hasattr(dg, dg_name):
        d_dg = poisoned(torch, d)
        dg_call = lambda: getattr(dg, dg_name)(*args(d_dg), disable_ue8m0_cast=True)
        if deepgemm_first_call(r, dg_call, torch):
            r["diff_deepgemm"] = calc_diff(pick(d), pick(d_dg))
            timed["deepgemm"] = dg_call
            deepgemm_preconverted(r, timed, torch, dg, getattr(dg, dg_name), args, d_dg, pick)
    for name, us in gpu.interleaved_us(timed).items():
        r[name + "_us"] = us
    # NOTE: 50 calls: a grouped call queues several kernels (index conversion, scale copy), and
    # past the driver's launch queue the host would wait for the GPU, timing the GPU instead.
    r["host_us"] = gpu.host_us(call, calls=50)
    if "deepgemm" in timed:
        r["deepgemm_host_us"] = gpu.host_us(timed["deepgemm"], calls=50)
    return r


def preconverted_call(gpu, gt, layout, call_args):
    """(call, its poisoned output) of the grouped GEMM the bundle runs for `call_args` (the
    module call's arguments in DeepGEMM's layouts), with the layouts converted once beforehand:
    gemmtune's MN-major sfa and padded sfb; for the contiguous layout the library call with the
    offsets and group ends its conversion kernel wrote (the same padded rows, the same
    selection). None where the bundle has no conversion kernel."""
    torch = gpu.torch
    (a, sfa), (b, sfb), d, group_sizes = call_args[:4]
    expected_m = call_args[4] if layout == "grouped_masked" else None
    device = torch.cuda.current_device()
    if not getattr(gt_bundle, "_layout_kernel", {}).get(device):
        return None
    g, nb, kb = sfb.shape
    kb4 = (kb + 3) // 4 * 4
    rows = sfa.numel() // kb
    sfa_t = torch.zeros((kb, (rows + 3) // 4 * 4), device="cuda")
    sfa_t[:, :rows] = sfa.reshape(rows, kb).t()
    sfb_t = torch.zeros((g * nb, kb4), device="cuda")
    sfb_t[:, :kb] = sfb.reshape(g * nb, kb)
    d_pre = poisoned(torch, d)
    if layout == "grouped_masked":
        call = lambda: gt.m_grouped_fp8_gemm_nt_masked((a, sfa_t), (b, sfb_t), d_pre, group_sizes,
                                                       expected_m, layout="gemmtune")
        return call, d_pre
    got = library_offsets(torch, gt_bundle, group_sizes.tolist(), g)
    offsets = torch.tensor(got[:g + 1], dtype=torch.int32, device="cuda")
    ends = torch.tensor(got[g + 1:2 * g + 1], dtype=torch.int32, device="cuda")
    handle, lib, m, n, k = gt_bundle._handle(device), gt_bundle._lib, a.shape[0], b.shape[1], a.shape[1]

    def call():
        status = lib.gemmtune_bundle_gemm_grouped_contiguous_padded(
            handle, g, m, 128, n, k, offsets.data_ptr(), ends.data_ptr(), a.data_ptr(),
            sfa_t.data_ptr(), b.data_ptr(), sfb_t.data_ptr(), d_pre.data_ptr(),
            torch.cuda.current_stream().cuda_stream)
        if status != 0:
            raise RuntimeError(f"gemmtune_bundle_gemm_grouped_contiguous_padded: status {status}")
    return call, d_pre


def verdict(r):
    """The failed checks of one entry's record (empty: passed)."""
    if "error" in r:
        return [r["error"]]
    failed = []
    if not r.get("diff_ref", 1.0) < DIFF_LIMIT:
        failed.append(f"diff_ref {r.get('diff_ref')}")
    if "diff_deepgemm" in r and not r["diff_deepgemm"] < DIFF_LIMIT:
        failed.append(f"diff_deepgemm {r['diff_deepgemm']}")
    if r.get("zero_copy_same") is False:
        failed.append("no-copy scales gave other bytes")
    if r.get("graph_same") is False:
        failed.append("graph replay gave other bytes")
    if r.get("padding_untouched") is False:
        failed.append("padding rows written")
    if r.get("no_conversion_same") is False:
        failed.append("the call with layouts converted beforehand gave other bytes")
    return failed


def shape_text(r):
    if r["kind"] == "dense":
        return f"m={r['m']} n={r['n']} k={r['k']}"
    return f"{r['kind']} g={r['groups']} n={r['n']} k={r['k']} rows={r['rows']}"


def line(r):
    nan = float("nan")
    parts = [f"{r['label'][:28]:28s}", shape_text(r), f"diff_ref={r.get('diff_ref', nan):.2e}"]
    if "diff_deepgemm" in r:
        parts.append(f"diff_dg={r['diff_deepgemm']:.2e}")
    parts.append(f"graph={'same' if r.get('graph_same') else 'DIFF'}")
    parts.append(f"bundle={r.get('bundle_us', nan):.1f}us")
    if "zero_copy_us" in r:
        parts.append(f"no_copy={r['zero_copy_us']:.1f}us")
    if "no_conversion_us" in r:
        parts.append(f"no_conversion={r['no_conversion_us']:.1f}us")
    if "deepgemm_us" in r:
        parts.append(f"deepgemm={r['deepgemm_us']:.1f}us "
                     f"speedup={r['deepgemm_us'] / r['bundle_us']:.3f}x")
        if "zero_copy_us" in r:
            parts.append(f"no_copy_speedup={r['deepgemm_us'] / r['zero_copy_us']:.3f}x")
    if "deepgemm_preconverted_us" in r:
        parts.append(f"deepgemm_preconverted={r['deepgemm_preconverted_us']:.1f}us"
                     f"{'' if r.get('deepgemm_preconverted_same') else ' (OTHER BYTES)'}")
    if "deepgemm_first_call_ms" in r:
        parts.append(f"dg_first_call={r['deepgemm_first_call_ms']:.0f}ms")
    if "selected" in r and r.get("selected") != r.get("config"):
        parts.append(f"(selected {r.get('selected')}, tuned {r.get('config')})")
    if "deepgemm_error" in r:
        parts.append(f"deepgemm: {r['deepgemm_error']}")
    parts.append(f"host={r.get('host_us', nan):.1f}us")
    if "deepgemm_host_us" in r:
        parts.append(f"dg_host={r['deepgemm_host_us']:.1f}us")
    parts.append("PASS" if not r["failed"] else "FAIL: " + "; ".join(r["failed"]))
    return " ".join(parts)


def library_offsets(torch, bundle, indices, groups):
    """Offsets and group ends (one list, offsets first) from the bundle library's conversion
    kernel (gemmtune_bundle_deepgemm_contiguous_layout, no scales), or None when the bundle has
    no such kernel."""
    device = torch.cuda.current_device()
    handle = bundle._handle(device)
    if not bundle._layout_kernel.get(device):
        return None
    m_indices = torch.tensor(indices, dtype=torch.int32, device="cuda")
    size = bundle._lib.gemmtune_bundle_deepgemm_contiguous_scratch_bytes(groups, len(indices), 128)
    scratch = torch.empty((size,), dtype=torch.uint8, device="cuda")
    status = bundle._lib.gemmtune_bundle_deepgemm_contiguous_layout(
        handle, groups, len(indices), 128, m_indices.data_ptr(), None, 0, scratch.data_ptr(), size,
        torch.cuda.current_stream().cuda_stream)
    if status != 0:
        raise RuntimeError(f"gemmtune_bundle_deepgemm_contiguous_layout: status {status}")
    return scratch[:4 * (2 * groups + 1)].view(torch.int32).tolist()


def check_offsets(torch, gt, bundle=None):
    """The device conversions of m_indices (PyTorch's, and the bundle library's kernel when it
    has one: offsets and group ends) against their host references (group_offsets, group_ends)."""
    cases = [([0, 0, -1, 1, 1, 1, -1, -1, 3], 4), ([1, 1, -1], 3), ([-1, 0, 0, 2], 3),
             ([g for g in range(8) for _ in range(130)] + [-1] * 126, 8),
             # DeepGEMM's layout (groups padded to 128, converted per block): an empty group
             # (2), a group of one row, whole padding blocks at the end.
             ([0] * 200 + [-1] * 56 + [1] * 1 + [-1] * 127 + [3] * 300 + [-1] * 84 + [-1] * 256, 4),
             # More rows than one scan block's pass of the library kernel (8192), and 40 groups.
             ([g for g in range(40) for _ in range(150 + 7 * g)] + [-1] * 300, 40),
             # Nine scan blocks, 256 groups; unsorted (not DeepGEMM's layout, still exact).
             ([g for g in range(256) for _ in range(200 + g % 100)] + [-1] * 500, 256),
             ([1, 0, -1], 2), ([2, 2, 0, 1, -1, 3], 4)]
    bad = []
    for indices, groups in cases:
        got = gt._group_offsets_device(torch.tensor(indices, dtype=torch.int32, device="cuda"),
                                       groups).tolist()
        if got != gt.group_offsets(indices, groups):
            bad.append((indices[:12], groups, got))
        if bundle is not None:
            got = library_offsets(torch, bundle, indices, groups)
            want = gt.group_offsets(indices, groups) + gt.group_ends(indices, groups)
            if got is not None and got != want:
                bad.append(("library", indices[:12], groups, got))
    return bad


# ---------------------------------------------------------------------------------------------
# Per-call overhead: the module's call against `gemmtune run` of the same config and shape.

def overhead_entries(dense, count):
    """`count` dense entries: the smallest M of each (n, k) first (where a fixed cost weighs
    most), then the next smallest, and so on."""
    by_nk = {}
    for e in sorted(dense, key=lambda e: (e["m"], e["n"], e["k"])):
        by_nk.setdefault((e["n"], e["k"]), []).append(e)
    picked, level = [], 0
    while len(picked) < count and any(len(v) > level for v in by_nk.values()):
        picked += [v[level] for v in by_nk.values() if len(v) > level]
        level += 1
    return picked[:count]


def run_overhead(gpu, gt, entry, gemmtune, rounds):
    """Alternating rounds of [gemmtune run, the module's no-copy call and DeepGEMM-layout call];
    medians over the rounds."""
    torch = gpu.torch
    m, n, k = entry["m"], entry["n"], entry["k"]
    a, sfa = gpu.quant_rows(torch.randn((m, k), device="cuda", dtype=torch.bfloat16))
    b, sfb = gpu.quant_blocks(torch.randn((n, k), device="cuda", dtype=torch.bfloat16))
    sfa_t, sfb_t = gt.to_gemmtune_sfa(sfa), gt.to_gemmtune_sfb(sfb)
    d = torch.empty((m, n), device="cuda", dtype=torch.bfloat16)
    no_copy = lambda: gt.fp8_gemm_nt((a, sfa_t), (b, sfb_t), d)
    deepgemm_layout = lambda: gt.fp8_gemm_nt((a, sfa), (b, sfb_t), d)
    r = {"kind": "overhead", "label": entry.get("label", ""), "m": m, "n": n, "k": k,
         "config": entry["config"], "selected": gt_bundle.select(m, n, k),
         "run_rounds_us": [], "python_rounds_us": [], "python_sfa_copy_rounds_us": []}
    for i in range(rounds):
        order = ("run", "python") if i % 2 == 0 else ("python", "run")
        for side in order:
            if side == "run":
                torch.cuda.synchronize()
                us, error = run_median_us(gemmtune, m, n, k, entry["config"], gpu.iters)
                if us is None:
                    r["error"] = f"gemmtune run: {error}"
                    return r
                r["run_rounds_us"].append(us)
            else:
                t = gpu.interleaved_us({"no_copy": no_copy, "sfa_copy": deepgemm_layout})
                r["python_rounds_us"].append(t["no_copy"])
                r["python_sfa_copy_rounds_us"].append(t["sfa_copy"])
    r["run_us"] = statistics.median(r["run_rounds_us"])
    r["python_us"] = statistics.median(r["python_rounds_us"])
    r["python_sfa_copy_us"] = statistics.median(r["python_sfa_copy_rounds_us"])
    r["overhead_us"] = r["python_us"] - r["run_us"]
    r["overhead_rel"] = r["python_us"] / r["run_us"] - 1
    r["within_goal"] = r["overhead_us"] <= max(1.0, 0.02 * r["run_us"])
    r["host_us"] = gpu.host_us(no_copy)
    r["host_parts_us"] = host_parts_us(torch, gt_bundle, m, n, k)
    return r


def host_parts_us(torch, bundle, m, n, k, calls=2000):
    """Where the module's host time per call goes, for the record: PyTorch's current stream, one
    ctypes call into the library (the selection); the rest of host_us is the module's argument
    checks and the launch itself."""
    def per_call_us(fn):
        t0 = time.perf_counter()
        for _ in range(calls):
            fn()
        return (time.perf_counter() - t0) / calls * 1e6
    try:
        handle = bundle._handle(torch.cuda.current_device())
        return {"current_stream": per_call_us(lambda: torch.cuda.current_stream().cuda_stream),
                "ctypes_select": per_call_us(
                    lambda: bundle._lib.gemmtune_bundle_select(handle, m, n, k))}
    except Exception as e:  # a record of the module's internals: never fails the entry
        return {"error": f"{type(e).__name__}: {e}"[:200]}


def overhead_line(r):
    if "error" in r:
        return f"overhead {r['label'][:28]:28s} m={r['m']} n={r['n']} k={r['k']}: {r['error']}"
    return (f"overhead {r['label'][:28]:28s} m={r['m']} n={r['n']} k={r['k']} {r['config']}: "
            f"gemmtune run {r['run_us']:.2f}us, python {r['python_us']:.2f}us "
            f"({r['overhead_us']:+.2f}us, {100 * r['overhead_rel']:+.1f}%), with the sfa copy "
            f"{r['python_sfa_copy_us']:.2f}us, host {r['host_us']:.1f}us/call "
            f"({', '.join(f'{k} {v:.2f}us' for k, v in r['host_parts_us'].items() if k != 'error')}): "
            f"{'within' if r['within_goal'] else 'OVER'} the goal (<= 2% or <= 1 us)")


# ---------------------------------------------------------------------------------------------
# Markdown.

def fmt(value, spec):
    return "" if value is None else format(value, spec)


def markdown(results, overheads, summary_lines):
    out = ["# The bundle from Python beside DeepGEMM", "",
           "Call protocol on both sides (512 MiB memset before each sample, CUDA events around one "
           "call, median; a spin kernel after the memset covers the call's host time), samples "
           "alternating. speedup = DeepGEMM µs / bundle µs with the same arguments (both convert "
           "the activation scales, and the contiguous group indices, inside the call); "
           "pre-converted: the same GEMM with the layouts converted once beforehand; DeepGEMM "
           "pre-converted: DeepGEMM given its activation scales in the layout its kernels read "
           "(get_mn_major_tma_aligned_tensor, as SGLang's quantization writes them).", "",
           "| kind | label | shape | config | diff ref | diff DeepGEMM | graph | bundle µs | "
           "pre-converted µs | DeepGEMM µs | DeepGEMM pre-converted µs | speedup | "
           "speedup pre-converted | DeepGEMM first call ms | result |",
           "|---|---|---|---|--:|--:|---|--:|--:|--:|--:|--:|--:|--:|---|"]
    for r in results:
        speedup = (r["deepgemm_us"] / r["bundle_us"]
                   if r.get("deepgemm_us") and r.get("bundle_us") else None)
        pre_us = r.get("zero_copy_us", r.get("no_conversion_us"))
        served = (r["deepgemm_preconverted_us"] / pre_us
                  if r.get("deepgemm_preconverted_us") and pre_us else None)
        config = r.get("config", "")
        if r.get("selected") not in (None, config):
            config += f" (ran {r['selected']})"
        out.append("| " + " | ".join([
            r["kind"], r.get("label", ""), shape_text(r), config, fmt(r.get("diff_ref"), ".2e"),
            fmt(r.get("diff_deepgemm"), ".2e"),
            {True: "same", False: "DIFF", None: ""}[r.get("graph_same")],
            fmt(r.get("bundle_us"), ".1f"),
            fmt(pre_us, ".1f"), fmt(r.get("deepgemm_us"), ".1f"),
            fmt(r.get("deepgemm_preconverted_us"), ".1f"), fmt(speedup, ".3f"),
            fmt(served, ".3f"),
            fmt(r.get("deepgemm_first_call_ms"), ".0f"),
            "pass" if not r["failed"] else "FAIL: " + "; ".join(r["failed"])[:120]]) + " |")
    if overheads:
        out += ["", "## Per-call overhead: the module against `gemmtune run`", "",
                "`gemmtune run --config C --timing call --iters N --json` and the module's call "
                "(scales pre-converted) on the same config and shape, alternating rounds, median "
                "over rounds. Goal: overhead <= 2 % or <= 1 µs.", "",
                "| label | m | n | k | config | run µs | python µs | overhead µs | overhead % | "
                "with the sfa copy µs | host µs per call | goal |",
                "|---|--:|--:|--:|---|--:|--:|--:|--:|--:|--:|---|"]
        for r in overheads:
            if "error" in r:
                out.append(f"| {r['label']} | {r['m']} | {r['n']} | {r['k']} | {r['config']} | "
                           f"{r['error'][:150]} | | | | | | |")
                continue
            out.append(f"| {r['label']} | {r['m']} | {r['n']} | {r['k']} | {r['config']} | "
                       f"{r['run_us']:.2f} | {r['python_us']:.2f} | {r['overhead_us']:+.2f} | "
                       f"{100 * r['overhead_rel']:+.1f} | {r['python_sfa_copy_us']:.2f} | "
                       f"{r['host_us']:.1f} | {'within' if r['within_goal'] else 'OVER'} |")
    out += ["", "## Summary", ""] + [f"- {s}" for s in summary_lines]
    return "\n".join(out) + "\n"


def geomean(values):
    return math.exp(sum(map(math.log, values)) / len(values))


def main():
    global gt_bundle
    args = parse_args()
    # NOTE: a hang (a kernel that never finishes blocks in synchronize) cannot be interrupted
    # from Python; the watchdog thread prints every stack and exits.
    faulthandler.dump_traceback_later(args.deadline_s + 60, exit=True)
    needs_binary = args.table or args.overhead > 0
    if needs_binary and not (os.path.isfile(args.gemmtune) and os.access(args.gemmtune, os.X_OK)):
        say(f"error: --gemmtune {args.gemmtune} is not an executable file (needed by "
            f"{'--table' if args.table else '--overhead'}; scripts/stage_device_build.sh stages one)")
        return 2
    if not args.table and not os.path.isfile(os.path.join(args.bundle, "manifest.json")):
        say(f"error: {args.bundle} has no manifest.json: not an exported bundle (pass --table "
            "TABLE to export one there)")
        return 2
    torch, why = cuda_torch()
    if torch is None:
        say(f"error: {why}")
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
        say(f"WARNING: deep_gemm not importable ({type(e).__name__}: {e}); comparing with the "
            "float reference only (set PYTHONPATH to DeepGEMM's build)")
    summary = []
    t0 = time.perf_counter()
    try:
        import gemmtune_bundle as gt
        gt_bundle = gt.load(args.bundle)
        load_ms = (time.perf_counter() - t0) * 1e3
        dense = gt_bundle.entries if args.only in ("all", "dense") else []
        grouped = gt_bundle.grouped_entries if args.only in ("all", "grouped") else []
        if grouped and (args.max_m_table or args.table):
            max_ms = table_max_m(args.max_m_table or args.table)
            grouped = [dict(e, max_m=max_ms.get((e["layout"], e["groups"], e["n"], e["k"],
                                                  e["rows"]))) for e in grouped]
        if not dense and not grouped and not (args.overhead > 0 and gt_bundle.entries):
            say(f"error: the bundle has no {'' if args.only == 'all' else args.only + ' '}entries"
                f"{' (and --overhead needs dense ones)' if args.overhead > 0 else ''}")
            return 2
        gpu = Gpu(torch, args.iters)
        if gt_bundle.entries:
            first = gt_bundle.entries[0]
            m, n, k = first["m"], first["n"], first["k"]
            a = torch.zeros((m, k), device="cuda", dtype=torch.float8_e4m3fn)
            b = torch.zeros((n, k), device="cuda", dtype=torch.float8_e4m3fn)
            sfa = torch.ones((m, math.ceil(k / 128)), device="cuda")
            sfb = torch.ones((math.ceil(n / 128), math.ceil(k / 128)), device="cuda")
            d = torch.empty((m, n), device="cuda", dtype=torch.bfloat16)
            t1 = time.perf_counter()
            gt.fp8_gemm_nt((a, sfa), (b, sfb), d)
            torch.cuda.synchronize()
            cold = (f"cold start: load() {load_ms:.1f} ms (library build included if it was "
                    f"missing), first GEMM result {(time.perf_counter() - t1) * 1e3:.1f} ms "
                    f"(kernels loaded on first use, {len(gt_bundle.manifest['kernels'])} kernels)")
            say(cold)
            summary.append(cold)
    except Exception as e:  # BundleLoadError, or the build or the first call failing
        say(f"error: the bundle does not load: {type(e).__name__}: {e}")
        return 2
    try:
        offsets_bad = check_offsets(torch, gt, gt_bundle)
    except Exception as e:
        offsets_bad = [f"{type(e).__name__}: {e}"[:300]]
    say("contiguous m_indices -> offsets on the device: " +
        ("matches the host reference" if not offsets_bad else f"MISMATCH {offsets_bad}"))
    results, overheads, not_run = [], [], []
    out = JsonLinesReport(args.json) if args.json else None

    def record(r, text):
        say(text)
        if out:
            out.write(json.dumps(r) + "\n")

    interrupted = False
    for entry, runner in [(e, run_dense) for e in dense] + [(e, run_grouped) for e in grouped]:
        if interrupted or time.monotonic() - START > args.deadline_s:
            not_run.append(entry.get("label", "?"))
            continue
        try:
            r = runner(gpu, gt, deep_gemm, entry)
        except KeyboardInterrupt:  # SIGINT at a time limit: the summary of what finished
            interrupted = True
            not_run.append(entry.get("label", "?"))
            say("interrupted: the entries not started are reported as not run")
            continue
        except Exception as e:
            r = {"kind": entry.get("layout", "dense"), "label": entry.get("label", ""),
                 "m": entry.get("m"), "n": entry["n"], "k": entry["k"], "groups": entry.get("groups"),
                 "rows": entry.get("rows"), "config": entry.get("config", ""),
                 "error": f"{type(e).__name__}: {e}"[:300]}
        r["failed"] = verdict(r)
        results.append(r)
        record(r, line(r))
        torch.cuda.empty_cache()
    for entry in overhead_entries(gt_bundle.entries, args.overhead):
        if interrupted or time.monotonic() - START > args.deadline_s:
            not_run.append("overhead " + entry.get("label", "?"))
            continue
        try:
            r = run_overhead(gpu, gt, entry, args.gemmtune, max(1, args.overhead_rounds))
        except KeyboardInterrupt:
            interrupted = True
            not_run.append("overhead " + entry.get("label", "?"))
            continue
        except Exception as e:
            r = {"kind": "overhead", "label": entry.get("label", ""), "m": entry["m"],
                 "n": entry["n"], "k": entry["k"], "config": entry.get("config", ""),
                 "error": f"{type(e).__name__}: {e}"[:300]}
        overheads.append(r)
        record(r, overhead_line(r))
        torch.cuda.empty_cache()
    failed = [r for r in results if r["failed"]]
    summary.append(f"{len(results) - len(failed)}/{len(results)} entries passed, {len(failed)} "
                   f"failed, {len(not_run)} not run (deadline)"
                   f"{', offsets MISMATCH' if offsets_bad else ''}")
    for kind in ("dense", "grouped_contiguous", "grouped_masked"):
        # Like for like: both calls take DeepGEMM's layouts and convert sfa inside the call.
        speedups = [r["deepgemm_us"] / r["bundle_us"] for r in results
                    if r["kind"] == kind and "deepgemm_us" in r and not r["failed"]]
        if speedups:
            summary.append(f"{kind} vs DeepGEMM, same arguments: geomean speedup "
                           f"{geomean(speedups):.3f}x over {len(speedups)} entries (min "
                           f"{min(speedups):.3f}x, max {max(speedups):.3f}x, "
                           f"{sum(x >= 1 for x in speedups)} >= 1.00)")
        # The serving path: both sides given activation scales already in their kernels' layout.
        served = [r["deepgemm_preconverted_us"] / r.get("zero_copy_us", r.get("no_conversion_us"))
                  for r in results if r["kind"] == kind and "deepgemm_preconverted_us" in r
                  and ("zero_copy_us" in r or "no_conversion_us" in r) and not r["failed"]]
        if served:
            summary.append(f"{kind} vs DeepGEMM, both given pre-converted scales: geomean speedup "
                           f"{geomean(served):.3f}x over {len(served)} entries (min "
                           f"{min(served):.3f}x, {sum(x >= 1 for x in served)} >= 1.00)")
    copies = [r["bundle_us"] - r["zero_copy_us"] for r in results if "zero_copy_us" in r]
    if copies:
        summary.append(f"dense scale conversion (DeepGEMM layout minus pre-converted), median "
                       f"{statistics.median(copies):.2f} us per call")
    for kind in ("grouped_contiguous", "grouped_masked"):
        costs = [r["bundle_us"] - r["no_conversion_us"] for r in results
                 if r["kind"] == kind and "no_conversion_us" in r and not r["failed"]]
        lead = [r["deepgemm_us"] / r["no_conversion_us"] for r in results
                if r["kind"] == kind and "no_conversion_us" in r and "deepgemm_us" in r
                and not r["failed"]]
        if costs:
            text = (f"{kind} layout conversion (DeepGEMM layout minus converted beforehand): "
                    f"median {statistics.median(costs):.2f} us per call, max {max(costs):.2f} us")
            if lead:
                text += f"; DeepGEMM / converted beforehand geomean {geomean(lead):.3f}x"
            summary.append(text)
    mismatched = [r for r in results if "selected" in r and r["selected"] != r.get("config")]
    if mismatched:
        summary.append(f"{len(mismatched)} entries ran another config than the tuned one (the "
                       "selection rule at these arguments): " +
                       ", ".join(shape_text(r) for r in mismatched[:6]))
    first_calls = [r["deepgemm_first_call_ms"] for r in results if "deepgemm_first_call_ms" in r]
    if first_calls:
        summary.append(f"DeepGEMM first call per shape (JIT compile unless cached): median "
                       f"{statistics.median(first_calls):.0f} ms, max {max(first_calls):.0f} ms")
    timed = [r for r in overheads if "error" not in r]
    if timed:
        summary.append(f"per-call overhead against gemmtune run: {sum(r['within_goal'] for r in timed)}"
                       f"/{len(timed)} within the goal; median {statistics.median(r['overhead_us'] for r in timed):+.2f} us "
                       f"({100 * statistics.median(r['overhead_rel'] for r in timed):+.1f}%), worst "
                       f"{max(r['overhead_us'] for r in timed):+.2f} us; host time per call median "
                       f"{statistics.median(r['host_us'] for r in timed):.1f} us")
    overhead_errors = [r for r in overheads if "error" in r]
    if overhead_errors:
        summary.append(f"{len(overhead_errors)} overhead entries failed to run")
    for text in summary:
        say("summary: " + text)
    if out:
        out.write(json.dumps({"kind": "summary", "lines": summary, "not_run": not_run}) + "\n")
    if args.md:
        write_text_atomic(args.md, markdown(results, overheads, summary))
    faulthandler.cancel_dump_traceback_later()
    return 1 if (failed or not_run or offsets_bad or overhead_errors
                 or not (results or overheads)) else 0


gt_bundle = None

if __name__ == "__main__":
    sys.exit(main())
