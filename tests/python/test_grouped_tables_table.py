"""scripts/grouped_tables_table.py: two grouped tables' run beside DeepGEMM joined into rows and a
markdown table (DeepGEMM's time the mean of its passes, geomeans per layout and over all rows,
the same-config rows counted at 1), and rows missing a side left out.
Run: python3 -m unittest discover -s tests/python
"""
import json
import os
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SCRIPT = os.path.join(ROOT, "scripts", "grouped_tables_table.py")


def problem(layout, ms, **more):
    return dict(layout=layout, n=4096, k=7168, ms=ms, **more)


class GroupedTablesTableTest(unittest.TestCase):
    def write(self, directory, name, rows):
        path = os.path.join(directory, name)
        with open(path, "w") as f:
            f.writelines(json.dumps(r) + "\n" for r in rows)
        return path

    def test_joins_the_passes_and_computes_the_geomeans(self):
        with tempfile.TemporaryDirectory() as d:
            a, b = "old.json", "new.json"
            run = self.write(d, "run.jsonl", [
                problem("contiguous", [100, 200], table_config={a: "A1_gC", b: "B1_gC"},
                        table_us={a: 110.0, b: 100.0}),
                problem("masked", [5, 7], table_config={a: "A2_gM", b: "B2_gM"},
                        table_us={a: 50.0, b: 40.0}),
                # no time for table B (its config failed): left out
                problem("masked", [9], table_config={a: "A3_gM", b: "B3_gM"},
                        table_us={a: 50.0, b: None})])
            dg1 = self.write(d, "dg1.jsonl", [problem("contiguous", [100, 200], dg_us=120.0),
                                             problem("masked", [5, 7], dg_us=60.0),
                                             problem("masked", [9], dg_us=60.0)])
            dg2 = self.write(d, "dg2.jsonl", [problem("contiguous", [100, 200], dg_us=100.0)])
            out = os.path.join(d, "joined.jsonl")
            md = subprocess.run([sys.executable, SCRIPT, run, dg1, dg2, a, b, "--names", "old",
                                 "new", "--same", "2", "--json", out],
                                capture_output=True, text=True, check=True).stdout
            with open(out) as f:
                rows = [json.loads(line) for line in f]
        self.assertEqual(len(rows), 2)
        self.assertEqual(rows[0]["dg_us"], 110.0)  # the mean of both passes
        self.assertEqual(rows[1]["dg_us"], 60.0)   # one pass only
        self.assertAlmostEqual(rows[0]["dg_over_b"], 1.1)
        self.assertAlmostEqual(rows[1]["a_over_b"], 1.25)
        self.assertIn("| contiguous (1) | 1.000 | 1.100 | 1.100 |", md)
        self.assertIn("| masked (1) | 1.200 | 1.500 | 1.250 |", md)
        # all rows: sqrt(1.1 * 1.25); with the 2 same-config rows at 1: (1.1 * 1.25) ** (1/4)
        self.assertIn(f"| all (2) | {(1.0 * 1.2) ** 0.5:.3f} | {(1.1 * 1.5) ** 0.5:.3f} | "
                      f"{(1.1 * 1.25) ** 0.5:.3f} |", md)
        self.assertIn(f"| all 4 (same config = 1) | | | {(1.1 * 1.25) ** 0.25:.4f} |", md)
        self.assertIn("Rows below 1.00 beside DeepGEMM: old 0, new 0.", md)
        self.assertIn("`A1_gC` | `B1_gC` |", md)


if __name__ == "__main__":
    unittest.main()
