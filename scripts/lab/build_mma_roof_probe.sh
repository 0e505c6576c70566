#!/usr/bin/env bash
# Builds scripts/lab/mma_roof_probe.cu (the tensor cores' roof) for sm_90a, cudart static, so a binary
# built here runs on the GPU machine. One place for its build line: scripts/stage_device_build.sh
# stages it into devbuild/, scripts/lab/device_power_probe.sh builds it there when it is not staged.
#   usage: bash scripts/lab/build_mma_roof_probe.sh DEST
set -euo pipefail
cd "$(dirname "$0")/../.."
nvcc=/usr/local/cuda/bin/nvcc
[[ -x $nvcc ]] || nvcc=nvcc
"$nvcc" -std=c++17 -O3 -gencode arch=compute_90a,code=sm_90a -I kernels -o "$1" scripts/lab/mma_roof_probe.cu
