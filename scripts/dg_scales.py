"""What DeepGEMM's side of a side-by-side row was given as activation scales: the rows' `dg_scales`
field (scripts/device_vs_deepgemm.sh, scripts/device_grouped_vs_deepgemm.sh). Rows written before
the field existed gave it its tests' scales."""

# dg_scales -> the words the tables print after "DeepGEMM given".
DG_SCALES = {
    "preconverted": "its activation scales pre-converted (its kernels' layout)",
    "tests": "its tests' K-major activation scales (its call transposes them)",
}


def dg_scales(row):
    """The row's dg_scales, "tests" where it has none."""
    return row.get("dg_scales", "tests")


def described(scales):
    """What DeepGEMM was given, in words, for a dg_scales value (an unknown one as it is)."""
    return DG_SCALES.get(scales, scales)
