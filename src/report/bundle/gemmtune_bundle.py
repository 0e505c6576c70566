"""gemmtune_bundle: a tuned gemmtune bundle called from Python, in DeepGEMM's argument layouts.

    import gemmtune_bundle as gt
    gt.load("/path/to/bundle")                        # builds libgemmtune_bundle.so if missing
    gt.fp8_gemm_nt((a, sfa), (b, sfb), d)             # d = a @ b.T with 1x128 / 128x128 scales
    gt.m_grouped_fp8_gemm_nt_contiguous((a, sfa), (b, sfb), d, m_indices)
    gt.m_grouped_fp8_gemm_nt_masked((a, sfa), (b, sfb), d, masked_m, expected_m)

The calls take DeepGEMM's (SM90) layouts: a [m, k] float8_e4m3fn, sfa [m, ceil(k/128)] float32,
b [n, k] (grouped: [g, n, k]), sfb [ceil(n/128), ceil(k/128)] (grouped: [g, ...]), d [m, n]
bfloat16; contiguous: m_indices [m] int32, the group of each row, groups in order, each padded
to 128 rows with -1; masked: a [g, max_m, k], sfa [g, max_m, ceil(k/128)], d [g, max_m, n],
masked_m [g] int32. With layout="gemmtune" they take the kernels' own layouts instead and never
copy: sfa [ceil(k/128), roundup(m, 4)] (MN-major), sfb [ceil(n/128), roundup(ceil(k/128), 4)]
(grouped: [g * ceil(n/128), ...]) and, for the contiguous layout, int32 offsets [g + 1] (group
g owns rows offsets[g]..offsets[g+1], unpadded) in place of m_indices.

What a DeepGEMM layout costs: a scale tensor already in the kernels' layout passes untouched
(sfa as DeepGEMM's get_mn_major_tma_aligned_tensor returns it: strides (1, roundup(m, 4));
sfb when ceil(k/128) % 4 == 0). Any other sfa or sfb is copied into that layout: one small
allocation from PyTorch's caching allocator and one copy kernel per call (m x ceil(k/128)
floats for sfa). to_gemmtune_sfa / to_gemmtune_sfb convert once (e.g. weight scales at load).
m_indices becomes offsets and group ends, and a K-major sfa (every call's) the MN-major layout,
in one kernel the bundle's library launches before the GEMM, with one scratch allocation per
call and no synchronisation; the -1 rows after a group's last row are neither computed nor
written, as in DeepGEMM (a bundle exported without the kernel: four small PyTorch ops for the
offsets, one copy for sfa, and the -1 rows between groups computed with the group before them).

Every call runs on PyTorch's current stream of the tensors' device (or `stream=`), does not
synchronise and can be captured in a CUDA graph. A split-K kernel's workspace is allocated and
zeroed at the first call that needs it on each stream, then reused. Loading is thread-safe and
lazy per device.

A call checks every argument and selects its kernel at the first call of each signature (the
tensors' types, dtypes, shapes, strides and devices; layout, recipe, expected_m) and keeps what
that concluded, per Bundle, for up to 4096 signatures (the oldest dropped first). A later call
of the same signature checks only that a, sfa, b, sfb and d are 16-byte aligned, then reads the
data pointers and the current stream, copies the scales that need it and allocates the
conversion's scratch; a call that changes anything else is a new signature, checked in full,
with the same errors.

Errors: ShapeNotCoveredError when the bundle has no kernel for the shape (unless a fallback is
registered: set_fallback(deep_gemm) calls deep_gemm's function of the same name instead);
TypeError / ValueError naming the argument for a wrong dtype, shape, device, stride or
contiguity; BundleLoadError when the bundle's cubins cannot run on this GPU or driver.

Importing this module needs neither PyTorch nor a GPU: the calls use only the tensors' own
methods (shape, stride(), dtype, device or get_device() and is_cuda, data_ptr(),
is_contiguous(), new_empty, as_strided, copy_), and PyTorch only when it is already imported
(current stream, capture state).
"""

import collections
import ctypes
import fcntl
import json
import os
import subprocess
import sys
import threading

__all__ = [
    "BundleError", "BundleLoadError", "ShapeNotCoveredError", "CudaError", "Bundle", "load",
    "set_fallback", "fp8_gemm_nt", "m_grouped_fp8_gemm_nt_contiguous",
    "m_grouped_fp8_gemm_nt_masked", "to_gemmtune_sfa", "to_gemmtune_sfb", "group_offsets",
]

ABI_VERSION = 2
LIBRARY_NAME = "libgemmtune_bundle.so"

_E4M3 = "torch.float8_e4m3fn"
_F32 = "torch.float32"
_BF16 = "torch.bfloat16"
_I32 = "torch.int32"

# CUresult values this module names (cuda.h).
_CUDA_ERROR_NOT_FOUND = 500
_CUDA_ERROR_STUB_LIBRARY = 34
# Load failures that mean "these cubins are not for this GPU or driver".
_CUDA_IMAGE_ERRORS = {200, 209, 218, 221, 222}  # INVALID_IMAGE, NO_BINARY_FOR_GPU, INVALID_PTX,
#                                                 JIT_COMPILER_NOT_FOUND, UNSUPPORTED_PTX_VERSION
_LAYOUT_CONTIGUOUS = 1
_LAYOUT_MASKED = 2
# DeepGEMM's contiguous layout pads every group to a multiple of this many rows; the selection
# allows for it (gemmtune_bundle_gemm_grouped_contiguous_padded).
_DEEPGEMM_GROUP_ROW_ALIGN = 128
_TMA_ALIGNMENT_BYTES = 16


class BundleError(RuntimeError):
    """Any failure of the bundle (the base of the errors below)."""


class BundleLoadError(BundleError):
    """The library or the cubins do not load: missing files, another GPU model or driver."""


class ShapeNotCoveredError(BundleError):
    """The bundle has no kernel that runs this shape, and no fallback is registered."""


class CudaError(BundleError):
    """A CUDA driver call failed; `status` is the CUresult, `name` its name."""

    def __init__(self, message, status, name):
        super().__init__(message)
        self.status = status
        self.name = name


def _ceil_div(a, b):
    return (a + b - 1) // b


def _round_up(a, b):
    return _ceil_div(a, b) * b


# ---------------------------------------------------------------------------------------------
# Argument checks: each error names the argument and what was expected.

def _check_tensor(name, t, dtype, ndim, tma=True):
    if not all(hasattr(t, a) for a in ("shape", "dtype", "device", "data_ptr", "stride")):
        raise TypeError(f"{name}: expected a tensor, got {type(t).__name__}")
    if str(t.dtype) != dtype:
        raise TypeError(f"{name}: dtype {t.dtype}, expected {dtype}")
    if len(t.shape) != ndim:
        raise ValueError(f"{name}: {len(t.shape)} dimensions {tuple(t.shape)}, expected {ndim}")
    if getattr(t.device, "type", None) != "cuda":
        raise ValueError(f"{name}: on device {t.device}, expected a CUDA device")
    if tma and t.data_ptr() % _TMA_ALIGNMENT_BYTES != 0:
        raise ValueError(f"{name}: data_ptr() {t.data_ptr():#x} is not 16-byte aligned (TMA)")


def _check_shape(name, t, expected):
    if tuple(t.shape) != tuple(expected):
        raise ValueError(f"{name}: shape {tuple(t.shape)}, expected {tuple(expected)}")


