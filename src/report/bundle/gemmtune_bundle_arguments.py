"""The calls' arguments for gemmtune_bundle: their checks (each error names the argument and
what was expected), the scale layouts of DeepGEMM and of gemmtune's kernels and the copies
between them, and the conversion of DeepGEMM's contiguous m_indices into gemmtune's group
offsets (a host reference, and PyTorch ops for a library without the conversion kernel).

Only the tensors' own methods are used (PyTorch only inside _group_offsets_device, reached with
real tensors), so importing this needs neither PyTorch nor a GPU.
"""

_E4M3 = "torch.float8_e4m3fn"
_F32 = "torch.float32"
_BF16 = "torch.bfloat16"
_I32 = "torch.int32"
_TMA_ALIGNMENT_BYTES = 16


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


def _checked_operands(a, b, d, ranks, scale_ranks, index=None):
    """The (a, sfa) and (b, sfb) pairs and d of a call, checked in this order: the pairs, then
    a, b and d (e4m3, e4m3, bf16 of `ranks`), sfa and sfb (fp32 of `scale_ranks`), and the int32
    group index `index` = (name, tensor) when given. Returns (a_t, sfa, b_t, sfb)."""
    (a_t, sfa), (b_t, sfb) = _pair("a", a), _pair("b", b)
    _check_tensor("a", a_t, _E4M3, ranks[0])
    _check_tensor("b", b_t, _E4M3, ranks[1])
    _check_tensor("d", d, _BF16, ranks[2])
    _check_tensor("sfa", sfa, _F32, scale_ranks[0])
    _check_tensor("sfb", sfb, _F32, scale_ranks[1])
    if index is not None:
        _check_tensor(index[0], index[1], _I32, 1, tma=False)
    return a_t, sfa, b_t, sfb


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
# Scale layouts: DeepGEMM's, the kernels' (MN-major sfa, sfb rows padded to 4 K blocks), and the
# copies from one to the other.

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


def _scale_pointers(a, b, sfa_layout, sfb_layout, sfa_ptr, sfb_ptr):
    """(sfa_ptr, sfb_ptr, copies): the scale pointers a library call takes, sfa and sfb copied
    into `sfa_layout` / `sfb_layout` where those are not None (a plan's layouts).
    NOTE: the caller keeps `copies` referenced until the library has queued the GEMM: freed
    before, their memory could go to the next allocation on the stream."""
    copies = []
    if sfa_layout is not None:
        copies.append(_copy_into(a[1], *sfa_layout))
        sfa_ptr = copies[-1].data_ptr()
    if sfb_layout is not None:
        copies.append(_copy_into(b[1], *sfb_layout))
        sfb_ptr = copies[-1].data_ptr()
    return sfa_ptr, sfb_ptr, copies


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


# ---------------------------------------------------------------------------------------------
# The contiguous layout's group offsets: DeepGEMM's m_indices to gemmtune's offsets.

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

