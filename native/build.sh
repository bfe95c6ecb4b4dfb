#!/usr/bin/env bash
# Compiles every native/*.cu into a fatbin (SASS for sm_80/86/89/90 + PTX for compute_90, so
# newer GPUs JIT the PTX) and puts it on the classpath, where CudaBackend loads it with
# cuModuleLoadData (never from a file path, never nvcc at run time).
#
# Usage: native/build.sh [TARGET_DIR]      (default: target next to native/)
#   fatbins        -> TARGET_DIR/classes/org/mtlalign/native/<name>.fatbin (packed into the jar)
#   ptxas reports  -> TARGET_DIR/native/ptxas-<name>.txt (registers, shared memory, spills)
#   build record   -> TARGET_DIR/classes/org/mtlalign/native/kernels.properties
#
# Without nvcc on the PATH it prints a notice and exits 0 (the jar then has no kernels and the
# CUDA backend reports "the CUDA kernels were not built"). Any compiler error or warning fails.
# Maven runs it in generate-resources (profile cuda-kernels in pom.xml); -Dmtlalign.native.skip
# skips it. Files are rebuilt only when a source (*.cu, *.cuh, this script) is newer.
# MTL_NVCC_JOBS caps the parallel compilations (default: number of CPUs).
set -euo pipefail
export LC_ALL=C

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
target="${1:-$here/../target}"
out="$target/classes/org/mtlalign/native"
reports="$target/native"

nvcc_bin="$(command -v nvcc || true)"
if [ -z "$nvcc_bin" ]; then
  echo "[native] nvcc not found on the PATH: CUDA kernels not built (the CUDA backend will be unavailable)"
  exit 0
fi

mkdir -p "$out" "$reports"
# nvcc writes its intermediate files to $TMPDIR; one that names no writable folder (a setting
# carried over from another machine) failed every kernel with "Could not open output file".
if [ -n "${TMPDIR:-}" ] && ! { [ -d "$TMPDIR" ] && [ -w "$TMPDIR" ]; }; then
  echo "[native] TMPDIR=$TMPDIR is not a writable folder: nvcc's temporary files go to $reports instead"
  export TMPDIR="$reports"
fi

archs=(
  -gencode arch=compute_80,code=sm_80
  -gencode arch=compute_86,code=sm_86
  -gencode arch=compute_89,code=sm_89
  -gencode arch=compute_90,code=sm_90
  -gencode arch=compute_90,code=compute_90
)
# -Werror all-warnings: front-end warnings are errors; ptxas --warning-as-error: so are ptxas
# warnings; -Xcompiler -Werror: so are the host compiler's (the host side is only launch stubs).
flags=(
  --fatbin -std=c++17 -O3 -lineinfo
  "${archs[@]}"
  -Xptxas -v,--warning-as-error
  -Werror all-warnings
  -Xcompiler -Wall,-Wextra,-Werror
)

nvcc_version="$("$nvcc_bin" --version | sed -n 's/.*release \([0-9.]*\).*/\1/p' | head -n 1)"
jobs="${MTL_NVCC_JOBS:-$(nproc 2>/dev/null || echo 2)}"

compile() {  # name -> 0 on success; log in $reports/nvcc-<name>.log
  local name="$1" src="$here/$1.cu" tmp="$out/.$1.fatbin.$$.tmp" log="$reports/nvcc-$1.log"
  local t0=$SECONDS
  if ! "$nvcc_bin" "${flags[@]}" -o "$tmp" "$src" >"$log" 2>&1; then
    rm -f "$tmp" "$out/$name.fatbin"
    echo "[native] nvcc FAILED for $name.cu:" >&2
    grep -a -v '^ptxas info\|^    [0-9]* bytes stack\|^ptxas info    : Compile time' "$log" >&2 || true
    return 1
  fi
  # Belt and braces: any warning text that slipped through the -Werror switches fails the build.
  if grep -a -i 'warning' "$log" | grep -a -v -q '^ptxas info'; then
    rm -f "$tmp" "$out/$name.fatbin"
    echo "[native] nvcc reported warnings for $name.cu (warnings fail the build):" >&2
    grep -a -i 'warning' "$log" >&2
    return 1
  fi
  grep -a -E 'ptxas info|bytes stack frame' "$log" >"$reports/ptxas-$name.txt" || true
  mv -f "$tmp" "$out/$name.fatbin"
  echo "[native] $name.cu -> $name.fatbin ($(( SECONDS - t0 )) s)"
}

names=()
for src in "$here"/*.cu; do
  name="$(basename "$src" .cu)"
  fat="$out/$name.fatbin"
  rep="$reports/ptxas-$name.txt"
  stale=0
  if [ ! -f "$fat" ] || [ ! -f "$rep" ]; then
    stale=1
  else
    for dep in "$src" "$here"/*.cuh "$here/build.sh"; do
      if [ "$dep" -nt "$fat" ]; then stale=1; fi
    done
  fi
  if [ "$stale" = 1 ]; then names+=("$name"); fi
done

all=()
for src in "$here"/*.cu; do all+=("$(basename "$src" .cu)"); done

start=$SECONDS
failed=0
if [ "${#names[@]}" -gt 0 ]; then
  echo "[native] nvcc $nvcc_version: compiling ${names[*]} ($jobs at a time)"
  pids=()
  for name in "${names[@]}"; do
    while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || failed=1; done
    compile "$name" &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
  if [ "$failed" != 0 ]; then
    echo "[native] CUDA kernel build failed (see $reports/nvcc-*.log)" >&2
    exit 1
  fi
  echo "[native] built in $(( SECONDS - start )) s"
else
  echo "[native] CUDA kernels up to date"
fi

# What the jar carries, for `mtl info` and provenance.
{
  echo "nvcc=$nvcc_version"
  echo "targets=sm_80,sm_86,sm_89,sm_90,compute_90"
  echo "modules=$(IFS=,; echo "${all[*]}")"
} >"$out/kernels.properties.tmp"
mv -f "$out/kernels.properties.tmp" "$out/kernels.properties"
