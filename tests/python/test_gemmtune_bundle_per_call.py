"""The bundle module's per-call host work (gemmtune_bundle.py). A call whose arguments have the
signature of an earlier one skips the checks and the selection (the GEMMs' plans), so these
tests hold it to what a first call does: the same library arguments, the same errors for any
argument that changes, a bounded cache. Also the current stream's lookup with and without
PyTorch's raw accessor, and the ctypes declarations of the library's functions.
Stand-in tensors and library from test_gemmtune_bundle.
Run: PYTHONPATH=src/report/bundle python3 -m unittest discover -s tests/python
"""
import ctypes
import glob
import os
import re
import sys
import types
import unittest
from unittest import mock

import gemmtune_bundle as gt
from test_gemmtune_bundle import (BF16, CONFIG, Device, FakeLibrary, I32, Storage, Tensor,
                                  bundle_with, fp8, scales)

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


def host_group_offsets(m_indices, groups):
    """_group_offsets_device's result without PyTorch: group_offsets as a stand-in tensor."""
    rows = [m_indices[(r,)] for r in range(m_indices.shape[0])]
    offsets = gt.group_offsets(rows, groups)
    return Tensor.of(lambda i: offsets[i[0]], (groups + 1,), I32)


def storage_holding(pointer):
    for address, storage in Storage.by_address.items():
        if address <= pointer < address + len(storage.values) * storage.itemsize:
            return address, storage
    return None, None


def comparable(call, inputs):
    """A recorded library call with each pointer to a buffer the call allocated (a scale copy,
    the scratch) replaced by that buffer's size and contents, which a second call repeats."""
    out = []
    for x in call:
        address, storage = storage_holding(x) if isinstance(x, int) and x >= 1 << 20 else (0, None)
        if storage is not None and x not in inputs:
            start = (x - address) // storage.itemsize
            out.append(("allocated", len(storage.values) - start,
                        tuple(map(repr, storage.values[start:]))))
        else:
            out.append(x)
    return tuple(out)


def pointers_of(*tensors):
    return {t.data_ptr() for t in tensors}


# The calls each test runs, twice over: with stand-ins that have .device only and with
# TorchLikeTensor (the two forms of _signature).

def dense_call(wrap, layout_kernel):
    """A dense call in DeepGEMM's layouts: K-major sfa (the conversion kernel's, or copied by
    PyTorch without it) and sfb with ceil(k/128) = 3 (copied to 4 K blocks)."""
    lib = CountingLibrary([CONFIG], dense={(256, 384)}, layout_kernel=layout_kernel)
    a, sfa, b, sfb = wrap(fp8((6, 384))), wrap(scales((6, 3))), wrap(fp8((256, 384))), wrap(
        scales((2, 3)))
    d = wrap(Tensor.of(lambda i: 0, (6, 256), BF16))
    return lib, "fp8_gemm_nt", [(a, sfa), (b, sfb), d], {"stream": 77}


def contiguous_call(wrap, layout_kernel):
    g, m, n, k = 2, 8, 128, 512
    lib = CountingLibrary([CONFIG], grouped={(1, g, n, k)}, layout_kernel=layout_kernel)
    a, sfa = wrap(fp8((m, k))), wrap(scales((m, 4)))
    b, sfb = wrap(fp8((g, n, k))), wrap(scales((g, 1, 4)))
    m_indices = wrap(Tensor.of(lambda i: 0 if i[0] < 4 else 1, (m,), I32))
    d = wrap(Tensor.of(lambda i: 0, (m, n), BF16))
    return lib, "m_grouped_fp8_gemm_nt_contiguous", [(a, sfa), (b, sfb), d, m_indices], {
        "stream": 7}


def masked_call(wrap, layout_kernel):
    g, max_m, n, k = 2, 3, 128, 256
    lib = CountingLibrary([CONFIG], grouped={(2, g, n, k)}, layout_kernel=layout_kernel)
    a, sfa = wrap(fp8((g, max_m, k))), wrap(scales((g, max_m, 2)))
    b, sfb = wrap(fp8((g, n, k))), wrap(scales((g, 1, 2)))
    masked_m = wrap(Tensor.of(lambda i: 3, (g,), I32))
    d = wrap(Tensor.of(lambda i: 0, (g, max_m, n), BF16))
    return lib, "m_grouped_fp8_gemm_nt_masked", [(a, sfa), (b, sfb), d, masked_m, 1], {
        "stream": 9}


