#!/usr/bin/env bash
# Copies the binaries built on this machine into devbuild/ (git-ignored), stripped so that they fit
# the device tool's 64 MiB transfer limit. The device run then carries devbuild/ (scripts/device_check.sh).
# A binary built here runs unchanged on the GPU machine (shared/DEVICE.md): cudart and gtest are
# static, fmt/spdlog header-only, NVRTC/cuBLASLt found through the rpath to /usr/local/cuda/lib64.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
mkdir -p devbuild
strip -o devbuild/gemmtune "$build/gemmtune"
strip -o devbuild/gemmtune_gpu_tests "$build/tests/gemmtune_gpu_tests"
# The tensor cores' roof probe (scripts/device_power_probe.sh, GEMMTUNE_MMA_ROOF=1); cudart static.
bash scripts/build_mma_roof_probe.sh devbuild/mma_roof_probe
du -ch devbuild/gemmtune devbuild/gemmtune_gpu_tests devbuild/mma_roof_probe | tail -1
