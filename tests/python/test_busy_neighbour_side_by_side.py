"""scripts/busy_neighbour.py and busy_neighbour_side_by_side.py without PyTorch or a GPU: the
neighbour's NVRTC compile (skipped without NVRTC), its start/stop protocol against a stand-in for
libcuda whose "kernel" is a thread that follows busy_neighbour.cu's parameters, the phase
schedule, the row's numbers, the summary and the markdown, and the early exits.
Run: python3 -m unittest discover -s tests/python
"""
import ctypes
import importlib.util
import os
import subprocess
import sys
import tempfile
import threading
import time
import types
import unittest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SCRIPTS = os.path.join(ROOT, "scripts")
SCRIPT = os.path.join(SCRIPTS, "busy_neighbour_side_by_side.py")
sys.path.insert(0, SCRIPTS)
import busy_neighbour as bn  # noqa: E402

spec = importlib.util.spec_from_file_location("busy_neighbour_side_by_side", SCRIPT)
side = importlib.util.module_from_spec(spec)
spec.loader.exec_module(side)

OPTIN_SMEM = 232448  # H100/H200 opt-in shared memory per block
STATIC_SMEM = 4


def nvrtc_available():
    try:
        bn.load_nvrtc()
        return True
    except bn.NeighbourError:
        return False


class FakeCuda:
    """libcuda's calls as BusyNeighbour makes them. cuLaunchKernel decodes the parameters in
    busy_neighbour.cu's order and starts a thread per launch that acts as the kernel: each block
    writes its SM id, then counts slice copies until the stop flag is 1."""

    def __init__(self, stalled_blocks=0, ignores_flag=False):
        self.stalled_blocks, self.ignores_flag = stalled_blocks, ignores_flag
        self.host, self.freed, self.launches = [], [], []
        self.kernel = None
        self.dynamic_smem_limit = None
        self.stream_flags = None

    @staticmethod
    def out(ref, value):
        ref._obj.value = value
        return 0

    def cuCtxGetCurrent(self, p):
        return self.out(p, 0x1000)

    def cuCtxGetDevice(self, p):
        return self.out(p, 0)

    def cuDriverGetVersion(self, p):
        return self.out(p, 13000)

    def cuDeviceGetAttribute(self, p, attribute, device):
        return self.out(p, {16: 132, 19: 1, 97: OPTIN_SMEM}[attribute])

    def cuModuleLoadData(self, p, image):
        assert image[:4] == b"\x7fELF", "not a cubin"
        return self.out(p, 0x2000)

    def cuModuleGetFunction(self, p, module, name):
        assert name == b"busy_neighbour"
        return self.out(p, 0x3000)

    def cuFuncGetAttribute(self, p, attribute, function):
        return self.out(p, {0: 1024, 1: STATIC_SMEM, 4: 44}[attribute])

    def cuFuncSetAttribute(self, function, attribute, value):
        assert attribute == 8
        self.dynamic_smem_limit = value
        return 0

    def cuStreamCreate(self, p, flags):
        self.stream_flags = flags
        return self.out(p, 0x4000)

    def cuMemAlloc_v2(self, p, nbytes):
        return self.out(p, 0x10000000 + len(self.freed) * nbytes)

    def cuMemHostAlloc(self, p, nbytes, flags):
        assert flags == 2  # DEVICEMAP
        buffer = ctypes.create_string_buffer(nbytes)
        self.host.append(buffer)
        return self.out(p, ctypes.addressof(buffer))

    def cuMemHostGetDevicePointer_v2(self, p, host, flags):
        return self.out(p, host.value)  # unified addressing: the same address

    def cuLaunchKernel(self, function, gx, gy, gz, bx, by, bz, smem, stream, params, extra):
        values = [ctypes.cast(params[i], ctypes.POINTER(ctypes.c_uint64)).contents.value
                  for i in range(8)]
        src, dst, slice_vectors, stop_flag, progress, sm_ids, exit_reasons, max_ns = values
        self.launches.append({"grid": (gx, gy, gz), "block": (bx, by, bz), "smem": smem,
                              "slice_vectors": slice_vectors, "max_ns": max_ns, "dst": dst})
        stop = ctypes.c_int.from_address(stop_flag)
        copies = (ctypes.c_uint64 * gx).from_address(progress)
        sms = (ctypes.c_uint32 * gx).from_address(sm_ids)
        reasons = (ctypes.c_int * gx).from_address(exit_reasons)

        def kernel():
            for b in range(gx):
                sms[b] = 2 * b
            while self.ignores_flag or stop.value != 1:
                for b in range(gx - self.stalled_blocks):
                    copies[b] += 1
                time.sleep(1e-3)
            for b in range(gx):
                reasons[b] = 1
        self.kernel = threading.Thread(target=kernel, daemon=True)
        self.kernel.start()
        return 0

    def cuStreamQuery(self, stream):
        return 600 if self.kernel is not None and self.kernel.is_alive() else 0

    def cuGetErrorName(self, status, p):
        return self.out(p, b"CUDA_ERROR_FAKE")

    def _free(self, name):
        return lambda handle: self.freed.append(name) or 0

    def __getattr__(self, name):
        if name in ("cuModuleUnload", "cuStreamDestroy_v2", "cuMemFree_v2", "cuMemFreeHost"):
            return self._free(name)
        raise AttributeError(name)


