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

The module's parts lie beside it in the bundle folder, imported by plain name from there:
gemmtune_bundle_arguments.py (the argument checks, the scale layouts, the group offsets),
gemmtune_bundle_plans.py (what a call's checks and selection conclude, per signature) and
gemmtune_bundle_library.py (the errors and the C library: declaring, building, loading it).
"""

import json
import os
import sys
import threading

import gemmtune_bundle_arguments
import gemmtune_bundle_library
from gemmtune_bundle_arguments import (
    _TMA_ALIGNMENT_BYTES, _ceil_div, _group_offsets_device, _scale_pointers, group_offsets,
    to_gemmtune_sfa, to_gemmtune_sfb)
from gemmtune_bundle_library import (
    LIBRARY_NAME, _CUDA_ERROR_NOT_FOUND, _DEEPGEMM_GROUP_ROW_ALIGN, _LAYOUT_CONTIGUOUS,
    _LAYOUT_MASKED, BundleError, BundleLoadError, CudaError, ShapeNotCoveredError, _check_library,
    _create_handle, _error_name, _open_library, _selection_rows)
from gemmtune_bundle_plans import (
    _NO_ROWS, _OFFSETS_BY_KERNEL, _OFFSETS_BY_PYTORCH, _ContiguousPlan, _DensePlan, _MaskedPlan,
    _data_pointers, _keyable_recipe, _plan_contiguous, _plan_dense, _plan_masked, _signature)

__all__ = [
    "BundleError", "BundleLoadError", "ShapeNotCoveredError", "CudaError", "Bundle", "load",
    "set_fallback", "fp8_gemm_nt", "m_grouped_fp8_gemm_nt_contiguous",
    "m_grouped_fp8_gemm_nt_masked", "to_gemmtune_sfa", "to_gemmtune_sfb", "group_offsets",
]

# NOTE: reachable as gemmtune_bundle.<name> though this module's code does not use them: the
# bundle's tests and scripts read them here.
ABI_VERSION = gemmtune_bundle_library.ABI_VERSION
_declare = gemmtune_bundle_library._declare
group_ends = gemmtune_bundle_arguments.group_ends
_k_major_row_stride = gemmtune_bundle_arguments._k_major_row_stride


# ---------------------------------------------------------------------------------------------
# The stream a call launches on. NOTE: here, as is the default bundle (_default), so that each
# module-level state has one owner, this module, where tests patch it (gemmtune_bundle.<name>).

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
# What a call's checks and selection conclude is kept per argument signature (Bundle._plans;
# the plans themselves: gemmtune_bundle_plans.py).

# Bounded so that a caller whose shapes never repeat cannot grow it without end; past it the
# oldest plan goes first.
_PLAN_CACHE_ENTRIES = 4096


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
        # _library: the tests' stand-in for the C ABI
        self._lib = _open_library(self.directory, build) if _library is None else _library
        _check_library(self._lib, library, self.manifest, manifest_path)
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

    def _handle(self, device):
        handle = self._handles.get(device)
        if handle is not None:
            return handle
        with self._lock:
            handle = self._handles.get(device)
            if handle is None:
                handle = _create_handle(self._lib, self.directory, self.manifest, device)
                self._layout_kernel[device] = bool(
                    self._lib.gemmtune_bundle_has_deepgemm_layout(handle))
                self._handles[device] = handle
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
                             f"({_error_name(self._lib, status)})")
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
            code, row_align = _LAYOUT_MASKED, 1
            max_m = max(1, rows // groups) if max_m is None else max_m
            m = groups * max_m
        else:
            raise ValueError(f"layout: {layout!r}, expected 'grouped_contiguous' or "
                             "'grouped_masked'")
        index = self._lib.gemmtune_bundle_select_grouped(self._handle(device), code, groups, n, k,
                                                         rows, m, max_m, row_align)
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
        raise CudaError(f"{name}: {what}: {_error_name(self._lib, status)} ({status})", status,
                        _error_name(self._lib, status))

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
    # arguments), so the _plan_* functions (gemmtune_bundle_plans.py) run them (every check, in
    # its order, each error as documented) at the first call of a signature and the conclusion
    # (a plan) is kept in self._plans. A later call of the same signature checks what the
    # signature leaves out, the operands' 16-byte alignment (a misaligned one reruns the checks,
    # which raise), and does per call only what can change under it: the data pointers, the
    # current stream, the scale copies and the scratch allocation.

    def fp8_gemm_nt(self, a, b, d, c=None, recipe=None, compiled_dims="nk",
                    disable_ue8m0_cast=False, *, layout="deepgemm", stream=None):
        """d [m, n] bf16 = a [m, k] x b [n, k]^T with 1x128 (a) and 128x128 (b) scales."""
        head = (("fp8_gemm_nt", layout, recipe) if c is None and _keyable_recipe(recipe)
                else None)
        plan, pointers = self._plan_of(
            head, lambda: _plan_dense(self, a, b, d, c, recipe, layout), a, b, d)
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
        sfa_ptr, sfb_ptr, copies = _scale_pointers(a, b, sfa_layout, sfb_layout, sfa_ptr, sfb_ptr)
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
        plan, pointers = self._plan_of(
            head, lambda: _plan_contiguous(self, a, b, d, m_indices, recipe, layout), a, b, d,
            m_indices)
        if plan.__class__ is not _ContiguousPlan:
            return self._not_covered(plan.what, "m_grouped_fp8_gemm_nt_contiguous",
                                     (a, b, d, m_indices),
                                     {"recipe": recipe, "compiled_dims": compiled_dims,
                                      "disable_ue8m0_cast": disable_ue8m0_cast}, layout)
        (gemm, handle, device, g, m, row_align, n, k, offsets_by, row_stride, sfa_layout,
         sfb_layout, scratch_bytes) = plan
        a_ptr, sfa_ptr, b_ptr, sfb_ptr, d_ptr, index_ptr = pointers
        # kept referenced: see fp8_gemm_nt
        sfa_ptr, sfb_ptr, copies = _scale_pointers(a, b, sfa_layout, sfb_layout, sfa_ptr, sfb_ptr)
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
        plan, pointers = self._plan_of(
            head, lambda: _plan_masked(self, a, b, d, masked_m, expected_m, recipe, layout), a,
            b, d, masked_m)
        if plan.__class__ is not _MaskedPlan:
            return self._not_covered(plan.what, "m_grouped_fp8_gemm_nt_masked",
                                     (a, b, d, masked_m, int(expected_m)),
                                     {"recipe": recipe, "compiled_dims": compiled_dims,
                                      "disable_ue8m0_cast": disable_ue8m0_cast}, layout)
        (gemm, handle, device, g, max_m, expected_m, n, k, row_stride, sfa_layout, sfb_layout,
         scratch_bytes) = plan
        a_ptr, sfa_ptr, b_ptr, sfb_ptr, d_ptr, index_ptr = pointers
        # kept referenced: see fp8_gemm_nt
        sfa_ptr, sfb_ptr, copies = _scale_pointers(a, b, sfa_layout, sfb_layout, sfa_ptr, sfb_ptr)
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

    # -- the plans kept per signature --------------------------------------------------------------

    def _plan_of(self, head, plan_call, a, b, d, index=None):
        """(plan, pointers) of a call: the plan kept for its signature (_planned), or on a miss
        plan_call()'s (every check, then the selection), kept unless its signature has none."""
        key, plan, pointers = self._planned(head, a, b, d, index)
        if plan is None:
            epoch = self._epoch
            plan = plan_call()
            self._remember(key, plan, epoch)
            pointers = _data_pointers(a, b, d, index)
        return plan, pointers

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