def _check_contiguous(name, t):
    if not t.is_contiguous():
        raise ValueError(f"{name}: strides {tuple(t.stride())} are not row-major contiguous; "
                         f"pass {name}.contiguous()")


def _check_problem(n, k):
    if n % 8 != 0:
        raise ValueError(f"b: n = {n} is not a multiple of 8 (16-byte rows of d)")
    if k % 16 != 0:
        raise ValueError(f"a: k = {k} is not a multiple of 16 (16-byte rows of a and b)")


def _device_of(tensors):
    """The CUDA device index all `tensors` (name, tensor) share; ValueError naming the odd one."""
    first_name, first = tensors[0]
    index = first.device.index if first.device.index is not None else 0
    for name, t in tensors[1:]:
        other = t.device.index if t.device.index is not None else 0
        if other != index:
            raise ValueError(f"{name}: on cuda:{other}, but {first_name} is on cuda:{index}")
    return index


def _strides_match(t, strides):
    """True when `t`'s strides equal `strides` in every dimension of size > 1."""
    return all(size <= 1 or s == want for size, s, want in zip(t.shape, t.stride(), strides))


def _layout_of(t, strides, storage_elements):
    """None when `t`'s strides are `strides` (it passes as it is), else the (strides,
    storage_elements) of the buffer _copy_into copies it into."""
    return None if _strides_match(t, strides) else (tuple(strides), storage_elements)


def _copy_into(t, strides, storage_elements):
    """A copy of `t` in a new buffer of `storage_elements`, laid out with `strides`."""
    # NOTE: new_empty, not new_zeros: the padding (rows m..roundup(m, 4), K blocks past
    # ceil(k/128)) is never read into a stored result, so a memset would be wasted work.
    buffer = t.new_empty((storage_elements,))
    view = buffer.as_strided(tuple(t.shape), tuple(strides))
    view.copy_(t)
    return view


def _into_layout(t, strides, storage_elements):
    """`t` itself when its strides are `strides` (no copy), else a copy of `t` in a new buffer
    of `storage_elements` laid out with those strides."""
    layout = _layout_of(t, strides, storage_elements)
    return t if layout is None else _copy_into(t, *layout)


def _dense_scale_layouts(sfa, sfb, m, kb, nb, copy, convert_sfa=True):
    """The dense call's scale checks: (sfa_layout, sfb_layout), each None (the tensor passes as
    it is: layout="gemmtune", the kernels' layout already, or sfa left to the conversion kernel
    when `convert_sfa` is False) or what _copy_into copies it into per call."""
    kb4 = _round_up(kb, 4)
    if not copy:
        _check_gemmtune_scale("sfa", sfa, (kb, _round_up(m, 4)), m)
        _check_gemmtune_scale("sfb", sfb, (nb, kb4), kb)
        return None, None
    _check_shape("sfa", sfa, (m, kb))
    _check_shape("sfb", sfb, (nb, kb))
    sfa_layout = _layout_of(sfa, _sfa_strides(m), kb * _round_up(m, 4)) if convert_sfa else None
    return sfa_layout, _layout_of(sfb, (kb4, 1), nb * kb4)


def _sfa_strides(m_rows):
    """sfa [rows, kb] in gemmtune's MN-major [kb][roundup(rows, 4)]: strides and element count."""
    return (1, _round_up(m_rows, 4))


def _k_major_row_stride(sfa):
    """The row stride (floats) of an sfa [..., rows, kb] whose rows are K-major and evenly spaced
    (DeepGEMM's [m, kb] or [g, max_m, kb]): what the bundle library's conversion kernel reads;
    None for any other layout (copied by PyTorch instead)."""
    shape, strides = tuple(sfa.shape), tuple(sfa.stride())
    kb = shape[-1]
    if kb > 1 and strides[-1] != 1:
        return None
    row_stride = None  # the stride between consecutive rows of the flattened leading dimensions
    for size, stride in zip(reversed(shape[:-1]), reversed(strides[:-1])):
        if size <= 1:
            continue
        if row_stride is None:
            row_stride, span = stride, size * stride
        elif stride != span:
            return None
        else:
            span = size * stride
    row_stride = kb if row_stride is None else row_stride
    return row_stride if row_stride >= kb else None


def to_gemmtune_sfa(sfa):
    """DeepGEMM's sfa [m, ceil(k/128)] float32 as a view with strides (1, roundup(m, 4)) over
    gemmtune's MN-major buffer: passes through the calls with no copy (a no-op when it already
    is)."""
    _check_tensor("sfa", sfa, _F32, 2)
    m, kb = sfa.shape
    strides = _sfa_strides(m)
    return _into_layout(sfa, strides, kb * strides[1])


def to_gemmtune_sfb(sfb):
    """DeepGEMM's sfb [ceil(n/128), ceil(k/128)] (or [g, ...]) float32 as a view over gemmtune's
    [.., roundup(ceil(k/128), 4)] buffer: passes through the calls with no copy."""
    if len(getattr(sfb, "shape", ())) == 3:
        _check_tensor("sfb", sfb, _F32, 3)
        g, nb, kb = sfb.shape
        kb4 = _round_up(kb, 4)
        return _into_layout(sfb, (nb * kb4, kb4, 1), g * nb * kb4)
    _check_tensor("sfb", sfb, _F32, 2)
    nb, kb = sfb.shape
    kb4 = _round_up(kb, 4)
    return _into_layout(sfb, (kb4, 1), nb * kb4)


def group_offsets(m_indices, groups):
    """Host reference of the contiguous layout's conversion: DeepGEMM's per-row group indices
    (a sequence of ints, -1 for padding) to gemmtune's offsets [groups + 1] (a list). Group g owns
    rows offsets[g]..offsets[g+1]: from its first row to the next group's first row, so the -1
    rows after a group belong to it, except after the last group: offsets[groups] is one past the
    last row of any group (0 when there is none), and the rows after it belong to no group, as
    DeepGEMM skips them. A group without rows gets an empty range."""
    rows = len(m_indices)
    starts = [rows] * (groups + 1)
    end = 0
    for row, g in enumerate(m_indices):
        if g < -1 or g >= groups:
            raise ValueError(f"m_indices: row {row} has group {g}, expected -1..{groups - 1}")
        if g >= 0 and row < starts[g]:
            starts[g] = row
        if g >= 0:
            end = row + 1
    starts[0] = 0
    starts[groups] = end
    for g in range(groups - 1, -1, -1):
        starts[g] = min(starts[g], starts[g + 1])
    return starts


def group_ends(m_indices, groups):
    """Host reference of the group ends the library's conversion kernel writes beside the
    offsets: per group, one past its last row with that index (0 for a group without one). The
    GEMM computes group g's rows from offsets[g] to its end, clamped to offsets[g + 1], so
    DeepGEMM's padding (the -1 rows after each group) is not computed. In DeepGEMM's layout the
    indices never decrease; for another order the GEMM stops each group's range at its own last
    row (rows of a smaller index in it are not computed)."""
    ends = [0] * groups
    for row, g in enumerate(m_indices):
        if g < -1 or g >= groups:
            raise ValueError(f"m_indices: row {row} has group {g}, expected -1..{groups - 1}")
        if g >= 0:
            ends[g] = row + 1
    return ends


