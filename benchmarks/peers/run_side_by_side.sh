#!/usr/bin/env bash
# Runs the JMH suite and the NumPy/PyTorch peers back to back, RUNS times, in one session, and
# keeps everything under OUTDIR (default benchmarks/results/raw/<date>):
#   env.txt                     machine, versions, environment, load before and after
#   jmh-runN.json / .log        the JMH suite (2 OpenBLAS threads, the pthread default)
#   peers-runN.json / .log      cpu_peers.py, torch.set_num_threads(2)
#   jmh-train-1t-runN.*         supplementary: TrainEpochBench with OPENBLAS_NUM_THREADS=1
#   peers-train-1t-runN.*       supplementary: torch epoch, 1 thread, OPENBLAS_NUM_THREADS=1
# Build first (from the repository root):
#   mvn -q install -DskipTests -Dmtlalign.native.skip=true && mvn -q -f benchmarks/pom.xml package
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${RUNS:-2}
OUTDIR=${OUTDIR:-benchmarks/results/raw/$(date -u +%Y-%m-%d)}
PY=/usr/bin/python3
JAR=benchmarks/target/benchmarks.jar
JMH_OPTS=${JMH_OPTS:--f 1 -wi 3 -i 5}
mkdir -p "$OUTDIR"

{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "uptime: $(uptime)"
  echo "nproc: $(nproc)"
  grep -m1 'model name' /proc/cpuinfo
  grep -m1 'flags' /proc/cpuinfo | tr ' ' '\n' | grep -E '^(avx|avx2|fma|avx512f)$' | tr '\n' ' '; echo
  echo "libblas.so.3 -> $(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3)"
  echo "liblapack.so.3 -> $(readlink -f /usr/lib/x86_64-linux-gnu/liblapack.so.3)"
  dpkg-query -W -f='${Package} ${Version}\n' libopenblas0-pthread python3-torch python3-numpy python3-scipy python3-threadpoolctl 2>/dev/null || true
  env | grep -E '^(OPENBLAS|OMP|GOMP|MKL)_' | sort || true
  java -version 2>&1
  java --add-modules jdk.incubator.vector -cp "$JAR" org.mtlalign.bench.PrintBackend 2>/dev/null
  $PY -c 'import torch;print("torch", torch.__version__, "default threads", torch.get_num_threads());print([l.strip() for l in torch.__config__.show().splitlines() if "BLAS_INFO" in l][0])'
} > "$OUTDIR/env.txt" 2>&1

for i in $(seq 1 "$RUNS"); do
  echo "== run $i: JMH ($(cat /proc/loadavg))"
  echo "load before jmh run $i: $(cat /proc/loadavg)" >> "$OUTDIR/env.txt"
  java --add-modules jdk.incubator.vector -jar "$JAR" $JMH_OPTS -rf json -rff "$OUTDIR/jmh-run$i.json" \
      > "$OUTDIR/jmh-run$i.log" 2>&1
  echo "== run $i: peers ($(cat /proc/loadavg))"
  echo "load before peers run $i: $(cat /proc/loadavg)" >> "$OUTDIR/env.txt"
  $PY benchmarks/peers/cpu_peers.py --threads 2 --json "$OUTDIR/peers-run$i.json" > "$OUTDIR/peers-run$i.log" 2>&1
  if [ "${SUPPLEMENT:-1}" = 1 ]; then
    echo "== run $i: 1-thread training epoch ($(cat /proc/loadavg))"
    OPENBLAS_NUM_THREADS=1 java --add-modules jdk.incubator.vector -jar "$JAR" $JMH_OPTS -rf json \
        -rff "$OUTDIR/jmh-train-1t-run$i.json" TrainEpochBench > "$OUTDIR/jmh-train-1t-run$i.log" 2>&1
    OPENBLAS_NUM_THREADS=1 $PY benchmarks/peers/cpu_peers.py --threads 1 --only train \
        --json "$OUTDIR/peers-train-1t-run$i.json" > "$OUTDIR/peers-train-1t-run$i.log" 2>&1
  fi
done
echo "load after: $(cat /proc/loadavg)" >> "$OUTDIR/env.txt"
echo "uptime after: $(uptime)" >> "$OUTDIR/env.txt"
echo "done: $OUTDIR"
