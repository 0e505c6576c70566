#!/usr/bin/env bash
# Installs what gemmtune needs on a fresh Debian/Ubuntu machine (only the missing packages,
# `apt-get update` once), checks the CUDA toolkit, then configures and builds into build/.
#   usage: bash scripts/setup.sh [BUILD_DIR]
# Exit codes: 0 built; 2 the CUDA 13 toolkit is missing; other: the failing step's code.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${1:-build}

# NOTE: chromium is only for the test that renders report.html in a real browser; the tool
# itself never needs it.
packages=(cmake ninja-build g++ git libcli11-dev nlohmann-json3-dev libspdlog-dev libfmt-dev
          libgtest-dev chromium)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$package")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  sudo_cmd=()
  [[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" > /dev/null
fi

# NOTE: Debian has no CUDA 13 packages; the toolkit (nvcc, NVRTC, cudart, cuBLASLt, NVTX3) comes
# from NVIDIA's installer and is expected in /usr/local/cuda (or $CUDA_HOME).
cuda_home=${CUDA_HOME:-/usr/local/cuda}
if [[ ! -f $cuda_home/include/nvrtc.h || ! -f $cuda_home/include/cublasLt.h ]]; then
  echo "setup: error: CUDA toolkit not found in $cuda_home (need NVRTC, cuBLASLt, NVTX3 headers; set CUDA_HOME)" >&2
  exit 2
fi

mkdir -p "$build_dir"
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCUDAToolkit_ROOT="$cuda_home" > "$build_dir/configure.log" 2>&1 \
  || { cat "$build_dir/configure.log" >&2; exit 1; }
cmake --build "$build_dir" -j "$(nproc)"
