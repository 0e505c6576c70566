"""The bundle's Python module (src/report/bundle/gemmtune_bundle.py) without PyTorch or a GPU.

Stand-in tensors (strided views over a Python list, with PyTorch's method names) drive the
argument checks and the layout conversions; a stand-in for the C ABI records what the module
passes to the library, so the tests read the converted scales back from the pointers it got.
Run: PYTHONPATH=src/report/bundle python3 -m unittest discover -s tests/python
"""
import itertools
import json
import os
import subprocess
import sys
import tempfile
import unittest

import gemmtune_bundle as gt


class DType:
    def __init__(self, name, itemsize):
        self.name, self.itemsize = name, itemsize

    def __str__(self):
        return "torch." + self.name

    __repr__ = __str__


E4M3, F32, BF16, I32, U8 = (DType("float8_e4m3fn", 1), DType("float32", 4),
                            DType("bfloat16", 2), DType("int32", 4), DType("uint8", 1))


class Device:
    def __init__(self, type_, index=None):
        self.type, self.index = type_, index

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"


class Storage:
    """A flat buffer with a fake device address; `Storage.at(ptr)` finds it from a pointer."""
    next_address = 1 << 20
    by_address = {}

    def __init__(self, values, itemsize):
        self.values, self.itemsize = list(values), itemsize
        self.address = Storage.next_address
        Storage.next_address += (len(self.values) * itemsize + 4096) // 256 * 256 + 256
        Storage.by_address[self.address] = self

    @staticmethod
    def at(address):
        return Storage.by_address[address]


def contiguous_strides(shape):
    strides, step = [], 1
    for size in reversed(shape):
        strides.insert(0, step)
        step *= size
    return tuple(strides)


class Tensor:
    """A strided view with the attributes and methods gemmtune_bundle uses."""

    def __init__(self, storage, shape, strides, dtype, device, offset=0):
        self.storage, self.shape, self._strides = storage, tuple(shape), tuple(strides)
        self.dtype, self.device, self.offset = dtype, device, offset

    @staticmethod
    def of(values_by_index, shape, dtype=F32, device=None):
        """A contiguous tensor of `shape` whose element at index i is values_by_index(i)."""
        cells = [values_by_index(i) for i in itertools.product(*[range(s) for s in shape])]
        return Tensor(Storage(cells, dtype.itemsize), shape, contiguous_strides(shape), dtype,
                      device or Device("cuda", 0))

    def stride(self):
        return self._strides

    def data_ptr(self):
        return self.storage.address + self.offset * self.dtype.itemsize

    def is_contiguous(self):
        return all(size <= 1 or s == c for size, s, c in
                   zip(self.shape, self._strides, contiguous_strides(self.shape)))

    def __getitem__(self, index):
        return self.storage.values[self.offset + sum(i * s for i, s in zip(index, self._strides))]

    def set(self, index, value):
        self.storage.values[self.offset + sum(i * s for i, s in zip(index, self._strides))] = value

    def new_empty(self, shape):
        size = 1
        for s in shape:
            size *= s
        return Tensor(Storage([float("nan")] * size, self.dtype.itemsize), shape,
                      contiguous_strides(shape), self.dtype, self.device)

    def new_zeros(self, shape):
        t = self.new_empty(shape)
        t.storage.values = [0] * len(t.storage.values)
        return t

    def as_strided(self, shape, strides):
        return Tensor(self.storage, shape, strides, self.dtype, self.device, self.offset)

    def copy_(self, src):
        assert tuple(src.shape) == self.shape
        for index in itertools.product(*[range(s) for s in self.shape]):
            self.set(index, src[index])
        return self

    def permute(self, *dims):
        return Tensor(self.storage, [self.shape[d] for d in dims],
                      [self._strides[d] for d in dims], self.dtype, self.device, self.offset)


def fp8(shape, device=None):
    return Tensor.of(lambda i: 0, shape, E4M3, device)


def scales(shape, device=None):
    """fp32 scales whose value encodes their index, so a conversion's result can be checked."""
    return Tensor.of(lambda i: float(sum(v * 1000 ** p for p, v in enumerate(reversed(i)))),
                     shape, F32, device)


