"""Shared by the tests of scripts that run a timing harness unchanged under a wrapper
(dg_preconverted_scales.py, dg_sample_period.py): a temporary folder holding a stand-in for the
module the wrapper patches (deep_gemm, torch) and the harness script, so that no GPU, PyTorch or
DeepGEMM is needed."""
import contextlib
import os
import tempfile


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
