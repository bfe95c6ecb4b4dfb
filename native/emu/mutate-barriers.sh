#!/usr/bin/env bash
# How much races.sh sees: deletes each __syncthreads() of native/*.cu and common.cuh in turn (in
# a copy) and runs races.sh on the copy. One line per barrier: caught (rc=1, with which
# schedules failed or gave another digest) or not (rc=0). About 40 s per barrier on 2 cores.
#
# Usage: native/emu/mutate-barriers.sh [SEED]   (default 4242; results in target/mutate-barriers.txt)
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
src="$(cd "$here/.." && pwd)"
seed="${1:-4242}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
results="$src/../target/mutate-barriers.txt"
mkdir -p "$(dirname "$results")"
: >"$results"
for f in "$src"/*.cu "$src"/common.cuh; do
  base="$(basename "$f")"
  for ln in $(grep -n "__syncthreads();" "$f" | cut -d: -f1); do
    rm -rf "$work/native" && cp -r "$src" "$work/native"
    sed -i "${ln}s/__syncthreads();/\/\* removed \*\//" "$work/native/$base"
    out="$(MTL_EMU_OUT="$work/out" bash "$work/native/emu/races.sh" "$seed" 3 2>&1)"
    rc=$?
    what="$(echo "$out" | grep -o "schedule [a-z0-9:]* \(FAILED\|gives digest\)" | sed 's/^schedule //' | tr '\n' ' ')"
    echo "$base:$ln rc=$rc ${what:-(all schedules pass with one digest)}" | tee -a "$results"
  done
done
