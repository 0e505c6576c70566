"""scripts/dg_sample_period.py: a harness run under it gets its timing loop's period per sample
and each burst's span in epoch seconds (where a power probe reads the clock and power the timed
calls ran at), one entry per burst of --iters samples, in order; the harness's own arguments
reach it. A stand-in torch module gives the CUDA events; no PyTorch, no GPU.
Run: python3 -m unittest discover -s tests/python
"""
import json
import os
import subprocess
import sys
import textwrap
import time
import unittest

from stand_in import stand_in_folder

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SCRIPT = os.path.join(ROOT, "scripts", "dg_sample_period.py")

STAND_IN = textwrap.dedent("""
    class _Event:
        def __init__(self, enable_timing=False):
            pass

        def record(self, *args, **kwargs):
            pass

    class cuda:
        Event = _Event

        @staticmethod
        def synchronize():
            pass
""")

# Two bursts of --iters samples, each sample a start and a stop record: the first burst's
# samples 4 ms apart, the second's 40 ms, with a 0.3 s set-up between them.
HARNESS = textwrap.dedent("""
    import json, sys, time
    import torch
    iters = int(sys.argv[sys.argv.index("--iters") + 1])
    for gap_s in (0.004, 0.040):
        for _ in range(iters):
            start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record(); time.sleep(gap_s); stop.record()
        time.sleep(0.3)
    json.dump({"argv": sys.argv}, open(sys.argv[1], "w"))
""")


class SamplePeriodTest(unittest.TestCase):
    def run_harness(self, settle_ms="0"):
        """The stand-in harness under the wrapper: (bursts, the harness's argv, the harness path,
        its output path, epoch seconds before and after)."""
        with stand_in_folder("torch", STAND_IN, HARNESS) as (d, harness):
            periods, harness_out = os.path.join(d, "periods.json"), os.path.join(d, "out.json")
            before = time.time()
            subprocess.run([sys.executable, SCRIPT, periods, harness, harness_out, "--iters", "5"],
                           check=True, env={**os.environ, "PYTHONPATH": d,
                                            "GEMMTUNE_DG_SETTLE_MS": settle_ms})
            after = time.time()
            with open(periods) as f:
                bursts = json.load(f)["bursts"]
            with open(harness_out) as f:
                argv = json.load(f)["argv"]
        return bursts, argv, harness, harness_out, before, after

    def test_each_burst_has_its_period_and_epoch_span(self):
        bursts, argv, harness, harness_out, before, after = self.run_harness()
        self.assertEqual(argv, [harness, harness_out, "--iters", "5"])
        self.assertEqual([b["samples"] for b in bursts], [5, 5])
        # A sleep lasts at least as long as asked, and on a loaded machine longer: the bounds
        # below leave a factor of ten.
        self.assertGreaterEqual(bursts[0]["period_us"], 4000)
        self.assertLess(bursts[0]["period_us"], 40000)
        self.assertGreaterEqual(bursts[1]["period_us"], 40000)
        # Each span covers its burst's samples, and the set-up between bursts is in neither.
        for b in bursts:
            self.assertLessEqual(before, b["t0"])
            self.assertLess(b["t0"], b["t1"])
            self.assertLessEqual(b["t1"], after)
        self.assertGreaterEqual(bursts[0]["t1"] - bursts[0]["t0"], 5 * 0.004)
        self.assertGreaterEqual(bursts[1]["t0"] - bursts[0]["t1"], 0.3)
        self.assertLess(bursts[1]["t0"] - bursts[0]["t1"], 0.7)

    def test_a_settle_idles_before_each_burst_only(self):
        bursts, _, _, _, before, _ = self.run_harness(settle_ms="400")
        # Before the first burst and between the two (0.3 s of set-up, then the settle).
        self.assertGreaterEqual(bursts[0]["t0"] - before, 0.4)
        self.assertGreaterEqual(bursts[1]["t0"] - bursts[0]["t1"], 0.7)
        # Not inside a burst: no sample's period holds the 400 ms settle.
        self.assertLess(bursts[0]["period_us"], 200000)
        self.assertLess(bursts[1]["period_us"], 200000)


if __name__ == "__main__":
    unittest.main()
