#!/usr/bin/env python3
"""Runs a Python timing harness (e.g. .anchors/dg_grouped.py) unchanged and writes how long its
loop takes per timed sample, the counterpart of gemmtune's `sample_period_us`.

usage: dg_sample_period.py PERIODS.json SCRIPT [ARGS...]

Why: at the 700 W cap the idle share of a timing loop sets the SM clock (PERF_LOG session 30:
on gate+up g32 sustained, 100 µs more idle per call gave our kernel 6% more clock). The anchors'
harness spends Python time between calls that gemmtune's C++ loop does not, so the two sides of a
comparison must be checked to idle alike.

How: torch.cuda.Event.record is wrapped to note the host time of every record. A timed sample
records a start and a stop event and then waits for the stop, so the host's time from one start
record to the next is the loop's period per sample on the GPU too. Records more than GAP_S apart
start a new burst (the next problem); each burst's median period is written in order, as
{"bursts": [{"samples": n, "period_us": median}, ...]}.
"""
import atexit
import json
import runpy
import sys
import time

import torch

GAP_S = 0.05  # no timed call of the benchmark sets lasts 50 ms; set-up between problems does

out_path, script = sys.argv[1], sys.argv[2]
records = []
_record = torch.cuda.Event.record


def record(self, *args, **kwargs):
    records.append(time.perf_counter())
    return _record(self, *args, **kwargs)


def write():
    bursts, cur = [], [records[0]] if records else []
    for t in records[1:]:
        if t - cur[-1] > GAP_S:
            bursts.append(cur)
            cur = []
        cur.append(t)
    if cur:
        bursts.append(cur)
    rows = []
    for b in bursts:
        starts = b[0::2]  # start, stop, start, stop, ...
        periods = sorted((y - x) * 1e6 for x, y in zip(starts, starts[1:]))
        rows.append({"samples": len(starts),
                     "period_us": periods[len(periods) // 2] if periods else None})
    json.dump({"bursts": rows}, open(out_path, "w"))


torch.cuda.Event.record = record
atexit.register(write)
sys.argv = [script] + sys.argv[3:]
runpy.run_path(script, run_name="__main__")
