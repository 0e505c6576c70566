#!/usr/bin/env bash
# Installs what gemmtune needs on a fresh Debian/Ubuntu machine (only the missing packages,
# `apt-get update` once), checks the CUDA toolkit, then configures and builds into BUILD_DIR.
#   usage: bash scripts/setup.sh [--tests] [BUILD_DIR]    (BUILD_DIR defaults to build/)
#   --tests: also installs the test packages and builds the test binaries (README command 2);
#            without it only the `gemmtune` tool is built (README command 1).
# Release build (no debug info); ccache is used when installed.
# Exit codes: 0 built; 2 the CUDA 13 toolkit is missing or a bad argument; other: the failing
# step's code.
set -euo pipefail
cd "$(dirname "$0")/.."
with_tests=OFF
build_dir=build
for arg in "$@"; do
  case $arg in
    --tests) with_tests=ON ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    -*) echo "setup: error: unknown option $arg (usage: bash scripts/setup.sh [--tests] [BUILD_DIR])" >&2; exit 2 ;;
    *) build_dir=$arg ;;
  esac
done

packages=(cmake ninja-build g++ git libcli11-dev nlohmann-json3-dev libspdlog-dev libfmt-dev)
# NOTE: chromium is only for the test that renders report.html in a real browser; the tool
# itself never needs it.
[[ $with_tests == ON ]] && packages+=(libgtest-dev chromium)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$package")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]} (apt-get; a minute or two)" >&2
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

launcher=()
if command -v ccache > /dev/null; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
mkdir -p "$build_dir"
echo "setup: configuring $build_dir (Release, tests $with_tests)" >&2
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DGEMMTUNE_BUILD_TESTS=$with_tests \
  -DCUDAToolkit_ROOT="$cuda_home" "${launcher[@]}" > "$build_dir/configure.log" 2>&1 \
  || { cat "$build_dir/configure.log" >&2; exit 1; }
echo "setup: building (ninja prints [done/total] per step)" >&2
cmake --build "$build_dir" -j "$(nproc)"
echo "setup: built $build_dir/gemmtune" >&2