def _group_offsets_device(m_indices, groups):
    """group_offsets on the device with PyTorch ops (no synchronisation, graph-capturable), for a
    bundle whose library has no conversion kernel: the running maximum of the indices, floored at
    0, is every row's owner, sorted, and each offset is where its group id first appears (an
    empty group's is the next group's start), capped at one past the last row of a group."""
    import torch  # only reached with real tensors, where PyTorch is already imported
    owner = m_indices.cummax(0).values.clamp_min_(0)
    ids = torch.arange(groups + 1, dtype=owner.dtype, device=owner.device)
    offsets = torch.searchsorted(owner, ids, out_int32=True)
    rows = torch.arange(1, m_indices.shape[0] + 1, dtype=torch.int32, device=owner.device)
    end = torch.where(m_indices >= 0, rows, 0).max() if m_indices.shape[0] else rows.sum()
    return torch.minimum(offsets, end)  # offsets[groups] was rows: now end


# ---------------------------------------------------------------------------------------------
# The library.

def _selection_rows(groups, m, row_align):
    """The rows a contiguous call selects its entry by: m less the most padding of `groups`
    groups padded to `row_align` rows (padded_selection_rows in the dispatcher header)."""
    return max(0, m - groups * (row_align - 1))


def _declare(lib):
    """Sets argtypes/restype of every function of gemmtune_bundle_capi.h."""
    i64, p, c_int, size_t = ctypes.c_int64, ctypes.c_void_p, ctypes.c_int, ctypes.c_size_t
    signatures = {
        "gemmtune_bundle_abi_version": (c_int, []),
        "gemmtune_bundle_error_name": (ctypes.c_char_p, [c_int]),
        "gemmtune_bundle_device_info": (c_int, [c_int, ctypes.POINTER(c_int), ctypes.POINTER(c_int),
                                                ctypes.POINTER(c_int)]),
        "gemmtune_bundle_num_kernels": (c_int, []),
        "gemmtune_bundle_kernel_config": (ctypes.c_char_p, [c_int]),
        "gemmtune_bundle_create": (c_int, [ctypes.c_char_p, c_int, ctypes.POINTER(p)]),
        "gemmtune_bundle_destroy": (None, [p]),
        "gemmtune_bundle_set_fallback": (c_int, [p, ctypes.c_char_p]),
        "gemmtune_bundle_select": (c_int, [p, i64, i64, i64]),
        "gemmtune_bundle_select_grouped": (c_int, [p, c_int, i64, i64, i64, i64, i64, i64]),
        "gemmtune_bundle_workspace_bytes": (size_t, [p, i64, i64, i64]),
        "gemmtune_bundle_gemm": (c_int, [p, i64, i64, i64, p, p, p, p, p, p, size_t, p]),
        "gemmtune_bundle_gemm_grouped_contiguous": (c_int, [p, i64, i64, i64, i64, p, p, p, p, p,
                                                            p, p]),
        "gemmtune_bundle_gemm_grouped_contiguous_padded": (c_int, [p, i64, i64, i64, i64, i64, p,
                                                                   p, p, p, p, p, p, p]),
        "gemmtune_bundle_gemm_grouped_masked": (c_int, [p, i64, i64, i64, i64, i64, p, p, p, p,
                                                        p, p, p]),
        "gemmtune_bundle_has_deepgemm_layout": (c_int, [p]),
        "gemmtune_bundle_deepgemm_contiguous_scratch_bytes": (size_t, [i64, i64, i64]),
        "gemmtune_bundle_deepgemm_scratch_bytes": (size_t, [i64, i64]),
        "gemmtune_bundle_gemm_deepgemm": (c_int, [p, i64, i64, i64, p, p, i64, p, p, p, p, size_t,
                                                  p, size_t, p]),
        "gemmtune_bundle_gemm_grouped_masked_deepgemm": (c_int, [p, i64, i64, i64, i64, i64, p,
                                                                 p, p, i64, p, p, p, p, size_t,
                                                                 p]),
        "gemmtune_bundle_deepgemm_contiguous_layout": (c_int, [p, i64, i64, i64, p, p, i64, p,
                                                                size_t, p]),
        "gemmtune_bundle_gemm_grouped_contiguous_deepgemm": (c_int, [p, i64, i64, i64, i64, p, p,
                                                                     p, i64, p, p, p, p, size_t,
                                                                     p]),
    }
    for name, (restype, argtypes) in signatures.items():
        fn = getattr(lib, name)
        fn.restype = restype
        fn.argtypes = argtypes


def _build_library(directory):
    """Runs the bundle's build.sh under a lock, so concurrent processes build it once."""
    script = os.path.join(directory, "build.sh")
    if not os.path.isfile(script):
        raise BundleLoadError(f"{directory}: no {LIBRARY_NAME} and no build.sh to build it")
    try:
        lock = open(os.path.join(directory, ".build.lock"), "w")
    except OSError as e:
        raise BundleLoadError(f"{directory}: cannot build {LIBRARY_NAME} there ({e.strerror}); "
                              f"run sh {script} OUTPUT elsewhere and copy it in")
    with lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if os.path.isfile(os.path.join(directory, LIBRARY_NAME)):
            return
        result = subprocess.run(["sh", script], capture_output=True, text=True)
        if result.returncode != 0:
            raise BundleLoadError(f"{script} failed (exit {result.returncode}):\n"
                                  f"{result.stdout}{result.stderr}".rstrip())


def _current_stream_function(torch):
    """The function from a device index to PyTorch's current stream on it, as a CUstream handle
    (an int): torch._C._cuda_getCurrentRawStream where `torch` has it (what Inductor's generated
    launchers call: it builds no torch.cuda.Stream object per call), else
    torch.cuda.current_stream(device).cuda_stream."""
    raw = getattr(getattr(torch, "_C", None), "_cuda_getCurrentRawStream", None)
    if raw is not None:
        return raw
    current_stream = torch.cuda.current_stream
    return lambda device: current_stream(device).cuda_stream


# (the torch module, _current_stream_function(it)): resolved at the first call that needs it, as
# PyTorch may be imported after this module; one tuple, so a thread reads both or neither.
_stream_function = (None, None)


def _current_stream(device, stream):
    """The CUstream handle to launch on: `stream` (a torch.cuda.Stream or a handle), else
    PyTorch's current stream of `device` when PyTorch is loaded, else 0 (the default stream)."""
    global _stream_function
    if stream is not None:
        return int(getattr(stream, "cuda_stream", stream))
    torch = sys.modules.get("torch")
    if torch is None:
        return 0
    module, current = _stream_function
    if module is not torch:
        current = _current_stream_function(torch)
        _stream_function = (torch, current)
    return current(device)


# ---------------------------------------------------------------------------------------------
# What a call's checks and selection conclude, kept per argument signature (Bundle._plans).

# Bounded so that a caller whose shapes never repeat cannot grow it without end; past it the
# oldest plan goes first.
_PLAN_CACHE_ENTRIES = 4096

# A plan: the library function to call and every argument of it that is not a data pointer or
# the stream. sfa_layout / sfb_layout: None when the scale tensor passes as it is, else the
# (strides, storage elements) _copy_into copies it into per call; scratch_bytes: the conversion
# kernel's scratch, allocated per call (0: none). Plain tuples underneath: a thread reads a plan
# whole or not at all, and unpacks it as fast as a tuple.
_DensePlan = collections.namedtuple(
    "_DensePlan", "gemm handle device m n k ws_bytes row_stride sfa_layout sfb_layout "
    "scratch_bytes")
