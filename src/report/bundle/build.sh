#!/bin/sh
# Builds libgemmtune_bundle.so (the C ABI of gemmtune_bundle_capi.h) in this bundle folder with a
# C++17 compiler and the CUDA driver API only: sh build.sh [OUTPUT]
# Environment: CXX (default c++); CUDA_HOME (default /usr/local/cuda), or CUDA_INCLUDE_DIR
# (cuda.h; default $CUDA_HOME/include) and CUDA_LIBRARY_DIR (default $CUDA_HOME/lib64, whose
# stubs/ has the driver stub to link against on machines without a driver; at run time the
# library loads the driver's libcuda.so.1).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-"$here/libgemmtune_bundle.so"}
cuda=${CUDA_HOME:-/usr/local/cuda}
include=${CUDA_INCLUDE_DIR:-$cuda/include}
lib=${CUDA_LIBRARY_DIR:-$cuda/lib64}
tmp="$out.tmp.$$"
map=$(mktemp)
trap 'rm -f "$tmp" "$map"' EXIT
# Exports gemmtune_bundle_* only: the dispatcher's C++ stays private to the library.
printf '{ global: gemmtune_bundle_*; local: *; };\n' > "$map"
${CXX:-c++} -std=c++17 -O2 -fPIC -shared -fvisibility=hidden -fvisibility-inlines-hidden \
  -I "$here" -I "$include" "$here/gemmtune_bundle_capi.cpp" -o "$tmp" \
  -Wl,--version-script="$map" -Wl,--no-undefined \
  -L "$lib" -L "$lib/stubs" -lcuda
# NOTE: published by a rename, so a process loading the library never sees a partial file.
mv -f "$tmp" "$out"
echo "$out"
