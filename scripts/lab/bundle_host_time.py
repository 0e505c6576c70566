#!/usr/bin/env python3
"""Host time per call of the bundle's Python module (gemmtune_bundle.py), on a GPU with PyTorch.

    usage: python3 scripts/lab/bundle_host_time.py BUNDLE_DIR [--module PY] [--compare PY]
               [--entries 3] [--calls 100] [--repeats 5] [--json OUT.jsonl]

For up to --entries entries of each kind in the bundle's manifest (dense: the smallest M of each
(n, k) first; grouped: the fewest rows first), inputs in DeepGEMM's layouts as
scripts/device_bundle_python.py builds them (zeros: host time does not depend on values), the
host µs per call of `deepgemm` (the call in DeepGEMM's layouts) and `zero_copy` (the scales
converted beforehand: dense to_gemmtune_sfa / _sfb views, grouped layout="gemmtune" with
offsets), for --module (default: this tree's) and --compare, each loaded under its own name
with the modules it imports from its folder (gemmtune_bundle_*.py). For a revision's module:
`git archive REV src/report/bundle | tar -x -C DIR`, then --compare
DIR/src/report/bundle/gemmtune_bundle.py (where the module is one file, the output of `git show
REV:src/report/bundle/gemmtune_bundle.py` alone serves). A sample: --calls calls queued
without synchronising (perf_counter, after a synchronize); the median of --repeats samples
after 3 warm-up calls. Parts: PyTorch's current stream (current_stream().cuda_stream,
_C._cuda_getCurrentRawStream), one ctypes call (gemmtune_bundle_select). One line per entry;
--json writes (replacing the file) a "run" record, then one JSON object per entry.
Exit code: 0: every entry ran; 1: one raised (recorded); 2: no PyTorch, GPU or bundle.
"""
import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import time

SCRIPTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROOT = os.path.dirname(SCRIPTS)
SCHEMA_VERSION = 1


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("bundle", help="an exported bundle folder (gemmtune export --format bundle)")
    p.add_argument("--module", help="the gemmtune_bundle.py to time (default: this tree's)",
                   default=os.path.join(ROOT, "src", "report", "bundle", "gemmtune_bundle.py"))
    p.add_argument("--compare", help="a second gemmtune_bundle.py to time beside it (the "
                   "gemmtune_bundle_*.py it imports are taken from its folder)")
    p.add_argument("--entries", type=int, default=3, help="entries of each kind")
    p.add_argument("--calls", type=int, default=100, help="calls queued per sample")
    p.add_argument("--repeats", type=int, default=5, help="samples per measurement (median)")
    p.add_argument("--json", help="write one JSON line per entry to this file (replaced)")
    return p.parse_args()


def load_module(path, name):
    """The module file `path` loaded under `name`, with its folder first on sys.path while it
    runs, so that the modules it imports by plain name (gemmtune_bundle_*.py) come from beside
    it. Those an earlier load imported from another folder leave sys.modules first: otherwise the
    import would hand this module the earlier one's (which keeps them); a module that is one file
    imports none."""
    folder = os.path.dirname(os.path.abspath(path))
    for cached, module in list(sys.modules.items()):
        origin = getattr(module, "__file__", None)
        if (cached.startswith("gemmtune_bundle_") and origin
                and os.path.dirname(os.path.abspath(origin)) != folder):
            del sys.modules[cached]
    sys.path.insert(0, folder)
    try:
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(folder)
    return module


def per_call_us(torch, fn, calls, repeats):
    """Median over `repeats` of the host µs per call of `calls` calls queued without syncing."""
    for _ in range(3):
        fn()
    samples = []
    for _ in range(repeats):
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        for _ in range(calls):
            fn()
        samples.append((time.perf_counter() - t0) / calls * 1e6)
    torch.cuda.synchronize()
    return statistics.median(samples)