class FakeLibrary:
    """The C ABI (gemmtune_bundle_capi.h) as gemmtune_bundle calls it through ctypes: covers the
    dense (n, k) pairs in `dense` and the grouped (layout, groups, n, k) in `grouped`, and records
    every GEMM call's arguments."""

    def __init__(self, configs, dense=(), grouped=(), workspace_bytes=0, layout_kernel=False):
        self.configs, self.dense, self.grouped = configs, set(dense), set(grouped)
        self.workspace = workspace_bytes
        self.layout_kernel = layout_kernel
        self.calls = []
        self.grouped_selects = []

    def gemmtune_bundle_abi_version(self):
        return gt.ABI_VERSION

    def gemmtune_bundle_num_kernels(self):
        return len(self.configs)

    def gemmtune_bundle_kernel_config(self, i):
        return self.configs[i].encode()

    def gemmtune_bundle_error_name(self, status):
        return b"CUDA_ERROR_LAUNCH_FAILED"

    def gemmtune_bundle_device_info(self, device, major, minor, driver):
        major.value, minor.value, driver.value = 9, 0, 12080
        return 0

    def gemmtune_bundle_create(self, directory, device, handle):
        handle.value = 1000 + device
        return 0

    def gemmtune_bundle_select(self, handle, m, n, k):
        return 0 if (n, k) in self.dense else -1

    def gemmtune_bundle_select_grouped(self, handle, layout, groups, n, k, rows, m, max_m,
                                       row_align):
        self.grouped_selects.append((layout, groups, n, k, rows, m, max_m, row_align))
        return 0 if (layout, groups, n, k) in self.grouped else -1

    def gemmtune_bundle_workspace_bytes(self, handle, m, n, k):
        return self.workspace

    def gemmtune_bundle_gemm(self, *args):
        self.calls.append(("gemm", args[0].value) + args[1:])
        return 0

    def gemmtune_bundle_gemm_grouped_contiguous(self, *args):
        self.calls.append(("contiguous", args[0].value) + args[1:])
        return 0

    def gemmtune_bundle_gemm_grouped_contiguous_padded(self, *args):
        self.calls.append(("contiguous_padded", args[0].value) + args[1:])
        return 0

    def gemmtune_bundle_gemm_grouped_masked(self, *args):
        self.calls.append(("masked", args[0].value) + args[1:])
        return 0

    def gemmtune_bundle_has_deepgemm_layout(self, handle):
        return 1 if self.layout_kernel else 0

    def gemmtune_bundle_deepgemm_contiguous_scratch_bytes(self, groups, m, k):
        return 256 + (k + 127) // 128 * (m + 3) // 4 * 4 * 4

    def gemmtune_bundle_gemm_grouped_contiguous_deepgemm(self, *args):
        self.calls.append(("contiguous_deepgemm", args[0].value) + args[1:])
        return 0

    def gemmtune_bundle_deepgemm_scratch_bytes(self, m, k):
        return self.gemmtune_bundle_deepgemm_contiguous_scratch_bytes(0, m, k)

    def gemmtune_bundle_gemm_deepgemm(self, *args):
        self.calls.append(("gemm_deepgemm", args[0].value) + args[1:])
        return 0

    def gemmtune_bundle_gemm_grouped_masked_deepgemm(self, *args):
        self.calls.append(("masked_deepgemm", args[0].value) + args[1:])
        return 0


CONFIG = "bm64_bn128_s6_mc0_sm132_rN8_sk1"


def bundle_with(library):
    directory = tempfile.mkdtemp()
    with open(os.path.join(directory, "manifest.json"), "w") as f:
        json.dump({"arch": "sm_90a", "kernels": [{"config": c} for c in library.configs],
                   "entries": [{"n": n, "k": k, "m": 64} for n, k in library.dense]}, f)
    return gt.Bundle(directory, _library=library)


