#!/usr/bin/env python3
"""Two sweeps of one shape set (scripts/lab/device_sweep_timing_ab.sh: call and kernel timing) side by
side: per record kind the records, their measuring seconds, timing samples and median sample
period (a sample's wall time, flush included); the span from the first record to the last and
what of it no record's measuring covers (compiles waited for, validation, the worker's own work).

  usage: python3 scripts/lab/sweep_timing_ab.py RUN_DIR_A RUN_DIR_B    (a table on stdout)
"""
import os
import statistics
import sys

from sweep_seconds import record_epoch_s, records, spin_timeouts


def load(run_dir):
    return records(os.path.dirname(run_dir) or ".", os.path.basename(run_dir))


def kinds(recs):
    out = {}
    for r in recs:
        k = out.setdefault(r["kind"], {"records": 0, "measure_s": 0.0, "samples": 0, "periods_us": []})
        k["records"] += 1
        k["measure_s"] += r.get("measure_seconds") or 0.0
        timing = r.get("timing") or {}
        k["samples"] += timing.get("samples") or 0
        if timing.get("sample_period_us"):
            k["periods_us"].append(timing["sample_period_us"])
    return out


def main():
    runs = {path: load(path) for path in sys.argv[1:3]}
    all_kinds = sorted({r["kind"] for recs in runs.values() for r in recs})
    print("| kind | " + " | ".join(f"{p}: records, measuring s, samples, median sample period us" for p in runs) + " |")
    print("|---|" + "---|" * len(runs))
    per_run = {p: kinds(recs) for p, recs in runs.items()}
    for kind in all_kinds:
        cells = []
        for p in runs:
            k = per_run[p].get(kind)
            if not k:
                cells.append("-")
                continue
            period = statistics.median(k["periods_us"]) if k["periods_us"] else float("nan")
            cells.append(f"{k['records']}, {k['measure_s']:.1f}, {k['samples']}, {period:.0f}")
        print(f"| {kind} | " + " | ".join(cells) + " |")
    for p, recs in runs.items():
        stamps = [record_epoch_s(r) for r in recs if r.get("timestamp")]
        span = max(stamps) - min(stamps) if stamps else 0.0
        measured = sum(r.get("measure_seconds") or 0.0 for r in recs)
        print(f"{p}: {len(recs)} records, first to last record {span:.0f} s, measuring {measured:.1f} s, "
              f"not measuring {span - measured:.1f} s, spin timeouts in reasons {spin_timeouts(recs)}")


if __name__ == "__main__":
    main()
