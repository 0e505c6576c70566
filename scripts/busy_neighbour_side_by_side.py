#!/usr/bin/env python3
"""DeepGEMM and an exported bundle, each timed on an idle GPU and beside a busy neighbour.

    usage: python3 scripts/busy_neighbour_side_by_side.py BUNDLE_DIR OUT.jsonl
               [--busy-sms 24] [--dg-sms 108] [--rounds 2] [--iters 30] [--max-problems N]
               [--deadline EPOCH_S] [--sample-timeout-s 10] [--neighbour-max-s 600]
           python3 scripts/busy_neighbour_side_by_side.py --compile-only [--arch sm_90a]

What it measures: whether the times of GEMMs limited to fewer SMs than the GPU has (a table of
`gemmtune sweep --sms 108` exported as a bundle; DeepGEMM under deep_gemm.set_num_sms(108)) hold
when the SMs left over are busy, as in MoE expert-parallel serving, where communication kernels
run beside the GEMMs. The neighbour (scripts/busy_neighbour.cu, driven by busy_neighbour.py) holds
--busy-sms SMs, one block of 1024 threads and the per-block maximum of shared memory on each, and
copies a 256 MiB buffer over and over (HBM traffic like a communication kernel's copies).

How: everything runs in one process, so the neighbour and the GEMMs share one context and really
run at once (kernels of two processes time-slice). The neighbour is compiled with NVRTC for the
device's architecture and launched through the driver API on its own non-blocking stream, in
PyTorch's context. For each dense entry (m, n, k) of the bundle's manifest:
  - inputs in DeepGEMM's layouts, made as scripts/device_bundle_python.py makes them (1x128
    per-token activation scales, 128x128 weight block scales); each side's output is checked
    once against a float reference of the same quantized inputs and against the other side
    (calc_diff < 1e-3); a side that fails is recorded and not timed;
  - --rounds rounds of two phases, idle and busy, the phase order alternating by round. The
    neighbour starts before each busy phase (start() returns once every block holds its SM) and
    stops after it: it runs through both sides' busy samples. In a phase the two sides take
    turns sample by sample (the order reversed every sample; which goes first alternates by
    round), 3 warm-ups and --iters samples each, by the call protocol: a 512 MiB memset flushes
    the L2, CUDA events around one call on PyTorch's current stream;
  - after every phase each side's output must still match its validated one (calc_diff).
A sample gets --sample-timeout-s to finish (its event is polled, never waited on blindly): a GEMM
that cannot finish beside the neighbour stalls the row, and the neighbour's stop frees its SMs.

Output: OUT.jsonl gets a "setup" line (device, versions, the neighbour's launch, its SM ids and
copy rate alone), one "problem" line per entry as soon as it is measured (each side's median µs
per round and over all its samples; DeepGEMM / bundle idle and busy; busy / idle per side; per
busy phase the neighbour's slice copies per block, its SM ids and copy rate) and a "summary"
line; OUT.md beside it gets a table and the summary: geomeans of DeepGEMM / bundle idle and
busy, each side's slowdown busy / idle, and the rows below 1.00.
--deadline (epoch seconds): no entry starts after it; the neighbour is stopped on every exit.
Without deep_gemm the bundle's sides run alone (said at the start and in the summary).
--compile-only compiles the neighbour for --arch with NVRTC, prints the cubin's size and exits
(no GPU or PyTorch needed).
Exit code: 0 every entry ran and passed; 1 an entry failed or stalled, or was not run by the
deadline; 2 nothing could run (no PyTorch or GPU, NVRTC missing, a compile error, the bundle does
not load, the neighbour does not start).
"""
import argparse
import faulthandler
import json
import os
import signal
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from atomic_text import write_text_atomic  # noqa: E402
from busy_neighbour import (BusyNeighbour, NeighbourError, arch_for,  # noqa: E402
                            compile_neighbour)