CALLS = (dense_call, contiguous_call, masked_call)
WRAPS = (("stand-in", lambda t: t), ("torch-like", torch_like))


def inputs_of(args):
    tensors = [x for arg in args for x in (arg if isinstance(arg, tuple) else (arg,))
               if isinstance(x, Tensor)]
    return pointers_of(*tensors)


class HitTest(unittest.TestCase):
    def setUp(self):
        # A contiguous call in DeepGEMM's layout without the conversion kernel: PyTorch ops.
        patch = mock.patch.object(gt, "_group_offsets_device", host_group_offsets)
        patch.start()
        self.addCleanup(patch.stop)

    def test_a_hit_passes_the_library_what_a_miss_does(self):
        for (wrap_name, wrap), make, layout_kernel in (
                (w, c, lk) for w in WRAPS for c in CALLS for lk in (False, True)):
            with self.subTest(call=make.__name__, tensors=wrap_name, layout_kernel=layout_kernel):
                lib, name, args, kwargs = make(wrap, layout_kernel)
                bundle = bundle_with(lib)
                getattr(bundle, name)(*args, **kwargs)
                self.assertEqual(len(bundle._plans), 1)
                queries = lib.queries
                getattr(bundle, name)(*args, **kwargs)
                self.assertEqual(len(lib.calls), 2)
                inputs = inputs_of(args)
                self.assertEqual(comparable(lib.calls[1], inputs),
                                 comparable(lib.calls[0], inputs))
                # The hit asks the library nothing but the GEMM: no selection, no size query.
                self.assertEqual(lib.queries, queries)

    def test_the_gemmtune_layout_hits_with_its_pointers_unchanged(self):
        lib = CountingLibrary([CONFIG], dense={(256, 384)})
        bundle = bundle_with(lib)
        a, b = torch_like(fp8((6, 384))), torch_like(fp8((256, 384)))
        sa, sb = torch_like(scales((3, 8))), torch_like(scales((2, 4)))
        d = torch_like(Tensor.of(lambda i: 0, (6, 256), BF16))
        for _ in range(2):
            bundle.fp8_gemm_nt((a, sa), (b, sb), d, layout="gemmtune", stream=3)
        self.assertEqual(lib.calls[0], lib.calls[1])
        self.assertEqual(lib.calls[1][5:10], (a.data_ptr(), sa.data_ptr(), b.data_ptr(),
                                              sb.data_ptr(), d.data_ptr()))

    def test_a_hit_reads_the_pointers_of_its_own_tensors(self):
        # Same signature, other buffers: the plan is shared, the pointers are the call's.
        for wrap_name, wrap in WRAPS:
            with self.subTest(tensors=wrap_name):
                lib, name, args, kwargs = dense_call(wrap, True)
                bundle = bundle_with(lib)
                bundle.fp8_gemm_nt(*args, **kwargs)
                _, _, other, _ = dense_call(wrap, True)
                bundle.fp8_gemm_nt(*other, **kwargs)
                self.assertEqual(len(bundle._plans), 1)
                (a, sfa), (b, _), d = other
                self.assertEqual(lib.calls[1][5:9], (a.data_ptr(), sfa.data_ptr(), 3,
                                                     b.data_ptr()))
                self.assertEqual(lib.calls[1][10], d.data_ptr())

    def test_a_stride_change_is_another_plan(self):
        # sfb [2, 3] is copied into rows of 4 K blocks; the same shape viewed with row stride 4
        # already is that layout and passes as it is.
        for wrap_name, wrap in WRAPS:
            with self.subTest(tensors=wrap_name):
                lib, name, args, kwargs = dense_call(wrap, False)
                bundle = bundle_with(lib)
                bundle.fp8_gemm_nt(*args, **kwargs)
                (a, sfa), (b, sfb), d = args
                padded = wrap(scales((2, 4)).as_strided((2, 3), (4, 1)))
                bundle.fp8_gemm_nt((a, sfa), (b, padded), d, **kwargs)
                self.assertNotIn(lib.calls[0][8], pointers_of(sfb))
                self.assertEqual(lib.calls[1][8], padded.data_ptr())
                self.assertEqual(len(bundle._plans), 2)


