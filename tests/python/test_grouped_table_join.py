"""scripts/grouped_table_join.py: passes joined into one table headed with what DeepGEMM was given
(untagged rows: its tests' scales), passes timed two ways refused, a row without cuBLASLt
printed whole, geomeans per band of rows a group, the bound the stream floor puts on the ratio,
and each row's tensor-core roof.
Run: python3 -m unittest discover -s tests/python
"""
import json
import os
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SCRIPT = os.path.join(ROOT, "scripts", "grouped_table_join.py")


def row(gt_us, dg_us, **more):
    return {**dict(label="r1", layout="contiguous", n=4096, k=7168, ms=[100, 200], gt_us=gt_us,
                   gt_config="bm128_bn192_s4_mc0_sm132_rN8_sk1_gC", dg_us_passes=[dg_us, dg_us],
                   dg_over_gt=dg_us / gt_us), **more}


class GroupedTableJoinTest(unittest.TestCase):
    def run_join(self, *passes, json_out=None, args=()):
        with tempfile.TemporaryDirectory() as d:
            paths = []
            for i, rows in enumerate(passes):
                paths.append(os.path.join(d, f"p{i}.jsonl"))
                with open(paths[-1], "w") as f:
                    f.writelines(json.dumps(r) + "\n" for r in rows)
            extra = ["--json", json_out(d)] if json_out is not None else []
            p = subprocess.run([sys.executable, SCRIPT, *paths, *extra, *args], capture_output=True,
                               text=True, timeout=60)
            out = extra[1] if extra else None
            p.json_rows = ([json.loads(l) for l in open(out)]
                           if out and not os.path.islink(out) and os.path.exists(out) else None)
            return p

    def test_header_says_what_deepgemm_was_given_and_rows_are_whole(self):
        p = self.run_join([row(100.0, 110.0, dg_scales="preconverted")],
                          [row(100.0, 130.0, dg_scales="preconverted")])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("DeepGEMM was given its activation scales pre-converted", p.stdout)
        self.assertIn("| r1 | contiguous | 2 | 4096 x 7168 | 300 | 100.0 | "
                      "bm128_bn192_s4_mc0_sm132_rN8_sk1_gC | 120.0 | **1.200** | 1.100 1.300 | - | - |",
                      p.stdout)

    def test_untagged_rows_had_the_tests_scales(self):
        p = self.run_join([row(100.0, 110.0)])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("DeepGEMM was given its tests' K-major activation scales", p.stdout)

    def test_passes_timed_two_ways_are_refused(self):
        p = self.run_join([row(100.0, 110.0, dg_scales="preconverted")], [row(100.0, 110.0)])
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("gave DeepGEMM its scales in different ways (preconverted, tests", p.stderr)

    def test_geomeans_per_band_of_rows_a_group(self):
        small = row(100.0, 120.0, dg_scales="preconverted", ms=[60, 70])
        mid = row(100.0, 90.0, dg_scales="preconverted", ms=[250, 260], label="r2")
        p = self.run_join([small, mid])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("- joined, contiguous, <= 128 rows a group: geomean **1.200** over 1", p.stdout)
        self.assertIn("- joined, contiguous, <= 1024 rows a group: geomean **0.900** over 1", p.stdout)
        self.assertNotIn("> 1024 rows a group", p.stdout)
        self.assertNotIn("stream floor", p.stdout)  # no pass measured one

    def test_stream_floor_bounds_the_ratio(self):
        # DeepGEMM at 1.2x and 1.1x its floors: a kernel at the floor would be sqrt(1.32) ahead.
        a = row(100.0, 120.0, dg_scales="preconverted", ms=[60, 70], floor_us=100.0)
        b = row(50.0, 55.0, dg_scales="preconverted", ms=[60, 64], label="r2", floor_us=50.0)
        p = self.run_join([a, b], [dict(b, floor_us=None)])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("- contiguous, stream floor (2 rows): gemmtune at 1.000x its floor, DeepGEMM "
                      "at 1.149x: a kernel at the floor on every row would be **1.149**x DeepGEMM "
                      "at most", p.stdout)
        self.assertIn("| floor µs | gemmtune / floor | DeepGEMM / floor |", p.stdout)
        self.assertIn("| 100.0 | 1.00 | 1.20 |", p.stdout)
        self.assertIn("| 50.0 | 1.00 | 1.10 |", p.stdout)  # the pass without a floor left out

    def test_tensor_core_roof_and_floor_plus_roof(self):
        # 2 x 64 x 128 x 128 FLOPs at 8192 a clock on 1 SM at 1 MHz: 256 µs.
        a = row(256.0, 512.0, dg_scales="preconverted", ms=[64], n=128, k=128, floor_us=256.0)
        p = self.run_join([a], args=["--sms", "1", "--mhz", "1"])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("- contiguous, tensor-core roof at 1 MHz on 1 SMs (1 rows): gemmtune at "
                      "1.000x its roof, DeepGEMM at 2.000x; over floor + roof gemmtune at 0.500x, "
                      "DeepGEMM at 1.000x", p.stdout)
        self.assertIn("| MMA roof µs | gemmtune / roof | DeepGEMM / roof |", p.stdout)
        self.assertIn("| 256.0 | 1.00 | 2.00 | 256.0 | 1.00 | 2.00 |", p.stdout)
        # Without a floor the roof stands alone; at the default SMs and clock (H200 SXM top clock).
        p = self.run_join([row(100.0, 110.0)])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("tensor-core roof at 1980 MHz on 132 SMs (1 rows): gemmtune at 12.154x its "
                      "roof, DeepGEMM at 13.369x\n", p.stdout)
        self.assertIn("| 8.2 | 12.15 | 13.37 |", p.stdout)
        p = self.run_join([a], args=["--mhz", "0"])
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("--sms and --mhz must be positive", p.stderr)

    def test_json_is_written_whole_and_never_through_a_link(self):
        def link(d):
            os.symlink(os.path.join(d, "elsewhere"), os.path.join(d, "out.jsonl"))
            return os.path.join(d, "out.jsonl")
        p = self.run_join([row(100.0, 110.0)], json_out=link)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("--json", p.stderr)
        self.assertIn("symbolic link", p.stderr)
        self.assertNotIn("Traceback", p.stderr)
        self.assertIsNone(p.json_rows)  # nothing was written through the link
        p = self.run_join([row(100.0, 110.0)], json_out=lambda d: os.path.join(d, "out.jsonl"))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual([(r["label"], r["gt_us"]) for r in p.json_rows], [("r1", 100.0)])


if __name__ == "__main__":
    unittest.main()