# The inputs, the reference, the check and the call protocol's flush: one owner.
from device_bundle_python import (DIFF_LIMIT, Gpu, calc_diff, deepgemm_first_call,  # noqa: E402
                                  geomean, say)

SIDES = ("deepgemm", "bundle")
STATES = ("idle", "busy")
WARMUPS = 3


class SampleStalled(RuntimeError):
    """A sample whose stop event did not complete within --sample-timeout-s."""


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("bundle", nargs="?", help="an exported bundle folder (gemmtune export "
                                             "--format bundle)")
    p.add_argument("out", nargs="?", help="append one JSON line per problem here (OUT.md beside)")
    p.add_argument("--busy-sms", type=int, default=24, help="SMs the neighbour holds")
    p.add_argument("--dg-sms", type=int, default=108, help="deep_gemm.set_num_sms(N)")
    p.add_argument("--rounds", type=int, default=2, help="idle + busy phases per problem")
    p.add_argument("--iters", type=int, default=30, help="samples per side and phase")
    p.add_argument("--max-problems", type=int, default=0, help="the first N dense entries (0: all)")
    p.add_argument("--deadline", type=float, help="epoch seconds: no problem starts after it")
    p.add_argument("--sample-timeout-s", type=float, default=10.0,
                   help="longest wait for one sample before the row counts as stalled")
    p.add_argument("--neighbour-max-s", type=float, default=600.0,
                   help="the neighbour kernel's own time bound (%%globaltimer)")
    p.add_argument("--compile-only", action="store_true",
                   help="compile the neighbour with NVRTC, print the cubin's size, exit")
    p.add_argument("--arch", default="sm_90a", help="--compile-only's target")
    args = p.parse_args(argv)
    if not args.compile_only and not (args.bundle and args.out):
        p.error("BUNDLE_DIR and OUT.jsonl are required (unless --compile-only)")
    if args.rounds < 1 or args.iters < 1 or args.busy_sms < 1:
        p.error("--rounds, --iters and --busy-sms must be positive")
    return args


# ---------------------------------------------------------------------------------------------
# Timing: phases, rounds and the row's numbers (host logic; the sampler is the GPU part).

def phase_schedule(rounds, sides):
    """[(round, state, sides in turn order)]: idle then busy on even rounds, busy then idle on
    odd ones; the side that goes first alternates by round."""
    out = []
    for rnd in range(rounds):
        order = list(sides) if rnd % 2 == 0 else list(sides)[::-1]
        for state in (STATES if rnd % 2 == 0 else STATES[::-1]):
            out.append((rnd, state, order))
    return out


def run_phase(sample_us, neighbour, order, state, iters):
    """{side: [µs]}: WARMUPS then `iters` samples per side, taking turns (the order reversed
    every sample). Busy: the neighbour runs from before the first warm-up to after the last
    sample, and is stopped even when a sample stalls; returns (samples, its stop() report)."""
    report = None
    if state == "busy":
        neighbour.start()
    try:
        for side in order:
            for i in range(WARMUPS):
                sample_us(side, i)
        samples = {side: [] for side in order}
        for i in range(iters):
            for side in (order if i % 2 == 0 else order[::-1]):
                samples[side].append(sample_us(side, i))
    finally:
        if state == "busy":
            report = neighbour.stop()
    return samples, report


def neighbour_record(rnd, report):
    """A stop() report for the row: per block its SM and slice copies."""
    return {"round": rnd, "seconds": round(report["seconds"], 4),
            "copy_gbps": round(report["copy_gbps"], 1), "distinct_sms": report["distinct_sms"],
            "sm_ids": report["sm_ids"], "copies": report["copies"],
            "exit_reasons": report["exit_reasons"]}


