"""scripts/dg_table.py: rows of one shape set timed with DeepGEMM given its scales two ways are two
tables, each headed with what DeepGEMM was given; untagged rows keep the set's name alone.
Run: python3 -m unittest discover -s tests/python
"""
import json
import os
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SCRIPT = os.path.join(ROOT, "scripts", "dg_table.py")


def row(m, gt_us, dg_us, **more):
    return dict(m=m, n=2112, k=7168, config="bm64_bn32_s16_mc0_sm132_rN8_sk1", gt_us=gt_us,
                dg_us=dg_us, dg_over_gt=dg_us / gt_us, **more)


class DgTableTest(unittest.TestCase):
    def render(self, rows):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "cmp.jsonl")
            with open(path, "w") as f:
                f.writelines(json.dumps(r) + "\n" for r in rows)
            p = subprocess.run([sys.executable, SCRIPT, path], capture_output=True, text=True,
                               timeout=60)
            self.assertEqual(p.returncode, 0, p.stderr)
            return p.stdout

    def test_each_way_deepgemm_was_given_its_scales_is_its_own_table(self):
        out = self.render([row(64, 10.0, 11.0, set="q", dg_scales="preconverted"),
                           row(64, 10.0, 13.0, set="q", dg_scales="tests"),
                           row(128, 10.0, 12.0, set="q", dg_scales="preconverted")])
        headers = [l for l in out.splitlines() if l.startswith("### ")]
        self.assertEqual(headers, [
            "### q: DeepGEMM given its activation scales pre-converted (its kernels' layout)",
            "### q: DeepGEMM given its tests' K-major activation scales (its call transposes them)"])
        first, second = out.split("### ")[1:]
        self.assertIn("2 of 2 rows timed on both sides; geometric mean **1.149**", first)
        self.assertIn("1 of 1 rows timed on both sides; geometric mean **1.300**", second)

    def test_untagged_rows_keep_the_set_name(self):
        out = self.render([row(64, 10.0, 11.0, set="q")])
        self.assertIn("### q\n", out)


if __name__ == "__main__":
    unittest.main()
