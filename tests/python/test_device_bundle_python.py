"""scripts/device_bundle_python.py's host-side parts without PyTorch or a GPU: which entries the
overhead step takes, the grouped entries' inputs, the checks' verdicts, the markdown, and the
early exits.
Run: python3 -m unittest discover -s tests/python
"""
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SCRIPT = os.path.join(ROOT, "scripts", "device_bundle_python.py")
GROUPED_TABLE = os.path.join(ROOT, "results", "h200-grouped", "tuning_table.json")

spec = importlib.util.spec_from_file_location("device_bundle_python", SCRIPT)
dbp = importlib.util.module_from_spec(spec)
spec.loader.exec_module(dbp)


def grouped_entries(path):
    """A tuning table's grouped entries as the bundle's manifest lists them."""
    with open(path) as f:
        table = json.load(f)
    return [{"layout": p["op"], "groups": p["groups"], "n": p["n"], "k": p["k"], "rows": e["m"],
             "group_m": e.get("group_m", []), "config": e["config"]}
            for p in table["problems"] if p["op"].startswith("grouped_")
            for e in p["entries"] if e.get("config")]


class EntriesTest(unittest.TestCase):
    def test_overhead_takes_the_smallest_m_of_every_layer_first(self):
        dense = [{"n": n, "k": k, "m": m, "config": "c"} for n, k in ((2112, 7168), (4096, 7168))
                 for m in (4096, 64, 128)]
        picked = dbp.overhead_entries(dense, 3)
        self.assertEqual([(e["n"], e["m"]) for e in picked], [(2112, 64), (4096, 64), (2112, 128)])
        self.assertEqual(len(dbp.overhead_entries(dense, 10)), 6)
        self.assertEqual(dbp.overhead_entries(dense, 0), [])

    def test_masked_calls_select_the_tuned_entry(self):
        entries = grouped_entries(GROUPED_TABLE)
        masked = [e for e in entries if e["layout"] == "grouped_masked"]
        self.assertGreater(len(masked), 10)
        for e in masked:
            rows = dbp.masked_expected_m(e) * e["groups"]
            same = sorted(x["rows"] for x in masked if (x["groups"], x["n"], x["k"]) ==
                          (e["groups"], e["n"], e["k"]))
            # the bundle's rule: the smallest tuned rows >= expected_m x groups
            self.assertEqual(next(r for r in same if r >= rows), e["rows"], e)

    def test_group_sizes_and_max_m_come_from_the_table(self):
        entries = grouped_entries(GROUPED_TABLE)
        for e in entries:
            self.assertEqual(sum(dbp.grouped_group_m(e)), e["rows"])
        self.assertEqual(dbp.grouped_group_m({"groups": 3, "rows": 10}), [4, 3, 3])
        max_m = dbp.table_max_m(GROUPED_TABLE)
        self.assertEqual(max_m[("grouped_masked", 32, 6144, 7168, 668)], 4096)
        self.assertEqual(max_m[("grouped_masked", 8, 7168, 2048, 400)], 256)
        self.assertNotIn(("grouped_contiguous", 8, 4096, 7168, 8853), max_m)


class VerdictTest(unittest.TestCase):
    def test_each_check_can_fail_the_entry(self):
        good = {"diff_ref": 1e-6, "diff_deepgemm": 0.0, "zero_copy_same": True,
                "graph_same": True}
        self.assertEqual(dbp.verdict(good), [])
        for key, bad in (("diff_ref", float("nan")), ("diff_ref", 2e-3),
                         ("diff_deepgemm", 5e-3), ("zero_copy_same", False),
                         ("graph_same", False)):
            self.assertNotEqual(dbp.verdict(dict(good, **{key: bad})), [], key)
        self.assertEqual(dbp.verdict({"error": "RuntimeError: x"}), ["RuntimeError: x"])
        self.assertNotEqual(dbp.verdict({}), [])  # nothing measured is no pass

    def test_markdown_has_a_row_per_entry_and_the_overhead_table(self):
        dense = {"kind": "dense", "label": "o_proj", "m": 64, "n": 7168, "k": 16384,
                 "config": "cfg", "selected": "cfg", "diff_ref": 1e-6, "graph_same": True,
                 "bundle_us": 40.0, "zero_copy_us": 37.0, "deepgemm_us": 46.0,
                 "deepgemm_preconverted_us": 44.4, "failed": []}
        masked = {"kind": "grouped_masked", "label": "moe", "groups": 8, "n": 4096, "k": 7168,
                  "rows": 500, "config": "a_gM", "selected": "b_gM", "graph_same": False,
                  "diff_ref": 1e-6, "bundle_us": 70.0, "failed": ["graph replay gave other bytes"]}
        overhead = {"kind": "overhead", "label": "o_proj", "m": 64, "n": 7168, "k": 16384,
                    "config": "cfg", "run_us": 37.0, "python_us": 37.2, "overhead_us": 0.2,
                    "overhead_rel": 0.2 / 37, "python_sfa_copy_us": 39.5, "host_us": 20.0,
                    "within_goal": True}
        md = dbp.markdown([dense, masked], [overhead], ["2 entries"])
        self.assertIn("| dense | o_proj | m=64 n=7168 k=16384 | cfg | 1.00e-06 |  | same | 40.0 | "
                      "37.0 | 46.0 | 44.4 | 1.150 | 1.200 |  | pass |", md)
        self.assertIn("a_gM (ran b_gM)", md)
        self.assertIn("FAIL: graph replay gave other bytes", md)
        self.assertIn("| o_proj | 64 | 7168 | 16384 | cfg | 37.00 | 37.20 | +0.20 | +0.5 | 39.50 | "
                      "20.0 | within |", md)
        self.assertIn("- 2 entries", md)
        overhead["host_parts_us"] = {"current_stream": 2.5, "ctypes_select": 1.1}
        self.assertIn("host 20.0us/call (current_stream 2.50us, ctypes_select 1.10us): within "
                      "the goal", dbp.overhead_line(overhead))
        self.assertIn("gemmtune run: exit 1", dbp.overhead_line(dict(overhead, error="gemmtune run: exit 1")))


class EarlyExitTest(unittest.TestCase):
    def run_script(self, *args):
        return subprocess.run([sys.executable, SCRIPT, *args], capture_output=True, text=True)

    def test_help_names_every_option(self):
        result = self.run_script("--help")
        self.assertEqual(result.returncode, 0, result.stderr)
        for option in ("--only", "--max-m-table", "--overhead", "--md", "--json", "--deadline-s"):
            self.assertIn(option, result.stdout)
        result = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "serving_regret.py"),
                                 "--help"], capture_output=True, text=True)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("--select-only", result.stdout)

    def test_prerequisites_fail_early_with_exit_2(self):
        result = self.run_script(tempfile.mkdtemp())
        self.assertEqual(result.returncode, 2)
        self.assertIn("has no manifest.json: not an exported bundle", result.stdout)
        result = self.run_script(tempfile.mkdtemp(), "--overhead", "2", "--gemmtune", "/nonexistent")
        self.assertEqual(result.returncode, 2)
        self.assertIn("--gemmtune /nonexistent is not an executable file", result.stdout)


if __name__ == "__main__":
    unittest.main()
