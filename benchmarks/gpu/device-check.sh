#!/usr/bin/env bash
# One-shot validation of the CUDA backend on a lent GPU machine (no Maven, no network, maybe no
# Java). Needs the bundle from benchmarks/gpu/make-bundle.sh at target/device/ (the one carried
# path). Run from the repository root:
#
#   bash benchmarks/gpu/device-check.sh            # logs under $OUT (default ./out, git-ignored)
#
# Steps, in priority order (each time-boxed, each runs whatever failed before it):
#   env        nvidia-smi -L, driver, CUDA version; the bundled JRE; `mtl info`
#   junit      the GPU suite (JUnit console, --include-tag gpu), then the rest of
#              org.mtlalign.backend.cuda (selection, native build: not tagged, GPU-aware)
#   demo       `mtl train --epochs 20 --json` (built-in digits demo) on --backend cpu and cuda,
#              same seed; per-task metrics and the backend-only quantities compared
#   memcheck   the GPU suite under compute-sanitizer --tool memcheck  (if the binary exists)
#   racecheck  the GPU suite under compute-sanitizer --tool racecheck (if the binary exists)
#   svd        `mtl svd` on generated stacks (the SvdBench shapes), cpu vs cuda: time and S
#   train      JMH TrainEpochBench on backend cpu and cuda (the device-resident path), then
#              PyTorch eager on CUDA (benchmarks/peers/gpu_peers.py) and the device's ceilings
#   jmh        a tiny JMH run of the CPU SvdBench on this machine's CPU (the CPU peer)
# The demo runs before the sanitizers (brief order was tests, sanitizers, demo): it is cheap and
# decisive, and the sanitizers are the steps most likely to run out of time.
#
# Environment:
#   OUT=DIR        where the (at most 8) result files go; default ./out
#   BUDGET=S       overall time budget in seconds (default 400): each step gets min(its own cap,
#                  what is left); a step that would get under its minimum is SKIPPED (time budget)
#   STEPS="..."    subset/order of: env junit demo memcheck racecheck svd train jmh (default: all)
#   SEED=N         -Dmtlalign.test.seed for every JUnit run (default: the epoch second), so a
#                  failure replays with the same inputs: SEED=N STEPS=junit bash ...
#   DEMO_SEED=N    seed of the two demo runs (default 1); DEMO_EPOCHS (default 20)
#
# Files under $OUT: summary.txt junit.txt memcheck.txt racecheck.txt demo.txt demo-cpu.json
# demo-cuda.json timings.txt (8 at most: the device tool returns no more). Stdout: one line per step, then the summary table (last).
# Exit code: 0 ok; 1 a GPU test failed (or timed out, or a GPU is visible but the GPU tests did
# not run); 3 the tests passed but another check failed (sanitizer errors, cpu/cuda demo
# mismatch, cuda run crashed on a GPU machine, SVD disagreement); 4 the bundle is missing.
# No `set -e`: every step runs.
set -u -o pipefail
export LC_ALL=C

repo="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)"
cd "$repo" || exit 4
D=target/device
OUT="${OUT:-$repo/out}"
BUDGET="${BUDGET:-400}"
STEPS="${STEPS:-env junit demo memcheck racecheck svd train jmh}"
SEED="${SEED:-$(date +%s)}"
DEMO_SEED="${DEMO_SEED:-1}"
DEMO_EPOCHS="${DEMO_EPOCHS:-20}"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
SUMMARY="$OUT/summary.txt"
JUNIT_LOG="$OUT/junit.txt"
DEMO_LOG="$OUT/demo.txt"
TIMINGS="$OUT/timings.txt"
: > "$SUMMARY"; : > "$JUNIT_LOG"; : > "$DEMO_LOG"; : > "$TIMINGS"
rm -f "$OUT/demo-cpu.json" "$OUT/demo-cuda.json" "$OUT/memcheck.txt" "$OUT/racecheck.txt"
SCRATCH="$(mktemp -d "${TMPDIR:-/tmp}/mtl-device-check.XXXXXX")"
trap 'rm -rf "$SCRATCH"' EXIT
T0=$SECONDS