class NeighbourTest(unittest.TestCase):
    def neighbour(self, fake, blocks=24):
        original = bn._driver
        bn._driver = lambda: fake
        self.addCleanup(setattr, bn, "_driver", original)
        return bn.BusyNeighbour(b"\x7fELF fake cubin", blocks, max_s=5.0)

    def test_start_waits_for_every_block_and_stop_reports_them(self):
        fake = FakeCuda()
        with self.neighbour(fake) as neighbour:
            self.assertEqual(fake.stream_flags, 1)  # CU_STREAM_NON_BLOCKING
            self.assertEqual(fake.dynamic_smem_limit, OPTIN_SMEM - STATIC_SMEM)
            neighbour.start()
            self.assertTrue(neighbour.running)
            self.assertGreaterEqual(min(neighbour.progress()), 1)
            launch = fake.launches[0]
            self.assertEqual(launch["grid"], (24, 1, 1))
            self.assertEqual(launch["block"], (1024, 1, 1))
            self.assertEqual(launch["smem"], OPTIN_SMEM - STATIC_SMEM)
            self.assertEqual(launch["slice_vectors"] * 16 * 24, (256 << 20) // 24 // 16 * 16 * 24)
            self.assertEqual(launch["max_ns"], 5 * 10**9)
            self.assertEqual(neighbour.describe()["cuda_driver"], "13.0")
            time.sleep(0.02)
            report = neighbour.stop()
            self.assertFalse(neighbour.running)
            self.assertEqual(report["distinct_sms"], 24)
            self.assertEqual(report["sm_ids"], [2 * b for b in range(24)])
            self.assertEqual(report["exit_reasons"], ["stop flag"])
            self.assertGreater(min(report["copies"]), 1)
            self.assertGreater(report["copy_gbps"], 0)
            neighbour.start()  # a second launch starts from a cleared flag and counters
            self.assertEqual(len(fake.launches), 2)
        self.assertFalse(fake.kernel.is_alive())  # leaving the `with` stopped it
        self.assertEqual(sorted(fake.freed), sorted(["cuModuleUnload", "cuStreamDestroy_v2"] +
                                                    ["cuMemFree_v2"] * 2 + ["cuMemFreeHost"] * 4))

    def test_a_block_that_never_starts_is_an_error_and_the_kernel_is_stopped(self):
        fake = FakeCuda(stalled_blocks=1)
        neighbour = self.neighbour(fake)
        with self.assertRaisesRegex(bn.NeighbourError, "23 of 24 blocks started"):
            neighbour.start(timeout_s=0.1)
        self.assertFalse(neighbour.running)
        self.assertFalse(fake.kernel.is_alive())
        neighbour.close()

    def test_a_kernel_that_does_not_stop_raises_and_is_not_freed(self):
        fake = FakeCuda(ignores_flag=True)
        neighbour = self.neighbour(fake)
        neighbour.start()
        with self.assertRaisesRegex(bn.NeighbourError, "did not stop within"):
            neighbour.stop(timeout_s=0.05)
        with self.assertRaises(bn.NeighbourError):
            neighbour.close(timeout_s=0.05)
        self.assertEqual(fake.freed, [])
        fake.ignores_flag = False  # let the thread end

    def test_more_blocks_than_sms_is_refused(self):
        with self.assertRaisesRegex(bn.NeighbourError, "the device has 132 SMs"):
            self.neighbour(FakeCuda(), blocks=133)


class CompileTest(unittest.TestCase):
    @unittest.skipUnless(nvrtc_available(), "no NVRTC")
    def test_the_neighbour_compiles_for_sm_90a(self):
        cubin, info = bn.compile_neighbour("sm_90a")
        self.assertEqual(cubin[:4], b"\x7fELF")
        self.assertEqual(info["arch"], "sm_90a")

    @unittest.skipUnless(nvrtc_available(), "no NVRTC")
    def test_a_compile_error_carries_the_log(self):
        with tempfile.NamedTemporaryFile("w", suffix=".cu", delete=False) as f:
            f.write('extern "C" __global__ void busy_neighbour() { undeclared_name = 1; }\n')
        self.addCleanup(os.unlink, f.name)
        with self.assertRaisesRegex(bn.NeighbourError, "(?s)could not compile.*undeclared_name"):
            bn.compile_neighbour("sm_90a", f.name)

    def test_no_nvrtc_names_the_places_searched(self):
        original = bn.nvrtc_candidates
        bn.nvrtc_candidates = lambda: ["/nonexistent/libnvrtc.so.13"]
        self.addCleanup(setattr, bn, "nvrtc_candidates", original)
        with self.assertRaisesRegex(bn.NeighbourError, "NVRTC not found: tried /nonexistent"):
            bn.compile_neighbour("sm_90a")

    def test_arch(self):
        self.assertEqual(bn.arch_for(9, 0), "sm_90a")
        self.assertEqual(bn.arch_for(8, 9), "sm_89")


class FakeNeighbour:
    def __init__(self):
        self.running, self.starts = False, 0

    def start(self):
        assert not self.running
        self.running, self.starts = True, self.starts + 1

    def stop(self):
        assert self.running
        self.running = False
        return {"seconds": 0.01, "copies": [3, 4], "sm_ids": [0, 2], "distinct_sms": 2,
                "exit_reasons": ["stop flag"], "copy_gbps": 1000.0}


class TimingTest(unittest.TestCase):
    def test_phases_alternate_and_every_side_turns_first(self):
        schedule = side.phase_schedule(3, ("deepgemm", "bundle"))
        self.assertEqual([(r, s, o[0]) for r, s, o in schedule], [
            (0, "idle", "deepgemm"), (0, "busy", "deepgemm"), (1, "busy", "bundle"),
            (1, "idle", "bundle"), (2, "idle", "deepgemm"), (2, "busy", "deepgemm")])

    def test_the_neighbour_runs_exactly_during_busy_samples(self):
        neighbour, seen = FakeNeighbour(), []

        def sample_us(name, i):
            seen.append((name, neighbour.running))
            return 1.0
        samples, report = side.run_phase(sample_us, neighbour, ["a", "b"], "busy", 4)
        self.assertTrue(all(running for _, running in seen))
        self.assertFalse(neighbour.running)
        self.assertEqual(report["distinct_sms"], 2)
        self.assertEqual([n for n, _ in seen[2 * side.WARMUPS:]], ["a", "b", "b", "a"] * 2)
        self.assertEqual({k: len(v) for k, v in samples.items()}, {"a": 4, "b": 4})
        seen.clear()
        _, report = side.run_phase(sample_us, neighbour, ["a", "b"], "idle", 2)
        self.assertIsNone(report)
        self.assertFalse(any(running for _, running in seen))

    def test_a_stalled_sample_still_stops_the_neighbour(self):
        neighbour = FakeNeighbour()

        def sample_us(name, i):
            raise side.SampleStalled("a: stuck")
        with self.assertRaises(side.SampleStalled):
            side.run_phase(sample_us, neighbour, ["a"], "busy", 3)
        self.assertFalse(neighbour.running)

    def test_rounds_give_medians_ratios_and_slowdowns(self):
        times = {("deepgemm", "idle"): 12.0, ("bundle", "idle"): 10.0,
                 ("deepgemm", "busy"): 13.0, ("bundle", "busy"): 13.0}
        neighbour, checked = FakeNeighbour(), []

        def phase(state, order):
            return side.run_phase(lambda name, i: times[(name, state)] + (i % 3) * 0.1,
                                  neighbour, order, state, 5)
        r = {}
        side.measure_rounds(r, ["deepgemm", "bundle"], 2, phase, checked.append)
        self.assertEqual(checked, ["idle", "busy", "busy", "idle"])
        self.assertEqual(neighbour.starts, 2)
        self.assertAlmostEqual(r["bundle_idle_us"], 10.1)
        self.assertEqual(len(r["rounds_us"]["deepgemm_busy"]), 2)
        self.assertAlmostEqual(r["ratio_idle"], 12.1 / 10.1)
        self.assertAlmostEqual(r["ratio_busy"], 1.0)
        self.assertAlmostEqual(r["slowdown_bundle"], 13.1 / 10.1)
        self.assertEqual([x["round"] for x in r["neighbour"]], [0, 1])
        self.assertEqual(side.neighbour_failures(r, 2), [])
        self.assertEqual(len(side.neighbour_failures(r, 3)), 2)

    def test_bundle_alone_has_no_ratio(self):
        r = {"bundle_idle_us": 10.0, "bundle_busy_us": 11.0}
        side.add_ratios(r)
        self.assertNotIn("ratio_idle", r)
        self.assertAlmostEqual(r["slowdown_bundle"], 1.1)


def row(label, dg_idle, gt_idle, dg_busy, gt_busy, failed=()):
    r = {"kind": "problem", "label": label, "m": 64, "n": 7168, "k": 2048,
         "deepgemm_idle_us": dg_idle, "bundle_idle_us": gt_idle, "deepgemm_busy_us": dg_busy,
         "bundle_busy_us": gt_busy, "failed": list(failed),
         "neighbour": [{"round": 0, "seconds": 0.1, "copy_gbps": 900.0, "distinct_sms": 24,
                        "sm_ids": list(range(24)), "copies": [5] * 24,
                        "exit_reasons": ["stop flag"]}]}
    side.add_ratios(r)
    return r


class ReportTest(unittest.TestCase):
    def test_summary_geomeans_and_rows_below_one(self):
        rows = [row("a", 12.0, 10.0, 13.0, 11.0), row("b", 9.0, 10.0, 12.0, 12.5, ["x"])]
        lines = side.summary_lines(rows, True, ["c m=64"])
        self.assertEqual(lines[0], "1/2 problems passed, 1 failed, 1 not run (deadline or an "
                                   "earlier fatal error)")
        text = "\n".join(lines)
        self.assertIn(f"DeepGEMM / bundle idle: geomean {((12 / 10) * (9 / 10)) ** 0.5:.3f}", text)
        self.assertIn("bundle busy / idle: geomean", text)
        self.assertIn("rows below 1.00: b m=64 n=7168 k=2048 (idle 0.900), b m=64 n=7168 k=2048 "
                      "(busy 0.960)", text)
        self.assertIn("neighbour: 2 busy phases on 24-24 distinct SMs each, 24 SM ids", text)
        self.assertIn("DeepGEMM was not importable",
                      "\n".join(side.summary_lines([], False, [])))

    def test_markdown_and_line(self):
        setup = {"device": "NVIDIA H200", "dg_sms": 108, "bundle": "/b", "alone_copy_gbps": 950.0,
                 "neighbour": {"blocks": 24, "sm_count": 132, "threads_per_block": 1024,
                               "dynamic_smem_bytes": 232444}}
        md = side.markdown([row("o_proj", 12.0, 10.0, 13.0, 11.0)], setup, ["1/1 passed"])
        self.assertIn("# DeepGEMM and the bundle with 24 of 132 SMs busy", md)
        self.assertIn("| o_proj | 64 | 7168 | 2048 | 12.00 | 10.00 | 13.00 | 11.00 | 1.200 | "
                      "1.182 | 1.083 | 1.100 | 900 | pass |", md)
        self.assertIn("- 1/1 passed", md)
        text = side.line(row("o_proj", 12.0, 10.0, 13.0, 11.0))
        self.assertIn("DG/gt idle 1.200 busy 1.182", text)
        self.assertIn("neighbour 24 SMs 900 GB/s", text)
        self.assertEqual(side.md_path("/x/out.jsonl"), "/x/out.md")
        self.assertEqual(side.md_path("/x/out"), "/x/out.md")


class MeasureTest(unittest.TestCase):
    """measure() with stand-ins for PyTorch and the per-problem GPU work."""

    def run_measure(self, run_problem, deadline=None):
        fake_torch = types.SimpleNamespace(
            empty=lambda *a, **k: None,
            uint8=None,
            cuda=types.SimpleNamespace(empty_cache=lambda: None,
                                       Event=lambda **k: types.SimpleNamespace(
                                           record=lambda: None, query=lambda: True)))
        original = side.run_problem
        side.run_problem = run_problem
        self.addCleanup(setattr, side, "run_problem", original)
        out = os.path.join(tempfile.mkdtemp(), "busy.jsonl")
        args = side.parse_args(["/b", out] + (["--deadline", str(deadline)] if deadline else []))
        entries = [{"label": f"l{i}", "m": 64, "n": 7168, "k": 2048} for i in range(3)]
        neighbour = FakeNeighbour()
        neighbour.describe = lambda: {"blocks": 2, "sm_count": 132}
        neighbour.dynamic_smem_bytes, neighbour.registers, neighbour.sm_count = 232444, 44, 132
        code = side.measure(args, fake_torch, None, None, neighbour, entries,
                            {"kind": "setup", "bundle_sms": 108})
        with open(out) as f:
            lines = [side.json.loads(x) for x in f]
        with open(side.md_path(out)) as f:
            md = f.read()
        return code, lines, md

    def test_rows_are_written_and_a_stall_fails_only_its_row(self):
        def run_problem(gpu, gt, dg, neighbour, entry, args):
            if entry["label"] == "l1":
                raise side.SampleStalled("bundle: a sample did not finish within 10 s")
            return row(entry["label"], 12.0, 10.0, 13.0, 11.0)
        code, lines, md = self.run_measure(run_problem)
        self.assertEqual(code, 1)
        self.assertEqual([x["kind"] for x in lines], ["setup", "problem", "problem", "problem",
                                                      "summary"])
        self.assertEqual(lines[0]["alone_copy_gbps"], 1000.0)
        self.assertIn("stalled: bundle", lines[2]["failed"][0])
        self.assertEqual(lines[3]["failed"], [])
        self.assertIn("2/3 problems passed", md)

    def test_a_passed_deadline_runs_nothing_new(self):
        code, lines, md = self.run_measure(lambda *a: row("x", 1.0, 1.0, 1.0, 1.0),
                                           deadline=time.time() - 1)
        self.assertEqual(code, 1)
        self.assertEqual(lines[-1]["not_run"], ["l0 m=64", "l1 m=64", "l2 m=64"])

    def test_all_passing_exits_0(self):
        code, _, _ = self.run_measure(lambda g, t, d, n, entry, a: row(entry["label"], 2.0, 1.0,
                                                                        2.0, 1.0))
        self.assertEqual(code, 0)


class EarlyExitTest(unittest.TestCase):
    def run_script(self, *args):
        return subprocess.run([sys.executable, SCRIPT, *args], capture_output=True, text=True)

    def test_missing_arguments_and_bundle(self):
        self.assertEqual(self.run_script().returncode, 2)
        result = self.run_script(tempfile.mkdtemp(), "/tmp/x.jsonl")
        self.assertEqual(result.returncode, 2)
        self.assertIn("has no manifest.json: not an exported bundle", result.stdout)

    @unittest.skipUnless(nvrtc_available(), "no NVRTC")
    def test_compile_only(self):
        result = self.run_script("--compile-only")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertRegex(result.stdout, r"busy_neighbour.cu for sm_90a: cubin \d+ bytes")


if __name__ == "__main__":
    unittest.main()
