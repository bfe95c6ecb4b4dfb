#!/usr/bin/env bash
# Ours at the launcher's setting against ours at the old one and against each peer at its best
# thread setting, interleaved, RUNS times, in one session (see benchmarks/NOTES.md, 2026-11-30):
#   jmh-1t-runN.json    ours as `mtl` runs it: OPENBLAS_NUM_THREADS=1, CPU workers = cores
#   jmh-2t-runN.json    ours as before: OpenBLAS's default threads, 1 worker
#   peers-2t-runN.json  cpu_peers.py --threads 2 (OpenBLAS default threads)
#   peers-1t-runN.json  cpu_peers.py --threads 1 with OPENBLAS_NUM_THREADS=1
# Build first: mvn -q install -DskipTests -Dmtlalign.native.skip=true && mvn -q -f benchmarks/pom.xml package
# Tables: /usr/bin/python3 benchmarks/peers/compare_threads.py OUTDIR
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${RUNS:-2}
OUTDIR=${OUTDIR:-benchmarks/results/raw/$(date -u +%Y-%m-%d)-threads}
PY=/usr/bin/python3
JAR=benchmarks/target/benchmarks.jar
JMH_OPTS=${JMH_OPTS:--f 1 -wi 3 -i 5}
BENCH=${BENCH:-}
mkdir -p "$OUTDIR"
unset OPENBLAS_NUM_THREADS GOTO_NUM_THREADS OMP_NUM_THREADS
{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "uptime: $(uptime)"
  echo "nproc: $(nproc)"
  grep -m1 'model name' /proc/cpuinfo
  echo "libblas.so.3 -> $(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3)"
  dpkg-query -W -f='${Package} ${Version}\n' libopenblas0-pthread python3-torch python3-numpy 2>/dev/null || true
  env | grep -E '^(OPENBLAS|OMP|GOMP|MKL)_' | sort || true
  java -version 2>&1
  echo "1t: $(OPENBLAS_NUM_THREADS=1 java --add-modules jdk.incubator.vector -cp "$JAR" org.mtlalign.bench.PrintBackend 2>/dev/null)"
  echo "2t: $(java --add-modules jdk.incubator.vector -cp "$JAR" org.mtlalign.bench.PrintBackend 2>/dev/null)"
} > "$OUTDIR/env.txt" 2>&1
for i in $(seq 1 "$RUNS"); do
  echo "load before run $i: $(cat /proc/loadavg)" >> "$OUTDIR/env.txt"
  echo "== run $i: ours 1t ($(cat /proc/loadavg))"
  OPENBLAS_NUM_THREADS=1 java --add-modules jdk.incubator.vector -jar "$JAR" $JMH_OPTS -rf json \
      -rff "$OUTDIR/jmh-1t-run$i.json" $BENCH > "$OUTDIR/jmh-1t-run$i.log" 2>&1
  echo "== run $i: peers 2t ($(cat /proc/loadavg))"
  $PY benchmarks/peers/cpu_peers.py --threads 2 --json "$OUTDIR/peers-2t-run$i.json" > "$OUTDIR/peers-2t-run$i.log" 2>&1
  echo "== run $i: ours 2t ($(cat /proc/loadavg))"
  java --add-modules jdk.incubator.vector -jar "$JAR" $JMH_OPTS -jvmArgsAppend -Dmtlalign.cpu.workers=1 -rf json \
      -rff "$OUTDIR/jmh-2t-run$i.json" $BENCH > "$OUTDIR/jmh-2t-run$i.log" 2>&1
  echo "== run $i: peers 1t ($(cat /proc/loadavg))"
  OPENBLAS_NUM_THREADS=1 $PY benchmarks/peers/cpu_peers.py --threads 1 --json "$OUTDIR/peers-1t-run$i.json" \
      > "$OUTDIR/peers-1t-run$i.log" 2>&1
done
echo "load after: $(cat /proc/loadavg)" >> "$OUTDIR/env.txt"
echo "done: $OUTDIR"