def measure_rounds(r, sides, rounds, phase, after_phase=lambda state: None):
    """Runs phase(state, order) -> (samples, report) for every phase of phase_schedule into row
    r: rounds_us (the median of each round) and {side}_{state}_us (the median of all samples),
    the neighbour's records; after_phase(state) checks the outputs."""
    pooled = {f"{s}_{st}": [] for s in sides for st in STATES}
    r["rounds_us"] = {key: [] for key in pooled}
    r["neighbour"] = []
    for rnd, state, order in phase_schedule(rounds, sides):
        samples, report = phase(state, order)
        for side, values in samples.items():
            pooled[f"{side}_{state}"] += values
            r["rounds_us"][f"{side}_{state}"].append(statistics.median(values))
        if report is not None:
            r["neighbour"].append(neighbour_record(rnd, report))
        after_phase(state)
    for key, values in pooled.items():
        r[key + "_us"] = statistics.median(values)
    add_ratios(r)


def add_ratios(r):
    """DeepGEMM / bundle time idle and busy (> 1: the bundle is faster), busy / idle per side."""
    for state in STATES:
        dg, gt = r.get(f"deepgemm_{state}_us"), r.get(f"bundle_{state}_us")
        if dg and gt:
            r[f"ratio_{state}"] = dg / gt
    for side in SIDES:
        idle, busy = r.get(f"{side}_idle_us"), r.get(f"{side}_busy_us")
        if idle and busy:
            r[f"slowdown_{side}"] = busy / idle


def neighbour_failures(r, busy_sms):
    """What a busy phase's neighbour did wrong: fewer SMs than blocks, or an exit other than
    the stop flag (it timed out under the samples)."""
    failed = []
    for rec in r.get("neighbour", []):
        if rec["distinct_sms"] != busy_sms:
            failed.append(f"round {rec['round']}: the neighbour ran on {rec['distinct_sms']} "
                          f"SMs, not {busy_sms}")
        if rec["exit_reasons"] != ["stop flag"]:
            failed.append(f"round {rec['round']}: the neighbour exited by {rec['exit_reasons']}")
    return failed


# ---------------------------------------------------------------------------------------------
# The GPU part: one problem.

def wait_event(event, timeout_s):
    """True once `event` completes, False after timeout_s (polled: a blocking wait on a GEMM
    that cannot finish beside the neighbour would never return)."""
    t0 = time.perf_counter()
    while not event.query():
        if time.perf_counter() - t0 > timeout_s:
            return False
        time.sleep(1e-5)
    return True


def call_protocol_sampler(gpu, calls, timeout_s):
    """sample_us(side, i): the call protocol (flush, start event, one call, stop event)."""
    torch = gpu.torch

    def sample_us(side, i):
        gpu.flush.fill_(i & 0xFF)
        start = torch.cuda.Event(enable_timing=True)
        stop = torch.cuda.Event(enable_timing=True)
        start.record()
        calls[side]()
        stop.record()
        if not wait_event(stop, timeout_s):
            raise SampleStalled(f"{side}: a sample did not finish within {timeout_s:g} s")
        return start.elapsed_time(stop) * 1e3
    return sample_us