def read(pointer, count):
    """`count` floats at a device pointer the module passed to the library."""
    for address, storage in Storage.by_address.items():
        if address <= pointer < address + len(storage.values) * storage.itemsize:
            start = (pointer - address) // 4
            return storage.values[start:start + count]
    raise AssertionError(f"no stand-in storage at {pointer:#x}")


class ImportTest(unittest.TestCase):
    def test_import_needs_no_torch(self):
        code = "import sys, gemmtune_bundle; sys.exit('torch' in sys.modules)"
        result = subprocess.run([sys.executable, "-c", code], env=dict(os.environ))
        self.assertEqual(result.returncode, 0)


class LayoutTest(unittest.TestCase):
    def test_sfa_becomes_mn_major_padded_to_four_rows(self):
        m, kb = 5, 3
        sfa = scales((m, kb))
        out = gt.to_gemmtune_sfa(sfa)
        self.assertEqual(out.stride(), (1, 8))
        storage = out.storage.values
        for r in range(m):
            for j in range(kb):
                self.assertEqual(storage[j * 8 + r], sfa[(r, j)])
                self.assertEqual(out[(r, j)], sfa[(r, j)])

    def test_sfa_already_mn_major_is_not_copied(self):
        sfa = gt.to_gemmtune_sfa(scales((5, 3)))
        self.assertIs(gt.to_gemmtune_sfa(sfa), sfa)
        one_row = scales((1, 3)).as_strided((1, 3), (3, 4))
        self.assertIs(gt.to_gemmtune_sfa(one_row), one_row)  # a size-1 dimension's stride is free

    def test_sfb_rows_padded_to_four_k_blocks(self):
        sfb = scales((2, 3))
        out = gt.to_gemmtune_sfb(sfb)
        self.assertEqual(out.stride(), (4, 1))
        self.assertEqual(out.storage.values[4:7], [sfb[(1, j)] for j in range(3)])
        aligned = scales((2, 8))
        self.assertIs(gt.to_gemmtune_sfb(aligned), aligned)

    def test_grouped_sfb_stacks_groups(self):
        sfb = scales((3, 2, 5))
        out = gt.to_gemmtune_sfb(sfb)
        self.assertEqual(out.stride(), (16, 8, 1))
        self.assertEqual(out.storage.values[16 * 2 + 8 * 1:16 * 2 + 8 * 1 + 5],
                         [sfb[(2, 1, j)] for j in range(5)])

    def test_group_offsets_from_padded_row_indices(self):
        self.assertEqual(gt.group_offsets([0, 0, -1, 1, 1, 1, -1, -1, 3], 4), [0, 3, 8, 8, 9])
        self.assertEqual(gt.group_offsets([1, 1, -1], 3), [0, 0, 2, 2])  # trailing -1: no group
        self.assertEqual(gt.group_offsets([0, -1, 1] + [-1] * 300, 3), [0, 2, 3, 3])
        self.assertEqual(gt.group_offsets([-1, -1], 2), [0, 0, 0])
        self.assertEqual(gt.group_offsets([-1, 0, 0, 2], 3), [0, 3, 3, 4])  # leading padding
        self.assertEqual(gt.group_offsets([], 2), [0, 0, 0])
        with self.assertRaisesRegex(ValueError, "m_indices: row 1 has group 4"):
            gt.group_offsets([0, 4], 4)

    def test_group_ends_stop_before_the_padding(self):
        # One past each group's last row with an index: the -1 rows after it are not computed.
        self.assertEqual(gt.group_ends([0, 0, -1, 1, 1, 1, -1, -1, 3], 4), [2, 6, 0, 9])
        self.assertEqual(gt.group_ends([1, 1, -1], 3), [0, 2, 0])
        self.assertEqual(gt.group_ends([-1, 0, 0, 2], 3), [3, 0, 4])  # leading padding: group 0's
        self.assertEqual(gt.group_ends([-1, -1], 2), [0, 0])
        # Unsorted (not DeepGEMM's layout): each group's own last row, so group 1's range
        # [0, 2) (group_offsets) stops at row 1 and group 0's is empty.
        self.assertEqual(gt.group_ends([1, 0, -1], 2), [2, 1])
        self.assertEqual(gt.group_offsets([1, 0, -1], 2), [0, 0, 2])
        # Every group's range [offsets[g], ends[g]) lies in [offsets[g], offsets[g + 1]].
        layout = [0] * 200 + [-1] * 56 + [1] + [-1] * 127 + [3] * 300 + [-1] * 84 + [-1] * 256
        offsets, ends = gt.group_offsets(layout, 4), gt.group_ends(layout, 4)
        self.assertEqual(ends, [200, 257, 0, 684])
        for g in range(4):
            if ends[g]:
                self.assertTrue(offsets[g] <= ends[g] <= offsets[g + 1], g)
        with self.assertRaisesRegex(ValueError, "m_indices: row 0 has group 2"):
            gt.group_ends([2], 2)


