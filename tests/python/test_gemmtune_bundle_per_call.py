"""The bundle module's per-call host work (gemmtune_bundle.py): the current stream's lookup with
and without PyTorch's raw accessor, and the ctypes declarations of the library's functions.
Stand-in tensors and library from test_gemmtune_bundle.
Run: PYTHONPATH=src/report/bundle python3 -m unittest discover -s tests/python
"""
import ctypes
import os
import re
import sys
import types
import unittest
from unittest import mock

import gemmtune_bundle as gt
from test_gemmtune_bundle import (BF16, CONFIG, Device, FakeLibrary, Tensor, bundle_with, fp8,
                                  scales)

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUNDLE_SOURCES = os.path.join(ROOT, "src", "report", "bundle")


class TorchLikeTensor(Tensor):
    """A stand-in with PyTorch's cheap accessors (get_device(), is_cuda), which _signature reads
    in place of .device when a tensor has them."""

    @property
    def is_cuda(self):
        return self.device.type == "cuda"

    def get_device(self):
        return (self.device.index or 0) if self.device.type == "cuda" else -1


def torch_like(t):
    t.__class__ = TorchLikeTensor
    return t


def retyped(t, **changes):
    """A view of `t`'s storage with some of shape, strides, dtype, device, offset changed."""
    fields = dict(shape=t.shape, strides=t.stride(), dtype=t.dtype, device=t.device,
                  offset=t.offset)
    fields.update(changes)
    view = Tensor(t.storage, fields["shape"], fields["strides"], fields["dtype"],
                  fields["device"], fields["offset"])
    view.__class__ = t.__class__
    return view


