#!/usr/bin/env python3
"""Where a sweep's time went, for the device scripts of whole shape sets (device_full_sweep.sh,
device_multi_gpu_full.sh): per sweep folder ROOT/NAME, its wall seconds (the sum of its segments,
ROOT/NAME.segments: "seconds rc start" per device call), start-up, compile latency, the worker's
measuring seconds by record kind, and the cuBLASLt best search's parts (from its records' reasons).

  usage: python3 scripts/lab/sweep_seconds.py ROOT NAME...   (JSON on stdout)
"""
import datetime
import json
import os
import re
import sys


def segments(root, name):
    path = f"{root}/{name}.segments"
    return [list(map(int, l.split())) for l in open(path) if l.strip()] if os.path.exists(path) else []


def records(root, name):
    path = f"{root}/{name}/runs.jsonl"
    return [json.loads(l) for l in open(path) if l.strip()] if os.path.exists(path) else []


def record_epoch_s(record):
    """A record's timestamp (whole seconds, UTC) as seconds since the epoch."""
    t = datetime.datetime.strptime(record["timestamp"], "%Y-%m-%dT%H:%M:%SZ")
    return t.replace(tzinfo=datetime.timezone.utc).timestamp()


def startup_s(root, name):
    """Seconds from the first segment's start to the first record."""
    segs, recs = segments(root, name), records(root, name)
    if not segs or len(segs[0]) < 3 or not recs:
        return None
    stamps = [record_epoch_s(r) for r in recs if r.get("timestamp")]
    return min(stamps) - segs[0][2] if stamps else None


def compile_s(root, name):
    """Per distinct config built (not a cache hit): how many, median compile seconds."""
    seen = {}
    for r in records(root, name):
        if r.get("config") and r.get("compile_seconds") is not None and not r.get("compile_cache_hit"):
            seen.setdefault(r["config"], r["compile_seconds"])
    v = sorted(seen.values())
    return {"built": len(v), "median_s": v[len(v) // 2] if v else None}


# A cublaslt_best reason: "... ({check} s), V valid, P probed ({probe} s; ...), S screened ({screen} s)"
# since 2026-11-27; before it "... ({check} s), V valid, S screened ({screen} s; ...)".
_CHECK = re.compile(r"checked \(([\d.]+) s\)")
_PROBE = re.compile(r"(\d+) probed \(([\d.]+) s")
_SCREEN = re.compile(r"(\d+) screened \(([\d.]+) s")
_SPIN = re.compile(r"(\d+) spin timeouts")


def spin_timeouts(recs):
    """Spin timeouts the cuBLASLt best search's reasons report, over all problems."""
    return sum(int(m[1]) for r in recs if (m := _SPIN.search(r.get("reason") or "")))


def cublaslt_search(recs):
    """The cuBLASLt best search's seconds (check, probe, screen) and counts over all problems."""
    out = {"problems": 0, "check_s": 0.0, "probe_s": 0.0, "screen_s": 0.0, "probed": 0, "screened": 0}
    for r in recs:
        if r.get("kind") != "cublaslt_best":
            continue
        reason = r.get("reason", "")
        out["problems"] += 1
        if m := _CHECK.search(reason):
            out["check_s"] += float(m[1])
        if m := _PROBE.search(reason):
            out["probed"] += int(m[1])
            out["probe_s"] += float(m[2])
        if m := _SCREEN.search(reason):
            out["screened"] += int(m[1])
            out["screen_s"] += float(m[2])
    return {k: round(v, 1) if isinstance(v, float) else v for k, v in out.items()}


def summary(root, name):
    segs, recs = segments(root, name), records(root, name)
    by_kind = {}
    for r in recs:
        by_kind[r["kind"]] = round(by_kind.get(r["kind"], 0.0) + (r.get("measure_seconds") or 0.0), 1)
    return {"seconds": sum(s[0] for s in segs), "segments": segs,
            "done": os.path.exists(f"{root}/{name}.done"), "records": len(recs),
            "startup_s": startup_s(root, name), "compiles": compile_s(root, name),
            "measure_seconds_by_kind": by_kind, "cublaslt_best_search": cublaslt_search(recs)}


if __name__ == "__main__":
    root = sys.argv[1]
    doc = {name: summary(root, name) for name in sys.argv[2:] if segments(root, name) or records(root, name)}
    json.dump(doc, sys.stdout, indent=1)
    print()
