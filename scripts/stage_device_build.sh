#!/usr/bin/env bash
#   usage: bash scripts/stage_device_build.sh [BUILD_DIR=build]
# Copies the binaries built on this machine into devbuild/ (git-ignored), stripped, so that a GPU
# machine without a compiler runs them (scripts/device_check.sh). A binary built here runs
# unchanged there: cudart and gtest are static, fmt/spdlog header-only, NVRTC and cuBLASLt found
# through the rpath to /usr/local/cuda/lib64.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
mkdir -p devbuild
strip -o devbuild/gemmtune "$build/gemmtune"
strip -o devbuild/gemmtune_gpu_tests "$build/tests/gemmtune_gpu_tests"
du -ch devbuild/gemmtune devbuild/gemmtune_gpu_tests | tail -1
