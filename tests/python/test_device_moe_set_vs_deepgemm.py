"""scripts/device_moe_set_vs_deepgemm.sh without a GPU: its plan, sweep and join steps with a
stand-in `gemmtune` (plan prints grouped problems, sweep writes a table or is stopped by the
deadline), the files they leave, and its early exits.
Run: python3 -m unittest discover -s tests/python
"""
import json
import os
import shutil
import subprocess
import unittest

from stand_in import FakeGemmtuneCase

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DRIVER = os.path.join(ROOT, "scripts", "device_moe_set_vs_deepgemm.sh")

FAKE_GEMMTUNE = r'''#!/usr/bin/env python3
import json, os, signal, sys, time
args = sys.argv[1:]
calls = os.path.join(os.path.dirname(sys.argv[0]), "calls")
with open(calls, "a") as f:
    f.write(" ".join(args) + "\n")
if args[0] == "plan":
    print(json.dumps({"shapes": {"path": args[args.index("--shapes") + 1]}, "problems": [
        {"label": "experts down", "op": "grouped_contiguous", "n": 2048, "k": 768,
         "group_m": [70, 0, 131]},
        {"label": "experts down", "op": "grouped_masked", "n": 2048, "k": 768,
         "group_m": [3, 9], "max_m": 64},
        {"label": "dense", "op": "fp8_gemm_nt", "m": 64, "n": 2048, "k": 768}]}))
    sys.exit(0)
if args[0] == "sweep":
    def interrupted(signum, frame):  # as the real sweep does: stop, write what it finished
        with open(calls, "a") as f:
            f.write("interrupted\n")
        sys.exit(130)
    signal.signal(signal.SIGINT, interrupted)
    if os.environ.get("FAKE_SWEEP_SLEEP_S"):
        time.sleep(float(os.environ["FAKE_SWEEP_SLEEP_S"]))
    out = args[args.index("--out") + 1]
    os.makedirs(out, exist_ok=True)
    shapes = json.load(open(args[args.index("--shapes") + 1]))
    with open(os.path.join(out, "tuning_table.json"), "w") as f:
        json.dump({"problems": [{"op": p["op"], "n": p["n"], "k": p["k"]}
                                for p in shapes["problems"]]}, f)
    sys.exit(0)
sys.exit(2)
'''

# One row of a comparison pass (scripts/device_grouped_vs_deepgemm.sh's grouped_cmp.jsonl).
PASS_ROW = {"label": "experts down g3 201 rows", "layout": "contiguous", "n": 2048, "k": 768,
            "ms": [70, 0, 131], "gt_us": 10.0, "gt_config": "bm128_bn128_s4_mc0_sm132_rG8_sk1_gC",
            "dg_us_passes": [11.0, 11.4], "dg_us": 11.2, "gt_worst_diff": 1e-6, "failed": {}}


