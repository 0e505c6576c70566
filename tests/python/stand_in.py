"""Stand-ins shared by the tests of scripts that need a GPU, PyTorch or DeepGEMM to run for real:
a temporary folder holding a stand-in for the module a harness wrapper patches (deep_gemm, torch)
and the harness script (dg_preconverted_scales.py, dg_sample_period.py), and a test case with a
stand-in `gemmtune` executable (the device drivers, serving_regret.py)."""
import contextlib
import os
import shutil
import tempfile
import unittest


@contextlib.contextmanager
def stand_in_folder(module, module_source, harness_source):
    """Yields (folder, harness path): `module`.py holds module_source and harness.py the harness;
    put the folder on PYTHONPATH so the harness imports the stand-in."""
    with tempfile.TemporaryDirectory() as folder:
        with open(os.path.join(folder, module + ".py"), "w") as f:
            f.write(module_source)
        harness = os.path.join(folder, "harness.py")
        with open(harness, "w") as f:
            f.write(harness_source)
        yield folder, harness


class FakeGemmtuneCase(unittest.TestCase):
    """A test case with a temporary folder (self.folder) holding a stand-in `gemmtune` (self.bin)
    whose Python source is the class's FAKE_GEMMTUNE; both go at the end of each test."""
    FAKE_GEMMTUNE = ""

    def setUp(self):
        self.folder = tempfile.mkdtemp()
        self.bin = os.path.join(self.folder, "gemmtune")
        with open(self.bin, "w") as f:
            f.write(self.FAKE_GEMMTUNE)
        os.chmod(self.bin, 0o755)

    def tearDown(self):
        shutil.rmtree(self.folder)