class CountingLibrary(FakeLibrary):
    """FakeLibrary counting the queries a call makes besides the GEMM (selection, sizes)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.queries = 0

    def gemmtune_bundle_select(self, *args):
        self.queries += 1
        return super().gemmtune_bundle_select(*args)

    def gemmtune_bundle_select_grouped(self, *args):
        self.queries += 1
        return super().gemmtune_bundle_select_grouped(*args)

    def gemmtune_bundle_workspace_bytes(self, *args):
        self.queries += 1
        return super().gemmtune_bundle_workspace_bytes(*args)

    def gemmtune_bundle_deepgemm_contiguous_scratch_bytes(self, *args):
        self.queries += 1
        return super().gemmtune_bundle_deepgemm_contiguous_scratch_bytes(*args)

    def gemmtune_bundle_deepgemm_scratch_bytes(self, *args):
        self.queries += 1
        return super().gemmtune_bundle_deepgemm_scratch_bytes(*args)

    def gemmtune_bundle_set_fallback(self, handle, config):
        return 0

    def gemmtune_bundle_destroy(self, handle):
        pass


def dense_call(wrap, layout_kernel):
    """A dense call in DeepGEMM's layouts: K-major sfa (the conversion kernel's, or copied by
    PyTorch without it) and sfb with ceil(k/128) = 3 (copied to 4 K blocks)."""
    lib = CountingLibrary([CONFIG], dense={(256, 384)}, layout_kernel=layout_kernel)
    a, sfa, b, sfb = wrap(fp8((6, 384))), wrap(scales((6, 3))), wrap(fp8((256, 384))), wrap(
        scales((2, 3)))
    d = wrap(Tensor.of(lambda i: 0, (6, 256), BF16))
    return lib, "fp8_gemm_nt", [(a, sfa), (b, sfb), d], {"stream": 77}


class CurrentStreamTest(unittest.TestCase):
    def setUp(self):
        saved = sys.modules.get("torch"), gt._stream_function

        def restore():
            if saved[0] is None:
                sys.modules.pop("torch", None)
            else:
                sys.modules["torch"] = saved[0]
            gt._stream_function = saved[1]
        self.addCleanup(restore)
        self.raw_asked = []
        self.stream_objects = []

    def raw_torch(self):
        def raw(device):
            self.raw_asked.append(device)
            return 5000 + device
        return types.SimpleNamespace(
            _C=types.SimpleNamespace(_cuda_getCurrentRawStream=raw),
            cuda=types.SimpleNamespace(current_stream=self.stream_object))

    def stream_object(self, device):
        self.stream_objects.append(device)
        return types.SimpleNamespace(cuda_stream=7000 + device)

    def test_the_raw_accessor_is_used_when_present(self):
        sys.modules["torch"] = self.raw_torch()
        self.assertEqual(gt._current_stream(3, None), 5003)
        self.assertEqual((self.raw_asked, self.stream_objects), ([3], []))

    def test_current_stream_serves_a_torch_without_it(self):
        sys.modules["torch"] = types.SimpleNamespace(
            _C=types.SimpleNamespace(), cuda=types.SimpleNamespace(
                current_stream=self.stream_object))
        self.assertEqual(gt._current_stream(2, None), 7002)
        sys.modules["torch"] = types.SimpleNamespace(cuda=types.SimpleNamespace(
            current_stream=self.stream_object))  # no _C at all
        self.assertEqual(gt._current_stream(1, None), 7001)
        self.assertEqual(self.stream_objects, [2, 1])

    def test_the_function_is_resolved_once_per_torch_module(self):
        resolved = []
        real = gt._current_stream_function

        def counting(torch):
            resolved.append(torch)
            return real(torch)
        first = self.raw_torch()
        sys.modules["torch"] = first
        with mock.patch.object(gt, "_current_stream_function", counting):
            for device in (0, 1, 0):
                gt._current_stream(device, None)
            self.assertEqual(resolved, [first])
            second = types.SimpleNamespace(cuda=types.SimpleNamespace(
                current_stream=self.stream_object))
            sys.modules["torch"] = second
            self.assertEqual(gt._current_stream(0, None), 7000)
            self.assertEqual(resolved, [first, second])
        self.assertEqual(self.raw_asked, [0, 1, 0])

    def test_a_given_stream_and_no_torch(self):
        sys.modules["torch"] = self.raw_torch()
        self.assertEqual(gt._current_stream(0, types.SimpleNamespace(cuda_stream=11)), 11)
        self.assertEqual(gt._current_stream(0, 12), 12)
        self.assertEqual(self.raw_asked, [])
        sys.modules.pop("torch")
        self.assertEqual(gt._current_stream(0, None), 0)

    def test_a_call_launches_on_the_current_stream_of_its_device(self):
        sys.modules["torch"] = self.raw_torch()
        lib, name, args, kwargs = dense_call(torch_like, True)
        bundle = bundle_with(lib)
        (a, sfa), (b, sfb), d = args
        on_1 = [retyped(t, device=Device("cuda", 1)) for t in (a, sfa, b, sfb, d)]
        for tensors in ((a, sfa, b, sfb, d), on_1, on_1):
            bundle.fp8_gemm_nt(tensors[:2], tensors[2:4], tensors[4])
        self.assertEqual([call[-1] for call in lib.calls], [5000, 5001, 5001])
        self.assertEqual([call[1] for call in lib.calls], [1000, 1001, 1001])


class DeclarationTest(unittest.TestCase):
    def test_every_library_function_the_module_calls_is_declared(self):
        # ctypes passes undeclared arguments as C ints: a 64-bit pointer or size would be cut.
        declared = {}

        class Library:
            def __getattr__(self, name):
                fn = declared.setdefault(name, types.SimpleNamespace())
                return fn
        gt._declare(Library())
        with open(os.path.join(BUNDLE_SOURCES, "gemmtune_bundle.py")) as f:
            called = set(re.findall(r"\.(gemmtune_bundle_[a-z_0-9]+)\b", f.read()))
        with open(os.path.join(BUNDLE_SOURCES, "gemmtune_bundle_capi.h")) as f:
            exported = set(re.findall(r"\b(gemmtune_bundle_[a-z_0-9]+)\(", f.read()))
        self.assertTrue(called)
        self.assertLessEqual(called, set(declared))
        self.assertEqual(exported, set(declared))
        for name, fn in declared.items():
            self.assertTrue(hasattr(fn, "argtypes") and hasattr(fn, "restype"), name)
        self.assertEqual(declared["gemmtune_bundle_gemm"].argtypes[4], ctypes.c_void_p)


if __name__ == "__main__":
    unittest.main()