def error_of(call):
    try:
        call()
    except Exception as e:  # the exception a call raises, to compare two calls' errors
        return type(e), str(e)
    return None


class ChangedArgumentTest(unittest.TestCase):
    """After a call filled the cache, a call that differs in one part of the signature (or in
    its alignment) raises exactly what it raises on a bundle that never ran a call."""

    def check(self, make, wrap, variants):
        lib, name, args, kwargs = make(wrap, True)
        warm = bundle_with(lib)
        getattr(warm, name)(*args, **kwargs)
        for label, (changed_args, changed_kwargs, message) in variants(args, kwargs).items():
            with self.subTest(change=label):
                cold = bundle_with(make(wrap, True)[0])
                expected = error_of(lambda: getattr(cold, name)(*changed_args, **changed_kwargs))
                self.assertIsNotNone(expected, "the variant must be an error")
                self.assertRegex(expected[1], message)
                self.assertEqual(error_of(lambda: getattr(warm, name)(*changed_args,
                                                                      **changed_kwargs)),
                                 expected)
        calls = len(lib.calls)
        getattr(warm, name)(*args, **kwargs)  # the cached signature still runs
        self.assertEqual(len(lib.calls), calls + 1)

    def test_dense(self):
        def variants(args, kwargs):
            (a, sfa), (b, sfb), d = args
            cpu = Device("cpu")
            return {
                "dtype": (((retyped(a, dtype=BF16), sfa), (b, sfb), d), kwargs,
                          "a: dtype torch.bfloat16, expected torch.float8_e4m3fn"),
                "shape": (((a, sfa), (b, retyped(sfb, shape=(3, 3))), d), kwargs,
                          r"sfb: shape \(3, 3\), expected \(2, 3\)"),
                "stride": (((a, sfa), (retyped(b, strides=(1, 256)), sfb), d), kwargs,
                           r"b: strides \(1, 256\) are not row-major contiguous"),
                "device index": (((a, sfa), (b, retyped(sfb, device=Device("cuda", 1))), d),
                                 kwargs, "sfb: on cuda:1, but a is on cuda:0"),
                "device type": (((a, sfa), (b, sfb), retyped(d, device=cpu)), kwargs,
                                "d: on device cpu, expected a CUDA device"),
                "device type, same index": (((a, sfa), (b, sfb),
                                             retyped(d, device=Device("xpu", 0))), kwargs,
                                            "d: on device xpu:0, expected a CUDA device"),
                "misaligned": (((retyped(a, offset=8), sfa), (b, sfb), d), kwargs,
                               r"a: data_ptr\(\) .* is not 16-byte aligned"),
                "layout": (args, dict(kwargs, layout="gemmtune"),
                           r"sfa: shape \(6, 3\), layout='gemmtune' expects \(3, 8\)"),
                "recipe": (args, dict(kwargs, recipe=(1, 1, 128)), r"recipe: \(1, 1, 128\)"),
                "recipe list": (args, dict(kwargs, recipe=[1, 1, 128]), r"recipe: \(1, 1, 128\)"),
                "c": (args, dict(kwargs, c=d), "c: accumulation"),
                "not a pair": (((a, sfa, sfa), (b, sfb), d), kwargs, r"a: expected a \(a, sfa\)"),
            }
        for wrap_name, wrap in WRAPS:
            with self.subTest(tensors=wrap_name):
                self.check(dense_call, wrap, variants)

    def test_contiguous(self):
        def variants(args, kwargs):
            (a, sfa), (b, sfb), d, m_indices = args
            return {
                "index dtype": (((a, sfa), (b, sfb), d, retyped(m_indices, dtype=BF16)), kwargs,
                                "m_indices: dtype torch.bfloat16, expected torch.int32"),
                "index shape": (((a, sfa), (b, sfb), d, retyped(m_indices, shape=(7,))), kwargs,
                                r"m_indices: shape \(7,\), expected \(8,\)"),
                "index stride": (((a, sfa), (b, sfb), d, retyped(m_indices, strides=(2,))),
                                 kwargs, r"m_indices: strides \(2,\) are not row-major"),
                "index device": (((a, sfa), (b, sfb), d,
                                  retyped(m_indices, device=Device("cuda", 1))), kwargs,
                                 "m_indices: on cuda:1, but a is on cuda:0"),
                "sfa shape": (((a, retyped(sfa, shape=(8, 3))), (b, sfb), d, m_indices), kwargs,
                              r"sfa: shape \(8, 3\), expected \(8, 4\)"),
                "misaligned d": (((a, sfa), (b, sfb), retyped(d, offset=4), m_indices), kwargs,
                                 r"d: data_ptr\(\) .* is not 16-byte aligned"),
            }
        for wrap_name, wrap in WRAPS:
            with self.subTest(tensors=wrap_name):
                self.check(contiguous_call, wrap, variants)

    def test_masked(self):
        def variants(args, kwargs):
            (a, sfa), (b, sfb), d, masked_m, expected_m = args
            return {
                "expected_m True": (((a, sfa), (b, sfb), d, masked_m, True), kwargs,
                                    "expected_m: True"),
                "expected_m 1.0": (((a, sfa), (b, sfb), d, masked_m, 1.0), kwargs,
                                   "expected_m: 1.0"),
                "expected_m 0": (((a, sfa), (b, sfb), d, masked_m, 0), kwargs, "expected_m: 0"),
                "sfb dtype": (((a, sfa), (b, retyped(sfb, dtype=BF16)), d, masked_m, 1), kwargs,
                              "sfb: dtype torch.bfloat16, expected torch.float32"),
                "misaligned sfa": (((a, retyped(sfa, offset=1)), (b, sfb), d, masked_m, 1),
                                   kwargs, r"sfa: data_ptr\(\) .* is not 16-byte aligned"),
                "d shape": (((a, sfa), (b, sfb), retyped(d, shape=(2, 4, 128)), masked_m, 1),
                            kwargs, r"d: shape \(2, 4, 128\), expected \(2, 3, 128\)"),
            }
        for wrap_name, wrap in WRAPS:
            with self.subTest(tensors=wrap_name):
                self.check(masked_call, wrap, variants)

    def test_an_uncovered_signature_goes_to_the_fallback_at_every_call(self):
        lib, _, args, kwargs = dense_call(torch_like, False)
        lib.dense = set()
        bundle = bundle_with(lib)
        for _ in range(2):
            with self.assertRaisesRegex(gt.ShapeNotCoveredError, "6 x 256 x 384 is not covered"):
                bundle.fp8_gemm_nt(*args, **kwargs)
        seen = []
        bundle.set_fallback(types.SimpleNamespace(fp8_gemm_nt=lambda *a, **k: seen.append(a)))
        bundle.fp8_gemm_nt(*args, **kwargs)
        self.assertEqual(len(seen), 1)
        self.assertIs(seen[0][2], args[2])
        self.assertEqual(lib.calls, [])