def run_problem(gpu, gt, dg, neighbour, entry, args):
    torch = gpu.torch
    m, n, k = entry["m"], entry["n"], entry["k"]
    r = {"kind": "problem", "label": entry.get("label", ""), "m": m, "n": n, "k": k,
         "config": entry.get("config", ""), "failed": []}
    torch.manual_seed(m * 31 + n * 7 + k)
    a, sfa = gpu.quant_rows(torch.randn((m, k), device="cuda", dtype=torch.bfloat16))
    b, sfb = gpu.quant_blocks(torch.randn((n, k), device="cuda", dtype=torch.bfloat16))
    ref = gpu.dequant_rows(a, sfa) @ gpu.dequant_blocks(b, sfb).t()
    outs = {side: torch.full((m, n), float("nan"), device="cuda", dtype=torch.bfloat16)
            for side in SIDES if side == "bundle" or dg is not None}
    calls = {"bundle": lambda: gt.fp8_gemm_nt((a, sfa), (b, sfb), outs["bundle"])}
    if dg is not None:
        calls["deepgemm"] = lambda: dg.fp8_gemm_nt((a, sfa), (b, sfb), outs["deepgemm"],
                                                   disable_ue8m0_cast=True)
    validated = {}
    for side in SIDES:
        if side not in calls:
            continue
        if side == "deepgemm":
            ran = deepgemm_first_call(r, calls[side], torch)  # its JIT compile, idle
            if not ran:
                r["failed"].append(f"deepgemm: {r['deepgemm_error']}")
                continue
        else:
            try:
                calls[side]()
                torch.cuda.synchronize()
            except Exception as e:
                r["failed"].append(f"bundle: {type(e).__name__}: {e}"[:300])
                continue
        r[f"diff_ref_{side}"] = calc_diff(outs[side], ref)
        if r[f"diff_ref_{side}"] < DIFF_LIMIT:
            validated[side] = outs[side].clone()
        else:
            r["failed"].append(f"{side}: diff_ref {r[f'diff_ref_{side}']:.2e}")
    del ref
    if len(validated) == 2:
        r["diff_deepgemm_bundle"] = calc_diff(validated["deepgemm"], validated["bundle"])
        if not r["diff_deepgemm_bundle"] < DIFF_LIMIT:
            r["failed"].append(f"DeepGEMM and the bundle differ: {r['diff_deepgemm_bundle']:.2e}")
    timed = [side for side in SIDES if side in validated]
    if not timed:
        return r
    sample_us = call_protocol_sampler(gpu, calls, args.sample_timeout_s)

    def phase(state, order):
        return run_phase(sample_us, neighbour, order, state, args.iters)

    def after_phase(state):
        for side in timed:
            if not torch.equal(outs[side], validated[side]):
                diff = calc_diff(outs[side], validated[side])
                r.setdefault("output_changed", []).append({"side": side, "state": state,
                                                           "diff": diff})
                if not diff < DIFF_LIMIT:
                    r["failed"].append(f"{side} {state}: output differs from the validated "
                                       f"one ({diff:.2e})")

    measure_rounds(r, timed, args.rounds, phase, after_phase)
    r["failed"] += neighbour_failures(r, args.busy_sms)
    return r


# ---------------------------------------------------------------------------------------------
# Reporting.

def fmt(value, spec):
    return "" if value is None else format(value, spec)


def line(r):
    parts = [f"{r['label'][:24]:24s} m={r['m']} n={r['n']} k={r['k']}"]
    for side, name in (("deepgemm", "DG"), ("bundle", "gt")):
        if f"{side}_idle_us" in r:
            parts.append(f"{name} idle {r[f'{side}_idle_us']:.1f} busy {r[f'{side}_busy_us']:.1f}"
                         f" us (x{r.get(f'slowdown_{side}', float('nan')):.3f})")
    if "ratio_idle" in r:
        parts.append(f"DG/gt idle {r['ratio_idle']:.3f} busy {r['ratio_busy']:.3f}")
    if r.get("neighbour"):
        parts.append(f"neighbour {min(x['distinct_sms'] for x in r['neighbour'])} SMs "
                     f"{statistics.median(x['copy_gbps'] for x in r['neighbour']):.0f} GB/s")
    parts.append("PASS" if not r["failed"] else "FAIL: " + "; ".join(r["failed"]))
    return " | ".join(parts)