_ContiguousPlan = collections.namedtuple(
    "_ContiguousPlan", "gemm handle device groups m row_align n k offsets_by row_stride "
    "sfa_layout sfb_layout scratch_bytes")
_MaskedPlan = collections.namedtuple(
    "_MaskedPlan", "gemm handle device groups max_m expected_m n k row_stride sfa_layout "
    "sfb_layout scratch_bytes")
# No kernel covers the call: the fallback, or ShapeNotCoveredError saying `what`, per call.
_Uncovered = collections.namedtuple("_Uncovered", "what")
_NO_ROWS = _Uncovered(None)  # a dense call with m = 0: nothing to launch
# Where a contiguous call's group offsets come from: the library's conversion kernel (from
# DeepGEMM's m_indices), PyTorch ops per call (a bundle without that kernel), or the caller
# (layout="gemmtune").
_OFFSETS_BY_KERNEL, _OFFSETS_BY_PYTORCH, _OFFSETS_BY_CALLER = "kernel", "pytorch", "caller"


def _keyable_recipe(recipe):
    """Whether `recipe` can key a plan: None or a tuple (compared by value, as its check does)."""
    return recipe is None or type(recipe) is tuple


def _signature(head, tensors):
    """The key a call's plan is kept under: `head` (the function and its other arguments), then
    per tensor all its checks read but the data pointer: its type (what methods it has), dtype,
    shape, strides (contiguity, layouts) and device. None when a tensor has no such parts (then
    the checks say what is wrong)."""
    try:
        # NOTE: PyTorch's cheap accessors: get_device() is an int where .device builds a
        # torch.device per call; is_cuda tells a CUDA device's index from another device's.
        return head + tuple([(type(t), t.dtype, t.shape, t.stride(),
                              t.get_device() if t.is_cuda else None) for t in tensors])
    except (AttributeError, TypeError):
        pass
    try:  # tensors without get_device or is_cuda (stand-ins): their device's type and index
        return head + tuple([(type(t), t.dtype, tuple(t.shape), tuple(t.stride()),
                              getattr(t.device, "type", None), getattr(t.device, "index", None))
                             for t in tensors])
    except (AttributeError, TypeError):
        return None


def _data_pointers(a, b, d, index=None):
    """A call's data pointers: a, sfa, b, sfb, d, then m_indices or masked_m when given."""
    pointers = (a[0].data_ptr(), a[1].data_ptr(), b[0].data_ptr(), b[1].data_ptr(), d.data_ptr())
    return pointers if index is None else pointers + (index.data_ptr(),)


