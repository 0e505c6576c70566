# One DeepGEMM fp8_gemm_nt call between cudaProfilerStart/Stop (after a warm-up call), for Nsight
# Compute's --profile-from-start off: the DeepGEMM side of scripts/device_ncu_vs_deepgemm.sh.
#   usage: python3 dg_one_call.py M N K
import sys
import torch, deep_gemm
from deep_gemm.utils import per_token_cast_to_fp8, per_block_cast_to_fp8

m, n, k = map(int, sys.argv[1:4])
a = torch.randn((m, k), device='cuda', dtype=torch.bfloat16)
b = torch.randn((n, k), device='cuda', dtype=torch.bfloat16)
d = torch.empty((m, n), device='cuda', dtype=torch.bfloat16)
af, bf = per_token_cast_to_fp8(a, use_ue8m0=False), per_block_cast_to_fp8(b, use_ue8m0=False)
deep_gemm.fp8_gemm_nt(af, bf, d, disable_ue8m0_cast=True)
torch.cuda.synchronize()
torch.cuda.profiler.start()
deep_gemm.fp8_gemm_nt(af, bf, d, disable_ue8m0_cast=True)
torch.cuda.synchronize()
torch.cuda.profiler.stop()
