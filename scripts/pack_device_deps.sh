#!/usr/bin/env bash
# Packs the build dependencies of gemmtune that the GPU machine may lack (CLI11, nlohmann/json,
# fmt, spdlog headers and CMake configs; GoogleTest's static libraries) from this machine's Debian
# packages into .devdeps/deps.tgz (git-ignored; ~5 MB), so scripts/device_build.sh can build the
# tool and its GPU tests on the GPU machine's 16 cores instead of this machine's 2.
#   usage: bash scripts/pack_device_deps.sh   (then copy .devdeps/ to the GPU machine with the tree)
set -euo pipefail
cd "$(dirname "$0")/.."
# NOTE: the runtime packages too: the CMake configs check that the libraries they name exist
# (the tool itself uses fmt and spdlog header-only).
packages=(libcli11-dev nlohmann-json3-dev libfmt-dev libfmt9 libspdlog-dev libspdlog1.10 libgtest-dev
          libgmock-dev)
mkdir -p .devdeps
# NOTE: files only (directories would pull in whole trees), symbolic links dereferenced (tar -h):
# libfmt.so points into the runtime package, and the fmt CMake config checks that it exists.
dpkg -L "${packages[@]}" | while read -r path; do [[ -f $path ]] && echo "${path#/}"; done \
  | grep -v '^usr/share/doc/' > .devdeps/files.txt
tar -C / -czhf .devdeps/deps.tgz -T .devdeps/files.txt
du -h .devdeps/deps.tgz