def summary_lines(rows, has_deepgemm, not_run):
    out = []
    failed = [r for r in rows if r["failed"]]
    out.append(f"{len(rows) - len(failed)}/{len(rows)} problems passed, {len(failed)} failed, "
               f"{len(not_run)} not run (deadline or an earlier fatal error)")
    if not has_deepgemm:
        out.append("DeepGEMM was not importable: the bundle's sides ran alone")
    for state in STATES:
        ratios = [r[f"ratio_{state}"] for r in rows if f"ratio_{state}" in r]
        if ratios:
            out.append(f"DeepGEMM / bundle {state}: geomean {geomean(ratios):.3f} over "
                       f"{len(ratios)} problems (min {min(ratios):.3f}, max {max(ratios):.3f})")
    for side in SIDES:
        slow = [r[f"slowdown_{side}"] for r in rows if f"slowdown_{side}" in r]
        if slow:
            out.append(f"{side} busy / idle: geomean {geomean(slow):.3f} (min {min(slow):.3f}, "
                       f"max {max(slow):.3f})")
    below = [f"{r['label']} m={r['m']} n={r['n']} k={r['k']} ({state} "
             f"{r[f'ratio_{state}']:.3f})" for r in rows for state in STATES
             if r.get(f"ratio_{state}", 1.0) < 1.0]
    out.append("rows below 1.00: " + (", ".join(below) if below else "none"))
    records = [x for r in rows for x in r.get("neighbour", [])]
    if records:
        sms = {s for x in records for s in x["sm_ids"]}
        distinct = [x["distinct_sms"] for x in records]
        gbps = statistics.median(x["copy_gbps"] for x in records)
        out.append(f"neighbour: {len(records)} busy phases on {min(distinct)}-{max(distinct)} "
                   f"distinct SMs each, {len(sms)} SM ids in all; copy rate median {gbps:.0f} "
                   "GB/s (read + write)")
    return out


def markdown(rows, setup, summary):
    nb = setup.get("neighbour", {})
    out = [f"# DeepGEMM and the bundle with {nb.get('blocks', '?')} of "
           f"{nb.get('sm_count', '?')} SMs busy", "",
           f"{setup.get('device', '')}; DeepGEMM under set_num_sms({setup.get('dg_sms')}); bundle "
           f"`{setup.get('bundle', '')}`. Busy: a neighbour kernel holds {nb.get('blocks', '?')} "
           f"SMs (one block of {nb.get('threads_per_block', '?')} threads and "
           f"{nb.get('dynamic_smem_bytes', '?')} B of shared memory each) copying 256 MiB over "
           f"and over ({setup.get('alone_copy_gbps', 0):.0f} GB/s alone). Call protocol, medians "
           "of all samples; DG/gt = DeepGEMM µs / bundle µs (> 1: the bundle is faster).", "",
           "| label | m | n | k | DG idle µs | gt idle µs | DG busy µs | gt busy µs | "
           "DG/gt idle | DG/gt busy | DG busy/idle | gt busy/idle | neighbour GB/s | result |",
           "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|"]
    for r in rows:
        phases = r.get("neighbour") or []
        gbps = statistics.median(x["copy_gbps"] for x in phases) if phases else None
        out.append("| " + " | ".join([
            r["label"], str(r["m"]), str(r["n"]), str(r["k"]),
            fmt(r.get("deepgemm_idle_us"), ".2f"), fmt(r.get("bundle_idle_us"), ".2f"),
            fmt(r.get("deepgemm_busy_us"), ".2f"), fmt(r.get("bundle_busy_us"), ".2f"),
            fmt(r.get("ratio_idle"), ".3f"), fmt(r.get("ratio_busy"), ".3f"),
            fmt(r.get("slowdown_deepgemm"), ".3f"), fmt(r.get("slowdown_bundle"), ".3f"),
            fmt(gbps, ".0f"),
            "pass" if not r["failed"] else "FAIL: " + "; ".join(r["failed"])[:120]]) + " |")
    out += ["", "## Summary", ""] + [f"- {s}" for s in summary]
    return "\n".join(out) + "\n"


def md_path(out_jsonl):
    root, ext = os.path.splitext(out_jsonl)
    return (root if ext == ".jsonl" else out_jsonl) + ".md"


# ---------------------------------------------------------------------------------------------
# Main.

