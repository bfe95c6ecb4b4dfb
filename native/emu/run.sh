#!/usr/bin/env bash
# Compiles native/*.cu as C++ against cuda_emu.h and runs emu_check (kernel logic on the CPU,
# no GPU needed). Usage: native/emu/run.sh [SEED [TEST]]. Needs g++ with C++20.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${MTL_EMU_OUT:-$here/../../target/native-emu}"
mkdir -p "$out"
# Dynamic shared memory is the one construct C++ cannot spell; give it the emulator's buffer.
: >"$out/kernels_emu.inc"
for f in "$here"/../*.cu; do
  sed 's/extern __shared__ double smem\[\];/double* smem = (double*)emu_smem;/' "$f" >>"$out/kernels_emu.inc"
done
cp "$here/../common.cuh" "$out/common.cuh"
g++ -std=c++20 -O2 -U_FORTIFY_SOURCE -ffp-contract=off -pthread -Wall -Wno-unused-function -Wno-unknown-pragmas -I"$here" -I"$out" \
  -o "$out/emu_check" "$here/emu_check.cpp"
"$out/emu_check" "$@"
