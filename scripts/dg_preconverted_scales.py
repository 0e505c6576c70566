#!/usr/bin/env python3
"""Runs a DeepGEMM timing harness unchanged, with DeepGEMM's GEMM calls given their activation
scales already in the layout its kernels read.

usage: dg_preconverted_scales.py SCRIPT [ARGS...]
   e.g. dg_preconverted_scales.py .anchors/dg_compare.py TABLE.json GEMMTUNE OUT.jsonl
        dg_preconverted_scales.py scripts/dg_sample_period.py P.json .anchors/dg_grouped.py ...

Why: the harnesses quantize as DeepGEMM's tests do (per_token_cast_to_fp8), which writes K-major
activation scales, [m, ceil(k/128)]. DeepGEMM's kernels read them MN-major and TMA-aligned, so
each call first transposes them with a kernel of its own (2.1-4.8 µs a dense call on the H200),
inside the timed region. `gemmtune run` times its kernel alone on the layout it reads. Inference
engines write DeepGEMM's layout directly in their quantization (SGLang, vLLM), so the comparison of
the two kernels, and of what a server pays, gives DeepGEMM that layout too.

How: fp8_gemm_nt and the two m-grouped calls of the deep_gemm module are wrapped. The wrapper
converts a scale tensor once (get_mn_major_tma_aligned_tensor, DeepGEMM's own conversion), on the
first call that passes it (the harness's untimed first call), and passes the converted tensor to
every later call with that same tensor. Only the last tensor is kept, by reference, so a new
problem's tensor (even at a reused address) is converted afresh. The call's result is unchanged
(the same kernel reads the same values; the harness's dg_diff still checks it against the
reference). At exit one line on stderr says how many calls were given converted scales and how
many conversions ran, which shows the wrapper was in effect.
"""
import atexit
import runpy
import sys

WRAPPED = ("fp8_gemm_nt", "m_grouped_fp8_gemm_nt_contiguous", "m_grouped_fp8_gemm_nt_masked")


def conversion(deep_gemm):
    """DeepGEMM's conversion to its kernels' scale layout (its location moved between versions)."""
    convert = getattr(deep_gemm, "get_mn_major_tma_aligned_tensor", None)
    if convert is None:
        from deep_gemm.utils.layout import get_mn_major_tma_aligned_tensor as convert
    return convert


class PreconvertedScales:
    """The wrapped calls' shared state: the last scale tensor seen and its conversion."""

    def __init__(self, convert):
        self.convert = convert
        self.source = None     # held, so its address cannot be reused while it is the key
        self.converted = None
        self.calls = 0
        self.conversions = 0

    def scales_for(self, sfa):
        if sfa is not self.source:
            self.source, self.converted = sfa, self.convert(sfa)
            self.conversions += 1
        self.calls += 1
        return self.converted

    def wrap(self, fn):
        def call(a, *rest, **kwargs):
            data, sfa = a
            return fn((data, self.scales_for(sfa)), *rest, **kwargs)
        return call

    def report(self):
        print(f"dg_preconverted_scales: {self.calls} DeepGEMM call(s) given pre-converted "
              f"activation scales, {self.conversions} conversion(s)", file=sys.stderr)


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: dg_preconverted_scales.py SCRIPT [ARGS...]")
    import deep_gemm  # after the usage check: the message needs no DeepGEMM
    state = PreconvertedScales(conversion(deep_gemm))
    for name in WRAPPED:
        setattr(deep_gemm, name, state.wrap(getattr(deep_gemm, name)))
    atexit.register(state.report)
    sys.argv = sys.argv[1:]
    runpy.run_path(sys.argv[0], run_name="__main__")


if __name__ == "__main__":
    main()