class Bundle:
    """One exported bundle folder: its manifest, its library, and per device its loaded kernels."""

    def __init__(self, directory, build=True, _library=None):
        self.directory = os.path.abspath(directory)
        manifest_path = os.path.join(self.directory, "manifest.json")
        try:
            with open(manifest_path) as f:
                self.manifest = json.load(f)
        except OSError as e:
            raise BundleLoadError(f"{manifest_path}: {e.strerror}; is {directory} an exported "
                                  "bundle (gemmtune export TABLE --format bundle --out DIR)?")
        except ValueError as e:
            raise BundleLoadError(f"{manifest_path}: not JSON ({e})")
        library = os.path.join(self.directory, LIBRARY_NAME)
        if _library is not None:  # the tests' stand-in for the C ABI
            self._lib = _library
        else:
            if not os.path.isfile(library) and build:
                _build_library(self.directory)
            try:
                self._lib = ctypes.CDLL(library)
            except OSError as e:
                raise BundleLoadError(f"{library}: {e} (build it with sh {self.directory}/build.sh)")
            _declare(self._lib)
        if self._lib.gemmtune_bundle_abi_version() != ABI_VERSION:
            raise BundleLoadError(f"{library}: ABI {self._lib.gemmtune_bundle_abi_version()}, "
                                  f"this module speaks {ABI_VERSION}: rebuild with build.sh")
        built = [self._lib.gemmtune_bundle_kernel_config(i).decode()
                 for i in range(self._lib.gemmtune_bundle_num_kernels())]
        exported = [k["config"] for k in self.manifest.get("kernels", [])]
        if built != exported:
            raise BundleLoadError(f"{library} was built from another export than {manifest_path} "
                                  f"({len(built)} kernels, manifest {len(exported)}): delete it and "
                                  "load again, or rerun build.sh")
        self._lock = threading.Lock()
        self._handles = {}     # device index -> handle
        self._layout_kernel = {}  # device index -> the library converts DeepGEMM's layout
        self._workspaces = {}  # (device, stream) -> zeroed split-K workspace tensor
        self._shapes = {}      # (device, m, n, k) -> workspace bytes, or None when not covered
        self._plans = {}       # _signature -> plan (see "the GEMMs"), at most _PLAN_CACHE_ENTRIES
        self._epoch = 0        # counts _forget_plans: a plan checked before one is not kept
        self._fallback = None
        self.entries = self.manifest.get("entries", [])
        self.grouped_entries = self.manifest.get("grouped_entries", [])
        # What the table was tuned under: the SM budget every kernel keeps to (None: the whole
        # GPU; `sweep --sms N`), and whether every entry keeps each row of d independent of M and
        # of the entry chosen (`sweep --batch-invariant`).
        self.sms = self.manifest.get("sms")
        self.batch_invariant = bool(self.manifest.get("batch_invariant", False))

    # -- loading --------------------------------------------------------------------------------

    def _error_name(self, status):
        return self._lib.gemmtune_bundle_error_name(status).decode()

    def _handle(self, device):
        handle = self._handles.get(device)
        if handle is not None:
            return handle
        with self._lock:
            handle = self._handles.get(device)
            if handle is None:
                handle = self._create(device)
                self._layout_kernel[device] = bool(
                    self._lib.gemmtune_bundle_has_deepgemm_layout(handle))
                self._handles[device] = handle
        return handle

    def _create(self, device):
        major, minor, driver = ctypes.c_int(), ctypes.c_int(), ctypes.c_int()
        status = self._lib.gemmtune_bundle_device_info(device, major, minor, driver)
        if status == _CUDA_ERROR_STUB_LIBRARY:
            raise BundleLoadError(f"cuda:{device}: no NVIDIA driver (libcuda.so.1 is the CUDA "
                                  "toolkit's stub library)")
        if status != 0:
            raise BundleLoadError(f"cuda:{device}: {self._error_name(status)} ({status}) asking "
                                  "for its compute capability")
        arch = self.manifest.get("arch", "sm_90a")
        if arch.startswith("sm_90") and (major.value, minor.value) != (9, 0):
            raise BundleLoadError(f"cuda:{device} has compute capability {major.value}."
                                  f"{minor.value}; the bundle's kernels are {arch} (Hopper, 9.0) "
                                  "only")
        handle = ctypes.c_void_p()
        status = self._lib.gemmtune_bundle_create(self.directory.encode(), device, handle)
        if status != 0:
            name = self._error_name(status)
            if status in _CUDA_IMAGE_ERRORS:
                raise BundleLoadError(
                    f"{self.directory}: the cubins do not load on cuda:{device} ({name}): built "
                    f"for {arch} by NVRTC {self.manifest.get('nvrtc_version', '?')}, driver "
                    f"supports CUDA {driver.value // 1000}.{driver.value % 1000 // 10}; export the "
                    "bundle again with a toolkit this driver supports")
            raise BundleLoadError(f"{self.directory}: loading on cuda:{device} failed: {name} "
                                  f"({status})")
        return handle

    def close(self):
        """Unloads the kernels from every device (the bundle may be used again: it reloads)."""
        with self._lock:
            for handle in self._handles.values():
                self._lib.gemmtune_bundle_destroy(handle)
            self._handles.clear()
            self._workspaces.clear()
            self._shapes.clear()
            self._forget_plans()

    # -- selection and fallbacks ------------------------------------------------------------------

    def set_fallback(self, fallback):
        """Where uncovered shapes go: an object with DeepGEMM's functions (e.g. the deep_gemm
        module; the call is forwarded unchanged), or None (the default) to raise
        ShapeNotCoveredError."""
        self._fallback = fallback

    def set_fallback_kernel(self, config, device=0):
        """Makes the bundled dense kernel named `config` serve dense shapes the table does not
        cover (None: none)."""
        status = self._lib.gemmtune_bundle_set_fallback(
            self._handle(device), None if config is None else config.encode())
        if status != 0:
            raise ValueError(f"config: {config!r} is not a dense kernel of this bundle "
                             f"({self._error_name(status)})")
        with self._lock:
            self._shapes.clear()
            self._forget_plans()

    def select(self, m, n, k, device=0):
        """The config the dense call runs for m x n x k, or None."""
        index = self._lib.gemmtune_bundle_select(self._handle(device), m, n, k)
        return None if index < 0 else self._lib.gemmtune_bundle_kernel_config(index).decode()

    def select_grouped(self, layout, groups, n, k, rows, max_m=None, device=0,
                       row_align=_DEEPGEMM_GROUP_ROW_ALIGN):
        """The config a grouped call runs, or None. layout: "grouped_contiguous" (rows: A's rows;
        row_align: the rows each group is padded to, 128 for DeepGEMM's layout, 1 for
        gemmtune's unpadded groups) or "grouped_masked" (rows: expected_m x groups; max_m: A's
        rows per group, default rows // groups)."""
        if layout == "grouped_contiguous":
            code, m, max_m = _LAYOUT_CONTIGUOUS, rows, 0
            rows = _selection_rows(groups, m, row_align)
        elif layout == "grouped_masked":
            code = _LAYOUT_MASKED
            max_m = max(1, rows // groups) if max_m is None else max_m
            m = groups * max_m
        else:
            raise ValueError(f"layout: {layout!r}, expected 'grouped_contiguous' or "
                             "'grouped_masked'")
        index = self._lib.gemmtune_bundle_select_grouped(self._handle(device), code, groups, n, k,
                                                         rows, m, max_m)
        return None if index < 0 else self._lib.gemmtune_bundle_kernel_config(index).decode()

    def _not_covered(self, what, name, args, kwargs, layout):
        if self._fallback is not None and layout == "deepgemm":
            return getattr(self._fallback, name)(*args, **kwargs)
        tuned = sorted({(e["n"], e["k"]) for e in (self.grouped_entries if "grouped" in name
                                                     else self.entries)})
        raise ShapeNotCoveredError(f"{name}: {what} is not covered by {self.directory} "
                                   f"(tuned (n, k): {tuned}); register a fallback with "
                                   "set_fallback(deep_gemm)")

    def _raise_status(self, name, status, what):
        if status == _CUDA_ERROR_NOT_FOUND:
            raise ShapeNotCoveredError(f"{name}: {what} is not covered by {self.directory}")
        raise CudaError(f"{name}: {what}: {self._error_name(status)} ({status})", status,
                        self._error_name(status))

    def _workspace(self, device, stream, nbytes, like):
        key = (device, stream)
        buffer = self._workspaces.get(key)
        if buffer is not None and buffer.shape[0] * 2 >= nbytes:
            return buffer
        # NOTE: zeroed once: the kernels leave the tile counters at zero after every call. During
        # a graph capture the buffer comes from the graph's pool and its zeroing is captured too
        # (replays zero it again, harmlessly); kept here, it outlives the capture.
        buffer = like.new_zeros((_ceil_div(nbytes, 2),))
        with self._lock:
            self._workspaces[key] = buffer
        return buffer

    # -- the GEMMs ----------------------------------------------------------------------------------
    # NOTE: what a call's checks and its selection conclude depends on its arguments' signature
    # only (_signature: the tensors' types, dtypes, shapes, strides and devices, and the other
    # arguments), so the _plan_* methods run them (every check, in its order, each error as
    # documented) at the first call of a signature and the conclusion (a plan) is kept in
    # self._plans. A later call of the same signature checks what the signature leaves out, the
    # operands' 16-byte alignment (a misaligned one reruns the checks, which raise), and does per
    # call only what can change under it: the data pointers, the current stream, the scale copies
    # and the scratch allocation.

    def fp8_gemm_nt(self, a, b, d, c=None, recipe=None, compiled_dims="nk",
                    disable_ue8m0_cast=False, *, layout="deepgemm", stream=None):
        """d [m, n] bf16 = a [m, k] x b [n, k]^T with 1x128 (a) and 128x128 (b) scales."""
        head = (("fp8_gemm_nt", layout, recipe) if c is None and _keyable_recipe(recipe)
                else None)
        key, plan, pointers = self._planned(head, a, b, d)
        if plan is None:
            epoch = self._epoch
            plan = self._plan_dense(a, b, d, c, recipe, layout)
            self._remember(key, plan, epoch)
            pointers = _data_pointers(a, b, d)
        if plan.__class__ is not _DensePlan:
            if plan is _NO_ROWS:
                return None
            return self._not_covered(plan.what, "fp8_gemm_nt", (a, b, d),
                                     {"c": c, "recipe": recipe, "compiled_dims": compiled_dims,
                                      "disable_ue8m0_cast": disable_ue8m0_cast}, layout)
        (gemm, handle, device, m, n, k, ws_bytes, row_stride, sfa_layout, sfb_layout,
         scratch_bytes) = plan
        a_ptr, sfa_ptr, b_ptr, sfb_ptr, d_ptr = pointers
        # NOTE: the copies and the scratch stay referenced (locals) until the library has queued
        # the GEMM: freed before, their memory could go to the next allocation on the stream.
        if sfa_layout is not None:
            sfa_copy = _copy_into(a[1], *sfa_layout)
            sfa_ptr = sfa_copy.data_ptr()
        if sfb_layout is not None:
            sfb_copy = _copy_into(b[1], *sfb_layout)
            sfb_ptr = sfb_copy.data_ptr()
        cu_stream = _current_stream(device, stream)
        ws_ptr = self._workspace(device, cu_stream, ws_bytes, d).data_ptr() if ws_bytes else 0
        if row_stride:
            scratch = a[0].new_empty((scratch_bytes,))  # see m_grouped_fp8_gemm_nt_contiguous
            status = gemm(handle, m, n, k, a_ptr, sfa_ptr, row_stride, b_ptr, sfb_ptr, d_ptr,
                          ws_ptr, ws_bytes, scratch.data_ptr(), scratch_bytes, cu_stream)
        else:
            status = gemm(handle, m, n, k, a_ptr, sfa_ptr, b_ptr, sfb_ptr, d_ptr, ws_ptr,
                          ws_bytes, cu_stream)
        if status != 0:
            self._raise_status("fp8_gemm_nt", status, f"{m} x {n} x {k}")
        return None

    def m_grouped_fp8_gemm_nt_contiguous(self, a, b, d, m_indices, recipe=None,
                                         compiled_dims="nk", disable_ue8m0_cast=False, *,
                                         layout="deepgemm", stream=None):
        """Contiguous grouped GEMM: row r of a and d uses group m_indices[r] of b [g, n, k]
        (layout="gemmtune": pass int32 offsets [g + 1] as m_indices)."""
        head = (("m_grouped_fp8_gemm_nt_contiguous", layout, recipe)
                if _keyable_recipe(recipe) else None)
        key, plan, pointers = self._planned(head, a, b, d, m_indices)
        if plan is None:
            epoch = self._epoch
            plan = self._plan_contiguous(a, b, d, m_indices, recipe, layout)
            self._remember(key, plan, epoch)
            pointers = _data_pointers(a, b, d, m_indices)
        if plan.__class__ is not _ContiguousPlan:
            return self._not_covered(plan.what, "m_grouped_fp8_gemm_nt_contiguous",
                                     (a, b, d, m_indices),
                                     {"recipe": recipe, "compiled_dims": compiled_dims,
                                      "disable_ue8m0_cast": disable_ue8m0_cast}, layout)
        (gemm, handle, device, g, m, row_align, n, k, offsets_by, row_stride, sfa_layout,
         sfb_layout, scratch_bytes) = plan
        a_ptr, sfa_ptr, b_ptr, sfb_ptr, d_ptr, index_ptr = pointers
        if sfa_layout is not None:  # kept referenced: see fp8_gemm_nt
            sfa_copy = _copy_into(a[1], *sfa_layout)
            sfa_ptr = sfa_copy.data_ptr()
        if sfb_layout is not None:
            sfb_copy = _copy_into(b[1], *sfb_layout)
            sfb_ptr = sfb_copy.data_ptr()
        cu_stream = _current_stream(device, stream)
        if offsets_by == _OFFSETS_BY_KERNEL:
            # NOTE: a's dtype is one byte wide, so its new_empty is a byte buffer on a's device
            # and stream, from PyTorch's caching allocator (no synchronisation, graph-capturable).
            scratch = a[0].new_empty((scratch_bytes,))
            status = gemm(handle, g, m, n, k, index_ptr, a_ptr, sfa_ptr, row_stride, b_ptr,
                          sfb_ptr, d_ptr, scratch.data_ptr(), scratch_bytes, cu_stream)
        else:
            if offsets_by == _OFFSETS_BY_PYTORCH:
                offsets = _group_offsets_device(m_indices, g)
                index_ptr = offsets.data_ptr()
            # NOTE: no group ends on this path: gemmtune's offsets end each group where the next
            # starts, and without the conversion kernel the -1 rows after a group are computed
            # with its weights.
            status = gemm(handle, g, m, row_align, n, k, index_ptr, None, a_ptr, sfa_ptr, b_ptr,
                          sfb_ptr, d_ptr, cu_stream)
        if status != 0:
            self._raise_status("m_grouped_fp8_gemm_nt_contiguous", status,
                               f"{g} groups of {n} x {k}, {m} rows")
        return None

    def m_grouped_fp8_gemm_nt_masked(self, a, b, d, masked_m, expected_m, recipe=None,
                                     compiled_dims="nk", disable_ue8m0_cast=False, *,
                                     layout="deepgemm", stream=None):
        """Masked grouped GEMM: group i computes rows 0..masked_m[i] of a[i] x b[i]^T into d[i]."""
        # NOTE: only a plain int expected_m keys a plan: True == 1 and 2.0 == 2 would share one
        # with an int the checks accept, where the checks refuse them.
        head = (("m_grouped_fp8_gemm_nt_masked", layout, recipe, expected_m)
                if type(expected_m) is int and _keyable_recipe(recipe) else None)
        key, plan, pointers = self._planned(head, a, b, d, masked_m)
        if plan is None:
            epoch = self._epoch
            plan = self._plan_masked(a, b, d, masked_m, expected_m, recipe, layout)
            self._remember(key, plan, epoch)
            pointers = _data_pointers(a, b, d, masked_m)
        if plan.__class__ is not _MaskedPlan:
            return self._not_covered(plan.what, "m_grouped_fp8_gemm_nt_masked",
                                     (a, b, d, masked_m, int(expected_m)),
                                     {"recipe": recipe, "compiled_dims": compiled_dims,
                                      "disable_ue8m0_cast": disable_ue8m0_cast}, layout)
        (gemm, handle, device, g, max_m, expected_m, n, k, row_stride, sfa_layout, sfb_layout,
         scratch_bytes) = plan
        a_ptr, sfa_ptr, b_ptr, sfb_ptr, d_ptr, index_ptr = pointers
        if sfa_layout is not None:  # kept referenced: see fp8_gemm_nt
            sfa_copy = _copy_into(a[1], *sfa_layout)
            sfa_ptr = sfa_copy.data_ptr()
        if sfb_layout is not None:
            sfb_copy = _copy_into(b[1], *sfb_layout)
            sfb_ptr = sfb_copy.data_ptr()
        cu_stream = _current_stream(device, stream)
        if row_stride:
            scratch = a[0].new_empty((scratch_bytes,))  # see m_grouped_fp8_gemm_nt_contiguous
            status = gemm(handle, g, max_m, expected_m, n, k, index_ptr, a_ptr, sfa_ptr,
                          row_stride, b_ptr, sfb_ptr, d_ptr, scratch.data_ptr(), scratch_bytes,
                          cu_stream)
        else:
            status = gemm(handle, g, max_m, expected_m, n, k, index_ptr, a_ptr, sfa_ptr, b_ptr,
                          sfb_ptr, d_ptr, cu_stream)
        if status != 0:
            self._raise_status("m_grouped_fp8_gemm_nt_masked", status,
                               f"{g} groups of {n} x {k}, max_m {max_m}")
        return None

    # -- the plans: each call's checks and selection, at the first call of a signature -------------

    def _planned(self, head, a, b, d, index=None):
        """(key, plan, pointers) of a call: the plan kept for its signature with its data
        pointers (_data_pointers), or (key, None, None) on a miss or when an operand is not
        16-byte aligned; key is None (nothing is kept) when `head` is None or the arguments have
        no signature (e.g. one is not a tensor: the checks will say so)."""
        if head is None or not (isinstance(a, (tuple, list)) and len(a) == 2 and
                                isinstance(b, (tuple, list)) and len(b) == 2):
            return None, None, None
        key = _signature(head, (a[0], a[1], b[0], b[1], d) if index is None else
                         (a[0], a[1], b[0], b[1], d, index))
        try:
            plan = self._plans.get(key)
        except TypeError:  # an unhashable part (a shape given as a list): no signature
            return None, None, None
        if plan is None:
            return key, None, None
        pointers = _data_pointers(a, b, d, index)
        a_ptr, sfa_ptr, b_ptr, sfb_ptr, d_ptr = pointers[:5]
        if (a_ptr | sfa_ptr | b_ptr | sfb_ptr | d_ptr) % _TMA_ALIGNMENT_BYTES:
            return key, None, None
        return key, plan, pointers

    def _remember(self, key, plan, epoch):
        """Keeps `plan` under `key` (None: not kept), unless close() or set_fallback_kernel() ran
        since its checks began at `epoch` (its handle or its coverage may be stale)."""
        if key is None:
            return
        with self._lock:
            if epoch != self._epoch:
                return
            if len(self._plans) >= _PLAN_CACHE_ENTRIES:
                del self._plans[next(iter(self._plans))]  # the oldest (insertion order)
            self._plans[key] = plan

    def _forget_plans(self):
        """Drops every plan (the caller holds self._lock): their handles or coverage changed."""
        self._epoch += 1
        self._plans.clear()

    def _plan_dense(self, a, b, d, c, recipe, layout):
        """fp8_gemm_nt's checks and selection: a _DensePlan, _Uncovered or _NO_ROWS (m = 0)."""
        copy = _layout_copies(layout)
        _no_accumulate(c, recipe)
        (a_t, sfa), (b_t, sfb) = _pair("a", a), _pair("b", b)
        _check_tensor("a", a_t, _E4M3, 2)
        _check_tensor("b", b_t, _E4M3, 2)
        _check_tensor("d", d, _BF16, 2)
        _check_tensor("sfa", sfa, _F32, 2)
        _check_tensor("sfb", sfb, _F32, 2)
        m, k = a_t.shape
        n = b_t.shape[0]
        kb, nb = _ceil_div(k, 128), _ceil_div(n, 128)
        _check_shape("b", b_t, (n, k))
        _check_shape("d", d, (m, n))
        _check_problem(n, k)
        for name, t in (("a", a_t), ("b", b_t), ("d", d)):
            _check_contiguous(name, t)
        device = _device_of([("a", a_t), ("sfa", sfa), ("b", b_t), ("sfb", sfb), ("d", d)])
        if m == 0:
            return _NO_ROWS
        handle = self._handle(device)
        key = (device, m, n, k)
        if key not in self._shapes:
            covered = self._lib.gemmtune_bundle_select(handle, m, n, k) >= 0
            self._shapes[key] = (self._lib.gemmtune_bundle_workspace_bytes(handle, m, n, k)
                                 if covered else None)
        ws_bytes = self._shapes[key]
        if ws_bytes is None:
            return _Uncovered(f"{m} x {n} x {k}")
        row_stride = self._converted_by_kernel(device, sfa, (m, kb), _sfa_strides(m), copy)
        sfa_layout, sfb_layout = _dense_scale_layouts(sfa, sfb, m, kb, nb, copy,
                                                      convert_sfa=not row_stride)
        lib = self._lib
        return _DensePlan(
            gemm=lib.gemmtune_bundle_gemm_deepgemm if row_stride else lib.gemmtune_bundle_gemm,
            handle=handle, device=device, m=m, n=n, k=k, ws_bytes=ws_bytes, row_stride=row_stride,
            sfa_layout=sfa_layout, sfb_layout=sfb_layout,
            scratch_bytes=lib.gemmtune_bundle_deepgemm_scratch_bytes(m, k) if row_stride else 0)

    def _plan_contiguous(self, a, b, d, m_indices, recipe, layout):
        """m_grouped_fp8_gemm_nt_contiguous's checks and selection: a _ContiguousPlan or
        _Uncovered. In DeepGEMM's layout with the library's conversion kernel, one library call
        launches the conversion (offsets and group ends from m_indices; sfa to MN-major unless it
        already is) and the GEMM, with one scratch allocation per call."""
        copy = _layout_copies(layout)
        _no_accumulate(None, recipe)
        (a_t, sfa), (b_t, sfb) = _pair("a", a), _pair("b", b)
        _check_tensor("a", a_t, _E4M3, 2)
        _check_tensor("b", b_t, _E4M3, 3)
        _check_tensor("d", d, _BF16, 2)
        _check_tensor("sfa", sfa, _F32, 2)
        _check_tensor("sfb", sfb, _F32, 3 if copy else 2)
        _check_tensor("m_indices", m_indices, _I32, 1, tma=False)
        m, k = a_t.shape
        g, n = b_t.shape[0], b_t.shape[1]
        kb, nb = _ceil_div(k, 128), _ceil_div(n, 128)
        _check_shape("b", b_t, (g, n, k))
        _check_shape("d", d, (m, n))
        _check_problem(n, k)
        _check_contiguous("m_indices", m_indices)
        for name, t in (("a", a_t), ("b", b_t), ("d", d)):
            _check_contiguous(name, t)
        device = _device_of([("a", a_t), ("sfa", sfa), ("b", b_t), ("sfb", sfb), ("d", d),
                             ("m_indices", m_indices)])
        handle = self._handle(device)
        row_align = _DEEPGEMM_GROUP_ROW_ALIGN if copy else 1
        if self._lib.gemmtune_bundle_select_grouped(
                handle, _LAYOUT_CONTIGUOUS, g, n, k, _selection_rows(g, m, row_align), m, 0) < 0 \
                and m > 0:
            return _Uncovered(f"{g} groups of {n} x {k}, {m} rows")
        kb4 = _round_up(kb, 4)
        lib = self._lib
        plan = dict(handle=handle, device=device, groups=g, m=m, row_align=row_align, n=n, k=k)
        if copy and self._layout_kernel.get(device):
            _check_shape("sfb", sfb, (g, nb, kb))
            _check_shape("m_indices", m_indices, (m,))
            _check_shape("sfa", sfa, (m, kb))
            # K-major rows: the kernel transposes them; 0: already the kernels' layout
            # (DeepGEMM's TMA-aligned sfa), or another layout, copied per call.
            row_stride = self._converted_by_kernel(device, sfa, (m, kb), _sfa_strides(m), True)
            return _ContiguousPlan(
                gemm=lib.gemmtune_bundle_gemm_grouped_contiguous_deepgemm,
                offsets_by=_OFFSETS_BY_KERNEL, row_stride=row_stride,
                sfa_layout=(None if row_stride else
                            _layout_of(sfa, _sfa_strides(m), kb * _round_up(m, 4))),
                sfb_layout=_layout_of(sfb, (nb * kb4, kb4, 1), g * nb * kb4),
                scratch_bytes=lib.gemmtune_bundle_deepgemm_contiguous_scratch_bytes(g, m, k),
                **plan)
        if copy:
            _check_shape("sfb", sfb, (g, nb, kb))
            _check_shape("m_indices", m_indices, (m,))
            sfa_layout = _layout_of(sfa, _sfa_strides(m), kb * _round_up(m, 4))
            sfb_layout = _layout_of(sfb, (nb * kb4, kb4, 1), g * nb * kb4)
        else:
            _check_gemmtune_scale("sfa", sfa, (kb, _round_up(m, 4)), m)
            _check_gemmtune_scale("sfb", sfb, (g * nb, kb4), kb)
            _check_shape("m_indices (offsets)", m_indices, (g + 1,))
            sfa_layout = sfb_layout = None
        return _ContiguousPlan(
            gemm=lib.gemmtune_bundle_gemm_grouped_contiguous_padded,
            offsets_by=_OFFSETS_BY_PYTORCH if copy else _OFFSETS_BY_CALLER, row_stride=0,
            sfa_layout=sfa_layout, sfb_layout=sfb_layout, scratch_bytes=0, **plan)

    def _plan_masked(self, a, b, d, masked_m, expected_m, recipe, layout):
        """m_grouped_fp8_gemm_nt_masked's checks and selection: a _MaskedPlan or _Uncovered."""
        copy = _layout_copies(layout)
        _no_accumulate(None, recipe)
        (a_t, sfa), (b_t, sfb) = _pair("a", a), _pair("b", b)
        _check_tensor("a", a_t, _E4M3, 3)
        _check_tensor("b", b_t, _E4M3, 3)
        _check_tensor("d", d, _BF16, 3)
        _check_tensor("sfa", sfa, _F32, 3 if copy else 2)
        _check_tensor("sfb", sfb, _F32, 3 if copy else 2)
        _check_tensor("masked_m", masked_m, _I32, 1, tma=False)
        g, max_m, k = a_t.shape
        n = b_t.shape[1]
        kb, nb = _ceil_div(k, 128), _ceil_div(n, 128)
        _check_shape("b", b_t, (g, n, k))
        _check_shape("d", d, (g, max_m, n))
        _check_shape("masked_m", masked_m, (g,))
        _check_problem(n, k)
        if isinstance(expected_m, bool) or not hasattr(expected_m, "__index__") or expected_m < 1:
            raise ValueError(f"expected_m: {expected_m!r}, expected a positive int")
        expected_m = int(expected_m)
        for name, t in (("a", a_t), ("b", b_t), ("d", d), ("masked_m", masked_m)):
            _check_contiguous(name, t)
        device = _device_of([("a", a_t), ("sfa", sfa), ("b", b_t), ("sfb", sfb), ("d", d),
                             ("masked_m", masked_m)])
        rows, kb4 = g * max_m, _round_up(kb, 4)
        handle = self._handle(device)
        if self._lib.gemmtune_bundle_select_grouped(handle, _LAYOUT_MASKED, g, n, k,
                                                    expected_m * g, rows, max_m) < 0:
            return _Uncovered(f"{g} groups of {n} x {k}, max_m {max_m}")
        rows4 = _round_up(rows, 4)
        row_stride = self._converted_by_kernel(device, sfa, (g, max_m, kb), (max_m, 1, rows4),
                                               copy)
        if copy:
            _check_shape("sfa", sfa, (g, max_m, kb))
            _check_shape("sfb", sfb, (g, nb, kb))
            sfa_layout = None if row_stride else _layout_of(sfa, (max_m, 1, rows4), kb * rows4)
            sfb_layout = _layout_of(sfb, (nb * kb4, kb4, 1), g * nb * kb4)
        else:
            _check_gemmtune_scale("sfa", sfa, (kb, rows4), rows)
            _check_gemmtune_scale("sfb", sfb, (g * nb, kb4), kb)
            sfa_layout = sfb_layout = None
        lib = self._lib
        return _MaskedPlan(
            gemm=(lib.gemmtune_bundle_gemm_grouped_masked_deepgemm if row_stride else
                  lib.gemmtune_bundle_gemm_grouped_masked),
            handle=handle, device=device, groups=g, max_m=max_m, expected_m=expected_m, n=n, k=k,
            row_stride=row_stride, sfa_layout=sfa_layout, sfb_layout=sfb_layout,
            scratch_bytes=lib.gemmtune_bundle_deepgemm_scratch_bytes(rows, k) if row_stride else 0)

    def _converted_by_kernel(self, device, sfa, shape, mn_major_strides, copy):
        """The row stride to pass the library's *_deepgemm call when the bundle's conversion
        kernel is to transpose this DeepGEMM-layout sfa of `shape`; 0 (the plain call) when
        there is no kernel, sfa is in the kernels' layout already (`mn_major_strides`), or its
        layout is another (then PyTorch copies it)."""
        if not copy or not self._layout_kernel.get(device):
            return 0
        _check_shape("sfa", sfa, shape)
        if _strides_match(sfa, mn_major_strides):
            return 0
        return _k_major_row_stride(sfa) or 0


def _layout_copies(layout):
    """True for layout="deepgemm" (scales converted when needed), False for "gemmtune"."""
    if layout not in ("deepgemm", "gemmtune"):
        raise ValueError(f"layout: {layout!r}, expected 'deepgemm' or 'gemmtune'")
    return layout == "deepgemm"


def _no_accumulate(c, recipe):
    if c is not None:
        raise ValueError("c: accumulation into c is not supported; pass c=None")
    if recipe is not None and tuple(recipe) != (1, 128, 128):
        raise ValueError(f"recipe: {tuple(recipe)}, only (1, 128, 128) is supported")


def _pair(name, value):
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise TypeError(f"{name}: expected a ({name}, sf{name}) pair, got {type(value).__name__}")
    return value[0], value[1]


def _check_gemmtune_scale(name, t, storage_shape, used_columns):
    """A gemmtune-layout scale tensor: [rows, ld] row-major, or its [rows, used] view with row
    stride ld."""
    rows, ld = storage_shape
    if tuple(t.shape) not in ((rows, ld), (rows, used_columns)):
        raise ValueError(f"{name}: shape {tuple(t.shape)}, layout='gemmtune' expects "
                         f"{(rows, ld)} (or {(rows, used_columns)} with row stride {ld})")
    if not _strides_match(t, (ld, 1)):
        raise ValueError(f"{name}: strides {tuple(t.stride())}, layout='gemmtune' expects "
                         f"({ld}, 1)")


# ---------------------------------------------------------------------------------------------
# The module-level API, over one default bundle (DeepGEMM's call names).

_default = None
_default_lock = threading.Lock()


def load(bundle_dir=None, build=True):
    """Loads the bundle in `bundle_dir` (default: $GEMMTUNE_BUNDLE_DIR) and makes it the one the
    module-level functions use. Builds libgemmtune_bundle.so with the folder's build.sh when it
    is missing and `build` is true. The kernels load on first use on each device."""
    global _default
    if bundle_dir is None:
        bundle_dir = os.environ.get("GEMMTUNE_BUNDLE_DIR")
        if not bundle_dir:
            raise BundleLoadError("load(): no bundle_dir and GEMMTUNE_BUNDLE_DIR is not set")
    bundle = Bundle(bundle_dir, build=build)
    with _default_lock:
        _default = bundle
    return bundle


def _bundle():
    global _default
    if _default is None:
        with _default_lock:
            if _default is None and os.environ.get("GEMMTUNE_BUNDLE_DIR"):
                _default = Bundle(os.environ["GEMMTUNE_BUNDLE_DIR"])
    if _default is None:
        raise BundleError("no bundle loaded: call gemmtune_bundle.load(DIR) first")
    return _default


def set_fallback(fallback):
    """Bundle.set_fallback on the loaded bundle."""
    _bundle().set_fallback(fallback)


def fp8_gemm_nt(a, b, d, *args, **kwargs):
    """Bundle.fp8_gemm_nt on the loaded bundle."""
    return _bundle().fp8_gemm_nt(a, b, d, *args, **kwargs)


def m_grouped_fp8_gemm_nt_contiguous(a, b, d, m_indices, *args, **kwargs):
    """Bundle.m_grouped_fp8_gemm_nt_contiguous on the loaded bundle."""
    return _bundle().m_grouped_fp8_gemm_nt_contiguous(a, b, d, m_indices, *args, **kwargs)


def m_grouped_fp8_gemm_nt_masked(a, b, d, masked_m, expected_m, *args, **kwargs):
    """Bundle.m_grouped_fp8_gemm_nt_masked on the loaded bundle."""
    return _bundle().m_grouped_fp8_gemm_nt_masked(a, b, d, masked_m, expected_m, *args, **kwargs)