class MoeSetDriverTest(FakeGemmtuneCase):
    FAKE_GEMMTUNE = FAKE_GEMMTUNE

    def setUp(self):
        super().setUp()
        self.out = os.path.join(self.folder, "out")
        self.shapes = os.path.join(ROOT, "configs", "moe-models.json")

    def run_driver(self, *args, **env):
        base = dict(os.environ, OUT=self.out, GEMMTUNE_BIN=self.bin)
        base.update(env)
        return subprocess.run(["bash", DRIVER, *args], capture_output=True, text=True, env=base,
                              timeout=120)

    def calls(self):
        with open(os.path.join(self.folder, "calls")) as f:
            return [line.split()[0] for line in f]

    def test_plan_and_sweep_leave_the_problems_their_shapes_and_a_table(self):
        result = self.run_driver(self.shapes, GEMMTUNE_STEPS="plan sweep")
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        with open(os.path.join(self.out, "problems.json")) as f:
            problems = json.load(f)["problems"]
        # The grouped problems only, each with the group sizes the plan drew.
        self.assertEqual([(p["layout"], p["ms"]) for p in problems],
                         [("contiguous", [70, 0, 131]), ("masked", [3, 9])])
        self.assertEqual(problems[1]["max_m"], 64)
        with open(os.path.join(self.out, "shapes.json")) as f:
            shapes = json.load(f)["problems"]
        self.assertEqual([(s["op"], s["groups"]) for s in shapes],
                         [("grouped_contiguous", [[70, 0, 131]]), ("grouped_masked", [[3, 9]])])
        self.assertTrue(os.path.isfile(os.path.join(self.out, "sweep", "tuning_table.json")))
        self.assertEqual(self.calls(), ["plan", "sweep"])

    def test_the_plan_does_not_write_through_a_symbolic_link(self):
        os.makedirs(self.out)
        target = os.path.join(self.folder, "elsewhere.json")
        os.symlink(target, os.path.join(self.out, "problems.json"))
        result = self.run_driver(self.shapes, GEMMTUNE_STEPS="plan")
        self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
        self.assertIn("problems.json: is a symbolic link", result.stdout)
        self.assertIn("plan failed", result.stdout)
        self.assertFalse(os.path.exists(target))

    def test_the_sweep_is_stopped_to_leave_the_passes_their_time(self):
        # The default pass of 230 s in a 235 s deadline leaves the sweep ~5 s: too little, so it is
        # skipped.
        result = self.run_driver(self.shapes, GEMMTUNE_STEPS="plan sweep", GEMMTUNE_DEADLINE_S="235")
        self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
        self.assertIn("sweep: SKIPPED", result.stdout)
        self.assertEqual(self.calls(), ["plan"])
        # With ~11 s for it, a sweep that would run on is stopped by SIGINT at its limit.
        result = self.run_driver(self.shapes, GEMMTUNE_STEPS="sweep", GEMMTUNE_DEADLINE_S="12",
                                 GEMMTUNE_PASSES="1", GEMMTUNE_PASS_S="1",
                                 FAKE_SWEEP_SLEEP_S="60")
        self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
        self.assertIn("sweep rc=124", result.stdout)
        self.assertEqual(self.calls(), ["plan", "sweep", "interrupted"])

    def test_join_tables_every_pass(self):
        for i in (1, 2):
            os.makedirs(os.path.join(self.out, f"pass{i}"))
            with open(os.path.join(self.out, f"pass{i}", "grouped_cmp.jsonl"), "w") as f:
                f.write(json.dumps(PASS_ROW) + "\n")
        with open(os.path.join(self.out, "problems.json"), "w") as f:
            json.dump({"problems": []}, f)
        result = self.run_driver(self.shapes, GEMMTUNE_STEPS="join")
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        with open(os.path.join(self.out, "table.md")) as f:
            table = f.read()
        self.assertIn("2 passes joined", table)
        self.assertIn("geomean **1.120** over 1", table)
        self.assertTrue(os.path.isfile(os.path.join(self.out, "table.jsonl")))

    def test_join_without_passes_and_bad_arguments_fail_with_a_reason(self):
        with open(os.path.join(self.folder, "calls"), "w"):
            pass
        os.makedirs(self.out)
        with open(os.path.join(self.out, "problems.json"), "w") as f:
            json.dump({"problems": []}, f)
        result = self.run_driver(self.shapes, GEMMTUNE_STEPS="join")
        self.assertEqual(result.returncode, 1)
        self.assertIn("join: no pass*/grouped_cmp.jsonl", result.stdout)
        self.assertFalse(os.path.exists(os.path.join(self.out, "table.md")))
        result = self.run_driver(os.path.join(self.folder, "missing.json"))
        self.assertEqual(result.returncode, 2)
        self.assertIn("usage:", result.stderr)
        result = self.run_driver(self.shapes, GEMMTUNE_PASSES="two")
        self.assertEqual(result.returncode, 2)
        self.assertIn("GEMMTUNE_PASSES=two", result.stderr)
        # No step without the plan's problems: a sweep alone needs them.
        shutil.rmtree(self.out)
        result = self.run_driver(self.shapes, GEMMTUNE_STEPS="sweep")
        self.assertEqual(result.returncode, 1)
        self.assertIn("run the plan step first", result.stdout)
        self.assertEqual(self.calls(), [])


if __name__ == "__main__":
    unittest.main()