class DenseCallTest(unittest.TestCase):
    def setUp(self):
        self.lib = FakeLibrary([CONFIG], dense={(256, 384)})
        self.bundle = bundle_with(self.lib)
        self.m, self.n, self.k = 6, 256, 384
        self.args = ((fp8((6, 384)), scales((6, 3))), (fp8((256, 384)), scales((2, 3))),
                     Tensor.of(lambda i: 0, (6, 256), BF16))

    def test_passes_converted_scales_and_the_stream(self):
        (a, sfa), (b, sfb), d = self.args
        self.bundle.fp8_gemm_nt((a, sfa), (b, sfb), d, stream=77)
        (name, handle, m, n, k, a_ptr, sa_ptr, b_ptr, sb_ptr, d_ptr, ws, ws_bytes,
         stream) = self.lib.calls[0]
        self.assertEqual((name, m, n, k, stream, ws, ws_bytes), ("gemm", 6, 256, 384, 77, 0, 0))
        self.assertEqual((a_ptr, b_ptr, d_ptr), (a.data_ptr(), b.data_ptr(), d.data_ptr()))
        sa = read(sa_ptr, 3 * 8)
        self.assertEqual([sa[j * 8 + r] for j in range(3) for r in range(6)],
                         [sfa[(r, j)] for j in range(3) for r in range(6)])
        sb = read(sb_ptr, 2 * 4)
        self.assertEqual(sb[4:7], [sfb[(1, j)] for j in range(3)])

    def test_gemmtune_layout_passes_pointers_unchanged(self):
        (a, _), (b, _), d = self.args
        sa, sb = scales((3, 8)), scales((2, 4))
        self.bundle.fp8_gemm_nt((a, sa), (b, sb), d, layout="gemmtune")
        self.assertEqual(self.lib.calls[0][6], sa.data_ptr())
        self.assertEqual(self.lib.calls[0][8], sb.data_ptr())
        with self.assertRaisesRegex(ValueError, r"sfa: shape \(6, 3\), layout='gemmtune'"):
            self.bundle.fp8_gemm_nt((a, scales((6, 3))), (b, sb), d, layout="gemmtune")

    def test_split_k_workspace_is_allocated_zeroed_once_per_stream(self):
        self.lib.workspace = 1000
        for _ in range(2):
            self.bundle.fp8_gemm_nt(*self.args, stream=5)
        first, second = self.lib.calls[0][10], self.lib.calls[1][10]
        self.assertEqual(first, second)
        self.assertEqual(read(first, 250), [0] * 250)
        self.assertEqual(self.lib.calls[0][11], 1000)
        self.bundle.fp8_gemm_nt(*self.args, stream=6)
        self.assertNotEqual(self.lib.calls[2][10], first)

    def test_uncovered_shape_raises_or_goes_to_the_fallback(self):
        (a, sfa), _, _ = self.args
        b, d = (fp8((512, 384)), scales((4, 3))), Tensor.of(lambda i: 0, (6, 512), BF16)
        with self.assertRaisesRegex(gt.ShapeNotCoveredError, r"6 x 512 x 384 is not covered.*"
                                    r"\(256, 384\)"):
            self.bundle.fp8_gemm_nt((a, sfa), b, d)
        seen = []

        class DeepGemm:
            @staticmethod
            def fp8_gemm_nt(*args, **kwargs):
                seen.append((args, kwargs))
        self.bundle.set_fallback(DeepGemm)
        self.bundle.fp8_gemm_nt((a, sfa), b, d, disable_ue8m0_cast=True)
        self.assertIs(seen[0][0][1], b)
        self.assertTrue(seen[0][1]["disable_ue8m0_cast"])
        self.assertEqual(self.lib.calls, [])

    def test_bad_arguments_name_the_argument(self):
        (a, sfa), (b, sfb), d = self.args
        cases = [
            (TypeError, "a: dtype torch.bfloat16, expected torch.float8_e4m3fn",
             ((d, sfa), (b, sfb), d)),
            (TypeError, "sfa: dtype torch.float8_e4m3fn", ((a, a), (b, sfb), d)),
            (TypeError, "b: expected a \\(b, sfb\\) pair", ((a, sfa), b, d)),
            (TypeError, "d: expected a tensor", ((a, sfa), (b, sfb), [1])),
            (ValueError, "d: shape \\(6, 128\\), expected \\(6, 256\\)",
             ((a, sfa), (b, sfb), Tensor.of(lambda i: 0, (6, 128), BF16))),
            (ValueError, "d: on device cpu, expected a CUDA device",
             ((a, sfa), (b, sfb), Tensor.of(lambda i: 0, (6, 256), BF16, Device("cpu")))),
            (ValueError, "sfb: on cuda:1, but a is on cuda:0",
             ((a, sfa), (b, scales((2, 3), Device("cuda", 1))), d)),
            (ValueError, "b: strides \\(1, 256\\) are not row-major contiguous",
             ((a, sfa), (fp8((384, 256)).permute(1, 0), sfb), d)),
            (ValueError, "sfb: shape \\(3, 3\\), expected \\(2, 3\\)", ((a, sfa), (b, scales((3, 3))), d)),
            (ValueError, "b: n = 100 is not a multiple of 8",
             ((a, sfa), (fp8((100, 384)), scales((1, 3))), Tensor.of(lambda i: 0, (6, 100), BF16))),
            (ValueError, "a: data_ptr\\(\\) .* is not 16-byte aligned",
             ((Tensor(a.storage, (6, 384), (384, 1), E4M3, a.device, offset=8), sfa), (b, sfb), d)),
        ]
        for error, message, args in cases:
            with self.subTest(message=message):
                with self.assertRaisesRegex(error, message):
                    self.bundle.fp8_gemm_nt(*args)
        with self.assertRaisesRegex(ValueError, "c: accumulation"):
            self.bundle.fp8_gemm_nt(*self.args, c=d)
        with self.assertRaisesRegex(ValueError, "layout: 'cutlass'"):
            self.bundle.fp8_gemm_nt(*self.args, layout="cutlass")
        self.assertEqual(self.lib.calls, [])


