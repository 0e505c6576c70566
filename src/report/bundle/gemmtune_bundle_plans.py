"""What a gemmtune_bundle call's checks and its selection conclude (a plan), and the functions
that run them (every check, in its order, each error as documented) at the first call of an
argument signature; Bundle keeps each plan under that signature (Bundle._plans) for the calls
that repeat it.
"""

import collections

from gemmtune_bundle_arguments import (
    _ceil_div, _check_contiguous, _check_gemmtune_scale, _check_problem, _check_shape,
    _checked_operands, _dense_scale_layouts, _device_of, _k_major_row_stride, _layout_copies,
    _layout_of, _no_accumulate, _round_up, _sfa_strides, _strides_match)
from gemmtune_bundle_library import (
    _DEEPGEMM_GROUP_ROW_ALIGN, _LAYOUT_CONTIGUOUS, _LAYOUT_MASKED, _selection_rows)


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


# ---------------------------------------------------------------------------------------------
# Each call's checks and selection: what its first call of a signature runs. They read the
# bundle's library and its per-device state (bundle._lib, bundle._handle(device),
# bundle._layout_kernel, bundle._shapes).

def _plan_dense(bundle, a, b, d, c, recipe, layout):
    """fp8_gemm_nt's checks and selection: a _DensePlan, _Uncovered or _NO_ROWS (m = 0)."""
    copy = _layout_copies(layout)
    _no_accumulate(c, recipe)
    a_t, sfa, b_t, sfb = _checked_operands(a, b, d, (2, 2, 2), (2, 2))
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
    handle = bundle._handle(device)
    key = (device, m, n, k)
    if key not in bundle._shapes:
        covered = bundle._lib.gemmtune_bundle_select(handle, m, n, k) >= 0
        bundle._shapes[key] = (bundle._lib.gemmtune_bundle_workspace_bytes(handle, m, n, k)
                               if covered else None)
    ws_bytes = bundle._shapes[key]
    if ws_bytes is None:
        return _Uncovered(f"{m} x {n} x {k}")
    row_stride = _converted_by_kernel(bundle, device, sfa, (m, kb), _sfa_strides(m), copy)
    sfa_layout, sfb_layout = _dense_scale_layouts(sfa, sfb, m, kb, nb, copy,
                                                  convert_sfa=not row_stride)
    lib = bundle._lib
    return _DensePlan(
        gemm=lib.gemmtune_bundle_gemm_deepgemm if row_stride else lib.gemmtune_bundle_gemm,
        handle=handle, device=device, m=m, n=n, k=k, ws_bytes=ws_bytes, row_stride=row_stride,
        sfa_layout=sfa_layout, sfb_layout=sfb_layout,
        scratch_bytes=lib.gemmtune_bundle_deepgemm_scratch_bytes(m, k) if row_stride else 0)


def _plan_contiguous(bundle, a, b, d, m_indices, recipe, layout):
    """m_grouped_fp8_gemm_nt_contiguous's checks and selection: a _ContiguousPlan or
    _Uncovered. In DeepGEMM's layout with the library's conversion kernel, one library call
    launches the conversion (offsets and group ends from m_indices; sfa to MN-major unless it
    already is) and the GEMM, with one scratch allocation per call."""
    copy = _layout_copies(layout)
    _no_accumulate(None, recipe)
    a_t, sfa, b_t, sfb = _checked_operands(a, b, d, (2, 3, 2), (2, 3 if copy else 2),
                                           ("m_indices", m_indices))
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
    handle = bundle._handle(device)
    row_align = _DEEPGEMM_GROUP_ROW_ALIGN if copy else 1
    if bundle._lib.gemmtune_bundle_select_grouped(
            handle, _LAYOUT_CONTIGUOUS, g, n, k, _selection_rows(g, m, row_align), m, 0,
            row_align) < 0 and m > 0:
        return _Uncovered(f"{g} groups of {n} x {k}, {m} rows")
    kb4 = _round_up(kb, 4)
    lib = bundle._lib
    plan = dict(handle=handle, device=device, groups=g, m=m, row_align=row_align, n=n, k=k)
    if copy and bundle._layout_kernel.get(device):
        _check_shape("sfb", sfb, (g, nb, kb))
        _check_shape("m_indices", m_indices, (m,))
        _check_shape("sfa", sfa, (m, kb))
        # K-major rows: the kernel transposes them; 0: already the kernels' layout
        # (DeepGEMM's TMA-aligned sfa), or another layout, copied per call.
        row_stride = _converted_by_kernel(bundle, device, sfa, (m, kb), _sfa_strides(m), True)
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


def _plan_masked(bundle, a, b, d, masked_m, expected_m, recipe, layout):
    """m_grouped_fp8_gemm_nt_masked's checks and selection: a _MaskedPlan or _Uncovered."""
    copy = _layout_copies(layout)
    _no_accumulate(None, recipe)
    a_t, sfa, b_t, sfb = _checked_operands(a, b, d, (3, 3, 3),
                                           (3 if copy else 2, 3 if copy else 2),
                                           ("masked_m", masked_m))
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
    handle = bundle._handle(device)
    if bundle._lib.gemmtune_bundle_select_grouped(handle, _LAYOUT_MASKED, g, n, k,
                                                  expected_m * g, rows, max_m, 1) < 0:
        return _Uncovered(f"{g} groups of {n} x {k}, max_m {max_m}")
    rows4 = _round_up(rows, 4)
    row_stride = _converted_by_kernel(bundle, device, sfa, (g, max_m, kb), (max_m, 1, rows4),
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
    lib = bundle._lib
    return _MaskedPlan(
        gemm=(lib.gemmtune_bundle_gemm_grouped_masked_deepgemm if row_stride else
              lib.gemmtune_bundle_gemm_grouped_masked),
        handle=handle, device=device, groups=g, max_m=max_m, expected_m=expected_m, n=n, k=k,
        row_stride=row_stride, sfa_layout=sfa_layout, sfb_layout=sfb_layout,
        scratch_bytes=lib.gemmtune_bundle_deepgemm_scratch_bytes(rows, k) if row_stride else 0)


def _converted_by_kernel(bundle, device, sfa, shape, mn_major_strides, copy):
    """The row stride to pass the library's *_deepgemm call when the bundle's conversion
    kernel is to transpose this DeepGEMM-layout sfa of `shape`; 0 (the plain call) when
    there is no kernel, sfa is in the kernels' layout already (`mn_major_strides`), or its
    layout is another (then PyTorch copies it)."""
    if not copy or not bundle._layout_kernel.get(device):
        return 0
    _check_shape("sfa", sfa, shape)
    if _strides_match(sfa, mn_major_strides):
        return 0
    return _k_major_row_stride(sfa) or 0
