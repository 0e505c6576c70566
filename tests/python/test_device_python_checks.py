"""scripts/device_python_checks.sh without a GPU: its serving and regret steps with a stand-in
`gemmtune` (sweep writes a table, run answers a time, export fails as it does without a GPU),
the files it leaves, its deadline and its early exits.
Run: python3 -m unittest discover -s tests/python
"""
import hashlib
import json
import os
import subprocess
import unittest

from stand_in import FakeGemmtuneCase

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DRIVER = os.path.join(ROOT, "scripts", "device_python_checks.sh")

FAKE_GEMMTUNE = r'''#!/usr/bin/env python3
import json, os, sys
args = sys.argv[1:]
if args[:2] == ["--log-level", "error"]:
    args = args[2:]
with open(os.path.join(os.path.dirname(sys.argv[0]), "calls"), "a") as f:
    f.write(" ".join(args[:2] if args[0] == "export" else
                     args[:1] + (["--resume"] if "--resume" in args else [])) + "\n")
if args[0] == "devices":
    sys.exit(0)
if args[0] == "sweep":
    shapes = json.load(open(args[args.index("--shapes") + 1]))
    out = args[args.index("--out") + 1]
    os.makedirs(out, exist_ok=True)
    open(os.path.join(out, "runs.jsonl"), "a").close()
    problems = [{"label": p["label"], "op": "fp8_gemm_nt", "n": p["n"], "k": p["k"],
                 "entries": [{"m": m, "config": "bm64_bn%d_s8_mc0_sm132_rN8_sk1"
                                               % (64 if m < 100 or m == 333 else 128)}
                             for m in p["m"]]} for p in shapes["problems"] if "m" in p]
    problems += [{"label": p["label"], "op": p["op"], "groups": len(p["groups"]), "n": p["n"],
                  "k": p["k"], "entries": []} for p in shapes["problems"] if "groups" in p]
    with open(os.path.join(out, "tuning_table.json"), "w") as f:
        json.dump({"schema": "gemmtune.tuning_table/2", "problems": problems}, f)
    sys.exit(0)
if args[0] == "export":
    sys.exit(3)  # no GPU
if args[0] == "run":
    block_n = int(args[args.index("--config") + 1].split("_")[1][2:])
    print(json.dumps({"measurements": [{"disposition": "passed",
                                        "timing": {"median_us": 10 + block_n / 64}}]}))
    sys.exit(0)
sys.exit(2)
'''


def stamp(config_name, budget):
    """device_python_checks.sh's stamp of a sweep folder: the shape set's sha256 and the budget."""
    with open(os.path.join(ROOT, "configs", config_name), "rb") as f:
        return hashlib.sha256(f.read()).hexdigest() + " " + budget


