#!/usr/bin/env bash
# Compiles native/*.cu as C++ against cuda_emu.h and runs emu_check (kernel logic on the CPU,
# no GPU needed). Usage: native/emu/run.sh [SEED [TEST]]. Needs g++ with C++20.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${MTL_EMU_OUT:-$here/../../target/native-emu}"
. "$here/prepare.sh"
emu_prepare "$out"
"${EMU_CXX[@]}" -o "$out/emu_check" "$here/emu_check.cpp"
"$out/emu_check" "$@"
