#!/usr/bin/env bash
# Races between the threads of a block, looked for on the CPU emulator: emu_check (see run.sh)
# under several thread schedules of cuda_emu.h (MTL_EMU_SCHEDULE: forward, reverse and shuffled
# with a delayed warp). Every schedule must pass and give the same digest, bit for bit, of the
# checks' numbers and the kernels' outputs: a missing barrier shows as a failure, a deadlock, or
# a digest that differs even when the error stays inside the tolerances. It cannot see races a
# barrier-to-barrier fiber cannot produce (e.g. torn writes within one statement).
#
# Usage: native/emu/races.sh [SEED [SHUFFLES]]   (SHUFFLES shuffled schedules, default 3)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${MTL_EMU_OUT:-$here/../../target/native-emu}"
seed="${1:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}"
shuffles="${2:-3}"
. "$here/prepare.sh"
emu_prepare "$out"
"${EMU_CXX[@]}" -o "$out/emu_check" "$here/emu_check.cpp"
schedules=(forward reverse)
for i in $(seq 1 "$shuffles"); do
  schedules+=("shuffle:$((seed + i))")
done
first="" first_name="" status=0
for s in "${schedules[@]}"; do
  log="$out/races-${s/:/-}.log"
  if ! MTL_EMU_SCHEDULE="$s" "$out/emu_check" "$seed" >"$log" 2>&1; then
    echo "races: schedule $s FAILED (seed $seed):" >&2
    matches="$(grep -a "FAIL\|deadlock\|cuda_emu" "$log" || true)"
    if [ -n "$matches" ]; then
      printf '%s\n' "$matches" | sed -n 1,20p >&2
    else
      tail -5 "$log" >&2
    fi
    status=1
    continue
  fi
  digest="$(sed -n 's/^digest //p' "$log")"
  echo "races: schedule $s: $(grep -a 'checks,' "$log") digest $digest"
  if [ -z "$first" ]; then
    first="$digest"
    first_name="$s"
  elif [ "$digest" != "$first" ]; then
    echo "races: schedule $s gives digest $digest, $first_name gave $first: a result depends on the thread order" >&2
    status=1
  fi
done
exit $status
