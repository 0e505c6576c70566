"""scripts/grouped_vs_deepgemm.py without a GPU: the `gemmtune run` it starts for each problem
(a stand-in records its arguments and answers as a run of the table's pick), the rest it gives
that run after its validation (--settle-ms), as DeepGEMM's harness rests before its burst, and
the pick's runs under kernel defines (--variants, --variant-rounds).
Run: python3 -m unittest discover -s tests/python
"""
import json
import os
import subprocess
import unittest

from stand_in import FakeGemmtuneCase

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SCRIPT = os.path.join(ROOT, "scripts", "grouped_vs_deepgemm.py")
CONFIG = "bm128_bn128_s4_mc0_sm132_rN8_sk1_gC"

FAKE_GEMMTUNE = r'''#!/usr/bin/env python3
import json, os, sys
args = sys.argv[1:]
with open(os.path.join(os.path.dirname(sys.argv[0]), "calls"), "a") as f:
    f.write(json.dumps(args) + "\n")
config = args[args.index("--config") + 1]
print(json.dumps({"measurements": [{"kind": "gemmtune", "config": config, "disposition": "passed",
                                    "timing": {"median_us": 10.0, "spread": 0.01},
                                    "validation": {}}]}))
'''

PROBLEM = {"label": "experts down", "layout": "contiguous", "n": 2048, "k": 768, "ms": [70, 0, 131]}


class ComparisonCase(FakeGemmtuneCase):
    """Runs the script on PROBLEM with a one-entry table and DeepGEMM at 11 us."""

    def compare(self, *extra):
        problems = os.path.join(self.folder, "problems.json")
        with open(problems, "w") as f:
            json.dump({"problems": [PROBLEM]}, f)
        table = os.path.join(self.folder, "table.json")
        with open(table, "w") as f:
            json.dump({"problems": [{"op": "grouped_contiguous", "n": 2048, "k": 768,
                                     "entries": [{"group_m": [70, 0, 131], "config": CONFIG}]}]}, f)
        dg = os.path.join(self.folder, "dg.jsonl")
        with open(dg, "w") as f:
            f.write(json.dumps(dict(PROBLEM, dg_us=11.0)) + "\n")
        out = os.path.join(self.folder, "out.jsonl")
        run = subprocess.run(["python3", SCRIPT, problems, self.bin, dg, dg, out, "--table", table,
                              "--baseline-timing", "none", *extra],
                             capture_output=True, text=True, cwd=ROOT, timeout=60)
        self.assertEqual(run.returncode, 0, run.stderr)
        with open(os.path.join(self.folder, "calls")) as f:
            calls = [json.loads(line) for line in f]
        with open(out) as f:
            rows = [json.loads(line) for line in f]
        return calls, rows


class GroupedComparisonTest(ComparisonCase):
    FAKE_GEMMTUNE = FAKE_GEMMTUNE

    def test_the_run_rests_as_long_as_asked_after_its_validation(self):
        calls, rows = self.compare("--settle-ms", "500")
        self.assertEqual(len(calls), 1)
        self.assertIn("--settle-ms", calls[0])
        self.assertEqual(calls[0][calls[0].index("--settle-ms") + 1], "500")
        self.assertEqual(rows[0]["gt_settle_ms"], 500)
        self.assertAlmostEqual(rows[0]["dg_over_gt"], 1.1)

    def test_without_a_settle_the_run_is_started_as_before(self):
        calls, rows = self.compare()
        self.assertNotIn("--settle-ms", calls[0])
        self.assertEqual(rows[0]["gt_settle_ms"], 0)


# A stand-in whose kernel define (GEMMTUNE_KERNEL_DEFINES) makes it 2 us slower, each call noted
# with that define.
FAKE_GEMMTUNE_VARIANTS = r'''#!/usr/bin/env python3
import json, os, sys
args = sys.argv[1:]
defines = os.environ.get("GEMMTUNE_KERNEL_DEFINES", "")
with open(os.path.join(os.path.dirname(sys.argv[0]), "calls"), "a") as f:
    f.write(json.dumps(defines) + "\n")
config = args[args.index("--config") + 1]
us = 12.0 if defines else 10.0
print(json.dumps({"measurements": [{"kind": "gemmtune", "config": config, "disposition": "passed",
                                    "timing": {"median_us": us, "spread": 0.01},
                                    "validation": {}}]}))
'''


class VariantRoundsTest(ComparisonCase):
    """--variants runs the pick under each kernel define, --variant-rounds times each (default 2)."""
    FAKE_GEMMTUNE = FAKE_GEMMTUNE_VARIANTS

    def test_each_variant_runs_as_many_rounds_as_asked(self):
        calls, rows = self.compare("--variants", "base=", "off=EXP_OFF", "--variant-rounds", "3")
        # 3 rounds of both variants, then the row's own run of the first (base).
        self.assertEqual(calls.count("EXP_OFF"), 3)
        self.assertEqual(calls.count(""), 4)
        self.assertEqual(calls[-1], "")
        self.assertEqual(rows[0]["variants"], {"base": 10.0, "off": 12.0})
        self.assertAlmostEqual(rows[0]["variant_dg_over_gt"]["off"], 11.0 / 12.0)

    def test_no_rounds_is_refused_in_one_line(self):
        run = subprocess.run(["python3", SCRIPT, "p.json", self.bin, "d1", "d2", "o.jsonl",
                              "--variant-rounds", "0"], capture_output=True, text=True,
                             cwd=self.folder, timeout=60)
        self.assertEqual(run.returncode, 2)
        self.assertIn("--variant-rounds 0: expected 1 or more", run.stderr)

    def test_two_rounds_by_default(self):
        calls, _ = self.compare("--variants", "base=", "off=EXP_OFF")
        self.assertEqual(calls.count("EXP_OFF"), 2)


if __name__ == "__main__":
    unittest.main()
