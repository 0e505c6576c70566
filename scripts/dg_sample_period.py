#!/usr/bin/env python3
"""Runs a Python timing harness (e.g. .anchors/dg_grouped.py) unchanged and writes how long its
loop takes per timed sample, the counterpart of gemmtune's `sample_period_us`.

usage: dg_sample_period.py PERIODS.json SCRIPT [ARGS...]

Why: at the 700 W cap the idle share of a timing loop sets the SM clock (measured:
on gate+up g32 sustained, 100 µs more idle per call gave our kernel 6% more clock). The anchors'
harness spends Python time between calls that gemmtune's C++ loop does not, so the two sides of a
comparison must be checked to idle alike.

How: torch.cuda.Event.record is wrapped to note the host time of every record. A timed sample
records a start and a stop event and then waits for the stop, so the host's time from one start
record to the next is the loop's period per sample on the GPU too. The harness times each problem
in one burst of --iters samples (default 30), so every 2 x iters records are a burst; each burst's
median period is written in order, as {"bursts": [{"samples": n, "period_us": median, "t0": s,
"t1": s}, ...]}, t0 and t1 the epoch seconds of the burst's first and last record (where a probe
reads the power and clock that the timed calls ran at).
(Splitting at long gaps instead merged bursts: some problems set up in under 50 ms.)
"""
import atexit
import json
import os
import runpy
import sys
import time

import torch

from atomic_text import write_text_atomic

out_path, script = sys.argv[1], sys.argv[2]
harness_args = sys.argv[3:]
iters = int(harness_args[harness_args.index("--iters") + 1]) if "--iters" in harness_args else 30
records = []
_record = torch.cuda.Event.record


# GEMMTUNE_DG_SETTLE_MS: the card idles this long (the stream drained) before each burst's first
# timed sample, as `gemmtune run --settle-ms` idles before its warm-ups. Default 0, the harness as
# it is; the comparison scripts set 500 (scripts/device_common.sh dg_rested_card says why).
settle_s = float(os.environ.get("GEMMTUNE_DG_SETTLE_MS", "0")) / 1e3


def record(self, *args, **kwargs):
    if settle_s > 0 and len(records) % (2 * iters) == 0:
        torch.cuda.synchronize()
        time.sleep(settle_s)
    records.append((time.perf_counter(), time.time()))
    return _record(self, *args, **kwargs)


def write():
    bursts = [records[i:i + 2 * iters] for i in range(0, len(records), 2 * iters)]
    rows = []
    for b in bursts:
        starts = [r[0] for r in b[0::2]]  # start, stop, start, stop, ...
        periods = sorted((y - x) * 1e6 for x, y in zip(starts, starts[1:]))
        rows.append({"samples": len(starts),
                     "period_us": periods[len(periods) // 2] if periods else None,
                     "t0": b[0][1], "t1": b[-1][1]})
    write_text_atomic(out_path, json.dumps({"bursts": rows}))


torch.cuda.Event.record = record
atexit.register(write)
sys.argv = [script] + harness_args
runpy.run_path(script, run_name="__main__")