def entry_calls(torch, dbp, gt, entry):
    """(record, {"deepgemm": call, "zero_copy": call}) of one manifest entry on module `gt`."""
    cuda, e4m3 = "cuda", torch.float8_e4m3fn
    kind, n, k = entry.get("layout", "dense"), entry["n"], entry["k"]
    kb, nb = -(-k // 128), -(-n // 128)
    kb4 = -(-kb // 4) * 4
    record = {"kind": kind, "label": entry.get("label", ""), "n": n, "k": k}
    if kind == "dense":
        m = record["m"] = entry["m"]
        a, sfa = torch.zeros((m, k), device=cuda, dtype=e4m3), torch.ones((m, kb), device=cuda)
        b, sfb = torch.zeros((n, k), device=cuda, dtype=e4m3), torch.ones((nb, kb), device=cuda)
        d = torch.empty((m, n), device=cuda, dtype=torch.bfloat16)
        sfa_t, sfb_t = gt.to_gemmtune_sfa(sfa), gt.to_gemmtune_sfb(sfb)
        return record, {"deepgemm": lambda: gt.fp8_gemm_nt((a, sfa), (b, sfb), d),
                        "zero_copy": lambda: gt.fp8_gemm_nt((a, sfa_t), (b, sfb_t), d)}
    g = record["groups"] = entry["groups"]
    group_m = dbp.grouped_group_m(entry)
    b = torch.zeros((g, n, k), device=cuda, dtype=e4m3)
    sfb = torch.ones((g, nb, kb), device=cuda)
    sfb_t = torch.ones((g * nb, kb4), device=cuda)
    if kind == "grouped_contiguous":
        m, m_indices = dbp.contiguous_inputs(argparse.Namespace(torch=torch), group_m)
        record["rows"] = m
        offsets = torch.tensor(gt.group_offsets(m_indices.tolist(), g), dtype=torch.int32,
                               device=cuda)
        a, sfa = torch.zeros((m, k), device=cuda, dtype=e4m3), torch.ones((m, kb), device=cuda)
        sfa_t = torch.ones((kb, -(-m // 4) * 4), device=cuda)
        d = torch.empty((m, n), device=cuda, dtype=torch.bfloat16)
        fn = gt.m_grouped_fp8_gemm_nt_contiguous
        return record, {
            "deepgemm": lambda: fn((a, sfa), (b, sfb), d, m_indices),
            "zero_copy": lambda: fn((a, sfa_t), (b, sfb_t), d, offsets, layout="gemmtune")}
    max_m = entry.get("max_m") or max(128, -(-max(group_m) // 128) * 128)
    expected_m = dbp.masked_expected_m(entry)
    record.update(max_m=max_m, expected_m=expected_m)
    a = torch.zeros((g, max_m, k), device=cuda, dtype=e4m3)
    sfa = torch.ones((g, max_m, kb), device=cuda)
    sfa_t = torch.ones((kb, -(-g * max_m // 4) * 4), device=cuda)
    masked_m = torch.tensor(group_m, dtype=torch.int32, device=cuda)
    d = torch.empty((g, max_m, n), device=cuda, dtype=torch.bfloat16)
    fn = gt.m_grouped_fp8_gemm_nt_masked
    return record, {
        "deepgemm": lambda: fn((a, sfa), (b, sfb), d, masked_m, expected_m),
        "zero_copy": lambda: fn((a, sfa_t), (b, sfb_t), d, masked_m, expected_m,
                                layout="gemmtune")}


def parts_us(torch, gt, record, calls, repeats):
    """The stream lookups and one ctypes call alone (µs each)."""
    device, bundle = torch.cuda.current_device(), gt._bundle()
    handle, select = bundle._handle(device), bundle._lib.gemmtune_bundle_select
    m, n, k = record.get("m", record.get("rows", 1)), record["n"], record["k"]
    parts = {"current_stream": lambda: torch.cuda.current_stream(device).cuda_stream,
             "ctypes_select": lambda: select(handle, m, n, k)}
    raw = getattr(torch._C, "_cuda_getCurrentRawStream", None)
    if raw is not None:
        parts["raw_stream"] = lambda: raw(device)
    return {name: per_call_us(torch, fn, calls * 10, repeats) for name, fn in parts.items()}


def main():
    args = parse_args()
    if not os.path.isfile(os.path.join(args.bundle, "manifest.json")):
        print(f"error: {args.bundle} has no manifest.json: not an exported bundle")
        return 2
    sys.path.insert(0, SCRIPTS)
    import device_bundle_python as dbp  # the manifest's inputs, as the bundle's check builds them
    from atomic_text import JsonLinesReport
    torch, why = dbp.cuda_torch()
    if torch is None:
        print(f"error: {why}; run this on a GPU machine with PyTorch")
        return 2
    modules = dict(module=args.module, **({"compare": args.compare} if args.compare else {}))
    try:
        loaded = {name: load_module(path, f"gemmtune_bundle_{name}")
                  for name, path in modules.items()}
        for gt in loaded.values():
            gt.load(args.bundle)
    except Exception as e:  # a module that does not import, BundleLoadError, a failed build
        print(f"error: loading the module or the bundle: {type(e).__name__}: {e}")
        return 2
    bundle = loaded["module"]._bundle()
    grouped = sorted(bundle.grouped_entries, key=lambda e: (e["rows"], e["n"], e["k"]))
    entries = dbp.overhead_entries(bundle.entries, args.entries) + [
        e for layout in ("grouped_contiguous", "grouped_masked")
        for e in [x for x in grouped if x["layout"] == layout][:args.entries]]
    if not entries:
        print(f"error: {args.bundle}'s manifest has no entries")
        return 2
    revision = subprocess.run(["git", "-C", ROOT, "rev-parse", "HEAD"], capture_output=True,
                              text=True).stdout.strip()
    run = {"kind": "run", "schema": SCHEMA_VERSION, "git_revision": revision or None,
           "torch": torch.__version__, "gpu": torch.cuda.get_device_name(), "modules": modules,
           "calls": args.calls, "repeats": args.repeats, "command": sys.argv}
    print(f"torch {run['torch']}, {run['gpu']}, bundle {args.bundle}; modules {modules}")
    out = JsonLinesReport(args.json) if args.json else None
    if out:
        out.write(json.dumps(run) + "\n")
    failed = 0
    for entry in entries:
        record = {"schema": SCHEMA_VERSION}  # the run record says the rest
        try:
            for name, gt in loaded.items():
                shape, calls = entry_calls(torch, dbp, gt, entry)
                record.update(shape)
                record[name] = {f"{call}_us": per_call_us(torch, fn, args.calls, args.repeats)
                                for call, fn in calls.items()}
            record["parts_us"] = parts_us(torch, loaded["module"], record, args.calls,
                                          args.repeats)
        except Exception as e:  # one entry's failure is recorded; the others still run
            record = dict(record, kind=entry.get("layout", "dense"), n=entry["n"], k=entry["k"],
                          error=f"{type(e).__name__}: {e}"[:300])
            failed += 1
        shape = (f"m={record.get('m')}" if record["kind"] == "dense" else
                 f"g={record.get('groups')} rows={record.get('rows', record.get('max_m'))}")
        text = " | ".join(f"{name}: " + " ".join(f"{k[:-3]} {v:.1f}us" for k, v in
                                                 record[name].items())
                          for name in loaded if name in record)
        text += " | " + " ".join(f"{k} {v:.2f}us" for k, v in record.get("parts_us", {}).items())
        print(f"{record['kind']:18s} {shape} n={record['n']} k={record['k']} | {text}"
              f"{' | ERROR ' + record['error'] if 'error' in record else ''}", flush=True)
        if out:
            out.write(json.dumps(record) + "\n")
        torch.cuda.empty_cache()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
