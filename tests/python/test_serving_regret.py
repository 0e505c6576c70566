"""scripts/serving_regret.py without a GPU: its copy of the bundle's selection rule against the
dispatcher's own code (kernels/sm90_fp8_gemm_1d2d_bundle.h compiled with the system C++
compiler), on a committed tuning table, and a whole run with a stand-in `gemmtune`.
Run: python3 -m unittest discover -s tests/python
"""
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

from stand_in import FakeGemmtuneCase

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DENSE_TABLE = os.path.join(ROOT, "results", "h200-dense", "tuning_table.json")
SCRIPT = os.path.join(ROOT, "scripts", "serving_regret.py")


def load_script():
    spec = importlib.util.spec_from_file_location("serving_regret", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


sr = load_script()

# Entries the committed table lacks, each where a rule of the dispatcher decides: multicast B
# needs two m-blocks, a split-K kernel needs its tiles within the workspace's counters, a member
# compiled for one K runs that K split evenly, no empty last K split.
EXTRA_ENTRIES = [
    {"n": 4096, "k": 4096, "m": 256, "config": "bm128_bn128_s5_mcB_sm132_rN8_sk1"},
    {"n": 4096, "k": 4096, "m": 512, "config": "bm64_bn128_s8_mc0_sm132_rN8_sk1"},
    {"n": 4096, "k": 4096, "m": 1024, "config": "bm64_bn32_s8_mc0_sm132_rN8_sk4"},
    {"n": 4096, "k": 4096, "m": 4096, "config": "bm256_bn128_s3_mcA_sm132_rN8_sk1"},
    {"n": 256, "k": 640, "m": 64, "config": "bm64_bn128_s6_mcA_sm132_rN8_sk4"},
    {"n": 256, "k": 640, "m": 128, "config": "bm64_bn128_s6_mc0_sm132_rN8_sk2_k640"},
    {"n": 256, "k": 640, "m": 256, "config": "bm64_bn256_s4_mcA_sm132_rN8_sk1"},
    {"n": 8192, "k": 4096, "m": 64, "config": "bm64_bn64_s8_mc0_sm132_rN8_sk1"},
    {"n": 8192, "k": 4096, "m": 128, "config": "bm64_bn32_s8_mc0_sm132_rN8_sk2"},
]
# Entries with tuned times, where the prediction decides: 7168 x 16384 as on a serving grid (the
# M = 2048 entry serves 2049; a tile of 192 rows serves 333 as the 384 entry's), and an (n, k)
# with one untimed entry, which selects by tuned M alone.
TIMED_ENTRIES = [
    {"n": 7168, "k": 16384, "m": 256, "config": "bm128_bn112_s4_mc0_sm132_rN8_sk1", "median_us": 60.0},
    {"n": 7168, "k": 16384, "m": 384, "config": "bm192_bn112_s4_mc0_sm132_rN8_sk1", "median_us": 75.0},
    {"n": 7168, "k": 16384, "m": 512, "config": "bm256_bn112_s3_mcB_sm132_rN8_sk1", "median_us": 127.0},
    {"n": 7168, "k": 16384, "m": 2048, "config": "bm256_bn128_s3_mc0_sm132_rN8_sk1", "median_us": 330.0},
    {"n": 7168, "k": 16384, "m": 4096, "config": "bm256_bn128_s3_mcA_sm132_rN8_sk1", "median_us": 640.0},
    {"n": 6144, "k": 1024, "m": 64, "config": "bm64_bn64_s8_mc0_sm132_rN8_sk1", "median_us": 8.0},
    {"n": 6144, "k": 1024, "m": 256, "config": "bm128_bn128_s5_mc0_sm132_rN8_sk1"},
]
QUERY_MS = [1, 2, 3, 63, 64, 65, 77, 100, 127, 128, 129, 255, 256, 257, 333, 512, 1000, 1024,
            2049, 4096, 5000, 8192, 40000, 70000]


def dispatcher_picks(entries, queries):
    """select_kernel's answer (the config, or None) per (m, n, k) in `queries`, from a C++
    program that includes the dispatcher header; None when no compiler or CUDA header."""
    compiler = shutil.which(os.environ.get("CXX", "c++"))
    cuda_include = os.path.join(os.environ.get("CUDA_HOME", "/usr/local/cuda"), "include")
    if compiler is None or not os.path.isfile(os.path.join(cuda_include, "cuda.h")):
        return None
    configs = sorted({e["config"] for e in entries})
    multicast = {"0": "kNone", "A": "kA", "B": "kB"}
    kernels = []
    for c in configs:
        f = sr.parse_config(c)
        kernels.append(f'{{"{c}", "k", {{{f["block_m"]}, {f["block_n"]}, Multicast::'
                       f'{multicast[f["multicast"]]}, {f["split_k"]}, {f["num_sms"]}, 384, 0, 128, '
                       f'GroupLayout::kNone, {f["fixed_k"]}, 1}}}}')
    ordered = sorted(entries, key=lambda e: (e["n"], e["k"], e["m"]))
    rows = [f'{{{e["n"]}, {e["k"]}, {e["m"]}, {configs.index(e["config"])}, "", '
            f'{e.get("median_us") or 0!r}}}' for e in ordered]
    calls = "\n".join(f"  show(select_kernel(kTable, {m}, {n}, {k}));" for m, n, k in queries)
    source = f"""#include "sm90_fp8_gemm_1d2d_bundle.h"
#include <cstdio>
using namespace gemmtune::sm90_fp8_gemm_1d2d;
constexpr BundleKernel kKernels[] = {{{", ".join(kernels)}}};
constexpr BundleEntry kEntries[] = {{{", ".join(rows)}}};
constexpr BundleGroupedEntry kGrouped[] = {{{{GroupLayout::kContiguous, 0, 0, 0, 0, 0, ""}}}};
constexpr BundleTable kTable = {{kKernels, {len(kernels)}, kEntries, {len(rows)}, kGrouped, 0}};
void show(int32_t i) {{ std::printf("%s\\n", i < 0 ? "-" : kKernels[i].config); }}
int main() {{
{calls}
}}
"""
    folder = tempfile.mkdtemp()
    try:
        with open(os.path.join(folder, "select.cpp"), "w") as f:
            f.write(source)
        binary = os.path.join(folder, "select")
        build = subprocess.run([compiler, "-std=c++17", "-I", os.path.join(ROOT, "kernels"),
                                "-I", cuda_include, os.path.join(folder, "select.cpp"), "-o",
                                binary], capture_output=True, text=True)
        if build.returncode != 0:
            raise AssertionError(f"the selection program does not build:\n{build.stderr[-3000:]}")
        out = subprocess.run([binary], capture_output=True, text=True, check=True).stdout.split()
        return [None if x == "-" else x for x in out]
    finally:
        shutil.rmtree(folder)


class SelectionRuleTest(unittest.TestCase):
    def test_the_rule_equals_the_dispatchers_on_every_query(self):
        entries = sr.dense_entries(DENSE_TABLE) + EXTRA_ENTRIES + TIMED_ENTRIES
        pairs = sorted({(e["n"], e["k"]) for e in entries}) + [(1024, 1024)]  # (n, k) untuned
        queries = [(m, n, k) for n, k in pairs for m in QUERY_MS]
        expected = dispatcher_picks(entries, queries)
        if expected is None:
            self.skipTest("no C++ compiler or no cuda.h")
        got = [(lambda e: e and e["config"])(sr.select(entries, m, n, k)) for m, n, k in queries]
        mismatches = [(q, g, e) for q, g, e in zip(queries, got, expected) if g != e]
        self.assertEqual(mismatches, [])
        # The extra entries reach the rules (answers other than "smallest M >= m, else largest").
        self.assertEqual(got[queries.index((100, 4096, 4096))], "bm64_bn128_s8_mc0_sm132_rN8_sk1")
        self.assertEqual(got[queries.index((8192, 8192, 4096))], "bm64_bn32_s8_mc0_sm132_rN8_sk2")
        self.assertEqual(got[queries.index((40000, 8192, 4096))], "bm64_bn64_s8_mc0_sm132_rN8_sk1")
        self.assertIsNone(got[queries.index((64, 256, 640))])

    def test_between_grid_points_the_next_tuned_m_serves(self):
        entries = sr.dense_entries(DENSE_TABLE)
        by_m = {e["m"]: e["config"] for e in entries if (e["n"], e["k"]) == (7168, 16384)}
        self.assertEqual(sr.select(entries, 77, 7168, 16384)["config"], by_m[128])
        self.assertEqual(sr.select(entries, 1, 7168, 16384)["config"], by_m[64])
        self.assertEqual(sr.select(entries, 5000, 7168, 16384)["config"], by_m[4096])
        self.assertIsNone(sr.select(entries, 64, 1024, 1024))

    def test_between_timed_entries_the_predicted_fastest_serves(self):
        def pick(m, n=7168, k=16384):
            return sr.select(TIMED_ENTRIES, m, n, k)["m"]
        self.assertEqual(pick(2049), 2048)  # 9 m-blocks of 256 fit 4 waves, as 8 do
        self.assertEqual(sr.select_next_up(TIMED_ENTRIES, 2049, 7168, 16384)["m"], 4096)
        self.assertEqual(pick(333), 384)    # 2 tiles of 192 rows; 3 of 128 add a wave
        self.assertEqual(pick(512), 512)    # a tuned M: its own entry, whatever the prediction
        self.assertEqual(pick(3000), 2048)
        self.assertEqual(pick(1), 256)
        # one untimed entry of the (n, k): by tuned M alone
        self.assertEqual(sr.select(TIMED_ENTRIES, 65, 6144, 1024)["m"], 256)
        self.assertEqual(sr.select(TIMED_ENTRIES, 300, 6144, 1024)["m"], 256)

    def test_rules_skip_entries_whose_kernel_cannot_run_the_shape(self):
        # multicast B at m = 100 has one 128-row block: the M = 256 entry is skipped for M = 512's
        self.assertEqual(sr.select(EXTRA_ENTRIES, 100, 4096, 4096)["m"], 512)
        self.assertEqual(sr.select(EXTRA_ENTRIES, 200, 4096, 4096)["m"], 256)
        # split-K 2 with 256 n-tiles: past 65536 tiles (m > 16384) the kernel is skipped
        self.assertEqual(sr.select(EXTRA_ENTRIES, 16384, 8192, 4096)["m"], 128)
        self.assertEqual(sr.select(EXTRA_ENTRIES, 16385, 8192, 4096)["m"], 64)
        # an empty last K split, a K that does not split evenly, multicast A on one n-tile
        self.assertIsNone(sr.select(EXTRA_ENTRIES, 64, 256, 640))

    def test_bad_config_names_are_refused(self):
        for name in ("bm128_bn128", "bm128_bn128_s5_mcC_sm132_rN8_sk1", "x"):
            with self.assertRaises(ValueError):
                sr.parse_config(name)
        self.assertEqual(sr.parse_config("bm64_bn32_s12_mc0_sm132_rN8_sk2_k7168")["fixed_k"], 7168)
        nbo = sr.parse_config("bm128_bn160_s4_mcA_sm124_rG8_sk1_nbo_l2n_k7168_gC")
        self.assertEqual((nbo["block_m"], nbo["num_sms"], nbo["fixed_k"]), (128, 124, 7168))


FAKE_GEMMTUNE = r'''#!/usr/bin/env python3
# A stand-in for `gemmtune run ... --json`: the time is a function of the config's block_n.
import json, sys
args = sys.argv
config = args[args.index("--config") + 1]
with open(args[0] + ".calls", "a") as f:
    f.write(config + "\n")
if "_bn96_" in config:
    print(json.dumps({"measurements": [{"disposition": "incorrect", "reason": "diff 1.0"}]}))
    sys.exit(1)
block_n = int(config.split("_")[1][2:])
print(json.dumps({"measurements": [{"disposition": "passed",
                                    "timing": {"median_us": 10.0 + block_n / 64.0}}]}))
'''


def read_text(path):
    with open(path) as f:
        return f.read()


def read_jsonl(path):
    return [json.loads(line) for line in read_text(path).splitlines()]


def table(entries):
    problems = {}
    for n, k, m, config in entries:
        problems.setdefault((n, k), []).append({"m": m, "config": config})
    return {"schema": "gemmtune.tuning_table/2", "problems": [
        {"label": f"layer {n}x{k}", "op": "fp8_gemm_nt", "n": n, "k": k, "entries": es}
        for (n, k), es in problems.items()]}


class RegretRunTest(FakeGemmtuneCase):
    FAKE_GEMMTUNE = FAKE_GEMMTUNE

    def write(self, name, doc):
        path = os.path.join(self.folder, name)
        with open(path, "w") as f:
            json.dump(doc, f)
        return path

    def run_script(self, *args):
        return subprocess.run([sys.executable, SCRIPT, *args], capture_output=True, text=True)

    def test_regret_per_row_geomean_worst_and_controls(self):
        grid = self.write("grid.json", table([
            (4096, 7168, 64, "bm64_bn64_s8_mc0_sm132_rN8_sk1"),
            (4096, 7168, 128, "bm64_bn128_s8_mc0_sm132_rN8_sk1")]))
        offgrid = self.write("offgrid.json", table([
            (4096, 7168, 3, "bm64_bn64_s8_mc0_sm132_rN8_sk1"),     # same config: 0, untimed
            (4096, 7168, 77, "bm64_bn64_s8_mc0_sm132_rN8_sk1"),    # grid: bn128, 12 vs 11 us
            (4096, 7168, 128, "bm64_bn128_s8_mc0_sm132_rN8_sk1"),  # on the grid: a control
            (1024, 1024, 64, "bm64_bn64_s8_mc0_sm132_rN8_sk1")]))  # never tuned on the grid
        out_json = os.path.join(self.folder, "regret.jsonl")
        out_md = os.path.join(self.folder, "regret.md")
        result = self.run_script(grid, offgrid, "--gemmtune", self.bin, "--rounds", "3",
                                 "--json", out_json, "--md", out_md)
        self.assertEqual(result.returncode, 1, result.stderr)  # the untuned (n, k) fails the run
        rows = read_jsonl(out_json)
        by_m = {(r.get("n"), r.get("m")): r for r in rows if r.get("kind") == "regret"}
        self.assertEqual(by_m[(4096, 3)]["regret"], 0.0)
        self.assertTrue(by_m[(4096, 3)]["same_config"])
        self.assertAlmostEqual(by_m[(4096, 77)]["regret"], 12.0 / 11.0 - 1)
        self.assertEqual(by_m[(4096, 77)]["grid_m"], 128)
        self.assertEqual(len(by_m[(4096, 77)]["grid_rounds_us"]), 3)
        self.assertTrue(by_m[(4096, 128)]["control"])
        self.assertIn("does not cover", by_m[(1024, 64)]["error"])
        summary = rows[-1]
        self.assertEqual(summary["kind"], "summary")
        self.assertEqual(summary["rows"], 2)  # 3 and 77; the control and the error left out
        self.assertAlmostEqual(summary["worst_regret"], 12.0 / 11.0 - 1)
        self.assertAlmostEqual(summary["geomean_regret"], (12.0 / 11.0) ** 0.5 - 1)
        self.assertFalse(summary["goal_met"])
        md = read_text(out_md)
        self.assertIn("| layer 4096x7168 | 4096 | 7168 | 77 | 128 |", md)
        self.assertIn("0 (same config)", md)
        self.assertIn("none (not covered)", md)
        calls = read_text(self.bin + ".calls").split()
        # alternating: grid, exact, then exact, grid, then grid, exact; the control is timed too
        # only when its two picks differ (here they do not)
        self.assertEqual(calls[:6], ["bm64_bn128_s8_mc0_sm132_rN8_sk1",
                                     "bm64_bn64_s8_mc0_sm132_rN8_sk1",
                                     "bm64_bn64_s8_mc0_sm132_rN8_sk1",
                                     "bm64_bn128_s8_mc0_sm132_rN8_sk1",
                                     "bm64_bn128_s8_mc0_sm132_rN8_sk1",
                                     "bm64_bn64_s8_mc0_sm132_rN8_sk1"])
        self.assertEqual(len(calls), 6)

    def test_a_failing_run_is_recorded_and_the_rest_goes_on(self):
        grid = self.write("grid.json", table([(4096, 7168, 128, "bm64_bn128_s8_mc0_sm132_rN8_sk1")]))
        offgrid = self.write("offgrid.json", table([
            (4096, 7168, 77, "bm64_bn64_s8_mc0_sm132_rN8_sk1"),
            (4096, 7168, 100, "bm64_bn96_s8_mc0_sm132_rN8_sk1"),   # the stand-in fails bn96
            (4096, 7168, 110, "bm64_bn32_s8_mc0_sm132_rN8_sk1")]))
        out_json = os.path.join(self.folder, "r.jsonl")
        result = self.run_script(grid, offgrid, "--gemmtune", self.bin, "--rounds", "1",
                                 "--json", out_json)
        self.assertEqual(result.returncode, 1, result.stderr)
        rows = read_jsonl(out_json)[:-1]
        self.assertAlmostEqual(rows[0]["regret"], 12.0 / 11.0 - 1)
        self.assertIn("exact pick: bm64_bn96_s8_mc0_sm132_rN8_sk1: incorrect: diff 1.0",
                      rows[1]["error"])
        self.assertAlmostEqual(rows[2]["regret"], 12.0 / 10.5 - 1)

    def test_select_only_needs_no_binary_and_bad_input_is_exit_2(self):
        result = self.run_script(DENSE_TABLE, DENSE_TABLE, "--select-only",
                                 "--gemmtune", "/nonexistent")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("| q_b | 24576 | 1536 | 64 (control) | 64 |", result.stdout)
        result = self.run_script(DENSE_TABLE, DENSE_TABLE, "--gemmtune", "/nonexistent")
        self.assertEqual(result.returncode, 2)
        self.assertIn("--gemmtune /nonexistent is not an executable file", result.stderr)
        bad = self.write("bad.json", {"schema": "other"})
        result = self.run_script(bad, DENSE_TABLE, "--select-only")
        self.assertEqual(result.returncode, 2)
        self.assertIn("expected a gemmtune.tuning_table", result.stderr)


if __name__ == "__main__":
    unittest.main()
