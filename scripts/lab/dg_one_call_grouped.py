# One DeepGEMM m-grouped contiguous call between cudaProfilerStart/Stop (after a warm-up call), for
# Nsight Compute's --profile-from-start off: the DeepGEMM side of scripts/device_grouped_decompose.sh.
#   usage: python3 dg_one_call_grouped.py N K M0,M1,...   (each group padded to DeepGEMM's alignment)
import sys
import torch, deep_gemm
from deep_gemm.utils import per_token_cast_to_fp8, per_block_cast_to_fp8

n, k = int(sys.argv[1]), int(sys.argv[2])
ms = [int(x) for x in sys.argv[3].split(',')]
align = deep_gemm.get_mk_alignment_for_contiguous_layout()
padded = [(m + align - 1) // align * align for m in ms]
a = torch.randn((sum(padded), k), device='cuda', dtype=torch.bfloat16)
layout = torch.full((sum(padded),), -1, device='cuda', dtype=torch.int32)
start = 0
for g, (m, pm) in enumerate(zip(ms, padded)):
    layout[start:start + m] = g
    start += pm
b = torch.randn((len(ms), n, k), device='cuda', dtype=torch.bfloat16)
bq = torch.empty_like(b, dtype=torch.float8_e4m3fn)
bs = torch.empty((len(ms), (n + 127) // 128, (k + 127) // 128), device='cuda', dtype=torch.float)
for g in range(len(ms)):
    bq[g], bs[g] = per_block_cast_to_fp8(b[g], use_ue8m0=False)
aq = per_token_cast_to_fp8(a, use_ue8m0=False)
d = torch.empty((sum(padded), n), device='cuda', dtype=torch.bfloat16)
call = lambda: deep_gemm.m_grouped_fp8_gemm_nt_contiguous(aq, (bq, bs), d, layout, disable_ue8m0_cast=True)
call()
torch.cuda.synchronize()
torch.cuda.profiler.start()
call()
torch.cuda.synchronize()
torch.cuda.profiler.stop()
