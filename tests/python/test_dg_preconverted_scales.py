"""scripts/dg_preconverted_scales.py: a harness run under it gives DeepGEMM's GEMM calls converted
activation scales, converted once per scale tensor (again for a new tensor, even one equal to the
last), with every other argument passed through; the harness's own arguments reach it.
A stand-in deep_gemm module records its calls; no PyTorch, no GPU.
Run: python3 -m unittest discover -s tests/python
"""
import json
import os
import subprocess
import sys
import textwrap
import unittest

from stand_in import stand_in_folder

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SCRIPT = os.path.join(ROOT, "scripts", "dg_preconverted_scales.py")

STAND_IN = textwrap.dedent("""
    calls = []
    conversions = []

    class Scales:
        def __init__(self, name):
            self.name = name

    def get_mn_major_tma_aligned_tensor(sfa):
        conversions.append(sfa.name)
        return Scales(sfa.name + "/mn")

    def _record(op):
        def call(a, b, d, *rest, **kwargs):
            calls.append([op, a[0], a[1].name, b, d, list(rest), kwargs])
        return call

    fp8_gemm_nt = _record("dense")
    m_grouped_fp8_gemm_nt_contiguous = _record("contiguous")
    m_grouped_fp8_gemm_nt_masked = _record("masked")
""")

HARNESS = textwrap.dedent("""
    import json, sys
    import deep_gemm
    s1, s2 = deep_gemm.Scales("s1"), deep_gemm.Scales("s1")  # equal names, two tensors
    for _ in range(3):
        deep_gemm.fp8_gemm_nt(("a", s1), "b", "d", disable_ue8m0_cast=True)
    deep_gemm.m_grouped_fp8_gemm_nt_contiguous(("a", s2), "b", "d", "layout")
    deep_gemm.m_grouped_fp8_gemm_nt_masked(("a", s2), "b", "d", "masked_m", 7)
    json.dump({"argv": sys.argv, "calls": deep_gemm.calls,
               "conversions": deep_gemm.conversions}, open(sys.argv[1], "w"))
""")


class PreconvertedScalesTest(unittest.TestCase):
    def run_harness(self):
        with stand_in_folder("deep_gemm", STAND_IN, HARNESS) as (d, harness):
            out = os.path.join(d, "out.json")
            env = dict(os.environ, PYTHONPATH=d, PYTHONDONTWRITEBYTECODE="1")
            p = subprocess.run([sys.executable, SCRIPT, harness, out, "extra"], env=env,
                               capture_output=True, text=True, timeout=60)
            self.assertEqual(p.returncode, 0, p.stderr)
            with open(out) as f:
                return json.load(f), p.stderr, harness, out

    def test_calls_get_converted_scales_and_their_other_arguments(self):
        doc, _, _, _ = self.run_harness()
        self.assertEqual(doc["calls"], [
            ["dense", "a", "s1/mn", "b", "d", [], {"disable_ue8m0_cast": True}],
            ["dense", "a", "s1/mn", "b", "d", [], {"disable_ue8m0_cast": True}],
            ["dense", "a", "s1/mn", "b", "d", [], {"disable_ue8m0_cast": True}],
            ["contiguous", "a", "s1/mn", "b", "d", ["layout"], {}],
            ["masked", "a", "s1/mn", "b", "d", ["masked_m", 7], {}]])

    def test_converts_once_per_tensor(self):
        doc, stderr, _, _ = self.run_harness()
        self.assertEqual(doc["conversions"], ["s1", "s1"])  # s1 once, then s2 (a new tensor)
        self.assertIn("5 DeepGEMM call(s) given pre-converted activation scales, 2 conversion(s)",
                      stderr)

    def test_the_harness_gets_its_own_arguments(self):
        doc, _, harness, out = self.run_harness()
        self.assertEqual(doc["argv"], [harness, out, "extra"])

    def test_no_script_is_a_usage_error(self):
        p = subprocess.run([sys.executable, SCRIPT], capture_output=True, text=True, timeout=60,
                           env=dict(os.environ, PYTHONPATH=ROOT))
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("usage: dg_preconverted_scales.py SCRIPT", p.stderr)


if __name__ == "__main__":
    unittest.main()