class CacheTest(unittest.TestCase):
    def test_the_cache_is_bounded_and_drops_the_oldest(self):
        lib = FakeLibrary([CONFIG], dense={(256, 384)})
        bundle = bundle_with(lib)
        b, sfb = torch_like(fp8((256, 384))), torch_like(scales((2, 3)))
        a, sfa = torch_like(fp8((12, 384))), torch_like(scales((12, 3)))
        d = torch_like(Tensor.of(lambda i: 0, (12, 256), BF16))
        with mock.patch.object(gt, "_PLAN_CACHE_ENTRIES", 4):
            for m in range(1, 11):  # the first m rows of each: ten signatures
                bundle.fp8_gemm_nt((retyped(a, shape=(m, 384)), retyped(sfa, shape=(m, 3))),
                                   (b, sfb), retyped(d, shape=(m, 256)), stream=1)
                self.assertLessEqual(len(bundle._plans), 4)
        # key: the head (3 parts), then a's (type, dtype, shape, ...)
        self.assertEqual(sorted(key[3][2][0] for key in bundle._plans), [7, 8, 9, 10])
        self.assertEqual(len(lib.calls), 10)
        self.assertGreater(gt._PLAN_CACHE_ENTRIES, 100)

    def test_close_drops_the_plans_and_any_checked_before_it(self):
        lib, name, args, kwargs = dense_call(torch_like, True)
        bundle = bundle_with(lib)
        bundle.fp8_gemm_nt(*args, **kwargs)
        epoch = bundle._epoch
        bundle.close()
        self.assertEqual(bundle._plans, {})
        bundle._remember(("a key",), "a plan checked before close()", epoch)
        self.assertEqual(bundle._plans, {})
        bundle.fp8_gemm_nt(*args, **kwargs)  # planned again, on a new handle
        self.assertEqual(len(bundle._plans), 1)
        bundle.set_fallback_kernel(CONFIG)
        self.assertEqual(bundle._plans, {})

    def test_arguments_without_a_signature_are_checked_at_every_call(self):
        lib, name, args, kwargs = dense_call(torch_like, True)
        bundle = bundle_with(lib)
        (a, sfa), (b, sfb), d = args
        unhashable = retyped(sfa)
        unhashable.shape = [6, 3]  # a list: no key, but the checks accept it
        class Recipe:
            """Hashable by identity: each object would be a key of its own, kept alive."""

            def __iter__(self):
                return iter((1, 128, 128))
        for _ in range(2):
            bundle.fp8_gemm_nt((a, unhashable), (b, sfb), d, **kwargs)
            bundle.fp8_gemm_nt([a, sfa], [b, sfb], d, recipe=[1, 128, 128], **kwargs)
            bundle.fp8_gemm_nt((a, sfa), (b, sfb), d, recipe=Recipe(), **kwargs)
        self.assertEqual(len(lib.calls), 6)
        self.assertEqual(len(bundle._plans), 0)


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
        # gemmtune_bundle.py and the modules it imports from its folder call the library.
        modules = sorted(glob.glob(os.path.join(BUNDLE_SOURCES, "gemmtune_bundle*.py")))
        self.assertIn(os.path.join(BUNDLE_SOURCES, "gemmtune_bundle.py"), modules)
        called = set()
        for path in modules:
            with open(path) as f:
                called |= set(re.findall(r"\.(gemmtune_bundle_[a-z_0-9]+)\b", f.read()))
        with open(os.path.join(BUNDLE_SOURCES, "gemmtune_bundle_capi.h")) as f:
            exported = set(re.findall(r"\b(gemmtune_bundle_[a-z_0-9]+)\(", f.read()))
        self.assertTrue(called)
        self.assertLessEqual(called, set(declared))
        self.assertEqual(exported, set(declared))
        for name, fn in declared.items():
            self.assertTrue(hasattr(fn, "argtypes") and hasattr(fn, "restype"), name)
        self.assertEqual(declared["gemmtune_bundle_gemm"].argtypes[4], ctypes.c_void_p)

    def test_every_declaration_has_the_headers_parameter_count(self):
        # A C parameter the declaration lacks shifts or drops the caller's arguments unseen.
        declared = {}

        class Library:
            def __getattr__(self, name):
                return declared.setdefault(name, types.SimpleNamespace())
        gt._declare(Library())
        with open(os.path.join(BUNDLE_SOURCES, "gemmtune_bundle_capi.h")) as f:
            header = re.sub(r"/\*.*?\*/", "", f.read(), flags=re.S)
        prototypes = re.findall(r"\b(gemmtune_bundle_[a-z_0-9]+)\(([^)]*)\)\s*;", header)
        self.assertEqual({name for name, _ in prototypes}, set(declared))
        for name, params in prototypes:
            params = params.strip()
            count = 0 if params in ("", "void") else params.count(",") + 1
            self.assertEqual(len(declared[name].argtypes), count, name)


if __name__ == "__main__":
    unittest.main()