class DriverTest(FakeGemmtuneCase):
    FAKE_GEMMTUNE = FAKE_GEMMTUNE

    def setUp(self):
        super().setUp()
        self.out = os.path.join(self.folder, "out")

    def run_driver(self, **env):
        base = dict(os.environ, OUT=self.out, GEMMTUNE_BIN=self.bin,
                    GEMMTUNE_WORK=os.path.join(self.folder, "work"),
                    GEMMTUNE_STEPS="serving regret", GEMMTUNE_REGRET_ROUNDS="1")
        base.update(env)
        return subprocess.run(["bash", DRIVER], capture_output=True, text=True, env=base)

    def test_serving_and_regret_leave_tables_and_the_regret(self):
        result = self.run_driver()
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        for name in ("serving-grid/tuning_table.json", "serving-offgrid/tuning_table.json",
                     "regret.jsonl", "regret.md", "python_checks.md", "python_checks.log"):
            self.assertTrue(os.path.isfile(os.path.join(self.out, name)), name)
        with open(os.path.join(self.out, "regret.jsonl")) as f:
            rows = [json.loads(line) for line in f]
        summary = rows.pop()
        # one row per (layer, off-grid M); an M also on the layer's grid is a control
        grid, offgrid = (json.load(open(os.path.join(ROOT, "configs", name)))["problems"]
                         for name in ("serving-grid.json", "serving-offgrid.json"))
        grid_ms = {(p["n"], p["k"]): set(p["m"]) for p in grid}
        off = [(p["n"], p["k"], m) for p in offgrid for m in p["m"]]
        self.assertEqual(len(rows), len(off))
        self.assertEqual(summary["rows"], sum(m not in grid_ms[(n, k)] for n, k, m in off))
        by_m = {r["m"]: r for r in rows if r["n"] == 7168 and r["k"] == 16384}
        self.assertEqual(by_m[333]["grid_m"], 384)
        self.assertAlmostEqual(by_m[333]["regret"], 12.0 / 11.0 - 1)  # bn128 for 384 vs bn64
        self.assertEqual(by_m[1000]["regret"], 0.0)
        self.assertIn("not checked against the dispatcher", result.stdout)
        with open(os.path.join(self.out, "python_checks.md")) as f:
            self.assertIn("## Regret of the serving grid", f.read())

    def test_an_interrupted_sweep_resumes_and_a_finished_one_is_reused(self):
        work = os.path.join(self.folder, "work")
        os.makedirs(os.path.join(work, "serving-grid"))
        open(os.path.join(work, "serving-grid", "runs.jsonl"), "w").close()
        open(os.path.join(work, "serving-grid.interrupted"), "w").close()
        with open(os.path.join(work, "serving-grid.stamp"), "w") as f:
            f.write(stamp("serving-grid.json", "default") + "\n")
        self.assertEqual(self.run_driver(GEMMTUNE_STEPS="serving").returncode, 0)
        self.assertEqual(self.run_driver(GEMMTUNE_STEPS="serving").returncode, 0)
        with open(os.path.join(self.folder, "calls")) as f:
            sweeps = [line.strip() for line in f if line.startswith("sweep")]
        # the grid resumed, the off-grid swept; the second run reuses both tables
        self.assertEqual(sweeps, ["sweep --resume", "sweep"])
        self.assertFalse(os.path.exists(os.path.join(work, "serving-grid.interrupted")))

    def test_a_table_of_another_shape_set_or_budget_is_swept_again(self):
        work = os.path.join(self.folder, "work")
        self.assertEqual(self.run_driver(GEMMTUNE_STEPS="serving").returncode, 0)
        with open(os.path.join(work, "serving-grid.stamp"), "w") as f:
            f.write("0123 default\n")  # as if the grid had changed since
        result = self.run_driver(GEMMTUNE_STEPS="serving", GEMMTUNE_SERVING_BUDGET="fast")
        self.assertEqual(result.returncode, 0, result.stdout)
        self.assertIn("serving-grid: " + os.path.join(work, "serving-grid") +
                      " was swept from another shape set or budget", result.stdout)
        with open(os.path.join(self.folder, "calls")) as f:
            sweeps = [line.strip() for line in f if line.startswith("sweep")]
        self.assertEqual(sweeps, ["sweep"] * 4)  # a new budget: both swept again
        with open(os.path.join(work, "serving-offgrid.stamp")) as f:
            self.assertEqual(f.read().strip(), stamp("serving-offgrid.json", "fast"))

    def test_the_moe_sweep_becomes_the_grouped_bundles_table(self):
        result = self.run_driver(GEMMTUNE_STEPS="moe export")
        self.assertEqual(result.returncode, 1, result.stdout + result.stderr)  # no GPU to export
        self.assertIn("the grouped bundle comes from", result.stdout)
        with open(os.path.join(self.folder, "calls")) as f:
            calls = [line.strip() for line in f if not line.startswith("devices")]
        moe_table = os.path.join(self.folder, "work", "moe", "tuning_table.json")
        self.assertEqual(len(calls), 3, calls)
        self.assertEqual(calls[0], "sweep")
        self.assertEqual(calls[1], "export results/h200-dense/tuning_table.json")
        self.assertEqual(calls[2], "export " + moe_table)
        self.assertTrue(os.path.isfile(os.path.join(self.out, "moe_sweep", "tuning_table.json")))

    def test_steps_past_the_deadline_are_skipped_and_fail_the_run(self):
        result = self.run_driver(GEMMTUNE_DEADLINE_S="10")
        self.assertEqual(result.returncode, 1)
        self.assertIn("serving-grid: SKIPPED", result.stdout)
        self.assertIn("regret: SKIPPED, a serving table is missing", result.stdout)

    def test_missing_prerequisites_exit_2_naming_them(self):
        result = self.run_driver(GEMMTUNE_BIN="/nonexistent")
        self.assertEqual(result.returncode, 2)
        self.assertIn("/nonexistent is missing or not executable", result.stdout)
        result = self.run_driver(GEMMTUNE_DENSE_TABLE="/nonexistent.json")
        self.assertEqual(result.returncode, 2)
        self.assertIn("/nonexistent.json not found", result.stdout)


if __name__ == "__main__":
    unittest.main()
