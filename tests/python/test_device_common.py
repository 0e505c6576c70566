"""scripts/device_common.sh's steps that need no GPU: dg_rested_card (the settle DeepGEMM's card gets
before each burst: 500 ms unless given, whole milliseconds or exit 2 naming the variable) and
compile_table_configs (every distinct config of the tables compiled once, by devbuild/gemmtune).
A stand-in devbuild/gemmtune notes its arguments; no GPU, no compiler.
Run: python3 -m unittest discover -s tests/python
"""
import json
import os
import subprocess
import unittest

from stand_in import FakeGemmtuneCase

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
COMMON = os.path.join(ROOT, "scripts", "device_common.sh")

# Appends its arguments, one call a line, to calls.txt beside it.
FAKE_GEMMTUNE = """#!/usr/bin/env python3
import os, sys
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "calls.txt"), "a") as f:
    f.write(" ".join(sys.argv[1:]) + "\\n")
"""


def table(configs_per_problem):
    return {"problems": [{"entries": [{"config": c} for c in configs]}
                         for configs in configs_per_problem]}


class DeviceCommonTest(FakeGemmtuneCase):
    FAKE_GEMMTUNE = FAKE_GEMMTUNE

    def source_and_run(self, snippet, **env):
        """Runs `source device_common.sh; SNIPPET` in self.folder (where devbuild/ is)."""
        full_env = {k: v for k, v in os.environ.items()
                    if k not in ("GEMMTUNE_DG_SETTLE_MS", "GEMMTUNE_GT_SETTLE_MS")}
        full_env.update(env)
        return subprocess.run(["bash", "-c", f'source "{COMMON}"; {snippet}'], cwd=self.folder,
                              env=full_env, capture_output=True, text=True, timeout=60)

    def test_rested_card_defaults_to_500_ms_and_keeps_a_given_value(self):
        result = self.source_and_run('dg_rested_card; echo "settle=$GEMMTUNE_DG_SETTLE_MS"')
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("settle=500", result.stdout)
        result = self.source_and_run('dg_rested_card; echo "settle=$GEMMTUNE_DG_SETTLE_MS"',
                                     GEMMTUNE_DG_SETTLE_MS="0")
        self.assertIn("settle=0", result.stdout)

    def test_gemmtune_rests_as_deepgemm_unless_given_its_own(self):
        show = 'dg_rested_card; echo "gt=$GEMMTUNE_GT_SETTLE_MS"'
        self.assertIn("gt=500", self.source_and_run(show).stdout)
        self.assertIn("gt=0", self.source_and_run(show, GEMMTUNE_DG_SETTLE_MS="0").stdout)
        self.assertIn("gt=0", self.source_and_run(show, GEMMTUNE_GT_SETTLE_MS="0").stdout)
        result = self.source_and_run("dg_rested_card; echo reached", GEMMTUNE_GT_SETTLE_MS="0.5")
        self.assertEqual(result.returncode, 2)
        self.assertIn("GEMMTUNE_GT_SETTLE_MS=0.5: expected whole milliseconds", result.stderr)

    def test_rested_card_refuses_a_settle_that_is_not_whole_milliseconds(self):
        for bad in ("0.5", "-1", "500ms"):
            result = self.source_and_run("dg_rested_card; echo reached", GEMMTUNE_DG_SETTLE_MS=bad)
            self.assertEqual(result.returncode, 2, bad)
            self.assertNotIn("reached", result.stdout)
            self.assertIn(f"GEMMTUNE_DG_SETTLE_MS={bad}: expected whole milliseconds", result.stderr)

    def test_each_distinct_config_of_the_tables_is_compiled_once(self):
        os.makedirs(os.path.join(self.folder, "devbuild"))
        os.rename(self.bin, os.path.join(self.folder, "devbuild", "gemmtune"))
        tables = {"a.json": table([["cfg_a", "cfg_b"], ["cfg_a"]]),
                  "b.json": table([["cfg_b", "cfg_c"]])}
        for name, doc in tables.items():
            with open(os.path.join(self.folder, name), "w") as f:
                json.dump(doc, f)
        result = self.source_and_run("compile_table_configs a.json b.json")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("configs of a.json b.json compiled: rc 0", result.stdout)
        with open(os.path.join(self.folder, "devbuild", "calls.txt")) as f:
            calls = sorted(f.read().splitlines())
        self.assertEqual(calls, [f"--log-level error compile --config {c}"
                                 for c in ("cfg_a", "cfg_b", "cfg_c")])


if __name__ == "__main__":
    unittest.main()
