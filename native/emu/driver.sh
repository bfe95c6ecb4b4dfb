#!/usr/bin/env bash
# Builds the emulated CUDA driver (driver_emu.cpp: a libcuda.so.1 running native/*.cu on the CPU
# through cuda_emu.h) and, unless --build-only, runs the Java CUDA tests against it:
#
#   native/emu/driver.sh [--build-only] [MAVEN TEST SELECTOR, default 'Cuda*Test']
#
# The jar's fatbins must exist (nvcc on the PATH at build time): JCuda loads them with
# cuModuleLoadData, which the emulator accepts and ignores (kernels are found by name).
# Every CUDA thread is a fiber, so the CUDA test classes take about 4 minutes on 2 cores (the
# 2-million-row gemm chunking case is most of it). Needs g++ with C++20.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
out="${MTL_EMU_DRIVER_OUT:-$repo/target/native-emu-driver}"
. "$here/prepare.sh"
emu_prepare "$out"
"${EMU_CXX[@]}" -fPIC -shared -o "$out/libcuda.so.1" "$here/driver_emu.cpp"
echo "built $out/libcuda.so.1"
if [ "${1:-}" = "--build-only" ]; then
  exit 0
fi
selector="${1:-Cuda*Test}"
cd "$repo"
LD_LIBRARY_PATH="$out${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" mvn -B -ntp test -Dtest="$selector" \
  -Dsurefire.failIfNoSpecifiedTests=false "${@:2}"