log() { printf '%s\n' "$*" | tee -a "$SUMMARY"; }
elapsed() { echo $((SECONDS - T0)); }
left() { echo $((BUDGET - (SECONDS - T0))); }
# box CAP MIN: seconds a step may take (min(CAP, left - 5)), or nothing when under MIN
box() {
  local cap=$1 min=$2 l
  l=$(( $(left) - 5 ))
  [ "$l" -gt "$cap" ] && l=$cap
  [ "$l" -ge "$min" ] && echo "$l"
}
want() { case " $STEPS " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

NAMES=(); STATUS=(); SECS=(); NOTES=()
record() {  # name status seconds note
  NAMES+=("$1"); STATUS+=("$2"); SECS+=("$3"); NOTES+=("$4")
  printf '[t=%4ss] %-16s %-5s %s\n' "$(elapsed)" "$1" "$2" "$4"
}
TEST_FAIL=0   # -> exit 1
CHECK_FAIL=0  # -> exit 3

# ---------------------------------------------------------------------------------------------
# The bundle
if [ ! -d "$D" ]; then
  echo "device-check: $D is missing: build it with benchmarks/gpu/make-bundle.sh and carry [\"target/device\"]" >&2
  exit 4
fi
JAR="$(ls "$D"/mtl-align-*.jar 2>/dev/null | head -n 1)"
CONSOLE="$(ls "$D"/tools/junit-platform-console-standalone-*.jar 2>/dev/null | head -n 1)"
if [ -x "$D/jre/bin/java" ]; then
  JAVA="$D/jre/bin/java"
elif command -v java >/dev/null; then
  JAVA="$(command -v java)"
else
  JAVA=""
fi
# The pure-Java BLAS fallback needs the Vector API (native OpenBLAS, if present, does not).
JOPTS=(--add-modules jdk.incubator.vector)
if [ -z "$JAR" ] || [ -z "$JAVA" ]; then
  echo "device-check: no CLI jar in $D or no java (bundle incomplete)" >&2
  exit 4
fi
cp_join() { local IFS=:; echo "$*"; }
TEST_CP="$(cp_join "$D/test-classes" "$JAR" "$D"/lib/*.jar "$D"/testlib/*.jar)"
BENCH_CP="$(cp_join "$D"/bench/*.jar "$JAR" "$D"/lib/*.jar)"   # for the train and jmh steps
# NativeBuildTest reads the ptxas reports from target/native/ (not carried; the bundle has them).
if [ ! -d target/native ] && [ -d "$D/native-reports" ]; then
  mkdir -p target/native && cp "$D"/native-reports/* target/native/
fi

# ---------------------------------------------------------------------------------------------
# Sanitizer binary (CUDA toolkit); the GPU, if any
SANITIZER="$(command -v compute-sanitizer 2>/dev/null || true)"
if [ -z "$SANITIZER" ]; then
  for c in /usr/local/cuda/bin/compute-sanitizer /usr/local/cuda/compute-sanitizer/compute-sanitizer \
           /usr/local/cuda-*/bin/compute-sanitizer \
           "$(dirname "$(command -v nvcc 2>/dev/null || echo /nonexistent/x)")/compute-sanitizer"; do
    if [ -x "$c" ]; then SANITIZER="$c"; break; fi
  done
fi
GPU_PRESENT=0
if command -v nvidia-smi >/dev/null && nvidia-smi -L 2>/dev/null | grep '^GPU ' >/dev/null; then
  GPU_PRESENT=1
fi

log "== mtl-align device check, $(date -u +%Y-%m-%dT%H:%M:%SZ), host $(hostname), budget ${BUDGET}s, test seed $SEED"
log "bundle: $(sed -n 's/^commit: *//p' "$D/BUILD.txt" 2>/dev/null | head -n 1) built $(sed -n 's/^built: *//p' "$D/BUILD.txt" 2>/dev/null | head -n 1)"

# ---------------------------------------------------------------------------------------------
if want env; then
  t=$SECONDS
  if command -v nvidia-smi >/dev/null; then
    log "-- nvidia-smi -L"
    timeout 20 nvidia-smi -L 2>&1 | tee -a "$SUMMARY"
    log "-- nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap,clocks.max.sm"
    timeout 20 nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap,clocks.max.sm \
      --format=csv,noheader 2>&1 | tee -a "$SUMMARY"
    cuda_line="$(timeout 20 nvidia-smi 2>/dev/null | grep -o 'Driver Version: [0-9.]* *CUDA Version: [0-9.]*' | head -n 1)"
    log "${cuda_line:-(no driver/CUDA version line from nvidia-smi)}"
  else
    log "nvidia-smi: not found (no NVIDIA driver here)"
  fi
  log "nvcc: $(nvcc --version 2>/dev/null | grep -o 'release [0-9.]*' | head -n 1 || true)  compute-sanitizer: ${SANITIZER:-not found}"
  log "python3: $(python3 -c 'import sys; print(sys.version.split()[0])' 2>/dev/null || echo 'not found')  cpus: $(nproc 2>/dev/null)  libblas.so.3: $(ldconfig -p 2>/dev/null | grep 'libblas\.so\.3' >/dev/null && echo yes || echo no)"
  log "java: $JAVA ($("$JAVA" -version 2>&1 | head -n 1))"
  log "-- mtl info"
  info="$(timeout 60 "$JAVA" "${JOPTS[@]}" -jar "$JAR" info 2>&1)"; rc=$?
  printf '%s\n' "$info" | grep -v '^WARNING: Using incubator modules' | tee -a "$SUMMARY"
  cuda_info="$(printf '%s\n' "$info" | sed -n 's/^cuda backend: //p')"
  [[ "$cuda_info" == usable* ]] && GPU_PRESENT=1   # even if nvidia-smi is not on the PATH
  if [ $rc -ne 0 ]; then
    record env FAIL $((SECONDS - t)) "mtl info exit $rc"; CHECK_FAIL=1
  elif [ $GPU_PRESENT = 1 ] && [[ "$cuda_info" != usable* ]]; then
    record env FAIL $((SECONDS - t)) "GPU visible but cuda backend: $cuda_info"; CHECK_FAIL=1
  else
    record env ok $((SECONDS - t)) "gpu: $([ $GPU_PRESENT = 1 ] && echo yes || echo none); cuda backend: ${cuda_info:-?}"
  fi
fi

# ---------------------------------------------------------------------------------------------
# JUnit console helpers. junit_counts FILE -> "ok fail skip found aborted" from the launcher's
# summary (fail counts failed tests and failed containers, e.g. a @BeforeAll that threw; aborted =
# assumption not met)
junit_counts() {
  local f=$1
  n() { local v; v="$(sed -n "s/^\[ *\([0-9]*\) $1 *\]$/\1/p" "$f" | tail -n 1)"; echo "${v:-0}"; }
  echo "$(n 'tests successful') $(( $(n 'tests failed') + $(n 'containers failed') )) $(n 'tests skipped') $(n 'tests found') $(n 'tests aborted')"
}
junit_run() {  # out-file seconds extra-java-prefix... -- launcher selectors...
  local out=$1 secs=$2; shift 2
  local prefix=() ; while [ $# -gt 0 ] && [ "$1" != -- ]; do prefix+=("$1"); shift; done; shift
  timeout -k 10 "$secs" "${prefix[@]}" "$JAVA" "${JOPTS[@]}" -Xmx4g -Dmtlalign.test.seed="$SEED" \
    -jar "$CONSOLE" execute --disable-banner --disable-ansi-colors --details=tree --details-theme=ascii \
    --class-path "$TEST_CP" "$@" > "$out" 2>&1
}
GPU_TESTS_OK=0   # gates the sanitizer steps; without the junit step they run ungated
want junit || GPU_TESTS_OK=1
if want junit; then
  if [ -z "$CONSOLE" ]; then
    record junit-gpu FAIL 0 "no JUnit console launcher in $D/tools"; TEST_FAIL=1
  elif s=$(box 180 30); then
    t=$SECONDS
    junit_run "$SCRATCH/junit-gpu.txt" "$s" -- --scan-classpath "$D/test-classes" --include-tag gpu; rc=$?
    { echo "===== GPU suite: --include-tag gpu (exit $rc, $((SECONDS - t)) s, seed $SEED)"; cat "$SCRATCH/junit-gpu.txt"; } >> "$JUNIT_LOG"
    read -r ok fail skip found abrt <<< "$(junit_counts "$SCRATCH/junit-gpu.txt")"
    reason="$(grep -o 'GPU tests skipped: CUDA unavailable: .*' "$SCRATCH/junit-gpu.txt" | head -n 1)"
    note="$ok passed, $fail failed, $skip skipped, $abrt aborted of $found"
    if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
      # The launcher prints its counts only at the end; count the finished tests in its tree.
      done_ok=$(grep -cF '[OK]' "$SCRATCH/junit-gpu.txt"); done_x=$(grep -cF '[X]' "$SCRATCH/junit-gpu.txt")
      record junit-gpu FAIL $((SECONDS - t)) "timed out after ${s}s ($done_ok tree entries ok, $done_x failed so far)"; TEST_FAIL=1
    elif [ "$fail" -gt 0 ] || { [ $rc -ne 0 ] && [ $rc -ne 2 ]; }; then
      record junit-gpu FAIL $((SECONDS - t)) "$note (exit $rc)"; TEST_FAIL=1
      grep -F '[X]' "$SCRATCH/junit-gpu.txt" | head -n 15 | sed 's/^/    /'
    elif [ "$found" -eq 0 ]; then
      record junit-gpu FAIL $((SECONDS - t)) "no GPU tests found (exit $rc)"; TEST_FAIL=1
    elif [ "$ok" -eq 0 ]; then
      if [ $GPU_PRESENT = 1 ]; then
        record junit-gpu FAIL $((SECONDS - t)) "GPU visible but all $skip skipped: ${reason:-?}"; TEST_FAIL=1
      else
        record junit-gpu SKIP $((SECONDS - t)) "all $skip skipped: ${reason#GPU tests skipped: }"
      fi
    else
      GPU_TESTS_OK=1; GPU_PRESENT=1
      record junit-gpu ok $((SECONDS - t)) "$note"
    fi
  else
    record junit-gpu FAIL 0 "no time left in the budget"; TEST_FAIL=1
  fi
  if [ -n "$CONSOLE" ] && s=$(box 60 15); then
    t=$SECONDS
    junit_run "$SCRATCH/junit-rest.txt" "$s" -- --select-package org.mtlalign.backend.cuda --exclude-tag gpu; rc=$?
    { echo; echo "===== org.mtlalign.backend.cuda, not tagged gpu (exit $rc, $((SECONDS - t)) s)"; cat "$SCRATCH/junit-rest.txt"; } >> "$JUNIT_LOG"
    read -r ok fail skip found abrt <<< "$(junit_counts "$SCRATCH/junit-rest.txt")"
    note="$ok passed, $fail failed, $skip skipped, $abrt aborted (assumptions) of $found: selection, native build, launch config"
    if [ $rc -eq 124 ] || [ $rc -eq 137 ] || [ "$fail" -gt 0 ] || [ "$found" -eq 0 ] || { [ $rc -ne 0 ] && [ $rc -ne 2 ]; }; then
      record junit-cuda-pkg FAIL $((SECONDS - t)) "$note (exit $rc)"; TEST_FAIL=1
      grep -F '[X]' "$SCRATCH/junit-rest.txt" | head -n 10 | sed 's/^/    /'
    else
      record junit-cuda-pkg ok $((SECONDS - t)) "$note"
    fi
  fi
fi

# ---------------------------------------------------------------------------------------------
if want demo; then
  for be in cpu cuda; do
    if s=$(box 120 20); then
      t=$SECONDS
      { echo "===== mtl train --epochs $DEMO_EPOCHS --seed $DEMO_SEED --backend $be --json demo-$be.json"; } >> "$DEMO_LOG"
      timeout -k 5 "$s" "$JAVA" "${JOPTS[@]}" -Xmx8g -jar "$JAR" train --epochs "$DEMO_EPOCHS" --seed "$DEMO_SEED" \
        --backend "$be" --no-progress --json "$OUT/demo-$be.json" > "$SCRATCH/demo-$be.txt" 2>&1; rc=$?
      grep -v '^WARNING: Using incubator modules' "$SCRATCH/demo-$be.txt" >> "$DEMO_LOG"
      echo "(exit $rc, $((SECONDS - t)) s)" >> "$DEMO_LOG"; echo >> "$DEMO_LOG"
      secs="$(python3 -c 'import json,sys; print("%.2f" % json.load(open(sys.argv[1]))["seconds"])' "$OUT/demo-$be.json" 2>/dev/null || echo '?')"
      err="$(grep '^mtl: ' "$SCRATCH/demo-$be.txt" | head -n 1)"
      if [ $rc -eq 0 ]; then
        record "demo-$be" ok $((SECONDS - t)) "experiment ${secs} s (JVM wall $((SECONDS - t)) s)"
      elif [ $be = cuda ] && [ $rc -eq 2 ] && [ $GPU_PRESENT = 0 ]; then
        record "demo-$be" SKIP $((SECONDS - t)) "exit 2 as expected without a GPU: ${err:-?}"
      else
        record "demo-$be" FAIL $((SECONDS - t)) "exit $rc: ${err:-see demo.txt}"; CHECK_FAIL=1
      fi
    else
      record "demo-$be" SKIP 0 "time budget"
    fi
  done
  if [ -f "$OUT/demo-cpu.json" ] && [ -f "$OUT/demo-cuda.json" ]; then
    python3 - "$OUT/demo-cpu.json" "$OUT/demo-cuda.json" > "$SCRATCH/compare.txt" 2>&1 <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
rows = []  # (group, kind, n, maxdiff, tol, detail)
def cmp(group, kind, xs, ys, tol, rel=False, labels=None):
    xs, ys = list(xs), list(ys)
    if len(xs) != len(ys):
        rows.append((group, kind, len(xs), float("inf"), tol, "length %d vs %d" % (len(xs), len(ys)))); return
    scale = max([abs(x) for x in xs] + [1e-30]) if rel else 1.0
    worst, where = 0.0, ""
    for i, (x, y) in enumerate(zip(xs, ys)):
        if x is None or y is None:
            d = 0.0 if x is None and y is None else float("inf")
        else:
            d = abs(x - y) / scale
        if d > worst:
            worst, where = d, (labels[i] if labels else str(i)) + ": cpu %s cuda %s" % (x, y)
    rows.append((group, kind, len(xs), worst, tol, where))
flat = lambda m: [v for r in m for v in r]
cmp("config.rank (suggested)", "backend", [a["config"]["rank"]], [b["config"]["rank"]], 0)
cmp("capacity.singularValues", "backend", a["capacity"]["singularValues"], b["capacity"]["singularValues"], 1e-2, rel=True)
cmp("similarityRanks", "backend", a["similarityRanks"], b["similarityRanks"], 1)
cmp("similarity", "backend", flat(a["similarity"]), flat(b["similarity"]), 1e-3)
names = [t["name"] for t in a["tasks"]]
for key in ("stl", "mtl", "mtlAlign", "mtlReweight"):
    cmp("test metric " + key, "trained", [t.get(key) for t in a["tasks"]], [t.get(key) for t in b["tasks"]], 0.02, labels=names)
cmp("reweightAlpha", "trained", a.get("reweightAlpha") or [], b.get("reweightAlpha") or [], 0.02, labels=names)
if a.get("similarityAligned") and b.get("similarityAligned"):
    cmp("similarityAligned", "trained", flat(a["similarityAligned"]), flat(b["similarityAligned"]), 0.05)
print("demo cpu vs cuda (%s, %s tasks, seed %s): |cpu - cuda| per group (capacity: relative to its largest value)"
      % (a.get("suite"), len(names), a.get("seed")))
print("%-26s %-8s %3s %11s %8s  %s" % ("group", "kind", "n", "max|diff|", "tol", "status  worst"))
bad_backend = bad_trained = 0
for g, k, n, d, tol, w in rows:
    ok = d <= tol
    if not ok:
        if k == "backend": bad_backend += 1
        else: bad_trained += 1
    print("%-26s %-8s %3d %11.3g %8.3g  %-6s  %s" % (g, k, n, d, tol, "ok" if ok else ("FAIL" if k == "backend" else "WARN"), w))
print("per task (metric: cpu / cuda):")
for ta, tb in zip(a["tasks"], b["tasks"]):
    print("  %-10s %-4s " % (ta["name"], ta["metric"]) + "  ".join(
        "%s %.4f/%.4f" % (k, ta[k], tb[k]) for k in ("stl", "mtl", "mtlAlign", "mtlReweight") if ta.get(k) is not None and tb.get(k) is not None))
print("seconds: cpu %.2f, cuda %.2f" % (a["seconds"], b["seconds"]))
print("RESULT %s %d %d" % ("FAIL" if bad_backend else ("WARN" if bad_trained else "ok"), bad_backend, bad_trained))
PY
    rc=$?
    cat "$SCRATCH/compare.txt" >> "$DEMO_LOG"
    res="$(sed -n 's/^RESULT //p' "$SCRATCH/compare.txt")"
    read -r st nb nt <<< "${res:-ERROR 0 0}"
    if [ $rc -ne 0 ] || [ "$st" = ERROR ]; then
      record demo-compare FAIL 0 "comparison script failed (see demo.txt)"; CHECK_FAIL=1
    elif [ "$st" = FAIL ]; then
      record demo-compare FAIL 0 "$nb backend-only group(s) beyond tolerance, $nt trained group(s) (see demo.txt)"; CHECK_FAIL=1
    else
      record demo-compare "$st" 0 "backend-only groups within tolerance; $nt trained group(s) beyond it; $(grep '^seconds:' "$SCRATCH/compare.txt")"
    fi
    sed -n '/^group/,/^RESULT/p' "$SCRATCH/compare.txt" | grep -v '^RESULT' | sed 's/^/    /'
  else
    record demo-compare SKIP 0 "needs both demo-cpu.json and demo-cuda.json"
  fi
fi

# ---------------------------------------------------------------------------------------------
sanitize() {  # tool cap out-file
  local tool=$1 cap=$2 out=$3 s t rc
  if [ -z "$SANITIZER" ]; then
    record "$tool" SKIP 0 "compute-sanitizer not found"; echo "compute-sanitizer not found" > "$out"; return
  fi
  if [ $GPU_TESTS_OK = 0 ]; then
    record "$tool" SKIP 0 "the GPU suite did not pass (or did not run) without the sanitizer"
    echo "skipped: the GPU suite did not pass without the sanitizer" > "$out"; return
  fi
  if ! s=$(box "$cap" 40); then
    record "$tool" SKIP 0 "time budget"; echo "skipped: time budget" > "$out"; return
  fi
  t=$SECONDS
  echo "===== $SANITIZER --tool $tool (GPU suite, seed $SEED, limit ${s}s)" > "$out"
  junit_run "$SCRATCH/$tool.txt" "$s" "$SANITIZER" --tool "$tool" --target-processes all \
    --report-api-errors no --error-exitcode 97 --print-limit 100 -- \
    --scan-classpath "$D/test-classes" --include-tag gpu; rc=$?
  cat "$SCRATCH/$tool.txt" >> "$out"; echo "(exit $rc, $((SECONDS - t)) s)" >> "$out"
  local summary ok fail skip found abrt
  summary="$(grep -E '(ERROR|RACECHECK) SUMMARY' "$SCRATCH/$tool.txt" | tail -n 1 | sed 's/^========= //')"
  read -r ok fail skip found abrt <<< "$(junit_counts "$SCRATCH/$tool.txt")"
  local nerr; nerr="$(grep -oE 'SUMMARY: [0-9]+ (errors?|hazards?)' <<< "$summary" | grep -oE '[0-9]+' | head -n 1)"
  if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
    local done_tests; done_tests=$(grep -cE '\[(OK|X|S|A)\]' "$SCRATCH/$tool.txt")
    local errs_so_far; errs_so_far=$(grep -cE '^========= +(Invalid|Race|Error|Warning)' "$SCRATCH/$tool.txt")
    if [ "$errs_so_far" -gt 0 ]; then
      record "$tool" FAIL $((SECONDS - t)) "timed out after ${s}s; $errs_so_far report(s) before that"; CHECK_FAIL=1
    else
      record "$tool" PART $((SECONDS - t)) "timed out after ${s}s, clean so far (~$done_tests tests/containers done)"
    fi
  elif [ $rc -eq 97 ] || { [ -n "$nerr" ] && [ "$nerr" -gt 0 ]; }; then
    record "$tool" FAIL $((SECONDS - t)) "${summary:-sanitizer reported errors (exit $rc)}"; CHECK_FAIL=1
  elif [ "$fail" -gt 0 ] || [ $rc -ne 0 ]; then
    record "$tool" FAIL $((SECONDS - t)) "$fail test(s) failed under $tool (exit $rc); ${summary:-no summary}"; CHECK_FAIL=1
  elif [ "$ok" -eq 0 ]; then
    record "$tool" FAIL $((SECONDS - t)) "no GPU test ran under $tool ($skip skipped); ${summary:-no summary}"; CHECK_FAIL=1
  else
    record "$tool" ok $((SECONDS - t)) "${summary:-no summary line}; ${ok:-0} tests passed"
  fi
}
want memcheck && sanitize memcheck 150 "$OUT/memcheck.txt"
want racecheck && sanitize racecheck 120 "$OUT/racecheck.txt"

# ---------------------------------------------------------------------------------------------
if want svd; then
  if s=$(box 100 20); then
    t=$SECONDS
    echo "===== mtl svd, one cold call per JVM (includes the backend's first allocations), ms as printed by mtl" >> "$TIMINGS"
    printf '%-12s %10s %10s %8s  %s\n' shape cpu_ms cuda_ms speedup "max |S_cpu - S_cuda| / S_max (per matrix)" >> "$TIMINGS"
    # 1x1024x1024 last: one thread block factors it (CudaBackend.MAX_JACOBI_N = 1024), which is
    # the timing that should set that cut-off; the time box may cut it.
    shapes="1000x32x32 100x64x64 10x256x256 10x1024x256 1x1024x1024"
    deadline=$((SECONDS + s)); svd_bad=0; svd_runs=0; svd_note=""
    for sh in $shapes; do
      [ $((deadline - SECONDS)) -lt 10 ] && { echo "$sh: skipped (time box)" >> "$TIMINGS"; continue; }
      python3 - "$sh" "$SCRATCH/A-$sh.npy" <<'PY' 2>>"$TIMINGS"
import sys, struct, random
b, m, n = map(int, sys.argv[1].split("x"))
try:
    import numpy as np
    np.save(sys.argv[2], np.random.default_rng(7).standard_normal((b, m, n), dtype=np.float32))
except ImportError:  # a plain .npy writer
    from array import array
    rnd = random.Random(7)
    hdr = "{'descr': '<f4', 'fortran_order': False, 'shape': (%d, %d, %d), }" % (b, m, n)
    hdr += " " * (63 - (10 + len(hdr)) % 64) + "\n"
    with open(sys.argv[2], "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(hdr)) + hdr.encode())
        array("f", (rnd.gauss(0, 1) for _ in range(b * m * n))).tofile(f)
PY
      declare -A ms=()
      for be in cpu cuda; do
        rem=$((deadline - SECONDS)); [ $rem -lt 5 ] && { ms[$be]="timebox"; continue; }
        timeout -k 5 "$rem" "$JAVA" "${JOPTS[@]}" -Xmx8g -jar "$JAR" svd --in "$SCRATCH/A-$sh.npy" \
          --out "$SCRATCH/svd-$be-$sh" --backend "$be" > "$SCRATCH/svd-$be.txt" 2>&1; rc=$?
        line="$(grep -v '^WARNING: Using incubator' "$SCRATCH/svd-$be.txt")"
        v="$(sed -n 's/.* in \([0-9.]*\) ms.*/\1/p' <<< "$line" | head -n 1)"
        if [ -n "$v" ]; then ms[$be]=$v; svd_runs=$((svd_runs + 1));
        elif [ $be = cuda ] && [ $GPU_PRESENT = 0 ]; then ms[$be]="n/a";
        elif [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
          # Out of time is not a wrong answer: reported, but the step does not fail for it.
          ms[$be]="timeout"; echo "$sh $be: timed out after ${rem}s" >> "$TIMINGS"
        else ms[$be]="err"; echo "$sh $be: exit $rc: $(head -n 2 <<< "$line")" >> "$TIMINGS"; svd_bad=1; fi
      done
      diff="-"
      if [ -f "$SCRATCH/svd-cpu-$sh/S.npy" ] && [ -f "$SCRATCH/svd-cuda-$sh/S.npy" ]; then
        diff="$(python3 - "$SCRATCH/svd-cpu-$sh/S.npy" "$SCRATCH/svd-cuda-$sh/S.npy" <<'PY' 2>&1
import sys
import numpy as np
a, b = (np.load(p).astype(np.float64) for p in sys.argv[1:3])
a, b = a.reshape(-1, a.shape[-1]), b.reshape(-1, b.shape[-1])
r = (np.abs(a - b).max(axis=1) / np.maximum(a.max(axis=1), 1e-30)).max()
print("%.2e%s" % (r, "" if r <= 1e-3 else " MISMATCH"))
PY
)"
        case "$diff" in *MISMATCH*|*Error*|*error*) svd_bad=1; svd_note="S differs for $sh" ;; esac
      fi
      sp="-"
      if [[ "${ms[cpu]}" =~ ^[0-9.]+$ ]] && [[ "${ms[cuda]}" =~ ^[0-9.]+$ ]]; then
        sp="$(awk -v a="${ms[cpu]}" -v b="${ms[cuda]}" 'BEGIN { if (b > 0) printf "%.1fx", a / b; else print "-" }')"
      fi
      printf '%-12s %10s %10s %8s  %s\n' "$sh" "${ms[cpu]}" "${ms[cuda]}" "$sp" "$diff" >> "$TIMINGS"
      unset ms
      rm -rf "$SCRATCH/A-$sh.npy" "$SCRATCH"/svd-*-"$sh"
    done
    echo >> "$TIMINGS"
    sed -n '/^shape/,/^$/p' "$TIMINGS" | grep -v '^$' | sed 's/^/    /'
    if [ $svd_bad = 1 ]; then
      record svd FAIL $((SECONDS - t)) "${svd_note:-an svd run failed} (see timings.txt)"; CHECK_FAIL=1
    else
      record svd ok $((SECONDS - t)) "$svd_runs runs (cpu$([ $GPU_PRESENT = 1 ] && echo ' + cuda' || echo ' only: no GPU'))"
    fi
  else
    record svd SKIP 0 "time budget"
  fi
fi

# ---------------------------------------------------------------------------------------------
# Training epoch (issue #5's training target): TrainEpochBench on both backends in one JMH run,
# then PyTorch eager on CUDA (benchmarks/peers/gpu_peers.py: the same epoch, and the device's
# copy/SGEMM ceilings), so every ratio is measured side by side in this one call.
if want train; then
  if [ ! -d "$D/bench" ]; then
    record train SKIP 0 "no bench/ in the bundle"
  elif s=$(box 150 40); then
    t=$SECONDS
    # epochOfTen: the time per epoch of a ten-epoch training (data uploaded once), which is what
    # the PyTorch peer measures (its data stays on the device); 'epoch' would add an upload.
    echo "===== JMH TrainEpochBench.epochOfTen -p backend=cpu,cuda -p m=2000,20000 -f 1 -wi 2 -i 3 -w 1s -r 1s" >> "$TIMINGS"
    timeout -k 5 $((s * 2 / 3)) "$JAVA" "${JOPTS[@]}" -cp "$BENCH_CP" org.openjdk.jmh.Main \
      -f 1 -wi 2 -i 3 -w 1s -r 1s -p backend=cpu,cuda -p m=2000,20000 'TrainEpochBench.epochOfTen' > "$SCRATCH/train-jmh.txt" 2>&1; rc=$?
    grep -v '^WARNING: Using incubator' "$SCRATCH/train-jmh.txt" >> "$TIMINGS"
    echo "(exit $rc, $((SECONDS - t)) s)" >> "$TIMINGS"
    rem=$((s - (SECONDS - t)))
    if [ $rem -ge 20 ] && python3 -c 'import torch, numpy' 2>/dev/null; then
      echo "===== python3 benchmarks/peers/gpu_peers.py --samples 3 --sample-s 0.3 --warmup-s 0.5" >> "$TIMINGS"
      timeout -k 5 "$rem" python3 benchmarks/peers/gpu_peers.py --samples 3 --sample-s 0.3 --warmup-s 0.5 \
        > "$SCRATCH/train-peers.txt" 2>&1; prc=$?
      cat "$SCRATCH/train-peers.txt" >> "$TIMINGS"; echo "(exit $prc)" >> "$TIMINGS"
    else
      echo "(no PyTorch peer: torch/numpy missing or no time left)" >> "$TIMINGS"
    fi
    echo >> "$TIMINGS"
    # ours (cuda) / torch eager on CUDA (loss read every 32 steps, as ours), per m. JMH prints a
    # "# Parameters: (backend = B, ..., m = M, ...)" header and a 'Result "...":' line followed by
    # "  X ±(99.9%) E ms/op" per combination as it goes, so a run cut by the time box still yields what it finished.
    jmh_ms() {  # backend m -> score in ms, or nothing
      awk -v be="$1" -v m="$2" '
        /^# Parameters:/ { ok = ($0 ~ ("backend = " be ",") && $0 ~ ("m = " m ",")) }
        want { print $1; exit }
        /^Result "org.mtlalign.bench.TrainEpochBench.epochOfTen":/ { want = ok }' "$SCRATCH/train-jmh.txt"
    }
    note=""; cuda_missing=0
    for m in 2000 20000; do
      cpu_ms="$(jmh_ms cpu $m)"
      cuda_ms="$(jmh_ms cuda $m)"
      torch_ms="$(awk -v m="m=$m" '$1 == "train.epoch" && $2 == m && $3 == "check_every=32" {print $5}' "$SCRATCH/train-peers.txt" 2>/dev/null | head -n 1)"
      ratio="-"
      if [[ "$cuda_ms" =~ ^[0-9.]+$ ]] && [[ "$torch_ms" =~ ^[0-9.]+$ ]]; then
        ratio="$(awk -v a="$torch_ms" -v b="$cuda_ms" 'BEGIN { printf "%.2fx", a / b }')"
      fi
      [ -z "$cuda_ms" ] && cuda_missing=1
      note="$note m=$m: cpu ${cpu_ms:-?} ms, cuda ${cuda_ms:-?} ms, torch-cuda ${torch_ms:-?} ms (torch/ours $ratio);"
    done
    note="${note%;}"
    if { [ $rc -eq 0 ] || [ $rc -eq 124 ] || [ $rc -eq 137 ]; } && grep -q 'ms/op' "$SCRATCH/train-jmh.txt" \
        && { [ $GPU_PRESENT = 0 ] || [ $cuda_missing = 0 ]; }; then
      [ $rc -ne 0 ] && note="$note (JMH cut by the time box after these)"
      record train ok $((SECONDS - t)) "${note# }$([ $GPU_PRESENT = 0 ] && echo ' (no GPU: cpu only)')"
    else
      record train FAIL $((SECONDS - t)) "JMH exit $rc;$note (see timings.txt)"
      [ $GPU_PRESENT = 1 ] && CHECK_FAIL=1
    fi
  else
    record train SKIP 0 "time budget"
  fi
fi

# ---------------------------------------------------------------------------------------------
if want jmh; then
  if [ ! -d "$D/bench" ]; then
    record jmh SKIP 0 "no bench/ in the bundle"
  elif s=$(box 60 30); then
    t=$SECONDS
    echo "===== JMH (CPU backend on this machine's CPU, the peer of mtl svd --backend cuda above): SvdBench -f 1 -wi 1 -i 2 -w 1s -r 1s" >> "$TIMINGS"
    timeout -k 5 "$s" "$JAVA" "${JOPTS[@]}" -cp "$BENCH_CP" org.openjdk.jmh.Main \
      -f 1 -wi 1 -i 2 -w 1s -r 1s -p shape=1000x32x32,10x256x256 SvdBench > "$SCRATCH/jmh.txt" 2>&1; rc=$?
    grep -v '^WARNING: Using incubator' "$SCRATCH/jmh.txt" >> "$TIMINGS"
    echo "(exit $rc, $((SECONDS - t)) s)" >> "$TIMINGS"
    if [ $rc -eq 0 ] && grep -q 'ms/op' "$SCRATCH/jmh.txt"; then
      record jmh ok $((SECONDS - t)) "cpu SvdBench $(grep -E '^SvdBench' "$SCRATCH/jmh.txt" | awk '{printf "%s%s %s %s", (NR > 1 ? ", " : ""), $2, $5, $NF}')"
      grep -E '^(Benchmark|SvdBench)' "$SCRATCH/jmh.txt" | sed 's/^/    /'
    else
      record jmh FAIL $((SECONDS - t)) "exit $rc (see timings.txt)"
    fi
  else
    record jmh SKIP 0 "time budget"
  fi
fi

# ---------------------------------------------------------------------------------------------
if [ $TEST_FAIL = 1 ]; then code=1; elif [ $CHECK_FAIL = 1 ]; then code=3; else code=0; fi
{
  echo
  echo "== summary ($(elapsed) s of ${BUDGET} s budget; gpu: $([ $GPU_PRESENT = 1 ] && echo present || echo none); test seed $SEED; exit $code)"
  printf '%-16s %-5s %6s  %s\n' step status secs note
  printf '%-16s %-5s %6s  %s\n' ---- ------ ---- ----
  for i in "${!NAMES[@]}"; do
    printf '%-16s %-5s %6s  %s\n' "${NAMES[$i]}" "${STATUS[$i]}" "${SECS[$i]}" "${NOTES[$i]}"
  done
  echo "files: $(cd "$OUT" && ls | tr '\n' ' ')"
} | tee -a "$SUMMARY"
exit $code