def compile_only(args):
    try:
        cubin, info = compile_neighbour(args.arch)
    except (NeighbourError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(f"busy_neighbour.cu for {args.arch}: cubin {len(cubin)} bytes (NVRTC "
          f"{info['nvrtc_version']}, {info['nvrtc']})")
    return 0


def git_revision():
    """The checkout's commit (plus "-dirty"), or "unknown" outside a git checkout."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    try:
        rev = subprocess.run(["git", "-C", root, "describe", "--always", "--dirty"],
                             capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return rev.stdout.strip() if rev.returncode == 0 else "unknown"


def setup_gpu(args):
    """(torch, cubin, setup record) or an error line."""
    try:
        import torch
    except ImportError as e:
        return None, f"PyTorch is needed ({e})"
    if not torch.cuda.is_available():
        return None, "no CUDA device visible to PyTorch"
    torch.cuda.init()
    torch.zeros(1, device="cuda")  # makes the primary context current on this thread
    torch.cuda.synchronize()
    major, minor = torch.cuda.get_device_capability()
    try:
        cubin, info = compile_neighbour(arch_for(major, minor))
    except (NeighbourError, OSError) as e:
        return None, str(e)
    setup = {"kind": "setup", "schema": 1, "device": torch.cuda.get_device_name(),
             "compute_capability": f"{major}.{minor}", "torch": torch.__version__,
             "torch_cuda": torch.version.cuda, "bundle": os.path.abspath(args.bundle),
             "busy_sms": args.busy_sms, "dg_sms": args.dg_sms, "rounds": args.rounds,
             "iters": args.iters, "command": " ".join(sys.argv), "git": git_revision(),
             "nvrtc": {k: v for k, v in info.items() if k != "log"}}
    return (torch, cubin, setup), None


def import_deepgemm(dg_sms, setup):
    try:
        import deep_gemm
    except Exception as e:  # absent, or built for another torch
        say(f"WARNING: deep_gemm not importable ({type(e).__name__}: {e}): timing the bundle's "
            "sides alone (set PYTHONPATH to DeepGEMM's build)")
        return None
    try:
        deep_gemm.set_num_sms(dg_sms)
    except Exception as e:
        say(f"WARNING: deep_gemm.set_num_sms({dg_sms}) failed ({type(e).__name__}: {e}): timing "
            "the bundle's sides alone")
        return None
    setup["deep_gemm"] = os.path.dirname(deep_gemm.__file__)
    if hasattr(deep_gemm, "get_num_sms"):
        setup["deep_gemm_num_sms"] = deep_gemm.get_num_sms()
    say(f"deep_gemm from {setup['deep_gemm']}, set_num_sms({dg_sms})")
    return deep_gemm


def measure(args, torch, gt, dg, neighbour, entries, setup):
    """Every entry into OUT.jsonl; returns the exit code."""
    rows, not_run, fatal = [], [], None
    with open(args.out, "a") as out:
        def record(obj):
            out.write(json.dumps(obj) + "\n")
            out.flush()

        neighbour.start()
        time.sleep(0.5)
        alone = neighbour.stop()
        setup["neighbour"] = dict(neighbour.describe(), alone=neighbour_record(-1, alone))
        setup["alone_copy_gbps"] = alone["copy_gbps"]
        say(f"neighbour alone: {alone['distinct_sms']} distinct SMs {sorted(alone['sm_ids'])}, "
            f"{alone['copy_gbps']:.0f} GB/s, {neighbour.dynamic_smem_bytes} B shared memory, "
            f"{neighbour.registers} registers per thread")
        budget = setup.get("bundle_sms")
        if not budget or budget + args.busy_sms > neighbour.sm_count:
            say(f"WARNING: the bundle's kernels use {budget or 'all'} SMs; with {args.busy_sms} "
                f"busy, {neighbour.sm_count} SMs are not enough to run both at once")
        if alone["distinct_sms"] != args.busy_sms:
            say(f"WARNING: the neighbour's {args.busy_sms} blocks ran on {alone['distinct_sms']} "
                "SMs (expected one block per SM)")
        record(setup)
        gpu = Gpu(torch, args.iters)
        for entry in entries:
            if fatal or (args.deadline and time.time() > args.deadline):
                not_run.append(f"{entry.get('label', '?')} m={entry['m']}")
                continue
            try:
                r = run_problem(gpu, gt, dg, neighbour, entry, args)
            except SampleStalled as e:
                r = {"kind": "problem", "label": entry.get("label", ""), "m": entry["m"],
                     "n": entry["n"], "k": entry["k"], "failed": [f"stalled: {e}"]}
                drained = torch.cuda.Event()
                drained.record()
                if not wait_event(drained, 60.0):
                    fatal = "the GPU did not drain within 60 s of a stalled sample"
            except NeighbourError as e:
                r = {"kind": "problem", "label": entry.get("label", ""), "m": entry["m"],
                     "n": entry["n"], "k": entry["k"], "failed": [f"neighbour: {e}"]}
                fatal = f"the neighbour failed: {e}"
            except Exception as e:  # a CUDA or DeepGEMM error: recorded, the run goes on
                r = {"kind": "problem", "label": entry.get("label", ""), "m": entry["m"],
                     "n": entry["n"], "k": entry["k"],
                     "failed": [f"{type(e).__name__}: {e}"[:300]]}
            rows.append(r)
            record(r)
            say(line(r))
            torch.cuda.empty_cache()
        if fatal:
            say(f"error: {fatal}; the problems after it were not run")
        summary = summary_lines(rows, dg is not None, not_run)
        for text in summary:
            say("summary: " + text)
        record({"kind": "summary", "lines": summary, "not_run": not_run})
    write_text_atomic(md_path(args.out), markdown(rows, setup, summary))
    return 1 if (not_run or any(r["failed"] for r in rows) or not rows) else 0


def main(argv=None):
    args = parse_args(argv)
    if args.compile_only:
        return compile_only(args)
    if not os.path.isfile(os.path.join(args.bundle, "manifest.json")):
        say(f"error: {args.bundle} has no manifest.json: not an exported bundle (gemmtune export "
            "TABLE --format bundle --out DIR)")
        return 2
    gpu_setup, error = setup_gpu(args)
    if error:
        say(f"error: {error}")
        return 2
    torch, cubin, setup = gpu_setup
    say(f"torch {torch.__version__}, {setup['device']}, neighbour cubin {len(cubin)} bytes for "
        f"{setup['nvrtc']['arch']} (NVRTC {setup['nvrtc']['nvrtc_version']})")
    dg = import_deepgemm(args.dg_sms, setup)
    sys.path.insert(0, os.path.abspath(args.bundle))
    try:
        import gemmtune_bundle as gt
        bundle = gt.load(args.bundle)
    except Exception as e:
        say(f"error: the bundle does not load: {type(e).__name__}: {e}")
        return 2
    entries = bundle.entries[:args.max_problems] if args.max_problems > 0 else bundle.entries
    setup["bundle_sms"] = getattr(bundle, "sms", None)  # the table's `sweep --sms` budget
    if not entries:
        say("error: the bundle has no dense entries")
        return 2
    # SIGTERM (a time limit) unwinds like Ctrl-C, through the neighbour's close().
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if args.deadline:
        # NOTE: a hang past the deadline (a synchronize that never returns) cannot be
        # interrupted from Python; this prints every stack and exits (the driver ends the kernel).
        faulthandler.dump_traceback_later(max(60.0, args.deadline - time.time() + 120), exit=True)
    try:
        with BusyNeighbour(cubin, args.busy_sms, args.neighbour_max_s) as neighbour:
            return measure(args, torch, gt, dg, neighbour, entries, setup)
    except NeighbourError as e:
        say(f"error: the neighbour: {e}")
        return 2
    finally:
        faulthandler.cancel_dump_traceback_later()


if __name__ == "__main__":
    sys.exit(main())
