#!/usr/bin/env bash
# Builds gemmtune and its GPU tests on a GPU machine (16 cores: ~1-2 min) from a copy of the working
# tree, with the dependencies packed by scripts/pack_device_deps.sh (in .devdeps/). The stripped binaries land in devbuild/ (the layout scripts/stage_device_build.sh
# makes here), so every scripts/device_*.sh runs unchanged after it.
#   usage: GEMMTUNE_GIT_REV=<rev> bash scripts/device_build.sh [BUILD_DIR=/tmp/gemmtune-build]
#   (the copy has no .git: name the revision, e.g. `git rev-parse --short=12 HEAD` here)
# Exit codes: 0 built; 2 .devdeps/deps.tgz missing; other: the failing step's code.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-/tmp/gemmtune-build}
deps=/tmp/gemmtune-deps
[[ -f .devdeps/deps.tgz ]] || { echo "device_build: .devdeps/deps.tgz missing (run scripts/pack_device_deps.sh and copy .devdeps/ with the tree)" >&2; exit 2; }
mkdir -p "$deps" && tar -C "$deps" -xzf .devdeps/deps.tgz
# NOTE: the carried prefix comes first, so the build uses the same library versions as CI.
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_PREFIX_PATH="$deps/usr" -DCMAKE_INCLUDE_PATH="$deps/usr/include" \
  -DCMAKE_CXX_FLAGS="-isystem $deps/usr/include" -DCUDAToolkit_ROOT=/usr/local/cuda \
  -DGEMMTUNE_GIT_REV="${GEMMTUNE_GIT_REV:-unknown}" \
  > /tmp/gemmtune-configure.log 2>&1 || { tail -30 /tmp/gemmtune-configure.log >&2; exit 1; }
cmake --build "$build" -j "$(nproc)" --target gemmtune gemmtune_gpu_tests > /tmp/gemmtune-build.log 2>&1 \
  || { grep -B2 -A12 -m3 "error" /tmp/gemmtune-build.log >&2; exit 1; }
mkdir -p devbuild
strip -o devbuild/gemmtune "$build/gemmtune"
strip -o devbuild/gemmtune_gpu_tests "$build/tests/gemmtune_gpu_tests"
echo "device_build: built ${GEMMTUNE_GIT_REV:-unknown} in $SECONDS s"
