"""scripts/gemmtune_rested_run.sh: what it adds to the gemmtune command line a harness builds (a
stand-in gemmtune records its arguments).
Run: python3 -m unittest discover -s tests/python
"""
import json
import os
import subprocess
import unittest

from stand_in import FakeGemmtuneCase

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
WRAPPER = os.path.join(ROOT, "scripts", "gemmtune_rested_run.sh")

FAKE_GEMMTUNE = r'''#!/usr/bin/env python3
import json, os, sys
with open(os.path.join(os.path.dirname(sys.argv[0]), "calls"), "a") as f:
    f.write(json.dumps(sys.argv[1:]) + "\n")
'''

RUN = ["--log-level", "warn", "run", "--m", "64", "--n", "2112", "--k", "7168",
       "--config", "bm64_bn32_s12_mc0_sm132_rN8_sk1", "--timing", "call", "--json"]


class RestedRunTest(FakeGemmtuneCase):
    FAKE_GEMMTUNE = FAKE_GEMMTUNE

    def wrap(self, args, **env):
        full = dict(os.environ, GEMMTUNE_BIN=self.bin, **env)
        run = subprocess.run([WRAPPER, *args], env=full, capture_output=True, text=True, timeout=30)
        calls = []
        if os.path.exists(os.path.join(self.folder, "calls")):
            with open(os.path.join(self.folder, "calls")) as f:
                calls = [json.loads(line) for line in f]
        return run, calls

    def test_a_run_rests_as_long_as_deepgemm(self):
        run, calls = self.wrap(RUN, GEMMTUNE_GT_SETTLE_MS="500")
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertEqual(calls, [RUN + ["--settle-ms", "500"]])

    def test_other_commands_and_no_settle_pass_through_unchanged(self):
        self.wrap(["--version"], GEMMTUNE_GT_SETTLE_MS="500")
        self.wrap(RUN, GEMMTUNE_GT_SETTLE_MS="0")
        _, calls = self.wrap(RUN)
        self.assertEqual(calls, [["--version"], RUN, RUN])

    def test_without_a_binary_it_says_which_variable_is_missing(self):
        run = subprocess.run([WRAPPER, *RUN], env={"PATH": os.environ["PATH"]},
                             capture_output=True, text=True, timeout=30)
        self.assertNotEqual(run.returncode, 0)
        self.assertIn("GEMMTUNE_BIN", run.stderr)


if __name__ == "__main__":
    unittest.main()
