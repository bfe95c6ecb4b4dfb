# Sourced by run.sh and driver.sh: writes native/*.cu as one C++ include ($1/kernels_emu.inc, with
# dynamic shared memory mapped to the emulator's buffer, the one construct C++ cannot spell, and
# every static __shared__ declaration followed by its poisoning, see cuda_emu.h) and sets
# EMU_CXX, the compiler command both use.
emu_prepare() {
  local here out=$1
  here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
  mkdir -p "$out"
  : >"$out/kernels_emu.inc"
  for f in "$here"/../*.cu; do
    sed 's/extern __shared__ double smem\[\];/double* smem = (double*)emu_smem;/' "$f" |
      perl -pe 's/^(\s*)__shared__\s+(\w+)\s+(\w+)((?:\s*\[[^\]]*\])*)\s*;/$1static $2 $3$4; EMU_SHARED_POISON($3);/' \
      >>"$out/kernels_emu.inc"
  done
  # Each kernel's __launch_bounds__ (its first argument, the most threads a block), for the launch
  # check in cuda_emu.h, where the attribute itself expands to nothing; the expressions are the
  # sources' own, evaluated by the C++ compiler.
  {
    echo 'int emu_launch_bound(const void* kernel) {'
    perl -0777 -ne 'while (/__global__\s+void\s+__launch_bounds__\(([^(),]*)(?:,[^()]*)?\)\s*(\w+)\s*\(/g) {
        print "    if (kernel == reinterpret_cast<const void*>(&$2)) return ($1);\n" }' "$here"/../*.cu
    echo '    return 0;'
    echo '}'
  } >>"$out/kernels_emu.inc"
  cp "$here/../common.cuh" "$out/common.cuh"
  EMU_CXX=(g++ -std=c++20 -O2 -U_FORTIFY_SOURCE -ffp-contract=off -pthread -Wall -Wno-unused-function
           -Wno-unknown-pragmas -I"$here" -I"$out")
}