class GroupedCallTest(unittest.TestCase):
    def test_masked_scales_become_one_mn_major_block(self):
        g, max_m, n, k = 2, 3, 128, 256
        lib = FakeLibrary([CONFIG], grouped={(2, g, n, k)})
        bundle = bundle_with(lib)
        sfa, sfb = scales((g, max_m, 2)), scales((g, 1, 2))
        masked_m = Tensor.of(lambda i: 3, (g,), I32)
        bundle.m_grouped_fp8_gemm_nt_masked(
            (fp8((g, max_m, k)), sfa), (fp8((g, n, k)), sfb),
            Tensor.of(lambda i: 0, (g, max_m, n), BF16), masked_m, 2, stream=9)
        call = lib.calls[0]
        self.assertEqual(call[:6], ("masked", 1000, g, max_m, 2, n))
        self.assertEqual(call[7], masked_m.data_ptr())
        sa = read(call[9], 2 * 8)  # [kb][roundup(g * max_m, 4)]
        for gi, r, j in itertools.product(range(g), range(max_m), range(2)):
            self.assertEqual(sa[j * 8 + gi * max_m + r], sfa[(gi, r, j)])
        sb = read(call[11], g * 4)
        self.assertEqual(sb[4:6], [sfb[(1, 0, j)] for j in range(2)])  # group 1, padded to 4
        self.assertEqual(call[-1], 9)
        with self.assertRaisesRegex(ValueError, "expected_m: 0"):
            bundle.m_grouped_fp8_gemm_nt_masked(
                (fp8((g, max_m, k)), sfa), (fp8((g, n, k)), scales((g, 1, 2))),
                Tensor.of(lambda i: 0, (g, max_m, n), BF16), masked_m, 0)

    def test_contiguous_deepgemm_layout_is_one_library_call_with_the_conversion_kernel(self):
        # A bundle with the conversion kernel: m_indices and a K-major sfa go to the library as
        # they are (no PyTorch op, no copy: the kernel converts both into the scratch), sfb with
        # ceil(k/128) % 4 == 0 untouched; an sfa already MN-major passes with row stride 0.
        g, m, n, k = 2, 8, 128, 512
        lib = FakeLibrary([CONFIG], grouped={(1, g, n, k)}, layout_kernel=True)
        bundle = bundle_with(lib)
        a, sa, b, sb = fp8((m, k)), scales((m, 4)), fp8((g, n, k)), scales((g, 1, 4))
        m_indices = Tensor.of(lambda i: 0 if i[0] < 4 else 1, (m,), I32)
        d = Tensor.of(lambda i: 0, (m, n), BF16)
        bundle.m_grouped_fp8_gemm_nt_contiguous((a, sa), (b, sb), d, m_indices, stream=7)
        self.assertEqual(len(lib.calls), 1)
        call = lib.calls[0]
        self.assertEqual(call[:6], ("contiguous_deepgemm", 1000, g, m, n, k))
        self.assertEqual(call[6:13], (m_indices.data_ptr(), a.data_ptr(), sa.data_ptr(), 4,
                                      b.data_ptr(), sb.data_ptr(), d.data_ptr()))
        scratch_bytes = lib.gemmtune_bundle_deepgemm_contiguous_scratch_bytes(g, m, k)
        self.assertEqual(call[14], scratch_bytes)
        self.assertEqual(len(Storage.at(call[13]).values), scratch_bytes)
        self.assertEqual(call[15], 7)
        # The coverage check selects as the library's call does: rows less the padding.
        self.assertEqual(lib.grouped_selects[-1], (1, g, n, k, 0, m, 0, 128))
        mn_major = gt.to_gemmtune_sfa(sa)
        bundle.m_grouped_fp8_gemm_nt_contiguous((a, mn_major), (b, sb), d, m_indices)
        self.assertEqual(lib.calls[1][8:10], (mn_major.data_ptr(), 0))
        with self.assertRaisesRegex(ValueError, r"sfa: shape \(8, 3\)"):
            bundle.m_grouped_fp8_gemm_nt_contiguous((a, scales((m, 3))), (b, sb), d, m_indices)
        # Without the kernel (a bundle exported before it), the PyTorch conversion serves.
        self.assertFalse(bundle_with(FakeLibrary([CONFIG]))._layout_kernel.get(0))

    def test_dense_and_masked_deepgemm_sfa_go_to_the_conversion_kernel(self):
        # With the conversion kernel a K-major sfa is passed as it is, with its row stride; an
        # sfa already MN-major takes the plain call; a layout the kernel cannot read is copied.
        m, n, k = 6, 256, 384
        lib = FakeLibrary([CONFIG], dense={(n, k)}, grouped={(2, 2, 128, 256)}, layout_kernel=True)
        bundle = bundle_with(lib)
        a, sa, b, sb = fp8((m, k)), scales((m, 3)), fp8((n, k)), scales((2, 3))
        d = Tensor.of(lambda i: 0, (m, n), BF16)
        bundle.fp8_gemm_nt((a, sa), (b, sb), d)
        call = lib.calls[-1]
        self.assertEqual(call[:5], ("gemm_deepgemm", 1000, m, n, k))
        self.assertEqual(call[5:8], (a.data_ptr(), sa.data_ptr(), 3))
        self.assertEqual(read(call[9], 8)[4:7], [sb[(1, j)] for j in range(3)])  # rows padded to 4
        self.assertEqual(call[14], lib.gemmtune_bundle_deepgemm_scratch_bytes(m, k))
        bundle.fp8_gemm_nt((a, gt.to_gemmtune_sfa(sa)), (b, sb), d)
        self.assertEqual(lib.calls[-1][0], "gemm")
        bundle.fp8_gemm_nt((a, sa.permute(1, 0).permute(1, 0)), (b, sb), d)
        self.assertEqual(lib.calls[-1][0], "gemm_deepgemm")
        column_major = scales((3, m)).permute(1, 0)  # [m, kb] with strides (1, m): copied
        bundle.fp8_gemm_nt((a, column_major), (b, sb), d)
        self.assertEqual(lib.calls[-1][0], "gemm")
        g, max_m, n2, k2 = 2, 3, 128, 256
        sfa = scales((g, max_m, 2))
        masked_m = Tensor.of(lambda i: 3, (g,), I32)
        bundle.m_grouped_fp8_gemm_nt_masked(
            (fp8((g, max_m, k2)), sfa), (fp8((g, n2, k2)), scales((g, 1, 2))),
            Tensor.of(lambda i: 0, (g, max_m, n2), BF16), masked_m, 2)
        call = lib.calls[-1]
        self.assertEqual(call[:7], ("masked_deepgemm", 1000, g, max_m, 2, n2, k2))
        self.assertEqual(call[9:11], (sfa.data_ptr(), 2))
        self.assertEqual(call[15], lib.gemmtune_bundle_deepgemm_scratch_bytes(g * max_m, k2))

    def test_k_major_row_stride_of_evenly_spaced_rows(self):
        self.assertEqual(gt._k_major_row_stride(scales((5, 3))), 3)
        self.assertEqual(gt._k_major_row_stride(scales((2, 4, 3))), 3)
        self.assertEqual(gt._k_major_row_stride(scales((5, 8)).as_strided((5, 3), (8, 1))), 8)
        self.assertEqual(gt._k_major_row_stride(scales((1, 3))), 3)
        self.assertIsNone(gt._k_major_row_stride(scales((3, 5)).permute(1, 0)))
        gapped = scales((2, 5, 3)).as_strided((2, 4, 3), (15, 3, 1))  # groups 15 apart, rows 3
        self.assertIsNone(gt._k_major_row_stride(gapped))

    def test_contiguous_gemmtune_layout_takes_offsets_without_copies(self):
        g, m, n, k = 2, 8, 128, 128
        lib = FakeLibrary([CONFIG], grouped={(1, g, n, k)})
        bundle = bundle_with(lib)
        a, sa, b, sb = fp8((m, k)), scales((1, 8)), fp8((g, n, k)), scales((g, 4))
        offsets = Tensor.of(lambda i: 0, (g + 1,), I32)
        d = Tensor.of(lambda i: 0, (m, n), BF16)
        bundle.m_grouped_fp8_gemm_nt_contiguous((a, sa), (b, sb), d, offsets, layout="gemmtune")
        call = lib.calls[0]
        # Unpadded groups: row_align 1, so the selection takes m as it is.
        self.assertEqual(call[:7], ("contiguous_padded", 1000, g, m, 1, n, k))
        self.assertEqual(call[7:14], (offsets.data_ptr(), None, a.data_ptr(), sa.data_ptr(),
                                      b.data_ptr(), sb.data_ptr(), d.data_ptr()))
        self.assertEqual(lib.grouped_selects[-1], (1, g, n, k, m, m, 0, 1))
        with self.assertRaisesRegex(ValueError, r"m_indices \(offsets\): shape \(8,\)"):
            bundle.m_grouped_fp8_gemm_nt_contiguous(
                (a, sa), (b, sb), d, Tensor.of(lambda i: 0, (m,), I32), layout="gemmtune")
        with self.assertRaisesRegex(gt.ShapeNotCoveredError, "2 groups of 256 x 128"):
            bundle.m_grouped_fp8_gemm_nt_contiguous(
                (a, sa), (fp8((g, 256, k)), scales((g * 2, 4))),
                Tensor.of(lambda i: 0, (m, 256), BF16), offsets, layout="gemmtune")
        with self.assertRaisesRegex(TypeError, "m_indices: dtype torch.float32"):
            bundle.m_grouped_fp8_gemm_nt_contiguous((a, sa), (b, sb), d, scales((m,)),
                                                    layout="gemmtune")

    def test_select_grouped_asks_the_library_as_the_calls_do(self):
        lib = FakeLibrary([CONFIG], grouped={(1, 8, 4096, 7168), (2, 32, 4096, 7168)})
        bundle = bundle_with(lib)
        # DeepGEMM's layout by default: the rows less the most padding of 8 groups (8 x 127).
        self.assertEqual(bundle.select_grouped("grouped_contiguous", 8, 4096, 7168, 8853), CONFIG)
        self.assertEqual(lib.grouped_selects[-1], (1, 8, 4096, 7168, 8853 - 8 * 127, 8853, 0, 128))
        bundle.select_grouped("grouped_contiguous", 8, 4096, 7168, 8853, row_align=1)
        self.assertEqual(lib.grouped_selects[-1], (1, 8, 4096, 7168, 8853, 8853, 0, 1))
        bundle.select_grouped("grouped_contiguous", 8, 4096, 7168, 500)
        self.assertEqual(lib.grouped_selects[-1], (1, 8, 4096, 7168, 0, 500, 0, 128))
        # masked: rows = expected_m x groups steer the choice; A holds groups x max_m rows
        self.assertEqual(bundle.select_grouped("grouped_masked", 32, 4096, 7168, 640, 256), CONFIG)
        self.assertEqual(lib.grouped_selects[-1], (2, 32, 4096, 7168, 640, 32 * 256, 256, 1))
        bundle.select_grouped("grouped_masked", 32, 4096, 7168, 640)
        self.assertEqual(lib.grouped_selects[-1], (2, 32, 4096, 7168, 640, 640, 20, 1))
        self.assertIsNone(bundle.select_grouped("grouped_masked", 4, 4096, 7168, 64))
        with self.assertRaisesRegex(ValueError, "layout: 'dense'"):
            bundle.select_grouped("dense", 8, 4096, 7168, 64)


class LoadTest(unittest.TestCase):
    def test_missing_manifest_says_what_a_bundle_is(self):
        with self.assertRaisesRegex(gt.BundleLoadError, "manifest.json: .*gemmtune export"):
            gt.Bundle(tempfile.mkdtemp())

    def test_a_library_from_another_export_is_refused(self):
        lib = FakeLibrary([CONFIG])
        bundle_dir = bundle_with(lib).directory
        lib.configs = ["bm128_bn128_s5_mcB_sm132_rN8_sk1"]
        with self.assertRaisesRegex(gt.BundleLoadError, "built from another export"):
            gt.Bundle(bundle_dir, _library=lib)

    def test_another_gpu_model_is_refused_at_load(self):
        lib = FakeLibrary([CONFIG], dense={(256, 384)})
        lib.gemmtune_bundle_device_info = lambda d, ma, mi, dr: (
            setattr(ma, "value", 8), setattr(mi, "value", 9), setattr(dr, "value", 12080), 0)[-1]
        bundle = bundle_with(lib)
        with self.assertRaisesRegex(gt.BundleLoadError, "compute capability 8.9; .*sm_90a"):
            bundle.fp8_gemm_nt((fp8((6, 384)), scales((6, 3))), (fp8((256, 384)), scales((2, 3))),
                               Tensor.of(lambda i: 0, (6, 256), BF16))

    def test_module_functions_need_a_loaded_bundle(self):
        saved, gt._default = gt._default, None
        saved_env = os.environ.pop("GEMMTUNE_BUNDLE_DIR", None)
        try:
            with self.assertRaisesRegex(gt.BundleError, "gemmtune_bundle.load"):
                gt.fp8_gemm_nt(None, None, None)
        finally:
            gt._default = saved
            if saved_env is not None:
                os.environ["GEMMTUNE_BUNDLE_DIR"] = saved_env


if __name__ == "__main__":
    unittest.main()
